"""Issue 12: no input crashes, hangs, exhausts memory or leaks; each case through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import WST, files_under, proposal, run_wst, write_proposal

T0 = "2026-12-01T09:00:00Z"
MEMORY_LIMIT = 512 * 1024 * 1024
TIME_LIMIT = 20


def _limits() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (TIME_LIMIT, TIME_LIMIT))


def run_limited(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real `wst` in a subprocess under a 512 MB address-space and a CPU-time limit."""
    return subprocess.run([*WST, *args], capture_output=True, text=True, env={**os.environ, **env}, cwd=cwd,
                          timeout=TIME_LIMIT * 2, preexec_fn=_limits, check=False)
AFTER = "2026-12-04T10:00:00Z"


# --- memory and time -----------------------------------------------------------------------------


def test_deep_dotted_key_is_refused_fast(firm: Path, wst, tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x" + ".x" * 50_000 + " = 1\n", encoding="utf-8")
    started = time.monotonic()
    result = wst("check", str(path))
    assert result.code == 2 and f"{path}:1: invalid TOML: a dotted key" in result.err
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("text", ["x = " + "[" * 100_000, "x = " + "{a = " * 20_000 + "1" + "}" * 20_000, "[" + "a." * 40 + "a]\n"])
def test_deep_nesting_is_refused_before_parsing(firm: Path, wst, tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    result = wst("check", str(path))
    assert result.code == 2 and "invalid TOML" in result.err and result.err.count("\n") == 1


def test_a_normal_proposal_with_inline_tables_and_decimals_passes_the_nesting_check(firm: Path, wst, tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text('title = "A.B.C"\ndescription = "D. E. F."\n[client]\nname = "K [x] {y}"\n'
                    'owners = [{name = "O.1", country = "SE", share = 12.5}]\n', encoding="utf-8")
    assert wst("check", str(path)).code == 0


def test_dev_zero_fails_fast(firm: Path, wst) -> None:
    started = time.monotonic()
    result = wst("check", "/dev/zero")
    assert result.code == 2 and "not a regular file" in result.err
    assert time.monotonic() - started < 2


def test_fifo_does_not_hang(firm: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    result = run_wst("check", str(fifo), cwd=tmp_path)  # a hang would hit run_wst's timeout
    assert result.returncode == 2 and "not a regular file" in result.stderr


@pytest.mark.parametrize("name", ["people.toml", "firm.toml"])
def test_a_fifo_pulled_in_as_people_or_firm_toml_hangs_nothing(firm: Path, name: str) -> None:
    """The language is chosen from these files before any command runs: reading them there has the limits
    of every other read (a FIFO opened for reading would wait for a writer forever)."""
    (firm / name).unlink()
    os.mkfifo(firm / name)
    for args in (["status", "--as", "anna"], ["list"], ["--help"]):
        started = time.monotonic()
        result = subprocess.run([*WST, *args], capture_output=True, text=True, timeout=30, check=False,
                                env={**os.environ, "WST_DATA": str(firm), "WST_LANG": ""}, stdin=subprocess.DEVNULL)
        assert time.monotonic() - started < 20, args
        if args != ["--help"]:
            assert result.returncode == 2 and result.stderr.count("\n") == 1, (args, result.stderr)
            assert name in result.stderr, result.stderr


def test_symlinked_proposal_is_refused(firm: Path, wst, tmp_path: Path) -> None:
    target = write_proposal(tmp_path, "p", proposal())
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    result = wst("check", str(link))
    assert result.code == 2 and "symbolic link" in result.err


def test_deep_bods_json_is_refused_by_the_bounds_check(tmp_path: Path) -> None:
    from westander_cli.bounds import check_json_file
    from westander_cli.errors import InvalidInput

    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 400_000)
    with pytest.raises(InvalidInput, match="nested more than"):
        check_json_file(path)
    fine = tmp_path / "fine.json"
    fine.write_bytes(json.dumps([{"statementId": "a[[[{{", "x": [[1], {"y": "\\\"["}]}]).encode())
    check_json_file(fine)


def test_registry_import_of_deep_bods_is_refused(firm: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 400_000)
    result = run_limited(["registry", "import", str(path)], {"WST_DATA": str(firm)}, tmp_path)
    assert result.returncode == 2 and "nested more than" in result.stderr


# --- WST_NOW ----------------------------------------------------------------------------------


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1" * 5000, "2026-13-01T00:00:00Z"])
def test_wst_now_outside_a_sane_range_is_refused_before_anything_is_written(firm: Path, wst, tmp_path: Path, now: str) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-laddkraft"))
    before = files_under(firm)
    result = wst("propose", str(path), "--as", "anna", now=now)
    assert result.code == 2 and result.err.startswith("wst: error: WST_NOW") and result.err.count("\n") == 1
    assert len(result.err) < 300 and files_under(firm) == before


# --- check: each file its own result ----------------------------------------------------------


def test_check_gives_each_file_its_own_result(firm: Path, wst, tmp_path: Path) -> None:
    good = write_proposal(tmp_path, "a", proposal())
    bad = tmp_path / "b.toml"
    bad.write_text('title = "T"\ntitle = "again"\n', encoding="utf-8")
    forbidden = write_proposal(tmp_path, "c", proposal(client={"name": "Svenska Tobaks AB", "sectors": ["12.00"]}))
    result = wst("check", str(good), str(bad), str(forbidden), "--format", "json")
    results = result.json["results"]
    assert [r["file"] for r in results] == [str(good), str(bad), str(forbidden)]
    assert results[0]["verdict"] == "clear" and results[1]["verdict"] == "error"
    assert results[1]["error"]["line"] == 2 and str(bad) in results[1]["error"]["message"]
    assert result.code == 2  # the worst of all: an invalid file
    github = wst("check", str(good), str(bad), "--format", "github")
    assert github.code == 2
    assert any(line.startswith(f"::error file={bad},line=2,") for line in github.out.splitlines())
    assert any("clear" in line for line in github.out.splitlines())
    table = wst("check", str(good), str(bad))
    assert table.code == 2 and "error" in table.out and "no findings" in table.out


def test_check_exit_code_without_invalid_files_is_the_worst_verdict(firm: Path, wst, tmp_path: Path) -> None:
    good = write_proposal(tmp_path, "a", proposal())
    assert wst("check", str(good), str(good)).code == 0


# --- init -------------------------------------------------------------------------------------


def test_init_on_a_file_or_below_a_file_is_refused(firm: Path, wst, tmp_path: Path) -> None:
    file = tmp_path / "plain"
    file.write_text("x", encoding="utf-8")
    on = wst("init", str(file))
    below = wst("init", str(file / "sub" / "data"))
    assert on.code == 2 and "is a file" in on.err
    assert below.code == 2 and "which is a file" in below.err
    assert file.read_text(encoding="utf-8") == "x"


# --- outbox confined to the data folder --------------------------------------------------------


@pytest.mark.parametrize("outbox", ["/tmp/elsewhere", "../x", "engagements", "a/../../x", ".git", "~/mail", "C:/mail"])
def test_outbox_outside_the_data_folder_fails_validate(firm: Path, wst, outbox: str) -> None:
    firm_toml = firm / "firm.toml"
    text = firm_toml.read_text(encoding="utf-8")
    assert 'outbox = "outbox"' in text
    firm_toml.write_text(text.replace('outbox = "outbox"', f'outbox = "{outbox}"'), encoding="utf-8")
    result = wst("validate", "--format", "json")
    assert result.code == 1
    assert any("outbox" in p["message"] for p in result.json["problems"])


def test_outbox_in_a_subfolder_is_fine(firm: Path, wst) -> None:
    firm_toml = firm / "firm.toml"
    firm_toml.write_text(firm_toml.read_text(encoding="utf-8").replace('outbox = "outbox"', 'outbox = "mail/outbox"'), encoding="utf-8")
    assert wst("validate").code == 0


# --- idempotent delivery ----------------------------------------------------------------------


def test_notify_after_a_killed_propose_sends_nothing_twice(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-laddkraft"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    events = firm / "engagements" / "2026-laddkraft" / "events"
    informed = [p for p in events.iterdir() if "-informed-" in p.name]
    assert len(informed) == 1
    informed[0].unlink()  # as if propose was killed after the mail went out, before it was recorded
    outbox = firm / "outbox" / "2026-laddkraft"
    mails = {p.name: p.read_bytes() for p in outbox.iterdir()}
    assert len(mails) == 4  # anna's four active colleagues
    result = wst("notify", "2026-laddkraft", "--as", "anna", "--format", "json", now="2026-12-01T09:05:00Z")
    assert result.code == 0
    assert {p.name: p.read_bytes() for p in outbox.iterdir()} == mails  # nothing sent twice, nothing rewritten
    assert len([p for p in events.iterdir() if "-informed-" in p.name]) == 1  # but recorded as informed
    ids = {line for mail in mails.values() for line in mail.decode().splitlines() if line.startswith("Message-ID:")}
    assert len(ids) == 4


# --- leaks ------------------------------------------------------------------------------------


def test_publish_and_report_skip_and_count_an_unreadable_declined_engagement(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-hemlig-kund", client={"name": "Hemlig Kund AB"}))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    assert wst("veto", "2026-hemlig-kund", "--reason", "Nej", "--as", "petra", now=AFTER).code == 0
    veto = next(p for p in (firm / "engagements" / "2026-hemlig-kund" / "events").iterdir() if "-veto-" in p.name)
    veto.write_text("this is = not [ toml", encoding="utf-8")
    for command in ("publish", "report"):
        for fmt in ("json", "table"):
            result = wst(command, "--format", fmt, now=AFTER)
            assert result.code == 0, result.err
            everything = result.out + result.err
            assert "hemlig" not in everything.lower() and "-veto-" not in everything
            assert "1 engagement could not be read" in result.err
        assert wst(command, "--format", "json", now=AFTER).json["unreadable"] == 1
    clients = wst("publish", "--format", "json", now=AFTER).json["clients"]
    assert len(clients) == 3  # the example firm's won clients are still listed


# --- terminal sanitisation --------------------------------------------------------------------


HOSTILE = "ok\x1b[2J\x1b]0;pwned\x07\u202eevil\u2066"


def test_log_and_show_escape_control_and_bidi_characters_but_json_keeps_them(
    firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no cell cut short
    path = write_proposal(tmp_path, "p", proposal(id="2026-laddkraft", title="Titel\x1b[31m röd"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    assert wst("comment", "2026-laddkraft", HOSTILE, "--as", "erik", now=T0).code == 0
    for command in ("log", "show"):
        shown = wst(command, "2026-laddkraft", now=T0).out
        assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown and "\u2066" not in shown
        assert "\\x1b" in shown
    assert "\\u202e" in wst("log", "2026-laddkraft", now=T0).out
    raw = wst("log", "2026-laddkraft", "--format", "json", now=T0).json
    assert any(e["details"].get("text") == HOSTILE for e in raw["events"])  # JSON keeps the exact text
    listed = wst("list", now=T0).out
    assert "\x1b" not in listed


# --- formats per command ----------------------------------------------------------------------


def _commands() -> dict[str, object]:
    import typer

    from westander_cli.cli.app import app

    found: dict[str, object] = {}

    def walk(command: object, path: str) -> None:
        names = command.list_commands(None) if hasattr(command, "list_commands") else []  # the root builds each on demand
        if names:
            for name in names:
                walk(command.get_command(None, name), f"{path} {name}".strip())
        else:
            found[path] = command

    walk(typer.main.get_command(app), "")
    return found


def test_the_format_table_names_every_command_with_a_format_option() -> None:
    from westander_cli.render import FORMATS

    with_format = {path for path, command in _commands().items()
                   if any("--format" in getattr(p, "opts", []) for p in getattr(command, "params", []))}
    assert with_format == set(FORMATS)


def _args(command: str, tmp_path: Path) -> list[str]:
    """Arguments with which each command would do its work (and record, or mail, if it records)."""
    proposal_file = write_proposal(tmp_path, "cell", proposal(id="2026-cell"))
    engagement = "2026-skogsagarna-norr-massaved"
    return {
        "check": [str(proposal_file)], "policy show": ["ownership.cn_ru"], "propose": [str(proposal_file), "--as", "anna"],
        "comment": [engagement, "text", "--as", "erik"], "object": [engagement, "--reason", "r", "--as", "erik"],
        "approve": [engagement, "--as", "petra"], "veto": [engagement, "--reason", "r", "--as", "petra"],
        "withdraw": [engagement, "--as", "anna"], "lost": [engagement, "--as", "anna"],
        "team": [engagement, "add", "erik", "--as", "anna"], "assign": [engagement, "erik", "--as", "petra"],
        "criticism": [engagement, "note", "--as", "anna"], "registry import": [str(tmp_path / "none.json")],
        "registry show": ["Skogsägarna"], "status": ["--as", "anna"],
        **{c: [engagement, "--as", "anna"] for c in ("ack", "offer", "won", "end", "notify")},
        **{c: [engagement] for c in ("show", "log")},
    }.get(command, [])


def _cells() -> list[tuple[str, str]]:
    from westander_cli.render import FORMATS, Format

    return [(command, fmt.value) for command in sorted(FORMATS) for fmt in Format]


@pytest.mark.parametrize(("command", "fmt"), _cells())
def test_every_command_and_format_is_written_or_refused_before_any_work(firm: Path, wst, tmp_path: Path, command: str, fmt: str) -> None:
    from westander_cli.render import FORMATS, Format

    args = [*command.split(), *_args(command, tmp_path), "--format", fmt]
    before = files_under(firm)
    result = wst(*args, now=AFTER)
    assert result.code != 70 and "internal error" not in result.err, result.err
    if Format(fmt) not in FORMATS[command]:
        assert result.code == 2 and f"--format {fmt}" in result.err and result.err.count("\n") == 1
        assert files_under(firm) == before  # nothing recorded, nothing mailed
        assert not (firm / "outbox").exists() or before == files_under(firm)
    else:
        assert result.code in (0, 1, 2, 3, 4), result.err


def test_wst_format_github_in_the_environment_is_refused_by_propose(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-laddkraft"))
    monkeypatch.setenv("WST_FORMAT", "github")
    before = files_under(firm)
    result = wst("propose", str(path), "--as", "anna", now=T0)
    assert result.code == 2 and files_under(firm) == before
