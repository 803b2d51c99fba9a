"""The roster is part of the record: CEO-signed approvals of who is CEO, everyone's keys and the signature rule."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w

from conftest import files_under, proposal, write_proposal
from test_clones import write_by_hand
from trust_helpers import append_person_keys, keygen, require_signatures, set_field, set_person
from westander_cli import roster
from westander_cli.events import Proposed
from westander_cli.model import SignatureRule

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
T0 = "2026-12-01T09:00:00Z"


def problems(wst) -> list[str]:
    result = wst("verify", "--format", "json")
    return [f"{p['file']}: {p['message']}" for p in result.json["problems"]]


@pytest.fixture
def signed_firm(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Petra (CEO) and Erik hold keys, CEO decisions must be signed, and Petra approved the roster."""
    keys = {}
    for name in ("petra", "erik", "anna"):
        key, pub = keygen(tmp_path, name)
        set_person(firm, name, f'signing_key = "{pub}"')
        keys[name] = key
    require_signatures(firm)
    assert any("no roster approval exists" in p for p in problems(wst))
    monkeypatch.setenv("WST_SIGNING_KEY", str(keys["petra"]))
    approved = wst("roster", "approve", "--as", "petra", now=T0)
    assert approved.code == 0, approved.err
    assert problems(wst) == []
    return keys


def test_a_consultant_who_makes_himself_ceo_is_reported_and_cannot_approve_it(firm: Path, wst, signed_firm, monkeypatch) -> None:
    set_field(firm, "petra", "active", "false")
    set_field(firm, "anna", "role", '"ceo"')
    assert wst("validate").code == 0  # the file is well-formed; the change is simply not approved
    found = problems(wst)
    assert "people.toml: anna: role is 'ceo', approved 'consultant' (not approved by the CEO: 'wst roster approve')" in found
    assert "people.toml: petra: active is False, approved True (not approved by the CEO: 'wst roster approve')" in found
    monkeypatch.setenv("WST_SIGNING_KEY", str(signed_firm["anna"]))
    before = files_under(firm)
    refused = wst("roster", "approve", "--as", "anna", now=T0)
    assert refused.code == 4 and "only petra, the CEO of the approved roster" in refused.err
    assert files_under(firm) == before


def test_lowering_the_signature_requirement_or_swapping_a_key_is_reported(firm: Path, wst, signed_firm, tmp_path: Path) -> None:
    firm_toml = firm / "firm.toml"
    original = firm_toml.read_text()
    firm_toml.write_text(original.replace('required = "ceo_decisions"', 'required = "none"'))
    assert any("firm.toml: signatures.required is 'none', approved 'ceo_decisions'" in p for p in problems(wst))
    assert roster.approved_settings(firm).signatures.required == SignatureRule.CEO_DECISIONS  # what gates should honour
    from westander_cli.model import Firm
    from westander_cli.tomlfile import load_model, read_toml

    local = load_model(read_toml(firm_toml), Firm)
    assert roster.effective_signatures(local, roster.read_approvals(firm)[0]).required == SignatureRule.CEO_DECISIONS
    firm_toml.write_text(original)
    _, forger_pub = keygen(tmp_path, "forger")
    people = firm / "people.toml"
    text = people.read_text()
    petra_pub = (tmp_path / "petra.pub").read_text().strip()
    people.write_text(text.replace(petra_pub, forger_pub))
    assert any("people.toml: petra: keys changed" in p for p in problems(wst))
    approved = roster.approved_people(firm)
    assert approved is not None and approved["petra"].keys_valid_at(_when(T0)) == [" ".join(petra_pub.split()[:2])]


def test_a_hand_forged_or_edited_approval_is_reported(firm: Path, wst, signed_firm, monkeypatch) -> None:
    set_field(firm, "anna", "role", '"ceo"')
    set_field(firm, "petra", "role", '"consultant"')
    [first] = sorted((firm / "roster").glob("*.toml"))
    # anna signs an approval with her own key and claims it is petra's
    monkeypatch.setenv("WST_SIGNING_KEY", str(signed_firm["anna"]))
    refused = wst("roster", "approve", "--as", "petra", now="2026-12-02T09:00:00Z")
    assert refused.code == 4 and "WST_SIGNING_KEY is not a key of petra" in refused.err
    record = tomllib.loads(first.read_text())
    content = roster.security_content(*_loaded(firm))
    forged_record = roster.record_content(record["at"] if not isinstance(record["at"], str) else _when("2026-12-02T09:00:00Z"), "petra", [record["hash"]], content)
    forged_hash = roster.digest(forged_record)
    import subprocess

    signature = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "wst-roster", "-f", str(signed_firm["anna"])],
                               input=forged_hash.encode(), capture_output=True, check=True).stdout.decode()
    (firm / "roster" / f"20261202T090000Z-{forged_hash[:12]}.toml").write_text(tomli_w.dumps({**forged_record, "hash": forged_hash, "signature": signature}))
    assert any("bad signature: made with another key than petra's" in p for p in problems(wst))
    # editing the approved copy is seen too
    first.write_text(first.read_text().replace('role = "consultant"', 'role = "ceo"', 1))
    assert any(p.startswith(str(first)) and "edited" in p for p in problems(wst))


