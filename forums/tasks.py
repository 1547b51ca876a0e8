"""Background work of the forums: the e-mail that follows in-app notifications.

Enqueued by `forums.services` once the transaction that wrote the notifications commits;
run at once or by `manage.py db_worker`, as `settings.TASKS` says. Each message is checked
again when it is sent: a person who can no longer read the topic gets nothing.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cdp_portal.core.tasks import traced_task
from cdp_portal.outbox.mailing import absolute_url, send_to_people

from .models import Notification, Topic

# What "only what concerns me directly" keeps: someone asked for this person.
DIRECT_KINDS = {
    Notification.Kind.MENTION,
    Notification.Kind.CALL_FOR_HELP,
    Notification.Kind.ACCEPTED,
    Notification.Kind.INVITATION,
}


def email_wanted(notification: Notification) -> bool:
    """The recipient's choice on their profile (everything when they have no profile)."""
    try:
        profile = notification.recipient.profile
    except ObjectDoesNotExist:
        return True
    return profile.wants_email(direct=notification.kind in DIRECT_KINDS)


@traced_task()
@transaction.atomic
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail each notification not e-mailed yet to its recipient, as their profile asks.
    Returns how many.

    One transaction: the messages enter the outbox (durable, retried until sent) and the
    notifications are marked e-mailed together, so a crash half-way neither loses nor
    doubles a message.
    """
    notifications = (
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("recipient__profile", "actor", "topic__forum__community", "post")
        .order_by("pk")
    )
    settings_url = absolute_url(reverse("directory:profile_edit") + "#notifications")
    sent = []
    for notification in notifications:
        recipient = notification.recipient
        if not recipient.is_active or not recipient.email or not email_wanted(notification):
            continue
        if not Topic.objects.readable_by(recipient).filter(pk=notification.topic_id).exists():
            continue
        topic = notification.topic
        link = (
            notification.post.get_absolute_url() if notification.post else topic.get_absolute_url()
        )
        send_to_people(
            "forums/email/notification",
            {
                "notification": notification,
                "kind": notification.kind,
                "recipient": recipient,
                "actor": notification.actor,
                "topic": topic,
                "community": topic.forum.community,
                "url": absolute_url(link),
                "settings_url": settings_url,
            },
            [recipient.email],
        )
        sent.append(notification.pk)
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(sent)
