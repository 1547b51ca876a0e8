"""What a person's digest holds, read at sending time through the apps' own querysets
(`Topic.objects.visible_to`, `Resource.objects.visible_to`, `ChecklistItem.objects.my_tasks`,
`Community.objects.moderated_by`…): nothing here says who may read what.

A digest covers a window (`periods.Period.window_for`): the new discussions in the forums
the person watches, the replies in the topics they watch, the new discussions and
resources carrying a tag they follow (their interests), the new calls for help matching
their expertise; and, whatever the window, what waits for them: membership requests and
flags in the communities they animate, their checklist tasks due soon or overdue. Their
own writing and what moderation hid are left out.

People come in batches. `leads.find_leads` finds, in a few set-based queries over the
batch, the few items each part of each person's digest may list (a superset); only those
parts of only those people are then read, one person at a time, among those items, with
the person's own `visible_to` and each part's filters, through questions prepared once
per batch (`digests.prepared`). So the cost follows what there is to tell, not the
number of people, and a person's digest takes a bounded number of queries whatever the
amount of data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.urls import reverse

from cdp_portal.accounts.types import User
from cdp_portal.outbox.mailing import absolute_url
from communities.models import Community, TaggedInterest
from forums.models import Flag, Post, Topic, TopicQuerySet, Watch
from readiness.models import ChecklistItem
from resources.models import Resource, ResourceFlag

from .leads import Candidates, Leads, created_between, new_replies
from .prepared import Person, PreparedQuestion

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


@dataclass(frozen=True)
class Entry:
    """A line of a part: a topic or a resource, where it is, and for a watched topic
    how many replies it got."""

    title: str
    url: str  # absolute
    where: str = ""  # the community (and forum); "" for an institution-wide resource
    count: int = 0


@dataclass
class Digest:
    user: User
    since: datetime
    until: datetime
    calls: Listing[Entry] = field(default_factory=Listing)
    forum_topics: Listing[Entry] = field(default_factory=Listing)
    replies: Listing[Entry] = field(default_factory=Listing)
    tagged_topics: Listing[Entry] = field(default_factory=Listing)
    tagged_resources: Listing[Entry] = field(default_factory=Listing)
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


# --- One person's digest: a bounded number of queries ----------------------------------


def _own_expertise_calls(user: User) -> TopicQuerySet:
    return Topic.objects.open_calls().for_expertise_of(user)


def _followed_tags(user: User) -> ArraySubquery:
    return ArraySubquery(TaggedInterest.objects.filter(content_object__user=user).values("tag"))


class _Among(Func):
    """`value = ANY(array)`: the candidates as one array parameter (the SQL stays the same
    whatever their number, so that it is prepared once)."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _among(ids: Sequence[int]) -> _Among:
    return _Among(F("pk"), Value(list(ids), output_field=ArrayField(BigIntegerField())))


def _new_topics(person: Person) -> TopicQuerySet:
    """Topics among the candidates, opened in the person's window, that they may read,
    not hidden, not theirs."""
    return (
        Topic.objects.visible_to(person.user)
        .filter(
            _among(person.among), is_hidden=False, **created_between(person.since, person.until)
        )
        .exclude(author=person.user)
    )


def _topic_rows(topics: QuerySet[Topic]) -> QuerySet:
    return (
        topics.annotate(listing_total=Window(Count("pk")))
        .order_by("-created_at", "-pk")
        .values_list(
            "pk", "slug", "title", "forum__community__name", "forum__name", "listing_total"
        )[:LIST_SIZE]
    )


def _calls(person: Person) -> QuerySet:
    """New calls for help matching the person's expertise, still open."""
    return _topic_rows(_new_topics(person).open_calls().for_expertise_of(person.user))


def _forum_topics(person: Person) -> QuerySet:
    """New topics in the forums the person watches, but the calls listed already."""
    watched = Watch.objects.filter(user=person.user, forum=OuterRef("forum"))
    topics = _new_topics(person).filter(Exists(watched))
    return _topic_rows(topics.exclude(pk__in=_own_expertise_calls(person.user)))


def _tagged_topics(person: Person) -> QuerySet:
    """New topics carrying a tag the person follows, but those of the forums they watch
    and the calls listed already."""
    watched = Watch.objects.filter(user=person.user, forum=OuterRef("forum"))
    topics = (
        _new_topics(person)
        .filter(tag_ids__overlap=_followed_tags(person.user))
        .exclude(Exists(watched))
        .exclude(pk__in=_own_expertise_calls(person.user))
    )
    return _topic_rows(topics)


