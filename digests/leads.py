"""What may be in each part of a batch of people's digests, found set-wise: eight
queries per batch, whatever its size.

For each person, the ids of the items each part may list: the topics opened in the window
in the forums they watch, those carrying a tag they follow, the open calls whose tags meet
their expertise, the watched topics that got replies, the resources carrying a tag they
follow; and whether they animate something or own checklist tasks due soon. A superset:
nothing here decides what a person may read or what a part holds exactly. Each part's
question (`contents`) then reads, among those few ids, what the person may read through
the apps' `visible_to` querysets and the part's own filters, which stay the rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from cdp_portal.accounts.permissions import is_portal_admin
from cdp_portal.accounts.types import User
from communities.models import Membership, Role, TaggedExpertise, TaggedInterest
from forums.models import Post, Topic, Watch
from readiness.models import ChecklistItem
from resources.models import Resource

Candidates = dict[int, list[int]]  # person → item ids


@dataclass
class Leads:
    calls: Candidates = field(default_factory=dict)
    forum_topics: Candidates = field(default_factory=dict)
    tagged_topics: Candidates = field(default_factory=dict)
    replies: Candidates = field(default_factory=dict)
    resources: Candidates = field(default_factory=dict)
    moderators: set[int] = field(default_factory=set)
    task_owners: set[int] = field(default_factory=set)


def created_between(since: datetime, until: datetime) -> dict[str, Any]:
    """Topics opened in the window. `last_activity_at` follows from it (a topic's last
    activity is never before its opening) and lets the recency index find them."""
    return {"created_at__gte": since, "created_at__lt": until, "last_activity_at__gte": since}


def new_replies(since: datetime, until: datetime) -> QuerySet[Post]:
    return Post.objects.filter(
        created_at__gte=since, created_at__lt=until, position__gt=1, is_hidden=False
    )


class _Index:
    """Item ids by key (a forum, a tag)."""

    def __init__(self) -> None:
        self.ids: defaultdict[int, list[int]] = defaultdict(list)

    def add(self, item_id: int, keys: Iterable[int]) -> None:
        for key in keys:
            self.ids[key].append(item_id)

    def gather(self, pairs: Iterable[tuple[int, int]]) -> Candidates:
        """For (person, key) pairs, each person's item ids under their keys."""
        found: defaultdict[int, set[int]] = defaultdict(set)
        for person, key in pairs:
            found[person].update(self.ids.get(key, ()))
        return {person: sorted(ids) for person, ids in found.items() if ids}


@dataclass
class _NewContent:
    by_forum: _Index = field(default_factory=_Index)
    topics_by_tag: _Index = field(default_factory=_Index)
    calls_by_tag: _Index = field(default_factory=_Index)
    resources_by_tag: _Index = field(default_factory=_Index)


def _new_content(since: datetime, until: datetime) -> _NewContent:
    """What was published in the window and is not hidden, indexed (two queries)."""
    content = _NewContent()
    for pk, forum_id, tag_ids, is_call, solved_at in Topic.objects.filter(
        is_hidden=False, **created_between(since, until)
    ).values_list("pk", "forum_id", "tag_ids", "is_call_for_help", "solved_at"):
        content.by_forum.add(pk, [forum_id])
        content.topics_by_tag.add(pk, tag_ids)
        if is_call and solved_at is None:
            content.calls_by_tag.add(pk, tag_ids)
    for pk, tag_ids in Resource.objects.filter(
        is_hidden=False, created_at__gte=since, created_at__lt=until
    ).values_list("pk", "tag_ids"):
        content.resources_by_tag.add(pk, tag_ids)
    return content


def _tagged(
    model: type[TaggedInterest | TaggedExpertise], ids: list[int], tag_ids: Iterable[int]
) -> list[tuple[int, int]]:
    """(person, tag) for these people's interests or expertise among `tag_ids`."""
    tag_ids = list(tag_ids)
    if not tag_ids:
        return []
    rows = model.objects.filter(content_object__user_id__in=ids, tag_id__in=tag_ids)
    return list(rows.values_list("content_object__user_id", "tag_id"))


def find_leads(users: list[User], since: datetime, until: datetime, due_by: date) -> Leads:
    """What may be in each part of these people's digests between `since` and `until`
    (the earliest and latest of their windows)."""
    ids = [user.pk for user in users]
    leads = Leads()
    if since < until:
        content = _new_content(since, until)
        forum_watches = Watch.objects.filter(
            user_id__in=ids, forum_id__in=list(content.by_forum.ids)
        )
        leads.forum_topics = content.by_forum.gather(
            forum_watches.values_list("user_id", "forum_id")
        )
        watched_with_replies = Watch.objects.filter(
            user_id__in=ids, topic__last_activity_at__gte=since
        ).filter(Exists(new_replies(since, until).filter(topic=OuterRef("topic"))))
        leads.replies = defaultdict(list)
        for person, topic_id in watched_with_replies.values_list("user_id", "topic_id"):
            leads.replies[person].append(topic_id)
        tags = content.topics_by_tag.ids.keys() | content.resources_by_tag.ids.keys()
        interests = _tagged(TaggedInterest, ids, tags)
        leads.tagged_topics = content.topics_by_tag.gather(interests)
        leads.resources = content.resources_by_tag.gather(interests)
        expertise = _tagged(TaggedExpertise, ids, content.calls_by_tag.ids)
        leads.calls = content.calls_by_tag.gather(expertise)
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
