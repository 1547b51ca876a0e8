"""Business actions on the forums. Each is one transaction; views, admin actions, seeds
and commands call these rather than writing topics and posts themselves, so that the
counters (reply count, last activity, topic count), the edit history, the moderation log
and the notifications stay consistent with what happened.

Counters are moved with `F()` updates in the transaction that writes the post, and
recomputed from the posts (set-based) after hiding, showing again or moving.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cdp_portal.accounts.types import AnyUser, User, is_signed_in
from cdp_portal.core.idempotency import create_once
from cdp_portal.core.markdown import MAX_MARKDOWN_LENGTH
from cdp_portal.core.moderation import ModerationEvent, settle_flag
from cdp_portal.core.replica import writes_not_read_back
from cdp_portal.core.slugs import path_slug
from communities.mentions import mentioned_handles, render_with_mentions
from communities.models import (
    Community,
    Profile,
    TaggedExpertise,
    TaggedInterest,
    is_portal_admin,
)
from communities.services import _tags_for as existing_tags_for
from conversations.models import Block
from resources.models import Resource
from resources.services import clean_tag_names

from . import ratelimit
from .models import (
    DEFAULT_FORUMS,
    CallInvitation,
    Flag,
    Forum,
    ModerationLog,
    Notification,
    Post,
    PostRevision,
    TaggedTopic,
    Topic,
    TopicReadState,
    Watch,
    forum_slug,
)
from .permissions import (
    can_accept_answer,
    can_edit_post,
    can_flag,
    can_invite_experts,
    can_moderate_forum,
    can_post_in,
    can_reply,
)
from .search import post_search_vector
from .unread import forget_unread_counts, forget_unread_counts_of_topics, unread_count_lower

# One limit for every Markdown text of the portal (see cdp_portal/core/markdown.py).
MAX_BODY_LENGTH = MAX_MARKDOWN_LENGTH
ARCHIVED_MESSAGE = _lazy("Ce forum est archivé : on peut le lire, plus y écrire.")
# Path segments after /topics/<id>/ that are views, not slugs.
RESERVED_SLUGS = frozenset(
    {"reply", "watch", "moderate", "move", "solve", "reopen", "posts", "quote", "invite"}
)
# The level of a post's highest heading: the stored HTML shows under the h2 of a topic's
# posts (beside each post's own h3) and under the h2 of a post's history.
POST_HEADING_LEVEL = 3


def topic_slug(title: str) -> str:
    return path_slug(title, reserved=RESERVED_SLUGS, suffix="sujet")


def render_body(body: str) -> str:
    """The stored HTML of a post: "@handle" of an existing profile links to it."""
    return render_with_mentions(body, heading_level=POST_HEADING_LEVEL)


def _new_post(**fields: Any) -> Post:
    """`Post.objects.create`, its search column computed in the same INSERT. The column is
    then left unloaded on the instance: the expression stays on an object after save(),
    and a later save() must not write it again."""
    post = Post.objects.create(**fields, search_vector=post_search_vector(Value(fields["body"])))
    del post.search_vector
    return post


def posts_reindex(queryset: QuerySet[Post]) -> int:
    """Recompute the search column of these posts from their text, in one set-based
    UPDATE: for posts written in bulk (scale data, imports) and the `index_posts`
    command."""
    return queryset.update(search_vector=post_search_vector(F("body")))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Le message est vide."), code="empty")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            _("Le message est trop long (%(max)d caractères au plus).") % {"max": MAX_BODY_LENGTH},
            code="too_long",
        )
    return body


# --- Forums -----------------------------------------------------------------------------


@transaction.atomic
def forum_ensure(
    *, community: Community, name: str, slug: str = "", description: str = "", position: int = 0
) -> tuple[Forum, bool]:
    """The community's forum with this slug (from the name when not given), created if
    missing; an existing forum is left as it is. Returns (forum, created)."""
    return Forum.objects.get_or_create(
        community=community,
        slug=forum_slug(name, slug),
        defaults={"name": name, "description": description, "position": position},
    )


def forums_ensure_defaults(*, community: Community) -> list[Forum]:
    """ "Général" and "Appels à tous", which every community starts with."""
    return [
        forum_ensure(
            community=community, name=name, slug=slug, description=description, position=index
        )[0]
        for index, (slug, name, description) in enumerate(DEFAULT_FORUMS)
    ]


@transaction.atomic
def forum_set_archived(*, forum: Forum, by: User, archived: bool) -> Forum:
    """Archive a forum (read-only: its topics stay readable, no new topic or reply) or
    bring it back. Administrators only: a forum that holds topics is archived, never
    deleted."""
    if not is_portal_admin(by):
        raise PermissionDenied(_("Seuls les administrateurs archivent un forum."))
    if (forum.archived_at is not None) != archived:
        forum.archived_at = timezone.now() if archived else None
        forum.save(update_fields=["archived_at"])
    return forum


# --- Counters -------------------------------------------------------------------------


def topics_refresh_counters(topic_ids: Iterable[int]) -> None:
    """Recompute reply count, last activity and last post from the posts that are not
    hidden, in one UPDATE. The opening post (position 1) is not a reply."""
    topic_ids = list(topic_ids)
    if not topic_ids:
        return
    shown = Post.objects.filter(topic=OuterRef("pk"), is_hidden=False)
    replies = (
        shown.filter(position__gt=1).order_by().values("topic").annotate(n=Count("pk")).values("n")
    )
    last = shown.order_by("-created_at", "-pk")
    Topic.objects.filter(pk__in=topic_ids).update(
        reply_count=Coalesce(Subquery(replies), Value(0)),
        last_activity_at=Coalesce(Subquery(last.values("created_at")[:1]), F("created_at")),
        last_post=Subquery(last.values("pk")[:1]),
    )


def forums_refresh_counters(forum_ids: Iterable[int]) -> None:
    for forum_id in set(forum_ids):
        # Hidden topics are listed to the animation only: they count for nobody else.
        stats = Topic.objects.filter(forum_id=forum_id, is_hidden=False).aggregate(
            n=Count("pk"), last=Max("last_activity_at")
        )
        Forum.objects.filter(pk=forum_id).update(
            topic_count=stats["n"], last_activity_at=stats["last"]
        )


# --- Who may read, who is told ---------------------------------------------------------


def _readers_tagged_like(
    topic: Topic, tagged_profiles: type[TaggedExpertise | TaggedInterest]
) -> QuerySet[User]:
    """Readers of the topic whose profile carries one of its tags through
    `tagged_profiles` (expertise or interests), its author left out."""
    carries = tagged_profiles.objects.filter(
        content_object__user=OuterRef("pk"),
        tag__in=TaggedTopic.objects.filter(content_object=topic).values("tag"),
    )
    readers = topic.forum.community.content_readers()
    return readers.filter(Exists(carries)).exclude(pk=topic.author_id)


def experts_for(topic: Topic) -> QuerySet[User]:
    """Readers of the topic whose expertise tags match its tags, its author left out."""
    return _readers_tagged_like(topic, TaggedExpertise)


def followers_of(topic: Topic) -> QuerySet[User]:
    """Readers of the topic who follow one of its tags (their interests), its author left
    out."""
    return _readers_tagged_like(topic, TaggedInterest)


def invitable_experts(topic: Topic, by: User) -> QuerySet[User]:
    """Whom `by` may invite into the call: its experts (`experts_for`: readers of the topic
    whose expertise meets its tags, its author left out), not `by`, and not those who
    blocked `by` (they no longer hear from them)."""
    blocked_by = Block.objects.filter(blocker=OuterRef("pk"), blocked=by)
    return experts_for(topic).exclude(pk=by.pk).exclude(Exists(blocked_by))


# Which notification wins when one person has several reasons to be told.
KIND_PRIORITY = [
    Notification.Kind.MENTION,
    Notification.Kind.INVITATION,
    Notification.Kind.ACCEPTED,
    Notification.Kind.CALL_FOR_HELP,
    Notification.Kind.REPLY,
    Notification.Kind.NEW_TOPIC,
    Notification.Kind.FOLLOWED_TAG,
]


def _notify(
    *,
    topic: Topic,
    post: Post | None,
    actor: User,
    candidates: Mapping[Notification.Kind, Iterable[int]],
) -> list[Notification]:
    """One notification per person (the most specific reason), only for those who may
    read the topic, never for the actor; e-mail follows once the transaction commits."""
    chosen: dict[int, str] = {}
    for kind in KIND_PRIORITY:
        for user_id in candidates.get(kind, ()):
            chosen.setdefault(user_id, kind)
    chosen.pop(actor.pk, None)
    if not chosen:
        return []
    community = topic.forum.community
    readers = community.content_readers()
    if topic.is_hidden:
        readers = readers.filter(Q(pk=topic.author_id) | Q(pk__in=community.moderators()))
    allowed = set(readers.filter(pk__in=list(chosen)).values_list("pk", flat=True))
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            kind=kind,
            actor=actor,
            topic=topic,
            post=post,
            created_at=now,
        )
        for user_id, kind in sorted(chosen.items())
        if user_id in allowed
    )
    ids = [n.pk for n in notifications]
    forget_unread_counts(n.recipient_id for n in notifications)
    if ids:
        from .tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return notifications


def _mentioned_user_ids(body: str, *, exclude: Iterable[str] = ()) -> list[int]:
    handles = [h for h in mentioned_handles(body) if h not in set(exclude)]
    if not handles:
        return []
    return list(Profile.objects.filter(handle__in=handles).values_list("user_id", flat=True))


def _watchers(*, topic: Topic | None = None, forum: Forum | None = None) -> list[int]:
    watches = Watch.objects.filter(topic=topic) if topic else Watch.objects.filter(forum=forum)
    return list(watches.values_list("user_id", flat=True))


# --- Topics and posts --------------------------------------------------------------------


def _write_once(
    queryset: QuerySet[Post],
    *,
    author: User,
    token: UUID | None,
    create: Callable[[], Post],
    rate_limited: bool,
) -> tuple[Post, bool]:
    """The one way a post is written: the author's posting is serialised (an advisory
    lock for the transaction), a repeated form returns what it already wrote, and only
    a new post counts against the posting limit, counted in the database under that
    lock so that simultaneous requests cannot pass it together."""
    if rate_limited and getattr(author, "pk", None):
        ratelimit.lock_author(author)
    return create_once(
        queryset,
        author=author,
        token=token,
        create=create,
        before_create=(lambda: ratelimit.check_limit(author)) if rate_limited else None,
    )


def _topic_fields(
    *,
    forum: Forum,
    author: User,
    title: str,
    body: str,
    tags: Iterable[str],
    resource: Resource | None,
) -> tuple[str, str, list[str]]:
    """The new topic's title, body and tag names, cleaned; refused (`PermissionDenied`,
    `ValidationError`) when the author may not open it."""
    if not can_post_in(author, forum):
        if forum.is_archived:
            raise PermissionDenied(ARCHIVED_MESSAGE)
        raise PermissionDenied(_("Seuls les membres de la communauté peuvent écrire ici."))
    if resource is not None and not (
        Resource.objects.visible_to(author)
        .discussable_in(forum.community)
        .filter(pk=resource.pk)
        .exists()
    ):
        raise ValidationError(
            _("Cette ressource ne peut pas être discutée dans ce forum."), code="resource"
        )
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError(_("Donnez un titre au sujet."), code="title")
    return title, _clean_body(body), clean_tag_names(tags)


def _topic_opened(
    topic: Topic, post: Post, *, forum: Forum, author: User, tag_names: list[str], now: datetime
) -> None:
    """What a new topic changes besides its two rows: its last post, its tags, the
    forum's count and activity, and the author's watch."""
    topic.last_post = post
    Topic.objects.filter(pk=topic.pk).update(last_post=post)
    if tag_names:
        # Matched case-insensitively with the portal's tags ("Moodle" reuses "moodle"),
        # so calls for help meet the expertise people typed in their profiles.
        topic.tags.set(existing_tags_for(tag_names))
    Forum.objects.filter(pk=forum.pk).update(topic_count=F("topic_count") + 1, last_activity_at=now)
    Watch.objects.get_or_create(user=author, topic=topic)


def _notify_new_topic(
    topic: Topic, post: Post, *, forum: Forum, author: User, body: str, tag_names: list[str]
) -> None:
    """The forum's watchers, the people mentioned, the experts of a call for help and the
    followers of its tags."""
    candidates = {
        Notification.Kind.MENTION: _mentioned_user_ids(body),
        Notification.Kind.NEW_TOPIC: _watchers(forum=forum),
    }
    if topic.is_call_for_help and tag_names:
        candidates[Notification.Kind.CALL_FOR_HELP] = list(
            experts_for(topic).values_list("pk", flat=True)
        )
    if tag_names:
        candidates[Notification.Kind.FOLLOWED_TAG] = list(
            followers_of(topic).values_list("pk", flat=True)
        )
    _notify(topic=topic, post=post, actor=author, candidates=candidates)


@transaction.atomic
def topic_create(
    *,
    forum: Forum,
    author: User,
    title: str,
    body: str,
    tags: Iterable[str] = (),
    is_call_for_help: bool = False,
    resource: Resource | None = None,
    created_at: datetime | None = None,
    notify: bool = True,
    submission_token: UUID | None = None,
    rate_limited: bool = True,
) -> Topic:
    """A topic and its opening post, about `resource` when one is given (a resource the
    author sees, of this community or institution-wide). The author watches it; the
    forum's watchers, the people mentioned and, for a call for help, the matching experts
    are told.

    The same form sent again (same `submission_token`) returns the topic it created.
    Raises `ratelimit.PostingLimitReached` past the posting limit (unless
    `rate_limited` is False: demo and test data)."""
    title, body, tag_names = _topic_fields(
        forum=forum, author=author, title=title, body=body, tags=tags, resource=resource
    )
    now = created_at or timezone.now()

    def create_opening_post() -> Post:
        topic = Topic.objects.create(
            forum=forum,
            title=title[:200],
            slug=topic_slug(title),
            author=author,
            is_call_for_help=is_call_for_help,
            resource=resource,
            created_at=now,
            last_activity_at=now,
            post_count=1,
        )
        return _new_post(
            topic=topic, position=1, author=author, body=body, body_html=render_body(body),
            created_at=now, submission_token=submission_token,
        )  # fmt: skip

    post, created = _write_once(
        # Not narrowed to opening posts: the (author, token) pair is unique over all the
        # author's posts, and a token replayed elsewhere must find its post, not fail.
        Post.objects.select_related("topic"),
        author=author,
        token=submission_token,
        create=create_opening_post,
        rate_limited=rate_limited,
    )
    topic = post.topic
    if not created:
        return topic
    _topic_opened(topic, post, forum=forum, author=author, tag_names=tag_names, now=now)
    if notify:
        _notify_new_topic(topic, post, forum=forum, author=author, body=body, tag_names=tag_names)
    return topic


def _refuse_reply(topic: Topic, author: User) -> None:
    """Raises `PermissionDenied` with the reason when `author` may not reply."""
    if not can_reply(author, topic):
        if topic.forum.is_archived:
            raise PermissionDenied(ARCHIVED_MESSAGE)
        if topic.is_locked:
            raise PermissionDenied(_("Ce sujet est verrouillé : il n'accepte plus de réponse."))
        raise PermissionDenied(_("Seuls les membres de la communauté peuvent répondre."))


def _reply_counted(
    topic: Topic, post: Post, *, current: Topic, author: User, now: datetime
) -> None:
    """The topic's and the forum's counters after a new reply, in the database and on
    `topic`. `current` is the topic's row as locked when the reply was numbered."""
    changes = {
        "post_count": F("post_count") + 1,
        "reply_count": F("reply_count") + 1,
        "last_activity_at": now,
        "last_post": post,
    }
    if current.first_answer_at is None and current.author_id != getattr(author, "pk", None):
        changes["first_answer_at"] = now
        topic.first_answer_at = now
    Topic.objects.filter(pk=topic.pk).update(**changes)
    Forum.objects.filter(pk=topic.forum_id).update(last_activity_at=now)
    topic.post_count = current.post_count + 1
    topic.reply_count += 1
    topic.last_activity_at = now
    topic.last_post = post


