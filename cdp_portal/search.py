"""Global search (`/search/?q=`): communities, resources, discussions and people at once.

Every section starts from its app's own visibility rule (`Community.visible_to`,
`Resource.visible_to`, `Topic.visible_to` and `Post.readable_by`,
`Profile.for_directory`); nothing here decides who sees what. Each section costs a fixed
number of queries whatever the data.

Totals: communities and people are read in full anyway (a small table; a name sort over
every match), so their total comes with their rows (`COUNT(*) OVER ()`). Resources and
discussions find their first rows without reading every match (rank on a small vector;
for discussions, the title index and the most recent matching posts), and a window would
make PostgreSQL build every matching row in full (joins, headlines) only to count it:
their total is a separate `COUNT`, which for discussions stops at `COUNT_CAP` ("more
than 1,000"), the section having no page of its own to page through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery, Window

from cdp_portal.core.search_text import SearchText
from communities.models import Community, Membership, Profile
from communities.responses import STATE_BY_STATUS
from forums.models import Post, Topic
from forums.search import POST_WINDOW, best_of_each_topic
from resources.models import Resource
from resources.search import corrected_query, safe_headline

SECTION_SIZE = 5
# There is no forum search page to send people to: the section shows more rows instead.
DISCUSSION_LIMIT = 20
# Discussions are counted up to this ("more than COUNT_CAP").
COUNT_CAP = 1000


@dataclass
class Section:
    items: list[Any] = field(default_factory=list)
    total: int = 0
    # True when `total` is COUNT_CAP and there are more.
    capped: bool = False

    @property
    def has_more(self) -> bool:
        return self.total > len(self.items)


@dataclass
class SearchResults:
    query: str = ""
    communities: Section = field(default_factory=Section)
    resources: Section = field(default_factory=Section)
    discussions: Section = field(default_factory=Section)
    people: Section = field(default_factory=Section)

    @property
    def sections(self) -> tuple[Section, ...]:
        return (self.communities, self.resources, self.discussions, self.people)

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)

    @property
    def capped(self) -> bool:
        return any(section.capped for section in self.sections)


def _with_window_total(queryset: QuerySet, limit: int) -> Section:
    """The first `limit` rows and the total number of rows, in one query: for sections
    whose first rows can only be found by reading every match anyway."""
    rows = list(queryset.annotate(search_total=Window(Count("*")))[:limit])
    return Section(items=rows, total=rows[0].search_total if rows else 0)


def community_matches(user, text: str) -> QuerySet:
    """Communities the person may know exist whose name, summary or theme holds every
    word (accents ignored), with what a community card shows."""
    return (
        Community.objects.visible_to(user)
        .matching(text)
        .for_listing()
        .annotate(
            my_status=Subquery(
                Membership.objects.filter(community=OuterRef("pk"), user=user).values("status")[:1]
            )
        )
    )


def discussion_matches(user, text: str) -> Section:
    """Topics the person sees (`Topic.visible_to`) whose title matches, most recent first,
    then those where a post they may read (`Post.readable_by`) holds the text, by the
    rank of their best post, then its date. A topic with such a post carries it as `hit`
    (its permalink) with `snippet`, the highlighted extract. Four queries: the recent
    matching posts, the topics found (their ids, for the total), the topics shown, their
    tags.

    Posts are read among the POST_WINDOW most recent matches (forums.search): when there
    are that many, the total counts the topics found among them and says "more than"."""
    topics = Topic.objects.visible_to(user)
    # Posts in topics hidden from the person are readable by their author (`readable_by`):
    # such a topic may be among the posts read, `topics` leaves it out of what is shown
    # and counted. (Filtering the posts on `topics` cost a hash of every visible topic,
    # 60 ms at 40,000 topics, whatever the words.)
    window = list(Post.objects.readable_by(user).recent_matches(text))
    best = best_of_each_topic(window)
    by_topic = {hit.topic_id: hit for hit in best}
    # Past COUNT_CAP ids the total stops; past this many, some topics of the posts found
    # may be left out, but only when at least DISCUSSION_LIMIT titles match, and titles
    # come first.
    enough = max(COUNT_CAP, POST_WINDOW + DISCUSSION_LIMIT) + 1
    found = set(
        topics.matching_or_among(text, list(by_topic))
        .order_by()
        .values_list("pk", flat=True)[:enough]
    )
    hits = [hit for hit in best if hit.topic_id in found]
    ranked = [hit.topic_id for hit in hits[:DISCUSSION_LIMIT]]
    rows = list(
        topics.matching_or_among(text, ranked)
        .in_search_order(text, ranked)
        # A topic found by its title gets its post's extract too.
        .with_extract(text, [hit.pk for hit in hits])
        .for_listing()
        .prefetch_related("tags")[:DISCUSSION_LIMIT]
    )
    for topic in rows:
        topic.hit = by_topic.get(topic.pk)
        if topic.hit is not None:
            topic.hit.snippet = safe_headline(topic.extract)
    return Section(
        items=rows,
        total=min(len(found), COUNT_CAP),
        capped=len(found) > COUNT_CAP or len(window) == POST_WINDOW,
    )


def search_everything(user, q: str | None) -> SearchResults:
    """The four sections for what was typed; nothing (and no query) when it is blank."""
    text = SearchText(q)
    if not text:
        return SearchResults()

    communities = _with_window_total(community_matches(user, text), SECTION_SIZE)
    for community in communities.items:
        community.my_state = STATE_BY_STATUS.get(community.my_status, "none")

    visible = Resource.objects.visible_to(user)
    correction = corrected_query(text, within=visible)
    matching = visible.matching(text, correction=correction)
    resource_rows = list(
        matching.ranked(text, correction=correction)
        .sorted_by("relevance")
        .for_listing()[:SECTION_SIZE]
    )
    for resource in resource_rows:
        resource.snippet = safe_headline(getattr(resource, "headline", None))
    resources = Section(items=resource_rows, total=matching.count())

    discussions = discussion_matches(user, text)

    people = _with_window_total(
        Profile.objects.for_directory().search(text).ordered_by_name().for_cards(),
        SECTION_SIZE,
    )
    return SearchResults(
        query=text,
        communities=communities,
        resources=resources,
        discussions=discussions,
        people=people,
    )
