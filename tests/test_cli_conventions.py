"""CLI conventions (issue 14): a bare `wst`, --version, the data folder found from inside it, plain
tab-separated lines in a pipe, and a hint on how to say who you are."""

from __future__ import annotations

from pathlib import Path

from conftest import run_wst


def test_a_bare_wst_shows_an_overview_and_succeeds(tmp_path: Path) -> None:
    result = run_wst(cwd=tmp_path)
    assert result.returncode == 0 and "wst new request.toml" in result.stdout and "wst COMMAND --help" in result.stdout
    version = run_wst("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("wst 0.")
    unknown = run_wst("nosuch", cwd=tmp_path)
    assert unknown.returncode == 2 and "(see 'wst --help')" in unknown.stderr


def test_the_data_folder_is_found_from_inside_it(firm: Path, monkeypatch) -> None:
    monkeypatch.delenv("WST_DATA")
    for place in (firm, firm / "engagements", firm.parent):
        listed = run_wst("list", "--format", "json", cwd=place, env={"WST_DATA": ""})
        assert listed.returncode == 0 and "2026-vattenfall-fossilfritt" in listed.stdout, place


def test_tables_in_a_pipe_are_tab_separated_and_nothing_is_cut(firm: Path, wst) -> None:
    result = wst("list")
    lines = result.out.splitlines()
    assert lines[0] == "id\tstate\tclient\ttitle\tlead\treview deadline"
    row = next(line for line in lines if line.startswith("2026-skogsagarna-norr-massaved\t"))
    assert row.split("\t")[3] == "Skogsägarnas röst i debatten om massavedspriser"  # whole, not "Skogsäg…"
    assert "\x1b[" not in result.out and "┃" not in result.out


def test_an_unknown_identity_says_how_to_give_one(firm: Path, wst, tmp_path: Path) -> None:
    result = wst("ack", "2026-vattenfall-fossilfritt")
    assert result.code == 4 and "--as PERSON" in result.err and "WST_USER" in result.err


def test_long_work_shows_progress_on_a_terminal_only(firm: Path, tmp_path: Path) -> None:
    import shlex
    import shutil
    import subprocess
    import sys

    if shutil.which("script") is None:
        import pytest

        pytest.skip("util-linux 'script' (to give wst a terminal) is not installed")
    command = shlex.join([sys.executable, "-m", "westander_cli", "verify", "--data", str(firm)])
    on_terminal = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True, timeout=120, check=False)
    assert on_terminal.returncode == 0 and "verifying" in on_terminal.stdout
    piped = run_wst("verify", "--data", str(firm), cwd=tmp_path)
    assert piped.returncode == 0 and "verifying" not in piped.stderr + piped.stdout
