"""Hiding a topic's opening post hides the topic: its title is content too.

Only its author and the community's animation (and administrators) may still open it;
it leaves forum lists, search, tag pages and notifications for everyone else, and the
forum's counter. Hiding an accepted answer opens the call for help again.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from cdp_portal.accounts.models import User
from forums import services
from forums.models import Notification, Post, Topic
from tests.factories import make_member
from tests.forums.factories import calls_forum, make_post, make_topic
from tests.worlds import ForumWorld

pytestmark = pytest.mark.django_db


@dataclass(frozen=True, kw_only=True)
class HiddenWorld(ForumWorld):
    reader: User


@pytest.fixture
def hidden_world(forum_world: ForumWorld) -> HiddenWorld:
    """The open community's topic (by its member) hidden by its animator, a reader who
    watches it, and the animator's explanation posted after hiding."""
    w = HiddenWorld.extending(forum_world, reader=make_member(forum_world.open))
    topic = w.open_topic
    services.watch_set(user=w.reader, topic=topic, watching=True)
    services.post_set_hidden(
        post=topic.posts.get(position=1),
        by=w.open_animator,
        hidden=True,
        reason="Publicité",
    )
    topic.refresh_from_db()
    return w


def test_hiding_the_opening_post_hides_the_topic_and_showing_it_back_restores(forum_world):
    topic = forum_world.open_topic
    forum = topic.forum
    opening = topic.posts.get(position=1)
    animator = forum_world.open_animator

    services.post_set_hidden(post=opening, by=animator, hidden=True, reason="Publicité")
    topic.refresh_from_db()
    forum.refresh_from_db()
    assert topic.is_hidden
    assert forum.topic_count == 0

    services.post_set_hidden(post=opening, by=animator, hidden=False)
    topic.refresh_from_db()
    forum.refresh_from_db()
    assert not topic.is_hidden
    assert forum.topic_count == 1


def test_hiding_a_reply_leaves_the_topic_listed(forum_world):
    reply = forum_world.open_reply
    services.post_set_hidden(post=reply, by=forum_world.open_animator, hidden=True, reason="x")
    assert not Topic.objects.get(pk=reply.topic_id).is_hidden


@pytest.mark.parametrize(
    ("visitor", "listed", "opened"),
    [
        ("reader", False, False),
        ("open_member", False, True),  # its author
        ("outsider", False, False),
        ("closed_animator", False, False),  # animates another community
        ("open_animator", True, True),
        ("admin", True, True),
    ],
)
def test_who_lists_and_who_opens_a_hidden_topic(hidden_world, visitor, listed, opened):
    user = hidden_world.visitor(visitor)
    topic = hidden_world.open_topic
    assert Topic.objects.visible_to(user).filter(pk=topic.pk).exists() is listed
    assert Topic.objects.readable_by(user).filter(pk=topic.pk).exists() is opened
    assert Post.objects.visible_to(user).filter(topic=topic).exists() is opened


@pytest.mark.parametrize(
    ("visitor", "status"),
    [
        ("reader", 404),
        ("outsider", 404),
        ("closed_animator", 404),
        ("open_member", 200),
        ("open_animator", 200),
        ("admin", 200),
    ],
)
def test_hidden_topic_page(client, login, hidden_world, visitor, status):
    login(hidden_world.visitor(visitor))
    response = client.get(hidden_world.open_topic.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        assert "seuls son auteur et l'animation peuvent l'ouvrir" in response.content.decode()


def test_hidden_topic_page_asks_anonymous_visitors_to_log_in(client, hidden_world):
    response = client.get(hidden_world.open_topic.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_hidden_topic_is_not_reachable_through_its_posts(client, login, hidden_world):
    login(hidden_world.reader)
    reply = hidden_world.open_reply
    assert client.get(reverse("forums:post", args=[reply.pk])).status_code == 404


def test_forum_list_shows_a_hidden_topic_to_the_animation_only(client, login, hidden_world):
    url = hidden_world.open_forum.get_absolute_url()
    login(hidden_world.reader)
    assert "Sujet open" not in client.get(url).content.decode()
    login(hidden_world.open_animator)
    page = client.get(url).content.decode()
    assert "Sujet open" in page
    assert "Masqué" in page


def test_search_and_tag_pages_leave_a_hidden_title_out(client, login, hidden_world):
    link = hidden_world.open_topic.get_absolute_url()
    search = reverse("search")
    login(hidden_world.reader)
    assert link not in client.get(search, {"q": "Sujet open"}).content.decode()
    assert link not in client.get(reverse("directory:tag", args=["moodle"])).content.decode()
    login(hidden_world.open_animator)
    assert link in client.get(search, {"q": "Sujet open"}).content.decode()
    assert link in client.get(reverse("directory:tag", args=["moodle"])).content.decode()


def test_replies_in_a_hidden_topic_notify_its_author_and_the_animation_only(hidden_world):
    topic = hidden_world.open_topic
    Notification.objects.all().delete()
    make_post(topic, hidden_world.open_animator, "Pourquoi ce sujet est masqué.")
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {hidden_world.open_member.pk}


def test_earlier_notifications_about_a_hidden_topic_drop_out_for_readers(forum_world):
    topic = forum_world.open_topic
    reader = make_member(forum_world.open)
    services.watch_set(user=reader, topic=topic, watching=True)
    make_post(topic, forum_world.open_animator, "Une réponse avant le masquage.")
    assert Notification.objects.for_user(reader).count() == 1
    assert Notification.objects.unread_count_for(reader) == 1

    services.post_set_hidden(
        post=topic.posts.get(position=1), by=forum_world.open_animator, hidden=True, reason="x"
    )
    assert Notification.objects.for_user(reader).count() == 0
    assert Notification.objects.unread_count_for(reader) == 0
    author = forum_world.open_member
    assert Notification.objects.for_user(author).filter(topic=topic).exists()


def test_hiding_the_accepted_answer_opens_the_call_again(forum_world):
    community = forum_world.open
    author, expert = forum_world.open_member, make_member(community)
    call = make_topic(calls_forum(community), author, title="Appel", is_call_for_help=True)
    answer = make_post(call, expert, "Voici la réponse.")
    services.topic_mark_solved(topic=call, by=author, post=answer)
    assert Topic.objects.open_calls().filter(pk=call.pk).count() == 0

    services.post_set_hidden(
        post=answer, by=forum_world.open_animator, hidden=True, reason="Erroné"
    )
    call.refresh_from_db()
    assert call.solved_at is None and call.accepted_post is None
    assert Topic.objects.open_calls().filter(pk=call.pk).count() == 1
