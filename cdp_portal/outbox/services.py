"""The outbox: every e-mail is stored, then sent by the background queue, retried until sent.

`queue_messages` stores messages in the caller's transaction and enqueues the send once it
commits. `send_due` claims due messages (two senders never claim the same one), hands them
to the transport named by `settings.EMAIL_BACKEND` *at send time* (SMTP, the local-mode file
backend, or the test runner's locmem backend), and records the outcome: sent, queued again
with exponential back-off, or failed after `PORTAL_EMAIL_MAX_ATTEMPTS`.
"""

from __future__ import annotations

import base64
import logging
import re
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.mime.base import MIMEBase
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

# C0 and C1 control characters and the Unicode line/paragraph separators: any of them in
# a header either raises BadHeaderError (CR, LF) or lets a name smuggle in another header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_ANGLE_ADDRESS = re.compile(r"^(?P<name>.*)<(?P<address>[^<>]*)>$")
# RFC 5322 "specials": a display name holding one of them must be quoted.
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')


def clean_header(value: object) -> str:
    """One line: control characters become spaces and runs of blanks collapse to one."""
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def clean_address(value: object) -> str:
    """An address whose display name can no longer carry a line break or another header.

    `Jean\\r\\nBcc: x@y <jean@u.ca>` becomes `"Jean Bcc: x@y" <jean@u.ca>`: the name is
    kept, as one quoted phrase, and the address is untouched.
    """
    text = clean_header(value)
    match = _ANGLE_ADDRESS.match(text)
    if not match:
        return text
    name, address = match["name"].strip(), match["address"].strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    if not name:
        return address
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def _attachment(item: MIMEBase | tuple[str | None, str | bytes, str | None]) -> dict:
    filename: str | None
    payload: str | bytes
    mimetype: str | None
    if isinstance(item, MIMEBase):
        # A leaf part (an attachment) decodes to bytes; typeshed allows every payload kind.
        payload = cast(bytes, item.get_payload(decode=True) or b"")
        filename, mimetype = item.get_filename() or "attachment", item.get_content_type()
    else:
        filename, payload, mimetype = item  # Django's EmailAttachment(filename, content, type)
        if isinstance(payload, str):
            payload = payload.encode()
    return {
        "filename": clean_header(filename or "attachment"),
        "content_b64": base64.b64encode(payload).decode("ascii"),
        "mimetype": mimetype or "application/octet-stream",
    }


def _to_row(message: EmailMessage) -> OutgoingEmail:
    return OutgoingEmail(
        from_email=clean_address(message.from_email or settings.DEFAULT_FROM_EMAIL),
        to=[clean_address(a) for a in message.to],
        cc=[clean_address(a) for a in message.cc],
        bcc=[clean_address(a) for a in message.bcc],
        reply_to=[clean_address(a) for a in message.reply_to],
        subject=clean_header(message.subject),
        body=str(message.body),
        alternatives=[
            {"content": str(content), "mimetype": mimetype}
            for content, mimetype in getattr(message, "alternatives", [])
        ],
        attachments=[_attachment(item) for item in message.attachments],
        headers={clean_header(k): clean_header(v) for k, v in message.extra_headers.items()},
    )