@transaction.atomic
def post_create(
    *,
    topic: Topic,
    author: User,
    body: str,
    created_at: datetime | None = None,
    notify: bool = True,
    submission_token: UUID | None = None,
    rate_limited: bool = True,
) -> Post:
    """A reply. The topic's counters move in the same transaction (its row is locked, so
    two replies at once get distinct numbers); the first answer by someone other than the
    author dates the call's time to first answer.

    The same form sent again (same `submission_token`) returns the post it created.
    Raises `ratelimit.PostingLimitReached` past the posting limit (unless
    `rate_limited` is False: demo and test data)."""
    _refuse_reply(topic, author)
    body = _clean_body(body)
    now = created_at or timezone.now()
    current: Topic | None = None

    def create_reply() -> Post:
        nonlocal current
        locked = Topic.objects.select_for_update().only("post_count", "author", "first_answer_at")
        current = locked.get(pk=topic.pk)
        return _new_post(
            topic=topic,
            position=current.post_count + 1,
            author=author,
            body=body,
            body_html=render_body(body),
            created_at=now,
            submission_token=submission_token,
        )

    post, created = _write_once(
        Post.objects.all(),  # not narrowed to the topic: see topic_create
        author=author,
        token=submission_token,
        create=create_reply,
        rate_limited=rate_limited,
    )
    if not created:
        return post
    assert current is not None  # a new post: create_reply() ran and locked the row
    _reply_counted(topic, post, current=current, author=author, now=now)
    if notify:
        _notify(
            topic=topic,
            post=post,
            actor=author,
            candidates={
                Notification.Kind.MENTION: _mentioned_user_ids(body),
                Notification.Kind.REPLY: _watchers(topic=topic),
            },
        )
    return post


