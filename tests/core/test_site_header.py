"""The site's header comes from the fragment cache ({% site_header %}): every kind of
visitor, on every section, gets with the cache exactly what the plain template gives,
with the page's own address escaped in the language switcher and fresh CSRF tokens."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.urls import reverse

from cdp_portal.core.fragments import local_fragments
from tests.factories import SuperUserFactory
from tests.forums.test_fragments import assert_cached_is_fresh, page

pytestmark = pytest.mark.django_db

HEADER = re.compile(rb'<header class="site-header">.*?</header>', re.S)

URLS = (
    reverse("home"),
    reverse("communities:list"),
    reverse("directory:list") + "?q=tremblay",
    reverse("resources:list"),
    reverse("forums:index"),
    reverse("forums:notifications"),
    reverse("search") + '?q="<script>alert(1)</script>"&page=2',
)


def header(client, url: str) -> bytes:
    return HEADER.search(page(client, url)).group(0)


@pytest.mark.parametrize("visitor", ["open_member", "open_animator", "outsider", "admin"])
def test_every_visitor_gets_the_header_as_the_template_draws_it(client, community_world, visitor):
    person = SuperUserFactory() if visitor == "admin" else getattr(community_world, visitor)
    client.force_login(person)
    for url in URLS:
        page(client, url)  # stored
        assert_cached_is_fresh(client, url)


def test_a_visitor_who_is_not_signed_in_gets_the_header_of_the_sign_in_page(client):
    url = reverse("account_login") + "?next=/forums/"
    page(client, url)
    assert_cached_is_fresh(client, url)


def test_the_header_follows_the_page_the_name_and_the_unread_count(client, community_world):
    member = community_world.open_member
    client.force_login(member)
    forums = header(client, reverse("forums:index"))
    assert b'href="/forums/" aria-current="page"' in forums
    assert b'aria-current="page"' not in header(client, reverse("communities:list")).replace(
        b'href="/communities/" aria-current="page"', b""
    )
    member.display_name = "Nom tout neuf"
    member.unread_notification_count = 7
    member.save()
    renamed = header(client, reverse("forums:index"))
    assert b"Nom tout neuf" in renamed and b"notification-bell__count" in renamed
    assert renamed != forums


def test_the_language_switcher_returns_to_the_page_escaped(client, community_world):
    client.force_login(community_world.open_member)
    url = reverse("directory:list") + '?q="><b>x</b>&campus=a'
    for _ in range(2):  # rendered, then from the cache
        html = header(client, url)
        (next_value,) = re.findall(rb'name="next" value="([^"]*)"', html)
        assert b"<b>" not in html  # the address and the search box, escaped
        assert next_value.startswith(b"/members/?q=") and b"&amp;campus=a" in next_value


def test_each_copy_of_the_header_carries_the_request_s_csrf_token(client, community_world):
    client.force_login(community_world.open_member)
    url = reverse("forums:index")
    header(client, url)
    local_fragments.clear()  # from the shared cache, as another process would serve it
    html = HEADER.search(client.get(url).content).group(0)
    tokens = re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) == 2  # the language switcher, signing out
    # Each is a masked copy of this visitor's CSRF secret (what the middleware accepts).
    secret = client.cookies["csrftoken"].value
    assert all(_unmask_cipher_token(token.decode()) == secret for token in tokens)
