"""Business actions on private conversations. Each is one transaction and checks the
acting person itself; views, the admin and tests call these rather than writing rows, so
that the conversation's last message and count, the participants' read state, the
header's unread counts, the writing limit and the e-mail stay consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cdp_portal.accounts.types import User
from cdp_portal.core.idempotency import create_once
from cdp_portal.core.markdown import MAX_MARKDOWN_LENGTH
from cdp_portal.core.moderation import (
    ModerationAction,
    ModerationEvent,
    log_moderation,
    settle_flag,
)
from cdp_portal.core.ratelimit import WritingLimit, lock_writer
from communities.mentions import render_with_mentions
from communities.models import is_portal_admin

from .models import SUBJECT_MAX_LENGTH, Block, Conversation, Message, MessageFlag, Participant
from .permissions import (
    blocked_between,
    can_flag_message,
    can_handle_message_flags,
    can_write_in,
    still_reading,
)
from .unread import forget_unread_conversations, unread_conversations_lower

MAX_BODY_LENGTH = MAX_MARKDOWN_LENGTH
# People a conversation may be started with at once (besides its starter).
MAX_RECIPIENTS = 10
# A message's highest heading shows under the conversation's h2, beside each message's h3.
MESSAGE_HEADING_LEVEL = 3


def _messages_since(user: User, since: datetime) -> int:
    return Message.objects.filter(author=user, created_at__gte=since).count()


# The portal's writing limit (PORTAL_POST_RATE_LIMIT), over the person's private messages.
MESSAGING = WritingLimit(count_since=_messages_since, is_exempt=is_portal_admin)


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Le message est vide.")}, code="empty")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            {
                "body": _("Le message est trop long (%(max)d caractères au plus).")
                % {"max": MAX_BODY_LENGTH}
            },
            code="too_long",
        )
    return body


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError({"subject": _("Donnez un sujet à la conversation.")}, code="subject")
    return subject[:SUBJECT_MAX_LENGTH]


def render_message(body: str) -> str:
    """A message's stored HTML, rendered as a post's: "@handle" links to the profile."""
    return render_with_mentions(body, heading_level=MESSAGE_HEADING_LEVEL)


def _accepts_messages(person: User) -> bool:
    try:
        return person.profile.accepts_messages
    except ObjectDoesNotExist:
        return False


def recipients_refused(by: User, recipients: Sequence[User]) -> list[str]:
    """Why `by` may not start a conversation with each of `recipients` (one sentence
    each, naming the person, never their address); empty when all may be written to."""
    blocked_me, i_blocked = blocked_between(by, [person.pk for person in recipients])
    reasons = []
    for person in recipients:
        name = person.get_full_name()
        if person.pk == by.pk:
            reasons.append(_("Vous ne pouvez pas vous écrire à vous-même."))
        elif not person.is_active:
            reasons.append(_("%(name)s n'a plus de compte actif.") % {"name": name})
        elif person.pk in i_blocked:
            reasons.append(
                _("Vous avez bloqué %(name)s : débloquez cette personne pour lui écrire.")
                % {"name": name}
            )
        elif not _accepts_messages(person) or person.pk in blocked_me:
            reasons.append(_("%(name)s ne reçoit pas de messages privés.") % {"name": name})
    return reasons


def _write_once(
    queryset: QuerySet[Message],
    *,
    conversation: Callable[[], Conversation],
    author: User,
    body: str,
    now: datetime,
    token: UUID | None,
    rate_limited: bool,
) -> tuple[Message, bool]:
    """The one way a message is written, as forum posts are: the author's writing
    serialised, a repeated form given back what it wrote (`conversation()` is then not
    even called), only a new message counted against the writing limit."""

    def create() -> Message:
        return Message.objects.create(
            conversation=conversation(),
            author=author,
            body=body,
            body_html=render_message(body),
            created_at=now,
            submission_token=token,
        )

    if rate_limited:
        lock_writer(author)
    return create_once(
        queryset,
        author=author,
        token=token,
        create=create,
        before_create=(lambda: MESSAGING.check(author)) if rate_limited else None,
    )


def _delivered(message: Message, *, readers: Sequence[int]) -> None:
    """What a new message changes for the others still in the conversation: their header
    count, and an e-mail once the transaction commits."""
    forget_unread_conversations(readers)
    if readers:
        from .tasks import send_message_emails

        message_id = message.pk
        transaction.on_commit(lambda: send_message_emails.enqueue(message_id))


@transaction.atomic
def conversation_start(
    *,
    by: User,
    recipients: Sequence[User],
    subject: str,
    body: str,
    submission_token: UUID | None = None,
    rate_limited: bool = True,
) -> Conversation:
    """A conversation between `by` and `recipients`, with its first message. Refused
    (`ValidationError` on "recipients") for anyone who may not be written to: oneself,
    an inactive account, someone who does not accept private messages or blocked `by`,
    someone `by` blocked.

    The same form sent again (same `submission_token`) returns the conversation it
    started. Raises `WritingLimitReached` past the writing limit."""
    if not by.is_active:
        raise PermissionDenied(_("Ce compte n'est pas actif."))
    unique: dict[int, User] = {}
    for person in recipients:
        unique.setdefault(person.pk, person)
    people = list(unique.values())
    if not people:
        raise ValidationError({"recipients": _("Choisissez au moins une personne.")})
    if len(people) > MAX_RECIPIENTS:
        raise ValidationError(
            {
                "recipients": _("Une conversation réunit au plus %(max)d destinataires.")
                % {"max": MAX_RECIPIENTS}
            }
        )
    refused = recipients_refused(by, people)
    if refused:
        raise ValidationError({"recipients": refused})
    subject = _clean_subject(subject)
    body = _clean_body(body)
    now = timezone.now()

    def new_conversation() -> Conversation:
        conversation = Conversation.objects.create(
            subject=subject, started_by=by, created_at=now, last_message_at=now, message_count=1
        )
        Participant.objects.bulk_create(
            [
                Participant(conversation=conversation, user=by, joined_at=now, last_read_at=now),
                *(Participant(conversation=conversation, user=p, joined_at=now) for p in people),
            ]
        )
        return conversation

    message, created = _write_once(
        Message.objects.select_related("conversation"),
        conversation=new_conversation,
        author=by,
        body=body,
        now=now,
        token=submission_token,
        rate_limited=rate_limited,
    )
    if created:
        _delivered(message, readers=[person.pk for person in people])
    return message.conversation


def _refuse_writing(
    author: User,
    participation: Participant | None,
    others: Sequence[Participant],
    blocked_me: set[int],
) -> None:
    """Raises `PermissionDenied` with the reason when `author` may not write."""
    if can_write_in(author, participation, others, blocked_me=blocked_me):
        return
    if participation is None or participation.has_left:
        raise PermissionDenied(_("Vous ne participez plus à cette conversation."))
    if not any(still_reading(p) for p in others):
        raise PermissionDenied(
            _(
                "Les autres personnes ont quitté cette conversation : personne ne lirait "
                "votre message."
            )
        )
    raise PermissionDenied(_("Vous ne pouvez plus écrire dans cette conversation."))


@transaction.atomic
def message_send(
    *,
    conversation: Conversation,
    author: User,
    body: str,
    submission_token: UUID | None = None,
    rate_limited: bool = True,
) -> Message:
    """A message in the conversation, from one of its participants (see
    `permissions.can_write_in`). The same form sent again returns the message it wrote.
    Raises `WritingLimitReached` past the writing limit."""
    participants = list(conversation.participants.select_related("user"))
    mine = next((p for p in participants if p.user_id == author.pk), None)
    others = [p for p in participants if p.user_id != author.pk]
    blocked_me, _i_blocked = blocked_between(
        author, [p.user_id for p in others if still_reading(p)]
    )
    _refuse_writing(author, mine, others, blocked_me)
    assert mine is not None  # _refuse_writing said so
    body = _clean_body(body)
    now = timezone.now()

    message, created = _write_once(
        Message.objects.all(),
        conversation=lambda: conversation,
        author=author,
        body=body,
        now=now,
        token=submission_token,
        rate_limited=rate_limited,
    )
    if not created:
        return message
    previous_last = conversation.last_message_at
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=now, message_count=F("message_count") + 1
    )
    conversation.last_message_at = now
    conversation.message_count += 1
    # Writing is reading: the author has seen the conversation up to their own message.
    was_unread = mine.last_read_at is None or mine.last_read_at < previous_last
    Participant.objects.filter(pk=mine.pk).update(last_read_at=now)
    mine.last_read_at = now
    readers = [p.user_id for p in others if still_reading(p)]
    forget_unread_conversations([author.pk] if was_unread else [])
    _delivered(message, readers=readers)
    return message


def conversation_mark_read(*, participation: Participant, conversation: Conversation) -> None:
    """The participant has seen the conversation up to its last message; their header
    count goes down by one if it was unread. Nothing (no query) when it was read."""
    seen = conversation.last_message_at
    if participation.last_read_at is not None and participation.last_read_at >= seen:
        return
    Participant.objects.filter(pk=participation.pk).update(last_read_at=seen)
    participation.last_read_at = seen
    unread_conversations_lower(participation.user)


@transaction.atomic
def conversation_leave(*, conversation: Conversation, user: User) -> Participant:
    """The person leaves: the conversation leaves their list and they are told nothing
    more of it; the others see that they left; nothing written is deleted."""
    participation = (
        Participant.objects.active()
        .select_for_update()
        .filter(conversation=conversation, user=user)
        .first()
    )
    if participation is None:
        raise PermissionDenied(_("Vous ne participez plus à cette conversation."))
    participation.left_at = timezone.now()
    participation.save(update_fields=["left_at"])
    forget_unread_conversations([user.pk])
    return participation


@transaction.atomic
def block_set(*, blocker: User, blocked: User, blocking: bool) -> bool:
    """Block someone (they may no longer start a conversation with `blocker` nor write
    in one where `blocker` still is) or unblock them. Returns whether they are blocked."""
    if blocked.pk == blocker.pk:
        raise ValidationError(_("Vous ne pouvez pas vous bloquer vous-même."))
    if blocking:
        Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    else:
        Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return blocking


# --- Flags and moderation ---------------------------------------------------------------


@transaction.atomic
def message_flag_create(*, message: Message, reporter: User, reason: str) -> MessageFlag:
    participation = Participant.objects.filter(
        conversation_id=message.conversation_id, user=reporter
    ).first()
    if not can_flag_message(reporter, message, participation):
        raise PermissionDenied(_("Vous ne pouvez pas signaler ce message."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(
            _("Dites à l'administration du portail ce qui pose problème."), code="reason"
        )
    if MessageFlag.objects.open().filter(message=message, reporter=reporter).exists():
        raise ValidationError(
            _("Vous avez déjà signalé ce message ; l'administration va le regarder."),
            code="duplicate",
        )
    return MessageFlag.objects.create(message=message, reporter=reporter, reason=reason[:500])


def _require_handler(by: User) -> None:
    if not can_handle_message_flags(by):
        raise PermissionDenied(_("Seule l'administration du portail peut faire cela."))


def _log(by: User, action: ModerationAction, reason: str, **details: Any) -> None:
    # A private conversation belongs to no community: the line is the administrators'.
    log_moderation(
        ModerationEvent(by=by, action=action, community_id=None, reason=reason, details=details)
    )


@transaction.atomic
def message_set_hidden(*, message: Message, by: User, hidden: bool, reason: str = "") -> Message:
    """Hide a message (nothing is deleted: its author still reads it, with the reason)
    or show it again. The portal's administrators only."""
    _require_handler(by)
    if hidden and not (reason or "").strip():
        raise ValidationError(_("Donnez la raison du masquage."), code="reason")
    if message.is_hidden == hidden:
        return message
    message.is_hidden = hidden
    message.hidden_reason = (reason or "").strip()[:300] if hidden else ""
    message.hidden_by = by if hidden else None
    message.hidden_at = timezone.now() if hidden else None
    message.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    action = (
        ModerationAction.HIDE_PRIVATE_MESSAGE if hidden else ModerationAction.UNHIDE_PRIVATE_MESSAGE
    )
    _log(by, action, reason, conversation_message=message.pk)
    return message


