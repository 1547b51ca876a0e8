"""The signed token of a digest's unsubscribe link: the person and the frequency, signed
with SECRET_KEY under a salt of its own (it opens nothing else), valid for
`MAX_AGE_DAYS`. It stands in for a session: the link works without signing in, from the
e-mail and from the mail client's one-click button (RFC 8058)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

from .periods import FREQUENCIES

SALT = "digests.unsubscribe"
MAX_AGE_DAYS = 90


class InvalidToken(Exception):
    """Tampered, truncated or made up."""


class ExpiredToken(InvalidToken):
    """Genuine, but older than MAX_AGE_DAYS."""


@dataclass(frozen=True)
class Unsubscription:
    user_id: int
    frequency: str


def unsubscribe_token(user_id: int, frequency: str) -> str:
    return signing.dumps({"u": user_id, "f": frequency}, salt=SALT)


def read_unsubscribe_token(token: str) -> Unsubscription:
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=MAX_AGE_DAYS))
    except signing.SignatureExpired as exc:
        raise ExpiredToken from exc
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise InvalidToken from exc
    # Signed by us, so well formed unless the salt was reused for something else.
    if not isinstance(data, dict):
        raise InvalidToken
    user_id, frequency = data.get("u"), data.get("f")
    if type(user_id) is not int or frequency not in FREQUENCIES:
        raise InvalidToken
    return Unsubscription(user_id, frequency)
