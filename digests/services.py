"""Sending a period's digests, a batch of people at a time, and unsubscribing.

A batch reads its digests (`contents`), renders the messages, then in one transaction
records a `DigestDelivery` per person (INSERT … ON CONFLICT DO NOTHING on the unique
person-frequency-period constraint) and stores in the outbox the messages of the people
it recorded, and only theirs. A second run, a run that crashed half way, or two runs at
once therefore never send a period twice: what a committed batch recorded is skipped, a
batch that failed left nothing and is done again in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from cdp_portal.accounts.permissions import with_portal_admin_fact
from cdp_portal.accounts.types import User
from cdp_portal.outbox.mailing import absolute_url, bilingual_message
from cdp_portal.outbox.services import queue_messages
from communities.models import Profile

from .contents import Digest, DigestReader, due_by
from .leads import find_leads
from .models import DigestDelivery
from .periods import Period
from .prepared import generic_plans
from .tokens import unsubscribe_token

# People per task: enough for the set-based queries of `find_leads` to pay, few enough
# for a batch that fails to be cheap to do again.
BATCH_SIZE = 200
# Delivery rows older than this are forgotten: a window never reaches back that far
# (`periods.MAX_PERIODS_BACK`).
KEEP_DAYS = 120


def people_due(period: Period) -> QuerySet[User]:
    """Active people with an address whose profile asks for this period's frequency and
    who have no digest of it yet, by id."""
    done = DigestDelivery.objects.filter(
        user=OuterRef("pk"), frequency=period.frequency, period_start=period.start
    )
    return (
        User.objects.filter(is_active=True, profile__digest_frequency=period.frequency)
        .exclude(email="")
        .exclude(Exists(done))
        .order_by("pk")
    )


def people_still_due(period: Period, user_ids: list[int]) -> list[User]:
    """The batch's people who still ask for this digest when it runs (a worker may run
    it later than the command queued it), with whether they administer the portal."""
    return list(
        with_portal_admin_fact(people_due(period).filter(pk__in=user_ids)).only(
            "email", "display_name", "first_name", "last_name", "is_active", "is_superuser"
        )
    )


def _previous_ends(user_ids: list[int]) -> dict[int, datetime]:
    """Where each person's previous digest ended, whatever its frequency."""
    rows = (
        DigestDelivery.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(end=Max("window_end"))
        .values_list("user_id", "end")
    )
    return dict(rows)


def collect_digests(period: Period, users: list[User]) -> list[Digest]:
    """These people's digests of `period`, read now (nothing is written)."""
    if not users:
        return []
    ends = _previous_ends([user.pk for user in users])
    windows = {user.pk: period.window_for(ends.get(user.pk)) for user in users}
    since = min(start for start, _end in windows.values())
    tasks_due_by = due_by(period.end)
    with generic_plans():
        leads = find_leads(users, since, period.ends_at, tasks_due_by)
        reader = DigestReader(leads, due_by=tasks_due_by)
        return [reader.digest(user, *windows[user.pk]) for user in users]


def unsubscribe_url(user_id: int, frequency: str) -> str:
    token = unsubscribe_token(user_id, frequency)
    return absolute_url(reverse("digests:unsubscribe", args=[token]))


def digest_message(digest: Digest, period: Period) -> EmailMultiAlternatives:
    """French then English, plain text and HTML, with the one-click unsubscribe headers
    of RFC 8058 (a mail client's button POSTs to the same address as the link)."""
    user = digest.user
    unsubscribe = unsubscribe_url(user.pk, period.frequency)
    context = {
        "digest": digest,
        "recipient": user,
        "weekly": period.frequency == Profile.DigestFrequency.WEEKLY,
        "first_day": timezone.localtime(digest.since).date(),
        "last_day": period.last_day,
        "preferences_url": absolute_url(reverse("directory:profile_edit") + "#digest"),
        "resource_flags_url": absolute_url(reverse("resources:flags")),
        "unsubscribe_url": unsubscribe,
    }
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return bilingual_message(
        "digests/email/digest", context, user.email, html=True, headers=headers
    )


_RECORD_SQL = """
INSERT INTO {table}
    (user_id, frequency, period_start, window_start, window_end, item_count, created_at)
SELECT person, %s, %s, since, until, items, now()
FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::integer[])
    AS batch (person, since, until, items)
ON CONFLICT (user_id, frequency, period_start) DO NOTHING
RETURNING user_id, id
"""


def _record(period: Period, digests: list[Digest]) -> dict[int, int]:
    """A delivery row for each person who has none for this period yet, in one
    statement; returns {person: row} for those recorded now. A concurrent run's rows,
    committed or not, are skipped (PostgreSQL waits for the other transaction to end)."""
    sql = _RECORD_SQL.format(table=DigestDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                period.frequency,
                period.start,
                [digest.user.pk for digest in digests],
                [digest.since for digest in digests],
                [digest.until for digest in digests],
                [digest.item_count for digest in digests],
            ],
        )
        return dict(cursor.fetchall())


@dataclass
class BatchOutcome:
    sent: int = 0
    empty: int = 0
    skipped: int = 0  # done by an earlier or concurrent run, or no longer asking for it

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "empty": self.empty, "skipped": self.skipped}


def digest_batch_send(*, period: Period, user_ids: list[int]) -> BatchOutcome:
    """Send `period`'s digest to these people, once each (see the module's docstring)."""
    digests = collect_digests(period, people_still_due(period, user_ids))
    messages = {d.user.pk: digest_message(d, period) for d in digests if not d.is_empty}
    outcome = BatchOutcome(skipped=len(set(user_ids)) - len(digests))
    with transaction.atomic():
        recorded = _record(period, digests)
        sending = [d for d in digests if d.user.pk in recorded and not d.is_empty]
        stored = queue_messages(messages[d.user.pk] for d in sending)
        DigestDelivery.objects.bulk_update(
            [
                DigestDelivery(pk=recorded[d.user.pk], email_id=row.pk)
                for d, row in zip(sending, stored, strict=True)
            ],
            ["email"],
        )
    outcome.sent = len(sending)
    outcome.empty = len(recorded) - len(sending)
    outcome.skipped += len(digests) - len(recorded)
    return outcome


def in_batches(user_ids: list[int], size: int = BATCH_SIZE) -> list[list[int]]:
    return [user_ids[start : start + size] for start in range(0, len(user_ids), size)]


def deliveries_prune(today: date) -> int:
    """Forget the delivery rows no window reaches any more (`KEEP_DAYS`)."""
    cutoff = today - timedelta(days=KEEP_DAYS)
    deleted, _per_model = DigestDelivery.objects.filter(period_start__lt=cutoff).delete()
    return deleted


@transaction.atomic
def digest_unsubscribe(*, user: User, frequency: str) -> bool:
    """Stop the `frequency` digest for the person (their choice becomes "none"); False
    when they were not getting it any more (unsubscribed already, or another frequency
    chosen since the link was sent: that choice stands)."""
    changed = Profile.objects.filter(user=user, digest_frequency=frequency).update(
        digest_frequency=Profile.DigestFrequency.NONE, updated_at=timezone.now()
    )
    return bool(changed)
