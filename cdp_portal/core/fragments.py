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

import functools
import hashlib
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What `{% csrf_token %}` prints in a stored fragment; never a real token.
CSRF_PLACEHOLDER = "cdp-fragment-csrf-placeholder"
# The one-time submission token (cdp_portal.core.idempotency) of a form in a stored
# fragment: each served copy gets a new one, as an unbound form rendered afresh would.
SUBMISSION_TOKEN_PLACEHOLDER = "00000000-cdp0-4000-8000-fragment0000"
# An hour: what is read often stays, the rest leaves the cache's memory on its own.
FRAGMENT_TIMEOUT = 3600


def templates_version(directories: Iterable[Path]) -> str:
    """A digest of every template file under `directories` (names and contents): a
    deploy that changes any template, or the catalogues compiled beside them, changes it."""
    digest = hashlib.blake2b(digest_size=12)
    for directory in directories:
        for path in sorted(Path(directory).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(directory)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def deployed_templates_version() -> str:
    """`templates_version` of the project's and the installed apps' templates and of the
    compiled catalogues, once per process: part of every fragment's key, so that after a
    deploy that changes what a fragment looks like no process serves the former HTML
    from the shared cache (it would have, for up to an hour, to every node)."""
    directories = [
        *(Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])),
        *get_app_template_dirs("templates"),
        *(Path(d) for d in settings.LOCALE_PATHS),
    ]
    return templates_version(d for d in directories if Path(d).is_dir())


def fragment_key(template_name: str, parts: Sequence[Any]) -> str:
    """The cache key of a fragment: the templates' version, the template, the language,
    the time zone and the values it shows, hashed (values are turned to text with repr)."""
    described = repr(
        (
            deployed_templates_version(),
            template_name,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            settings.STATIC_URL,
            *parts,
        )
    )
    return "fragment:" + hashlib.blake2b(described.encode(), digest_size=20).hexdigest()


