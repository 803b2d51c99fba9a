"""The time, which scripts and tests move with WST_NOW to walk through review periods."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _

EARLIEST, LATEST = 2000, 2100
"""The years WST_NOW and --as-of may name: wide enough for any test, narrow enough that file names stay sane."""


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
    """2026-11-22T19:00:00Z: a moment as JSON, signed payloads, roster records and messages write it."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime leaves such a year unpadded here: keep exactly what it wrote
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{utc.year}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"  # strftime's text, 2 us sooner
