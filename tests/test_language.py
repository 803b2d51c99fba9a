"""Every word a person reads is in the catalogs, in Swedish and in English; machine output is not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "westander_cli"
LOCALE = PACKAGE / "locale"
FIELD = re.compile(r"\{[^{}]*\}")


def _extracted() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds: every string marked _(), N_() or ngettext()."""
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")]):
        found.add(message if isinstance(message, str) else message[0])  # a plural form is keyed by its singular
    return found


def _catalog(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "wst.po").open("rb") as file:
        return read_po(file, locale=language)


def test_every_marked_string_has_a_swedish_translation_with_the_same_fields() -> None:
    extracted = _extracted()
    catalog = _catalog("sv")
    missing = sorted(m for m in extracted if not catalog.get(m) or not catalog[m].string or catalog[m].fuzzy)
    assert not missing, f"{len(missing)} strings lack a Swedish translation (pybabel update, then translate): {missing[:20]}"
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(set(FIELD.findall(s)) == set(FIELD.findall(ids[0])) for s in strings), f"fields differ: {message.id!r}"


def test_the_template_and_both_catalogs_are_up_to_date() -> None:
    extracted = _extracted()
    for language in ("sv", "en"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        assert extracted <= ids, f"{language}: run pybabel update (README, 'Language'): {sorted(extracted - ids)[:10]}"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_shipped_compiled_catalog_is_compiled_from_the_current_one(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "wst.mo").open("rb") as file:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(file) if m.id and _key(m.string) != _key(m.id)}
    source = {_key(m.id): _key(m.string) for m in _catalog(language)
              if m.id and all([m.string] if isinstance(m.string, str) else m.string) and not m.fuzzy and _key(m.string) != _key(m.id)}
    assert compiled == source, "run pybabel compile (README, 'Language')"


