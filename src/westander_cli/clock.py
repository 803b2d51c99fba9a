"""The time, which scripts and tests move with WST_NOW to walk through review periods."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from westander_cli.errors import InvalidInput


def now() -> datetime:
    override = os.environ.get("WST_NOW")
    if not override:
        return datetime.now(UTC)
    return parse(override, "WST_NOW")


def parse(text: str, what: str) -> datetime:
    """An ISO 8601 date-time (UTC where no offset is given)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{what}: '{text[:60]}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """The UTC date-time as JSON shows it: 2026-11-22T19:00:00Z."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
