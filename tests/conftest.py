"""Fixtures: a firm in tmp_path, and the real CLI run in-process or as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from westander_cli import i18n
from westander_cli.cli.app import main

REPO = Path(__file__).resolve().parent.parent
WST = [sys.executable, "-m", "westander_cli"]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read wst in English unless they choose Swedish (the example firm's language) themselves: the CLI
    through WST_LANG, the library by speaking English for the test (it otherwise speaks what the process last
    chose, so a test calling it would depend on which test ran before it on the same worker)."""
    monkeypatch.setenv("WST_LANG", "en")
    with i18n.speaking("en"):
        yield


@pytest.fixture
def firm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example firm (people, three won clients) as the current data folder."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("outbox", ".wst", "seed", "examples"))
    monkeypatch.setenv("WST_DATA", str(data))
    monkeypatch.setenv("WST_POLICIES", str(REPO / "policies"))
    monkeypatch.setenv("WST_NOW", "2026-12-01T09:00:00Z")
    for name in ("WST_USER", "WST_FORMAT", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return data


@pytest.fixture
def wst(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `wst ARGS` in-process through the real entry point; WST_NOW may be given per call."""

    def run(*args: str, now: str | None = None) -> Result:
        if now:
            monkeypatch.setenv("WST_NOW", now)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def write_proposal(folder: Path, name: str, proposal: dict[str, Any]) -> Path:
    """Write a proposal file; keys set to None are left out."""
    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        return value

    path = folder / f"{name}.toml"
    path.write_text(tomli_w.dumps(clean(proposal)), encoding="utf-8")
    return path


def proposal(**overrides: Any) -> dict[str, Any]:
    """A clean proposal; `client` entries are merged into the client table."""
    base: dict[str, Any] = {
        "title": "Opinionsarbete för laddinfrastruktur",
        "description": "Vi hjälper kunden att få fler publika laddplatser.",
        "website_text": "Vi hjälper kunden med laddinfrastruktur.",
        "client": {"name": "Laddkraft Sverige AB", "org_number": "556776-6554", "kind": "company", "sectors": ["71.12"]},
    }
    client = overrides.pop("client", {})
    base.update(overrides)
    base["client"] = {**base["client"], **client}
    return base


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its content, to prove that nothing was written."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and ".wst" not in p.parts}


def run_wst(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WST, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=120,
                          input=input, stdin=None if input is not None else subprocess.DEVNULL, check=False)
