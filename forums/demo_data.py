"""Demo discussions for the demo institution: `seed_demo_forums(stdout=None)`.

Called by `manage.py seed_demo` once communities, people and memberships exist. Works
from what is in the database (each community's forums, animators and active members), so
it fits whatever the communities seed created. Idempotent: a topic whose title already
exists in a community is left alone. Written through the services, with dates in the
past, so counters, watches, the edit history and the moderation log are what the site
would have produced. Notifications are only produced for the demo member account (a few,
so the bell shows something); nobody else is e-mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cdp_portal.core.schema import Boolean, Integer, List, Mapping, Text, load
from communities.models import Community, Membership, Role
from resources.models import Resource

from . import services
from .models import Flag, Forum, Notification, Post, Topic

User = get_user_model()

MEMBER_EMAIL = "membre@demo.example"
ANIMATOR_EMAIL = "animation@demo.example"
DISCUSSIONS_FILE = Path(__file__).resolve().parent / "demo" / "discussions.yaml"

# The limits are those of Topic.title, the tag names and the moderation reasons.
_TAGS = List(Text(100, required=True), default=[])
TOPIC = Mapping(
    {
        "title": Text(200, required=True),
        "body": Text(required=True),
        "replies": List(Text(required=True), default=[]),
        "tags": _TAGS,
        "call": Boolean(default=False),
        "solved": Boolean(default=False),
        "pinned": Boolean(default=False),
        "days_ago": Integer(0, 3650, default=20),
        "about": Text(200, default=""),
    }
)
_MODERATED_POST = Mapping({"body": Text(required=True), "reason": Text(300, required=True)})
DISCUSSIONS = Mapping(
    {
        "welcome": TOPIC,
        "pin_reason": Text(500, required=True),
        "general": List(TOPIC, required=True, nonempty=True),
        "calls": List(TOPIC, required=True, nonempty=True),
        "moderation": Mapping(
            {
                "title": Text(200, required=True),
                "body": Text(required=True),
                "tags": _TAGS,
                "reply": Text(required=True),
                "hidden": _MODERATED_POST,
                "flagged": _MODERATED_POST,
            },
            required=True,
        ),
    }
)


@dataclass(frozen=True)
class DemoTopic:
    title: str
    body: str
    replies: list[str]
    tags: list[str] = field(default_factory=list)
    call: bool = False
    solved: bool = False  # the first reply by someone else is accepted
    pinned: bool = False
    days_ago: int = 20
    about: str = ""  # the title of a demo resource the discussion is about


_discussions = load(DISCUSSIONS_FILE, DISCUSSIONS)
# Every community has its own welcome thread; the other scripts are dealt out in order
# (see discussions.yaml).
WELCOME = DemoTopic(**_discussions["welcome"])
PIN_REASON: str = _discussions["pin_reason"]
GENERAL = [DemoTopic(**topic) for topic in _discussions["general"]]
CALLS = [DemoTopic(**topic) for topic in _discussions["calls"]]
# The discussion with a hidden post and an open flag.
MODERATION: dict = _discussions["moderation"]


def _people(community: Community) -> tuple[list, list]:
    memberships = list(
        Membership.objects.active()
        .filter(community=community)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    animators = [m.user for m in memberships if Role.ANIMATOR in m.roles]
    members = [m.user for m in memberships if m.user.is_active]
    return animators, members


def _write_topic(forum: Forum, spec: DemoTopic, people: list, animator, now) -> Topic | None:
    if Topic.objects.filter(forum__community=forum.community, title=spec.title).exists():
        return None
    author = people[len(spec.title) % len(people)]
    # A young community cannot hold a discussion older than itself.
    start = max(
        now - timedelta(days=spec.days_ago), forum.community.created_at + timedelta(hours=1)
    )
    resource = (
        Resource.objects.visible_to(author)
        .discussable_in(forum.community)
        .filter(title=spec.about)
        .first()
        if spec.about
        else None
    )
    topic = services.topic_create(
        forum=forum,
        author=author,
        title=spec.title,
        body=spec.body,
        tags=spec.tags,
        is_call_for_help=spec.call,
        resource=resource,
        created_at=start,
        notify=False,
        rate_limited=False,
    )
    repliers = [p for p in people if p != author] or people
    for index, body in enumerate(spec.replies):
        # The call's author thanks at the end; the others answer in turn.
        is_thanks = spec.call and index == len(spec.replies) - 1 and index > 0
        replier = author if is_thanks else repliers[index % len(repliers)]
        services.post_create(
            topic=topic,
            author=replier,
            body=body,
            created_at=start + timedelta(hours=5 * (index + 1)),
            notify=False,
            rate_limited=False,
        )
    if spec.solved:
        answer = topic.posts.filter(position__gt=1).exclude(author=author).first()
        if answer is not None:
            services.topic_mark_solved(topic=topic, by=author, post=answer, notify=False)
    if spec.pinned and animator is not None:
        services.topic_set_pinned(topic=topic, by=animator, pinned=True, reason=PIN_REASON)
    return topic


def _moderation_community(communities: list[Community]) -> Community | None:
    """Where the demo animator account moderates, so that signing in with it shows the
    flag queue; otherwise the oldest community."""
    animated = set(
        Membership.objects.active()
        .with_role(Role.ANIMATOR)
        .filter(user__email=ANIMATOR_EMAIL, community__in=communities)
        .values_list("community", flat=True)
    )
    return next(
        (c for c in communities if c.pk in animated),
        communities[0] if communities else None,
    )


def _moderation_examples(community: Community, animator, members: list, now) -> bool:
    """One hidden post (with its reason) and one open flag, in a topic of their own;
    True when that topic was written."""
    forum = community.forums.filter(slug="general").first()
    if forum is None or animator is None or len(members) < 3:
        return False
    example = MODERATION
    if Topic.objects.filter(forum__community=community, title=example["title"]).exists():
        return False
    author, other, troll = members[1], members[2], members[-1]
    start = now - timedelta(days=4)
    topic = services.topic_create(
        forum=forum,
        author=author,
        title=example["title"],
        body=example["body"],
        tags=example["tags"],
        created_at=start,
        notify=False,
        rate_limited=False,
    )

    def post(writer, body: str, hours: int) -> Post:
        return services.post_create(
            topic=topic,
            author=writer,
            body=body,
            created_at=start + timedelta(hours=hours),
            notify=False,
            rate_limited=False,
        )

    post(other, example["reply"], 2)
    hidden = post(troll, example["hidden"]["body"], 3)
    services.post_set_hidden(
        post=hidden, by=animator, hidden=True, reason=example["hidden"]["reason"]
    )
    flagged = post(troll, example["flagged"]["body"], 6)
    if not Flag.objects.filter(post=flagged).exists():
        services.flag_create(post=flagged, reporter=author, reason=example["flagged"]["reason"])
    return True


def _notifications_for_the_demo_member(now) -> None:
    """A couple of unread notifications for membre@demo.example, so the bell shows them."""
    member = User.objects.filter(email=MEMBER_EMAIL).first()
    if member is None or Notification.objects.filter(recipient=member).exists():
        return
    topic = (
        Topic.objects.visible_to(member)
        .filter(forum__community__in=Community.objects.of_member(member), posts__author=member)
        .order_by("-last_activity_at")
        .first()
    )
    if topic is None:
        return
    services.watch_set(user=member, topic=topic, watching=True)
    posts = list(Post.objects.filter(topic=topic).exclude(author=member).order_by("-position")[:2])
    Notification.objects.bulk_create(
        Notification(
            recipient=member,
            kind=Notification.Kind.REPLY,
            actor=post.author,
            topic=topic,
            post=post,
            created_at=post.created_at,
            emailed_at=now,  # the demo sends no e-mail
        )
        for post in posts
    )


def seed_demo_forums(stdout=None) -> int:
    """Topics, replies and calls for help in every community's forums; returns how many
    topics were written (0 on a second run)."""
    now = timezone.now()
    written = general_dealt = calls_dealt = 0
    with transaction.atomic():
        communities = list(Community.objects.order_by("created_at", "pk"))
        moderated = _moderation_community(communities)
        for index, community in enumerate(communities):
            services.forums_ensure_defaults(community=community)
            animators, members = _people(community)
            if not members:
                continue
            animator = animators[0] if animators else None
            general = community.forums.get(slug="general")
            calls = community.forums.get(slug="appels-a-tous")
            specs = [(general, WELCOME)]
            for _ in range(1 + index % 3):
                specs.append((general, GENERAL[general_dealt % len(GENERAL)]))
                general_dealt += 1
            for _ in range(1 + index % 2):
                specs.append((calls, CALLS[calls_dealt % len(CALLS)]))
                calls_dealt += 1
            for forum, spec in specs:
                if _write_topic(forum, spec, members, animator, now):
                    written += 1
            if community == moderated and _moderation_examples(community, animator, members, now):
                written += 1
        _notifications_for_the_demo_member(now)
    if stdout is not None:
        stdout.write(f"Forums : {written} sujets de démonstration écrits.")
    return written
