"""The library's facet links (resources.facet_links): each keeps the page's other
parameters, a chosen value removes itself, and names from the data are escaped."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import CommunityFactory, make_member
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(community_world):
    world = community_world
    hostile = CommunityFactory(name='<img src=x onerror="alert(1)"> & Cie', visibility="open")
    member = make_member(world.open)
    ResourceFactory(title="Guide", community=hostile, kind="guide", tags=["outil"])
    ResourceFactory(title="Fiche", community=world.open, kind="tool", tags=["outil", "<b>gras</b>"])
    return world, hostile, member


def aside(client, params: dict) -> str:
    response = client.get(reverse("resources:list"), params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<aside class="library__facets"') : html.index("</aside>")]


def test_a_value_chooses_itself_and_keeps_the_other_parameters(client, login, library):
    world, _hostile, member = library
    login(member)
    shown = aside(client, {"q": "outil", "sort": "recent", "page": "1"})
    # page is dropped (a new choice starts at the first page); the rest keeps its order.
    assert 'href="?q=outil&amp;sort=recent&amp;kind=tool"' in shown
    assert f'href="?q=outil&amp;sort=recent&amp;community={world.open.slug}"' in shown
    assert "aria-current" not in shown


def test_a_chosen_value_removes_itself(client, login, library):
    _world, _hostile, member = library
    login(member)
    shown = aside(client, {"kind": "tool", "tag": "outil"})
    chosen = re.findall(r'<a href="([^"]*)" aria-current="true">(.*?)</a>', shown)
    assert [(href, "Retirer le filtre" in text) for href, text in chosen] == [
        ("?tag=outil", True),  # the kind removed
        ("?kind=tool", True),  # the tag removed
    ]
    assert 'class="library-tag-cloud__item library-tag-cloud__item--' in shown


def test_names_from_the_data_are_escaped(client, login, library):
    _world, _hostile, member = library
    login(member)
    shown = aside(client, {})
    assert "<img" not in shown and "<b>gras" not in shown
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Cie" in shown
    assert "&lt;b&gt;gras&lt;/b&gt;" in shown
