"""The periods a digest covers, fixed by the calendar so that every run agrees on them:
a daily digest covers the previous local day (settings.TIME_ZONE), a weekly one the
previous ISO week (Monday to Sunday). A period is named by its frequency and its first
day; `DigestDelivery` keeps one row per person and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from communities.models import Profile

Frequency = Profile.DigestFrequency
# The frequencies a digest is sent at (not "none").
FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)
LENGTH_IN_DAYS: dict[str, int] = {Frequency.DAILY: 1, Frequency.WEEKLY: 7}
# A digest covers what happened since the person's previous one (a run missed, a change
# of frequency), but never more than this many periods back: someone who comes back to
# the digest after a year gets a week, not a year.
MAX_PERIODS_BACK = 4


def local_midnight(day: date) -> datetime:
    """The moment `day` starts in the portal's time zone (a daylight-saving change never
    falls at midnight in America/Montreal; `make_aware` picks the right offset)."""
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    frequency: str
    start: date  # its first day

    def __post_init__(self) -> None:
        if self.frequency not in LENGTH_IN_DAYS:
            raise ValueError(f"Unknown digest frequency: {self.frequency!r}")
        if self.frequency == Frequency.WEEKLY and self.start.isoweekday() != 1:
            raise ValueError(f"A weekly period starts on a Monday, not {self.start}")

    @property
    def end(self) -> date:
        """The day after its last day."""
        return self.start + timedelta(days=LENGTH_IN_DAYS[self.frequency])

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        return local_midnight(self.start)

    @property
    def ends_at(self) -> datetime:
        return local_midnight(self.end)

    @property
    def earliest_start(self) -> datetime:
        """The earliest a person's window may start (see `MAX_PERIODS_BACK`)."""
        days = LENGTH_IN_DAYS[self.frequency] * MAX_PERIODS_BACK
        return local_midnight(self.end - timedelta(days=days))

    def window_for(self, previous_end: datetime | None) -> tuple[datetime, datetime]:
        """What a person's digest of this period covers: since the end of their previous
        digest (whatever its frequency), or the period itself for their first one; never
        from before `earliest_start`. Empty (start == end) when a digest already covered
        it, e.g. the daily ones of a person who just chose weekly."""
        if previous_end is None:
            return self.starts_at, self.ends_at
        start = min(max(previous_end, self.earliest_start), self.ends_at)
        return start, self.ends_at


def previous_period(frequency: str, today: date | None = None) -> Period:
    """The last complete period before `today` (the local date by default)."""
    today = today or timezone.localdate()
    if frequency == Frequency.WEEKLY:
        this_monday = today - timedelta(days=today.isoweekday() - 1)
        return Period(frequency, this_monday - timedelta(days=7))
    return Period(frequency, today - timedelta(days=1))
