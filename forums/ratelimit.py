"""Posting rate limit per member, from `settings.PORTAL_POST_RATE_LIMIT` ("10/10m").

Counted in the database, inside the transaction that writes the post: the author's
posts (a topic's opening post is one) created during the last period. The services
first take a transaction-scoped advisory lock on the author, so that simultaneous
requests of one person are counted one after the other and the limit holds under
concurrency; nothing depends on the cache, which may be down. Administrators are not
limited (they seed and clean up).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from cdp_portal.core.config import parse_post_rate
from communities.models import is_portal_admin

# First key of pg_advisory_xact_lock(int, int): the posting lock's own namespace.
AUTHOR_LOCK_NAMESPACE = 7301


class PostingLimitReached(Exception):
    """The person wrote as many posts as the period allows."""


def parse_rate(value: str) -> tuple[int, int] | None:
    """("10/10m") → (10, 600); "" or "0" → None (no limit). The syntax is the start-up
    check's (cdp_portal.core.config), so a value that passed it parses here."""
    try:
        return parse_post_rate(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"PORTAL_POST_RATE_LIMIT={value!r}: expected COUNT/PERIOD such as 10/10m."
        ) from None


def _limit_for(user) -> tuple[int, int] | None:
    rate = parse_rate(settings.PORTAL_POST_RATE_LIMIT)
    if rate is None or not getattr(user, "pk", None) or is_portal_admin(user):
        return None
    return rate


def _recent_posts(user, period: int) -> int:
    from .models import Post

    since = timezone.now() - timedelta(seconds=period)
    return Post.objects.filter(author=user, created_at__gte=since).count()


def lock_author(user) -> None:
    """Serialise this person's posting until the current transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_author() must run inside the posting transaction.")
    # The second key is an int4: ids past 2**31 share a lock with another person,
    # which only makes them wait for each other, never miscounts.
    key = int(user.pk) % 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [AUTHOR_LOCK_NAMESPACE, key])


def check_limit(user) -> None:
    """Raise PostingLimitReached when one more post would pass the limit. Call after
    `lock_author` in the posting transaction."""
    limit = _limit_for(user)
    if limit is not None and _recent_posts(user, limit[1]) >= limit[0]:
        raise PostingLimitReached


def posting_allowed(user) -> bool:
    """Whether the person may write one more post now (without reserving it: editing
    a post is refused while the limit is reached, as writing one is)."""
    limit = _limit_for(user)
    return limit is None or _recent_posts(user, limit[1]) < limit[0]
