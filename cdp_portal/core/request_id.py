"""The request id: one token shared by every log line and error report that one request
causes, in the web process and in the worker that runs its tasks.

It lives in a context variable rather than on the request, because most code that logs
(a library, a service, a task) never sees the request. A logging filter copies it onto
each record, so the formatter can print it whatever logger wrote the line.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's or client's id is kept only when it cannot inject anything into a log line or
# a header: a short token of letters, digits, "-", "_" and ".".
REQUEST_ID_MAX_LENGTH = 64
_SAFE_REQUEST_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{REQUEST_ID_MAX_LENGTH}}}")

_current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or of the task started by a request) being served, if any."""
    return _current_request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from_header(value: str | None) -> str:
    """The incoming X-Request-ID when it is a safe token (so that the proxy's log and ours
    share it), otherwise a new one."""
    if value and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Every log line written inside the block carries `request_id`."""
    token = bind_request_id(request_id)
    try:
        yield
    finally:
        unbind_request_id(token)


def bind_request_id(request_id: str | None) -> Token[str | None]:
    """For code that starts and ends in different callbacks (signal receivers) and so
    cannot use `bound_request_id`: bound until `unbind_request_id(token)`."""
    return _current_request_id.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    _current_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (None outside a request) for the formatters.

    Attached to the handlers rather than to loggers: a logger's filters do not see the
    records its children propagate to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True
