"""Ownership chains from the registry (TOML and BODS 0.4): effective shares, control, cycles, unknowns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import files_under, proposal, write_proposal


def registry_toml(firm: Path, text: str) -> None:
    folder = firm / "registry"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    (folder / "owners.toml").write_text(text, encoding="utf-8")


def check(wst, tmp_path: Path, owners: list[dict[str, Any]], name: str = "Kund AB") -> dict[str, Any]:
    path = write_proposal(tmp_path, "p", proposal(client={"name": name, "org_number": "556776-6554", "owners": owners}))
    [result] = wst("check", str(path), "--format", "json").json["results"]
    return result


def ownership_findings(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f["severity"], f["evidence"]) for f in result["findings"] if f["rule"] == "ownership.cn_ru"]


CHAIN = """
[[entity]]
name = "Mellan AB"
org_number = "556112-2333"
[[entity.owners]]
name = "Topp Holding AB"
org_number = "556223-3444"
share = {middle}
control = {control}
[[entity.owners]]
name = "Svensk Pension AB"
org_number = "556334-4554"
share = {rest}

[[entity]]
name = "Topp Holding AB"
org_number = "556223-3444"
[[entity.owners]]
name = "Zhongguo Capital Co., Ltd."
country = "CN"
share = 100.0
"""


def test_three_level_chain_is_blocked(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.format(middle=78.7, rest=21.3, control="false"))
    result = check(wst, tmp_path, [{"name": "Mellan AB", "org_number": "556112-2333", "share": 100.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "block" and evidence["effective_share_min"] == pytest.approx(78.7)
    [chain] = evidence["chains"]
    assert chain["owner"] == "Zhongguo Capital Co., Ltd." and chain["country"] == "CN" and chain["share_min"] == pytest.approx(78.7)
    assert chain["chain"] == "Mellan AB (SE, 100 %) <- Topp Holding AB (SE, 78.7 %) <- Zhongguo Capital Co., Ltd. (CN, 100 %)"


def test_minority_through_a_chain_is_information(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.format(middle=8.4, rest=91.6, control="false"))
    result = check(wst, tmp_path, [{"name": "Mellan AB", "org_number": "556112-2333", "share": 100.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "info" and evidence["effective_share_min"] == pytest.approx(8.4) and result["verdict"] == "clear"


def test_control_with_a_twenty_percent_share_is_blocked(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.format(middle=20.0, rest=80.0, control="true"))
    result = check(wst, tmp_path, [{"name": "Mellan AB", "org_number": "556112-2333", "share": 100.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "block" and evidence["controlled"] and evidence["effective_share_min"] == pytest.approx(20.0)


def test_lookup_by_name_when_the_form_has_no_number(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.format(middle=78.7, rest=21.3, control="false"))
    result = check(wst, tmp_path, [{"name": "MELLAN Aktiebolag", "share": 100.0}])
    assert ownership_findings(result)[0][0] == "block"


def test_two_paths_add_up_past_the_threshold(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, """
[[entity]]
name = "Väst AB"
org_number = "556112-2333"
[[entity.owners]]
name = "Moskva Invest OOO"
country = "RU"
share = 30.0

[[entity]]
name = "Öst AB"
org_number = "556223-3444"
[[entity.owners]]
name = "Moskva Invest OOO"
country = "RU"
share = 40.0
""")
    result = check(wst, tmp_path, [{"name": "Väst AB", "org_number": "556112-2333", "share": 50.0},
                                    {"name": "Öst AB", "org_number": "556223-3444", "share": 30.0}])
    [(severity, evidence)] = ownership_findings(result)
    # 50 % x 30 % + 30 % x 40 % = 15 % + 12 % = 27 %: neither path alone reaches 25 %
    assert severity == "block" and evidence["effective_share_min"] == pytest.approx(27.0) and len(evidence["chains"]) == 2


def test_a_restricted_parent_and_its_restricted_owner_count_once(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, """
[[entity]]
name = "Beijing Holding Co., Ltd."
country = "CN"
[[entity.owners]]
name = "China State Investment"
kind = "state"
country = "CN"
share = 100.0
""")
    result = check(wst, tmp_path, [{"name": "Beijing Holding Co., Ltd.", "country": "CN", "share": 20.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "info" and evidence["effective_share_min"] == pytest.approx(20.0) and len(evidence["chains"]) == 1


def test_a_cycle_terminates_and_needs_a_look(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, """
[[entity]]
name = "Alfa AB"
org_number = "556112-2333"
[[entity.owners]]
name = "Beta AB"
org_number = "556223-3444"
share = 100.0

