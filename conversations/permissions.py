"""Who may do what with private conversations. Views, templates (through context flags),
the admin and the services ask here.

Reading is decided by the querysets (`Conversation.objects.of_participant(user)`): a
conversation someone does not take part in is a 404, whoever they are. These checks then
say what a participant may do in it.
"""

from __future__ import annotations

from collections.abc import Iterable

from cdp_portal.accounts.types import AnyUser, User, is_signed_in
from communities.models import Profile, is_portal_admin
from communities.permissions import can_offer_contact

from .models import Block, Message, Participant

__all__ = [
    "blocked_between",
    "can_contact",
    "can_flag_message",
    "can_handle_message_flags",
    "can_read_message_body",
    "can_write_in",
    "still_reading",
]


def _signed_in(user: AnyUser) -> bool:
    return is_signed_in(user) and user.is_active


def blocked_between(user: User, others: Iterable[int]) -> tuple[set[int], set[int]]:
    """Among `others` (ids): who blocked `user`, and whom `user` blocked. One query."""
    others = [pk for pk in others if pk != user.pk]
    blocked_me: set[int] = set()
    i_blocked: set[int] = set()
    if not others:
        return blocked_me, i_blocked
    pairs = Block.objects.filter(
        blocker_id__in=[user.pk, *others], blocked_id__in=[user.pk, *others]
    )
    for blocker_id, blocked_id in pairs.values_list("blocker_id", "blocked_id"):
        if blocked_id == user.pk and blocker_id in others:
            blocked_me.add(blocker_id)
        elif blocker_id == user.pk and blocked_id in others:
            i_blocked.add(blocked_id)
    return blocked_me, i_blocked


def can_contact(user: AnyUser, profile: Profile) -> bool:
    """Start a conversation with the profile's person: what their profile allows
    (`communities.permissions.can_offer_contact`: active, not oneself, accepting private
    messages), and neither of the two has blocked the other."""
    if not can_offer_contact(user, profile):
        return False
    assert is_signed_in(user)  # can_offer_contact said so
    blocked_me, i_blocked = blocked_between(user, [profile.user_id])
    return not blocked_me and not i_blocked


def still_reading(participant: Participant) -> bool:
    """Someone still in the conversation who can read it: not left, account active (an
    inactive account cannot be contacted). Needs `participant.user` loaded."""
    return not participant.has_left and participant.user.is_active


def can_write_in(
    user: AnyUser,
    participation: Participant | None,
    others: Iterable[Participant],
    *,
    blocked_me: set[int],
) -> bool:
    """Write in a conversation: an active participant, while someone else still reads it
    (`still_reading`), and no one still in it has blocked them. `others`: the conversation's other
    participants; `blocked_me`: who among them blocked the person (`blocked_between`)."""
    if not _signed_in(user) or participation is None or participation.has_left:
        return False
    remaining = [p.user_id for p in others if still_reading(p) and p.user_id != user.pk]
    return bool(remaining) and not (set(remaining) & blocked_me)


def can_read_message_body(user: AnyUser, message: Message) -> bool:
    """A hidden message's text: its author only (and the administrators, in the flag
    queue and the admin). The other participants see that it was hidden."""
    if not message.is_hidden:
        return True
    return _signed_in(user) and message.author_id == user.pk


def can_flag_message(user: AnyUser, message: Message, participation: Participant | None) -> bool:
    """Report a message to the administrators: an active participant, about someone
    else's message that is not already hidden."""
    if not _signed_in(user) or participation is None or participation.has_left:
        return False
    if participation.conversation_id != message.conversation_id:
        return False
    return message.author_id != user.pk and not message.is_hidden


def can_handle_message_flags(user: AnyUser) -> bool:
    """Read flagged private messages and hide them: the portal's administrators, not
    the communities' animators (a private conversation belongs to no community)."""
    return _signed_in(user) and is_portal_admin(user)
