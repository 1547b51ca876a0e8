"""A topic's and a forum's counters (reply count, last activity, last post, topic count)
equal a fresh recount from the posts whatever the admin does: every admin path that
changes them goes through the services, and none deletes a post or a topic."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Max

from forums import services
from forums.models import Forum, Post, Topic
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import calls_forum, general_forum, make_post, make_topic

POSTS = "/admin/forums/post/"
TOPICS = "/admin/forums/topic/"

pytestmark = pytest.mark.django_db


def recount_topic(topic: Topic) -> dict:
    shown = Post.objects.filter(topic=topic, is_hidden=False).order_by("-created_at", "-pk")
    last = shown.first()
    return {
        "reply_count": shown.filter(position__gt=1).count(),
        "last_post_id": last.pk if last else None,
        "last_activity_at": last.created_at if last else topic.created_at,
    }


def stored_topic(topic: Topic) -> dict:
    topic = Topic.objects.get(pk=topic.pk)
    return {
        "reply_count": topic.reply_count,
        "last_post_id": topic.last_post_id,
        "last_activity_at": topic.last_activity_at,
    }


def recount_forum(forum: Forum) -> dict:
    shown = Topic.objects.filter(forum=forum, is_hidden=False)
    return {
        "topic_count": shown.count(),
        "last_activity_at": shown.aggregate(last=Max("last_activity_at"))["last"],
    }


def stored_forum(forum: Forum) -> dict:
    forum = Forum.objects.get(pk=forum.pk)
    return {"topic_count": forum.topic_count, "last_activity_at": forum.last_activity_at}


def assert_exact(*topics: Topic) -> None:
    forums = {topic.forum_id for topic in topics}
    for topic in topics:
        assert stored_topic(topic) == recount_topic(topic)
    for forum in Forum.objects.filter(pk__in=forums):
        assert stored_forum(forum) == recount_forum(forum)


@pytest.fixture
def thread():
    community = CommunityFactory()
    animator = make_member(community, roles=("animator",))
    member = make_member(community)
    forum = general_forum(community)
    older = make_topic(forum, member, title="Un sujet plus ancien")
    topic = make_topic(forum, member, title="Le sujet discuté")
    first = make_post(topic, animator, "Première réponse")
    last = make_post(topic, member, "Dernière réponse")
    return {
        "community": community,
        "animator": animator,
        "forum": forum,
        "older": older,
        "topic": topic,
        "first": first,
        "last": last,
    }


def run_action(client, url, action, objects, **extra):
    return client.post(
        url, {"action": action, ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects], **extra}
    )


def test_hiding_the_last_reply_in_the_admin_change_form_keeps_counters_exact(admin_client, thread):
    last = thread["last"]
    response = admin_client.post(
        f"{POSTS}{last.pk}/change/", {"is_hidden": "on", "hidden_reason": "Hors sujet"}
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=last.pk).is_hidden
    assert stored_topic(thread["topic"])["reply_count"] == 1
    assert stored_topic(thread["topic"])["last_post_id"] == thread["first"].pk
    assert_exact(thread["topic"], thread["older"])


def test_hide_and_unhide_actions_keep_counters_exact(admin_client, thread):
    opening = thread["topic"].posts.get(position=1)
    response = run_action(
        admin_client,
        POSTS,
        "hide_posts",
        [opening, thread["first"]],
        confirm_hide="1",
        reason="Contenu à revoir",
    )
    assert response.status_code == 302
    assert Topic.objects.get(pk=thread["topic"].pk).is_hidden
    assert stored_forum(thread["forum"])["topic_count"] == 1
    assert_exact(thread["topic"], thread["older"])
    run_action(admin_client, POSTS, "unhide_posts", [opening, thread["first"]])
    assert stored_forum(thread["forum"])["topic_count"] == 2
    assert stored_topic(thread["topic"])["reply_count"] == 2
    assert_exact(thread["topic"], thread["older"])


def test_deleting_a_post_in_the_admin_is_refused_and_counters_stay_exact(admin_client, thread):
    last = thread["last"]
    admin_client.post(f"{POSTS}{last.pk}/delete/", {"post": "yes"})
    run_action(admin_client, POSTS, "delete_selected", [thread["first"]], post="yes")
    assert Post.objects.filter(topic=thread["topic"]).count() == 3
    assert stored_topic(thread["topic"])["reply_count"] == 2
    assert_exact(thread["topic"], thread["older"])


def test_deleting_a_topic_in_the_admin_is_refused_and_forum_counters_stay_exact(
    admin_client, thread
):
    admin_client.post(f"{TOPICS}{thread['older'].pk}/delete/", {"post": "yes"})
    run_action(admin_client, TOPICS, "delete_selected", [thread["topic"]], post="yes")
    assert Topic.objects.filter(forum=thread["forum"]).count() == 2
    assert stored_forum(thread["forum"])["topic_count"] == 2
    assert_exact(thread["topic"], thread["older"])


def test_counters_cannot_be_typed_in_the_admin(admin_client, thread):
    topic = thread["topic"]
    admin_client.post(
        f"{TOPICS}{topic.pk}/change/",
        {
            "is_pinned": "on",
            "reply_count": "999",
            "forum": str(calls_forum(thread["community"]).pk),
        },
    )
    stored = Topic.objects.get(pk=topic.pk)
    assert stored.is_pinned
    assert stored.forum_id == thread["forum"].pk
    assert_exact(topic, thread["older"])


def test_moving_a_topic_keeps_both_forums_exact(thread):
    target = calls_forum(thread["community"])
    services.topic_move(topic=thread["topic"], by=thread["animator"], forum=target)
    assert stored_forum(thread["forum"])["topic_count"] == 1
    assert stored_forum(target)["topic_count"] == 1
    assert_exact(Topic.objects.get(pk=thread["topic"].pk), thread["older"])
