"""The outbox: stored with the caller's transaction, retried with back-off, claimed by one
sender only, recovered after a crash, listed and resent by command, headers on one line."""

import io
import logging
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cdp_portal.outbox import services
from cdp_portal.outbox.mailing import send_to_people
from cdp_portal.outbox.models import OutgoingEmail
from cdp_portal.outbox.tasks import send_outgoing_email
from tests.core.smtp_server import SMTPServer

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def message(subject="Bonjour", to="a@example.org", **kwargs) -> EmailMessage:
    return EmailMessage(subject, "Le texte.", "Portail CdP <cdp@localhost>", [to], **kwargs)


@pytest.fixture
def smtp_server(smtp_down):
    server = SMTPServer().start()
    smtp_down.EMAIL_PORT = server.port
    yield server
    server.stop()


@pytest.mark.django_db
def test_a_rollback_stores_and_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_to_people("communities/email/membership_approved", {}, ["a@example.org"])
        raise RuntimeError("the request failed")
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_stored_then_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        [row] = services.queue_messages([message()])
    assert OutgoingEmail.objects.get().status == "queued"
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


def test_back_off_doubles_from_one_minute_up_to_an_hour():
    delays = [services.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


@pytest.mark.django_db
def test_a_failed_send_is_retried_with_back_off_then_marked_failed(
    smtp_down, django_capture_on_commit_callbacks
):
    smtp_down.PORTAL_EMAIL_MAX_ATTEMPTS = 3
    smtp_down.PORTAL_EMAIL_RETRY_MAX_SECONDS = 100
    with django_capture_on_commit_callbacks(execute=True):
        [row] = services.queue_messages([message()])
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in row.last_error
    delay = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < delay <= 60

    # Not due yet: the timer leaves it alone.
    assert "sent 0, to retry 0, failed 0" in run("send_queued_mail")
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    assert "sent 0, to retry 1, failed 0" in run("send_queued_mail")
    row.refresh_from_db()
    assert row.attempts == 2
    assert 90 < (row.next_attempt_at - timezone.now()).total_seconds() <= 100  # capped

    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    assert "sent 0, to retry 0, failed 1" in run("send_queued_mail")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)


