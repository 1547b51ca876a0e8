"""Periods fixed by the calendar (the previous local day, the previous ISO week) and the
window a person's digest covers: since their previous digest, at most a few periods."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from digests.periods import MAX_PERIODS_BACK, Frequency, Period, previous_period

MONTREAL = ZoneInfo("America/Montreal")


@pytest.mark.parametrize(
    ("today", "start", "last_day"),
    [
        (date(2026, 3, 4), date(2026, 2, 23), date(2026, 3, 1)),  # a Wednesday
        (date(2026, 3, 2), date(2026, 2, 23), date(2026, 3, 1)),  # a Monday
        (date(2026, 3, 1), date(2026, 2, 16), date(2026, 2, 22)),  # a Sunday
        (date(2027, 1, 1), date(2026, 12, 21), date(2026, 12, 27)),  # across a year
    ],
)
def test_weekly_is_the_previous_iso_week(today, start, last_day):
    period = previous_period(Frequency.WEEKLY, today)
    assert (period.start, period.last_day) == (start, last_day)
    assert period.start.isoweekday() == 1
    assert period.end - period.start == timedelta(days=7)


def test_daily_is_the_previous_local_day(settings):
    settings.TIME_ZONE = "America/Montreal"
    with timezone.override(MONTREAL):
        period = previous_period(Frequency.DAILY, date(2026, 3, 9))
        assert period.start == date(2026, 3, 8)
        # 8 March 2026 is the day clocks go forward: 23 hours, from local midnight to
        # local midnight.
        assert period.starts_at == datetime(2026, 3, 8, tzinfo=MONTREAL)
        assert period.ends_at == datetime(2026, 3, 9, tzinfo=MONTREAL)
        # (Python subtracts wall-clock times in one zone: compare the instants.)
        assert period.ends_at.timestamp() - period.starts_at.timestamp() == 23 * 3600


def test_the_local_date_decides(settings):
    """At 22:00 in Montreal it is already tomorrow in UTC: the period is still the local
    calendar's."""
    settings.TIME_ZONE = "America/Montreal"
    evening = datetime(2026, 6, 10, 22, 0, tzinfo=MONTREAL)
    with timezone.override(MONTREAL):
        today = timezone.localdate(evening)
        assert previous_period(Frequency.DAILY, today).start == date(2026, 6, 9)


def test_a_weekly_period_starts_on_a_monday_and_frequencies_are_known():
    with pytest.raises(ValueError, match="Monday"):
        Period(Frequency.WEEKLY, date(2026, 3, 4))
    with pytest.raises(ValueError, match="Unknown"):
        Period("monthly", date(2026, 3, 2))
    with pytest.raises(ValueError, match="Unknown"):
        Period(Frequency.NONE, date(2026, 3, 2))


def test_the_window_runs_from_the_previous_digest_within_limits():
    period = Period(Frequency.DAILY, date(2026, 3, 4))
    # The first digest: the period itself.
    assert period.window_for(None) == (period.starts_at, period.ends_at)
    # A missed run: since the previous digest.
    two_days_before = period.starts_at - timedelta(days=2)
    assert period.window_for(two_days_before) == (two_days_before, period.ends_at)
    # Coming back after a year: no more than MAX_PERIODS_BACK periods.
    start, _end = period.window_for(period.starts_at - timedelta(days=365))
    assert start == period.ends_at - timedelta(days=MAX_PERIODS_BACK)
    # Already covered (the weekly digest that ended later, before a switch to daily).
    later = period.ends_at + timedelta(days=3)
    assert period.window_for(later) == (period.ends_at, period.ends_at)
