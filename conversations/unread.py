"""The header's count of conversations with unread messages, kept on the person's row
(`User.unread_conversation_count`), as `forums.unread` keeps the notification count.

It is a cache of one rule (`ParticipantQuerySet.unread`): whatever could change it (a
message written, a conversation read or left) forgets the count of the people concerned
(None), and the next page they open counts it again, once, under their row lock. So the
header reads it with the signed-in person, at no cost.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from cdp_portal.accounts.models import User
from cdp_portal.accounts.types import AnyUser, is_signed_in

from .models import Participant


def header_unread_conversations(user: AnyUser) -> int:
    """The person's unread conversations, as stored; counted (and stored) when unknown."""
    if not is_signed_in(user):
        return 0
    stored = user.unread_conversation_count
    if stored is None:
        stored = recount_unread_conversations(user)
    return stored


def recount_unread_conversations(user: User) -> int:
    """Count exactly and store it, the person's row locked first: a message written
    meanwhile (whose transaction forgets the count on this same row) is either counted
    here or forgets the stored value after us."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        count = Participant.objects.active().unread().filter(user=user).count()
        User.objects.filter(pk=user.pk).update(unread_conversation_count=count)
    user.unread_conversation_count = count
    return count


def unread_conversations_lower(user: User) -> None:
    """The person just read one of their counted unread conversations."""
    User.objects.filter(pk=user.pk, unread_conversation_count__isnull=False).update(
        unread_conversation_count=Greatest(F("unread_conversation_count") - 1, Value(0))
    )
    if user.unread_conversation_count is not None:
        user.unread_conversation_count = max(user.unread_conversation_count - 1, 0)


def forget_unread_conversations(users: Iterable[int]) -> None:
    """These people's counts are to be made again. No condition on the stored value: a
    row a counter has locked must be waited for."""
    users = list(users)
    if users:
        User.objects.filter(pk__in=users).update(unread_conversation_count=None)
