"""The library in Django admin: animators see and moderate the resources of the
communities they animate, administrators everything; content is not edited there."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from resources.models import Resource

pytestmark = pytest.mark.django_db

RESOURCES = "/admin/resources/resource/"
REVISIONS = "/admin/resources/resourcerevision/"


def listed(response) -> set:
    return set(response.context["cl"].result_list)


def test_an_animator_sees_only_the_resources_of_their_communities(login, world):
    response = login(world.open_animator).get(RESOURCES)
    assert response.status_code == 200
    assert listed(response) == {world.open_resource}
    html = response.content.decode()
    assert "Communauté private" not in html  # not even in the filters


def test_an_administrator_sees_every_resource(login, world):
    response = login(world.admin).get(RESOURCES)
    assert len(listed(response)) == 4


def test_a_member_has_no_admin(login, world):
    response = login(world.open_member).get(RESOURCES)
    assert response.status_code == 302


def test_an_animator_cannot_open_another_communitys_resource(client, login, world):
    client = login(world.open_animator)
    for name in ("private_resource", "closed_resource", "institution_resource"):
        response = client.get(f"{RESOURCES}{world.resource(name).pk}/change/")
        assert response.status_code in (302, 403, 404), name
    assert client.get(f"{RESOURCES}{world.open_resource.pk}/change/").status_code == 200


def test_hide_and_feature_actions_go_through_the_services(client, login, world):
    client = login(world.open_animator)
    resource = world.open_resource
    for action in ("hide", "feature"):
        response = client.post(
            RESOURCES, {"action": action, ACTION_CHECKBOX_NAME: [resource.pk]}, follow=True
        )
        assert response.status_code == 200
    resource.refresh_from_db()
    assert resource.is_hidden and resource.featured
    # Another community's resource posted by hand is outside the scope: untouched.
    private = world.private_resource
    client.post(RESOURCES, {"action": "hide", ACTION_CHECKBOX_NAME: [private.pk]})
    private.refresh_from_db()
    assert not private.is_hidden


def test_the_change_form_only_changes_the_moderation_flags(client, login, world):
    client = login(world.open_animator)
    resource = world.open_resource
    response = client.post(
        f"{RESOURCES}{resource.pk}/change/",
        {"featured": "on", "is_hidden": "on", "title": "Piraté"},
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.featured and resource.is_hidden
    assert resource.title == "Ressource open"


def test_resources_are_not_added_in_the_admin(login, world):
    assert login(world.admin).get(f"{RESOURCES}add/").status_code == 403


def test_revisions_are_scoped_and_read_only(login, world):
    from tests.resources.factories import make_resource

    mine = make_resource(author=world.open_member, community=world.open, title="A")
    make_resource(author=world.private_member, community=world.private, title="B")
    response = login(world.open_animator).get(REVISIONS)
    assert {r.resource for r in listed(response)} == {mine}
    assert Resource.objects.count() == 6
