"""A resource opens a linked forum discussion (PRODUCT.md §5.3).

From a resource's page, a member opens a topic about it in one of their forums: those of
the resource's community, or any of theirs for an institution-wide resource. The topic
links back to the resource (for those who may see it) and the resource's page lists the
discussions about it (those the person may see).
"""

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from forums import services
from forums.models import Topic
from resources.models import Resource
from tests.factories import make_member
from tests.forums.factories import general_forum, make_topic
from tests.resources.factories import ResourceFactory
from tests.worlds import ForumWorld

pytestmark = pytest.mark.django_db


@dataclass(frozen=True, kw_only=True)
class Library(ForumWorld):
    open_resource: Resource
    private_resource: Resource
    shared_resource: Resource


@pytest.fixture
def library(forum_world: ForumWorld) -> Library:
    w = forum_world
    # Someone who belongs to the private community and to the open one.
    make_member(w.open, user=w.private_member)
    return Library.extending(
        forum_world,
        open_resource=ResourceFactory(
            title="Grille d'évaluation", community=w.open, author=w.open_member
        ),
        private_resource=ResourceFactory(
            title="Bilan confidentiel", community=w.private, author=w.private_member
        ),
        shared_resource=ResourceFactory(title="Guide institutionnel", community=None),
    )


def new_topic_url(forum, resource=None) -> str:
    url = reverse("forums:topic_new", args=[forum.community.slug, forum.slug])
    return f"{url}?resource={resource.pk}" if resource else url


# --- The service ---------------------------------------------------------------------------


def test_a_topic_about_a_resource_of_its_community_or_of_the_institution(library):
    forum = general_forum(library.open)
    member = library.open_member
    topic = make_topic(forum, member, resource=library.open_resource)
    assert topic.resource == library.open_resource
    assert make_topic(forum, member, title="Autre", resource=library.shared_resource).resource


@pytest.mark.parametrize("author", ["private_member", "open_member"])
def test_another_communitys_resource_cannot_be_discussed_here(library, author):
    # A private community's resource discussed in an open forum would show its title to
    # everyone, even when its author belongs to both.
    forum = general_forum(library.open)
    with pytest.raises(ValidationError):
        services.topic_create(
            forum=forum,
            author=library.visitor(author),
            title="Fuite",
            body="…",
            resource=library.private_resource,
        )
    assert not Topic.objects.filter(title="Fuite").exists()


# --- Opening a discussion from the resource's page -----------------------------------------


@pytest.mark.parametrize(
    ("visitor", "status"),
    [("open_member", 200), ("open_animator", 200), ("admin", 200), ("outsider", 403)],
)
def test_new_topic_page_about_a_resource(client, login, library, visitor, status):
    login(library.visitor(visitor))
    response = client.get(new_topic_url(general_forum(library.open), library.open_resource))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Discussion à propos de la ressource" in page
        assert library.open_resource.get_absolute_url() in page
        assert response.context["form"].initial["title"] == "Grille d'évaluation"


def test_new_topic_page_asks_anonymous_visitors_to_log_in(client, library):
    response = client.get(new_topic_url(general_forum(library.open), library.open_resource))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("wanted", ["private", "999999", "abc", ""])
def test_a_resource_that_cannot_be_discussed_here_is_ignored_on_the_form(
    client, login, library, wanted
):
    login(library.open_member)
    if wanted == "private":
        wanted = str(library.private_resource.pk)
    url = reverse("forums:topic_new", args=[library.open.slug, "general"])
    response = client.get(url, {"resource": wanted})
    assert response.status_code == 200
    assert response.context["about"] is None
    assert "Bilan confidentiel" not in response.content.decode()


def test_posting_the_form_links_the_topic_to_the_resource(client, login, library):
    login(library.open_member)
    forum = general_forum(library.open)
    resource = library.open_resource
    response = client.post(
        new_topic_url(forum),
        {"title": "Vos avis sur la grille ?", "body": "Qu'en pensez-vous ?", "tags": "",
         "resource": resource.pk},
    )  # fmt: skip
    topic = Topic.objects.get(title="Vos avis sur la grille ?")
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    assert topic.resource == resource
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "À propos de la ressource" in page and resource.get_absolute_url() in page


def test_a_tampered_resource_is_refused_and_the_text_kept(client, login, library):
    login(library.private_member)
    forum = general_forum(library.open)
    response = client.post(
        new_topic_url(forum),
        {"title": "Mon sujet", "body": "Mon texte à garder", "tags": "",
         "resource": library.private_resource.pk},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cette ressource ne peut pas être discutée dans ce forum." in page
    assert "Mon texte à garder" in page
    assert not Topic.objects.filter(title="Mon sujet").exists()


# --- The resource's page and the topic's page ----------------------------------------------


def test_resource_page_lists_discussions_and_where_to_open_one(client, login, library):
    resource = library.open_resource
    topic = make_topic(general_forum(library.open), library.open_member, resource=resource)
    login(library.open_member)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert topic.get_absolute_url() in page
    assert new_topic_url(general_forum(library.open), resource) in page
    assert "closed" not in {f.community.visibility for f in _offered(client, resource)}


def _offered(client, resource):
    return client.get(resource.get_absolute_url()).context["sections"][0].forums


def test_an_institution_wide_resource_may_be_discussed_in_any_of_my_forums(client, login, library):
    login(library.open_member)
    offered = _offered(client, library.shared_resource)
    assert {forum.community for forum in offered} == {library.open}
    login(library.outsider)
    assert _offered(client, library.shared_resource) == []


def test_non_members_read_the_discussions_but_are_not_offered_to_open_one(client, login, library):
    resource = library.open_resource
    topic = make_topic(general_forum(library.open), library.open_member, resource=resource)
    login(library.outsider)
    response = client.get(resource.get_absolute_url())
    assert topic.get_absolute_url() in response.content.decode()
    assert response.context["sections"][0].forums == []
    assert "Ouvrir une discussion" not in response.content.decode()


def test_a_hidden_discussion_is_not_listed_on_the_resource_page(client, login, library):
    resource = library.open_resource
    topic = make_topic(general_forum(library.open), library.open_member, resource=resource)
    services.post_set_hidden(
        post=topic.posts.get(position=1), by=library.open_animator, hidden=True, reason="x"
    )
    login(library.open_animator)
    assert topic.get_absolute_url() in client.get(resource.get_absolute_url()).content.decode()
    login(library.outsider)
    assert topic.get_absolute_url() not in client.get(resource.get_absolute_url()).content.decode()


def test_topic_page_links_the_resource_only_for_those_who_see_it(client, login, library):
    resource = library.shared_resource
    topic = make_topic(general_forum(library.open), library.open_member, resource=resource)
    resource.is_hidden = True
    resource.save()
    login(library.open_member)
    assert resource.get_absolute_url() not in client.get(topic.get_absolute_url()).content.decode()
    login(library.admin)
    assert resource.get_absolute_url() in client.get(topic.get_absolute_url()).content.decode()
