"""Rendered fragments kept in the cache under a key made of what they show.

A topic page renders twenty posts, a forum page twenty-five topic rows: the same HTML for
everyone who may do the same things, until the post or the topic changes. Each fragment
is stored under a hash of every value its template reads (passed in explicitly as its
`key`: the post's text and state, its author's name, what the reader may do on it, the
language and time zone), so nothing has to be invalidated: a change makes a new key, and
an old fragment is simply never asked for again (it expires). The template of a fragment
gets only `context` and the item, never the request's context, so it cannot read
anything the key leaves out; tests render pages with and without the cache and compare.

Forms in a fragment carry the request's CSRF token: fragments are rendered with a
placeholder in its place, swapped for the real token when the page is put together.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What `{% csrf_token %}` prints in a stored fragment; never a real token.
CSRF_PLACEHOLDER = "cdp-fragment-csrf-placeholder"
# An hour: what is read often stays, the rest leaves the cache's memory on its own.
FRAGMENT_TIMEOUT = 3600


def fragment_key(template_name: str, parts: Sequence[Any]) -> str:
    """The cache key of a fragment: the template, the language, the time zone and the
    values it shows, hashed (values are turned to text with repr)."""
    described = repr(
        (
            template_name,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            settings.STATIC_URL,
            *parts,
        )
    )
    return "fragment:" + hashlib.blake2b(described.encode(), digest_size=20).hexdigest()


def render_fragments(
    request: HttpRequest,
    template_name: str,
    items: Iterable[T],
    *,
    name: str,
    key: Callable[[T], Sequence[Any]],
    context: dict[str, Any] | None = None,
) -> list[SafeString]:
    """Each item rendered by `template_name` (which sees `context` and the item as
    `name`), from the cache where it is there; one cache round trip to read them all, one
    to store those rendered. The cache failing only means rendering everything."""
    items = list(items)
    keys = [fragment_key(template_name, key(item)) for item in items]
    try:
        found = cache.get_many(keys) if settings.FRAGMENT_CACHE else {}
    except Exception:  # a cache that fails degrades to rendering, never to an error
        logger.warning("fragment cache unavailable: rendering", exc_info=True)
        found = {}
    template = get_template(template_name)
    missing: dict[str, str] = {}
    html: list[str] = []
    for item, item_key in zip(items, keys, strict=True):
        fragment = found.get(item_key)
        if fragment is None:
            fragment = template.render(
                {**(context or {}), name: item, "csrf_token": CSRF_PLACEHOLDER}
            )
            missing[item_key] = fragment
        html.append(fragment)
    if missing and settings.FRAGMENT_CACHE:
        try:
            cache.set_many(missing, FRAGMENT_TIMEOUT)
        except Exception:
            logger.warning("fragment cache unavailable: not stored", exc_info=True)
    token = get_token(request) if any(CSRF_PLACEHOLDER in h for h in html) else ""
    return [mark_safe(h.replace(CSRF_PLACEHOLDER, token) if token else h) for h in html]
