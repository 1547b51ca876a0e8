"""How log lines look: one JSON object per line for log collectors (LOG_FORMAT=json, the
production default), or plain text for a person reading a terminal (LOG_FORMAT=text).

Both expect `RequestIdFilter` (cdp_portal.core.request_id) on the handler.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "request_id", "taskName"}
)
_JSON_SCALARS = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request_id, the
    record's scalar `extra=` fields, and for an error its exception type, message and
    traceback under "exception".

    Only scalar extras are written: Django passes the request object itself as an extra
    (with its cookies and body), which must never reach a log."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            public = key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
            if public and isinstance(value, _JSON_SCALARS):
                entry.setdefault(key, value)
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = exception_fields(record.exc_info[1])
        if record.stack_info:
            entry["stack"] = record.stack_info
        # ASCII escapes keep a line one line and writable whatever it holds (a lone
        # surrogate from a hostile path would make a UTF-8 stream raise).
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """A line for a person: time, level, logger, [request id or "-"], message (and the
    traceback below it, as usual)."""

    LINE = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

    def __init__(self) -> None:
        super().__init__(self.LINE)

    def formatMessage(self, record: logging.LogRecord) -> str:
        values = {**vars(record), "request_id": getattr(record, "request_id", None) or "-"}
        return self.LINE % values


def exception_fields(error: BaseException) -> dict[str, str]:
    kind = type(error)
    module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return {
        "type": module + kind.__qualname__,
        "message": str(error),
        "traceback": "".join(traceback.format_exception(error)),
    }
