"""What a person's digest holds, read at sending time through the apps' own querysets
(`Topic.objects.visible_to`, `Resource.objects.visible_to`, `ChecklistItem.objects.my_tasks`,
`Community.objects.moderated_by`…): nothing here says who may read what.

A digest covers a window (`periods.Period.window_for`): the new discussions in the forums
the person watches, the replies in the topics they watch, the new discussions and
resources carrying a tag they follow (their interests), the new calls for help matching
their expertise; and, whatever the window, what waits for them: membership requests and
flags in the communities they animate, their checklist tasks due soon or overdue. Their
own writing and what moderation hid are left out.

People come in batches. `find_leads` tells, in a few set-based queries over the batch,
who *may* have something in each part (a superset: who watches a forum where a topic was
opened, whose interests meet the tags of new content, who animates a community…); only
those parts of only those people are then read, one person at a time, with their own
`visible_to`. So the cost follows what there is to tell, not the number of people, and a
person's digest takes a bounded number of queries whatever the amount of data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db.models import Count, Exists, F, Min, OuterRef, QuerySet, Subquery, Window
from django.urls import reverse

from cdp_portal.accounts.permissions import is_portal_admin
from cdp_portal.accounts.types import User
from cdp_portal.outbox.mailing import absolute_url
from communities.models import Community, Membership, Role, TaggedExpertise, TaggedInterest
from forums.models import Flag, Post, Topic, Watch
from readiness.models import ChecklistItem
from resources.models import Resource, ResourceFlag, TaggedResource

# Items listed per part; the rest is counted ("and 12 more").
LIST_SIZE = 10
# Checklist tasks due within this many days of the digest (or overdue) are listed.
DUE_SOON_DAYS = 7

T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The first LIST_SIZE items of a part and how many there are in all."""

    items: list[T] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    def __bool__(self) -> bool:
        return self.total > 0


def _listing(queryset: QuerySet) -> Listing:
    """One query: the first items, and the total counted by a window over the same rows."""
    rows = list(queryset.annotate(listing_total=Window(Count("pk")))[:LIST_SIZE])
    return Listing(rows, rows[0].listing_total if rows else 0)


@dataclass
class Digest:
    user: User
    since: datetime
    until: datetime
    calls: Listing[Topic] = field(default_factory=Listing)
    forum_topics: Listing[Topic] = field(default_factory=Listing)
    replies: Listing[Topic] = field(default_factory=Listing)
    tagged_topics: Listing[Topic] = field(default_factory=Listing)
    tagged_resources: Listing[Resource] = field(default_factory=Listing)
    requests: list[Community] = field(default_factory=list)
    post_flags: list[dict[str, Any]] = field(default_factory=list)
    resource_flags: int = 0
    tasks: Listing[ChecklistItem] = field(default_factory=Listing)

    def counts(self) -> dict[str, int]:
        """How many of each, by part (what `send_digests --dry-run` prints)."""
        return {
            "calls": self.calls.total,
            "discussions": self.forum_topics.total + self.tagged_topics.total,
            "topics with replies": self.replies.total,
            "resources": self.tagged_resources.total,
            "membership requests": sum(
                getattr(community, "pending_request_count", 0) for community in self.requests
            ),
            "flags": sum(row["count"] for row in self.post_flags) + self.resource_flags,
            "tasks": self.tasks.total,
        }

    @property
    def item_count(self) -> int:
        return sum(self.counts().values())

    @property
    def is_empty(self) -> bool:
        return self.item_count == 0


# --- Who may have something: a few queries per batch ------------------------------------


@dataclass
class Leads:
    forum_watchers: set[int] = field(default_factory=set)
    topic_watchers: set[int] = field(default_factory=set)
    # The followed tags that new content carries, per person.
    interests: dict[int, list[int]] = field(default_factory=dict)
    experts: set[int] = field(default_factory=set)
    moderators: set[int] = field(default_factory=set)
    task_owners: set[int] = field(default_factory=set)


def _created_between(since: datetime, until: datetime, prefix: str = "") -> dict[str, Any]:
    """Topics opened in the window. `last_activity_at` follows from it (a topic's last
    activity is never before its opening) and lets the recency index find them."""
    return {
        f"{prefix}created_at__gte": since,
        f"{prefix}created_at__lt": until,
        f"{prefix}last_activity_at__gte": since,
    }