def _key(text: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return text if isinstance(text, str) else tuple(text)


WST_ERRORS = {"WstError", "InvalidInput", "NotPermitted", "NotYet", "Failed"}


def _unmarked(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals that reach a person without passing through the catalog."""
    found: list[tuple[int, str]] = []

    def literal(node: ast.expr | None) -> bool:
        return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() != "")

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id if isinstance(node.func, ast.Name) else ""
        if name in WST_ERRORS and node.args and literal(node.args[0]):
            found.append((node.lineno, f"{name}(...)"))
        if name in {"echo", "secho"} and node.args and literal(node.args[0]):
            found.append((node.lineno, "echo(...)"))
        if name in {"Option", "Argument", "command", "Typer", "add_typer"}:
            found.extend((node.lineno, f"{name}(help=...)") for k in node.keywords if k.arg == "help" and literal(k.value))
    return found


def test_no_message_or_help_text_bypasses_the_catalog() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += [f"{path.relative_to(PACKAGE)}:{line}: {what}" for line, what in _unmarked(ast.parse(path.read_text("utf-8")))]
    assert not problems, "mark these with _() or N_():\n" + "\n".join(problems)



# --- the same scenarios in Swedish and in English, through the real CLI ---------------------------

PROPOSED_AT = "2026-12-01T09:00:00Z"


def _proposed(wst, tmp_path: Path) -> str:
    from conftest import proposal, write_proposal

    path = write_proposal(tmp_path, "laddkraft", proposal(id="2026-laddkraft"))
    assert wst("propose", str(path), "--as", "anna", now=PROPOSED_AT).code == 0
    return "2026-laddkraft"


@pytest.mark.parametrize(("language", "words", "foreign"), [
    ("sv", ["Användning:", "Kommandon:", "Pröva möjliga nya uppdrag", "Visa den här hjälpen"], ["Usage:", "Commands:", "Show this message"]),
    ("en", ["Usage:", "Commands:", "Vet possible new engagements", "Show this message"], ["Användning", "Kommandon", "Pröva"]),
])
def test_help_is_in_the_runs_language(firm: Path, wst, language: str, words: list[str], foreign: list[str]) -> None:
    out = wst("--lang", language, "--help").out
    assert all(w in out for w in words) and not any(w in out for w in foreign)
    command_help = wst("offer", "--help", "--lang", language).out
    assert ("Kundansvarig: lämna offert" in command_help) == (language == "sv")


def test_a_refused_offer_says_what_is_missing_in_swedish_and_in_english(firm: Path, wst, tmp_path: Path) -> None:
    engagement = _proposed(wst, tmp_path)
    sv = wst("offer", engagement, "--as", "anna", "--lang", "sv", now="2026-12-01T10:00:00Z")
    en = wst("offer", engagement, "--as", "anna", "--lang", "en", now="2026-12-01T10:00:00Z")
    assert sv.code == en.code == 3
    assert "under granskning, inte klart för offert" in sv.err and "granskningstiden löper till 2026-12-03 10:00 CET" in sv.err
    assert "in review, not cleared" in en.err and "the review period runs until 2026-12-03 10:00 CET" in en.err
    assert "sv:" not in en.err and "granskning" not in en.err and "review" not in sv.err


def test_tables_are_in_the_language_and_json_is_the_same_in_both(firm: Path, wst, tmp_path: Path) -> None:
    engagement = _proposed(wst, tmp_path)
    assert wst("object", engagement, "--reason", "Konflikt", "--as", "sara", now="2026-12-01T10:00:00Z").code == 0
    sv, en = (wst("list", "--lang", language, now="2026-12-01T11:00:00Z").out for language in ("sv", "en"))
    assert sv.splitlines()[0].split("\t") == ["id", "läge", "kund", "rubrik", "kundansvarig", "granskningstidens slut"]
    assert f"{engagement}\tomstritt\t" in sv and f"{engagement}\tdisputed\t" in en and "2026-12-03 10:00 CET" in sv
    as_json = {language: wst("list", "--format", "json", "--lang", language, now="2026-12-01T11:00:00Z").out for language in ("sv", "en")}
    assert as_json["sv"] == as_json["en"] and '"state": "disputed"' in as_json["sv"].replace('":"', '": "') and "2026-12-03T09:00:00Z" in as_json["sv"]
    show = wst("show", engagement, "--lang", "sv", now="2026-12-01T11:00:00Z").out
    assert "öppen invändning av sara: Konflikt" in show and "granskningstidens slut" in show


def test_a_usage_error_and_an_unknown_language(firm: Path, wst) -> None:
    sv = wst("status", "--bogus", "--lang", "sv")
    assert sv.code == 2 and "Det finns ingen flagga --bogus (se 'wst status --help')" in sv.err
    unknown = wst("--lang", "de", "status")
    assert unknown.code == 2 and "--lang: 'de'" in unknown.err and unknown.out == ""


def test_the_persons_language_wins_over_the_firms_and_lang_over_both(firm: Path, wst, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WST_LANG")
    assert "Kommandon:" in wst("--help").out  # the example firm is Swedish
    monkeypatch.setenv("WST_USER", "jonas")  # jonas reads English (people.toml)
    assert "Commands:" in wst("--help").out
    assert "Kommandon:" in wst("--help", "--lang", "sv").out
    monkeypatch.setenv("WST_LANG", "sv")
    assert "Kommandon:" in wst("--help").out


def test_the_demo_is_swedish_from_start_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from westander_cli.cli.app import main

    for name in ("WST_DATA", "WST_NOW", "WST_USER", "WST_POLICIES", "WST_LANG"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo", "--keep", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "Exempelfirman kopieras" in out and "registrerade 2026-svensk-cykling-cykelvagar (under granskning)" in out
    assert "kräver undantag" in out and "Utkorgen: 20 meddelanden" in out and "Ämne: Möjligt nytt uppdrag" in out
    english = ("recorded ", "registered ", "informed:", "needs a CEO exception", "(exit ", "no findings", "nothing to deliver")
    assert not [word for word in english if word in out]
    assert "Ämne: Possible new engagement" in out  # the one message to the colleague who reads English


def test_sector_titles_are_sni_2007_in_swedish_and_nace_in_english(firm: Path, wst, tmp_path: Path) -> None:
    from conftest import proposal, write_proposal

    path = write_proposal(tmp_path, "tobak", proposal(client={"sectors": ["12.00"]}))
    sv, en = (wst("check", str(path), "--lang", language).out for language in ("sv", "en"))
    assert "Tobaksvarutillverkning" in sv and "Manufacture of tobacco" in en and "Tobaksvaru" not in en