@pytest.mark.django_db
def test_an_unsendable_message_fails_at_once(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [row] = services.queue_messages([message(to="pas une adresse@@")])
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "ValueError" in row.last_error
    assert smtp_server.received == []


def test_headers_lose_their_control_characters():
    assert services.clean_header("Aide\r\nBcc: x@y\t\x00fin") == "Aide Bcc: x@y fin"
    assert services.clean_header("Ligne\u2028suite\x85") == "Ligne suite"
    assert (
        services.clean_address("Jean\r\nBcc: intrus@example.org <jean@example.org>")
        == '"Jean Bcc: intrus@example.org" <jean@example.org>'
    )
    assert services.clean_address("Portail CdP <cdp@localhost>") == "Portail CdP <cdp@localhost>"
    assert services.clean_address('"Roy, J." <j@example.org>') == '"Roy, J." <j@example.org>'
    assert services.clean_address("a@example.org") == "a@example.org"


@pytest.mark.django_db
def test_every_header_reaches_the_server_on_one_line(
    smtp_server, django_capture_on_commit_callbacks
):
    hostile = message(
        subject="Aide\r\nBcc: intrus@example.org",
        to="Louise\nCc: intrus@example.org <louise@example.org>",
        reply_to=["Équipe\r\n <equipe@example.org>"],
        headers={"X-Sujet": "a\r\nBcc: intrus@example.org"},
    )
    hostile.from_email = "Portail\r\nBcc: intrus@example.org <cdp@localhost>"
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_messages([hostile])
    assert OutgoingEmail.objects.get().status == "sent"
    [received] = smtp_server.received
    assert received.recipients == ["louise@example.org"]
    sent = received.message
    assert sent["Subject"] == "Aide Bcc: intrus@example.org"
    assert sent["To"].addresses[0].display_name == "Louise Cc: intrus@example.org"
    assert sent["From"].addresses[0].display_name == "Portail Bcc: intrus@example.org"
    assert sent["Reply-To"].addresses[0].display_name == "Équipe"
    assert sent["X-Sujet"] == "a Bcc: intrus@example.org"
    assert sent["Bcc"] is None and sent["Cc"] is None


@pytest.mark.django_db(transaction=True)
def test_two_senders_never_send_the_same_message(smtp_server):
    OutgoingEmail.objects.bulk_create(
        OutgoingEmail(from_email="cdp@localhost", to=["a@example.org"], subject=f"n{i}", body=".")
        for i in range(40)
    )
    start = threading.Barrier(4)

    def sender():
        try:
            start.wait()
            services.send_all_due(batch=3)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    subjects = sorted(received.message["Subject"] for received in smtp_server.received)
    assert subjects == sorted(f"n{i}" for i in range(40))
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert set(OutgoingEmail.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_a_message_claimed_by_a_dead_sender_is_queued_again():
    long_ago = timezone.now() - timedelta(hours=1)
    common = {"from_email": "cdp@localhost", "to": ["a@example.org"], "body": ".", "attempts": 1}
    dead = OutgoingEmail.objects.create(
        subject="abandonné", status="sending", claimed_at=long_ago, **common
    )
    busy = OutgoingEmail.objects.create(
        subject="en cours", status="sending", claimed_at=timezone.now(), **common
    )
    assert "recovered 1 stale message(s)" in run("send_queued_mail")
    dead.refresh_from_db()
    busy.refresh_from_db()
    assert (dead.status, dead.attempts) == ("sent", 2)
    assert busy.status == "sending"
    assert [m.subject for m in mail.outbox] == ["abandonné"]


@pytest.mark.django_db(transaction=True)
def test_a_task_stuck_running_after_a_worker_crash_runs_again(settings):
    settings.TASKS = DATABASE_TASKS
    row = OutgoingEmail.objects.create(
        from_email="cdp@localhost", to=["a@example.org"], subject="Bloqué", body="."
    )
    stuck = send_outgoing_email.enqueue([row.pk]).db_result
    recent = send_outgoing_email.enqueue([row.pk]).db_result
    # The worker that claimed them died two hours ago, or another one is running it now.
    DBTaskResult.objects.filter(pk=stuck.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=2), worker_ids=["dead"]
    )
    DBTaskResult.objects.filter(pk=recent.pk).update(status="RUNNING", started_at=timezone.now())
    run("db_worker", "--batch", "--no-startup-delay")
    assert mail.outbox == []  # nothing READY: without recovery it would wait forever

    assert services.recover_stuck_tasks() == 1
    run("db_worker", "--batch", "--no-startup-delay")
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == "SUCCESSFUL"
    assert recent.status == "RUNNING"
    assert [m.subject for m in mail.outbox] == ["Bloqué"]


@pytest.mark.django_db(transaction=True)
def test_send_queued_mail_recovers_stuck_tasks(settings):
    settings.TASKS = DATABASE_TASKS
    stuck = send_outgoing_email.enqueue([0]).db_result
    DBTaskResult.objects.filter(pk=stuck.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=2)
    )
    assert "and 1 stuck task(s)" in run("send_queued_mail")
    assert DBTaskResult.objects.ready().filter(pk=stuck.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_a_retry_is_a_task_run_later(settings, smtp_down):
    settings.TASKS = DATABASE_TASKS
    [row] = services.queue_messages([message()])  # autocommit: enqueued at once
    assert DBTaskResult.objects.ready().count() == 1
    run("db_worker", "--batch", "--no-startup-delay")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 1)
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == row.next_attempt_at
    assert retry.args_kwargs["args"] == [[row.pk]]

    server = SMTPServer().start()
    try:
        settings.EMAIL_PORT = server.port
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        OutgoingEmail.objects.update(next_attempt_at=timezone.now())
        run("db_worker", "--batch", "--no-startup-delay")
    finally:
        server.stop()
    row.refresh_from_db()
    assert row.status == "sent"
    assert len(server.received) == 1


