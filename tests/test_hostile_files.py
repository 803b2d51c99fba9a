"""Issue 12: hostile files of every kind wst reads, run through the commands that read them.

Each case runs the real `wst` in a subprocess under a 512 MB address-space limit and a CPU-time
limit: exit 0/1/2/3/4 only, never 70, never a traceback, one line per error, nothing written on
failure. The quick variant runs on every test run; the big one is marked slow.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, WST, files_under
from westander_cli.store import dump_toml

MEMORY = 512 * 1024 * 1024
CPU_SECONDS = 20
ENGAGEMENT = "2026-skogsagarna-norr-massaved"
GOOD_PROPOSAL = 'title = "T"\ndescription = "D"\n[client]\nname = "Laddkraft Sverige AB"\n'


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _hostile_text(base: str) -> st.SearchStrategy[str]:
    """Text a careless or hostile person could leave: deep nesting, long keys, controls, junk in a real file."""
    deep = st.integers(1, 200_000)
    pieces = st.one_of(
        deep.map(lambda n: "x = " + "[" * n + "]" * n + "\n"),
        deep.map(lambda n: "x = " + "[" * n + "\n"),
        deep.map(lambda n: "x" + ".x" * n + " = 1\n"),
        deep.map(lambda n: "[" + "a." * n + "a]\n"),
        st.integers(1, 20_000).map(lambda n: "x = " + "{a = " * n + "1" + "}" * n + "\n"),
        st.integers(1, 10_000).map(lambda n: "x = " + "9" * n + "\n"),
        st.integers(1, 300_000).map(lambda n: 'x = "' + "\x1b[2J\u202e" * (n // 8) + '"\n'),
        st.text(max_size=200),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
        st.sampled_from(["\x00", "\ufeff", '"""', "'''", "[[", "]]", "=", "\\u0000", "\r", "\ud800"]),
    )
    return st.tuples(st.integers(0, max(len(base), 1)), pieces, st.booleans()).map(
        lambda t: (base[: t[0]] + t[1] + base[t[0]:]) if t[2] else t[1]
    )


def _place(kind: str, root: Path, text: str) -> tuple[Path, list[list[str]]]:
    """Write the hostile text where wst would read a file of this kind; return it and the commands that read it."""
    data, policies = root / "data", root / "policies"
    proposal = root / "proposal.toml"
    proposal.write_text(GOOD_PROPOSAL, encoding="utf-8")
    targets: dict[str, tuple[Path, list[list[str]]]] = {
        "proposal": (proposal, [["check", str(proposal)], ["propose", str(proposal), "--as", "anna"]]),
        "event": (data / "engagements" / ENGAGEMENT / "events" / "20260121T100000000000Z-comment-0123456789ab.toml",
                  [["log", ENGAGEMENT], ["verify"], ["publish", "-f", "json"], ["report"]]),
        "people": (data / "people.toml", [["validate"], ["list"], ["status", "--as", "anna"]]),
        "firm": (data / "firm.toml", [["validate"], ["list"]]),
        "policy": (policies / "kundpolicy.toml", [["check", str(proposal)], ["policy", "list"], ["validate"]]),
        "registry": (data / "registry" / "exempel-agare.toml", [["check", str(proposal)], ["validate"]]),
        "bods": (root / "bods.json", [["registry", "import", str(root / "bods.json")]]),
    }
    path, commands = targets[kind]
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path, commands