def as_email_message(
    row: OutgoingEmail, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The stored message rebuilt for the transport."""
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body,
        from_email=row.from_email,
        to=row.to,
        cc=row.cc,
        bcc=row.bcc,
        reply_to=row.reply_to,
        headers=row.headers,
        connection=connection,
    )
    for alternative in row.alternatives:
        message.attach_alternative(alternative["content"], alternative["mimetype"])
    for attachment in row.attachments:
        message.attach(
            attachment["filename"],
            base64.b64decode(attachment["content_b64"]),
            attachment["mimetype"],
        )
    return message


def queue_messages(messages: Iterable[EmailMessage]) -> list[OutgoingEmail]:
    """Store the messages now, in the caller's transaction; send them once it commits.

    A rollback leaves nothing to send; after the commit nothing is lost even when the
    mail server or the task queue is down (`send_queued_mail` sends what is due).
    """
    rows = [_to_row(message) for message in messages]
    rows = [row for row in rows if row.to or row.cc or row.bcc]
    if not rows:
        return []
    OutgoingEmail.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    # robust: a queue that cannot take the task must not turn a committed request into a
    # 500; the message is stored and the next `send_queued_mail` sends it.
    transaction.on_commit(lambda: enqueue_send(ids), robust=True)
    return rows


def enqueue_send(ids: list[int], run_after: datetime | None = None) -> None:
    from .tasks import send_outgoing_email

    task = send_outgoing_email
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # The immediate backend cannot wait: `send_queued_mail` retries.
        task = task.using(run_after=run_after)
    task.enqueue(ids)


def retry_delay(attempts: int) -> timedelta:
    """1 min, 2, 4, 8… after the 1st, 2nd, 3rd… failed attempt, capped (1 h by default)."""
    base = settings.PORTAL_EMAIL_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.PORTAL_EMAIL_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def is_permanent(exc: BaseException) -> bool:
    """Errors no retry can fix: a malformed message, or every recipient refused for good."""
    if isinstance(exc, ValueError):  # BadHeaderError, invalid address, encoding
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(
            code >= 500 for code, _message in exc.recipients.values()
        )
    return False


@dataclass
class Delivery:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed}

    def add(self, other: Delivery) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed


def _claim(ids: list[int] | None, limit: int, exclude: set[int]) -> list[OutgoingEmail]:
    now = timezone.now()
    with transaction.atomic():
        due = OutgoingEmail.objects.filter(
            status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        if exclude:
            due = due.exclude(pk__in=exclude)
        # skip_locked: a second sender running at the same moment takes other rows or
        # none, never these.
        rows = list(
            due.select_for_update(skip_locked=True).order_by("next_attempt_at", "pk")[:limit]
        )
        if rows:
            OutgoingEmail.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=OutgoingEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    for row in rows:
        row.status, row.claimed_at, row.attempts = "sending", now, row.attempts + 1
    return rows


def _finish(row: OutgoingEmail, **changes: Any) -> bool:
    # Only if our claim still stands: a claim released as stale may be another sender's now.
    return bool(
        OutgoingEmail.objects.filter(
            pk=row.pk, status=OutgoingEmail.Status.SENDING, claimed_at=row.claimed_at
        ).update(claimed_at=None, **changes)
    )


def _record_failure(row: OutgoingEmail, exc: BaseException, delivery: Delivery) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if is_permanent(exc) or row.attempts >= settings.PORTAL_EMAIL_MAX_ATTEMPTS:
        _finish(row, status=OutgoingEmail.Status.FAILED, last_error=error)
        delivery.failed.append(row.pk)
        logger.error(
            "E-mail #%s failed for good after %s attempts: %s", row.pk, row.attempts, error
        )
        return
    when = timezone.now() + retry_delay(row.attempts)
    _finish(row, status=OutgoingEmail.Status.QUEUED, next_attempt_at=when, last_error=error)
    delivery.retrying.append(row.pk)
    logger.warning(
        "E-mail #%s not sent (attempt %s), retry at %s: %s", row.pk, row.attempts, when, error
    )
    transaction.on_commit(lambda: enqueue_send([row.pk], run_after=when), robust=True)


def _close(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception:  # a broken connection is being dropped anyway
        logger.debug("Closing the mail connection failed", exc_info=True)


def send_due(
    ids: list[int] | None = None, limit: int = 100, exclude: set[int] | None = None
) -> Delivery:
    """Send the due queued messages (only `ids` if given, never `exclude`), at most `limit`."""
    delivery = Delivery()
    connection = get_connection()  # settings.EMAIL_BACKEND, read now; opened only if needed
    if getattr(connection, "is_outbox", False):
        # The outbox would store its own messages again, forever.
        raise ImproperlyConfigured("EMAIL_BACKEND must be a real transport, not the outbox.")
    rows = _claim(ids, limit, exclude or set())
    if not rows:
        return delivery
    try:
        connection.open()
    except Exception as exc:  # server down, refused, timeout, TLS…
        _close(connection)
        for row in rows:
            _record_failure(row, exc, delivery)
        return delivery
    try:
        for row in rows:
            try:
                connection.send_messages([as_email_message(row, connection)])
            except Exception as exc:  # recorded on the message, retried
                _record_failure(row, exc, delivery)
                _close(connection)  # the next message opens a fresh one
            else:
                _finish(
                    row, status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error=""
                )
                delivery.sent.append(row.pk)
    finally:
        _close(connection)
    return delivery


def send_all_due(batch: int = 100) -> Delivery:
    """Everything due, batch after batch (what `send_queued_mail` runs)."""
    total = Delivery()
    tried: set[int] = set()
    while True:
        # Each message once per run, even if its retry is already due (a zero back-off).
        delivery = send_due(limit=batch, exclude=tried)
        total.add(delivery)
        done = delivery.sent + delivery.retrying + delivery.failed
        tried.update(done)
        if len(done) < batch:
            return total


def release_stale_claims() -> int:
    """Messages claimed by a sender that died (older than PORTAL_EMAIL_SENDING_TIMEOUT):
    queued again, or failed if they already had every attempt."""
    cutoff = timezone.now() - timedelta(seconds=settings.PORTAL_EMAIL_SENDING_TIMEOUT)
    stale = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENDING, claimed_at__lt=cutoff)
    error = "The sender stopped while sending (claim expired)."
    failed = stale.filter(attempts__gte=settings.PORTAL_EMAIL_MAX_ATTEMPTS).update(
        status=OutgoingEmail.Status.FAILED, claimed_at=None, last_error=error
    )
    queued = stale.update(
        status=OutgoingEmail.Status.QUEUED,
        claimed_at=None,
        next_attempt_at=timezone.now(),
        last_error=error,
    )
    return failed + queued


def prune_sent() -> int:
    """Forget sent messages after PORTAL_EMAIL_KEEP_SENT_DAYS (0: keep them): their bodies
    hold sign-in and password-reset links that have no business staying in the database."""
    days = settings.PORTAL_EMAIL_KEEP_SENT_DAYS
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _per_model = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENT, sent_at__lt=cutoff
    ).delete()
    return deleted


def recover_stuck_tasks() -> int:
    """django-tasks-db tasks left RUNNING by a worker that died, ready to run again.

    Only those started more than PORTAL_TASK_STUCK_TIMEOUT ago: a live worker may be
    running a recent one. The portal's tasks are safe to run twice (the outbox claims each
    message, notifications are marked e-mailed).
    """
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.PORTAL_TASK_STUCK_TIMEOUT)
    return DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).update(
        status="READY", started_at=None
    )


def resend(ids: Iterable[int]) -> dict[int, str]:
    """Queue failed (or still queued) messages again with a fresh count of attempts.

    Returns each id's outcome: "queued", "missing", or the status that prevented it.
    """
    outcome: dict[int, str] = {}
    ids = list(dict.fromkeys(ids))
    with transaction.atomic():
        rows = {row.pk: row for row in OutgoingEmail.objects.select_for_update().filter(pk__in=ids)}
        ready = []
        for pk in ids:
            row = rows.get(pk)
            if row is None:
                outcome[pk] = "missing"
            elif row.status in (OutgoingEmail.Status.FAILED, OutgoingEmail.Status.QUEUED):
                outcome[pk] = "queued"
                ready.append(pk)
            else:
                outcome[pk] = row.status
        if ready:
            OutgoingEmail.objects.filter(pk__in=ready).update(
                status=OutgoingEmail.Status.QUEUED,
                attempts=0,
                next_attempt_at=timezone.now(),
                claimed_at=None,
            )
            transaction.on_commit(lambda: enqueue_send(ready), robust=True)
    return outcome


def resend_failed() -> dict[int, str]:
    failed = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED)
    return resend(failed.values_list("pk", flat=True))