def _replies(person: Person) -> QuerySet:
    """Watched topics with replies in the window (not the person's own): how many, and
    the first of them."""
    user, since = person.user, person.since
    new = new_replies(since, person.until).filter(topic=OuterRef("pk")).exclude(author=user)
    count = new.order_by().values("topic").annotate(n=Count("pk")).values("n")
    first = new.order_by().values("topic").annotate(first=Min("pk")).values("first")
    watched = Watch.objects.filter(user=user, topic=OuterRef("pk"))
    return (
        Topic.objects.visible_to(user)
        .filter(_among(person.among), Exists(watched), is_hidden=False)
        .filter(last_activity_at__gte=since)
        .annotate(new_reply_count=Subquery(count), first_new_post_id=Subquery(first))
        .filter(new_reply_count__gt=0)
        .annotate(listing_total=Window(Count("pk")))
        .order_by("-last_activity_at", "-pk")
        .values_list(
            "title", "forum__community__name", "new_reply_count", "first_new_post_id",
            "listing_total",
        )[:LIST_SIZE]
    )  # fmt: skip


def _tagged_resources(person: Person) -> QuerySet:
    """New resources carrying a tag the person follows, read on each recent resource's
    own tag ids (`Resource.tag_ids`, as `ResourceQuerySet.carrying` does): the week's
    few resources are checked, rather than every resource carrying those tags joined."""
    user = person.user
    return (
        Resource.objects.visible_to(user)
        .filter(_among(person.among), tag_ids__overlap=_followed_tags(user), is_hidden=False)
        .filter(created_at__gte=person.since, created_at__lt=person.until)
        .exclude(author=user)
        .annotate(listing_total=Window(Count("pk")))
        .order_by("-created_at", "-pk")
        .values_list("pk", "slug", "title", "community__name", "listing_total")[:LIST_SIZE]
    )


class _Addresses:
    """The absolute addresses of the items listed, each computed once per batch (many
    people's digests list the same topics), by the models' own `get_absolute_url`."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], str] = {}

    def _of(self, model: type[Topic | Post | Resource], pk: int, **fields: str) -> str:
        key = (model._meta.label, pk)
        if key not in self._known:
            self._known[key] = absolute_url(model(pk=pk, **fields).get_absolute_url())
        return self._known[key]

    def topics(self, rows: list[tuple]) -> Listing[Entry]:
        entries = [
            Entry(
                title,
                self._of(Topic, pk, slug=slug),
                f"{community} · {forum}",
            )
            for pk, slug, title, community, forum, _total in rows
        ]
        return Listing(entries, rows[0][-1] if rows else 0)

    def replies(self, rows: list[tuple]) -> Listing[Entry]:
        entries = [
            Entry(title, self._of(Post, first), community, count)
            for title, community, count, first, _total in rows
        ]
        return Listing(entries, rows[0][-1] if rows else 0)

    def resources(self, rows: list[tuple]) -> Listing[Entry]:
        entries = [
            Entry(
                title,
                self._of(Resource, pk, slug=slug),
                community or "",
            )
            for pk, slug, title, community, _total in rows
        ]
        return Listing(entries, rows[0][-1] if rows else 0)


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


def _linked(items: Iterable[Any], url: Any) -> None:
    """Each item's absolute address, computed once (the message renders it four times)."""
    for item in items:
        item.digest_url = absolute_url(url(item))


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


class DigestReader:
    """Reads the digests of a batch of people: the parts `leads` says may hold
    something, the busy ones through questions prepared once for the batch
    (`digests.prepared`), the others (animation, tasks: few people) directly."""

    def __init__(self, leads: Leads, *, due_by: date) -> None:
        self.leads = leads
        self.due_by = due_by
        self.calls = PreparedQuestion("calls", _calls)
        self.forum_topics = PreparedQuestion("forum topics", _forum_topics)
        self.tagged_topics = PreparedQuestion("tagged topics", _tagged_topics)
        self.replies = PreparedQuestion("replies", _replies)
        self.tagged_resources = PreparedQuestion("tagged resources", _tagged_resources)
        self.addresses = _Addresses()

    def _rows(self, question: PreparedQuestion, candidates: Candidates, digest: Digest):
        among = candidates.get(digest.user.pk)
        if not among or digest.since >= digest.until:
            return []
        return question.rows(Person(digest.user, digest.since, digest.until, tuple(among)))

    def digest(self, user: User, since: datetime, until: datetime) -> Digest:
        digest = Digest(user, since, until)
        leads, who = self.leads, user.pk
        addresses = self.addresses
        digest.calls = addresses.topics(self._rows(self.calls, leads.calls, digest))
        digest.forum_topics = addresses.topics(
            self._rows(self.forum_topics, leads.forum_topics, digest)
        )
        digest.replies = addresses.replies(self._rows(self.replies, leads.replies, digest))
        digest.tagged_topics = addresses.topics(
            self._rows(self.tagged_topics, leads.tagged_topics, digest)
        )
        digest.tagged_resources = addresses.resources(
            self._rows(self.tagged_resources, leads.resources, digest)
        )
        if who in leads.moderators:
            _moderation(digest)
        if who in leads.task_owners:
            digest.tasks = _tasks(user, self.due_by)
        return digest


def due_by(day: date) -> date:
    """The last due date of the tasks a digest sent on `day` lists."""
    return day + timedelta(days=DUE_SOON_DAYS)