class LocalFragments:
    """The fragments a process served last, in its own memory, up to a number of bytes
    (FRAGMENT_LOCAL_CACHE_MB): a key names its content, so a copy kept here is never
    stale, and taking it saves the shared cache's round trip. Least recently used first
    out; a lock for threaded servers."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def _budget() -> int:
        return settings.FRAGMENT_LOCAL_CACHE_MB * 1024 * 1024

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        found = {}
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    found[key] = entry[0]
        return found

    def set_many(self, fragments: dict[str, Any]) -> None:
        budget = self._budget()
        with self._lock:
            for key, value in fragments.items():
                size = len(value) if isinstance(value, str) else 256
                if size > budget:
                    continue
                former = self._entries.pop(key, None)
                if former is not None:
                    self._bytes -= former[1]
                self._entries[key] = (value, size)
                self._bytes += size
            while self._bytes > budget and self._entries:
                _key, (_value, size) = self._entries.popitem(last=False)
                self._bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


local_fragments = LocalFragments()


def cached_fragments(keys: Sequence[str]) -> dict[str, Any]:
    """What the cache holds under these keys (this process's copies first); nothing when
    it fails or is turned off (a cache that fails degrades to rendering, never to an
    error)."""
    if not settings.FRAGMENT_CACHE or not keys:
        return {}
    found = local_fragments.get_many(keys)
    missing = [key for key in keys if key not in found]
    if not missing:
        return found
    try:
        shared = cache.get_many(missing)
    except Exception:
        logger.warning("fragment cache unavailable: rendering", exc_info=True)
        return found
    local_fragments.set_many(shared)
    return {**found, **shared}


def cached_fragment(key: str) -> Any:
    return cached_fragments([key]).get(key)


def store_fragments(fragments: dict[str, Any]) -> None:
    if not settings.FRAGMENT_CACHE or not fragments:
        return
    local_fragments.set_many(fragments)
    try:
        cache.set_many(fragments, FRAGMENT_TIMEOUT)
    except Exception:
        logger.warning("fragment cache unavailable: not stored", exc_info=True)


def _csrf_token(request: HttpRequest) -> str:
    """One masked CSRF token for all the fragments of a response (each masking draws 32
    random characters, and a topic page has several forms), as Django's own `csrf_token`
    gives one to a whole template; a new secret (a sign-in rotates it) gets a new one."""
    memo = getattr(request, "_fragments_csrf_token", None)
    if memo is not None and memo[0] == request.META.get("CSRF_COOKIE"):
        return memo[1]
    token = get_token(request)  # makes the secret when there is none yet
    request._fragments_csrf_token = (request.META.get("CSRF_COOKIE"), token)  # type: ignore[attr-defined]
    return token


def with_request_tokens(request: HttpRequest, html: str) -> SafeString:
    """A stored fragment with the request's CSRF token in place of its placeholder, and a
    new submission token in place of each of theirs."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, _csrf_token(request))
    while SUBMISSION_TOKEN_PLACEHOLDER in html:
        html = html.replace(SUBMISSION_TOKEN_PLACEHOLDER, str(uuid.uuid4()), 1)
    return mark_safe(html)


def render_fragments(
    request: HttpRequest,
    template_name: str,
    items: Iterable[T],
    *,
    name: str,
    key: Callable[[T], Sequence[Any]],
    context: dict[str, Any] | None = None,
    prepare: Callable[[list[T]], None] | None = None,
) -> list[SafeString]:
    """Each item rendered by `template_name` (which sees `context` and the item as
    `name`), from the cache where it is there; one cache round trip to read them all, one
    to store those rendered. The cache failing only means rendering everything."""
    fragments = render_stored_fragments(
        template_name, items, name=name, key=key, context=context, prepare=prepare
    )
    return [with_request_tokens(request, html) for html in fragments]


def render_stored_fragments(
    template_name: str,
    items: Iterable[T],
    *,
    name: str,
    key: Callable[[T], Sequence[Any]],
    context: dict[str, Any] | None = None,
    prepare: Callable[[list[T]], None] | None = None,
) -> list[str]:
    """`render_fragments`, as stored: with the CSRF placeholder, for a caller that keeps
    them together in a larger fragment (`with_request_tokens` when serving it).
    `prepare` is given the items to render (those not in the cache) first, to load what
    only their rendering reads for them alone."""
    items = list(items)
    keys = [fragment_key(template_name, key(item)) for item in items]
    found = cached_fragments(keys)
    to_render = [item for item, item_key in zip(items, keys, strict=True) if item_key not in found]
    if prepare is not None and to_render:
        prepare(to_render)
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
    store_fragments(missing)
    return html


def render_one_fragment(
    request: HttpRequest,
    template_name: str,
    values: dict[str, Any],
    *,
    key: Sequence[Any] | None = None,
    loaded: Callable[[], dict[str, Any]] | None = None,
    per_request: dict[str, str] | None = None,
) -> SafeString:
    """`template_name` rendered with `values` alone, from the cache when rendered before.
    The cache key is made of `values`, or of `key` when given (then it must hold every
    value the template shows of them). `loaded` gives what only rendering reads (called
    on a miss only). `per_request` values differ on every request (a page's own
    address): the stored fragment holds a placeholder for each, replaced by the value,
    escaped as the template would have, when it is served."""
    template = get_template(template_name)
    if not settings.FRAGMENT_CACHE:  # as a plain include would render it
        fresh = {**values, **(loaded() if loaded else {}), **(per_request or {})}
        html = template.render({**fresh, "csrf_token": get_token(request)})
        return with_request_tokens(request, html)  # a submission token placeholder
    placeholders = {name: f"cdp-fragment-{name}-placeholder" for name in per_request or {}}
    cache_key = fragment_key(template_name, [sorted(values.items())] if key is None else key)
    html = cached_fragment(cache_key)
    if html is None:
        html = template.render(
            {
                **values,
                **(loaded() if loaded else {}),
                **placeholders,
                "csrf_token": CSRF_PLACEHOLDER,
            }
        )
        store_fragments({cache_key: html})
    for name, value in (per_request or {}).items():
        html = html.replace(placeholders[name], conditional_escape(value))
    return with_request_tokens(request, html)
