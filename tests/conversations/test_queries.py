"""The conversation pages run a fixed number of queries, whatever the number of
conversations, messages and people: pinned here, checked again after growing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conversations import services
from tests.conversations.factories import reply, start
from tests.factories import make_member

pytestmark = pytest.mark.django_db

# session, user; then the page of rows (COUNT, rows), the others in those conversations.
LIST_QUERIES = 5
# session, user; then my participation with the conversation, its participants with their
# profiles, the blocks between us, the page of messages (its count is the conversation's).
CONVERSATION_QUERIES = 6
# + what reading an unread conversation writes: my read state, my header count.
CONVERSATION_QUERIES_UNREAD = CONVERSATION_QUERIES + 2


def grow(world, n: int) -> None:
    """More conversations for alice, with more people and messages, a hidden one."""
    for i in range(n):
        people = [make_member(world.open) for _ in range(3)]
        conversation = start(world.alice, *people, subject=f"Conversation {i}")
        for person in people:
            reply(conversation, person, f"Réponse de {person.pk}")
        message = reply(world.conversation, world.alice, f"Suite {i}")
        reply(world.conversation, world.bruno, f"Relance {i}")  # unread for alice
        if i % 2:
            services.message_set_hidden(message=message, by=world.admin, hidden=True, reason="x")


def test_the_list_of_conversations(client, login, conversation_world, django_assert_num_queries):
    w = conversation_world
    login(w.alice)
    url = reverse("conversations:list")
    client.get(url)  # the header's count is made once after the fixture's messages
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200
    grow(w, 6)
    client.get(url)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url)
    assert len(response.context["rows"]) == 7


def test_a_conversation_page(client, login, conversation_world, django_assert_num_queries):
    w = conversation_world
    login(w.alice)
    url = w.conversation.get_absolute_url()
    client.get(reverse("conversations:list"))  # the header's count, made once
    with django_assert_num_queries(CONVERSATION_QUERIES_UNREAD):  # bruno's answer: read now
        assert client.get(url).status_code == 200
    with django_assert_num_queries(CONVERSATION_QUERIES):
        client.get(url)
    grow(w, 8)
    client.get(reverse("conversations:list"))
    with django_assert_num_queries(CONVERSATION_QUERIES_UNREAD):
        response = client.get(url)
    # The last page: the fixture's 2 messages and 16 more, the twenty latest shown.
    assert len(response.context["conversation_messages"]) == 18
    # Nine unread (this one and the eight grown, answered by the others), this one read.
    header = response.content.decode().split("</header>")[0]
    assert "notification-bell notification-bell--messages" in header
    assert 'notification-bell__count">8<' in header
    with django_assert_num_queries(CONVERSATION_QUERIES):
        client.get(url)


def test_the_header_s_cached_copy_follows_the_unread_conversations(
    client, login, conversation_world
):
    """The header comes from the fragment cache under every value it shows: with one
    unread conversation, then none, it is what the plain template draws, and says so on
    the phone's menu button too."""
    from tests.forums.test_fragments import assert_cached_is_fresh, page

    w = conversation_world
    login(w.alice)
    url = reverse("conversations:list")
    first = page(client, url)
    assert b'notification-bell__count">1<' in first
    assert b"1 conversation non lue" in first
    assert_cached_is_fresh(client, url)
    client.get(w.conversation.get_absolute_url())  # read
    after = page(client, url)
    assert b"conversation non lue" not in after and after != first
    assert_cached_is_fresh(client, url)
