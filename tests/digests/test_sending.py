"""`manage.py send_digests`: one message per person and period through the task queue and
the outbox, bilingual, plain text and HTML, with the one-click unsubscribe headers; never
twice, even run twice or stopped half way; nothing for who has nothing to tell; a dry run
writes nothing; bad arguments are clear errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, ManagementUtility, call_command

from cdp_portal.outbox.models import OutgoingEmail
from communities.models import Profile
from digests import services
from digests.models import DigestDelivery
from digests.periods import Frequency, Period
from tests.core.test_workers import _start_worker
from tests.digests.conftest import PEOPLE, DigestWorld
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def send(*args: str) -> str:
    out = StringIO()
    call_command("send_digests", "--frequency", "weekly", *args, stdout=out, stderr=out)
    return out.getvalue()


def messages_to(email: str) -> list[OutgoingEmail]:
    return [row for row in OutgoingEmail.objects.order_by("pk") if email in row.to]


def test_everyone_with_news_gets_one_message_once(
    digest_world: DigestWorld, period: Period, django_capture_on_commit_callbacks
):
    w = digest_world
    quiet = make_member(w.open)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        output = send()
    assert f"Sent {len(PEOPLE)} digest(s)" in output
    for name in PEOPLE:
        assert len(messages_to(w.visitor(name).email)) == 1, name
    # The outbox sent them (immediate task backend, locmem transport).
    assert sorted(m.to[0] for m in mail.outbox) == sorted(w.visitor(n).email for n in PEOPLE)
    # Nothing to tell: no message, but the period is recorded as done.
    assert messages_to(quiet.email) == []
    delivery = DigestDelivery.objects.get(user=quiet)
    assert (delivery.email, delivery.item_count, delivery.period_start) == (None, 0, period.start)
    sent = DigestDelivery.objects.get(user=w.admin)
    assert sent.email is not None and sent.item_count > 0
    assert (sent.window_start, sent.window_end) == (period.starts_at, period.ends_at)

    # Again: every period is done, nobody gets a second message.
    deliveries = DigestDelivery.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        output = send()
    assert "0 people to go" in output
    assert OutgoingEmail.objects.count() == len(PEOPLE)
    assert DigestDelivery.objects.count() == deliveries


def test_the_message_is_bilingual_text_and_html_with_one_click_unsubscribe(
    digest_world: DigestWorld, django_capture_on_commit_callbacks
):
    w = digest_world
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send()
    (message,) = [m for m in mail.outbox if m.to == [w.open_member.email]]
    assert message.subject == "[CdP] Votre résumé de la semaine / Your weekly digest"
    text = message.body
    assert text.index("Bonjour") < text.index("— English version —") < text.index("Hello")
    assert "Appels à l'aide pour vos expertises" in text and "Calls for help" in text
    assert "Nouveau sujet open" in text and "Ressource institution" in text
    # Never a closed or private community's content for a member of neither.
    assert "closed" not in text and "private" not in text
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert '<div lang="fr">' in html and '<div lang="en">' in html
    assert "Nouveau sujet open</a>" in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/digests/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in text
    assert "/profile/edit/#digest" in text


def test_a_run_stopped_half_way_is_finished_by_the_next_without_doubles(
    digest_world: DigestWorld, monkeypatch, django_capture_on_commit_callbacks
):
    """The process dies while storing the third batch's message: the two batches before
    are done, the third left nothing; the next run sends the rest, once."""
    queue = services.queue_messages
    calls = []

    def dies_on_the_third(messages):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # what a killed process looks like from inside
        return queue(messages)

    monkeypatch.setattr(services, "queue_messages", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt), django_capture_on_commit_callbacks(execute=True):
        send("--batch-size", "1")
    sent_first = OutgoingEmail.objects.count()
    assert 0 < sent_first < len(PEOPLE)
    monkeypatch.setattr(services, "queue_messages", queue)
    with django_capture_on_commit_callbacks(execute=True):
        send("--batch-size", "1")
    w = digest_world
    for name in PEOPLE:
        assert len(messages_to(w.visitor(name).email)) == 1, name
    assert OutgoingEmail.objects.count() == len(PEOPLE)


def test_a_failing_batch_sends_nothing_and_the_next_run_finishes_it(
    digest_world: DigestWorld, monkeypatch, django_capture_on_commit_callbacks
):
    w = digest_world
    render = services.digest_message

    def fails_for_the_admin(digest, period):
        if digest.user.pk == w.admin.pk:
            raise RuntimeError("template broken")
        return render(digest, period)

    monkeypatch.setattr(services, "digest_message", fails_for_the_admin)
    with (
        pytest.raises(CommandError, match="1 batch"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send("--batch-size", "3")
    assert messages_to(w.admin.email) == []
    assert not DigestDelivery.objects.filter(user=w.admin).exists()
    done = OutgoingEmail.objects.count()
    # The admin's batch left nothing: its two other people wait too.
    assert done == len(PEOPLE) - 1 - sum(
        1 for name in PEOPLE if name != "admin" and not messages_to(w.visitor(name).email)
    )
    monkeypatch.setattr(services, "digest_message", render)
    with django_capture_on_commit_callbacks(execute=True):
        send("--batch-size", "3")
    for name in PEOPLE:
        assert len(messages_to(w.visitor(name).email)) == 1, name


def test_two_batches_of_the_same_people_record_them_once(digest_world: DigestWorld, period):
    """Two workers given the same people (two runs at once): the second finds them done."""
    ids = [digest_world.visitor(name).pk for name in PEOPLE]
    first = services.digest_batch_send(period=period, user_ids=ids)
    second = services.digest_batch_send(period=period, user_ids=ids)
    assert first.sent == len(PEOPLE)
    assert (second.sent, second.empty, second.skipped) == (0, 0, len(PEOPLE))
    assert OutgoingEmail.objects.count() == len(PEOPLE)


def test_who_chose_another_frequency_or_none_gets_nothing(
    digest_world: DigestWorld, django_capture_on_commit_callbacks
):
    w = digest_world
    Profile.objects.filter(user=w.open_member).update(digest_frequency=Frequency.DAILY)
    Profile.objects.filter(user=w.closed_member).update(digest_frequency=Frequency.NONE)
    w.private_member.is_active = False
    w.private_member.save()
    with django_capture_on_commit_callbacks(execute=True):
        send()
    for person in (w.open_member, w.closed_member, w.private_member):
        assert messages_to(person.email) == []
    assert len(messages_to(w.admin.email)) == 1


def test_the_next_digest_starts_where_the_previous_ended(digest_world: DigestWorld, period: Period):
    w = digest_world
    earlier = Period(Frequency.WEEKLY, period.start - (period.end - period.start))
    services.digest_batch_send(period=earlier, user_ids=[w.admin.pk])
    # A daily digest the day after: it starts where the weekly one ended.
    services.digest_batch_send(period=period, user_ids=[w.admin.pk])
    windows = list(
        DigestDelivery.objects.filter(user=w.admin)
        .order_by("period_start")
        .values_list("window_start", "window_end")
    )
    assert windows == [(earlier.starts_at, earlier.ends_at), (period.starts_at, period.ends_at)]


def test_dry_run_writes_nothing_and_says_who_would_get_what(
    digest_world: DigestWorld, django_capture_on_commit_callbacks
):
    w = digest_world
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = send("--dry-run")
    assert callbacks == []
    assert not DigestDelivery.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []
    assert f"{w.closed_animator.email}: 2 calls, 2 discussions, 3 resources" in output
    assert "1 membership requests" in output and "1 tasks" in output
    assert f"would go to {len(PEOPLE)} of" in output
    assert w.writer.email not in output  # nothing to tell


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "the following arguments are required: --frequency"),
        (("--frequency", "monthly"), "invalid choice: 'monthly'"),
        (("--frequency", "none"), "invalid choice: 'none'"),
        (("--frequency", "weekly", "--batch-size", "0"), "--batch-size must be a positive"),
        (("--frequency", "weekly", "--batch-size", "lots"), "invalid int value: 'lots'"),
    ],
)
def test_bad_arguments_are_clear_errors(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("send_digests", *args, stdout=StringIO(), stderr=StringIO())


def test_bad_arguments_exit_non_zero_without_a_traceback(db, capsys):
    utility = ManagementUtility(["manage.py", "send_digests", "--frequency", "hourly"])
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code != 0
    error = capsys.readouterr().err
    assert "invalid choice: 'hourly'" in error
    assert "Traceback" not in error


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_command_queues_and_a_worker_sends(
    digest_world: DigestWorld, settings, tmp_path
):
    """Production's way (PORTAL_TASKS_BACKEND=database): the command only queues the
    batches; `manage.py db_worker` reads, renders, stores and sends them."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    output = send("--batch-size", "4")
    batches = DBTaskResult.objects.ready().count()
    assert f"Queued {batches} batch(es)" in output and batches >= 3
    # Nothing read, rendered nor stored yet: the workers do it.
    assert not DigestDelivery.objects.exists() and not OutgoingEmail.objects.exists()
    worker = _start_worker(tmp_path, "digests-worker")
    output = worker.communicate(timeout=180)[0]
    assert worker.returncode == 0, output
    for name in PEOPLE:
        assert len(messages_to(digest_world.visitor(name).email)) == 1, name
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert "0 people to go" in send()