[[entity]]
name = "Beta AB"
org_number = "556223-3444"
[[entity.owners]]
name = "Alfa AB"
org_number = "556112-2333"
share = 100.0
""")
    result = check(wst, tmp_path, [{"name": "Alfa AB", "org_number": "556112-2333", "share": 100.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "warn" and evidence["cycles"] == ["Alfa AB <- Beta AB <- Alfa AB"]


def test_a_missing_share_on_a_restricted_path_is_never_zero(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.replace("share = {middle}\n", "").format(rest=10.0, control="false"))
    result = check(wst, tmp_path, [{"name": "Mellan AB", "org_number": "556112-2333", "share": 100.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "block" and evidence["effective_share_min"] == 0 and evidence["chains"][0]["share_min"] is None
    assert "needs a human look" in result["findings"][0]["message"] or "granskas" in result["findings"][0]["message"]


def test_a_share_range_that_may_reach_the_threshold_needs_a_look(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, """
[[entity]]
name = "Intervall AB"
org_number = "556112-2333"
[[entity.owners]]
name = "Shenzhen Partners Co., Ltd."
country = "CN"
share_min = 10.0
share_max = 30.0
""")
    result = check(wst, tmp_path, [{"name": "Intervall AB", "org_number": "556112-2333", "share": 100.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "block" and evidence["effective_share_min"] == 10.0 and evidence["effective_share_max"] == 30.0


def test_a_state_owner(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, """
[[entity]]
name = "Statsbolaget AB"
org_number = "556112-2333"
[[entity.owners]]
name = "Russian Federation"
kind = "state"
country = "RU"
share = 51.0
""")
    result = check(wst, tmp_path, [{"name": "Statsbolaget AB", "org_number": "556112-2333", "share": 60.0}])
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "block" and evidence["effective_share_min"] == pytest.approx(30.6) and evidence["controlled"]


def test_registry_owners_of_the_client_itself_are_used_when_the_form_names_none(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.format(middle=78.7, rest=21.3, control="false"))
    path = write_proposal(tmp_path, "p", proposal(client={"name": "Mellan AB", "org_number": "556112-2333"}))
    [result] = wst("check", str(path), "--format", "json").json["results"]
    assert result["verdict"] == "needs_exception"


def test_a_near_miss_in_the_registry_is_shown_for_review(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.format(middle=78.7, rest=21.3, control="false"))
    result = check(wst, tmp_path, [{"name": "Melan AB", "country": "SE", "share": 100.0}])
    findings = ownership_findings(result)
    assert [s for s, _ in findings] == ["warn"] and findings[0][1]["near_miss"].startswith("Melan AB ~ Mellan AB")


def bods(*statements: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for n, (record_type, record_id, details) in enumerate(statements):
        out.append({"statementId": f"s{n}", "statementDate": "2026-01-01", "recordId": record_id, "recordType": record_type,
                    "recordStatus": "new", "publicationDetails": {"bodsVersion": "0.4"}, "recordDetails": details})
    return out


def entity(name: str, country: str, org: str | None = None) -> dict[str, Any]:
    details: dict[str, Any] = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": name, "jurisdiction": {"code": country}}
    if org:
        details["identifiers"] = [{"scheme": "SE-BLV", "id": org}]
    return details


def test_bods_votes_and_board_appointment_are_control(firm: Path, wst, tmp_path: Path) -> None:
    statements = bods(
        ("entity", "e-kund", entity("Röstbolaget AB", "SE", "556112-2333")),
        ("person", "p-ivan", {"isComponent": False, "personType": "knownPerson", "names": [{"type": "legal", "fullName": "Ivan Petrov"}],
                              "nationalities": [{"code": "SE"}, {"code": "RU"}]}),
        ("relationship", "r1", {"isComponent": False, "subject": "e-kund", "interestedParty": "p-ivan",
                                "interests": [{"type": "shareholding", "directOrIndirect": "direct", "share": {"exact": 20}},
                                              {"type": "votingRights", "directOrIndirect": "direct", "share": {"minimum": 50.1, "maximum": 60}}]}),
    )
    path = tmp_path / "votes.json"
    path.write_text(json.dumps(statements), encoding="utf-8")
    assert wst("registry", "import", str(path)).code == 0
    result = check(wst, tmp_path, [], name="Röstbolaget AB")
    [(severity, evidence)] = ownership_findings(result)
    assert severity == "block" and evidence["controlled"] and evidence["chains"][0]["owner"] == "Ivan Petrov"


BODS_FIXTURES = ["core/01-direct-ownership", "edge-cases/10-circular-ownership", "edge-cases/11-anonymous-person"]


@pytest.mark.parametrize("name", BODS_FIXTURES)
def test_bods_fixtures_import_once_and_show(firm: Path, wst, tmp_path: Path, name: str) -> None:
    bods_fixtures = pytest.importorskip("bods_fixtures")
    fixture = bods_fixtures.load(name)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(fixture.statements), encoding="utf-8")
    first = wst("registry", "import", str(path), "--format", "json")
    assert first.code == 0 and first.json["new"]
    before = files_under(firm)
    second = wst("registry", "import", str(path), "--format", "json")
    assert second.code == 0 and not second.json["new"] and files_under(firm) == before
    subject = {"core/01-direct-ownership": "Acme Holdings Ltd", "edge-cases/10-circular-ownership": "Alpha Corp Ltd",
               "edge-cases/11-anonymous-person": "Opaque Holdings SA"}[name]
    tree = wst("registry", "show", subject, "--format", "json").json["tree"]
    if name.startswith("core"):
        # "find UBO" from Acme returns Jane Smith, one hop, 75 %
        [owner] = tree["owners"]
        assert owner["name"] == "Jane Smith" and owner["effective_share_min"] == 75.0 and owner["countries"] == ["GB"]
    elif "circular" in name:
        # terminates, flags the cycle, never returns a cycle entity as its own owner, never 200 %
        [beta] = tree["owners"]
        assert beta["name"] == "Beta Corp Ltd" and beta["owners"][0]["cycle"] is True
        assert beta["effective_share_min"] == 100.0
    else:
        # the declared-unknown owner is kept with its reason, distinct from missing data
        [owner] = tree["owners"]
        assert owner["kind"] == "undisclosed" and "subjectUnableToConfirmOrIdentifyBeneficialOwner" in owner["name"]
        assert any("declared unknown" in p for p in first.json["problems"])
        result = check(wst, tmp_path, [], name="Opaque Holdings SA")
        assert [s for s, _ in ownership_findings(result)] == ["warn"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not BODS JSON"),
        (b"", "not BODS JSON"),
        (b"[{\"recordId\": \"x\"", "not BODS JSON"),
        (b'{"a": 1}', "expected a list of statements"),
        (b"[]", "no usable entity or person"),
        (b'[{"recordType": "entity"}]', "no usable entity or person"),
    ],
)
def test_bad_registry_files_are_exit_2_and_write_nothing(firm: Path, wst, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    before = files_under(firm)
    result = wst("registry", "import", str(path))
    assert result.code == 2 and expected in result.err and files_under(firm) == before


def test_per_statement_problems_are_reported(firm: Path, wst, tmp_path: Path) -> None:
    statements = [*bods(
        ("entity", "e1", entity("Bra AB", "SE", "556112-2333")),
        ("relationship", "r1", {"subject": "e1", "interestedParty": "nobody", "interests": []}),
        ("relationship", "r2", {"subject": "e1", "interestedParty": "e1", "interests": [{"type": "shareholding", "share": {"exact": 140}}]}),
    ), {"recordId": "x"}, "junk"]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(statements), encoding="utf-8")
    result = wst("registry", "import", str(path), "--format", "json")
    assert result.code == 0
    problems = result.json["problems"]
    assert any("'nobody' is not a record" in p for p in problems)
    assert any("not a range within 0-100" in p for p in problems)
    assert any(p.startswith("statement 4") and "recordType" in p for p in problems)
    assert any(p.startswith("statement 5") and "not an object" in p for p in problems)


def test_the_index_follows_the_files(firm: Path, wst, tmp_path: Path) -> None:
    registry_toml(firm, CHAIN.format(middle=78.7, rest=21.3, control="false"))
    owners = [{"name": "Mellan AB", "org_number": "556112-2333", "country": "SE", "share": 100.0}]
    assert check(wst, tmp_path, owners)["verdict"] == "needs_exception"
    registry_toml(firm, CHAIN.format(middle=8.4, rest=91.6, control="false"))  # as if a git pull changed it
    assert check(wst, tmp_path, owners)["verdict"] == "clear"
    (firm / ".wst" / "registry.sqlite").unlink()
    assert check(wst, tmp_path, owners)["verdict"] == "clear"
    shutil.rmtree(firm / "registry")
    assert ownership_findings(check(wst, tmp_path, owners)) == []


def test_registry_show_unknown_name(firm: Path, wst) -> None:
    result = wst("registry", "show", "Finns Inte AB")
    assert result.code == 2 and "not in the ownership registry" in result.err


def test_invalid_registry_toml(firm: Path, wst, tmp_path: Path) -> None:
    path = tmp_path / "owners.toml"
    path.write_text('[[entity]]\nname = "X AB"\norg_number = "556112-2334"\n', encoding="utf-8")
    result = wst("registry", "import", str(path))
    assert result.code == 2 and ":3: entity[0].org_number: not a valid Swedish organisation number" in result.err


def test_a_new_registry_file_is_indexed_alone_and_joins_the_chains(firm: Path, wst, tmp_path: Path) -> None:
    import sqlite3

    middle, top = CHAIN.format(middle=78.7, rest=21.3, control="false").split("\n[[entity]]\nname = \"Topp Holding AB\"")
    registry_toml(firm, middle)
    owners = [{"name": "Mellan AB", "org_number": "556112-2333", "country": "SE", "share": 100.0}]
    assert check(wst, tmp_path, owners)["verdict"] == "clear"
    index = firm / ".wst" / "registry.sqlite"

    def rows_of(name: str) -> list[tuple[int, ...]]:
        with sqlite3.connect(index) as db:
            return db.execute("SELECT rowid, node FROM entity WHERE file = ? ORDER BY rowid", (name,)).fetchall()

    before = rows_of("owners.toml")
    (firm / "registry" / "pulled.toml").write_text('[[entity]]\nname = "Topp Holding AB"' + top, encoding="utf-8")  # as a git pull adds it
    assert check(wst, tmp_path, owners)["verdict"] == "needs_exception"  # Topp Holding is one company in both files
    assert rows_of("owners.toml") == before  # the file that did not change was not indexed again
    assert rows_of("pulled.toml")
    index.unlink()
    assert check(wst, tmp_path, owners)["verdict"] == "needs_exception"  # a rebuild agrees
    (firm / "registry" / "pulled.toml").unlink()
    assert check(wst, tmp_path, owners)["verdict"] == "clear"
    assert rows_of("pulled.toml") == []


def test_an_interest_that_ends_is_seen_the_day_it_ends(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    statements = bods(("entity", "e1", entity("Dotter AB", "SE", "556112-2333")), ("entity", "e2", entity("Kinesisk Ägare Co", "CN")),
                      ("relationship", "r1", {"isComponent": False, "subject": "e1", "interestedParty": "e2",
                                              "interests": [{"type": "shareholding", "share": {"exact": 60}, "endDate": "2026-12-10"}]}))
    path = tmp_path / "dated.json"
    path.write_text(json.dumps(statements), encoding="utf-8")
    assert wst("registry", "import", str(path)).code == 0
    owners = [{"name": "Dotter AB", "org_number": "556112-2333", "country": "SE", "share": 100.0}]
    assert check(wst, tmp_path, owners)["verdict"] == "needs_exception"
    monkeypatch.setenv("WST_NOW", "2026-12-10T09:00:00Z")
    assert check(wst, tmp_path, owners)["verdict"] == "clear"


def _entity(name: str, owners: list[tuple[str, str, float]]) -> str:
    return f'[[entity]]\nname = "{name}"\n' + "".join(
        f'[[entity.owners]]\nname = "{owner}"\nkind = "company"\ncountry = "{country}"\nshare = {share}\n' for owner, country, share in owners)


def test_owners_that_each_own_both_owners_above_are_weighed_not_walked_chain_by_chain(firm: Path, wst, tmp_path: Path) -> None:
    """A 15 KB registry file: two owners at each of 38 levels, each owning both owners of the level above, and a
    Chinese owner under the last: 2^38 chains, which walked one by one never ended. The walk stops after
    MAX_HOLDINGS_WALKED holdings and says so, and the share is weighed over the 76 entities instead: 50 %."""
    levels = [_entity("Diamantklient AB", [("Alfa 1 AB", "SE", 50.0), ("Beta 1 AB", "SE", 50.0)])]
    for level in range(1, 38):
        levels += [_entity(f"{side} {level} AB", [(f"Alfa {level + 1} AB", "SE", 50.0), (f"Beta {level + 1} AB", "SE", 50.0)]) for side in ("Alfa", "Beta")]
    levels += [_entity(f"{side} 38 AB", [("Peking Holding Co", "CN", 50.0)]) for side in ("Alfa", "Beta")]
    registry_toml(firm, "\n".join(levels))
    result = check(wst, tmp_path, [], name="Diamantklient AB")
    [(block, weighed), (warn, walked)] = ownership_findings(result)
    assert (block, weighed["look_through_share"], warn, walked["truncated"]) == ("block", 50.0, "warn", True)
    assert result["verdict"] == "needs_exception"


def test_a_ring_of_thousands_of_near_whole_holdings_is_weighed_in_bounded_time(firm: Path, wst, tmp_path: Path) -> None:
    """4,000 companies each 99.99 % owned by the next, the last also 0.01 % Chinese: the look-through's sweeps
    converge slowly (it ran for minutes); they stop at MAX_LOOK_THROUGH_STEPS with a lower bound, never above the truth."""
    ring = [_entity("Ringklient AB", [("Ring 0 AB", "SE", 100.0)])]
    ring += [_entity(f"Ring {n} AB", [(f"Ring {(n + 1) % 4000} AB", "SE", 99.99), *([("Peking Holding Co", "CN", 0.01)] if n == 3999 else [])])
             for n in range(4000)]
    registry_toml(firm, "\n".join(ring))
    result = check(wst, tmp_path, [], name="Ringklient AB")
    findings = dict(ownership_findings(result))
    assert findings["warn"]["truncated"] is True  # 4,000 links: longer than MAX_DEPTH
    exact = 0.01 * 0.9999 ** 3999 / (1 - 0.9999 ** 4000)  # percent: the least solution of the ring's equations
    assert 0.02 < findings["info"]["look_through_share"] <= round(exact, 4)
