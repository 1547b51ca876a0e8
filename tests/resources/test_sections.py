"""The library's sections on the tag page and the community home follow its visibility."""

import pytest
from django.urls import reverse

from tests.factories import CommunityFactory, make_member
from tests.resources.factories import ResourceFactory
from tests.shared_worlds import shared_world
from tests.worlds import CommunityWorld

pytestmark = pytest.mark.django_db


def _titles(section):
    return [resource.title for resource in section.resources]


def _section(response, key):
    return next(s for s in response.context["sections"] if s.key == key)


@shared_world
def tagged_world(community_world: CommunityWorld) -> CommunityWorld:
    w = community_world
    for place in ("open", "closed", "private"):
        ResourceFactory(community=w.community(place), title=f"Fiche {place}", tags=["évaluation"])
    ResourceFactory(title="Fiche institution", tags=["évaluation"])
    ResourceFactory(title="Fiche sans étiquette")
    return w


@pytest.mark.parametrize(
    "visitor, expected",
    [
        ("outsider", {"Fiche open", "Fiche institution"}),
        ("closed_member", {"Fiche open", "Fiche closed", "Fiche institution"}),
        ("private_member", {"Fiche open", "Fiche private", "Fiche institution"}),
        ("admin", {"Fiche open", "Fiche closed", "Fiche private", "Fiche institution"}),
    ],
)
def test_tag_page_lists_the_resources_the_visitor_may_see(client, tagged_world, visitor, expected):
    client.force_login(tagged_world.visitor(visitor))
    response = client.get(reverse("directory:tag", kwargs={"slug": "évaluation"}))
    assert response.status_code == 200
    section = _section(response, "resources")
    assert set(_titles(section)) == expected
    assert section.page_obj.paginator.count == len(expected)
    if "Fiche private" not in expected:
        assert "Fiche private" not in response.content.decode()


def test_tag_page_resources_paginate_on_their_own_parameter(client, community_world):
    for n in range(12):
        ResourceFactory(title=f"Page {n:02d}", tags=["pagination"])
    client.force_login(community_world.open_member)
    url = reverse("directory:tag", kwargs={"slug": "pagination"})
    second = client.get(url, {"resources_page": 2})
    assert _titles(_section(second, "resources")) == ["Page 01", "Page 00"]
    assert "resources_page=1" in second.content.decode()


@pytest.mark.parametrize("visitor", ["open_member", "outsider", "admin"])
def test_community_home_shows_recent_resources_of_that_community(client, tagged_world, visitor):
    world = tagged_world
    other = CommunityFactory(slug="autre")
    ResourceFactory(community=other, title="Fiche ailleurs")
    client.force_login(world.visitor(visitor))
    response = client.get(world.open.get_absolute_url())
    assert _titles(_section(response, "recent-resources")) == ["Fiche open"]
    feed = reverse("resources:feed_community", args=[world.open.slug])
    assert f'href="{feed}"' in response.content.decode()


def test_community_home_hides_the_library_from_non_members_of_a_closed_community(
    client, tagged_world
):
    client.force_login(tagged_world.outsider)
    response = client.get(tagged_world.closed.get_absolute_url())
    assert response.status_code == 200
    assert response.context["sections"] == []
    assert "Fiche closed" not in response.content.decode()


def test_community_home_shows_the_closed_library_to_its_members(client, tagged_world):
    member = make_member(tagged_world.closed)
    client.force_login(member)
    response = client.get(tagged_world.closed.get_absolute_url())
    assert _titles(_section(response, "recent-resources")) == ["Fiche closed"]