@transaction.atomic
def post_edit(*, post: Post, editor: User, body: str) -> Post:
    """A new text for a post; the previous one goes to its history. People mentioned for
    the first time are told."""
    if not can_edit_post(editor, post):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce message."))
    body = _clean_body(body)
    if body == post.body:
        return post
    now = timezone.now()
    PostRevision.objects.create(post=post, editor=editor, body=post.body, created_at=now)
    previous = post.body
    post.body = body
    post.body_html = render_body(body)
    post.edited_at = now
    post.search_vector = post_search_vector(Value(body))
    post.save(update_fields=["body", "body_html", "edited_at", "search_vector"])
    del post.search_vector  # an expression until reloaded (see _new_post)
    newly_mentioned = _mentioned_user_ids(body, exclude=mentioned_handles(previous))
    if newly_mentioned:
        _notify(
            topic=post.topic,
            post=post,
            actor=editor,
            candidates={Notification.Kind.MENTION: newly_mentioned},
        )
    return post


@transaction.atomic
def topic_edit(*, topic: Topic, editor: User, title: str, body: str, tags: Iterable[str]) -> Topic:
    """The author (or a moderator) rewrites the opening post, the title and the tags at
    once; the previous title and text go to the opening post's history."""
    opening = topic.posts.get(position=1)
    if not can_edit_post(editor, opening):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce sujet."))
    title = " ".join(title.split())
    if not title:
        raise ValidationError(_("Donnez un titre au sujet."), code="title")
    previous_title = topic.title
    post_edit(post=opening, editor=editor, body=body)
    if title != previous_title:
        revision = opening.revisions.order_by("-created_at", "-pk").first()
        if revision is None or revision.created_at != opening.edited_at:
            # Only the title changed: the history still records what it was.
            revision = PostRevision.objects.create(
                post=opening, editor=editor, body=opening.body, created_at=timezone.now()
            )
        revision.title = previous_title
        revision.save(update_fields=["title"])
        topic.title = title
        topic.slug = topic_slug(title)
        Topic.objects.filter(pk=topic.pk).update(title=topic.title, slug=topic.slug)
    topic.tags.set(existing_tags_for(clean_tag_names(tags)))
    return topic


