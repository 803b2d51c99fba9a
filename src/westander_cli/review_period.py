"""The colleagues' review period: calendar hours, or working time that stops over weekends and
Swedish public holidays (midsommarafton, julafton and nyårsafton included), counted in the firm's
time zone so that a proposal made on a Friday afternoon is not cleared on Sunday before anyone is back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from westander_cli.i18n import _


class Counting(StrEnum):
    CALENDAR = "calendar"
    """Every hour counts (wst 0.1's behaviour, and the default for existing firms)."""
    WORKING_TIME = "working_time"
    """Only the hours of working days count: the clock stops over weekends and public holidays."""


def review_deadline(start: datetime, hours: int, counting: Counting, zone: str) -> datetime:
    """When `hours` of review time have passed since `start` (UTC in, UTC out)."""
    if counting == Counting.CALENDAR:
        return start + timedelta(hours=hours)
    tz = ZoneInfo(zone)
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(tz)
    while True:
        day = cursor.date()
        day_ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        if is_working_day(day):
            available = day_ends.astimezone(UTC) - cursor.astimezone(UTC)  # absolute time: DST days have 23 or 25 hours
            if remaining <= available:
                return cursor.astimezone(UTC) + remaining
            remaining -= available
        cursor = day_ends


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _swedish_holidays(day.year)


@cache
def _swedish_holidays(year: int) -> frozenset[date]:
    import holidays  # ~70 ms: only where a deadline is computed (propose, verify)

    return frozenset(holidays.country_holidays("SE", years=year, categories=("public", "de_facto")))


def check_time_zone(name: str) -> str:
    """An IANA time zone that this machine (or the tzdata package) knows."""
    from zoneinfo import ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(_("'{value}' is not a known time zone (e.g. 'Europe/Stockholm')").format(value=name[:60])) from None
    return name
