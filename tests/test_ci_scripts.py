"""The data repository's CI scripts refuse deleted or edited records and accept new ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, proposal, run_wst, write_proposal

SCRIPTS = REPO / "examples" / "ci"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def run_script(repo: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "WST_NOW": "2026-12-01T09:30:00Z"}  # CI runs soon after the push
    return subprocess.run([str(SCRIPTS / name), *args], cwd=repo, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_append_only_guard(firm: Path, tmp_path: Path) -> None:
    repo = firm.parent
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "data")
    git(repo, "commit", "-qm", "base")
    path = write_proposal(tmp_path, "p", proposal(id="2026-ci"))
    assert run_wst("propose", str(path), "--as", "anna", env={"WST_DATA": str(firm), "WST_NOW": "2026-12-01T09:00:00Z"}).returncode == 0
    git(repo, "add", "data")
    git(repo, "commit", "-qm", "new records")
    ok = run_script(repo, "data-repo-ci.sh", "HEAD~1", "data", str(REPO / "policies"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "append-only" in ok.stdout and "::notice::wst verify: no problems" in ok.stdout

    import tomllib

    events = sorted((firm / "engagements" / "2026-ci" / "events").iterdir())
    followed = {h for e in events for h in tomllib.loads(e.read_text())["follows"]}
    [newest] = [e for e in events if tomllib.loads(e.read_text())["hash"] not in followed]
    newest.unlink()  # a deleted newest event: invisible to verify, refused by the guard
    git(repo, "commit", "-qam", "delete")
    refused = run_script(repo, "check-append-only.sh", "HEAD~1", "data")
    assert refused.returncode == 1 and f"::error file=data/engagements/2026-ci/events/{newest.name}::record deleted" in refused.stdout
    assert run_wst("verify", env={"WST_DATA": str(firm)}).returncode == 0

    git(repo, "reset", "-q", "--hard", "HEAD~1")
    people = firm / "people.toml"
    people.write_text(people.read_text() + "\n")  # editing people.toml is allowed
    some_event = min((firm / "engagements").glob("*/events/*.toml"))
    some_event.write_text(some_event.read_text().replace("by =", "by  ="))
    git(repo, "commit", "-qam", "edit")
    refused = run_script(repo, "check-append-only.sh", "HEAD~1", "data")
    assert refused.returncode == 1 and "record modified" in refused.stdout and "people.toml" not in refused.stdout