@transaction.atomic
def topic_update_tags(*, topic: Topic, by: User, tags: Iterable[str]) -> Topic:
    if not can_accept_answer(by, topic):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce sujet."))
    topic.tags.set(existing_tags_for(clean_tag_names(tags)))
    return topic


@transaction.atomic
def topic_mark_solved(
    *, topic: Topic, by: User, post: Post | None = None, notify: bool = True
) -> Topic:
    """Solved, with an accepted answer when one is given (a post of this topic, not the
    opening one, not hidden). Its author is told (unless `notify` is False: demo data)."""
    if not can_accept_answer(by, topic):
        raise PermissionDenied(_("Seul l'auteur·rice du sujet ou l'animation peut le résoudre."))
    if post is not None and not can_accept_answer(by, topic, post):
        raise ValidationError(_("Cette réponse ne peut pas être acceptée."), code="accept")
    now = timezone.now()
    topic.solved_at = topic.solved_at or now
    topic.accepted_post = post
    Topic.objects.filter(pk=topic.pk).update(solved_at=topic.solved_at, accepted_post=post)
    if notify and post is not None and post.author_id:
        _notify(
            topic=topic,
            post=post,
            actor=by,
            candidates={Notification.Kind.ACCEPTED: [post.author_id]},
        )
    return topic


