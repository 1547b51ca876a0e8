"""The one rule each for accepting an answer, quoting and flagging a post
(`forums.permissions`), used alike by the pages, the views and the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from forums import services
from forums.models import Post
from forums.permissions import can_accept_answer, can_flag, can_quote
from tests.forums.factories import make_post
from tests.worlds import ForumWorld

pytestmark = pytest.mark.django_db


def _hide(w: ForumWorld, post: Post) -> Post:
    services.post_set_hidden(post=post, by=w.open_animator, hidden=True, reason="Hors sujet")
    post.refresh_from_db()
    return post


@pytest.mark.parametrize(
    ("who", "expected"),
    [("open_member", True), ("open_animator", True), ("admin", True), ("outsider", False)],
)
def test_accepting_an_answer_topic_author_animation_or_admin(forum_world, who, expected):
    w = forum_world
    topic, reply = w.open_topic, w.open_reply
    assert can_accept_answer(w.visitor(who), topic) is expected
    assert can_accept_answer(w.visitor(who), topic, reply) is expected


def test_no_one_accepts_the_opening_post_a_hidden_one_or_another_topics(forum_world):
    w = forum_world
    topic = w.open_topic
    opening = topic.posts.get(position=1)
    elsewhere = w.closed_reply
    hidden = _hide(w, make_post(topic, w.open_animator, "Réponse masquée"))
    for person in (w.open_member, w.open_animator, w.admin):
        assert can_accept_answer(person, topic)
        assert not can_accept_answer(person, topic, opening)
        assert not can_accept_answer(person, topic, hidden)
        assert not can_accept_answer(person, topic, elsewhere)
    # The service refuses the same posts, with the same errors as before.
    with pytest.raises(ValidationError):
        services.topic_mark_solved(topic=topic, by=w.open_member, post=hidden)
    with pytest.raises(PermissionDenied):
        services.topic_mark_solved(topic=topic, by=w.outsider, post=w.open_reply)


def test_no_one_accepts_an_answer_in_an_archived_forum(forum_world):
    w = forum_world
    topic, reply = w.open_topic, w.open_reply
    topic.forum.archived_at = topic.forum.created_at
    topic.forum.save(update_fields=["archived_at"])
    topic.forum.refresh_from_db()
    for person in (w.open_member, w.open_animator, w.admin):
        assert not can_accept_answer(person, topic, reply)


def test_a_hidden_post_is_neither_quoted_nor_flagged_by_anyone(forum_world):
    w = forum_world
    reply = w.open_reply
    assert can_quote(w.open_member, reply) and can_flag(w.open_member, reply)
    _hide(w, reply)
    for person in (w.open_member, w.open_animator, w.admin, w.outsider):
        assert not can_quote(person, reply)
        assert not can_flag(person, reply)


def test_a_hidden_post_offers_neither_quote_nor_flag_to_a_member(client, login, forum_world):
    w = forum_world
    topic, reply = w.open_topic, w.open_reply
    login(w.open_member)
    flag_url = reverse("forums:post_flag", args=[reply.pk])
    quote_link = f"?quote={reply.pk}"
    page = client.get(topic.get_absolute_url()).content.decode()
    assert flag_url in page and quote_link in page
    _hide(w, reply)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert flag_url not in page and quote_link not in page
    # Nor by typing the address: the view and the service ask the same rule.
    assert client.post(flag_url, {"reason": "Spam"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.flag_create(post=reply, reporter=w.open_member, reason="Spam")


def test_the_animation_quotes_no_hidden_post_by_typing_the_address(client, login, forum_world):
    w = forum_world
    topic, reply = w.open_topic, w.open_reply
    _hide(w, reply)
    login(w.open_animator)
    page = client.get(f"{topic.get_absolute_url()}?quote={reply.pk}").content.decode()
    assert "&gt; Réponse open" not in page
