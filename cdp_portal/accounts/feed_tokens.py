"""Personal feed addresses: a secret token in the query string stands in for the session
a feed reader does not have.

The token is derived, not stored: HMAC-SHA256 of the person's random key under the
site's SECRET_KEY (so changing SECRET_KEY retires every address). A fetch hashes what it
was given and looks that hash up, then compares the derived token in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import FeedToken, User

TOKEN_PARAMETER = "token"
# 32 bytes of HMAC in URL-safe base64 without padding; anything else is no token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_SALT = "cdp_portal.accounts.feed_tokens"


def _token_of(user_pk: int, key: str) -> str:
    digest = salted_hmac(_SALT, f"{user_pk}:{key}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _hash_of(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _activate(feed_token: FeedToken) -> None:
    feed_token.key = secrets.token_urlsafe(32)
    feed_token.token_hash = _hash_of(_token_of(feed_token.user_id, feed_token.key))
    feed_token.created_at = timezone.now()


def feed_token_ensure(*, user: User) -> FeedToken:
    """The person's feed token row, created active the first time a page offers a
    feed; a revoked one stays revoked."""
    if User.feed_token.is_cached(user):
        # Loaded with the signed-in person (accounts.backends): no query of its own.
        feed_token = getattr(user, "feed_token", None)
    else:
        feed_token = FeedToken.objects.filter(user=user).first()
    if feed_token is not None:
        return feed_token
    feed_token = FeedToken(user=user)
    _activate(feed_token)
    try:
        with transaction.atomic():
            feed_token.save(force_insert=True)
    except IntegrityError:
        # Two pages of the same person at once: the other one created it.
        return FeedToken.objects.get(user=user)
    return feed_token


def feed_token_regenerate(*, user: User) -> FeedToken:
    """A new token: every address given out before stops working."""
    with transaction.atomic():
        feed_token, _created = FeedToken.objects.select_for_update().get_or_create(user=user)
        _activate(feed_token)
        feed_token.save()
    user.feed_token = feed_token  # what the person's object holds, for this request
    return feed_token


def feed_token_revoke(*, user: User) -> None:
    """No personal address works any more, until the person regenerates one."""
    # A row even for someone who never had one: the next page must not make them one.
    feed_token, _created = FeedToken.objects.update_or_create(
        user=user, defaults={"key": "", "token_hash": None}
    )
    user.feed_token = feed_token  # what the person's object holds, for this request


def feed_token_value(feed_token: FeedToken) -> str | None:
    return _token_of(feed_token.user_id, feed_token.key) if feed_token.is_active else None


def feed_token_user(token: str) -> User | None:
    """The active person whose current token this is, or None (unknown, revoked, badly
    formed, or the account is deactivated)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    feed_token = (
        FeedToken.objects.filter(token_hash=_hash_of(token), user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed_token is None or not feed_token.is_active:
        return None
    if not hmac.compare_digest(_token_of(feed_token.user_id, feed_token.key), token):
        return None
    return feed_token.user