@transaction.atomic
def topic_reopen(*, topic: Topic, by: User) -> Topic:
    if not can_accept_answer(by, topic):
        raise PermissionDenied(_("Seul l'auteur·rice du sujet ou l'animation peut le rouvrir."))
    topic.solved_at = None
    topic.accepted_post = None
    Topic.objects.filter(pk=topic.pk).update(solved_at=None, accepted_post=None)
    return topic


@transaction.atomic
def call_invite_experts(*, topic: Topic, by: User, invitees: Iterable[int]) -> list[int]:
    """Invite these people (ids) into the call for help: each gets an in-app notification
    and an e-mail as their profile asks, once per call whatever the number of times they
    are invited. Only `invitable_experts` may be invited: anyone else in the list refuses
    the whole invitation (`ValidationError`), nothing is sent. Returns the ids of the
    people invited now (not those invited before)."""
    if not can_invite_experts(by, topic):
        raise PermissionDenied(
            _("Seul l'auteur·rice de l'appel ou l'animation peut y inviter des personnes.")
        )
    wanted = set(invitees)
    if not wanted:
        raise ValidationError(_("Choisissez au moins une personne à inviter."), code="empty")
    # Invitations of one call one after the other: the "already invited" below holds.
    Topic.objects.select_for_update().filter(pk=topic.pk).values_list("pk").first()
    allowed = set(invitable_experts(topic, by).filter(pk__in=wanted).values_list("pk", flat=True))
    if allowed != wanted:
        raise ValidationError(
            _("Certaines personnes choisies ne peuvent pas être invitées à cet appel."),
            code="invitee",
        )
    already = set(
        CallInvitation.objects.filter(topic=topic, invitee__in=allowed).values_list(
            "invitee_id", flat=True
        )
    )
    new = sorted(allowed - already)
    now = timezone.now()
    CallInvitation.objects.bulk_create(
        CallInvitation(topic=topic, invitee_id=pk, invited_by=by, created_at=now) for pk in new
    )
    _notify(topic=topic, post=None, actor=by, candidates={Notification.Kind.INVITATION: new})
    return new


