"""Issue 10, the parts the process enforces: the firm's pinned policy, stored proposals re-checked by
verify, and required signatures that gates honour, through the real CLI with throwaway SSH keys."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import REPO, files_under, proposal, write_proposal
from westander_cli.events import Approval, Proposed
from westander_cli.store import event_file_name, event_text, seal

T0 = "2026-12-01T09:00:00Z"
AFTER = "2026-12-03T10:00:00Z"
GAMBLING = {"name": "Spelbolaget AB", "org_number": None, "sectors": ["92.00"]}


def lax_policy(tmp_path: Path) -> Path:
    """The firm's policy less the gambling rule: what a proposer who wants a gambling client would use."""
    folder = tmp_path / "lax"
    shutil.copytree(REPO / "policies", folder)
    text = (folder / "kundpolicy.toml").read_text(encoding="utf-8")
    start = text.index('id = "sector.gambling"')
    block_start = text.rindex("[[rule]]", 0, start)
    block_end = text.index("[[rule]]", start)
    (folder / "kundpolicy.toml").write_text(text[:block_start] + text[block_end:], encoding="utf-8")
    return folder


def test_propose_refuses_a_policy_that_is_not_the_firms(firm: Path, wst, tmp_path: Path) -> None:
    lax = lax_policy(tmp_path)
    path = write_proposal(tmp_path, "spel", proposal(id="2026-spel", client=GAMBLING))
    assert wst("check", str(path), "--policies", str(lax)).code == 0  # a what-if check records nothing
    before = files_under(firm)
    refused = wst("propose", str(path), "--as", "anna", "--policies", str(lax), now=T0)
    assert refused.code == 2 and "not the firm's policy" in refused.err
    assert files_under(firm) == before


