"""validate, verify, signatures, publish and report: records that cannot be lost, torn or quietly edited."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import tomli_w

from conftest import proposal, write_proposal

T0 = "2026-12-01T09:00:00Z"
AFTER = "2026-12-03T10:00:00Z"


def sample_firm(wst, tmp_path: Path) -> list[str]:
    """A firm with a won, a vetoed, a withdrawn, a lost and a disputed engagement."""
    ids = []
    for n, name in enumerate(["Vunnen", "Stoppad", "Dragen", "Förlorad", "Omstridd"]):
        pid = f"2026-sample-{n}"
        path = write_proposal(tmp_path, pid, proposal(id=pid, title=f"Hemligt uppdrag {name}", website_text=f"Text om {name}",
                                                      client={"name": f"{name} Kund AB", "org_number": None, "sectors": [["62.01", "85.42", "86.10", "90.01", "93.13"][n]]}))
        assert wst("propose", str(path), "--as", "anna", now=T0).code == 0, name
        ids.append(pid)
    wst("ack", ids[0], "--as", "erik", now="2026-12-01T10:00:00Z")
    for pid in (ids[0], ids[3]):
        assert wst("offer", pid, "--as", "anna", now=AFTER).code == 0
    assert wst("won", ids[0], "--as", "anna", now=AFTER).code == 0
    assert wst("veto", ids[1], "--reason", "Nej", "--as", "petra", now=AFTER).code == 0
    assert wst("withdraw", ids[2], "--as", "anna", now=AFTER).code == 0
    assert wst("lost", ids[3], "--as", "anna", now=AFTER).code == 0
    assert wst("object", ids[4], "--reason", "Tveksamt", "--as", "sara", now="2026-12-01T11:00:00Z").code == 0
    return ids


def verify_problems(wst) -> list[dict]:
    result = wst("verify", "--format", "json")
    assert result.code in (0, 1), result.err
    return result.json["problems"]


def test_a_clean_firm_verifies_and_validates(firm: Path, wst, tmp_path: Path) -> None:
    sample_firm(wst, tmp_path)
    assert verify_problems(wst) == []
    result = wst("validate", "--format", "json")
    assert result.code == 0 and result.json["ok"] and result.json["problems"] == []


def event_files(firm: Path) -> list[Path]:
    return sorted(p for p in (firm / "engagements").glob("*/events/*.toml"))


def tamper_cases(firm: Path) -> list[tuple[str, Path]]:
    return [(f"{p.parent.parent.name}/{p.name}", p) for p in event_files(firm)]


def test_editing_any_single_event_is_found(firm: Path, wst, tmp_path: Path) -> None:
    sample_firm(wst, tmp_path)
    pristine = tmp_path / "pristine"
    shutil.copytree(firm, pristine)
    cases = 0
    for _, path in tamper_cases(firm):
        original = path.read_bytes()
        record = tomllib.loads(original.decode())
        record["at"] = record["at"].replace(second=(record["at"].second + 1) % 60)
        path.write_text(tomli_w.dumps(record), encoding="utf-8")
        problems = verify_problems(wst)
        assert any(p["file"] == str(path) and "edited" in p["message"] for p in problems), path
        path.write_bytes(original)
        cases += 1
    assert cases >= 25 and verify_problems(wst) == []


def test_deleting_any_event_that_others_follow_is_found(firm: Path, wst, tmp_path: Path) -> None:
    sample_firm(wst, tmp_path)
    followed = {h for p in event_files(firm) for h in tomllib.loads(p.read_text())["follows"]}
    cases = 0
    for _, path in tamper_cases(firm):
        record = tomllib.loads(path.read_text())
        if record["hash"] not in followed:
            continue  # a deleted newest event leaves no trace in the files: examples/ci/ guards that
        original = path.read_bytes()
        path.unlink()
        problems = verify_problems(wst)
        assert any("missing (deleted?)" in p["message"] or "'proposed' events" in p["message"] for p in problems), path
        path.write_bytes(original)
        cases += 1
    assert cases >= 15


def test_reordering_events_is_found(firm: Path, wst, tmp_path: Path) -> None:
    sample_firm(wst, tmp_path)
    for folder in sorted((firm / "engagements").glob("*/events")):
        files = sorted(folder.iterdir())
        a, b = files[0], files[-1]
        tmp = a.with_name("swap")
        a.rename(tmp)
        b.rename(a)
        tmp.rename(b)
        problems = verify_problems(wst)
        assert any(p["file"] in (str(a), str(b)) and "renamed" in p["message"] for p in problems), folder
        b.rename(tmp)
        a.rename(b)
        tmp.rename(a)
    assert verify_problems(wst) == []


def reseal(path: Path, **changes: object) -> None:
    """Rewrite an event with changes and a *correct* new hash: a forgery a hash check alone misses."""
    from westander_cli.events import model_of
    from westander_cli.store import event_file_name, event_text, seal

    record = tomllib.loads(path.read_text())
    record.update(changes)
    event = seal(model_of(record, str(path)).model_validate({k: v for k, v in record.items() if k != "hash"}))
    path.unlink()
    (path.parent / event_file_name(event)).write_text(event_text(event), encoding="utf-8")


def test_a_forged_author_is_found(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    [veto] = [p for p in event_files(firm) if "-veto-" in p.name]
    reseal(veto, by="erik")
    problems = verify_problems(wst)
    assert any("not allowed: veto by erik: only the CEO" in p["message"] for p in problems)
    assert ids


def test_an_offer_before_clearance_is_found(firm: Path, wst, tmp_path: Path) -> None:
    sample_firm(wst, tmp_path)
    [offer] = [p for p in event_files(firm) if "-offer-" in p.name and "sample-3" in str(p)]
    record = tomllib.loads(offer.read_text())
    reseal(offer, at=record["at"].replace(day=1, hour=12))
    problems = verify_problems(wst)
    assert any("not allowed: offer by anna" in p["message"] and "not cleared" in p["message"] for p in problems)


def test_an_unknown_author_and_a_broken_file_are_found(firm: Path, wst, tmp_path: Path) -> None:
    sample_firm(wst, tmp_path)
    files = event_files(firm)
    reseal(files[3], by="mallory")
    files[5].write_text("kind = [broken", encoding="utf-8")
    messages = [p["message"] for p in verify_problems(wst)]
    assert any("'mallory' is not a person in people.toml" in m for m in messages)
    assert any(m.startswith("unreadable event") for m in messages)
    assert wst("verify").code == 1


def test_an_edited_proposal_is_found(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    [proposed] = [p for p in event_files(firm) if "-proposed-" in p.name and ids[0] in str(p)]
    proposed.write_text(proposed.read_text().replace("Vunnen Kund AB", "Annan Kund AB"))
    assert any(p["file"] == str(proposed) and "edited" in p["message"] for p in verify_problems(wst))


def test_an_edited_legacy_proposal_file_is_found(firm: Path, wst) -> None:
    """Engagements stored before wst 0.2 keep their proposal in proposal.toml, bound by its recorded hash."""
    path = firm / "engagements" / "2026-vattenfall-fossilfritt" / "proposal.toml"
    path.write_text(path.read_text().replace("Vattenfall AB", "Vattenfal AB"))
    assert any(p["file"] == str(path) and "edited" in p["message"] for p in verify_problems(wst))


def test_symlinks_inside_the_data_folder_are_refused(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    (firm / "engagements" / "2026-link").symlink_to(firm / "engagements" / ids[0])
    events = firm / "engagements" / ids[1] / "events"
    target = next(events.iterdir())
    (events / "20270101T000000000000Z-ack-aaaaaaaaaaaa.toml").symlink_to(target)
    messages = [p["message"] for p in verify_problems(wst)]
    assert any("symbolic link" in m for m in messages) and any("not a plain file" in m for m in messages)
    assert wst("show", "2026-link").code == 2
    assert wst("show", ids[1]).code == 2


def test_leftover_temporary_files_are_ignored_and_cleaned(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    events = firm / "engagements" / ids[4] / "events"
    (events / ".tmp-12345-abcdef").write_text("kind = \"ack\"\nby = ", encoding="utf-8")
    assert verify_problems(wst) == []
    assert wst("show", ids[4], "--format", "json").json["engagement"]["state"] == "disputed"
    assert wst("comment", ids[4], "Fortfarande tveksamt", "--as", "erik", now="2026-12-01T12:00:00Z").code == 0
    assert not list(events.glob(".tmp-*"))


def test_a_propose_killed_before_its_file_was_linked_leaves_nothing_to_flag(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    events = firm / "engagements" / "2026-half-made" / "events"
    events.mkdir(parents=True)
    (events / ".tmp-123-abcdef").write_text('kind = "prop', encoding="utf-8")
    assert verify_problems(wst) == []
    assert "2026-half-made" not in wst("list", "--format", "json").out and len(ids) == 5
    path = write_proposal(tmp_path, "again", proposal(id="2026-half-made"))
    assert wst("propose", str(path), "--as", "anna", now=AFTER).code == 0  # the id was never taken


def test_a_killed_proposals_staging_folder_is_ignored(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    staging = firm / "engagements" / ".staging-2026-half-made-123-abcd1234"
    (staging / "events").mkdir(parents=True)
    (staging / "proposal.toml").write_text('title = "half', encoding="utf-8")
    assert verify_problems(wst) == []
    assert ".staging" not in wst("list", "--format", "json").out and len(ids) == 5
    assert ".staging-*/" in (firm / ".gitignore").read_text()


def test_confidentiality_of_declined_engagements(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    secret_words = ["Stoppad", "Dragen", "Förlorad", *ids[1:4]]
    for args in (["publish"], ["publish", "--format", "json"], ["report"], ["report", "--format", "json"]):
        out = wst(*args, now=AFTER).out
        assert not [w for w in secret_words if w in out], args
    clients = {c["client"]: c for c in wst("publish", "--format", "json", now=AFTER).json["clients"]}
    assert set(clients) == {"Vunnen Kund AB", "Vattenfall AB", "Telge Energi AB", "Skogsägarna Norr ek. för."}
    assert clients["Vunnen Kund AB"]["website_text"] == "Text om Vunnen" and clients["Vunnen Kund AB"]["status"] == "ongoing"
    report = wst("report", "--format", "json", now=AFTER).json
    assert report["declined"] == {"lost": 1, "vetoed": 1, "withdrawn": 1} and report["by_state"]["won"] == 4


def test_validate_lists_every_problem_with_its_line(firm: Path, wst, tmp_path: Path) -> None:
    ids = sample_firm(wst, tmp_path)
    (firm / "people.toml").write_text((firm / "people.toml").read_text().replace('role = "ceo"', 'role = "boss"'))
    [event] = [p for p in event_files(firm) if "-veto-" in p.name]
    event.write_text(event.read_text().replace('by = "petra"', 'by = "ghost"'))
    result = wst("validate", "--format", "json")
    assert result.code == 1
    problems = result.json["problems"]
    assert any(p["file"].endswith("people.toml") and p["line"] == 5 and "role" in p["message"] for p in problems)
    github = wst("validate", "--format", "github")
    assert github.code == 1 and "::error file=" in github.out and ",line=5," in github.out
    table = wst("validate")
    assert re.search(r"people\.toml:5: person\[0\]\.role", table.out)
    assert ids


def test_github_annotations_for_check(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(client={"sectors": ["92"]}))
    result = wst("check", str(path), "--format", "github")
    assert result.code == 3 and result.out.startswith(f"::error file={path},title=sector.gambling::")
    assert wst("publish", "--format", "github").code == 2


def keygen(tmp_path: Path, name: str) -> tuple[Path, str]:
    key = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (tmp_path / f"{name}.pub").read_text().strip()


def add_signing_key(firm: Path, person: str, public_key: str) -> None:
    text = (firm / "people.toml").read_text()
    marker = f'id = "{person}"\n'
    (firm / "people.toml").write_text(text.replace(marker, marker + f'signing_key = "{public_key}"\n'))


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_signed_records_verify_and_forgeries_do_not(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    petra_key, petra_pub = keygen(tmp_path, "petra")
    _, erik_pub = keygen(tmp_path, "erik")
    add_signing_key(firm, "petra", petra_pub)
    add_signing_key(firm, "erik", erik_pub)
    (firm / "firm.toml").write_text((firm / "firm.toml").read_text() + '\n[signatures]\nrequired = "ceo_decisions"\n')
    path = write_proposal(tmp_path, "p", proposal(id="2026-signed"))
    wst("propose", str(path), "--as", "anna", now=T0)
    monkeypatch.setenv("WST_SIGNING_KEY", str(petra_key))
    assert wst("roster", "approve", "--as", "petra", now=T0).code == 0  # issue 10: the keyed roster is CEO-approved
    assert wst("veto", "2026-signed", "--reason", "Nej", "--as", "petra", now=AFTER).code == 0
    [veto] = [p for p in event_files(firm) if "-veto-" in p.name]
    assert "BEGIN SSH SIGNATURE" in veto.read_text()
    assert verify_problems(wst) == []
    # a signature replayed onto another event
    signature = tomllib.loads(veto.read_text())["signature"]
    other = next(p for p in event_files(firm) if "-ack-" in p.name and 'by = "petra"' in p.read_text())
    original = other.read_text()
    other.write_text(tomli_w.dumps({**tomllib.loads(original), "signature": signature}))
    assert any(p["file"] == str(other) and "bad signature: does not match the record" in p["message"] for p in verify_problems(wst))
    other.write_text(original)
    # a signature by another key on the CEO's veto
    record = tomllib.loads(veto.read_text())
    erik_key = tmp_path / "erik"
    forged = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", "wst-record", "-f", str(erik_key)], input=record["hash"].encode(), capture_output=True, check=True).stdout.decode()
    veto.write_text(tomli_w.dumps({**record, "signature": forged}))
    assert any("another key" in p["message"] for p in verify_problems(wst))
    # an unsigned CEO decision where the firm requires one
    del record["signature"]
    veto.write_text(tomli_w.dumps(record))
    assert any("unsigned, but firm.toml requires" in p["message"] for p in verify_problems(wst))


def test_a_required_signature_that_cannot_be_made_writes_nothing(firm: Path, wst, tmp_path: Path) -> None:
    from conftest import files_under

    (firm / "firm.toml").write_text((firm / "firm.toml").read_text() + '\n[signatures]\nrequired = "all"\n')
    path = write_proposal(tmp_path, "p", proposal(id="2026-unsigned"))
    before = files_under(firm)
    result = wst("propose", str(path), "--as", "anna", now=T0)
    assert result.code == 4 and "requires a signature" in result.err
    assert files_under(firm) == before


def test_autocommit_records_each_event_as_its_author(firm: Path, wst, tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": "x@x"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=firm, check=True)
    subprocess.run(["git", "add", "-A"], cwd=firm, check=True)
    subprocess.run(["git", "commit", "-qm", "firm"], cwd=firm, check=True, env=env)
    (firm / "firm.toml").write_text((firm / "firm.toml").read_text() + "\n[git]\nautocommit = true\n")
    subprocess.run(["git", "commit", "-qam", "autocommit"], cwd=firm, check=True, env=env)
    path = write_proposal(tmp_path, "p", proposal(id="2026-git"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    assert wst("ack", "2026-git", "--as", "erik", now=T0).code == 0
    log = subprocess.run(["git", "log", "--format=%an <%ae>|%s"], cwd=firm, capture_output=True, text=True, check=True).stdout.splitlines()
    assert log[0] == "Erik Holm <erik@westander-exempel.se>|wst: ack on 2026-git by erik"
    assert log[1] == "Anna Lindqvist <anna@westander-exempel.se>|wst: anna proposes 2026-git"
    assert log[2].endswith("|autocommit")  # one commit per command: the proposal, its event and the deliveries
    status = subprocess.run(["git", "status", "--porcelain"], cwd=firm, capture_output=True, text=True, check=True).stdout
    assert status == ""  # outbox and .wst are ignored, every record is committed
