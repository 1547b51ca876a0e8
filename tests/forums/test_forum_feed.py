"""A forum's Atom feed (its latest topics), at its session address and at a person's
personal address: what it holds for each kind of reader, hidden topics included."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cdp_portal.accounts.feed_tokens import feed_token_ensure, feed_token_revoke, feed_token_value
from forums import services
from tests.forums.factories import make_topic
from tests.worlds import ForumWorld

pytestmark = pytest.mark.django_db


def feed_of(forum) -> str:
    return reverse("forums:forum_feed", args=[forum.community.slug, forum.slug])


def personal(user, feed_url: str) -> str:
    return f"{feed_url}?token={feed_token_value(feed_token_ensure(user=user))}"


def reader() -> Client:
    """A feed reader: no session, no cookie."""
    return Client()


def titles(response) -> set[str]:
    return set(re.findall(r"<entry><title>([^<]*)</title>", response.content.decode()))


@pytest.fixture
def hidden_open(forum_world: ForumWorld):
    """A second topic of the open forum, hidden by its animator."""
    w = forum_world
    topic = make_topic(w.open_forum, w.open_member, title="Sujet masqué", body="Publicité")
    services.post_set_hidden(
        post=topic.posts.get(position=1), by=w.open_animator, hidden=True, reason="Spam"
    )
    return topic


@pytest.mark.parametrize(
    "visitor,visibility,status,expected",
    [
        ("outsider", "open", 200, {"Sujet open"}),
        ("outsider", "closed", 403, None),
        ("outsider", "private", 404, None),
        # The hidden topic's author no longer finds it listed (`Topic.objects.visible_to`).
        ("open_member", "open", 200, {"Sujet open"}),
        ("open_member", "private", 404, None),
        ("open_animator", "open", 200, {"Sujet open", "Sujet masqué"}),
        ("open_animator", "closed", 403, None),
        ("closed_member", "closed", 200, {"Sujet closed"}),
        ("private_member", "private", 200, {"Sujet private"}),
        ("private_animator", "private", 200, {"Sujet private"}),
        ("admin", "open", 200, {"Sujet open", "Sujet masqué"}),
        ("admin", "private", 200, {"Sujet private"}),
    ],
)
def test_the_personal_forum_feed_holds_what_its_owner_may_read(
    forum_world, hidden_open, visitor, visibility, status, expected
):
    feed = feed_of(forum_world.forum_in(visibility))
    response = reader().get(personal(forum_world.visitor(visitor), feed))
    assert response.status_code == status
    body = response.content.decode()
    if expected is None:
        assert f"Sujet {visibility}" not in body
        assert f"Texte secret du sujet {visibility}" not in body
        return
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "private" in response["Cache-Control"]
    assert titles(response) == expected
    # The opening message's text, for who may read it.
    assert f"Texte secret du sujet {visibility}" in body
    assert ("Publicité" in body) == ("Sujet masqué" in expected)


def test_the_session_feed_works_for_a_signed_in_browser_only(client, login, forum_world):
    feed = feed_of(forum_world.open_forum)
    anonymous = reader().get(feed)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    response = login(forum_world.open_member).get(feed)
    assert response.status_code == 200
    assert titles(response) == {"Sujet open"}
    assert "private" in response["Cache-Control"]
    assert login(forum_world.outsider).get(feed_of(forum_world.private_forum)).status_code == 404


def test_a_revoked_or_bad_token_is_a_404(forum_world):
    feed = feed_of(forum_world.open_forum)
    url = personal(forum_world.open_member, feed)
    assert reader().get(url).status_code == 200
    for token in ("garbage", "Z" * 43, "Z" * 300, "ù%$#" * 11):
        assert reader().get(feed, {"token": token}).status_code == 404
    feed_token_revoke(user=forum_world.open_member)
    assert reader().get(url).status_code == 404


def test_an_unknown_forum_by_token_is_a_404(forum_world):
    url = personal(forum_world.admin, "/forums/cdp-open/nowhere/feed/")
    assert reader().get(url).status_code == 404


def test_the_forum_page_shows_the_personal_address_and_a_copy_button(login, forum_world):
    forum = forum_world.open_forum
    body = login(forum_world.open_member).get(forum.get_absolute_url()).content.decode()
    match = re.search(r'<input id="feed-url-forum"[^>]*value="([^"]+)"[^>]*readonly', body)
    assert match
    assert match.group(1).startswith(f"http://testserver{feed_of(forum)}?token=")
    assert '<label for="feed-url-forum">' in body
    assert re.search(r'<button type="button"[^>]*data-copy-target="feed-url-forum"', body)
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed_of(forum)}"' in body
    assert titles(reader().get(match.group(1))) == {"Sujet open"}


@pytest.mark.parametrize("visitor", ["open_member", "open_animator", "admin"])
def test_the_personal_forum_feed_runs_a_fixed_number_of_queries(
    forum_world, django_assert_num_queries, visitor
):
    w = forum_world
    url = personal(w.visitor(visitor), feed_of(w.open_forum))
    # The token's owner, the forum, their membership (none asked of an administrator), its
    # topics, their opening posts: whatever the number of topics.
    with django_assert_num_queries(5, exact=False) as before:
        assert reader().get(url).status_code == 200
    for n in range(6):
        make_topic(w.open_forum, w.open_member, title=f"Encore {n}", notify=False)
    with django_assert_num_queries(len(before.captured_queries)):
        response = reader().get(url)
    assert len(titles(response)) >= 7
