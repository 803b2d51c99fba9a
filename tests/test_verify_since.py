"""`wst verify --since REF`: only what changed since REF (and what depends on it), in real git repositories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import proposal, write_proposal

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
NOW = "2026-12-01T09:10:00Z"
OLD = "2026-vattenfall-fossilfritt"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A", "data")
    git(repo, "commit", "-qm", message)


def problems(wst, *extra: str) -> tuple[int, list[str]]:
    result = wst("verify", "--format", "json", *extra, now=NOW)
    assert result.code in (0, 1), result.err
    return result.code, [f"{p['file']}: {p['message']}" for p in result.json["problems"] if p["severity"] == "error"]


@pytest.fixture
def tampered(firm: Path, wst, tmp_path: Path) -> Path:
    """A repository whose older history has an edited event, and one later commit that records a new proposal."""
    repo = firm.parent
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "base")
    [event] = [p for p in (firm / "engagements" / OLD / "events").iterdir() if "-ack-" in p.name]
    event.write_text(event.read_text(encoding="utf-8").replace('by = "petra"', 'by = "erik"'), encoding="utf-8")
    commit_all(repo, "an edit that slipped through")
    path = write_proposal(tmp_path, "p", proposal(id="2026-ny"))
    assert wst("propose", str(path), "--as", "anna", now="2026-12-01T09:00:00Z").code == 0
    commit_all(repo, "a new proposal")
    return repo


def test_since_verifies_what_the_push_changed_and_a_full_run_finds_the_rest(firm: Path, wst, tampered: Path) -> None:
    code, found = problems(wst, "--since", "HEAD~1")
    assert code == 0 and found == []  # the edit before REF is outside the range (the scheduled full run's job)
    code, found = problems(wst)
    assert code == 1 and any(OLD in line and "edited" in line for line in found)


def test_an_edit_inside_the_range_is_reported(firm: Path, wst, tampered: Path) -> None:
    code, found = problems(wst, "--since", "HEAD~2")
    assert code == 1 and any(OLD in line and "edited" in line for line in found)


def test_a_people_change_in_the_range_verifies_everything(firm: Path, wst, tampered: Path) -> None:
    with (firm / "people.toml").open("a", encoding="utf-8") as people:
        people.write('\n[[person]]\nid = "nils"\nname = "Nils Ny"\nemail = "nils@westander-exempel.se"\nrole = "consultant"\n'
                     'business_area = ""\nactive = true\n')
    code, found = problems(wst, "--since", "HEAD")  # uncommitted changes count as changed too
    assert code == 1 and any(OLD in line and "edited" in line for line in found)


def test_an_unknown_ref_is_one_clear_line(firm: Path, wst, tampered: Path) -> None:
    result = wst("verify", "--since", "no-such-ref", now=NOW)
    assert result.code == 2
    assert result.err.strip().splitlines() == [result.err.strip()] and "'no-such-ref' is not a git revision" in result.err
