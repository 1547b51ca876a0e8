"""The background work of the digests: one task per batch of people, queued by
`manage.py send_digests`; run at once or by `manage.py db_worker`, as `settings.TASKS`
says. Safe to run twice or late: a person's digest of a period is recorded once."""

from __future__ import annotations

from datetime import date

from cdp_portal.core.tasks import traced_task

from . import services
from .periods import Period


@traced_task()
def send_digest_batch(frequency: str, period_start: str, user_ids: list[int]) -> dict[str, int]:
    """The digest of the period starting on `period_start` (ISO date) for these people."""
    period = Period(frequency, date.fromisoformat(period_start))
    return services.digest_batch_send(period=period, user_ids=user_ids).as_dict()
