"""Issue 9: random histories. Commands by random people at random times (clocks skewed by up to a day
either way), split across two clones (two data folders) and merged by copying event files both ways,
as git does. After every merge `show`, `list`, `status` and `offer` agree in both clones; a vetoed
engagement is never offered, won or published; `verify` never reports an error on a history that only
honest commands produced (warnings are allowed)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, proposal, write_proposal
from westander_cli.cli.app import main

PID = "2026-slump"
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
PEOPLE = ["anna", "erik", "sara", "jonas", "petra"]
COMMANDS: list[list[str]] = [
    ["ack"], ["comment", "{id}", "Synpunkt"], ["object", "{id}", "--reason", "Nej"], ["object", "{id}", "--personal"],
    ["object", "{id}", "--withdraw"], ["approve", "{id}", "--reason", "Ok"], ["veto", "{id}", "--reason", "Nej"], ["withdraw"],
    ["offer"], ["offer"], ["won"], ["lost"], ["end"], ["team", "{id}", "add", "jonas"], ["team", "{id}", "remove", "jonas"],
    ["assign", "{id}", "sara"], ["assign", "{id}", "anna"], ["criticism", "{id}", "--note", "Kritik"],
]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def cli(data: Path, now: datetime, *args: str) -> tuple[int, str, str]:
    os.environ["WST_NOW"] = iso(now)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "--data", str(data)])
    return code, out.getvalue(), err.getvalue()


def view(data: Path, now: datetime, *args: str) -> Any:
    code, out, err = cli(data, now, *args, "--format", "json")
    assert code == 0, (args, err)
    return json.loads(out)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A firm with one proposed engagement, every colleague informed."""
    root = tmp_path_factory.mktemp("history")
    data = root / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("outbox", ".wst", "seed", "examples", "engagements"))
    saved = dict(os.environ)
    os.environ.update({"WST_POLICIES": str(REPO / "policies")})
    os.environ.pop("WST_USER", None)
    try:
        path = write_proposal(root, "p", proposal(id=PID))
        assert cli(data, T0, "propose", str(path), "--as", "anna")[0] == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return data


step = st.one_of(
    st.tuples(st.integers(0, 1), st.sampled_from(range(len(COMMANDS))), st.sampled_from(PEOPLE),
              st.integers(0, 96 * 60), st.integers(-24 * 60, 24 * 60)),
    st.just("merge"),
)


def merge(one: Path, two: Path) -> None:
    """What `git pull` does to append-only event files: the union, in both clones."""
    for source, target in ((one, two), (two, one)):
        for path in (source / "engagements").rglob("*.toml"):
            other = target / path.relative_to(source)
            if not other.exists():
                other.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, other)


def check_agreement(one: Path, two: Path, now: datetime, scratch: Path) -> None:
    listed = view(one, now, "list")
    assert listed == view(two, now, "list")
    shown = view(one, now, "show", PID)
    assert shown == view(two, now, "show", PID)
    for person in ("anna", "petra", "sara"):
        assert view(one, now, "status", "--as", person) == view(two, now, "status", "--as", person)
    lead = shown["engagement"]["lead"]
    offers = []
    for clone in (one, two):
        probe = scratch / f"probe-{clone.name}"
        shutil.rmtree(probe, ignore_errors=True)
        shutil.copytree(clone, probe, ignore=shutil.ignore_patterns(".wst", "outbox"))
        offers.append(cli(probe, now, "offer", PID, "--as", lead)[0])
    assert offers[0] == offers[1]
    if shown["engagement"]["state"] == "vetoed":
        assert offers[0] != 0
        assert PID not in json.dumps(view(one, now, "publish"))
        assert [e["state"] for e in listed["engagements"] if e["id"] == PID] == ["vetoed"]


def run_history(template: Path, steps: list[Any]) -> None:
    saved = dict(os.environ)
    os.environ.update({"WST_POLICIES": str(REPO / "policies")})
    os.environ.pop("WST_USER", None)
    scratch = Path(tempfile.mkdtemp(prefix="wst-history-"))
    try:
        clones = [scratch / "one", scratch / "two"]
        for clone in clones:
            shutil.copytree(template, clone)
        vetoed_seen = False
        latest = T0
        for item in [*steps, "merge"]:
            if item == "merge":
                merge(*clones)
                look = latest + timedelta(hours=1)
                check_agreement(clones[0], clones[1], look, scratch)
                state = view(clones[0], look, "show", PID)["engagement"]["state"]
                if vetoed_seen:
                    assert state == "vetoed"
                continue
            side, command, person, minutes, skew = item
            wall = T0 + timedelta(minutes=minutes)
            latest = max(latest, wall)
            args = [a.replace("{id}", PID) for a in COMMANDS[command]] if "{id}" in COMMANDS[command] else [*COMMANDS[command], PID]
            code, _, err = cli(clones[side], wall + timedelta(minutes=skew), *args, "--as", person)
            assert code in (0, 2, 3, 4), err
            if code == 0 and args[0] == "veto":
                vetoed_seen = True
        for clone in clones:
            code, out, _ = cli(clone, latest + timedelta(days=2), "verify", "--format", "json")
            problems = json.loads(out)["problems"]
            assert not [p for p in problems if p["severity"] == "error"], problems
            assert code == 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_random_merged_histories_agree_and_stay_green(template: Path, steps: list[Any]) -> None:
    run_history(template, steps)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=5, max_size=30))
