"""Every conversation page under the five kinds of visitor (anonymous, member, non-member,
animator, administrator), and participant against non-participant: a conversation exists
only for those in it, administrators included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conversations import services
from conversations.models import Block, Message, MessageFlag, Participant

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def urls(w) -> dict[str, tuple[str, str]]:
    """Each view with its method and address (conversation pages on the world's one)."""
    pk = w.conversation.pk
    return {
        "list": ("get", reverse("conversations:list")),
        "new": ("get", reverse("conversations:new")),
        "detail": ("get", reverse("conversations:detail", args=[pk])),
        "reply": ("post", reverse("conversations:reply", args=[pk])),
        "leave": ("post", reverse("conversations:leave", args=[pk])),
        "flag": ("get", reverse("conversations:message_flag", args=[w.answer.pk])),
        "blocked": ("get", reverse("conversations:blocked")),
        "block": ("post", reverse("conversations:block", args=["membre-inconnu"])),
        "flags": ("get", reverse("conversations:flags")),
        "flag_resolve": ("post", reverse("conversations:flag_resolve", args=[1])),
    }


@pytest.mark.parametrize(
    "view",
    [
        "list",
        "new",
        "detail",
        "reply",
        "leave",
        "flag",
        "blocked",
        "block",
        "flags",
        "flag_resolve",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, conversation_world, view):
    method, url = urls(conversation_world)[view]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# Who is who: alice (open_member) and bruno (closed_member) are in the conversation; the
# outsider (no community), the open community's animator and the administrator are not.
@pytest.mark.parametrize(
    ("visitor", "status"),
    [
        ("open_member", 200),  # alice, who started it
        ("closed_member", 200),  # bruno, who was written to
        ("outsider", 404),
        ("open_animator", 404),
        ("private_member", 404),
        ("admin", 404),
    ],
)
def test_only_participants_read_a_conversation(client, login, conversation_world, visitor, status):
    w = conversation_world
    login(w.visitor(visitor))
    for view in ("detail", "flag"):
        _method, url = urls(w)[view]
        response = client.get(url)
        if view == "flag" and visitor == "closed_member":
            assert response.status_code == 403  # one's own message is not flagged
            continue
        assert response.status_code == status, view
        body = response.content.decode()
        assert ("Réponse de Bruno" in body) == (status == 200 and view == "detail")
        assert "Évaluer en ligne" in body if status == 200 else "Évaluer en ligne" not in body


@pytest.mark.parametrize("visitor", ["outsider", "open_animator", "private_member", "admin"])
def test_non_participants_can_neither_reply_nor_leave(client, login, conversation_world, visitor):
    w = conversation_world
    login(w.visitor(visitor))
    before = Message.objects.count()
    response = client.post(urls(w)["reply"][1], {"body": "Intrusion"})
    assert response.status_code == 404
    assert Message.objects.count() == before
    assert client.post(urls(w)["leave"][1]).status_code == 404
    assert (
        Participant.objects.filter(conversation=w.conversation, left_at__isnull=False).count() == 0
    )


@pytest.mark.parametrize(
    "visitor", ["open_member", "closed_member", "outsider", "open_animator", "admin"]
)
def test_every_signed_in_person_has_a_list_a_blocked_list_and_a_new_conversation_form(
    client, login, conversation_world, visitor
):
    w = conversation_world
    login(w.visitor(visitor))
    for view in ("list", "blocked", "new"):
        assert client.get(urls(w)[view][1]).status_code == 200, view
    listed = client.get(urls(w)["list"][1]).content.decode()
    assert ("Évaluer en ligne" in listed) == (visitor in ("open_member", "closed_member"))


@pytest.mark.parametrize(
    ("visitor", "status"),
    [
        ("open_member", 403),
        ("closed_member", 403),
        ("outsider", 403),
        ("open_animator", 403),  # animators moderate communities, not private messages
        ("admin", 200),
    ],
)
def test_only_administrators_see_the_queue_of_flagged_messages(
    client, login, conversation_world, visitor, status
):
    w = conversation_world
    services.message_flag_create(message=w.answer, reporter=w.alice, reason="Propos déplacés")
    login(w.visitor(visitor))
    response = client.get(urls(w)["flags"][1])
    assert response.status_code == status
    body = response.content.decode()
    assert ("Propos déplacés" in body) == (status == 200)
    # The flagged message, and nothing else of its conversation.
    assert ("Réponse de Bruno" in body) == (status == 200)
    assert "Bonjour, une question rapide." not in body


@pytest.mark.parametrize(
    ("visitor", "status", "hidden"),
    [
        ("open_member", 403, False),
        ("open_animator", 403, False),
        ("outsider", 403, False),
        ("admin", 302, True),
    ],
)
def test_only_administrators_settle_a_flag(
    client, login, conversation_world, visitor, status, hidden
):
    w = conversation_world
    flag = services.message_flag_create(message=w.answer, reporter=w.alice, reason="Insulte")
    login(w.visitor(visitor))
    url = reverse("conversations:flag_resolve", args=[flag.pk])
    response = client.post(url, {"decision": "resolve", "note": "Insultant", "hide_message": "on"})
    assert response.status_code == status
    assert Message.objects.get(pk=w.answer.pk).is_hidden is hidden
    flag.refresh_from_db()
    assert flag.status == ("resolved" if hidden else "open")


def test_the_flag_page_is_offered_on_someone_else_s_message_only(client, login, conversation_world):
    w = conversation_world
    login(w.alice)
    page = client.get(w.conversation.get_absolute_url()).content.decode()
    assert reverse("conversations:message_flag", args=[w.answer.pk]) in page
    assert reverse("conversations:message_flag", args=[w.first.pk]) not in page
    response = client.post(
        reverse("conversations:message_flag", args=[w.answer.pk]), {"reason": "Hors propos"}
    )
    assert response.status_code == 302
    assert MessageFlag.objects.filter(message=w.answer, reporter=w.alice).exists()
    again = client.post(
        reverse("conversations:message_flag", args=[w.answer.pk]), {"reason": "Encore"}
    )
    assert again.status_code == 400
    assert "déjà signalé" in again.content.decode()


def test_blocking_and_unblocking_from_the_conversation(client, login, conversation_world):
    w = conversation_world
    login(w.bruno)
    url = reverse("conversations:block", args=[w.alice.profile.handle])
    back = w.conversation.get_absolute_url()
    response = client.post(url, {"block": "1", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Block.objects.filter(blocker=w.bruno, blocked=w.alice).exists()
    page = client.get(back).content.decode()
    assert "Bloqué·e par vous" in page and "Débloquer" in page
    listed = client.get(reverse("conversations:blocked")).content.decode()
    assert w.alice.get_full_name() in listed
    response = client.post(url, {"block": "0"})
    assert response["Location"] == reverse("conversations:blocked")
    assert not Block.objects.exists()


@pytest.mark.parametrize("value", ["", "2", "oui"])
def test_a_malformed_block_choice_changes_nothing(client, login, conversation_world, value):
    w = conversation_world
    login(w.bruno)
    url = reverse("conversations:block", args=[w.alice.profile.handle])
    response = client.post(url, {"block": value, "next": "https://evil.example.org/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("conversations:blocked")
    assert not Block.objects.exists()


def test_nobody_blocks_themself(client, login, conversation_world):
    w = conversation_world
    login(w.alice)
    client.post(reverse("conversations:block", args=[w.alice.profile.handle]), {"block": "1"})
    assert not Block.objects.exists()


def test_blocking_an_unknown_handle_is_a_404(client, login, conversation_world):
    login(conversation_world.alice)
    response = client.post(urls(conversation_world)["block"][1], {"block": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "to", ["a%00b", "%ff%fe", "x" * 5000, "%3Cscript%3E", "-1", "", "@", "a,b,,c;;d"]
)
def test_any_to_gives_the_new_conversation_form(client, login, conversation_world, to):
    login(conversation_world.alice)
    response = client.get(reverse("conversations:new") + f"?to={to}&to={to}")
    # The form, or the portal's own 400 page for bytes no form could hold: never a 500.
    assert response.status_code in (200, 400)
    assert "<script>" not in response.content.decode()
