"""Bookmarks ("my library") and the Atom feeds, both bound by the visibility rule."""

import pytest
from django.urls import reverse

from communities.models import Membership
from resources.models import Bookmark
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


# --- Bookmarks -------------------------------------------------------------------------


def test_bookmark_toggle_and_my_library(client, login, world):
    resource = world.open_resource
    client = login(world.outsider)
    url = reverse("resources:bookmark", args=[resource.pk])
    response = client.post(url, {"next": reverse("resources:list")})
    assert response.status_code == 302
    assert response["Location"] == reverse("resources:list")
    assert Bookmark.objects.filter(user=world.outsider, resource=resource).exists()

    page = client.get(reverse("resources:bookmarks"))
    assert [r.title for r in page.context["resources"]] == ["Ressource open"]
    assert "Retirer de ma bibliothèque" in page.content.decode()

    client.post(url)
    assert not Bookmark.objects.exists()
    assert client.get(reverse("resources:bookmarks")).context["resources"] == []


def test_bookmark_ignores_an_unsafe_next(login, world):
    resource = world.open_resource
    response = login(world.outsider).post(
        reverse("resources:bookmark", args=[resource.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == resource.get_absolute_url()


def test_bookmark_with_htmx_returns_the_button(login, world):
    resource = world.open_resource
    response = login(world.outsider).post(
        reverse("resources:bookmark", args=[resource.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"Retirer de ma biblioth" in response.content
    assert b"<html" not in response.content


def test_an_invisible_resource_cannot_be_bookmarked(login, world):
    response = login(world.outsider).post(
        reverse("resources:bookmark", args=[world.private_resource.pk])
    )
    assert response.status_code == 404
    assert not Bookmark.objects.exists()


def test_bookmarks_of_a_community_one_left_are_not_shown(client, login, world):
    member = world.private_member
    Bookmark.objects.create(user=member, resource=world.private_resource)
    client = login(member)
    assert len(client.get(reverse("resources:bookmarks")).context["resources"]) == 1
    Membership.objects.filter(user=member, community=world.private).update(status="left")
    assert client.get(reverse("resources:bookmarks")).context["resources"] == []


def test_bookmark_needs_a_post(login, world):
    url = reverse("resources:bookmark", args=[world.open_resource.pk])
    assert login(world.outsider).get(url).status_code == 405


# --- Feeds -----------------------------------------------------------------------------


def test_the_tag_feed_never_carries_private_resources(login, world):
    response = login(world.outsider).get(reverse("resources:feed_tag", args=["outil"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Ressource open" in body
    assert "Ressource private" not in body
    assert "Ressource closed" not in body

    member = login(world.private_member).get(reverse("resources:feed_tag", args=["outil"]))
    assert "Ressource private" in member.content.decode()


def test_a_tag_feed_with_accents(login, world):
    ResourceFactory(title="Retour d'expérience", tags=["témoignages"])
    response = login(world.outsider).get("/resources/feeds/tags/témoignages/")
    assert response.status_code == 200
    assert "Retour d&#x27;expérience" in response.content.decode() or (
        "Retour d'expérience" in response.content.decode()
    )


def test_a_tag_only_private_resources_carry_has_no_feed_for_outsiders(login, world):
    ResourceFactory(title="Bilan interne", community=world.private, tags=["confidentiel-rh"])
    url = reverse("resources:feed_tag", args=["confidentiel-rh"])
    assert login(world.outsider).get(url).status_code == 404
    member = login(world.private_member).get(url)
    assert member.status_code == 200 and "Bilan interne" in member.content.decode()


def test_an_unknown_tag_feed_is_a_404(login, world):
    response = login(world.outsider).get(reverse("resources:feed_tag", args=["nothing-here"]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "visitor,community,status",
    [
        ("outsider", "open", 200),
        ("outsider", "closed", 403),
        ("outsider", "private", 404),
        ("open_animator", "private", 404),
        ("closed_member", "closed", 200),
        ("private_member", "private", 200),
        ("admin", "private", 200),
    ],
)
def test_community_feeds_follow_the_community_rules(login, world, visitor, community, status):
    response = login(world.visitor(visitor)).get(
        reverse("resources:feed_community", args=[f"cdp-{community}"])
    )
    assert response.status_code == status
    if status == 200:
        assert f"Ressource {community}" in response.content.decode()


def test_feed_summaries_are_escaped_for_readers(login, world):
    ResourceFactory(title="Piège", summary="<img src=x onerror=alert(1)>", tags=["outil"])
    body = login(world.outsider).get(reverse("resources:feed_tag", args=["outil"])).content.decode()
    # XML-escaped once by the feed writer, HTML-escaped once by us: a reader shows text.
    assert "&amp;lt;img" in body
    assert "&lt;img" not in body.replace("&amp;lt;img", "")


@pytest.mark.parametrize("params", [{}, {"q": "ressource"}, {"tag": "outil"}])
def test_the_library_shows_which_resources_i_bookmarked(client, login, world, params):
    client = login(world.open_member)
    ResourceFactory(title="Ressource de plus", community=world.open, tags=["outil"])
    Bookmark.objects.create(user=world.open_member, resource=world.open_resource)
    Bookmark.objects.create(user=world.open_animator, resource=world.institution_resource)
    response = client.get(reverse("resources:list"), params)
    assert response.context["bookmarked"] == {world.open_resource.pk}
    html = response.content.decode()
    assert html.count("Retirer de ma bibliothèque") == 1
    assert "Ajouter à ma bibliothèque" in html
