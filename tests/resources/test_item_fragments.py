"""Resources in lists come from the fragment cache (resources.items) under a key made of
what they show: a cached list is always the list rendered afresh, whoever reads it,
whatever they searched and whatever changed since it was stored."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from resources import services
from resources.models import Bookmark
from tests.factories import make_member

pytestmark = pytest.mark.django_db

ITEM = "resources/resource_item.html"
# The masked CSRF token differs on every render by design.
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*"')


def page(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return CSRF.sub(rb'\1"', response.content)


def rendered_items(client, url: str) -> int:
    """How many resource items the page rendered (rather than took from the cache)."""
    response = client.get(url)
    assert response.status_code == 200
    return sum(template.name == ITEM for template in response.templates)


def urls(world) -> list[str]:
    library = reverse("resources:list")
    return [
        library,
        f"{library}?q=ressource",
        f"{library}?q=ressource&sort=recent",
        f"{library}?tag=outil",
        reverse("resources:bookmarks"),
        f"{reverse('search')}?q=ressource",
        reverse("directory:tag", args=["outil"]),
        world.open.get_absolute_url(),
    ]


@pytest.mark.parametrize("visitor", ["open_member", "closed_member", "outsider", "admin"])
def test_every_reader_gets_the_lists_rendered_afresh(client, login, world, visitor):
    reader = world.visitor(visitor)
    Bookmark.objects.create(user=reader, resource=world.institution_resource)
    login(reader)
    for url in urls(world):
        cached = page(client, url)
        assert page(client, url) == cached  # now from the cache
        with override_settings(FRAGMENT_CACHE=False):
            assert page(client, url) == cached, url


def test_an_item_is_rendered_once_then_served(client, login, world):
    login(world.open_member)
    library = reverse("resources:list")
    assert rendered_items(client, library) > 0
    assert rendered_items(client, library) == 0
    # Another search showing the same resources: their extract changes, not the item.
    assert rendered_items(client, f"{library}?sort=popular") == 0


def test_the_extract_and_the_way_back_are_the_requests_own(client, login, world):
    """The search extract and the bookmark form's return address are swapped into the
    stored item: two searches showing the same resource show each their own."""
    login(world.open_member)
    library = reverse("resources:list")
    first = client.get(library, {"q": "résumé"}).content.decode()
    second = client.get(library, {"q": "ressource"}).content.decode()
    assert "<mark>Résumé</mark>" in first
    assert "<mark>Résumé</mark>" not in second and "<mark>ressource</mark>" in second
    assert 'name="next" value="/resources/?q=r%C3%A9sum%C3%A9"' in first
    assert 'name="next" value="/resources/?q=ressource"' in second
    assert "cdp-fragment-" not in first + second


def test_a_change_to_a_resource_shows_at_once(client, login, world):
    login(world.open_member)
    library = reverse("resources:list")
    page(client, library)
    resource = world.open_resource
    services.resource_update(
        resource=resource,
        editor=resource.author,
        title="Titre revu",
        summary=resource.summary,
        kind=resource.kind,
        language=resource.language,
        community=resource.community,
        tags=["outil", "nouvelle-etiquette"],
    )
    shown = page(client, library).decode()
    assert "Titre revu" in shown and "nouvelle-etiquette" in shown
    assert "Ressource open</a>" not in shown


def test_one_readers_bookmark_is_not_anothers(client, login, world):
    someone, other = make_member(world.open), make_member(world.open)
    Bookmark.objects.create(user=someone, resource=world.open_resource)
    library = reverse("resources:list")
    login(someone)
    assert "Retirer de ma bibliothèque" in page(client, library).decode()
    login(other)
    assert "Retirer de ma bibliothèque" not in page(client, library).decode()


def test_lists_without_bookmark_buttons_share_no_item_with_the_library(client, login, world):
    """The search page shows no bookmark button: its items are others than the
    library's, though they show the same resources."""
    login(world.open_member)
    assert "bookmark-form" in page(client, reverse("resources:list")).decode()
    shown = page(client, f"{reverse('search')}?q=guide").decode()
    assert "Guide institutionnel" in shown and "bookmark-form" not in shown
