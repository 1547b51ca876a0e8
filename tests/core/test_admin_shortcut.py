"""The admin's "view on site" shortcut (/admin/r/<content type>/<id>/) answers only for
objects the person may view in the admin: a redirect would give away a private
community's slug and a topic's or resource's title."""

import pytest
from django.contrib.contenttypes.models import ContentType

from forums.models import Topic
from tests.forums.factories import general_forum, make_topic
from tests.resources.factories import make_resource
from tests.shared_worlds import shared_world

pytestmark = pytest.mark.django_db


def shortcut_url(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return f"/admin/r/{content_type.pk}/{obj.pk}/"


@shared_world
def private_things(community_world):
    private = community_world.private
    author = community_world.private_animator
    forum = general_forum(private)
    topic = make_topic(forum, author, title="Projet confidentiel", notify=False)
    resource = make_resource(author=author, community=private, title="Rapport secret")
    return {"community": private, "forum": forum, "topic": topic, "resource": resource}


@pytest.mark.parametrize("kind", ["community", "forum", "topic", "resource"])
def test_an_animator_cannot_resolve_another_communitys_private_object(
    client, community_world, private_things, kind
):
    client.force_login(community_world.open_animator)
    response = client.get(shortcut_url(private_things[kind]))
    assert response.status_code == 404
    assert private_things["community"].slug not in response.content.decode()


def test_an_animator_follows_the_shortcut_to_their_own_topic(client, community_world):
    community = community_world.open
    animator = community_world.open_animator
    topic = make_topic(general_forum(community), animator, notify=False)
    client.force_login(animator)
    response = client.get(shortcut_url(topic))
    assert response.status_code == 302
    assert response["Location"].endswith(topic.get_absolute_url())


def test_an_administrator_follows_the_shortcut_to_any_private_object(
    client, community_world, private_things
):
    client.force_login(community_world.admin)
    for kind in ("community", "forum", "topic", "resource"):
        response = client.get(shortcut_url(private_things[kind]))
        assert response.status_code == 302, kind
        assert response["Location"].endswith(private_things[kind].get_absolute_url())


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/admin/r/abc/1/", 404),
        ("/admin/r/999999/1/", 404),
        ("/admin/r/{ct}/x/", 404),
        # A NUL byte in any address is refused before any view (RejectMalformedInputMiddleware).
        ("/admin/r/{ct}/x%00/", 400),
    ],
)
def test_bad_shortcuts_are_refused(client, community_world, path, status):
    client.force_login(community_world.admin)
    ct = ContentType.objects.get_for_model(Topic).pk
    assert client.get(path.format(ct=ct)).status_code == status
