"""One log line per request, and the request id that ties it to every other line.

`RequestLogMiddleware` sits right after SecurityMiddleware, so the answers that other
middleware give on their own (the 503 of a database that is down, the 400 of a malformed
input, the admin's two-factor redirect) are logged like any view's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import LazyObject, empty

from .client_ip import client_ip
from .middleware import DATABASE_DOWN_ERRORS
from .request_id import REQUEST_ID_HEADER, bound_request_id, request_id_from_header

logger = logging.getLogger("cdp_portal.requests")

# A path can be as long as the client likes; a log line should not be.
MAX_LOGGED_PATH = 1000
MAX_LOGGED_METHOD = 16


class RequestLogMiddleware:
    """Gives each request an id (the proxy's X-Request-ID when it is a safe token), binds
    it for every log line written while the request is served, returns it in the
    response's X-Request-ID, and logs method, path, status, duration, user and client
    address once the response is ready.

    The path is logged without its query string (reset and sign-in tokens travel there);
    bodies and cookies are never logged. `duration_ms` ends when the response is ready:
    the bytes of a streamed download are not counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        started = time.monotonic()
        with bound_request_id(request_id):
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            _log_request(request, response, time.monotonic() - started)
        return response


def _log_request(request: HttpRequest, response: HttpResponseBase, seconds: float) -> None:
    method = (request.method or "")[:MAX_LOGGED_METHOD]
    path = request.path[:MAX_LOGGED_PATH]
    status = response.status_code
    duration_ms = round(seconds * 1000, 1)
    logger.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s %s %s %sms",
        method,
        path,
        status,
        duration_ms,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": _user_id(request, response),
            "remote_addr": client_ip(request),
        },
    )


def _user_id(request: HttpRequest, response: HttpResponseBase) -> int | None:
    """The signed-in person's id, or None.

    The person is loaded lazily; when nothing loaded them and the answer is the
    database-down 503, loading them now would wait for the dead database a second time."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    if isinstance(user, LazyObject) and user._wrapped is empty and response.status_code == 503:
        return None
    try:
        return user.pk if user.is_authenticated else None
    except DATABASE_DOWN_ERRORS:
        return None
