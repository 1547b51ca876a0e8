"""Every library page under the five kinds of visitor: anonymous, non-member, member,
animator (and documentalist), administrator."""

import pytest
from django.urls import reverse

from resources.models import Bookmark, Resource, ResourceRevision
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

VISITORS = ("outsider", "open_member", "closed_member", "private_member", "open_animator", "admin")


def detail_url(resource):
    return reverse("resources:detail", args=[resource.pk])


# --- Anonymous ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("resources:list", []),
        ("resources:create", []),
        ("resources:bookmarks", []),
        ("resources:feed_tag", ["outil"]),
        ("resources:feed_community", ["cdp-open"]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, world, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["detail", "download", "edit"])
def test_anonymous_visitors_cannot_open_a_resource(client, world, name):
    response = client.get(reverse(f"resources:{name}", args=[world.open_resource.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["feature", "moderate", "bookmark"])
def test_anonymous_posts_change_nothing(client, world, name):
    resource = world.open_resource
    response = client.post(reverse(f"resources:{name}", args=[resource.pk]), {"on": "1"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert not resource.featured and not resource.is_hidden
    assert not Bookmark.objects.exists()


# --- Library list ---------------------------------------------------------------------


EXPECTED_TITLES = {
    "outsider": {"Guide institutionnel", "Ressource open"},
    "open_member": {"Guide institutionnel", "Ressource open"},
    "closed_member": {"Guide institutionnel", "Ressource open", "Ressource closed"},
    "private_member": {"Guide institutionnel", "Ressource open", "Ressource private"},
    "open_animator": {"Guide institutionnel", "Ressource open"},
    "admin": {"Guide institutionnel", "Ressource open", "Ressource closed", "Ressource private"},
}


@pytest.mark.parametrize("visitor", VISITORS)
def test_the_list_shows_what_the_visitor_may_see(login, world, visitor):
    response = login(world.visitor(visitor)).get(reverse("resources:list"))
    assert response.status_code == 200
    shown = {r.title for r in response.context["resources"]}
    assert shown == EXPECTED_TITLES[visitor]
    html = response.content.decode()
    for title in {"Ressource closed", "Ressource private"} - EXPECTED_TITLES[visitor]:
        assert title not in html
    if visitor not in ("private_member", "admin"):
        # Not even the private community's tag or name in the facets.
        assert "tag-private" not in html
        assert "Communauté private" not in html


def test_the_list_search_and_filters(client, login, world):
    client = login(world.admin)
    response = client.get(reverse("resources:list"), {"q": "ressource open"})
    assert response.context["resources"][0].title == "Ressource open"
    response = client.get(reverse("resources:list"), {"tag": "tag-closed"})
    assert [r.title for r in response.context["resources"]] == ["Ressource closed"]
    assert 'aria-current="true"' in response.content.decode()


def test_invalid_filters_are_ignored_with_a_message(login, world):
    response = login(world.outsider).get(
        reverse("resources:list"), {"kind": "nope", "sort": "<script>", "language": "xx"}
    )
    assert response.status_code == 200
    assert len(response.context["resources"]) == 2
    assert "ne sont pas valides" in response.content.decode()


def test_the_list_paginates(client, login, world):
    for n in range(25):
        ResourceFactory(title=f"Lot {n}", indexed=False)
    client = login(world.admin)
    first = client.get(reverse("resources:list"))
    assert len(first.context["resources"]) == 20
    last = client.get(reverse("resources:list"), {"page": "999"})
    assert last.status_code == 200
    assert len(last.context["resources"]) == 29 - 20


def test_popular_sort(login, world):
    Resource.objects.filter(pk=world.institution_resource.pk).update(view_count=50)
    Resource.objects.filter(pk=world.open_resource.pk).update(download_count=80)
    response = login(world.outsider).get(reverse("resources:list"), {"sort": "popular"})
    assert [r.title for r in response.context["resources"]] == [
        "Ressource open",
        "Guide institutionnel",
    ]


def test_featured_resources_are_shown_on_the_first_page(login, world):
    Resource.objects.filter(pk=world.open_resource.pk).update(featured=True)
    Resource.objects.filter(pk=world.private_resource.pk).update(featured=True)
    response = login(world.outsider).get(reverse("resources:list"))
    assert [r.title for r in response.context["featured"]] == ["Ressource open"]


# --- Detail ---------------------------------------------------------------------------


SEES = {
    "institution": set(VISITORS),
    "open": set(VISITORS),
    "closed": {"closed_member", "admin"},
    "private": {"private_member", "admin"},
}


@pytest.mark.parametrize("place", ["institution", "open", "closed", "private"])
@pytest.mark.parametrize("visitor", VISITORS)
def test_detail_follows_the_visibility_rule(login, world, place, visitor):
    resource = world.resource(f"{place}_resource")
    response = login(world.visitor(visitor)).get(detail_url(resource))
    assert response.status_code == (200 if visitor in SEES[place] else 404)


def test_detail_counts_a_view_and_redirects_a_wrong_slug(client, login, world):
    resource = world.open_resource
    client = login(world.outsider)
    assert client.get(resource.get_absolute_url()).status_code == 200
    assert resource.get_absolute_url() == f"/resources/{resource.pk}/ressource-open/"
    response = client.get(f"/resources/{resource.pk}/old-title/")
    assert response.status_code == 301
    assert response["Location"] == resource.get_absolute_url()
    resource.refresh_from_db()
    assert resource.view_count == 1


def test_detail_renders_markdown_safely(login, world):
    resource = ResourceFactory(
        title="Avec du Markdown",
        body="# Titre\n\n**gras** <script>alert(1)</script> [lien](javascript:alert(1))",
    )
    html = login(world.outsider).get(detail_url(resource)).content.decode()
    assert "<h2>Titre</h2>" in html
    assert "<strong>gras</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript' not in html


def test_an_unknown_resource_is_a_404(login, world):
    assert login(world.admin).get("/resources/999999/").status_code == 404


# --- Create ---------------------------------------------------------------------------


def _create_data(**overrides):
    data = {
        "title": "Nouvelle fiche",
        "summary": "Un résumé.",
        "kind": "method",
        "language": "fr",
        "community": "",
        "tags": "Forum, WebCT, forum",
        "body": "Du **texte**.",
        "url": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("visitor", VISITORS)
def test_create_offers_the_communities_the_visitor_belongs_to(login, world, visitor):
    response = login(world.visitor(visitor)).get(reverse("resources:create"))
    assert response.status_code == 200
    choices = {c.slug for c in response.context["form"].fields["community"].queryset}
    expected = {
        "outsider": set(),
        "open_member": {"cdp-open"},
        "closed_member": {"cdp-closed"},
        "private_member": {"cdp-private"},
        "open_animator": {"cdp-open"},
        "admin": {"cdp-open", "cdp-closed", "cdp-private"},
    }[visitor]
    assert choices == expected


def test_a_member_adds_a_resource_to_their_community(client, login, world):
    client = login(world.closed_member)
    response = client.post(reverse("resources:create"), _create_data(community=world.closed.pk))
    resource = Resource.objects.get(title="Nouvelle fiche")
    assert response.status_code == 302
    assert response["Location"] == resource.get_absolute_url()
    assert resource.community == world.closed
    assert resource.author == world.closed_member
    assert sorted(resource.tags.names()) == ["forum", "webct"]
    assert resource.tag_names == "forum, webct"
    assert resource.revisions.count() == 1
    assert Resource.objects.search("webct").filter(pk=resource.pk).exists()


def test_anyone_adds_an_institution_wide_resource(login, world):
    response = login(world.outsider).post(reverse("resources:create"), _create_data())
    assert response.status_code == 302
    assert Resource.objects.get(title="Nouvelle fiche").community is None


def test_a_non_member_cannot_add_to_a_community(login, world):
    response = login(world.outsider).post(
        reverse("resources:create"), _create_data(community=world.open.pk)
    )
    assert response.status_code == 400
    assert not Resource.objects.filter(title="Nouvelle fiche").exists()
    assert response.context["form"]["title"].value() == "Nouvelle fiche"


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"title": ""}, "title"),
        ({"summary": ""}, "summary"),
        ({"kind": "virus"}, "kind"),
        ({"language": "xx"}, "language"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"community": "999999"}, "community"),
        ({"tags": "x" * 60}, "tags"),
        ({"tags": ", ".join(f"t{n}" for n in range(20))}, "tags"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_input_re_renders_the_form_with_what_was_typed(login, world, overrides, field):
    data = _create_data(**overrides)
    response = login(world.open_member).post(reverse("resources:create"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert form["summary"].value() == data["summary"]
    assert form["body"].value() == data["body"]
    assert not Resource.objects.filter(summary="Un résumé.").exists()


def test_a_link_resource(client, login, world):
    client = login(world.open_member)
    response = client.post(
        reverse("resources:create"), _create_data(url="https://example.org/guide", kind="link")
    )
    resource = Resource.objects.get(title="Nouvelle fiche")
    assert response.status_code == 302
    html = client.get(resource.get_absolute_url()).content.decode()
    assert 'href="https://example.org/guide" rel="noopener noreferrer nofollow external"' in html


def test_create_preselects_the_community_from_the_query(login, world):
    response = login(world.open_member).get(reverse("resources:create"), {"community": "cdp-open"})
    assert response.context["form"].initial["community"] == world.open.pk


# --- Edit -----------------------------------------------------------------------------


# (visitor, resource, status): each row says which resource it asks for, so that the id
# pytest prints is what is really tested. The open resource is authored by open_member.
EDITORS = [
    ("outsider", "open_resource", 403),
    ("open_member", "open_resource", 200),  # the author
    ("closed_member", "open_resource", 403),  # may read it, not edit it
    ("closed_member", "private_resource", 404),  # may not know it exists
    ("private_member", "open_resource", 403),
    ("open_animator", "open_resource", 200),
    ("open_documentalist", "open_resource", 200),
    ("admin", "open_resource", 200),
]


@pytest.mark.parametrize(
    "visitor,resource,status", EDITORS, ids=[f"{v}-{r}-{s}" for v, r, s in EDITORS]
)
def test_who_may_edit_a_community_resource(login, world, visitor, resource, status):
    response = login(world.visitor(visitor)).get(
        reverse("resources:edit", args=[world.resource(resource).pk])
    )
    assert response.status_code == status


def test_an_institution_wide_resource_is_edited_by_its_author_and_admins(login, world):
    resource = world.institution_resource
    url = reverse("resources:edit", args=[resource.pk])
    assert login(world.open_member).get(url).status_code == 200
    assert login(world.open_animator).get(url).status_code == 403
    assert login(world.admin).get(url).status_code == 200


def test_an_edit_writes_a_revision_shown_to_editors_only(client, login, world):
    resource = world.open_resource
    client = login(world.open_documentalist)
    response = client.post(
        reverse("resources:edit", args=[resource.pk]),
        _create_data(title="Titre révisé", community=world.open.pk, tags="outil, nouveau"),
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.title == "Titre révisé"
    assert resource.slug == "titre-revise"
    assert resource.tag_names == "nouveau, outil"
    revision = ResourceRevision.objects.get(resource=resource)
    assert revision.editor == world.open_documentalist
    assert revision.title == "Titre révisé" and revision.tag_names == "nouveau, outil"

    html = client.get(resource.get_absolute_url()).content.decode()
    assert "Historique des modifications" in html
    assert world.open_documentalist.get_full_name() in html
    reader = login(world.outsider).get(resource.get_absolute_url())
    assert "Historique des modifications" not in reader.content.decode()
    assert reader.context["revisions"] is None


def test_an_editor_cannot_move_a_resource_to_a_community_they_are_not_in(login, world):
    resource = world.open_resource
    response = login(world.open_documentalist).post(
        reverse("resources:edit", args=[resource.pk]),
        _create_data(community=world.closed.pk),
    )
    assert response.status_code == 400
    resource.refresh_from_db()
    assert resource.community == world.open
    assert not resource.revisions.exists()


def test_a_failed_edit_keeps_the_saved_resource(login, world):
    resource = world.open_resource
    response = login(world.open_member).post(
        reverse("resources:edit", args=[resource.pk]),
        _create_data(title="", community=world.open.pk),
    )
    assert response.status_code == 400
    resource.refresh_from_db()
    assert resource.title == "Ressource open"


# --- Feature, moderate ------------------------------------------------------------------


@pytest.mark.parametrize(
    "visitor,status",
    [
        ("outsider", 403),
        ("open_member", 403),
        ("open_documentalist", 302),
        ("open_animator", 302),
        ("admin", 302),
        ("private_member", 403),
    ],
)
def test_who_may_feature(login, world, visitor, status):
    resource = world.open_resource
    response = login(world.visitor(visitor)).post(
        reverse("resources:feature", args=[resource.pk]), {"on": "1"}
    )
    assert response.status_code == status
    resource.refresh_from_db()
    assert resource.featured is (status == 302)


def test_feature_needs_a_post(login, world):
    url = reverse("resources:feature", args=[world.open_resource.pk])
    assert login(world.admin).get(url).status_code == 405


def test_a_private_resource_cannot_be_featured_by_a_non_member(login, world):
    response = login(world.open_animator).post(
        reverse("resources:feature", args=[world.private_resource.pk]), {"on": "1"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "visitor,status",
    [
        ("open_member", 403),
        ("open_documentalist", 403),
        ("open_animator", 302),
        ("admin", 302),
        ("outsider", 403),
    ],
)
def test_who_may_hide(login, world, visitor, status):
    resource = world.open_resource
    response = login(world.visitor(visitor)).post(
        reverse("resources:moderate", args=[resource.pk]), {"on": "1"}
    )
    assert response.status_code == status
    resource.refresh_from_db()
    assert resource.is_hidden is (status == 302)


def test_a_hidden_resource_disappears_for_members_not_for_its_author(login, world):
    resource = world.open_resource
    login(world.open_animator).post(reverse("resources:moderate", args=[resource.pk]), {"on": "1"})
    assert login(world.outsider).get(detail_url(resource)).status_code == 404
    response = login(world.open_member).get(detail_url(resource))
    assert response.status_code == 200
    assert "Masquée" in response.content.decode()
    login(world.open_animator).post(reverse("resources:moderate", args=[resource.pk]), {"on": "0"})
    assert login(world.outsider).get(detail_url(resource)).status_code == 200


def test_a_bad_toggle_value_changes_nothing(login, world):
    resource = world.open_resource
    response = login(world.admin).post(
        reverse("resources:feature", args=[resource.pk]), {"on": "maybe"}
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert not resource.featured
