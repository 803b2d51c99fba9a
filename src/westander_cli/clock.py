"""The time, which scripts and tests move with WST_NOW to walk through review periods."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _

EARLIEST, LATEST = 2000, 2100
"""The years WST_NOW and --as-of may name: wide enough for any test, narrow enough that file names stay sane."""

EARLIEST_RECORDED, LATEST_RECORDED = datetime(1, 1, 2, tzinfo=UTC), datetime(9997, 1, 1, tzinfo=UTC)
"""The times a record may hold: any a clock or a person writes, but far enough inside what a date can hold that
each is a moment in UTC and in every zone (0001-01-01T01:00+05:30 is year 0 in UTC), and that the longest review
period (366 days of working time, ~1.5 years) counted from it ends in a date too (both overflowed: exit 70)."""


def recordable(moment: datetime) -> bool:
    """Whether an aware time is one a record may hold: from EARLIEST_RECORDED to LATEST_RECORDED (compared without converting it)."""
    return EARLIEST_RECORDED <= moment <= LATEST_RECORDED


def check_moment(moment: datetime) -> datetime:
    """A time in a record, as `recordable` says."""
    if not recordable(moment):
        raise ValueError(_("a time from {earliest} to {latest}").format(earliest=utc_text(EARLIEST_RECORDED), latest=utc_text(LATEST_RECORDED)))
    return moment


def now() -> datetime:
    override = os.environ.get("WST_NOW")
    if not override:
        return datetime.now(UTC)
    return parse(override, "WST_NOW")


def parse(text: str, what: str) -> datetime:
    """An ISO 8601 date-time (UTC where no offset is given), within EARLIEST..LATEST."""
    if len(text) > 40:
        raise InvalidInput(_("{what}: {count:,} characters; an ISO 8601 date-time such as 2026-11-22T09:00:00Z has about 20").format(what=what, count=len(text)))
    try:
        moment = datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z
    except (ValueError, OverflowError):
        raise InvalidInput(_("{what}: '{text}' is not an ISO 8601 date-time").format(what=what, text=text)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not EARLIEST <= moment.year <= LATEST:
        raise InvalidInput(_("{what}: '{text}' is outside {earliest}..{latest}").format(what=what, text=text, earliest=EARLIEST, latest=LATEST))
    return moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """The UTC date-time as JSON shows it: 2026-11-22T19:00:00Z."""
    return None if moment is None else utc_text(moment)


def utc_text(moment: datetime) -> str:
    """2026-11-22T19:00:00Z: a moment as JSON, signed payloads, roster records and messages write it. The year has
    four digits, as ISO 8601 wants (strftime wrote 999 for a hand-made year 999, which nothing could read back)."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
