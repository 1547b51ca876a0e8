"""The writing rate limit, from `settings.PORTAL_POST_RATE_LIMIT` ("10/10m"): how many
things a person may write per period (forum topics and replies, private messages), each
app counting its own writings with the same rule.

Counted in the database, inside the transaction that writes: the writings of the person
created during the last period. The writer first takes a transaction-scoped advisory lock
on the person (`lock_writer`), so that simultaneous requests of one person are counted
one after the other and the limit holds under concurrency; nothing depends on the cache,
which may be down. Who is exempt (administrators, who seed and clean up) is the caller's
to say: this module knows no app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from .config import parse_post_rate

# First key of pg_advisory_xact_lock(int, int): the writing lock's own namespace. One
# lock per person for every kind of writing: a post and a message of one person wait for
# each other, which costs nothing and keeps each count exact.
WRITER_LOCK_NAMESPACE = 7301


class WritingLimitReached(Exception):
    """The person wrote as much as the period allows."""


def parse_rate(value: str) -> tuple[int, int] | None:
    """("10/10m") → (10, 600); "" or "0" → None (no limit). The syntax is the start-up
    check's (cdp_portal.core.config), so a value that passed it parses here."""
    try:
        return parse_post_rate(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"PORTAL_POST_RATE_LIMIT={value!r}: expected COUNT/PERIOD such as 10/10m."
        ) from None


def lock_writer(user: Any) -> None:
    """Serialise this person's writing until the current transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_writer() must run inside the writing transaction.")
    # The second key is an int4: ids past 2**31 share a lock with another person,
    # which only makes them wait for each other, never miscounts.
    key = int(user.pk) % 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [WRITER_LOCK_NAMESPACE, key])


@dataclass(frozen=True)
class WritingLimit:
    """The limit for one kind of writing: `count_since(user, since)` counts what the
    person wrote of it since then; `is_exempt(user)` says who is not limited."""

    count_since: Callable[[Any, datetime], int]
    is_exempt: Callable[[Any], bool]

    def _rate_for(self, user: Any) -> tuple[int, int] | None:
        rate = parse_rate(settings.PORTAL_POST_RATE_LIMIT)
        if rate is None or not getattr(user, "pk", None) or self.is_exempt(user):
            return None
        return rate

    def _reached(self, user: Any, rate: tuple[int, int]) -> bool:
        count, period = rate
        return self.count_since(user, timezone.now() - timedelta(seconds=period)) >= count

    def check(self, user: Any) -> None:
        """Raise WritingLimitReached when one more writing would pass the limit. Call
        after `lock_writer` in the writing transaction."""
        rate = self._rate_for(user)
        if rate is not None and self._reached(user, rate):
            raise WritingLimitReached

    def allows(self, user: Any) -> bool:
        """Whether the person may write one more now (without reserving it: editing is
        refused while the limit is reached, as writing is)."""
        rate = self._rate_for(user)
        return rate is None or not self._reached(user, rate)
