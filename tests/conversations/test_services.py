"""What conversations do, through their services and pages: starting one (who may be
written to), replying, reading, leaving, blocking, flagging and hiding, the writing
limit, a form sent twice, the header's unread count and the e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from cdp_portal.accounts.models import User
from cdp_portal.core.ratelimit import WritingLimitReached
from conversations import services
from conversations.models import Conversation, Message, MessageFlag, Participant
from conversations.unread import header_unread_conversations
from forums.models import ModerationLog
from tests.conversations.factories import reply, start
from tests.factories import SuperUserFactory

pytestmark = pytest.mark.django_db


def stored_count(user) -> int | None:
    return User.objects.get(pk=user.pk).unread_conversation_count


def exact_count(user) -> int:
    fresh = User.objects.get(pk=user.pk)
    return header_unread_conversations(fresh)


# --- Starting -------------------------------------------------------------------------------


def test_starting_with_several_people_brings_them_all_in(community_world):
    w = community_world
    conversation = start(w.open_member, w.closed_member, w.private_member, w.open_animator)
    people = set(conversation.participants.values_list("user_id", flat=True))
    assert people == {w.open_member.pk, w.closed_member.pk, w.private_member.pk, w.open_animator.pk}
    assert conversation.message_count == 1
    for person in (w.closed_member, w.private_member, w.open_animator):
        assert exact_count(person) == 1
    assert exact_count(w.open_member) == 0  # one's own message is read


@pytest.mark.parametrize("who", ["refuses", "inactive", "self", "blocked_me", "i_blocked"])
def test_some_people_cannot_be_written_to(community_world, who):
    w = community_world
    alice, bruno = w.open_member, w.closed_member
    if who == "refuses":
        bruno.profile.accepts_messages = False
        bruno.profile.save()
    elif who == "inactive":
        bruno.is_active = False
        bruno.save()
    elif who == "blocked_me":
        services.block_set(blocker=bruno, blocked=alice, blocking=True)
    elif who == "i_blocked":
        services.block_set(blocker=alice, blocked=bruno, blocking=True)
    recipient = alice if who == "self" else bruno
    with pytest.raises(ValidationError) as refused:
        start(alice, recipient)
    assert "recipients" in refused.value.message_dict
    assert bruno.email not in str(refused.value)
    assert not Conversation.objects.exists()


def test_the_form_refuses_unknown_and_inactive_handles_alike(client, login, community_world):
    w = community_world
    w.closed_member.is_active = False
    w.closed_member.save()
    login(w.open_member)
    response = client.post(
        reverse("conversations:new"),
        {
            "recipients": f"{w.closed_member.profile.handle}, personne-inconnue",
            "subject": "Sujet gardé",
            "body": "Texte précieux",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    for handle in (w.closed_member.profile.handle, "personne-inconnue"):
        assert escape(f"Aucun membre actif n'a l'identifiant « {handle} »") in body
    assert "Sujet gardé" in body and "Texte précieux" in body
    assert not Conversation.objects.exists()


def test_a_profile_offers_contact_only_when_its_person_accepts_messages(
    client, login, community_world
):
    w = community_world
    login(w.open_member)
    profile = w.closed_member.profile
    contact = reverse("conversations:new") + f"?to={profile.handle}"
    assert contact in client.get(profile.get_absolute_url()).content.decode()
    profile.accepts_messages = False
    profile.save()
    page = client.get(profile.get_absolute_url()).content.decode()
    assert contact not in page
    assert "ne reçoit pas de messages privés" in page
    own = client.get(w.open_member.profile.get_absolute_url()).content.decode()
    assert reverse("conversations:new") + "?to=" not in own


def test_the_profile_form_sets_whether_one_accepts_messages(client, login, community_world):
    w = community_world
    login(w.open_member)
    page = client.get(reverse("directory:profile_edit")).content.decode()
    assert 'name="accepts_messages"' in page and "sans jamais voir votre adresse" in page
    data = {"display_name": "Alice", "notification_email": "all", "show_email": "on"}
    client.post(reverse("directory:profile_edit"), data)
    w.open_member.profile.refresh_from_db()
    assert w.open_member.profile.accepts_messages is False
    client.post(reverse("directory:profile_edit"), {**data, "accepts_messages": "on"})
    w.open_member.profile.refresh_from_db()
    assert w.open_member.profile.accepts_messages is True


def test_contacting_from_a_profile_fills_in_the_recipient_and_warns_of_a_refusal(
    client, login, community_world
):
    w = community_world
    login(w.open_member)
    handle = w.closed_member.profile.handle
    page = client.get(reverse("conversations:new") + f"?to={handle}").content.decode()
    assert f'value="{handle}"' in page and w.closed_member.get_full_name() in page
    services.block_set(blocker=w.closed_member, blocked=w.open_member, blocking=True)
    page = client.get(reverse("conversations:new") + f"?to={handle}").content.decode()
    assert "ne reçoit pas de messages privés" in page


# --- Replying, reading, leaving ----------------------------------------------------------


def test_a_reply_counts_as_unread_for_the_others_until_they_read_it(
    client, login, conversation_world
):
    w = conversation_world
    assert exact_count(w.alice) == 1  # bruno's answer
    login(w.alice)
    client.get(w.conversation.get_absolute_url())
    assert stored_count(w.alice) == 0
    reply(w.conversation, w.bruno, "Encore une chose")
    assert stored_count(w.alice) is None  # forgotten: counted again on the next page
    assert exact_count(w.alice) == 1
    page = client.get(reverse("conversations:list")).content.decode()
    assert "conversation-row--unread" in page
    assert 'notification-bell__count">1' in page


def test_leaving_takes_it_out_of_the_list_and_the_others_see_it(client, login, conversation_world):
    w = conversation_world
    login(w.bruno)
    response = client.post(reverse("conversations:leave", args=[w.conversation.pk]))
    assert response["Location"] == reverse("conversations:list")
    assert (
        'class="conversation-row' not in client.get(reverse("conversations:list")).content.decode()
    )
    assert client.get(w.conversation.get_absolute_url()).status_code == 404
    # Alice sees that he left; nothing written is deleted; nobody is left to read her.
    login(w.alice)
    page = client.get(w.conversation.get_absolute_url()).content.decode()
    assert "a quitté la conversation" in page and "Réponse de Bruno" in page
    assert "personne ne lirait votre message" in page
    with pytest.raises(PermissionDenied):
        reply(w.conversation, w.alice, "Tu es là ?")
    assert Message.objects.filter(conversation=w.conversation).count() == 2
    # He is told nothing more.
    mail.outbox.clear()
    assert exact_count(w.bruno) == 0


def test_someone_who_left_is_no_longer_emailed_in_a_group(
    community_world, mailoutbox, django_capture_on_commit_callbacks
):
    w = community_world
    conversation = start(w.open_member, w.closed_member, w.private_member)
    services.conversation_leave(conversation=conversation, user=w.closed_member)
    with django_capture_on_commit_callbacks(execute=True):
        reply(conversation, w.open_member, "Suite")
    assert [m.to for m in mailoutbox] == [[w.private_member.email]]
    assert exact_count(w.closed_member) == 0


# --- Blocking -----------------------------------------------------------------------------


def test_a_blocked_person_can_no_longer_write_to_the_blocker(client, login, conversation_world):
    w = conversation_world
    services.block_set(blocker=w.bruno, blocked=w.alice, blocking=True)
    with pytest.raises(PermissionDenied):
        reply(w.conversation, w.alice, "Tu m'as bloquée ?")
    with pytest.raises(ValidationError):
        start(w.alice, w.bruno)
    login(w.alice)
    page = client.get(w.conversation.get_absolute_url()).content.decode()
    assert "Vous ne pouvez plus écrire dans cette conversation" in page
    assert reverse("conversations:reply", args=[w.conversation.pk]) not in page
    response = client.post(
        reverse("conversations:reply", args=[w.conversation.pk]), {"body": "Texte gardé"}
    )
    assert response.status_code == 403 and "Texte gardé" in response.content.decode()
    # The blocker may still write, and unblocking lets the other answer again.
    reply(w.conversation, w.bruno, "Dernier mot")
    services.block_set(blocker=w.bruno, blocked=w.alice, blocking=False)
    reply(w.conversation, w.alice, "Merci")


def test_in_a_group_a_block_stops_writing_only_where_the_blocker_still_is(community_world):
    w = community_world
    group = start(w.open_member, w.closed_member, w.private_member)
    services.block_set(blocker=w.closed_member, blocked=w.private_member, blocking=True)
    with pytest.raises(PermissionDenied):
        reply(group, w.private_member)
    services.conversation_leave(conversation=group, user=w.closed_member)
    reply(group, w.private_member, "Maintenant je peux")


# --- Flags and hiding ------------------------------------------------------------------------


def test_a_flagged_message_hidden_by_an_administrator_is_kept_and_logged(
    client, login, conversation_world
):
    w = conversation_world
    admin = w.admin
    flag = services.message_flag_create(message=w.answer, reporter=w.alice, reason="Insultant")
    services.message_flag_resolve(flag=flag, by=admin, hide=True, note="Propos insultants")
    message = Message.objects.get(pk=w.answer.pk)
    assert message.is_hidden and message.hidden_reason == "Propos insultants"
    assert message.body == "Réponse de Bruno"  # never deleted
    flag.refresh_from_db()
    assert flag.status == MessageFlag.Status.RESOLVED and flag.resolved_by == admin
    actions = set(ModerationLog.objects.values_list("action", flat=True))
    assert {"hide_private", "resolve_flag"} <= actions
    assert ModerationLog.objects.filter(community__isnull=True, actor=admin).count() == 2
    # Alice sees that it was hidden, not its text; Bruno, its author, still reads it.
    login(w.alice)
    page = client.get(w.conversation.get_absolute_url()).content.decode()
    assert "masqué par l'administration du portail" in page
    assert "Réponse de Bruno" not in page
    login(w.bruno)
    page = client.get(w.conversation.get_absolute_url()).content.decode()
    assert "Réponse de Bruno" in page and "Propos insultants" in page


def test_hiding_closes_every_open_flag_on_the_message(community_world):
    w = community_world
    group = start(w.open_member, w.closed_member, w.private_member)
    message = reply(group, w.closed_member, "Message douteux")
    first = services.message_flag_create(message=message, reporter=w.open_member, reason="a")
    second = services.message_flag_create(message=message, reporter=w.private_member, reason="b")
    services.message_flag_resolve(flag=first, by=w.admin, hide=True, note="Douteux")
    second.refresh_from_db()
    assert second.status == MessageFlag.Status.RESOLVED
    assert not MessageFlag.objects.open().exists()


def test_dismissing_leaves_the_message_shown(conversation_world):
    w = conversation_world
    flag = services.message_flag_create(message=w.answer, reporter=w.alice, reason="Bof")
    services.message_flag_resolve(flag=flag, by=w.admin, dismiss=True)
    assert not Message.objects.get(pk=w.answer.pk).is_hidden
    assert MessageFlag.objects.get(pk=flag.pk).status == MessageFlag.Status.DISMISSED


@pytest.mark.parametrize("by", ["open_animator", "closed_member"])
def test_only_administrators_hide_private_messages(conversation_world, by):
    w = conversation_world
    flag = services.message_flag_create(message=w.answer, reporter=w.alice, reason="x")
    with pytest.raises(PermissionDenied):
        services.message_flag_resolve(flag=flag, by=w.visitor(by), hide=True, note="x")
    with pytest.raises(PermissionDenied):
        services.message_set_hidden(message=w.answer, by=w.visitor(by), hidden=True, reason="x")
    assert not Message.objects.get(pk=w.answer.pk).is_hidden


def test_one_s_own_or_a_hidden_message_is_not_flagged(conversation_world):
    w = conversation_world
    with pytest.raises(PermissionDenied):
        services.message_flag_create(message=w.first, reporter=w.alice, reason="Moi")
    services.message_set_hidden(message=w.answer, by=w.admin, hidden=True, reason="Masqué")
    with pytest.raises(PermissionDenied):
        services.message_flag_create(message=w.answer, reporter=w.alice, reason="Encore")


def test_the_admin_lists_flagged_messages_only_and_settles_flags(client, conversation_world):
    w = conversation_world
    flag = services.message_flag_create(message=w.answer, reporter=w.alice, reason="Grossier")
    client.force_login(w.admin)
    flags = client.get("/admin/conversations/messageflag/").content.decode()
    assert "Grossier" in flags
    messages_page = client.get("/admin/conversations/message/").content.decode()
    assert f"/admin/conversations/message/{w.answer.pk}/change/" in messages_page
    assert f"/admin/conversations/message/{w.first.pk}/change/" not in messages_page
    assert client.get(f"/admin/conversations/message/{w.first.pk}/change/").status_code == 302
    response = client.post(
        "/admin/conversations/messageflag/",
        {"action": "hide_flagged_messages", "_selected_action": [flag.pk]},
    )
    assert response.status_code == 302
    assert Message.objects.get(pk=w.answer.pk).is_hidden
    client.post(
        "/admin/conversations/message/",
        {"action": "unhide_messages", "_selected_action": [w.answer.pk]},
    )
    assert not Message.objects.get(pk=w.answer.pk).is_hidden


def test_animators_have_no_access_to_private_messages_in_the_admin(client, conversation_world):
    w = conversation_world
    services.message_flag_create(message=w.answer, reporter=w.alice, reason="Grossier")
    client.force_login(w.open_animator)
    assert client.get("/admin/conversations/messageflag/").status_code == 403
    assert client.get("/admin/conversations/message/").status_code == 403
    assert "conversations" not in client.get("/admin/").content.decode().lower()


def test_administrators_see_the_flags_waiting_on_their_dashboard(client, login, conversation_world):
    w = conversation_world
    services.message_flag_create(message=w.answer, reporter=w.alice, reason="Grossier")
    login(SuperUserFactory())
    page = client.get("/").content.decode()
    assert "1 message privé signalé attend votre décision" in page
    login(w.open_animator)
    assert "message privé signalé" not in client.get("/").content.decode()


# --- Writing limit, a form sent twice -----------------------------------------------------------


def test_messages_are_limited_like_posts(client, login, conversation_world, settings):
    settings.PORTAL_POST_RATE_LIMIT = "2/10m"
    w = conversation_world
    login(w.alice)
    url = reverse("conversations:reply", args=[w.conversation.pk])
    assert client.post(url, {"body": "Un"}).status_code == 302
    response = client.post(url, {"body": "Deux, gardé"})
    assert response.status_code == 429
    assert "Patientez quelques minutes" in response.content.decode()
    assert "Deux, gardé" in response.content.decode()  # the first message counts too
    with pytest.raises(WritingLimitReached):
        services.conversation_start(by=w.alice, recipients=[w.bruno], subject="Autre", body="Texte")
    # Administrators are not limited.
    admin = SuperUserFactory()
    for index in range(3):
        services.conversation_start(by=admin, recipients=[w.bruno], subject=f"{index}", body="x")


def test_a_conversation_form_sent_twice_starts_one_conversation(client, login, community_world):
    w = community_world
    login(w.open_member)
    data = {
        "recipients": w.closed_member.profile.handle,
        "subject": "Double clic",
        "body": "Une fois",
        "submission_token": "6b0b3a2e-4b1f-4a57-9c55-0d3a4c1f2e10",
    }
    first = client.post(reverse("conversations:new"), data)
    second = client.post(reverse("conversations:new"), data)
    assert first["Location"] == second["Location"]
    assert Conversation.objects.count() == 1 and Message.objects.count() == 1


def test_a_reply_sent_twice_is_sent_once(
    client, login, conversation_world, mailoutbox, django_capture_on_commit_callbacks
):
    w = conversation_world
    login(w.alice)
    url = reverse("conversations:reply", args=[w.conversation.pk])
    data = {"body": "Une seule fois", "submission_token": "0a6c8c1e-2d2e-4e43-8d0e-3b6f2a9d4c11"}
    with django_capture_on_commit_callbacks(execute=True):
        first, second = client.post(url, data), client.post(url, data)
    assert first["Location"] == second["Location"]
    assert Message.objects.filter(body="Une seule fois").count() == 1
    assert Conversation.objects.get(pk=w.conversation.pk).message_count == 3
    assert [m.to for m in mailoutbox] == [[w.bruno.email]]  # one e-mail


# --- E-mail -------------------------------------------------------------------------------------


def test_a_message_is_emailed_once_until_read_as_the_profile_asks(
    client, login, community_world, mailoutbox, django_capture_on_commit_callbacks
):
    w = community_world
    alice, bruno = w.open_member, w.closed_member

    def write(body, conversation=None):
        with django_capture_on_commit_callbacks(execute=True):
            if conversation is None:
                return start(alice, bruno, subject="Vidéo", body=body)
            return reply(conversation, alice, body)

    conversation = write("Premier message")
    assert [m.to for m in mailoutbox] == [[bruno.email]]
    email = mailoutbox[0]
    assert "Vidéo" in email.subject and alice.get_full_name() in email.subject
    assert conversation.get_absolute_url() in email.body and "Premier message" in email.body
    write("Deuxième", conversation)
    assert len(mailoutbox) == 1  # not read since: not e-mailed again
    login(bruno)
    client.get(conversation.get_absolute_url())
    write("Troisième", conversation)
    assert len(mailoutbox) == 2
    # "Direct only" still gets private messages; "none" gets nothing.
    for choice, expected in (("direct", 3), ("none", 3)):
        bruno.profile.notification_email = choice
        bruno.profile.save()
        client.get(conversation.get_absolute_url())
        write(f"Avec {choice}", conversation)
        assert len(mailoutbox) == expected
    assert not Participant.objects.filter(user=alice, emailed_at__isnull=False).exists()


def test_an_account_made_inactive_is_no_longer_written_to(client, login, conversation_world):
    w = conversation_world
    w.bruno.is_active = False
    w.bruno.save()
    with pytest.raises(PermissionDenied):
        reply(w.conversation, w.alice, "Tu es encore là ?")
    login(w.alice)
    page = client.get(w.conversation.get_absolute_url()).content.decode()
    assert "personne ne lirait votre message" in page
    assert reverse("conversations:reply", args=[w.conversation.pk]) not in page
