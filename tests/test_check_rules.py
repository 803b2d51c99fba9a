"""Every rule of the shipped policy, found and not found, through `wst check --format json`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import proposal, write_proposal

CN_OWNER = {"name": "Shanghai Huaxin Group Co., Ltd.", "kind": "company", "country": "CN"}
RU_STATE = {"name": "Russian Federation", "kind": "state", "country": "RU"}

# (case id, proposal, rules expected as (rule, severity), verdict)
CASES: list[tuple[str, dict[str, Any], set[tuple[str, str]], str]] = [
    ("clean company, no findings at all", proposal(), set(), "clear"),
    ("gambling division 92", proposal(client={"sectors": ["92"]}), {("sector.gambling", "block")}, "needs_exception"),
    ("gambling class 92.00", proposal(client={"sectors": ["92.00"]}), {("sector.gambling", "block")}, "needs_exception"),
    ("lottery sub-class 92.001", proposal(client={"sectors": ["92.001"]}), {("sector.gambling", "block")}, "needs_exception"),
    ("sport 93.12 is not gambling", proposal(client={"sectors": ["93.12"]}), set(), "clear"),
    ("distilled spirits 11.01", proposal(client={"sectors": ["11.01"]}), {("sector.alcohol", "block")}, "needs_exception"),
    ("wine 11.02", proposal(client={"sectors": ["11.02"]}), {("sector.alcohol", "block")}, "needs_exception"),
    ("brewer launching alcohol-free beer is still 11.05", proposal(title="Lansering av alkoholfri öl", client={"sectors": ["11.05"]}), {("sector.alcohol", "block")}, "needs_exception"),
    ("malt 11.06 is not alcohol", proposal(client={"sectors": ["11.06"]}), set(), "clear"),
    ("soft drinks 11.07 is not alcohol", proposal(client={"sectors": ["11.07"]}), set(), "clear"),
    ("division 11 alone is too coarse: warn", proposal(client={"sectors": ["11"]}), {("sector.alcohol", "warn")}, "clear"),
    ("beverage wholesale 46.34 may be alcohol: warn", proposal(client={"sectors": ["46.34"]}), {("sector.alcohol_trade", "warn")}, "clear"),
    ("tobacco products 12", proposal(client={"sectors": ["12"]}), {("sector.tobacco", "block")}, "needs_exception"),
    ("tobacco class 12.00", proposal(client={"sectors": ["12.00"]}), {("sector.tobacco", "block")}, "needs_exception"),
    ("tobacco wholesale 46.35", proposal(client={"sectors": ["46.35"]}), {("sector.tobacco", "block")}, "needs_exception"),
    ("tobacco retail 47.26", proposal(client={"sectors": ["47.26"]}), {("sector.tobacco", "block")}, "needs_exception"),
    ("convenience chain selling snus 47.11 is not tobacco", proposal(client={"sectors": ["47.11"]}), set(), "clear"),
    ("cement without evidence", proposal(client={"sectors": ["23.51"]}), {("environment.responsibility", "block")}, "needs_exception"),
    ("cement with ISO 14001", proposal(client={"sectors": ["23.51"], "environmental_responsibility": ["ISO 14001"]}), set(), "clear"),
    ("mining 07.29 without evidence", proposal(client={"sectors": ["07.29"]}), {("environment.responsibility", "block")}, "needs_exception"),
    ("aviation 51.10 with SBTi", proposal(client={"sectors": ["51.10"], "environmental_responsibility": ["Science Based Targets"]}), set(), "clear"),
    ("refinery 19.20 without evidence", proposal(client={"sectors": ["19.20"]}), {("environment.responsibility", "block")}, "needs_exception"),
    ("software 62.01 is not heavy", proposal(client={"sectors": ["62.01"]}), set(), "clear"),
    ("political work without transparency", proposal(political_influence=True, transparency_accepted=False), {("political.transparency", "forbid")}, "forbidden"),
    ("political work with transparency", proposal(political_influence=True, transparency_accepted=True), set(), "clear"),
    ("no transparency needed without political work", proposal(political_influence=False, transparency_accepted=False), set(), "clear"),
    ("hidden principal", proposal(political_influence=True, transparency_accepted=True, on_behalf_of="Okänd industrigrupp", principal_disclosed=False), {("political.hidden_principal", "forbid")}, "forbidden"),
    ("disclosed principal", proposal(political_influence=True, transparency_accepted=True, on_behalf_of="Svensk Industri", principal_disclosed=True), set(), "clear"),
    ("principal not named, but no political work", proposal(on_behalf_of="Okänd", principal_disclosed=False), set(), "clear"),
    ("party election campaign", proposal(election_campaign=True, client={"name": "Framtidspartiet", "kind": "political_party", "org_number": None, "sectors": []}), {("political.party_neutrality", "forbid")}, "forbidden"),
    ("party media training outside a campaign", proposal(title="Medieträning", client={"name": "Framtidspartiet", "kind": "political_party", "org_number": None, "sectors": []}), set(), "clear"),
    ("nonprofit in an election campaign is not a party", proposal(election_campaign=True, client={"kind": "nonprofit", "sectors": []}), set(), "clear"),
    ("Chinese owner 30 %", proposal(client={"owners": [{**CN_OWNER, "share": 30.0}]}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("Chinese owner exactly 25 %", proposal(client={"owners": [{**CN_OWNER, "share": 25.0}]}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("Chinese owner 24.9 % is information only", proposal(client={"owners": [{**CN_OWNER, "share": 24.9}]}), {("ownership.cn_ru", "info")}, "clear"),
    ("Chinese owner 10 % with control", proposal(client={"owners": [{**CN_OWNER, "share": 10.0, "control": True}]}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("Russian person by nationality 40 %", proposal(client={"owners": [{"name": "Ivan Petrov", "kind": "person", "country": "RU", "share": 40.0}]}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("Russian state 26 %", proposal(client={"owners": [{**RU_STATE, "share": 26.0}]}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("two restricted owners adding up past 25 %", proposal(client={"owners": [{**CN_OWNER, "share": 15.0}, {**RU_STATE, "share": 15.0}]}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("Chinese owner with unknown share needs a look", proposal(client={"owners": [CN_OWNER]}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("Swedish and German owners", proposal(client={"owners": [{"name": "Ägare AB", "country": "SE", "share": 60.0}, {"name": "Eigner GmbH", "country": "DE", "share": 40.0}]}), set(), "clear"),
    ("client registered in China", proposal(client={"country": "CN", "org_number": None}), {("ownership.cn_ru", "block")}, "needs_exception"),
    ("same class 35.11 as active client Vattenfall", proposal(client={"name": "Nordvind Energi AB", "org_number": "556112-2333", "sectors": ["35.11"], "environmental_responsibility": ["ISO 14001"]}), {("conflict.competitor", "block"), ("conflict.competitor", "warn")}, "needs_exception"),
    ("declared competitor that is an active client", proposal(counterparties=[{"name": "VATTENFALL AB", "relation": "competitor"}]), {("conflict.competitor", "block")}, "needs_exception"),
    ("declared competitor who is not a client", proposal(counterparties=[{"name": "Fortum Oyj", "relation": "competitor"}]), set(), "clear"),
    ("Vattenfall itself again is no conflict, Telge Energi (35.14) a possible competitor", proposal(client={"name": "Vattenfall AB", "org_number": "556036-2138", "sectors": ["35.11"], "environmental_responsibility": ["ISO 14001"]}), {("conflict.competitor", "warn")}, "clear"),
    ("work targeting an active client", proposal(counterparties=[{"name": "Vattenfall", "relation": "target"}]), {("conflict.opposing", "block")}, "needs_exception"),
    ("active engagement opposes this client", proposal(client={"name": "Massaverken AB", "org_number": "556887-7665", "sectors": ["70.21"]}), {("conflict.opposing", "block")}, "needs_exception"),
    ("partner relation is no conflict", proposal(counterparties=[{"name": "Vattenfall AB", "relation": "partner"}]), set(), "clear"),
    ("Tele2 is not Telge Energi", proposal(counterparties=[{"name": "Tele2", "relation": "competitor"}]), set(), "clear"),
    ("target matched by org number alone", proposal(counterparties=[{"name": "Bolaget med annat namn", "relation": "target", "org_number": "556677-8899"}]), {("conflict.opposing", "block")}, "needs_exception"),
    ("forbid wins over block", proposal(political_influence=True, client={"sectors": ["92"]}), {("sector.gambling", "block"), ("political.transparency", "forbid")}, "forbidden"),
]


@pytest.mark.parametrize(("name", "content", "expected", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_rule_cases(firm: Path, wst, tmp_path: Path, name: str, content: dict[str, Any], expected: set[tuple[str, str]], verdict: str) -> None:
    path = write_proposal(tmp_path, "p", content)
    result = wst("check", str(path), "--format", "json")
    output = result.json
    [checked] = output["results"]
    assert {(f["rule"], f["severity"]) for f in checked["findings"]} == expected
    assert checked["verdict"] == verdict
    assert result.code == {"clear": 0, "needs_exception": 3, "forbidden": 1}[verdict]
    for finding in checked["findings"]:
        assert finding["source"].startswith("Kundpolicy") and finding["message"]


def test_findings_show_the_code_title(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(client={"sectors": ["11.05"]}))
    [finding] = wst("check", str(path), "--format", "json").json["results"][0]["findings"]
    assert "11.05 (Manufacture of beer)" in finding["message"]


def test_the_shipped_code_list_is_nace_rev2() -> None:
    from westander_cli.screening import sectors

    codes = sectors.titles()
    assert [sum(len(c) == n for c in codes) for n in (2, 4, 5)] == [88, 272, 615]
    assert sectors.title("92.00") == "Gambling and betting activities" and sectors.title("46.341") == "Wholesale of beverages"
    assert all(code[:2] in codes for code in codes) and all(code[:4] in codes for code in codes if len(code) == 5)


def test_json_shape_is_the_contract(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2027-example", client={"owners": [{**CN_OWNER, "share": 30.0}]}))
    output = wst("check", str(path), "--format", "json").json
    assert list(output) == ["version", "results"] and output["version"] == 1
    [result] = output["results"]
    assert list(result) == ["file", "id", "client", "verdict", "findings"]
    assert result["id"] == "2027-example" and result["file"] == str(path)
    [finding] = result["findings"]
    assert list(finding) == ["rule", "severity", "message", "source", "evidence"]
    assert finding["evidence"]["effective_share_min"] == 30.0
    assert finding["evidence"]["chains"][0]["owner"] == CN_OWNER["name"]


def test_several_files_exit_with_the_worst(firm: Path, wst, tmp_path: Path) -> None:
    clear = write_proposal(tmp_path, "clear", proposal())
    blocked = write_proposal(tmp_path, "blocked", proposal(client={"sectors": ["92"]}))
    forbidden = write_proposal(tmp_path, "forbidden", proposal(political_influence=True))
    assert wst("check", str(clear), str(blocked), "--format", "json").code == 3
    assert wst("check", str(blocked), str(forbidden), str(clear), "--format", "json").code == 1
    result = wst("check", str(clear), str(blocked), "--format", "json")
    assert [r["verdict"] for r in result.json["results"]] == ["clear", "needs_exception"]


def test_check_records_nothing(firm: Path, wst, tmp_path: Path) -> None:
    from conftest import files_under

    before = files_under(firm)
    wst("check", str(write_proposal(tmp_path, "p", proposal(client={"sectors": ["92"]}))))
    assert files_under(firm) == before


def test_example_proposals_have_the_verdict_their_name_says(firm: Path, wst) -> None:
    from conftest import REPO

    for path in sorted((REPO / "data" / "examples").glob("*.toml")):
        verdict = wst("check", str(path), "--format", "json").json["results"][0]["verdict"]
        expected = "forbidden" if "forbidden" in path.name else "clear" if "clear" in path.name else "needs_exception"
        assert verdict == expected, path.name


def test_table_output_names_file_verdict_and_rule(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(client={"sectors": ["12"]}))
    result = wst("check", str(path))
    assert "needs a CEO exception" in result.out and "sector.tobacco" in result.out and "\x1b[" not in result.out


def test_policy_list_and_show(firm: Path, wst) -> None:
    rules = wst("policy", "list", "--format", "json").json["rules"]
    ids = {r["id"] for r in rules}
    assert {"sector.gambling", "sector.alcohol", "sector.tobacco", "environment.responsibility", "conflict.competitor",
            "conflict.opposing", "political.transparency", "political.hidden_principal", "political.party_neutrality",
            "ownership.cn_ru"} <= ids
    shown = wst("policy", "show", "ownership.cn_ru", "--format", "json").json["rule"]
    assert shown["parameters"] == {"countries": ["CN", "RU"], "min_share": 25.0, "linked_countries": ["HK", "MO"], "linked_severity": "warn"}
    assert "kinesiska eller ryska ägare" in shown["quote"]
    table = wst("policy", "show", "political.transparency")
    assert "öppenhetskrav" in table.out and table.code == 0
    missing = wst("policy", "show", "ownership.cnru")
    assert missing.code == 2 and "did you mean 'ownership.cn_ru'" in missing.err


def test_the_shipped_policy_texts_are_the_firms(firm: Path) -> None:
    """policies/sources/ ships the firm's texts the rules quote; where the firm's own copy is beside
    this checkout (../shared/policy-docs), the shipped one must be the same."""
    from conftest import REPO

    firm_copy = REPO.parent / "shared" / "policy-docs"
    for name in ("kundpolicy.txt", "chefspolicy.txt", "eget-ansvar.txt"):
        shipped = (REPO / "policies" / "sources" / name).read_text(encoding="utf-8")
        assert "Kund" in shipped or "kund" in shipped
        if (firm_copy / name).is_file():
            assert shipped == (firm_copy / name).read_text(encoding="utf-8"), name


def test_every_quote_is_a_sentence_of_the_policy_text(firm: Path, wst) -> None:
    from conftest import REPO

    text = " ".join((REPO / "policies" / "sources" / "kundpolicy.txt").read_text(encoding="utf-8").split())
    for rule in wst("policy", "list", "--format", "json").json["rules"]:
        assert " ".join(rule["quote"].split()) in text, rule["id"]