def test_a_policies_folder_in_the_working_directory_is_not_taken_for_the_firms(firm: Path, wst, tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WST_POLICIES")
    shutil.move(str(lax_policy(tmp_path)), tmp_path / "policies")  # tmp_path is the working directory
    path = write_proposal(tmp_path, "spel", proposal(id="2026-spel", client=GAMBLING))
    refused = wst("propose", str(path), "--as", "anna", now=T0)
    assert refused.code == 2 and "not the firm's policy" in refused.err


def rewrite(path: Path, model: type, **changes: object) -> Path:
    """Replace an event file by a forgery with a correct hash, as an insider with a clone can."""
    record = tomllib.loads(path.read_text())
    record.update(changes)
    forged = seal(model.model_validate({k: v for k, v in record.items() if k != "hash"}))
    path.unlink()
    new = path.parent / event_file_name(forged)
    new.write_text(event_text(forged), encoding="utf-8")
    return new


def test_a_hand_made_proposed_event_is_rechecked_against_the_firms_policy(firm: Path, wst, tmp_path: Path) -> None:
    clean = write_proposal(tmp_path, "p", proposal(id="2026-spel", client=GAMBLING | {"sectors": ["62.01"]}))
    assert wst("propose", str(clean), "--as", "anna", now=T0).code == 0
    events = firm / "engagements" / "2026-spel" / "events"
    for informed in events.glob("*-informed-*"):
        informed.unlink()
    [proposed] = events.glob("*-proposed-*")
    record = tomllib.loads(proposed.read_text())
    record["proposal"]["client"]["sectors"] = ["92.00"]
    rewrite(proposed, Proposed, proposal=record["proposal"], findings=[], colleagues=[], review_deadline=record["at"])
    assert wst("offer", "2026-spel", "--as", "anna", now=T0).code == 0  # locally the forgery clears at once ...
    messages = [p["message"] for p in wst("verify", "--format", "json").json["problems"] if p["severity"] == "error"]
    assert any("missing sector.gambling" in m for m in messages), messages  # ... but CI sees every part of it
    assert any("informs no colleague" in m for m in messages)
    assert any("review deadline" in m for m in messages)
    assert wst("verify").code == 1


def keygen(tmp_path: Path, name: str) -> tuple[Path, str]:
    key = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (tmp_path / f"{name}.pub").read_text().strip()


def require_ceo_signatures(firm: Path, tmp_path: Path) -> Path:
    key, public = keygen(tmp_path, "petra")
    people = (firm / "people.toml").read_text()
    (firm / "people.toml").write_text(people.replace('id = "petra"\n', f'id = "petra"\nsigning_key = "{public}"\n'))
    (firm / "firm.toml").write_text((firm / "firm.toml").read_text() + '\n[signatures]\nrequired = "ceo_decisions"\n')
    return key


def test_an_unsigned_forged_approval_counts_for_nothing(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = require_ceo_signatures(firm, tmp_path)
    path = write_proposal(tmp_path, "p", proposal(id="2026-spel", client=GAMBLING))
    assert wst("propose", str(path), "--as", "anna", "--exception-reason", "Bara lotterier", now=T0).code == 0
    monkeypatch.setenv("WST_SIGNING_KEY", str(key))
    assert wst("comment", "2026-spel", "Jag tittar på det", "--as", "petra", now=T0).code == 0
    [comment] = (firm / "engagements" / "2026-spel" / "events").glob("*-comment-*")
    record = tomllib.loads(comment.read_text())
    approval = seal(Approval(at=record["at"], by="petra", follows=record["follows"], reason="OK"))
    (comment.parent / event_file_name(approval)).write_text(event_text(approval), encoding="utf-8")
    refused = wst("offer", "2026-spel", "--as", "anna", "--format", "json", now=AFTER)
    assert refused.code == 3 and any("CEO exception" in m for m in refused.json["error"]["missing"])
    shown = wst("show", "2026-spel", "--format", "json", now=AFTER).json["engagement"]
    assert any("unsigned" in n["reason"] for n in shown["not_counted"])
    assert any("unsigned" in p["message"] for p in wst("verify", "--format", "json", now=AFTER).json["problems"])
    # The real CEO signs, and it counts.
    assert wst("approve", "2026-spel", "--reason", "Undantag", "--as", "petra", now=AFTER).code == 0
    assert wst("offer", "2026-spel", "--as", "anna", now=AFTER).code == 0


def test_a_signed_events_hash_and_signature_copied_onto_a_hand_made_approval_count_for_nothing(
        firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by attacking: the signature is over the hash, and the gates took the hash the file claims. A consultant
    copied the CEO's signed comment's hash and signature onto an approval she wrote: `offer` counted it, and only
    verify said the file was edited. Now the gates recompute the hash of every event whose signature they check."""
    key = require_ceo_signatures(firm, tmp_path)
    path = write_proposal(tmp_path, "p", proposal(id="2026-spel", client=GAMBLING))
    assert wst("propose", str(path), "--as", "anna", "--exception-reason", "Bara lotterier", now=T0).code == 0
    other = write_proposal(tmp_path, "annat", proposal(id="2026-annat"))
    assert wst("propose", str(other), "--as", "anna", now=T0).code == 0
    monkeypatch.setenv("WST_SIGNING_KEY", str(key))
    assert wst("comment", "2026-annat", "Jag tittar på det", "--as", "petra", now=T0).code == 0
    [comment] = (firm / "engagements" / "2026-annat" / "events").glob("*-comment-*")
    signed = tomllib.loads(comment.read_text())
    events = firm / "engagements" / "2026-spel" / "events"
    heads = [tomllib.loads(p.read_text())["hash"] for p in events.glob("*-informed-*")]
    forged = {"kind": "approval", "at": signed["at"], "by": "petra", "follows": heads, "reason": "OK",
              "hash": signed["hash"], "signature": signed["signature"]}
    (events / f"20261201T100000000000Z-approval-{signed['hash'][:12]}.toml").write_text(event_text(Approval.model_validate(forged)), encoding="utf-8")
    refused = wst("offer", "2026-spel", "--as", "anna", "--format", "json", now=AFTER)
    assert refused.code == 3 and any("CEO exception" in m for m in refused.json["error"]["missing"])
    shown = wst("show", "2026-spel", "--format", "json", now=AFTER).json["engagement"]
    assert any("does not match the hash" in n["reason"] for n in shown["not_counted"])
    assert wst("verify", now=AFTER).code == 1


def test_signing_with_someone_elses_key_writes_nothing(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_ceo_signatures(firm, tmp_path)
    erik_key, _ = keygen(tmp_path, "erik")
    path = write_proposal(tmp_path, "p", proposal(id="2026-nyckel"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    monkeypatch.setenv("WST_SIGNING_KEY", str(erik_key))
    before = files_under(firm)
    refused = wst("veto", "2026-nyckel", "--reason", "Nej", "--as", "petra", now=T0)
    assert refused.code == 4 and "nothing was written" in refused.err
    assert files_under(firm) == before


def _forged_copy(firm: Path, engagement: str, copy: str, **changes: object) -> None:
    """A consultant copies an honest `proposed` event into a new folder, changing what she likes, hash and all."""
    [proposed] = (firm / "engagements" / engagement / "events").glob("*-proposed-*")
    record = tomllib.loads(proposed.read_text())
    record["proposal"]["id"] = copy
    events = firm / "engagements" / copy / "events"
    events.mkdir(parents=True)
    shutil.copy(proposed, events / proposed.name)
    rewrite(events / proposed.name, Proposed, proposal=record["proposal"], **changes)
    shutil.rmtree(firm / "engagements" / engagement)


def test_a_proposed_event_that_names_a_consultant_its_ceo_gives_her_no_ceo_powers(
        firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a hostile review: `ceo = "anna"` in a hand-made proposal let anna sign her own CEO approval of
    her alcohol client's exception, and verify said nothing. Where the CEO has approved a roster, the recorded
    CEO counts only if people.toml or the roster in force then names that person CEO (a firm without keys
    cannot tell: README, threat model); a CEO who has since stepped down keeps the decisions (test_clones)."""
    key = require_ceo_signatures(firm, tmp_path)
    anna_key, anna_public = keygen(tmp_path, "anna")
    people = (firm / "people.toml").read_text()
    (firm / "people.toml").write_text(people.replace('id = "anna"\n', f'id = "anna"\nsigning_key = "{anna_public}"\n'))
    monkeypatch.setenv("WST_SIGNING_KEY", str(key))
    assert wst("roster", "approve", "--as", "petra", now="2026-11-30T09:00:00Z").code == 0
    monkeypatch.setenv("WST_SIGNING_KEY", str(anna_key))
    path = write_proposal(tmp_path, "p", proposal(id="2026-spel", client=GAMBLING))
    assert wst("propose", str(path), "--as", "anna", "--exception-reason", "Bara lotterier", now=T0).code == 0
    _forged_copy(firm, "2026-spel", "2026-spel-x", ceo="anna")
    refused = wst("approve", "2026-spel-x", "--reason", "jag själv", "--as", "anna", now=AFTER)
    assert refused.code == 4 and "only the CEO (petra)" in refused.err, refused.err
    monkeypatch.setenv("WST_SIGNING_KEY", str(key))
    assert wst("approve", "2026-spel-x", "--reason", "Undantag", "--as", "petra", now=AFTER).code == 0
    messages = [p["message"] for p in wst("verify", "--format", "json", now=AFTER).json["problems"]]
    assert any("records 'anna' as its CEO, whom neither people.toml nor the roster" in m for m in messages), messages


def test_a_proposed_event_that_records_no_signatures_does_not_switch_off_what_the_ceo_approved(
        firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a hostile review: `signatures = "none"` in a hand-made proposal made an unsigned forged CEO
    approval count. What the roster had approved by the proposal's time is the floor, for the gates and verify."""
    key = require_ceo_signatures(firm, tmp_path)
    monkeypatch.setenv("WST_SIGNING_KEY", str(key))
    assert wst("roster", "approve", "--as", "petra", now="2026-11-30T09:00:00Z").code == 0
    monkeypatch.delenv("WST_SIGNING_KEY")
    path = write_proposal(tmp_path, "p", proposal(id="2026-spel", client=GAMBLING))
    assert wst("propose", str(path), "--as", "anna", "--exception-reason", "Bara lotterier", now=T0).code == 0
    _forged_copy(firm, "2026-spel", "2026-spel-x", signatures="none")
    events = firm / "engagements" / "2026-spel-x" / "events"
    [proposed] = events.glob("*-proposed-*")
    root = tomllib.loads(proposed.read_text())
    approval = seal(Approval(at=root["at"], by="petra", follows=[root["hash"]], reason="forged"))
    (events / event_file_name(approval)).write_text(event_text(approval), encoding="utf-8")
    refused = wst("offer", "2026-spel-x", "--as", "anna", "--format", "json", now=AFTER)
    assert refused.code == 3 and any("CEO exception" in m for m in refused.json["error"]["missing"]), refused.err
    messages = [p["message"] for p in wst("verify", "--format", "json", now=AFTER).json["problems"]]
    assert any("unsigned, but firm.toml requires a signature" in m for m in messages), messages
    assert any("records signatures = 'none', weaker than the 'ceo_decisions'" in m for m in messages), messages


def test_a_proposed_event_copied_into_another_folder_is_refused_everywhere(firm: Path, wst, tmp_path: Path) -> None:
    """Found by attacking: the CEO's veto was escaped by copying the engagement's `proposed` event (and its
    deliveries) into a new folder, which then read as a fresh, cleared engagement that full verify passed.
    A proposal is stored under its own id, so one in another folder is refused as a bad file by every command
    (and `publish` leaves it out, counting it as unreadable)."""
    path = write_proposal(tmp_path, "p", proposal(id="2026-veto"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    assert wst("veto", "2026-veto", "--reason", "Nej", "--as", "petra", now=T0).code == 0
    source = firm / "engagements" / "2026-veto" / "events"
    copy = firm / "engagements" / "2026-kopia" / "events"
    copy.mkdir(parents=True)
    for event in [*source.glob("*-proposed-*"), *source.glob("*-informed-*")]:
        shutil.copy(event, copy / event.name)
    for command in (["show", "2026-kopia"], ["offer", "2026-kopia", "--as", "anna"]):
        refused = wst(*command, now=AFTER)
        assert refused.code == 2 and "is not the folder it is stored in ('2026-kopia')" in refused.err, refused.err
    verified = wst("verify", "--format", "json", now=AFTER)
    assert verified.code == 1
    assert any("2026-kopia" in p["file"] and "copied proposal" in p["message"] for p in verified.json["problems"])
    listed = wst("list", now=AFTER)  # as for any bad file: one line naming it, exit 2
    assert listed.code == 2 and "2026-kopia" in listed.err and "copied proposal" in listed.err
