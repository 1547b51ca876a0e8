"""The address of the person behind a request, as every rate limit must see it.

Behind a reverse proxy REMOTE_ADDR is the proxy's address, shared by everybody; the real
client is in X-Forwarded-For, which each proxy extends on the right with the address it
received the request from. Only the entries our own proxies wrote can be trusted: with
TRUSTED_PROXY_COUNT = N, the client is the N-th entry from the right. Anything to its left
was sent by the client and could be anything.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "0.0.0.0"


def _clean(value: str) -> str | None:
    """A normalised IP address from one header entry ("1.2.3.4", "1.2.3.4:5678",
    "[2001:db8::1]:443"), or None when it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port; IPv6 has at least two colons
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N > 0 the
    X-Forwarded-For entry N places from the right.

    A header missing, too short or holding garbage at that place means the request did
    not come through our proxies as configured: REMOTE_ADDR is used then, never an entry
    further left, so a client cannot choose the address it is counted under.
    """
    remote = _clean(request.META.get("REMOTE_ADDR") or "") or UNKNOWN
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    entries = forwarded.split(",")
    if not forwarded.strip() or len(entries) < count:
        return remote
    return _clean(entries[-count]) or remote
