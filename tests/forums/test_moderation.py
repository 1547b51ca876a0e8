"""Moderation on the site (hide, unhide, lock, pin, move, flags, log) and in the scoped
admin: only the community's animators and administrators, every action logged."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from forums import services
from forums.models import Flag, ModerationLog, Post, Topic
from tests.forums.factories import calls_forum, general_forum

pytestmark = pytest.mark.django_db

TOPICS = "/admin/forums/topic/"
POSTS = "/admin/forums/post/"
FLAGS = "/admin/forums/flag/"
LOG = "/admin/forums/moderationlog/"


# --- On the site ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visitor", "allowed"),
    [("open_member", False), ("closed_animator", False), ("open_animator", True), ("admin", True)],
)
def test_only_moderators_hide_posts(client, login, forum_world, visitor, allowed):
    w = forum_world
    reply = w.open_reply
    login(w.visitor(visitor))
    url = reverse("forums:post_hide", args=[reply.pk])
    response = client.post(url, {"reason": "Hors sujet"})
    assert response.status_code == (302 if allowed else 403)
    reply.refresh_from_db()
    assert reply.is_hidden == allowed
    assert ModerationLog.objects.filter(action="hide").exists() == allowed


def test_hide_needs_a_reason_and_unhide_restores(client, login, forum_world):
    w = forum_world
    reply, topic = w.open_reply, w.open_topic
    login(w.open_animator)
    response = client.post(reverse("forums:post_hide", args=[reply.pk]), {"reason": ""})
    assert (
        response.status_code == 200 and "Donnez la raison du masquage." in response.content.decode()
    )
    client.post(reverse("forums:post_hide", args=[reply.pk]), {"reason": "Spam"})
    topic.refresh_from_db()
    assert topic.reply_count == 0
    client.post(reverse("forums:post_unhide", args=[reply.pk]))
    topic.refresh_from_db()
    reply.refresh_from_db()
    assert not reply.is_hidden and topic.reply_count == 1


def test_lock_pin_and_move_from_the_topic_page(client, login, forum_world):
    w = forum_world
    topic = w.open_topic
    login(w.open_member)
    assert (
        client.post(reverse("forums:moderate", args=[topic.pk]), {"action": "lock"}).status_code
        == 403
    )
    login(w.open_animator)
    client.post(reverse("forums:moderate", args=[topic.pk]), {"action": "lock", "reason": "Clos"})
    client.post(reverse("forums:moderate", args=[topic.pk]), {"action": "pin"})
    response = client.post(reverse("forums:moderate", args=[topic.pk]), {"action": "explode"})
    assert response.status_code == 302
    calls = calls_forum(w.open)
    other_community_forum = general_forum(w.closed)
    response = client.post(
        reverse("forums:move", args=[topic.pk]), {"forum": other_community_forum.pk}
    )
    assert response.status_code == 200
    assert "Choisissez un forum de la même communauté." in response.content.decode()
    client.post(reverse("forums:move", args=[topic.pk]), {"forum": calls.pk, "reason": "Appel"})
    topic = Topic.objects.get(pk=topic.pk)
    assert topic.is_locked and topic.is_pinned and topic.forum == calls
    assert list(ModerationLog.objects.order_by("pk").values_list("action", "reason")) == [
        ("lock", "Clos"),
        ("pin", ""),
        ("move", "Appel"),
    ]
    log = client.get(reverse("forums:log", args=["cdp-open"])).content.decode()
    assert "Déplacer un sujet" in log and "Général → Appels à tous" in log


def test_flags_queue_on_the_site(client, login, forum_world):
    w = forum_world
    reply = w.open_reply
    login(w.open_animator)
    assert client.get(reverse("forums:post_flag", args=[reply.pk])).status_code == 403  # own post
    login(w.outsider)
    response = client.post(reverse("forums:post_flag", args=[reply.pk]), {"reason": ""})
    assert "Dites à l&#x27;animation ce qui pose problème." in response.content.decode()
    client.post(reverse("forums:post_flag", args=[reply.pk]), {"reason": "Publicité"})
    flag = Flag.objects.get()
    assert flag.reporter == w.outsider
    # The queue is for the community's animators only.
    assert client.get(reverse("forums:flags", args=["cdp-open"])).status_code == 403
    login(w.closed_animator)
    assert client.get(reverse("forums:flags", args=["cdp-open"])).status_code == 403
    login(w.open_animator)
    queue = client.get(reverse("forums:flags", args=["cdp-open"]))
    assert queue.status_code == 200 and "Publicité" in queue.content.decode()
    url = reverse("forums:flag_resolve", args=["cdp-open", flag.pk])
    client.post(url, {"decision": "resolve", "hide_post": "on", "note": ""})
    flag.refresh_from_db()
    assert flag.status == "open"  # hiding needs a reason
    client.post(url, {"decision": "resolve", "hide_post": "on", "note": "Publicité"})
    flag.refresh_from_db()
    reply.refresh_from_db()
    assert flag.status == "resolved" and reply.is_hidden and reply.hidden_reason == "Publicité"
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {"hide", "resolve_flag"}


def test_private_flag_queue_is_a_404_for_outsiders(client, login, forum_world):
    login(forum_world.open_member)
    assert client.get(reverse("forums:flags", args=["cdp-private"])).status_code == 404


# --- In the admin ----------------------------------------------------------------------------


def listed(response) -> set:
    return set(response.context["cl"].result_list)


def test_animators_see_only_their_communities_in_admin(client, login, forum_world):
    w = forum_world
    login(w.open_animator)
    response = client.get(TOPICS)
    assert response.status_code == 200
    assert listed(response) == {w.open_topic}
    assert "Communauté private" not in response.content.decode()
    assert listed(client.get(POSTS)) == set(Post.objects.filter(topic=w.open_topic))
    other = w.private_topic
    assert client.get(f"{TOPICS}{other.pk}/change/").status_code in (302, 403, 404)
    assert client.get(f"{TOPICS}{w.open_topic.pk}/change/").status_code == 200


def test_members_have_no_admin_and_administrators_see_everything(client, login, forum_world):
    login(forum_world.open_member)
    assert client.get(TOPICS).status_code == 302
    login(forum_world.admin)
    assert len(listed(client.get(TOPICS))) == 3


def test_admin_actions_go_through_the_services_and_the_log(client, login, forum_world):
    w = forum_world
    login(w.open_animator)
    topic, reply = w.open_topic, w.open_reply
    private_topic = w.private_topic
    client.post(
        TOPICS, {"action": "lock_topics", ACTION_CHECKBOX_NAME: [topic.pk, private_topic.pk]}
    )
    client.post(TOPICS, {"action": "pin_topics", ACTION_CHECKBOX_NAME: [topic.pk]})
    hide = {"action": "hide_posts", ACTION_CHECKBOX_NAME: [reply.pk]}
    # First the page asking for the reason; nothing hidden yet.
    asked = client.post(POSTS, hide)
    assert asked.status_code == 200
    assert "Raison du masquage" in asked.content.decode()
    refused = client.post(POSTS, {**hide, "confirm_hide": "1", "reason": "  "})
    assert "Donnez la raison du masquage." in refused.content.decode()
    reply.refresh_from_db()
    assert not reply.is_hidden
    client.post(POSTS, {**hide, "confirm_hide": "1", "reason": "Hors sujet"})
    topic.refresh_from_db()
    private_topic.refresh_from_db()
    reply.refresh_from_db()
    assert topic.is_locked and topic.is_pinned and reply.is_hidden
    assert reply.hidden_reason == "Hors sujet"
    assert ModerationLog.objects.get(action="hide").reason == "Hors sujet"
    assert topic.reply_count == 0
    assert not private_topic.is_locked  # outside the animator's scope
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {"lock", "pin", "hide"}
    client.post(POSTS, {"action": "unhide_posts", ACTION_CHECKBOX_NAME: [reply.pk]})
    topic.refresh_from_db()
    assert topic.reply_count == 1


def test_admin_flag_actions_and_log_are_scoped(client, login, forum_world):
    w = forum_world
    open_flag = services.flag_create(post=w.open_reply, reporter=w.outsider, reason="Spam")
    private_flag = services.flag_create(
        post=w.private_topic.posts.get(position=1), reporter=w.private_animator, reason="x"
    )
    login(w.open_animator)
    assert listed(client.get(FLAGS)) == {open_flag}
    client.post(
        FLAGS,
        {"action": "hide_flagged_posts", ACTION_CHECKBOX_NAME: [open_flag.pk, private_flag.pk]},
    )
    open_flag.refresh_from_db()
    private_flag.refresh_from_db()
    assert open_flag.status == "resolved" and private_flag.status == "open"
    assert Post.objects.get(pk=w.open_reply.pk).is_hidden
    entries = listed(client.get(LOG))
    assert entries and all(entry.community == w.open for entry in entries)
    # Nothing is deleted by an animator.
    assert client.get(f"{POSTS}{w.open_reply.pk}/delete/").status_code == 403


def test_hiding_in_the_admin_change_form(client, login, forum_world):
    w = forum_world
    reply = w.open_reply
    login(w.open_animator)
    response = client.post(
        f"{POSTS}{reply.pk}/change/", {"is_hidden": "on", "hidden_reason": "Doublon"}
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (
        reply.is_hidden and reply.hidden_reason == "Doublon" and reply.hidden_by == w.open_animator
    )


def test_a_forum_cannot_take_the_address_of_an_animation_page(admin_client, forum_world):
    community = forum_world.open
    form = {"community": community.pk, "name": "Journal", "description": "", "position": 3,
            "created_at_0": "2026-01-05", "created_at_1": "10:00"}  # fmt: skip
    response = admin_client.post("/admin/forums/forum/add/", {**form, "slug": "log"})
    assert response.status_code == 200
    assert "adresse d" in response.content.decode()
    assert not community.forums.filter(slug="log").exists()
    response = admin_client.post("/admin/forums/forum/add/", {**form, "slug": "journal"})
    assert response.status_code == 302
    assert community.forums.filter(slug="journal").exists()


def test_animators_add_forums_to_their_communities_only(client, forum_world):
    from communities.services import animator_access_sync

    animator = forum_world.open_animator
    animator_access_sync(user=animator)  # the group's permissions as they are now
    client.force_login(animator)
    form = {"name": "Annonces", "slug": "annonces", "description": "", "position": 3,
            "created_at_0": "2026-01-05", "created_at_1": "10:00"}  # fmt: skip
    add_page = client.get("/admin/forums/forum/add/")
    assert add_page.status_code == 200
    assert set(add_page.context["adminform"].form.fields["community"].queryset) == {
        forum_world.open
    }
    refused = client.post("/admin/forums/forum/add/", {**form, "community": forum_world.closed.pk})
    assert refused.status_code == 200
    assert not forum_world.closed.forums.filter(slug="annonces").exists()
    added = client.post("/admin/forums/forum/add/", {**form, "community": forum_world.open.pk})
    assert added.status_code == 302
    assert forum_world.open.forums.filter(slug="annonces").exists()


def test_hiding_a_flagged_post_closes_every_open_flag_on_it(client, login, forum_world):
    """The one flag flow (shared with the library): hiding from one flag closes all."""
    w = forum_world
    reply = w.open_reply
    first = services.flag_create(post=reply, reporter=w.outsider, reason="Spam")
    second = services.flag_create(post=reply, reporter=w.open_member, reason="Pub")
    login(w.open_animator)
    url = reverse("forums:flag_resolve", args=["cdp-open", first.pk])
    client.post(url, {"decision": "resolve", "hide_post": "on", "note": "Publicité"})
    second.refresh_from_db()
    assert second.status == "resolved" and second.resolved_by == w.open_animator
    assert not Flag.objects.filter(status="open").exists()
    assert sorted(ModerationLog.objects.values_list("action", flat=True)) == [
        "hide",
        "resolve_flag",
        "resolve_flag",
    ]


def test_resolving_without_hiding_closes_that_flag_only(client, forum_world):
    w = forum_world
    reply = w.open_reply
    first = services.flag_create(post=reply, reporter=w.outsider, reason="Spam")
    services.flag_create(post=reply, reporter=w.open_member, reason="Pub")
    services.flag_resolve(flag=first, by=w.open_animator, dismiss=True, note="Non")
    assert Flag.objects.filter(status="open").count() == 1
    first.refresh_from_db()
    assert first.status == "dismissed" and first.resolution_note == "Non"
