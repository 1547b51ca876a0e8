"""Nobody's e-mail address is ever shown by the conversations: not in any of their pages
(as any of the participants or the administrator who handles a flag), not in the e-mail
they send, not even when a person shows their address on their profile, nor when
someone has no name but their address (the name is then its first part only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cdp_portal.outbox.models import OutgoingEmail
from conversations import services
from tests.conversations.factories import reply, start
from tests.factories import UserFactory, make_member
from tests.shared_worlds import shared_world

pytestmark = pytest.mark.django_db


@shared_world
def people(community_world):
    w = community_world
    alice = make_member(w.open, user=UserFactory(email="alice.secrete@exemple.org"))
    bruno = make_member(w.closed, user=UserFactory(email="bruno.cache@exemple.org"))
    # No name at all: the portal calls him by the first part of his address.
    nameless = make_member(w.open, user=UserFactory(email="sans.nom@exemple.org", display_name=""))
    alice.profile.show_email = True  # shown on her profile, by her choice: not here
    alice.profile.save()
    return w, alice, bruno, nameless


ADDRESSES = ("alice.secrete@exemple.org", "bruno.cache@exemple.org", "sans.nom@exemple.org")


def assert_no_address(text: str, where: str) -> None:
    for address in ADDRESSES:
        assert address not in text, f"{address} in {where}"
        assert address.replace("@", "&#64;") not in text, f"{address} in {where}"


def test_no_page_nor_e_mail_of_a_conversation_shows_an_address(
    client, login, people, mailoutbox, django_capture_on_commit_callbacks
):
    w, alice, bruno, nameless = people
    with django_capture_on_commit_callbacks(execute=True):
        conversation = start(alice, bruno, nameless, subject="Discret", body="Bonjour à vous")
    login(bruno)
    client.get(conversation.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        answer = reply(conversation, bruno, "Bonjour Alice")
        reply(conversation, nameless, "Et moi aussi")
    flag = services.message_flag_create(message=answer, reporter=alice, reason="À vérifier")
    services.block_set(blocker=alice, blocked=nameless, blocking=True)
    pages = {
        alice: [
            reverse("conversations:list"),
            conversation.get_absolute_url(),
            reverse("conversations:new")
            + f"?to={bruno.profile.handle}&to={nameless.profile.handle}",
            reverse("conversations:message_flag", args=[answer.pk]),
            reverse("conversations:blocked"),
            reverse("forums:notifications"),
        ],
        bruno: [reverse("conversations:list"), conversation.get_absolute_url()],
        nameless: [conversation.get_absolute_url()],
        w.admin: [
            reverse("conversations:flags"),
            f"/admin/conversations/messageflag/{flag.pk}/change/",
        ],
    }
    for person, urls in pages.items():
        login(person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert_no_address(response.content.decode(), url)
    assert len(mailoutbox) >= 3
    for email in mailoutbox:
        assert_no_address(email.subject + email.body, f"e-mail to {email.to}")
    for stored in OutgoingEmail.objects.all():
        assert_no_address(stored.subject + stored.body, "outbox")
    # The one place an address goes: the recipient's own, in the envelope.
    assert {tuple(email.to) for email in mailoutbox} <= {(a,) for a in ADDRESSES}