@transaction.atomic
def message_flag_resolve(
    *,
    flag: MessageFlag,
    by: User,
    dismiss: bool = False,
    note: str = "",
    hide: bool = False,
    hide_reason: str | None = None,
) -> MessageFlag:
    """Close a flag, handled or dismissed; with `hide`, the message is hidden (with
    `hide_reason`, the note by default: its author reads it) and every open flag on it
    is closed too. The flow is `cdp_portal.core.moderation.settle_flag`, as for posts and
    resources."""
    _require_handler(by)
    if flag.status != MessageFlag.Status.OPEN:
        return flag
    message = flag.message

    def log_closed(closed: MessageFlag) -> None:
        action = ModerationAction.DISMISS_FLAG if dismiss else ModerationAction.RESOLVE_FLAG
        _log(by, action, note, conversation_message=message.pk, message_flag=closed.pk)

    reason = note if hide_reason is None else hide_reason
    return settle_flag(
        flag,
        by=by,
        open_flags=MessageFlag.objects.open().filter(message=message),
        status=MessageFlag.Status.DISMISSED if dismiss else MessageFlag.Status.RESOLVED,
        note=note,
        hide=(lambda: message_set_hidden(message=message, by=by, hidden=True, reason=reason))
        if hide
        else None,
        log_closed=log_closed,
    )
