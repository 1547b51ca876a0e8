"""The header's unread notification count, kept on the person's row.

Counting a person's unread notifications means applying the whole visibility rule
(`NotificationQuerySet.unread_count_for`): the header did it on every page. The count is
now stored in `User.unread_notification_count`, which arrives with the signed-in person
at no cost. It is a cache of that one rule, never a second rule: whatever could change
the result (a notification written or read, a membership, a role, a community's
visibility, a topic hidden or moved, the administrators' group) calls
`forget_unread_counts` for the people concerned, and the next page they open counts
again. Forgetting is always safe; a missed forget would only show a stale number, which
the notification centre corrects (it counts again on every visit).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest

from cdp_portal.accounts.models import User
from cdp_portal.accounts.types import AnyUser, is_signed_in

from .models import Notification


def header_unread_count(user: AnyUser) -> int:
    """The person's unread notifications, as stored; counted (and stored) when unknown."""
    if not is_signed_in(user):
        return 0
    stored = user.unread_notification_count
    if stored is None:
        stored = recount_unread(user)
    return stored


def recount_unread(user: User) -> int:
    """Count exactly and store it. The person's row is locked first, so a notification
    written meanwhile (whose transaction also forgets the count, on this same row) is
    either counted here or forgets the stored value after us: never lost."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        count = Notification.objects.unread_count_for(user)
        User.objects.filter(pk=user.pk).update(unread_notification_count=count)
    user.unread_notification_count = count
    return count


def unread_count_lower(user: User, read: int | None = None) -> None:
    """The person just read `read` of their counted notifications (None: all of them).
    Applied to the stored value under its row lock, so a count being made meanwhile is
    waited for, then lowered."""
    stored = F("unread_notification_count")
    new = Value(0) if read is None else Greatest(stored - read, 0)
    User.objects.filter(pk=user.pk, unread_notification_count__isnull=False).update(
        unread_notification_count=new
    )
    if user.unread_notification_count is not None:
        user.unread_notification_count = (
            0 if read is None else max(user.unread_notification_count - read, 0)
        )


def forget_unread_counts(users: Iterable[int] | QuerySet) -> None:
    """These people's counts are to be made again (ids, or a queryset of ids)."""
    if not isinstance(users, QuerySet):
        users = list(users)
        if not users:
            return
    # No condition on the stored value: a row a counter has locked must be waited for
    # (a row skipped as already None could be overwritten by that counter's older count).
    User.objects.filter(pk__in=users).update(unread_notification_count=None)


def forget_unread_counts_of_topics(topics: QuerySet) -> None:
    """Whoever has unread notifications about these topics."""
    forget_unread_counts(
        Notification.objects.filter(topic__in=topics, read_at__isnull=True).values("recipient")
    )
