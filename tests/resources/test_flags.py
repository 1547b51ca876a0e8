"""Members flag resources; the moderators of the resource hide it or close the flag."""

import pytest
from django.urls import reverse

from resources import services
from resources.models import Resource, ResourceFlag

pytestmark = pytest.mark.django_db

QUEUE = reverse("resources:flags")


def flag_url(resource) -> str:
    return reverse("resources:flag", args=[resource.pk])


@pytest.mark.parametrize(
    ("visitor", "resource", "status"),
    [
        ("outsider", "open_resource", 200),
        ("outsider", "institution_resource", 200),
        ("outsider", "closed_resource", 404),  # a closed community's library is for members
        ("outsider", "private_resource", 404),
        ("closed_member", "closed_resource", 200),
        ("open_animator", "open_resource", 200),
        ("admin", "private_resource", 200),
    ],
)
def test_whoever_sees_a_resource_may_flag_it(client, login, world, visitor, resource, status):
    login(world.visitor(visitor))
    assert client.get(flag_url(world.resource(resource))).status_code == status


def test_flagging_needs_a_login(client, world):
    response = client.post(flag_url(world.open_resource), {"reason": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not ResourceFlag.objects.exists()


def test_a_flag_is_sent_once_with_a_reason(client, login, world):
    resource = world.open_resource
    login(world.outsider)
    empty = client.post(flag_url(resource), {"reason": "  "})
    assert empty.status_code == 400
    assert "Dites ce qui ne va pas avec cette ressource." in empty.content.decode()
    response = client.post(flag_url(resource), {"reason": "Le lien est brisé"}, follow=True)
    assert "transmis à l&#x27;animation" in response.content.decode() or (
        "transmis à l'animation" in response.content.decode()
    )
    again = client.post(flag_url(resource), {"reason": "Toujours brisé"})
    assert again.status_code == 400
    assert "Toujours brisé" in again.content.decode()  # what was typed is kept
    assert "déjà signalé" in again.content.decode()
    assert ResourceFlag.objects.get().reason == "Le lien est brisé"


@pytest.mark.parametrize(
    ("visitor", "status"),
    [("open_member", 403), ("outsider", 403), ("open_animator", 200), ("admin", 200)],
)
def test_the_queue_is_for_moderators(client, login, world, visitor, status):
    login(world.visitor(visitor))
    assert client.get(QUEUE).status_code == status


def test_the_queue_asks_anonymous_visitors_to_log_in(client, world):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_queue_shows_only_the_flags_of_resources_i_moderate(client, login, world):
    for name in ("open_resource", "closed_resource", "institution_resource"):
        services.resource_flag(resource=world.resource(name), reporter=world.outsider, reason=name)
    login(world.open_animator)
    assert {f.resource.title for f in client.get(QUEUE).context["flags"]} == {"Ressource open"}
    login(world.admin)
    assert len(client.get(QUEUE).context["flags"]) == 3


def test_hiding_closes_every_open_flag_and_hides_the_resource(client, login, world):
    resource = world.open_resource
    first = services.resource_flag(resource=resource, reporter=world.outsider, reason="a")
    services.resource_flag(resource=resource, reporter=world.open_member, reason="b")
    login(world.open_animator)
    response = client.post(
        reverse("resources:flag_resolve", args=[first.pk]),
        {"decision": "hide", "note": "Droits d'auteur"},
        follow=True,
    )
    assert "Le signalement est traité." in response.content.decode()
    resource.refresh_from_db()
    assert resource.is_hidden
    assert set(ResourceFlag.objects.values_list("status", flat=True)) == {"hidden"}
    assert Resource.objects.filter(pk=resource.pk).exists()  # hidden, never deleted
    handled = client.get(QUEUE, {"status": "hidden"})
    assert "Droits d" in handled.content.decode()


def test_dismissing_closes_that_flag_only(client, login, world):
    resource = world.open_resource
    first = services.resource_flag(resource=resource, reporter=world.outsider, reason="a")
    services.resource_flag(resource=resource, reporter=world.open_member, reason="b")
    login(world.open_animator)
    client.post(reverse("resources:flag_resolve", args=[first.pk]), {"decision": "dismiss"})
    first.refresh_from_db()
    assert first.status == "dismissed" and first.resolved_by == world.open_animator
    assert ResourceFlag.objects.open().count() == 1
    resource.refresh_from_db()
    assert not resource.is_hidden


def test_nobody_resolves_a_flag_outside_their_scope_or_twice(client, login, world):
    flag = services.resource_flag(
        resource=world.closed_resource, reporter=world.closed_member, reason="x"
    )
    login(world.open_animator)
    url = reverse("resources:flag_resolve", args=[flag.pk])
    assert client.post(url, {"decision": "hide"}).status_code == 404
    login(world.closed_animator)
    assert client.post(url, {"decision": "maybe"}).status_code == 302  # refused, with a message
    flag.refresh_from_db()
    assert flag.status == "open"
    client.post(url, {"decision": "dismiss"})
    response = client.post(url, {"decision": "hide"}, follow=True)
    assert "déjà été traité" in response.content.decode()
    world.closed_resource.refresh_from_db()
    assert not world.closed_resource.is_hidden


def test_the_queue_runs_a_fixed_number_of_queries(client, login, world, django_assert_num_queries):
    login(world.admin)
    services.resource_flag(resource=world.open_resource, reporter=world.outsider, reason="a")
    # session, user, flags count, flags page (resource, community, people joined)
    with django_assert_num_queries(4):
        client.get(QUEUE)
    for name in ("closed_resource", "private_resource", "institution_resource"):
        services.resource_flag(resource=world.resource(name), reporter=world.outsider, reason="b")
    with django_assert_num_queries(4):
        assert len(client.get(QUEUE).context["flags"]) == 4