def _new_replies(since: datetime, until: datetime) -> QuerySet[Post]:
    return Post.objects.filter(
        created_at__gte=since, created_at__lt=until, position__gt=1, is_hidden=False
    )


def _new_content_tags(since: datetime, until: datetime) -> tuple[set[int], set[int]]:
    """The tags of what was published in the window (resources, topics), and those of
    the calls for help opened then and still open."""
    tags = set(
        TaggedResource.objects.filter(
            content_object__created_at__gte=since, content_object__created_at__lt=until
        )
        .values_list("tag_id", flat=True)
        .distinct()
    )
    call_tags: set[int] = set()
    topics = Topic.objects.filter(**_created_between(since, until)).values_list(
        "tag_ids", "is_call_for_help", "solved_at"
    )
    for tag_ids, is_call, solved_at in topics:
        tags.update(tag_ids)
        if is_call and solved_at is None:
            call_tags.update(tag_ids)
    return tags, call_tags


def find_leads(users: list[User], since: datetime, until: datetime, due_by: date) -> Leads:
    """Who among `users` may have something in each part between `since` and `until`
    (the earliest and latest of their windows): seven queries, whatever their number."""
    ids = [user.pk for user in users]
    leads = Leads()
    if since < until:
        new_topics = Topic.objects.filter(forum=OuterRef("forum"), **_created_between(since, until))
        leads.forum_watchers = set(
            Watch.objects.filter(user_id__in=ids, forum__isnull=False)
            .filter(Exists(new_topics))
            .values_list("user_id", flat=True)
        )
        leads.topic_watchers = set(
            Watch.objects.filter(user_id__in=ids, topic__last_activity_at__gte=since)
            .filter(Exists(_new_replies(since, until).filter(topic=OuterRef("topic"))))
            .values_list("user_id", flat=True)
        )
        tags, call_tags = _new_content_tags(since, until)
        interests: dict[int, list[int]] = defaultdict(list)
        for user_id, tag_id in TaggedInterest.objects.filter(
            content_object__user_id__in=ids, tag_id__in=tags
        ).values_list("content_object__user_id", "tag_id"):
            interests[user_id].append(tag_id)
        leads.interests = dict(interests)
        leads.experts = set(
            TaggedExpertise.objects.filter(
                content_object__user_id__in=ids, tag_id__in=call_tags
            ).values_list("content_object__user_id", flat=True)
        )
    animators = Membership.objects.active().with_role(Role.ANIMATOR).filter(user_id__in=ids)
    leads.moderators = set(animators.values_list("user_id", flat=True))
    leads.moderators.update(user.pk for user in users if is_portal_admin(user))
    leads.task_owners = set(
        ChecklistItem.objects.manual()
        .open()
        .filter(owner_id__in=ids, due_date__lte=due_by)
        .values_list("owner_id", flat=True)
    )
    return leads


# --- One person's digest: a bounded number of queries ----------------------------------


def _linked(items: Iterable[Any], url: Any) -> None:
    """Each item's absolute address, computed once (the message renders it four times)."""
    for item in items:
        item.digest_url = absolute_url(url(item))


def _new_calls(user: User, since: datetime, until: datetime) -> QuerySet[Topic]:
    return (
        Topic.objects.visible_to(user)
        .open_calls()
        .for_expertise_of(user)
        .filter(is_hidden=False, **_created_between(since, until))
    )


def _topics(queryset: QuerySet[Topic]) -> Listing[Topic]:
    listing = _listing(
        queryset.select_related("forum__community", "author").order_by("-created_at", "-pk")
    )
    _linked(listing.items, Topic.get_absolute_url)
    return listing


def _forum_topics(user: User, since: datetime, until: datetime, calls_listed: bool) -> Listing:
    """New topics in the forums the person watches (not the calls listed already)."""
    watched = Watch.objects.filter(user=user, forum=OuterRef("forum"))
    topics = (
        Topic.objects.visible_to(user)
        .filter(Exists(watched), is_hidden=False, **_created_between(since, until))
        .exclude(author=user)
    )
    if calls_listed:
        topics = topics.exclude(pk__in=Topic.objects.for_expertise_of(user).open_calls())
    return _topics(topics)


