"""Communities and forums holding members' writing are archived (read-only), never
deleted: not by the admin's delete page, nor its "delete selected" action, nor the
database's cascade. Posts, topics and resources are hidden, never deleted."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities import services
from communities.models import Community, Membership
from forums import services as forum_services
from forums.models import Forum, ModerationLog, Post, Topic
from resources.models import Resource
from tests.factories import CommunityFactory, UserFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic
from tests.resources.factories import make_resource

COMMUNITIES = "/admin/communities/community/"
FORUMS = "/admin/forums/forum/"
TOPICS = "/admin/forums/topic/"
POSTS = "/admin/forums/post/"
RESOURCES = "/admin/resources/resource/"

pytestmark = pytest.mark.django_db


def run_action(client, url, action, objects, **extra):
    return client.post(
        url, {"action": action, ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects], **extra}
    )


@pytest.fixture
def busy():
    """A community whose forum holds a topic with a reply, a hidden post (so a moderation
    log entry) and a resource."""
    community = CommunityFactory(name="Pédagogie active", slug="pedagogie-active")
    animator = make_member(community, roles=("animator",))
    member = make_member(community)
    forum = general_forum(community)
    topic = make_topic(forum, member)
    make_post(topic, animator)
    hidden = make_post(topic, member, "À masquer.")
    forum_services.post_set_hidden(post=hidden, by=animator, hidden=True, reason="Hors sujet")
    resource = make_resource(author=member, community=community, title="Guide", url="https://e.org")
    return {
        "community": community,
        "animator": animator,
        "member": member,
        "forum": forum,
        "topic": topic,
        "resource": resource,
    }


def _content_counts(community) -> tuple[int, int, int, int]:
    return (
        Topic.objects.filter(forum__community=community).count(),
        Post.objects.filter(topic__forum__community=community).count(),
        ModerationLog.objects.filter(community=community).count(),
        Resource.objects.filter(community=community).count(),
    )


# --- The admin refuses to delete a community or forum that holds content --------------


def test_admin_delete_page_of_a_community_with_content_is_refused(admin_client, busy):
    community = busy["community"]
    before = _content_counts(community)
    assert before == (1, 3, 1, 1)
    assert admin_client.get(f"{COMMUNITIES}{community.pk}/delete/").status_code == 403
    response = admin_client.post(f"{COMMUNITIES}{community.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Community.objects.filter(pk=community.pk).exists()
    assert _content_counts(community) == before


def test_admin_delete_action_on_a_community_with_content_shows_why_and_deletes_nothing(
    admin_client, busy
):
    community = busy["community"]
    before = _content_counts(community)
    response = run_action(admin_client, COMMUNITIES, "delete_selected", [community], post="yes")
    assert response.status_code == 200
    assert "archivez plutôt que supprimer" in response.content.decode()
    assert Community.objects.filter(pk=community.pk).exists()
    assert _content_counts(community) == before


def test_a_superuser_may_still_delete_an_empty_community(admin_client):
    community = CommunityFactory()
    make_member(community, roles=("animator",))
    assert Forum.objects.filter(community=community).count() == 2
    response = admin_client.post(f"{COMMUNITIES}{community.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Community.objects.filter(pk=community.pk).exists()


def test_admin_refuses_to_delete_a_forum_with_topics(admin_client, busy):
    forum = busy["forum"]
    assert admin_client.get(f"{FORUMS}{forum.pk}/delete/").status_code == 403
    assert admin_client.post(f"{FORUMS}{forum.pk}/delete/", {"post": "yes"}).status_code == 403
    response = run_action(admin_client, FORUMS, "delete_selected", [forum], post="yes")
    assert response.status_code == 200
    assert Topic.objects.filter(forum=forum).count() == 1
    assert Post.objects.filter(topic__forum=forum).count() == 3


def test_an_empty_forum_may_be_deleted_by_a_superuser(admin_client, busy):
    empty = Forum.objects.get(community=busy["community"], slug="appels-a-tous")
    response = admin_client.post(f"{FORUMS}{empty.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Forum.objects.filter(pk=empty.pk).exists()


# --- Posts, topics, resources: hidden, never deleted ---------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [(POSTS, "post"), (TOPICS, "topic"), (RESOURCES, "resource")],
)
def test_no_one_deletes_posts_topics_or_resources_in_the_admin(admin_client, busy, url, key):
    obj = busy["topic"].posts.get(position=1) if key == "post" else busy[key]
    assert admin_client.get(f"{url}{obj.pk}/delete/").status_code == 403
    assert admin_client.post(f"{url}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = admin_client.get(url)
    assert "delete_selected" not in dict(changelist.context["action_form"].fields["action"].choices)
    run_action(admin_client, url, "delete_selected", [obj], post="yes")
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- Archiving ------------------------------------------------------------------------


def test_administrators_archive_and_unarchive_from_the_admin(admin_client, busy):
    community, forum = busy["community"], busy["forum"]
    run_action(admin_client, COMMUNITIES, "archive_community", [community])
    community.refresh_from_db()
    assert community.archived_at is not None
    run_action(admin_client, FORUMS, "archive_forum", [forum])
    forum.refresh_from_db()
    assert forum.archived_at is not None
    run_action(admin_client, COMMUNITIES, "unarchive_community", [community])
    run_action(admin_client, FORUMS, "unarchive_forum", [forum])
    community.refresh_from_db()
    forum.refresh_from_db()
    assert community.archived_at is None and forum.archived_at is None


def test_animators_cannot_archive(client, busy):
    client.force_login(busy["animator"])
    changelist = client.get(COMMUNITIES)
    assert changelist.status_code == 200
    action_form = changelist.context["action_form"]
    assert action_form is None or "archive_community" not in dict(
        action_form.fields["action"].choices
    )
    with pytest.raises(PermissionDenied):
        services.community_set_archived(
            community=busy["community"], by=busy["animator"], archived=True
        )


@pytest.fixture
def archived(busy):
    admin = UserFactory(is_superuser=True, is_staff=True)
    services.community_set_archived(community=busy["community"], by=admin, archived=True)
    busy["community"].refresh_from_db()
    return busy


def test_an_archived_community_is_still_read_and_says_it_is_archived(client, archived):
    client.force_login(archived["member"])
    home = client.get(archived["community"].get_absolute_url())
    assert home.status_code == 200
    assert "Archivée" in home.content.decode()
    forum_page = client.get(archived["forum"].get_absolute_url())
    assert forum_page.status_code == 200
    assert "Ce forum est archivé" in forum_page.content.decode()
    topic_page = client.get(archived["topic"].get_absolute_url())
    assert topic_page.status_code == 200
    assert "Ce forum est archivé" in topic_page.content.decode()


def test_no_topic_or_reply_in_an_archived_community(client, archived):
    client.force_login(archived["member"])
    forum, topic = archived["forum"], archived["topic"]
    posts = Post.objects.count()
    new_topic = client.post(
        reverse("forums:topic_new", args=[forum.community.slug, forum.slug]),
        {"title": "Encore", "body": "Un texte."},
    )
    assert new_topic.status_code == 403
    reply = client.post(reverse("forums:reply", args=[topic.pk]), {"body": "Une réponse."})
    assert reply.status_code == 403
    assert "archivé" in reply.content.decode()
    assert Post.objects.count() == posts
    assert Topic.objects.filter(forum=forum).count() == 1


def test_an_archived_forum_alone_refuses_writes_even_from_an_administrator(busy):
    admin = UserFactory(is_superuser=True, is_staff=True)
    forum_services.forum_set_archived(forum=busy["forum"], by=admin, archived=True)
    busy["forum"].refresh_from_db()
    topic = Topic.objects.get(pk=busy["topic"].pk)
    with pytest.raises(PermissionDenied):
        forum_services.topic_create(forum=busy["forum"], author=admin, title="T", body="B")
    with pytest.raises(PermissionDenied):
        forum_services.post_create(topic=topic, author=admin, body="B")
    # The other forum of the community still takes topics.
    calls = Forum.objects.get(community=busy["community"], slug="appels-a-tous")
    assert forum_services.topic_create(forum=calls, author=busy["member"], title="T", body="B")


def test_no_resource_join_or_invitation_in_an_archived_community(client, archived):
    community = archived["community"]
    with pytest.raises(PermissionDenied):
        make_resource(author=archived["member"], community=community, url="https://e.org")
    newcomer = UserFactory()
    client.force_login(newcomer)
    client.post(reverse("communities:join", args=[community.slug]), {"message": ""})
    assert not Membership.objects.filter(user=newcomer, community=community).exists()
    client.force_login(archived["animator"])
    client.post(
        reverse("communities:invite", args=[community.slug]),
        {"email": "new@example.org", "roles": ["member"], "display_name": "Nouvelle"},
    )
    assert not Membership.objects.filter(community=community, user__email="new@example.org")


def test_communities_list_marks_archived_ones_and_filters_them(client, archived):
    other = CommunityFactory(name="Toujours active")
    client.force_login(archived["member"])
    page = client.get(reverse("communities:list")).content.decode()
    assert archived["community"].name in page and other.name in page
    assert "Archivée" in page
    active = client.get(reverse("communities:list"), {"archived": "active"}).content.decode()
    assert archived["community"].name not in active and other.name in active
    only = client.get(reverse("communities:list"), {"archived": "archived"}).content.decode()
    assert archived["community"].name in only and other.name not in only


def test_a_topic_cannot_be_moved_into_an_archived_forum(busy):
    admin = UserFactory(is_superuser=True, is_staff=True)
    calls = Forum.objects.get(community=busy["community"], slug="appels-a-tous")
    forum_services.forum_set_archived(forum=calls, by=admin, archived=True)
    with pytest.raises(ValidationError):
        forum_services.topic_move(topic=busy["topic"], by=busy["animator"], forum=calls)
    assert Topic.objects.get(pk=busy["topic"].pk).forum_id == busy["forum"].pk


def test_the_home_of_an_archived_community_offers_no_join_button(client, archived):
    client.force_login(UserFactory())
    page = client.get(archived["community"].get_absolute_url()).content.decode()
    assert "n'accueille plus de nouveaux membres" in page or "n&#x27;accueille plus" in page
    assert reverse("communities:join", args=[archived["community"].slug]) not in page