def test_an_honest_ceo_hand_over_and_key_rotation_pass(firm: Path, wst, signed_firm, tmp_path: Path, monkeypatch) -> None:
    # Petra hands over to Erik: she edits people.toml and approves it with her key.
    set_field(firm, "petra", "role", '"consultant"')
    set_field(firm, "erik", "role", '"ceo"')
    assert wst("roster", "approve", "--as", "petra", now="2026-12-02T09:00:00Z").code == 0
    assert problems(wst) == []
    # Petra can no longer approve; Erik rotates his key: the old one signs the rotation, the new one what follows.
    new_key, new_pub = keygen(tmp_path, "erik-new")
    text = (firm / "people.toml").read_text()
    erik_pub = (tmp_path / "erik.pub").read_text().strip()
    (firm / "people.toml").write_text(text.replace(f'signing_key = "{erik_pub}"\n', ""))
    append_person_keys(firm, "erik", [f'key = "{erik_pub}"\nvalid_until = 2026-12-03T10:00:00Z',
                                      f'key = "{new_pub}"\nvalid_from = 2026-12-03T10:00:00Z'])
    assert wst("roster", "approve", "--as", "petra", now="2026-12-03T09:00:00Z").code == 4
    monkeypatch.setenv("WST_SIGNING_KEY", str(signed_firm["erik"]))
    assert wst("roster", "approve", "--as", "erik", now="2026-12-03T09:00:00Z").code == 0
    assert problems(wst) == []
    (firm / "firm.toml").write_text((firm / "firm.toml").read_text().replace("review_hours = 48", "review_hours = 72"))
    assert any("review_hours is 72, approved 48" in p for p in problems(wst))
    assert wst("roster", "approve", "--as", "erik", now="2026-12-04T09:00:00Z").code == 4  # the old key is revoked
    monkeypatch.setenv("WST_SIGNING_KEY", str(new_key))
    assert wst("roster", "approve", "--as", "erik", now="2026-12-04T09:00:00Z").code == 0
    assert problems(wst) == []
    assert len(list((firm / "roster").glob("*.toml"))) == 4
    again = wst("roster", "approve", "--as", "erik", now="2026-12-04T10:00:00Z")
    assert again.code == 3 and "nothing to approve" in again.err
    # deleting an approval in the middle of the chain breaks it
    sorted((firm / "roster").glob("*.toml"))[1].unlink()
    assert any("which is missing (deleted?)" in p for p in problems(wst))


def test_without_signatures_the_roster_binds_nothing(firm: Path, wst) -> None:
    set_field(firm, "anna", "role", '"ceo"')
    set_field(firm, "petra", "role", '"consultant"')
    assert problems(wst) == []  # inherent without keys: the threat model says so
    assert wst("roster", "check").code == 0


def _loaded(firm: Path):
    from westander_cli.model import Firm, People
    from westander_cli.tomlfile import load_model, read_toml

    return load_model(read_toml(firm / "firm.toml"), Firm), load_model(read_toml(firm / "people.toml"), People)


def _when(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


@pytest.mark.parametrize("content", [{"people": "x"}, {"signatures": {"required": "none"}, "review_hours": 48, "people": [{"id": "x"}]},
                                     {"signatures": {"required": "maybe"}, "review_hours": 48, "people": []}, "text"])
def test_a_well_hashed_but_malformed_approval_is_reported_not_a_crash(firm: Path, wst, signed_firm, content: object) -> None:
    record = {"at": "2026-12-02T09:00:00Z", "by": "petra", "follows": [], "digest": "0" * 64, "content": content}
    record["digest"] = roster.digest(content)  # type: ignore[arg-type]  # a forger may hash anything
    record_hash = roster.digest(record)
    (firm / "roster" / f"20261202T090000Z-{record_hash[:12]}.toml").write_text(tomli_w.dumps({**record, "hash": record_hash, "signature": "x"}))
    result = wst("verify")
    assert result.code == 1 and "not a roster approval" in result.out


def test_changing_the_pinned_policy_needs_the_ceos_approval(firm: Path, wst, signed_firm) -> None:
    """The policy is the firm's: a new pin in firm.toml is a roster change like a new CEO."""
    firm_toml = firm / "firm.toml"
    firm_toml.write_text(firm_toml.read_text().replace("[policy]\n", "[policy]\nearlier = []\n", 1))
    assert problems(wst) == []  # an edit that does not change the pin is no change
    text = firm_toml.read_text()
    pinned = text.split('digest = "', 1)[1][:64]
    firm_toml.write_text(text.replace(pinned, "f" * 64))
    assert any(p.startswith("firm.toml: policy.digest is 'ffff") and "not approved by the CEO" in p for p in problems(wst))


def test_a_hand_made_proposal_with_a_shorter_review_than_the_ceo_approved_is_an_error(firm: Path, wst, signed_firm, tmp_path: Path,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by attacking: a proposed event resealed with `review_hours = 0` and its deadline at once skipped the
    colleagues' review, and verify only warned (shorter than firm.toml's), though the CEO had approved 48 hours."""
    monkeypatch.setenv("WST_SIGNING_KEY", str(signed_firm["anna"]))
    path = write_proposal(tmp_path, "p", proposal(id="2026-snabb"))
    assert wst("propose", str(path), "--as", "anna", now="2026-12-01T10:00:00Z").code == 0
    events = firm / "engagements" / "2026-snabb" / "events"
    [proposed] = events.glob("*-proposed-*")
    record = tomllib.loads(proposed.read_text())
    record.update(review_hours=0, review_deadline=record["at"])
    del record["hash"]
    for written in events.iterdir():
        written.unlink()
    write_by_hand(events, Proposed.model_validate(record))
    found = wst("verify", "--format", "json", now="2026-12-01T10:05:00Z").json["problems"]
    assert [(p["severity"], p["message"]) for p in found if "review period" in p["message"]] == [
        ("error", "recorded a review period of 0 hours, shorter than the 48 the CEO had approved by then (roster/)")]
