"""The admin's filters by value name the blank value: a profile without a campus is
listed under "(vide)", never under a link with no text."""

import re
from html import unescape
from urllib.parse import parse_qs

import pytest

from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def filter_links(html: str, parameter: str) -> dict[str, str]:
    """The admin's filter links choosing a value of `parameter`: their text by the value."""
    links = [
        (unescape(query), text)
        for query, text in re.findall(r'<a href="\?([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    ]
    return {
        parse_qs(query, keep_blank_values=True)[parameter][0]: text.strip()
        for query, text in links
        if parameter in parse_qs(query, keep_blank_values=True)
    }


@pytest.mark.parametrize(("language", "blank"), [("fr", "(vide)"), ("en", "(blank)")])
def test_a_blank_campus_is_a_named_filter_choice(admin_client, language, blank):
    ProfileFactory(campus="Campus de Longueuil")
    ProfileFactory(campus="")
    admin_client.cookies["django_language"] = language
    html = admin_client.get("/admin/communities/profile/").content.decode()
    assert filter_links(html, "campus") == {
        "": blank,
        "Campus de Longueuil": "Campus de Longueuil",
    }
    # With the counts shown, the name comes before the count.
    html = admin_client.get("/admin/communities/profile/?_facets=True").content.decode()
    assert filter_links(html, "campus")[""] == f"{blank} (1)"
