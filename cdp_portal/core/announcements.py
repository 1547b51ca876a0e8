"""What an htmx answer tells a screen reader: one sentence, read out by the page's one
live region (`#announcements` in base.html, filled by static/js/portal.js).

The sentence travels in the `HX-Trigger-After-Settle` header as the `portal:announce`
event, so it is read after htmx has swapped the answer in and moved the focus, and the
live region itself is never replaced (a replaced live region announces nothing). The
header is JSON with every non-ASCII character escaped: a header is bytes, and "é" or "œ"
must reach the browser intact. This module imports no app of the portal.
"""

from __future__ import annotations

import json

from django.http import HttpResponse

ANNOUNCE_EVENT = "portal:announce"
HEADER = "HX-Trigger-After-Settle"


def announce(response: HttpResponse, message: str) -> HttpResponse:
    """Have the page read `message` once `response` is swapped in; returns `response`."""
    events = {ANNOUNCE_EVENT: str(message)}
    response.headers[HEADER] = json.dumps(events, ensure_ascii=True)
    return response
