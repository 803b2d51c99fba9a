"""The summary index is derived and never trusted over the files."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import proposal, write_proposal

T0 = "2026-12-01T09:00:00Z"
LATER = "2026-12-01T10:00:00Z"
AFTER_DEADLINE = "2026-12-03T10:00:00Z"


def age(folder: Path, seconds: int = 60) -> None:
    """Make every file and folder look old, so the index trusts its stamps (nothing is 'racily clean')."""
    past = time.time() - seconds
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (past, past), follow_symlinks=False)


def states(wst, now: str = LATER) -> dict[str, str]:
    rows = wst("list", "--format", "json", now=now).json["engagements"]
    return {r["id"]: r["state"] for r in rows}


@pytest.fixture
def indexed(firm: Path, wst, tmp_path: Path) -> str:
    path = write_proposal(tmp_path, "p", proposal(id="2026-idx"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    age(firm)
    assert states(wst)["2026-idx"] == "proposed"  # builds the index
    assert (firm / ".wst" / "index.sqlite").is_file()
    return "2026-idx"


def test_an_event_recorded_by_wst_is_seen_at_once(firm: Path, wst, indexed: str) -> None:
    assert wst("object", indexed, "--reason", "nej", "--as", "sara", now=LATER).code == 0
    assert states(wst)[indexed] == "disputed"


def test_an_event_file_arriving_from_elsewhere_is_seen(firm: Path, wst, indexed: str, tmp_path: Path) -> None:
    # record an objection in a copy, then bring its event file over as a git pull would
    other = tmp_path / "other"
    shutil.copytree(firm, other)
    assert wst("object", indexed, "--reason", "nej", "--as", "sara", "--data", str(other), now=LATER).code == 0
    [new] = [p for p in (other / "engagements" / indexed / "events").iterdir() if "objection" in p.name]
    shutil.copy2(new, firm / "engagements" / indexed / "events" / new.name)
    assert states(wst)[indexed] == "disputed"


def test_a_removed_event_file_is_seen(firm: Path, wst, indexed: str) -> None:
    wst("object", indexed, "--reason", "nej", "--as", "sara", now=LATER)
    assert states(wst)[indexed] == "disputed"
    age(firm)
    for path in (firm / "engagements" / indexed / "events").iterdir():
        if "objection" in path.name:
            path.unlink()
    assert states(wst)[indexed] == "proposed"


def test_a_replaced_event_file_is_seen(firm: Path, wst, indexed: str) -> None:
    events = firm / "engagements" / indexed / "events"
    wst("object", indexed, "--reason", "nej", "--as", "sara", now=LATER)
    age(firm)
    assert states(wst)[indexed] == "disputed"
    [objection] = [p for p in events.iterdir() if "objection" in p.name]
    text = objection.read_text().replace('kind = "objection"', 'kind = "comment"').replace("reason =", "text =")
    objection.unlink()
    objection.write_text(text)  # as git writes a changed file: a new file in its place
    assert states(wst)[indexed] == "proposed"


def test_a_whole_engagement_removed_or_added(firm: Path, wst, indexed: str, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.move(str(firm / "engagements" / indexed), moved)
    assert indexed not in states(wst)
    shutil.move(str(moved), firm / "engagements" / indexed)
    assert states(wst)[indexed] == "proposed"


def test_time_passing_the_deadline_is_not_hidden_by_the_index(firm: Path, wst, indexed: str) -> None:
    assert states(wst, now=AFTER_DEADLINE)[indexed] == "cleared"
    assert states(wst, now=LATER)[indexed] == "proposed"


def test_a_view_of_the_past_is_not_served_for_the_present(firm: Path, wst, indexed: str) -> None:
    assert wst("offer", indexed, "--as", "anna", now="2026-12-04T09:00:00Z").code == 0
    age(firm)
    past = wst("list", "--as-of", "2026-12-02T09:00:00Z", "--format", "json").json["engagements"]
    assert {e["id"]: e["state"] for e in past}[indexed] == "proposed"
    assert states(wst, now="2026-12-05T09:00:00Z")[indexed] == "offered"
    assert states(wst, now="2026-12-02T09:00:00Z")[indexed] == "offered"


def test_a_changed_people_file_is_seen(firm: Path, wst, indexed: str) -> None:
    assert wst("object", indexed, "--reason", "Nej", "--as", "sara", now=LATER).code == 0
    age(firm)
    assert states(wst)[indexed] == "disputed"
    people = (firm / "people.toml").read_text()
    block = '[[person]]\nid = "sara"\nname = "Sara Öberg"\nemail = "sara@westander-exempel.se"\nrole = "consultant"\nbusiness_area = "Energi och klimat"\nactive = true\n'
    assert block in people
    (firm / "people.toml").write_text(people.replace(block, ""))
    assert states(wst)[indexed] == "proposed"  # an objection by someone not in people.toml does not count


def test_deleting_or_breaking_the_index_costs_only_a_rebuild(firm: Path, wst, indexed: str) -> None:
    index = firm / ".wst" / "index.sqlite"
    index.unlink()
    assert states(wst)[indexed] == "proposed" and index.is_file()
    index.write_bytes(b"this is not a database" * 100)
    assert states(wst)[indexed] == "proposed"


def test_status_and_check_use_the_same_truth(firm: Path, wst, indexed: str, tmp_path: Path) -> None:
    clash = write_proposal(tmp_path, "c", proposal(client={"name": "Annan Laddkraft AB", "org_number": "556334-4554", "sectors": ["71.12"]}))
    [result] = wst("check", str(clash), "--format", "json", now=LATER).json["results"]
    assert [f["rule"] for f in result["findings"]] == ["conflict.competitor"]
    wst("withdraw", indexed, "--as", "anna", now=LATER)
    [result] = wst("check", str(clash), "--format", "json", now=LATER).json["results"]
    assert result["findings"] == []


def test_a_git_pull_is_seen(firm: Path, wst, tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}

    def git(*args: str, cwd: Path) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)

    path = write_proposal(tmp_path, "p", proposal(id="2026-pull"))
    wst("propose", str(path), "--as", "anna", now=T0)
    git("init", "-q", "-b", "main", cwd=firm)
    git("add", "-A", cwd=firm)
    git("commit", "-qm", "x", cwd=firm)
    clone = tmp_path / "clone"
    git("clone", "-q", str(firm), str(clone), cwd=tmp_path)
    wst("object", "2026-pull", "--reason", "nej", "--as", "sara", "--data", str(clone), now=LATER)
    git("add", "-A", cwd=clone)
    git("commit", "-qm", "objection", cwd=clone)
    age(firm)
    assert states(wst)["2026-pull"] == "proposed"
    git("pull", "-q", str(clone), "main", cwd=firm)
    assert states(wst)["2026-pull"] == "disputed"