def test_random_merged_histories_agree_and_stay_green_long(template: Path, steps: list[Any]) -> None:
    run_history(template, steps)


def objection_merged_with(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *steps: str) -> tuple[Path, Path, datetime]:
    """Two clones after every colleague's ack: sara objects in one while the lead records `steps` in the other,
    then they merge. The clones and the moment of both."""
    monkeypatch.setenv("WST_POLICIES", str(REPO / "policies"))
    monkeypatch.delenv("WST_USER", raising=False)
    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(template, one)
    for person in ("erik", "sara", "jonas", "petra"):
        assert cli(one, T0, "ack", PID, "--as", person)[0] == 0
    shutil.copytree(one, two)
    later = T0 + timedelta(hours=1)
    assert cli(one, later, "object", PID, "--reason", "Motpart", "--as", "sara")[0] == 0
    for step in steps:
        assert cli(two, later, step, PID, "--as", "anna")[0] == 0
    merge(one, two)
    return one, two, later


def test_an_objection_concurrent_with_offer_and_won_is_shown_to_the_ceo(template: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by attacking: the lead offers and marks it won in one clone while a colleague objects in the
    other. After the merge the engagement stays won, but show says `reopened`, verify warns, the CEO's
    status lists it, and a CEO approval that follows the objection settles it."""
    one, two, later = objection_merged_with(template, tmp_path, monkeypatch, "offer", "won")
    for clone in (one, two):
        shown = view(clone, later, "show", PID)["engagement"]
        assert shown["state"] == "won" and shown["reopened"] is True
        assert [a["id"] for a in view(clone, later, "status", "--as", "petra")["awaiting"]] == [PID]
        problems = view(clone, later, "verify")["problems"]
        assert [p["severity"] for p in problems] == ["warning"] and "wst approve" in problems[0]["message"]
    assert cli(two, later, "approve", PID, "--as", "petra")[0] == 0
    merge(one, two)
    for clone in (one, two):
        assert view(clone, later, "show", PID)["engagement"]["reopened"] is False
        assert view(clone, later, "verify")["problems"] == []


@pytest.mark.parametrize("ended_in_the_lead_clone", [True, False], ids=["ended-concurrently", "ended-after-the-merge"])
def test_ending_the_engagement_does_not_bury_a_concurrent_objection(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   ended_in_the_lead_clone: bool) -> None:
    """Found by attacking: a colleague's objection, concurrent with the offer and won, was buried by the lead's
    ordinary `wst end` (after the merge, or in the lead's own clone before it): show, the CEO's status and verify
    went quiet. Now `end` waits for the CEO's decision, and an `end` recorded concurrently leaves the engagement
    reopened: shown, listed for the CEO, warned about by verify, until the CEO approves."""
    one, two, later = objection_merged_with(template, tmp_path, monkeypatch, "offer", "won", *(["end"] if ended_in_the_lead_clone else []))
    if not ended_in_the_lead_clone:
        code, _out, err = cli(two, later, "end", PID, "--as", "anna")
        assert code == 3 and "open objection" in err
    for clone in (one, two):
        shown = view(clone, later, "show", PID)["engagement"]
        assert shown["state"] == ("ended" if ended_in_the_lead_clone else "won") and shown["reopened"] is True
        assert [a["id"] for a in view(clone, later, "status", "--as", "petra")["awaiting"]] == [PID]
        problems = view(clone, later, "verify")["problems"]
        assert [p["severity"] for p in problems] == ["warning"] and "wst approve" in problems[0]["message"]
        assert "wst veto" not in problems[0]["message"]
    assert cli(two, later, "approve", PID, "--as", "petra")[0] == 0
    merge(one, two)
    for clone in (one, two):
        assert view(clone, later, "show", PID)["engagement"]["reopened"] is False
        assert view(clone, later, "verify")["problems"] == []
        assert view(clone, later, "status", "--as", "petra")["awaiting"] == []
    if not ended_in_the_lead_clone:
        assert cli(two, later, "end", PID, "--as", "anna")[0] == 0
