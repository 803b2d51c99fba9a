"""Records hold when processes race and when two git clones record events and are merged."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import proposal, run_wst, write_proposal

T0 = "2026-12-01T09:00:00Z"
WST_BIN = Path(sys.executable).parent / "wst"


def env_for(data: Path, now: str = "2026-12-01T10:00:00Z") -> dict[str, str]:
    return {"WST_DATA": str(data), "WST_NOW": now}


def test_installed_console_script_runs(firm: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(WST_BIN), "check", str(write_proposal(tmp_path, "p", proposal())), "--format", "json"],
                            capture_output=True, text=True, env={**os.environ, **env_for(firm)}, timeout=60, check=False)
    assert result.returncode == 0 and '"verdict": "clear"' in result.stdout


def test_twenty_processes_at_once_lose_nothing(firm: Path, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-race"))
    assert run_wst("propose", str(path), "--as", "anna", env=env_for(firm, T0)).returncode == 0
    people = ["erik", "jonas", "petra", "sara"]
    processes = []
    for n in range(20):
        person = people[n % 4]
        args = ["comment", "2026-race", f"synpunkt nummer {n}"] if n % 2 else ["object", "2026-race", "--reason", f"invändning {n}"]
        processes.append(subprocess.Popen([str(WST_BIN), *args, "--as", person], env={**os.environ, **env_for(firm)},
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    codes = [p.wait(timeout=120) for p in processes]
    assert codes == [0] * 20, [p.stderr.read() for p in processes if p.returncode]
    events = firm / "engagements" / "2026-race" / "events"
    records = [tomllib.loads(p.read_text(encoding="utf-8")) for p in events.iterdir()]
    texts = {r.get("text") or r.get("reason") for r in records if r["kind"] in ("comment", "objection")}
    assert texts == {f"synpunkt nummer {n}" for n in range(1, 20, 2)} | {f"invändning {n}" for n in range(0, 20, 2)}
    assert not [p for p in events.iterdir() if p.name.startswith(".")]
    log = run_wst("log", "2026-race", "--format", "json", env=env_for(firm))
    assert log.returncode == 0 and log.stdout.count('"kind": "comment"') == 10


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_two_clones_record_concurrently_and_merge_without_conflict(firm: Path, tmp_path: Path) -> None:
    bare = tmp_path / "shared.git"
    git("init", "-q", "--bare", "-b", "main", str(bare), cwd=tmp_path)
    git("init", "-q", "-b", "main", cwd=firm)
    path = write_proposal(tmp_path, "p", proposal(id="2026-merge"))
    assert run_wst("propose", str(path), "--as", "anna", env=env_for(firm, T0)).returncode == 0
    git("add", "-A", cwd=firm)
    git("commit", "-qm", "proposed", cwd=firm)
    git("remote", "add", "origin", str(bare), cwd=firm)
    git("push", "-q", "origin", "main", cwd=firm)
    one, two = tmp_path / "one", tmp_path / "two"
    git("clone", "-q", str(bare), str(one), cwd=tmp_path)
    git("clone", "-q", str(bare), str(two), cwd=tmp_path)

    assert run_wst("object", "2026-merge", "--reason", "Från klon ett", "--as", "sara", env=env_for(one, "2026-12-01T10:00:00Z")).returncode == 0
    assert run_wst("ack", "2026-merge", "--as", "erik", env=env_for(one, "2026-12-01T10:01:00Z")).returncode == 0
    assert run_wst("comment", "2026-merge", "Från klon två", "--as", "jonas", env=env_for(two, "2026-12-01T10:00:30Z")).returncode == 0
    assert run_wst("ack", "2026-merge", "--as", "petra", env=env_for(two, "2026-12-01T10:02:00Z")).returncode == 0
    for clone in (one, two):
        git("add", "-A", cwd=clone)
        git("commit", "-qm", f"events from {clone.name}", cwd=clone)
    git("push", "-q", "origin", "main", cwd=one)
    git("pull", "-q", "--no-rebase", "origin", "main", cwd=two)  # a merge: must not conflict
    git("push", "-q", "origin", "main", cwd=two)
    git("pull", "-q", "--no-rebase", "origin", "main", cwd=one)
    assert git("status", "--porcelain", cwd=two) == "" and git("status", "--porcelain", cwd=one) == ""

    views = [run_wst("show", "2026-merge", "--format", "json", env=env_for(clone, "2026-12-01T11:00:00Z")).stdout for clone in (one, two)]
    assert views[0] == views[1]
    logs = [run_wst("log", "2026-merge", "--format", "json", env=env_for(clone)).stdout for clone in (one, two)]
    # proposed, informed, objection, informed (the lead and the CEO hear of it), ack, comment, ack
    assert logs[0] == logs[1] and logs[0].count('"kind"') == 7
    assert '"state": "disputed"' in views[0]
    assert not (one / "outbox").exists() or not git("ls-files", "outbox", cwd=one)
