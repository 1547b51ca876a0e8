"""A page's address with some of its parameters changed, for lists of links that each
keep the others (the library's facets and sorts): what Django's `{% querystring %}`
writes, with the page's own parameters encoded once per request rather than once per
link (`{% changed_query %}` in templates)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest


def changed_query(request: HttpRequest, **changes: Any) -> str:
    """`?…`: the request's parameters with `changes` (None removes one; a list gives
    several values); "" when nothing is left of a request that had none."""
    query = request.GET
    encoded = _encoded_parameters(request)
    if not changes:
        return ("?" + "&".join(encoded.values())) if encoded else ""
    parts = dict(encoded)  # in order; a changed key keeps its place
    for key, value in changes.items():
        if value is None:
            parts.pop(key, None)
            continue
        values = (
            list(value) if isinstance(value, Iterable) and not isinstance(value, str) else [value]
        )
        parts[key] = urlencode([(key, str(v)) for v in values])
    if not parts and not query:
        return ""
    return "?" + "&".join(part for part in parts.values() if part)


def _encoded_parameters(request: HttpRequest) -> dict[str, str]:
    """The page's parameters, each encoded as `urlencode` does (`k=v&k=w`), once per
    request."""
    memo = getattr(request, "_encoded_parameters", None)
    if memo is not None and memo[0] is request.GET:
        return memo[1]
    encoded = {key: urlencode([(key, v) for v in values]) for key, values in request.GET.lists()}
    request._encoded_parameters = (request.GET, encoded)  # type: ignore[attr-defined]
    return encoded