# --- Reading and watching --------------------------------------------------------------


def topic_mark_read(*, user: AnyUser, topic: Topic, position: int) -> None:
    """Remember the furthest post a person has seen (never moves backwards) and when they
    reached it; one query, none when the topic was read with its read state
    (`with_read_state`) and the person saw no further than before."""
    if not is_signed_in(user):
        return
    known = getattr(topic, "last_read_position", None)
    if known is not None and known >= position:
        return
    from django.db import connection

    table = TopicReadState._meta.db_table
    # Written on every topic page: with a read replica, the unread markers may lag behind
    # it by the replica's delay rather than every reader's next pages going to the primary.
    with writes_not_read_back(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (user_id, topic_id, last_read_position, last_read_at)
            VALUES (%s, %s, %s, now())
            ON CONFLICT (topic_id, user_id) DO UPDATE
            SET last_read_position = GREATEST({table}.last_read_position,
                                              EXCLUDED.last_read_position),
                last_read_at = EXCLUDED.last_read_at
            """,  # the table name is ours, the values are parameters
            [user.pk, topic.pk, position],
        )


@transaction.atomic
def watch_set(
    *, user: User, watching: bool, topic: Topic | None = None, forum: Forum | None = None
) -> bool:
    """Follow or stop following a topic or a forum. Returns whether the person watches."""
    if (topic is None) == (forum is None):
        raise ValueError("Watch a topic or a forum.")
    target: dict[str, Any] = {"topic": topic} if topic is not None else {"forum": forum}
    if watching:
        Watch.objects.get_or_create(user=user, **target)
    else:
        Watch.objects.filter(user=user, **target).delete()
    return watching


def notifications_mark_read(
    *, user: User, notification_ids: Iterable[int] | None = None, topic: Topic | None = None
) -> int:
    """Mark a person's notifications read: some, those of a topic, or all. Nothing to do
    (and no query) when their stored unread count says none is unread."""
    if user.unread_notification_count == 0:
        return 0
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    if topic is not None:
        queryset = queryset.filter(topic=topic)
    count = queryset.update(read_at=timezone.now())
    if not count:
        return 0
    if notification_ids is None:
        # All of them, or those of a topic the person is reading: counted ones.
        unread_count_lower(user, None if topic is None else count)
    else:
        forget_unread_counts([user.pk])
        user.unread_notification_count = None  # this page's header counts again
    return count


# --- Flags and moderation --------------------------------------------------------------


def _log(
    *, by: User | None, action: str, community_id: int | None, reason: str = "", **targets: Any
) -> ModerationLog:
    details = targets.pop("details", None) or {}
    return ModerationLog.objects.create(
        actor=by,
        action=action,
        community_id=community_id,
        reason=(reason or "")[:500],
        details=dict(details),
        **targets,
    )


def write_moderation_log(
    sender: type[ModerationEvent], *, event: ModerationEvent, **kwargs: Any
) -> ModerationLog:
    """The moderation log's writer for every app (connected in `forums.apps`)."""
    return _log(
        by=event.by,
        action=event.action,
        community_id=event.community_id,
        reason=event.reason,
        details=event.details,
        **event.targets,
    )


def _require_moderator(by: User, community: Community) -> None:
    if not can_moderate_forum(by, community):
        raise PermissionDenied(_("Seule l'animation de la communauté peut faire cela."))


@transaction.atomic
def flag_create(*, post: Post, reporter: User, reason: str) -> Flag:
    if not can_flag(reporter, post):
        raise PermissionDenied(_("Vous ne pouvez pas signaler ce message."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Dites à l'animation ce qui pose problème."), code="reason")
    if Flag.objects.filter(post=post, reporter=reporter, status=Flag.Status.OPEN).exists():
        raise ValidationError(
            _("Vous avez déjà signalé ce message ; l'animation va le regarder."), code="duplicate"
        )
    return Flag.objects.create(post=post, reporter=reporter, reason=reason[:500])


def _hiding(post: Post, by: User, reason: str) -> Callable[[], Post]:
    return lambda: post_set_hidden(post=post, by=by, hidden=True, reason=reason)


@transaction.atomic
def flag_resolve(
    *,
    flag: Flag,
    by: User,
    dismiss: bool = False,
    note: str = "",
    hide: bool = False,
    hide_reason: str | None = None,
) -> Flag:
    """Close a flag: handled ("resolved") or dismissed. With `hide`, the post is hidden
    (with `hide_reason`, the note by default: the author reads it) and every open flag on
    it is closed too.
    The flow is `cdp_portal.core.moderation.settle_flag`, shared with the library."""
    post = flag.post
    community = post.topic.forum.community
    _require_moderator(by, community)
    if flag.status != Flag.Status.OPEN:
        return flag

    def log_closed(closed: Flag) -> None:
        _log(
            by=by,
            action=ModerationLog.Action.DISMISS_FLAG
            if dismiss
            else ModerationLog.Action.RESOLVE_FLAG,
            community_id=community.pk,
            reason=note,
            topic=post.topic,
            post=post,
            flag=closed,
        )

    return settle_flag(
        flag,
        by=by,
        open_flags=Flag.objects.filter(post=post, status=Flag.Status.OPEN),
        status=Flag.Status.DISMISSED if dismiss else Flag.Status.RESOLVED,
        note=note,
        hide=_hiding(post, by, note if hide_reason is None else hide_reason) if hide else None,
        log_closed=log_closed,
    )


@transaction.atomic
def post_set_hidden(*, post: Post, by: User, hidden: bool, reason: str = "") -> Post:
    """Hide a post (nothing is deleted: its author and the animation still read it) or
    show it again; the topic's counters follow. Hiding the opening post hides the topic
    with it; hiding the accepted answer opens the call for help again."""
    topic = post.topic
    community = topic.forum.community
    _require_moderator(by, community)
    if hidden and not (reason or "").strip():
        raise ValidationError(_("Donnez la raison du masquage."), code="reason")
    if post.is_hidden == hidden:
        return post
    post.is_hidden = hidden
    post.hidden_reason = (reason or "").strip()[:300] if hidden else ""
    post.hidden_by = by if hidden else None
    post.hidden_at = timezone.now() if hidden else None
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    if post.position == 1:
        # The opening post carries the topic: its title leaves lists and search too.
        Topic.objects.filter(pk=topic.pk).update(is_hidden=hidden)
        topic.is_hidden = hidden
        forget_unread_counts_of_topics(Topic.objects.filter(pk=topic.pk))
    if hidden and topic.accepted_post_id == post.pk:
        # A hidden answer solves nothing: the call for help is open again.
        Topic.objects.filter(pk=topic.pk).update(accepted_post=None, solved_at=None)
        topic.accepted_post = None
        topic.solved_at = None
    topics_refresh_counters([topic.pk])
    forums_refresh_counters([topic.forum_id])
    _log(
        by=by,
        action=ModerationLog.Action.HIDE if hidden else ModerationLog.Action.UNHIDE,
        community_id=community.pk,
        reason=reason,
        topic=topic,
        post=post,
    )
    return post


# A topic's moderator switches: the field and the log actions for on and off.
_TOPIC_SWITCHES = {
    "is_locked": (ModerationLog.Action.LOCK, ModerationLog.Action.UNLOCK),
    "is_pinned": (ModerationLog.Action.PIN, ModerationLog.Action.UNPIN),
}


def _topic_switch(*, topic: Topic, by: User, field: str, on: bool, reason: str) -> Topic:
    _require_moderator(by, topic.forum.community)
    if getattr(topic, field) != on:
        Topic.objects.filter(pk=topic.pk).update(**{field: on})
        setattr(topic, field, on)
        action_on, action_off = _TOPIC_SWITCHES[field]
        _log(
            by=by,
            action=action_on if on else action_off,
            community_id=topic.forum.community_id,
            reason=reason,
            topic=topic,
        )
    return topic


@transaction.atomic
def topic_set_locked(*, topic: Topic, by: User, locked: bool, reason: str = "") -> Topic:
    return _topic_switch(topic=topic, by=by, field="is_locked", on=locked, reason=reason)


@transaction.atomic
def topic_set_pinned(*, topic: Topic, by: User, pinned: bool, reason: str = "") -> Topic:
    return _topic_switch(topic=topic, by=by, field="is_pinned", on=pinned, reason=reason)


@transaction.atomic
def topic_move(*, topic: Topic, by: User, forum: Forum, reason: str = "") -> Topic:
    """Move a topic to another forum of the same community; both forums' counters follow."""
    source = topic.forum
    _require_moderator(by, source.community)
    if forum.community_id != source.community_id:
        raise ValidationError(
            _("Un sujet ne peut aller que dans un autre forum de la même communauté."),
            code="community",
        )
    if forum.pk == source.pk:
        return topic
    if forum.is_archived:
        raise ValidationError(ARCHIVED_MESSAGE, code="archived")
    Topic.objects.filter(pk=topic.pk).update(forum=forum)
    topic.forum = forum
    forums_refresh_counters([source.pk, forum.pk])
    _log(
        by=by,
        action=ModerationLog.Action.MOVE,
        community_id=source.community_id,
        reason=reason,
        topic=topic,
        details={"from": source.name, "from_id": source.pk, "to": forum.name, "to_id": forum.pk},
    )
    return topic
