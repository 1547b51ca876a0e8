"""Every forum page runs a fixed number of queries, whatever the amount of data: pinned
here, and checked again after adding topics, posts, tags, hidden posts and readers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cdp_portal.accounts.feed_tokens import feed_token_ensure
from communities.models import Role
from forums import services
from forums.models import Topic
from tests.factories import make_member
from tests.forums.factories import general_forum, make_post, make_topic
from tests.worlds import ForumWorld

pytestmark = pytest.mark.django_db

# session, user, then the page's own queries (see each test); the header's unread count
# is stored with the person (forums.unread): no query.
MY_FORUMS_QUERIES = 3  # + forums of my communities
# + forum (with whether I watch it, and my membership), the page's rows, and the tags of the
# rows to render (none when every row comes from the fragment cache: see below). My feed
# token, for the feed's personal address, comes with my account (accounts.backends).
FORUM_PAGE_QUERIES = 5
# The animation also sees hidden topics, which the forum's counter leaves out: one COUNT.
FORUM_PAGE_QUERIES_FOR_ANIMATORS = 6
# + the topic (with whether I watch it, and my membership), then what changed since someone
# with the same rights saw the page (none below on the second view): the posts, the
# topic's tags; then the read state. The read state and notifications are only written
# when the page shows something new.
TOPIC_PAGE_QUERIES = 6
COMMUNITY_HOME_EXTRA = 3  # open calls, the community's forums, recent topics


def grow(world: ForumWorld, n: int) -> None:
    """More of everything the pages show: topics with tags and replies, a hidden post."""
    forum = general_forum(world.open)
    for i in range(n):
        topic = make_topic(
            forum, world.open_member, title=f"Sujet {i}", tags=[f"t{i}", "commun"], notify=False
        )
        reply = make_post(topic, world.open_animator, f"Réponse {i}", notify=False)
        make_post(world.open_topic, make_member(world.open), f"Relance {i}", notify=False)
        if i % 2:
            services.post_set_hidden(post=reply, by=world.open_animator, hidden=True, reason="x")
    # A row shows how long ago its topic was active ("il y a 2 secondes"), so its cached
    # fragment changes with that text: far enough in the past, the text stays the same
    # between two requests of a test, however loaded the machine.
    Topic.objects.filter(forum=forum).update(last_activity_at=timezone.now() - timedelta(days=400))


@pytest.mark.parametrize("visitor", ["open_member", "open_animator", "admin"])
def test_my_forums_page(client, login, forum_world, django_assert_num_queries, visitor):
    login(forum_world.visitor(visitor))
    url = reverse("forums:index")
    with django_assert_num_queries(MY_FORUMS_QUERIES):
        assert client.get(url).status_code == 200
    grow(forum_world, 4)
    if visitor != "admin":
        make_member(forum_world.closed, user=forum_world.visitor(visitor))
        client.get(url)  # a new membership: the header's stored count is made again once
    with django_assert_num_queries(MY_FORUMS_QUERIES):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("visitor", ["open_member", "open_animator", "outsider"])
def test_forum_topic_list(client, login, forum_world, django_assert_num_queries, visitor):
    login(forum_world.visitor(visitor))
    # Made once in a person's life, by the first page that offers a feed.
    feed_token_ensure(user=forum_world.visitor(visitor))
    url = general_forum(forum_world.open).get_absolute_url()
    expected = (
        FORUM_PAGE_QUERIES_FOR_ANIMATORS if visitor == "open_animator" else FORUM_PAGE_QUERIES
    )
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    grow(forum_world, 6)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["topics"]) == 7
    # Every row seen before, the same way: from the fragment cache, no tags read.
    with django_assert_num_queries(expected - 1):
        client.get(url)


@pytest.mark.parametrize("visitor", ["open_member", "open_animator", "outsider"])
def test_topic_page(client, login, forum_world, django_assert_num_queries, visitor):
    login(forum_world.visitor(visitor))
    url = forum_world.open_topic.get_absolute_url()
    assert client.get(url).status_code == 200  # read once: its notifications are read
    grow(forum_world, 6)
    with django_assert_num_queries(TOPIC_PAGE_QUERIES):  # new posts: the read state moves
        response = client.get(url)
    assert response.content.decode().count('<article class="post') == 8
    # Nothing new: nothing written, and the page's header and posts, rendered for the same
    # revision of the topic and the same rights, come from the cache unread.
    with django_assert_num_queries(TOPIC_PAGE_QUERIES - 3):
        again = client.get(url)
    assert again.content.decode().count('<article class="post') == 8


def test_topic_page_administrator(client, login, forum_world, django_assert_num_queries):
    login(forum_world.admin)
    url = forum_world.private_topic.get_absolute_url()
    with django_assert_num_queries(TOPIC_PAGE_QUERIES):
        assert client.get(url).status_code == 200


def test_notification_centre(client, login, forum_world, django_assert_num_queries):
    w = forum_world
    login(w.open_member)
    url = reverse("forums:notifications")
    # session, user, count, page; then the unread count made again and stored under the
    # person's row lock (savepoint, lock, count, update, release): the centre puts right
    # whatever the stored count says.
    with django_assert_num_queries(9):
        client.get(url)
    for i in range(5):
        make_post(w.open_topic, make_member(w.open, roles=(Role.MEMBER,)), f"R{i}")
    with django_assert_num_queries(9):
        response = client.get(url)
    assert len(response.context["notifications"]) == 6  # the fixture's reply, then five
