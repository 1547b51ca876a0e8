"""Background work of private conversations: the e-mail that tells a participant a
message is waiting.

Enqueued by `conversations.services` once the message's transaction commits; run at once
or by `manage.py db_worker`. Each participant is checked again when it runs: someone who
left, whose account is no longer active, who asked for no e-mail, or who already read the
message gets nothing. One e-mail until they read the conversation: someone who has not
read since the last e-mail is not e-mailed again. The e-mail never shows an address:
neither the author's nor anyone else's (it goes to the recipient's own).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.urls import reverse

from cdp_portal.core.tasks import traced_task
from cdp_portal.outbox.mailing import absolute_url, send_to_people

from .models import Message, Participant


def email_wanted(participation: Participant) -> bool:
    """A private message concerns its reader directly: e-mailed unless they asked for
    no e-mail at all (or have no profile to say so)."""
    try:
        profile = participation.user.profile
    except ObjectDoesNotExist:
        return True
    return profile.wants_email(direct=True)


def _told_and_not_read_since(participation: Participant) -> bool:
    emailed, read = participation.emailed_at, participation.last_read_at
    return emailed is not None and (read is None or read < emailed)


@traced_task()
@transaction.atomic
def send_message_emails(message_id: int) -> int:
    """E-mail the other participants of the message's conversation, as each one's
    profile asks. Returns how many. The outbox and the participants' `emailed_at` are
    written in one transaction: a crash half-way neither loses nor doubles a message."""
    message = Message.objects.select_related("conversation", "author").filter(pk=message_id).first()
    if message is None or message.is_hidden:
        return 0
    conversation = message.conversation
    participations = (
        Participant.objects.active()
        .filter(conversation=conversation)
        .exclude(user_id=message.author_id)
        .select_related("user__profile")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    url = absolute_url(conversation.get_absolute_url())
    settings_url = absolute_url(reverse("directory:profile_edit") + "#notifications")
    blocked_url = absolute_url(reverse("conversations:blocked"))
    sent = []
    for participation in participations:
        recipient = participation.user
        if not recipient.is_active or not recipient.email or not email_wanted(participation):
            continue
        if participation.last_read_at and participation.last_read_at >= message.created_at:
            continue
        if _told_and_not_read_since(participation):
            continue
        send_to_people(
            "conversations/email/message",
            {
                "recipient": recipient,
                "author": message.author,
                "conversation": conversation,
                "message": message,
                "url": url,
                "settings_url": settings_url,
                "blocked_url": blocked_url,
            },
            [recipient.email],
        )
        sent.append(participation.pk)
    if sent:
        # The message's date rather than the sending's: reading the conversation up to it
        # (`last_read_at`) is what allows the next e-mail.
        Participant.objects.filter(pk__in=sent).update(emailed_at=message.created_at)
    return len(sent)
