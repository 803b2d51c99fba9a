"""The command line documents itself, every output format has a renderer, and the demo plays through."""

from __future__ import annotations

from pathlib import Path

import pytest

from westander_cli.cli.app import app, main
from westander_cli.render import Format, github, table


def commands() -> list[tuple[str, object]]:
    import typer

    group = typer.main.get_command(app)
    found = []

    def walk(prefix: str, command: object) -> None:
        for name in command.list_commands(None) if hasattr(command, "list_commands") else []:  # the root builds each on demand
            sub = command.get_command(None, name)
            found.append((f"{prefix}{name}", sub))
            walk(f"{prefix}{name} ", sub)

    from westander_cli import i18n

    with i18n.speaking("en"):  # help is translated when a command is built
        walk("", group)
    return found


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_every_command_has_help_with_an_example(name: str, command: object) -> None:
    text = (getattr(command, "help", None) or "").strip()
    assert text, name
    if not getattr(command, "commands", None):  # a group (policy, registry, roster) lists its commands instead
        assert "Example: " in text and ("wst " + name) in text.split("Example: ", 1)[1], name


def test_spec_commands_exist() -> None:
    names = {n for n, _ in commands()}
    spec = {"check", "propose", "ack", "comment", "object", "approve", "veto", "withdraw", "offer", "won", "lost", "end",
            "team", "assign", "criticism", "notify", "list", "show", "log", "status", "validate", "verify", "publish",
            "report", "policy list", "policy show", "registry import", "registry show", "init", "demo"}
    assert spec <= names


def test_every_view_has_a_table_renderer() -> None:
    from westander_cli.render import View

    assert all(callable(getattr(table, view.value, None)) for view in View)
    assert {m.value for m in Format} == {"table", "json", "github", "junit", "markdown", "html"}
    assert callable(github.check_results) and callable(github.problems)


def test_help_without_markup_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: wst" in out and "\x1b[" not in out


def test_the_demo_plays_through(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WST_DATA", "WST_NOW", "WST_USER", "WST_POLICIES"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo", "--keep", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "needs a CEO exception" in out and "Zhejiang Geely" in out and "20 messages" in out  # 12 proposals, 2 reminders, objection 2, approval 2, veto 1, criticism 1
    assert main(["verify", "--data", str(tmp_path / "demo" / "data")]) == 0


def test_ci_runs_exactly_the_readme_test_command() -> None:
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0].strip() for block in readme.split("```sh\n")[1:3]]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert blocks[1] == ci[-1] and "pytest" in blocks[1]
    assert ".venv/bin/mypy" in ci and ".venv/bin/ruff check src tests bench" in ci