@pytest.mark.django_db
def test_mail_outbox_lists_and_resends(django_capture_on_commit_callbacks):
    common = {"from_email": "cdp@localhost", "body": "."}
    failed = OutgoingEmail.objects.create(
        to=["a@example.org"],
        subject="Invitation",
        status="failed",
        attempts=10,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        **common,
    )
    sent = OutgoingEmail.objects.create(
        to=["b@example.org"], subject="Déjà parti", status="sent", **common
    )

    listing = run("mail_outbox", "--list", "--status", "failed")
    assert f"{failed.pk}  failed" in listing
    assert "a@example.org / Invitation" in listing
    assert "last error: SMTPServerDisconnected" in listing
    assert "Déjà parti" not in listing
    assert "1 of 1 message(s)." in listing
    assert "Déjà parti" in run("mail_outbox", "--list")

    with django_capture_on_commit_callbacks(execute=True):
        output = run("mail_outbox", "--resend", str(failed.pk), str(sent.pk), "999999")
    assert f"#{failed.pk}: queued again" in output
    assert f"#{sent.pk}: not resent, it is sent" in output
    assert "#999999: no such message" in output
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 1)
    assert [m.subject for m in mail.outbox] == ["Invitation"]


@pytest.mark.django_db
def test_resend_failed_queues_every_failed_message(smtp_down, django_capture_on_commit_callbacks):
    OutgoingEmail.objects.bulk_create(
        OutgoingEmail(
            from_email="cdp@localhost", to=["a@example.org"], subject=s, body=".", status="failed"
        )
        for s in ("un", "deux")
    )
    with django_capture_on_commit_callbacks(execute=True):
        output = run("mail_outbox", "--resend-failed")
    assert "2 message(s) queued again." in output
    # The server is still down: each had a fresh first attempt and waits for the next.
    assert list(OutgoingEmail.objects.values_list("status", "attempts")) == [("queued", 1)] * 2
    assert "No failed message to resend." in run("mail_outbox", "--resend-failed")


@pytest.mark.django_db
def test_error_reports_to_administrators_go_through_the_outbox(settings):
    settings.ADMINS = [("Admin", "it@example.org")]
    logging.getLogger("django.request").error("Boom")
    row = OutgoingEmail.objects.get()
    assert row.to == ["it@example.org"]
    assert "Boom" in row.subject


@pytest.mark.django_db
def test_administrators_resend_from_the_admin(admin_client, django_capture_on_commit_callbacks):
    row = OutgoingEmail.objects.create(
        from_email="cdp@localhost", to=["a@example.org"], subject="X", body=".", status="failed"
    )
    assert admin_client.get("/admin/outbox/outgoingemail/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/outbox/outgoingemail/",
            {"action": "resend", "_selected_action": [row.pk]},
        )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "sent"


@pytest.mark.django_db
def test_animators_do_not_see_the_outbox(client, community_world):
    client.force_login(community_world.open_animator)
    assert client.get("/admin/outbox/outgoingemail/").status_code in (302, 403)


@pytest.mark.django_db
def test_sent_messages_are_forgotten_after_a_week():
    common = {"from_email": "cdp@localhost", "to": ["a@example.org"], "body": "lien secret"}
    old = OutgoingEmail.objects.create(
        subject="vieux", status="sent", sent_at=timezone.now() - timedelta(days=8), **common
    )
    recent = OutgoingEmail.objects.create(
        subject="récent", status="sent", sent_at=timezone.now() - timedelta(days=6), **common
    )
    failed = OutgoingEmail.objects.create(subject="échec", status="failed", **common)
    OutgoingEmail.objects.filter(pk=failed.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    assert "forgot 1 old sent message(s)" in run("send_queued_mail")
    assert set(OutgoingEmail.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert not OutgoingEmail.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_the_outbox_refuses_to_be_its_own_transport(settings):
    settings.EMAIL_BACKEND = "cdp_portal.outbox.backends.OutboxBackend"
    OutgoingEmail.objects.create(from_email="c@localhost", to=["a@example.org"], subject="x")
    with pytest.raises(ImproperlyConfigured):
        services.send_due()


@pytest.mark.django_db
def test_one_run_tries_each_message_once_even_with_no_back_off(smtp_down):
    smtp_down.PORTAL_EMAIL_RETRY_BASE_SECONDS = 0
    OutgoingEmail.objects.bulk_create(
        OutgoingEmail(from_email="c@localhost", to=["a@example.org"], subject=f"{i}", body=".")
        for i in range(5)
    )
    assert "sent 0, to retry 5, failed 0" in run("send_queued_mail", "--batch", "2")
    assert set(OutgoingEmail.objects.values_list("attempts", flat=True)) == {1}
