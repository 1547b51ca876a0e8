"""The client address every rate limit sees (cdp_portal.core.client_ip), behind 0, 1 or 2
proxies, with honest, forged and broken X-Forwarded-For headers."""

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory

from cdp_portal.core.client_ip import client_ip


def request_from(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/accounts/login/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # No proxy: the header is the client's own words, never trusted.
        (0, None, "10.0.0.1"),
        (0, "203.0.113.7", "10.0.0.1"),
        (0, "garbage", "10.0.0.1"),
        # One proxy: it appended the address it saw, the rightmost entry.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client forged the left one
        (1, " 203.0.113.7 ", "203.0.113.7"),
        (1, "203.0.113.7:51234", "203.0.113.7"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:DB8:0::1", "2001:db8::1"),
        # Two proxies: the second from the right.
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # Missing, too short or broken: REMOTE_ADDR, never an entry the client chose.
        (1, None, "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "   ", "10.0.0.1"),
        (2, "203.0.113.7", "10.0.0.1"),
        (1, "not-an-ip", "10.0.0.1"),
        (1, "203.0.113.7,", "10.0.0.1"),
        (1, "\x00\x01", "10.0.0.1"),
        (1, "999.1.1.1", "10.0.0.1"),
        (3, ",,", "10.0.0.1"),
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_from(forwarded=forwarded)) == expected


def test_a_missing_remote_addr_gives_a_placeholder_not_an_error(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) == "0.0.0.0"


@pytest.mark.parametrize("forwarded", [None, "", "x", "203.0.113.7"])
def test_allauth_sees_the_same_address(settings, forwarded):
    # allauth's own parsing raises ImproperlyConfigured (a 500) on a header shorter
    # than the proxy count; the portal's adapter answers with the portal's helper.
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    request = request_from(forwarded=forwarded)
    assert get_adapter(request).get_client_ip(request) == client_ip(request) == "10.0.0.1"


def test_trusted_proxy_count_is_read_from_the_environment_for_the_portal_and_allauth():
    from tests.core.test_settings import manage

    code = (
        "from django.conf import settings as s; from allauth import app_settings as a; "
        "print(s.TRUSTED_PROXY_COUNT, a.TRUSTED_PROXY_COUNT, "
        "s.ACCOUNT_RATE_LIMITS['login_failed'])"
    )
    assert manage("shell", "-v", "0", "-c", code).stdout.split() == ["0", "0", "5/5m/key,30/5m/ip"]
    assert manage("shell", "-v", "0", "-c", code, TRUSTED_PROXY_COUNT="2").stdout.split()[:2] == [
        "2",
        "2",
    ]