def _tagged_topics(
    user: User, since: datetime, until: datetime, tag_ids: list[int], calls_listed: bool
) -> Listing:
    """New topics carrying a tag the person follows, but those of the forums they watch
    and the calls listed already."""
    watched_forum = Watch.objects.filter(user=user, forum=OuterRef("forum"))
    topics = (
        Topic.objects.visible_to(user)
        .filter(tag_ids__overlap=tag_ids, is_hidden=False, **_created_between(since, until))
        .exclude(author=user)
        .exclude(Exists(watched_forum))
    )
    if calls_listed:
        topics = topics.exclude(pk__in=Topic.objects.for_expertise_of(user).open_calls())
    return _topics(topics)


def _replies(user: User, since: datetime, until: datetime) -> Listing[Topic]:
    """Watched topics with replies in the window (not the person's own), how many, and
    the first of them."""
    new = _new_replies(since, until).filter(topic=OuterRef("pk")).exclude(author=user)
    count = new.order_by().values("topic").annotate(n=Count("pk")).values("n")
    first = new.order_by().values("topic").annotate(first=Min("pk")).values("first")
    watched = Watch.objects.filter(user=user, topic=OuterRef("pk"))
    topics = (
        Topic.objects.visible_to(user)
        .filter(Exists(watched), is_hidden=False, last_activity_at__gte=since)
        .annotate(new_reply_count=Subquery(count), first_new_post_id=Subquery(first))
        .filter(new_reply_count__gt=0)
        .select_related("forum__community")
        .order_by("-last_activity_at", "-pk")
    )
    listing = _listing(topics)
    _linked(listing.items, lambda t: reverse("forums:post", args=[t.first_new_post_id]))
    return listing


def _tagged_resources(
    user: User, since: datetime, until: datetime, tag_ids: list[int]
) -> Listing[Resource]:
    carrying = TaggedResource.objects.filter(content_object=OuterRef("pk"), tag_id__in=tag_ids)
    listing = _listing(
        Resource.objects.visible_to(user)
        .filter(Exists(carrying), created_at__gte=since, created_at__lt=until, is_hidden=False)
        .exclude(author=user)
        .select_related("community")
        .only("title", "slug", "summary", "kind", "community__name", "created_at")
        .order_by("-created_at", "-pk")
    )
    _linked(listing.items, Resource.get_absolute_url)
    return listing


def _moderation(digest: Digest) -> None:
    """Membership requests and open flags waiting for the person (4 queries)."""
    user = digest.user
    digest.requests = list(Community.objects.moderated_by(user).with_pending_requests()[:LIST_SIZE])
    _linked(digest.requests, lambda c: reverse("communities:requests", args=[c.slug]))
    community = "post__topic__forum__community"
    digest.post_flags = list(
        Flag.objects.moderated_by(user)
        .open()
        .values(name=F(f"{community}__name"), slug=F(f"{community}__slug"))
        .annotate(count=Count("pk"))
        .order_by("name")[:LIST_SIZE]
    )
    for row in digest.post_flags:
        row["url"] = absolute_url(reverse("forums:flags", args=[row["slug"]]))
    digest.resource_flags = ResourceFlag.objects.moderated_by(user).open().count()


def _tasks(user: User, due_by: date) -> Listing[ChecklistItem]:
    listing = _listing(ChecklistItem.objects.my_tasks(user).filter(due_date__lte=due_by))
    _linked(
        listing.items,
        lambda item: reverse(
            "readiness:item",
            kwargs={"slug": item.checklist.community.slug, "item_id": item.pk},
        ),
    )
    return listing


def build_digest(
    user: User, since: datetime, until: datetime, leads: Leads, *, due_by: date
) -> Digest:
    """The person's digest, reading only the parts `leads` says may hold something."""
    digest = Digest(user, since, until)
    person = user.pk
    if since < until:
        calls_listed = person in leads.experts
        if calls_listed:
            digest.calls = _topics(_new_calls(user, since, until))
        if person in leads.forum_watchers:
            digest.forum_topics = _forum_topics(user, since, until, calls_listed)
        if person in leads.topic_watchers:
            digest.replies = _replies(user, since, until)
        if tag_ids := leads.interests.get(person):
            digest.tagged_topics = _tagged_topics(user, since, until, tag_ids, calls_listed)
            digest.tagged_resources = _tagged_resources(user, since, until, tag_ids)
    if person in leads.moderators:
        _moderation(digest)
    if person in leads.task_owners:
        digest.tasks = _tasks(user, due_by)
    return digest


def due_by(day: date) -> date:
    """The last due date of the tasks a digest sent on `day` lists."""
    return day + timedelta(days=DUE_SOON_DAYS)
