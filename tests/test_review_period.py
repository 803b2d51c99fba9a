"""The review period in working time: weekends, Swedish public holidays and DST, through the real CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import proposal, write_proposal
from westander_cli.review_period import Counting, review_deadline


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(("start", "hours", "deadline", "why"), [
    ("2026-11-27T15:00:00+01:00", 48, "2026-12-01T15:00:00+01:00", "Friday afternoon: the weekend does not count"),
    ("2026-11-28T10:00:00+01:00", 48, "2026-12-02T00:00:00+01:00", "proposed on a Saturday: the clock starts on Monday"),
    ("2026-11-24T09:00:00+01:00", 48, "2026-11-26T09:00:00+01:00", "mid-week: two working days"),
    ("2026-06-17T12:00:00+02:00", 48, "2026-06-22T12:00:00+02:00", "midsommarafton (Fri 19 June) and the weekend"),
    ("2026-12-23T12:00:00+01:00", 48, "2026-12-29T12:00:00+01:00", "julafton, juldagen (Fri), annandag jul (Sat), weekend"),
    ("2026-12-30T12:00:00+01:00", 24, "2027-01-04T12:00:00+01:00", "nyårsafton, nyårsdagen (Fri) and the weekend"),
    ("2026-10-23T12:00:00+02:00", 48, "2026-10-27T12:00:00+01:00", "the change from summer time: the clock counts real hours"),
    ("2026-03-27T12:00:00+01:00", 48, "2026-03-31T12:00:00+02:00", "the change to summer time"),
])
def test_working_time_skips_weekends_holidays_and_counts_real_hours(start: str, hours: int, deadline: str, why: str) -> None:
    assert review_deadline(utc(start), hours, Counting.WORKING_TIME, "Europe/Stockholm") == utc(deadline), why


def test_calendar_counting_is_plain_hours() -> None:
    assert review_deadline(utc("2026-11-27T15:00:00+01:00"), 48, Counting.CALENDAR, "Europe/Stockholm") == utc("2026-11-29T15:00:00+01:00")


def test_a_friday_proposal_is_not_cleared_on_sunday(firm: Path, wst, tmp_path: Path) -> None:
    firm_toml = firm / "firm.toml"
    firm_toml.write_text(firm_toml.read_text().replace("review_hours = 48", 'review_hours = 48\nreview_counting = "working_time"'))
    path = write_proposal(tmp_path, "p", proposal(id="2026-fredag"))
    body = wst("propose", str(path), "--as", "anna", "--format", "json", now="2026-11-27T14:00:00Z").json
    assert body["review_deadline"] == "2026-12-01T14:00:00Z"  # Tuesday 15:00 in Stockholm
    sunday = wst("offer", "2026-fredag", "--as", "anna", "--format", "json", now="2026-11-29T20:00:00Z")
    assert sunday.code == 3 and "2026-12-01 15:00 CET" in " ".join(sunday.json["error"]["missing"])
    assert wst("offer", "2026-fredag", "--as", "anna", now="2026-12-01T14:00:01Z").code == 0
    # firm.toml edited back afterwards: the recorded deadline still verifies (it was computed, then recorded)
    firm_toml.write_text(firm_toml.read_text().replace('review_counting = "working_time"', ""))
    assert wst("verify").code == 0


def test_a_hand_made_deadline_that_skips_the_review_is_found(firm: Path, wst, tmp_path: Path) -> None:
    import tomllib

    from westander_cli.events import Proposed
    from westander_cli.store import event_file_name, event_text, seal

    path = write_proposal(tmp_path, "p", proposal(id="2026-kort"))
    assert wst("propose", str(path), "--as", "anna", now="2026-12-01T09:00:00Z").code == 0
    [proposed] = (firm / "engagements" / "2026-kort" / "events").glob("*-proposed-*")
    record = tomllib.loads(proposed.read_text())
    record["review_deadline"] = record["at"]
    forged = seal(Proposed.model_validate({k: v for k, v in record.items() if k != "hash"}))
    for other in proposed.parent.iterdir():
        other.unlink()  # only the forged proposal remains: its informed event followed the original
    (proposed.parent / event_file_name(forged)).write_text(event_text(forged), encoding="utf-8")
    messages = [p["message"] for p in wst("verify", "--format", "json").json["problems"]]
    assert any("review deadline" in m and "is not 48 hours after the proposal" in m for m in messages), messages
