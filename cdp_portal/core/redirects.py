"""The one check for where a `next=` (or Referer) may send someone back.

`url_has_allowed_host_and_scheme` accepts any string without a foreign host: "NaN", "été",
"/a\\r\\nb"… Given to `redirect()`, a string that is not a URL is taken for a view name
(NoReverseMatch, a 500), and a line break in a Location header is a BadHeaderError.
`safe_next_url` returns a URL or the fallback, never anything `redirect()` could resolve
or a header could refuse. This module imports no app of the portal.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

MAX_NEXT_LENGTH = 2000


def is_safe_next_url(request: HttpRequest, candidate: object) -> bool:
    """True for a path on this site ("/forums/…") or a full http(s) URL to this host."""
    if not isinstance(candidate, str) or not candidate or len(candidate) > MAX_NEXT_LENGTH:
        return False
    # Control characters (NUL, CR/LF, TAB…) and surrogates never belong in a Location
    # header; a backslash is read as "/" by some browsers ("\\evil.example").
    if "\\" in candidate or any(
        unicodedata.category(char) in {"Cc", "Cs", "Zl", "Zp"} for char in candidate
    ):
        return False
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return False
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return parts.scheme in {"http", "https"} and bool(parts.netloc)
    return candidate.startswith("/") and not candidate.startswith("//")


def safe_next_url(request: HttpRequest, candidate: object, fallback: str) -> str:
    """`candidate` when it is a safe place to go back to, else `fallback` (a URL, never a
    view name: callers pass `reverse(...)` or a model's URL)."""
    return candidate if is_safe_next_url(request, candidate) else fallback  # type: ignore[return-value]