def _run_case(kind: str, text: str, command_filter: Callable[[list[list[str]]], list[list[str]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("outbox", ".wst", "seed", "examples"))
        shutil.copytree(REPO / "policies", root / "policies")
        _, commands = _place(kind, root, text)
        env = {**os.environ, "WST_DATA": str(root / "data"), "WST_POLICIES": str(root / "policies"),
               "WST_NOW": "2026-12-01T09:00:00Z", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("WST_FORMAT", None)
        env.pop("WST_USER", None)
        for args in command_filter(commands):
            before = files_under(root / "data")
            result = subprocess.run([*WST, *args], capture_output=True, text=True, env=env, cwd=root,
                                    timeout=CPU_SECONDS * 3, preexec_fn=_limits, check=False)
            assert result.returncode in (0, 1, 2, 3, 4), f"{kind} {args}: exit {result.returncode}: {result.stderr[-500:]}"
            assert "Traceback" not in result.stderr, f"{kind} {args}: {result.stderr[-500:]}"
            if result.returncode == 2:
                assert result.stderr.startswith("wst: error: "), f"{kind} {args}: {result.stderr[:300]}"
                assert files_under(root / "data") == before, f"{kind} {args}: wrote on failure"


def _base(kind: str) -> str:
    return {
        "proposal": GOOD_PROPOSAL,
        "event": (REPO / "data" / "engagements" / ENGAGEMENT / "events").glob("*-ack-*.toml").__next__().read_text(encoding="utf-8"),
        "people": (REPO / "data" / "people.toml").read_text(encoding="utf-8"),
        "firm": (REPO / "data" / "firm.toml").read_text(encoding="utf-8"),
        "policy": (REPO / "policies" / "kundpolicy.toml").read_text(encoding="utf-8"),
        "registry": (REPO / "data" / "registry" / "exempel-agare.toml").read_text(encoding="utf-8"),
        "bods": '[{"statementId": "s1", "recordType": "entity", "recordDetails": {"name": "A"}}]',
    }[kind]


QUICK_KINDS = ["proposal", "event", "people", "firm", "policy", "registry", "bods"]
"""Every kind of file wst reads; BODS files are bounded by bounds.check_json_file before ijson sees them."""


@pytest.mark.parametrize("kind", QUICK_KINDS)
def test_hostile_files_quick(kind: str) -> None:
    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(_hostile_text(_base(kind)))
    def case(text: str) -> None:
        _run_case(kind, text, lambda commands: commands[:1])

    case()


@pytest.mark.slow
@pytest.mark.parametrize("kind", QUICK_KINDS)
def test_hostile_files_every_command(kind: str) -> None:
    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(_hostile_text(_base(kind)))
    def case(text: str) -> None:
        _run_case(kind, text, lambda commands: commands)

    case()


@pytest.mark.parametrize("at", ["0999-01-01T01:00:00+05:30", "0001-01-01T01:00:00+05:30", "9999-12-31T23:00:00-05:00",
                                "9999-12-31T00:00:00+00:00", "0001-01-02T00:30:00+05:30", "9998-12-31T23:00:00-05:00"])
def test_a_hand_made_event_of_an_odd_year_is_read_or_refused_by_every_command(at: str) -> None:
    """An event dated in a year no clock of the firm shows, with its hash right where its model takes it: every
    command reads it or refuses it in one line. `log` printed year 999 as '998-12-31T18:30:00Z' and failed to
    read that back, and year 1 at +05:30 (year 0 in UTC) overflowed: both were exit 70."""
    from datetime import datetime

    from pydantic import ValidationError

    from westander_cli.events import Comment
    from westander_cli.store import seal

    events = REPO / "data" / "engagements" / ENGAGEMENT / "events"
    newest = next(events.glob("*-won-*.toml")).read_text(encoding="utf-8").split('hash = "')[1][:64]
    try:
        sealed = seal(Comment(at=datetime.fromisoformat(at), by="sara", follows=[newest], text="handgjord")).hash
    except ValidationError:
        sealed = "0" * 64  # refused by the model before its hash is looked at
    text = f'kind = "comment"\nat = {at}\nby = "sara"\nfollows = ["{newest}"]\ntext = "handgjord"\nhash = "{sealed}"\n'
    _run_case("event", text, lambda commands: commands)


@pytest.mark.parametrize("at", ["9997-01-01T00:00:00+00:00", "9997-01-01T00:00:01+00:00", "9999-12-30T00:00:00+00:00",
                                "0001-01-02T00:00:00+00:00"])
def test_a_hand_made_proposal_at_the_ends_of_the_calendar_with_the_longest_review_period(at: str) -> None:
    """verify recomputes a proposal's deadline from its time and review period: at the latest time a record may
    hold, 366 days of review still end in a date (9999-12-30 plus them overflowed: exit 70); a second later, the
    event is refused in one line."""
    from datetime import datetime

    from westander_cli.events import Proposed
    from westander_cli.review_period import Counting
    from westander_cli.store import seal
    from westander_cli.tomlfile import load_model, read_toml

    events = REPO / "data" / "engagements" / ENGAGEMENT / "events"
    proposed = load_model(read_toml(next(events.glob("*-proposed-*.toml"))), Proposed)
    moment = datetime.fromisoformat(at)
    changes = {"at": moment, "review_deadline": moment, "review_hours": 24 * 366, "review_counting": Counting.WORKING_TIME,
               "hash": None, "signature": None}
    text = dump_toml(seal(proposed.model_copy(update=changes)).model_dump(mode="json"))  # copied unvalidated: any time
    _run_case("event", text, lambda commands: commands)
