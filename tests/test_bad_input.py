"""Every kind of invalid input: exit 2, one line naming file, line and field, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import files_under, proposal, write_proposal

VALID = """title = "T"
description = "D"

[client]
name = "Kund AB"
org_number = "556776-6554"

[[client.owners]]
name = "Ägare AB"
share = 50.0

[[client.owners]]
name = "Annan AB"
share = {share}
"""

BAD_TEXT = [
    ("share over 100", VALID.format(share="150.0"), ":14: client.owners[1].share: input should be less than or equal to 100"),
    ("share negative", VALID.format(share="-1.0"), ":14: client.owners[1].share: input should be greater than or equal to 0"),
    ("share as text", VALID.format(share='"half"'), ":14: client.owners[1].share:"),
    ("unknown key with a hint", 'title = "T"\ndescripton = "D"\n[client]\nname = "K"\n', ":2: descripton: unknown key (did you mean 'description'?)"),
    ("unknown nested key", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\nsector = ["12"]\n', ":5: client.sector: unknown key (did you mean 'sectors'?)"),
    ("missing title", 'description = "D"\n[client]\nname = "K"\n', ": title: required, but missing"),
    ("missing client", 'title = "T"\ndescription = "D"\n', ": client: required, but missing"),
    ("bad org number checksum", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\norg_number = "556123-4568"\n', ":5: client.org_number: not a valid Swedish organisation number"),
    ("bad country", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\ncountry = "XX"\n', ":5: client.country: not an ISO 3166-1 alpha-2 country code"),
    ("bad NACE code", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\nsectors = ["1.2.3"]\n', ":5: client.sectors: '1.2.3' is not a NACE code"),
    ("NACE code that does not exist", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\nsectors = ["35.19"]\n', ":5: client.sectors: '35.19' is not a NACE Rev. 2 code; 35.1 is 'Electric power generation, transmission and distribution'"),
    ("NACE group that does not exist", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\nsectors = ["11.1"]\n', "'11.1' is not a NACE Rev. 2 code"),
    ("NACE division that does not exist", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\nsectors = ["04"]\n', "'04' is not a NACE Rev. 2 code"),
    ("bad kind", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\nkind = "bank"\n', ":5: client.kind: input should be 'company'"),
    ("bad id slug", 'id = "../../etc"\ntitle = "T"\ndescription = "D"\n[client]\nname = "K"\n', ":1: id: string should match pattern"),
    ("Windows device name as id", 'id = "con"\ntitle = "T"\ndescription = "D"\n[client]\nname = "K"\n',
     ":1: id: 'con' is a reserved device name on Windows; choose another id"),  # check gave 'clear' (a hostile review)
    ("bool as string", 'title = "T"\ndescription = "D"\npolitical_influence = "yes"\n[client]\nname = "K"\n', ":3: political_influence: input should be a valid boolean"),
    ("absurd value", 'title = "T"\ndescription = "D"\nestimated_value_sek = 1e300\n[client]\nname = "K"\n', ":3: estimated_value_sek: input should be less than or equal to"),
    ("empty title", 'title = "  "\ndescription = "D"\n[client]\nname = "K"\n', ":1: title: string should have at least 1 character"),
    ("bad relation", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\n[[counterparties]]\nname = "X"\nrelation = "enemy"\n', ":7: counterparties[0].relation: input should be"),
    ("odd key that once hung the line finder", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\n"[" = 1\n', "client.[: unknown key"),
    ("odd nested key", 'title = "T"\ndescription = "D"\n[client]\nname = "K"\n[client.owners]\n"a[" = 1\n', "client.owners: "),
    ("malformed TOML", 'title = "T\ndescription = "D"\n', ":1: invalid TOML at column"),
    ("duplicate key", 'title = "T"\ntitle = "U"\n', ":2: invalid TOML"),
    ("empty file", "", ": proposal file is empty"),
    ("only comments", "# nothing\n", ": proposal file is empty"),
    ("huge integer", 'title = "T"\ndescription = "D"\nestimated_value_sek = ' + "9" * 5000 + '\n[client]\nname = "K"\n', ": invalid TOML"),
    ("deep nesting", "x = " + "[" * 5000 + "]" * 5000 + "\n", ": invalid TOML"),
    ("hex integer too long to print", 'title = "T"\ndescription = "D"\nestimated_value_sek = 0x' + "f" * 4000 + '\n[client]\nname = "K"\n',
     ":3: estimated_value_sek: input should be a valid number (got a 16000-bit number)"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_TEXT, ids=[b[0] for b in BAD_TEXT])
@pytest.mark.parametrize("command", ["check", "propose"])
def test_invalid_proposal_files(firm: Path, wst, tmp_path: Path, name: str, text: str, expected: str, command: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = files_under(firm)
    result = wst(command, str(path), *(["--as", "anna"] if command == "propose" else []))
    assert result.code == 2, result.err
    assert result.err.startswith(f"wst: error: {path}"), result.err
    assert expected in result.err, result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err + result.out
    assert files_under(firm) == before


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("binary file", b"\x00\x01\x02title", "looks like a binary file"),
        ("not UTF-8", b'title = "\xff\xfe"\n', ":1: not valid UTF-8"),
        ("over 1 MB", b"# " + b"x" * 1_100_000 + b"\n", "the limit is 1,000,000"),
    ],
)
def test_unreadable_files(firm: Path, wst, tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    result = wst("check", str(path))
    assert result.code == 2 and expected in result.err and result.err.count("\n") == 1


def test_missing_file_and_directory(firm: Path, wst, tmp_path: Path) -> None:
    assert "no such proposal file" in wst("check", str(tmp_path / "nope.toml")).err
    assert "is a directory" in wst("check", str(tmp_path)).err


def test_usage_errors_are_exit_2(firm: Path, wst) -> None:
    assert wst("check").code == 2
    assert wst("check", "x.toml", "--format", "xml").code == 2
    result = wst("nonsense")
    assert result.code == 2 and result.err.startswith("wst: error:")


def test_bad_wst_now(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WST_NOW", "tomorrow")
    result = wst("list")
    assert result.code == 2 and "WST_NOW" in result.err


def test_json_error_object_for_scripts(firm: Path, wst, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("title = 1\n", encoding="utf-8")
    result = wst("check", str(path), "--format", "json")
    # check gives each file its own result (issue 12): the error object sits in the file's entry
    error = result.json["results"][0]["error"]
    assert result.code == 2 and error["code"] == 2 and "title" in error["message"]


POLICY_HEAD = '[[rule]]\nid = "sector.x"\nkind = "{kind}"\nseverity = "block"\nsource = "Kundpolicy, fråga 6"\nquote = "Q"\ntitle.sv = "T"\ntitle.en = "T"\nexplanation.sv = "E"\nexplanation.en = "E"\n'


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("unknown kind", POLICY_HEAD.format(kind="sectr"), "rule 'sector.x': kind: unknown kind 'sectr' (did you mean 'sector'?)"),
        ("missing parameter", POLICY_HEAD.format(kind="sector"), "rule 'sector.x': codes: required, but missing"),
        ("bad code", POLICY_HEAD.format(kind="sector") + 'codes = ["9x"]\n', "rule 'sector.x': codes: '9x' is not a NACE code"),
        ("code that does not exist", POLICY_HEAD.format(kind="sector") + 'codes = ["92.10"]\n', "rule 'sector.x': codes: '92.10' is not a NACE Rev. 2 code"),
        ("parameter of another kind", POLICY_HEAD.format(kind="sector") + 'codes = ["92"]\nmin_share = 3.0\n', "rule 'sector.x': min_share: unknown key"),
        ("bad severity", POLICY_HEAD.format(kind="sector").replace('"block"', '"maybe"') + 'codes = ["92"]\n', "rule 'sector.x': severity: input should be"),
        ("bad country", POLICY_HEAD.format(kind="ownership") + 'countries = ["ZZ"]\n', "rule 'sector.x': countries: not an ISO 3166-1"),
        ("duplicate id", POLICY_HEAD.format(kind="sector") + 'codes = ["92"]\n' + POLICY_HEAD.format(kind="sector") + 'codes = ["12"]\n', "rule 'sector.x' is defined twice"),
    ],
)
def test_invalid_policy_files(firm: Path, wst, tmp_path: Path, name: str, text: str, expected: str) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.toml").write_text(text, encoding="utf-8")
    clean = write_proposal(tmp_path, "clean", proposal())
    result = wst("check", str(clean), "--policies", str(policies))
    assert result.code == 2, result.err
    assert result.err.startswith(f"wst: error: {policies / 'p.toml'}:") and expected in result.err, result.err
