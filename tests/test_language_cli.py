"""The command line in Swedish and in English: help, usage errors, messages, `wst new` and `wst demo`.
The same command in both languages; JSON output is the same in both."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import run_wst
from westander_cli.cli.app import main


def test_help_in_swedish_and_in_english(wst) -> None:
    swedish, english = wst("--help", "--lang", "sv"), wst("--help", "--lang", "en")
    assert swedish.code == english.code == 0
    assert "Användning: wst" in swedish.out and "Kommandon" in swedish.out and "Flaggor" in swedish.out
    assert "Pröva möjliga nya uppdrag mot kundpolicyn" in swedish.out and "Installera komplettering" in swedish.out
    assert "Användning: wst [FLAGGOR] KOMMANDO [ARGUMENT]..." in swedish.out
    assert "vd: utse en ny kundansvarig" in swedish.out and "kundansvarig: lämna offert" in swedish.out
    assert "Usage: wst [OPTIONS] COMMAND [ARGS]..." in english.out and "Commands" in english.out and "Options" in english.out
    assert "Vet possible new engagements" in english.out and "CEO: appoint a new client lead" in english.out
    assert "Användning" not in english.out and "Usage:" not in swedish.out


def test_command_help_in_swedish_and_in_english(wst) -> None:
    sv, en = wst("check", "--help", "--lang", "sv"), wst("check", "--help", "--lang", "en")
    assert sv.code == en.code == 0
    swedish, english = " ".join(sv.out.split()), " ".join(en.out.split())  # as read, whatever the wrapping
    assert "Pröva förslagsfiler mot kundpolicyn" in swedish and "Exempel: wst check" in swedish
    assert "förslagsfiler (SPEC 2.3)" in swedish and "firmans datamapp" in swedish and "miljövariabel: WST_FORMAT" in swedish
    assert "Judge proposal files against the policy" in english and "Example: wst check" in english
    assert "proposal files (SPEC 2.3)" in english and "the firm's data folder" in english and "env var: WST_FORMAT" in english


@pytest.mark.parametrize(("args", "swedish", "english"), [
    (["chek"], "Det finns inget kommando 'chek'. Menade du 'check'? (se 'wst --help')",
     "No such command 'chek'. Did you mean 'check'? (see 'wst --help')"),
    (["check", "--frobnicate"], "Det finns ingen flagga --frobnicate (Möjliga flaggor: --format)",
     "No such option: --frobnicate (Possible options: --format)"),
    (["list", "--format", "xml"], "Ogiltigt värde för '--format' / '-f' (miljövariabel: 'WST_FORMAT'): 'xml' är inte ett av 'table'",
     "Invalid value for '--format' / '-f' (env var: 'WST_FORMAT'): 'xml' is not one of 'table'"),
    (["show"], "Argumentet 'engagement_id' saknas.", "Missing argument 'engagement_id'."),
    (["list", "--state", "nope"], "--state: 'nope' är inte ett av proposed, disputed", "--state: 'nope' is not one of proposed, disputed"),
    (["object", "x", "--personal", "--withdraw"], "object: välj --personal eller --withdraw, inte båda",
     "object: choose --personal or --withdraw, not both"),
])
def test_usage_errors_in_swedish_and_in_english(firm: Path, wst, args: list[str], swedish: str, english: str) -> None:
    sv, en = wst(*args, "--lang", "sv"), wst(*args, "--lang", "en")
    assert sv.code == en.code == 2
    assert sv.err.startswith("wst: error: ") and en.err.startswith("wst: error: ")  # the prefix scripts look for stays
    assert swedish in sv.err and english in en.err


def test_messages_are_swedish_in_the_table_and_the_same_in_json(firm: Path, wst) -> None:
    assert "inget att skicka" in wst("remind", "--as", "petra", "--lang", "sv").out
    assert "nothing to deliver" in wst("remind", "--as", "petra", "--lang", "en").out
    assert wst("validate", "--lang", "sv").out.startswith("wst validate: ") and " filer;" in wst("validate", "--lang", "sv").out
    assert " files;" in wst("validate", "--lang", "en").out
    for command in (["remind", "--as", "petra"], ["validate"], ["verify"], ["list"]):
        swedish = wst(*command, "--format", "json", "--lang", "sv")
        english = wst(*command, "--format", "json", "--lang", "en")
        assert swedish.code == english.code and swedish.out == english.out, command


def test_a_summary_of_several_files_counts_in_the_runs_language(firm: Path, wst) -> None:
    examples = Path(__file__).resolve().parent.parent / "data" / "examples"
    files = [str(examples / name) for name in ("cykel-clear.toml", "nordvind-competitor.toml", "massaverken-opposing.toml")]
    assert "wst check: 3 förslag: 1 godkänt, 2 kräver undantag" in wst("check", *files, "--lang", "sv").err
    assert "wst check: 3 proposals: 1 clear, 2 need an exception" in wst("check", *files, "--lang", "en").err


ENGLISH_ANSWERS = [
    "Vindkraft Syd AB", "", "", "", "35.11", "", "", "", "",  # client, org number, country, kind, one sector, no evidence, no owner
    "Wind power", "We help the client with local support.", "", "y", "y", "", "n", "",
]


def test_new_asks_in_the_runs_language(firm: Path, tmp_path: Path) -> None:
    target = tmp_path / "request.toml"
    result = run_wst("new", str(target), "--interactive", "--no-check", "--lang", "en", env={"WST_DATA": str(firm)}, cwd=tmp_path,
                     input="\n".join(ENGLISH_ANSWERS) + "\n")
    assert result.returncode == 0, result.stderr
    assert "The client's name" in result.stderr and "(y/n)" in result.stderr and "Kundens namn" not in result.stderr
    proposal = tomllib.loads(target.read_text(encoding="utf-8"))
    assert proposal["political_influence"] and proposal["transparency_accepted"] and not proposal["election_campaign"]


@pytest.fixture
def demo_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    def play(*args: str) -> str:
        for name in ("WST_DATA", "WST_NOW", "WST_USER", "WST_POLICIES", "WST_LANG"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir(tmp_path)  # no firm here: the example firm's language (sv) is the default
        capsys.readouterr()
        assert main(["demo", *args]) == 0
        return capsys.readouterr().out

    return play


def test_the_demo_in_swedish_from_start_to_end(demo_output) -> None:
    from westander_cli import i18n
    from westander_cli.demo import STEPS

    out = demo_output()
    assert out.startswith("Exempelfirman kopieras till ")
    with i18n.speaking("sv"):
        narration = [i18n._(text).format(share="30 %") for text, *_ in STEPS if text]
    assert all(f"## {line}" in out for line in narration)
    assert "(slutkod 3)" in out and "wst check: 5 förslag: 1 godkänt, 3 kräver undantag, 1 förbjudet" in out
    assert "'Bra uppdrag, jag hjälper gärna till med kommunerna i väst.'" in out  # what Sara writes, in Swedish
    assert "förbjudet enligt kundpolicyn; ingenting registrerades" in out and "inget att skicka" in out
    assert "## Utkorgen: 20 meddelanden" in out and "\nDatum: 2026-12-" in out and " CET\n" in out
    assert "\nÄmne: Möjligt nytt uppdrag: " in out and "\nÄmne: Possible new engagement: " in out  # one in each reader's language
    for english in ("Anna has five requests", "(exit ", "The outbox", "\nSubject: ", "forbidden by the client policy", "A good engagement"):
        assert english not in out


def test_the_demo_in_english_from_start_to_end(demo_output) -> None:
    out = demo_output("--lang", "en")
    assert out.startswith("The example firm is copied to ")
    assert "## Anna has five requests on her desk." in out and "(exit 3)" in out
    assert "wst check: 5 proposals: 1 clear, 3 need an exception, 1 forbidden" in out
    assert "'A good engagement; I am happy to help with the municipalities in the west.'" in out
    assert "## The outbox: 20 messages" in out and "\nDate: 2026-12-" in out
    assert "\nSubject: Possible new engagement: " in out and "\nSubject: Möjligt nytt uppdrag: " in out
    for swedish in ("Exempelfirman", "slutkod", "Utkorgen", "\nÄmne: ", "Bra uppdrag", "förbjudet enligt", "inget att skicka"):
        assert swedish not in out


def test_the_sector_search_of_wst_new_reads_and_shows_the_runs_language() -> None:
    from westander_cli import i18n
    from westander_cli.proposal_form import search_sectors

    with i18n.speaking("sv"):
        assert ("35.11", "Generering av elektricitet") in search_sectors("elektricitet")
    with i18n.speaking("en"):
        assert ("35.11", "Production of electricity") in search_sectors("electricity")
        assert search_sectors("elektricitet") == []


def test_a_firm_toml_nested_too_deep_is_reported_by_the_command_not_by_choosing_the_language(firm: Path, wst) -> None:
    (firm / "firm.toml").write_text("x = " + "[" * 600 + "]" * 600 + "\n", encoding="utf-8")
    validated = wst("validate", "--lang", "sv")
    assert validated.code == 1 and "firm.toml:1: ogiltig TOML" in validated.out and "Traceback" not in validated.err
    listed = wst("list", "--lang", "sv")
    assert listed.code == 2 and listed.err.startswith("wst: error: ") and "Traceback" not in listed.err
