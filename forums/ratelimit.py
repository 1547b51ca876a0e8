"""Posting rate limit per member, from `settings.PORTAL_POST_RATE_LIMIT` ("10/10m").

A fixed window counted in Django's cache: the window is the period's slice of time the
request falls in, so the count resets on its own when the key expires. Administrators are
not limited (they seed and clean up). The views check before writing and count after.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from communities.models import is_portal_admin

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


def parse_rate(value: str) -> tuple[int, int] | None:
    """("10/10m") → (10, 600); "" or "0" → None (no limit)."""
    if not value or value.strip() in {"0", "off", "none"}:
        return None
    match = RATE.match(value)
    if not match:
        raise ImproperlyConfigured(
            f"PORTAL_POST_RATE_LIMIT={value!r}: expected COUNT/PERIOD such as 10/10m."
        )
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * UNITS[unit]


def _key(user, period: int) -> str:
    window = int(time.time() // period)
    return f"forums:posts:{user.pk}:{period}:{window}"


def posting_allowed(user) -> bool:
    """Whether the person may write one more post or topic now."""
    rate = parse_rate(settings.PORTAL_POST_RATE_LIMIT)
    if rate is None or is_portal_admin(user):
        return True
    count, period = rate
    return (cache.get(_key(user, period)) or 0) < count


def record_post(user) -> None:
    rate = parse_rate(settings.PORTAL_POST_RATE_LIMIT)
    if rate is None:
        return
    _count, period = rate
    key = _key(user, period)
    if not cache.add(key, 1, timeout=period + 1):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 1)
