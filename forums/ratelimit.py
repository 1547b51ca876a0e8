"""Posting rate limit per member: the portal's writing limit
(`cdp_portal.core.ratelimit`, `settings.PORTAL_POST_RATE_LIMIT`) counted over the
person's forum posts (a topic's opening post is one). Administrators are not limited.
"""

from __future__ import annotations

from datetime import datetime

from cdp_portal.core.ratelimit import WritingLimit, WritingLimitReached, lock_writer, parse_rate
from communities.models import is_portal_admin

__all__ = [
    "POSTING",
    "PostingLimitReached",
    "check_limit",
    "lock_author",
    "parse_rate",
    "posting_allowed",
]

# The forums' name for the one exception every writing limit raises.
PostingLimitReached = WritingLimitReached


def _posts_since(user, since: datetime) -> int:
    from .models import Post

    return Post.objects.filter(author=user, created_at__gte=since).count()


POSTING = WritingLimit(count_since=_posts_since, is_exempt=is_portal_admin)


def lock_author(user) -> None:
    """Serialise this person's writing until the current transaction ends."""
    lock_writer(user)


def check_limit(user) -> None:
    """Raise PostingLimitReached when one more post would pass the limit. Call after
    `lock_author` in the posting transaction."""
    POSTING.check(user)


def posting_allowed(user) -> bool:
    """Whether the person may write one more post now (without reserving it)."""
    return POSTING.allows(user)
