"""The intake process through the CLI: every transition, every refusal, lazy consensus, deadlines."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from conftest import files_under, proposal, write_proposal

T0 = "2026-12-01T09:00:00Z"
BEFORE_DEADLINE = "2026-12-02T09:00:00Z"
AFTER_DEADLINE = "2026-12-03T09:00:01Z"
COLLEAGUES_OF_ANNA = ["erik", "jonas", "petra", "sara"]  # olle is inactive


def propose(wst, tmp_path: Path, pid: str = "2026-laddkraft", lead: str = "anna", **overrides) -> str:
    path = write_proposal(tmp_path, pid, proposal(id=pid, **overrides))
    result = wst("propose", str(path), "--as", lead, "--format", "json", now=T0)
    assert result.code == 0, result.err
    return pid


def state(wst, pid: str, now: str | None = None) -> str:
    return wst("show", pid, "--format", "json", now=now).json["engagement"]["state"]


def test_propose_stores_and_informs_every_active_colleague(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-laddkraft"))
    result = wst("propose", str(path), "--as", "anna", "--format", "json", now=T0)
    assert result.code == 0
    body = result.json
    assert body["id"] == "2026-laddkraft" and body["stored"] and body["state"] == "proposed"
    assert body["review_deadline"] == "2026-12-03T09:00:00Z"
    assert sorted(d["person"] for d in body["deliveries"]) == COLLEAGUES_OF_ANNA
    folder = firm / "engagements" / "2026-laddkraft"
    assert not (folder / "proposal.toml").exists()  # the proposal lives in its proposed event since 0.2
    kinds = sorted(p.name.split("-")[1] for p in (folder / "events").iterdir())
    assert kinds == ["informed", "proposed"]
    outbox = sorted(p.name.split("-", 1)[1] for p in (firm / "outbox" / "2026-laddkraft").iterdir())
    assert outbox == [f"{c}.eml" for c in COLLEAGUES_OF_ANNA]
    shown = wst("show", "2026-laddkraft", "--format", "json").json["engagement"]
    assert shown["informed"] == COLLEAGUES_OF_ANNA and shown["lead"] == "anna"


def test_generated_id_is_short_and_readable(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal())
    body = wst("propose", str(path), "--as", "anna", "--format", "json", now=T0).json
    assert body["id"] == "2026-laddkraft-sverige-opinionsarbete"
    twice = wst("propose", str(path), "--as", "anna", now=T0)
    assert twice.code == 3 and "already open as '2026-laddkraft-sverige-opinionsarbete'" in twice.err and "--again" in twice.err
    again = wst("propose", str(path), "--as", "anna", "--again", "--format", "json", now=T0).json
    assert again["id"] == "2026-laddkraft-sverige-opinionsarbete-2"


def test_lazy_consensus_clears_after_the_review_period(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    assert state(wst, pid, now=BEFORE_DEADLINE) == "proposed"
    refused = wst("offer", pid, "--as", "anna", "--format", "json", now=BEFORE_DEADLINE)
    assert refused.code == 3
    assert any("review period runs until 2026-12-03 10:00 CET" in m for m in refused.json["error"]["missing"])
    assert state(wst, pid, now=AFTER_DEADLINE) == "cleared"
    assert wst("offer", pid, "--as", "anna", now=AFTER_DEADLINE).code == 0
    assert state(wst, pid, now=AFTER_DEADLINE) == "offered"


def test_all_acks_clear_before_the_deadline(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    for person in COLLEAGUES_OF_ANNA[:-1]:
        assert wst("ack", pid, "--as", person, now="2026-12-01T10:00:00Z").code == 0
    assert state(wst, pid, now="2026-12-01T10:00:00Z") == "proposed"
    assert wst("ack", pid, "--as", "sara", now="2026-12-01T10:00:00Z").code == 0
    assert state(wst, pid, now="2026-12-01T10:00:00Z") == "cleared"


def test_full_happy_path_to_ended(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    for step in ("offer", "won", "end"):
        assert wst(step, pid, "--as", "anna", now=AFTER_DEADLINE).code == 0
    assert state(wst, pid, now=AFTER_DEADLINE) == "ended"
    log = wst("log", pid, "--format", "json").json["events"]
    assert [e["kind"] for e in log] == ["proposed", "informed", "offer", "won", "ended"]
    for earlier, later in itertools.pairwise(log):
        assert earlier["hash"] in later["follows"]


def test_lost_after_offer(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    wst("offer", pid, "--as", "anna", now=AFTER_DEADLINE)
    assert wst("lost", pid, "--as", "anna", "--reason", "för dyrt", now=AFTER_DEADLINE).code == 0
    assert state(wst, pid, now=AFTER_DEADLINE) == "lost"
    assert wst("won", pid, "--as", "anna", now=AFTER_DEADLINE).code == 3


def test_objection_disputes_and_only_the_author_or_the_ceo_lifts_it(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    assert wst("object", pid, "--reason", "Strider mot vår miljöprofil", "--as", "sara", now=BEFORE_DEADLINE).code == 0
    assert state(wst, pid, now=AFTER_DEADLINE) == "disputed"
    refused = wst("offer", pid, "--as", "anna", "--format", "json", now=AFTER_DEADLINE)
    assert refused.code == 3 and any("open objection by sara" in m for m in refused.json["error"]["missing"])
    not_author = wst("object", pid, "--withdraw", "--as", "erik", now=AFTER_DEADLINE)
    assert not_author.code == 4 and "only they (or a CEO decision)" in not_author.err
    assert wst("object", pid, "--withdraw", "--as", "sara", now=AFTER_DEADLINE).code == 0
    assert state(wst, pid, now=AFTER_DEADLINE) == "cleared"


def test_ceo_resolves_a_dispute(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    wst("object", pid, "--reason", "Nej", "--as", "sara", now=BEFORE_DEADLINE)
    assert wst("approve", pid, "--as", "erik", now=BEFORE_DEADLINE).code == 4
    assert wst("approve", pid, "--reason", "Vi tar det", "--as", "petra", now=BEFORE_DEADLINE).code == 0
    # The approval resolves the dispute; the colleagues' review period still runs (Kundpolicy fråga 7).
    assert state(wst, pid, now=BEFORE_DEADLINE) == "proposed"
    assert state(wst, pid, now=AFTER_DEADLINE) == "cleared"
    assert wst("offer", pid, "--as", "anna", now=BEFORE_DEADLINE).code == 3
    assert wst("object", pid, "--reason", "Jag hann inte säga det", "--as", "jonas", now=BEFORE_DEADLINE).code == 0


def test_objecting_after_clearance_disputes_again(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    assert state(wst, pid, now=AFTER_DEADLINE) == "cleared"
    assert wst("object", pid, "--reason", "Sent men viktigt", "--as", "jonas", now=AFTER_DEADLINE).code == 0
    assert state(wst, pid, now=AFTER_DEADLINE) == "disputed"


def test_block_findings_need_an_exception_reason_then_a_ceo_approval(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-spel", client={"sectors": ["92.00"]}))
    before = files_under(firm)
    refused = wst("propose", str(path), "--as", "anna", now=T0)
    assert refused.code == 3 and "--exception-reason" in refused.err and files_under(firm) == before
    assert wst("propose", str(path), "--as", "anna", "--exception-reason", "Ideell lotteriverksamhet", now=T0).code == 0
    assert state(wst, "2026-spel", now=AFTER_DEADLINE) == "proposed"
    refused = wst("offer", "2026-spel", "--as", "anna", "--format", "json", now=AFTER_DEADLINE)
    assert refused.code == 3 and any("CEO exception" in m and "sector.gambling" in m for m in refused.json["error"]["missing"])
    assert wst("approve", "2026-spel", "--as", "petra", now=AFTER_DEADLINE).code == 0
    assert state(wst, "2026-spel", now=AFTER_DEADLINE) == "cleared"


def test_forbidden_proposal_stores_nothing(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-dold", political_influence=True))
    before = files_under(firm)
    result = wst("propose", str(path), "--as", "anna", "--format", "json", now=T0)
    assert result.code == 1 and result.json["stored"] is False and result.json["verdict"] == "forbidden"
    assert files_under(firm) == before


def test_conflict_approval_requires_consulting_each_affected_client(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-nordvind", client={"name": "Nordvind Energi AB", "org_number": "556112-2333", "sectors": ["35.11"], "environmental_responsibility": ["ISO 14001"]}))
    assert wst("propose", str(path), "--as", "jonas", "--exception-reason", "Annat marknadssegment", now=T0).code == 0
    before = files_under(firm)
    refused = wst("approve", "2026-nordvind", "--as", "petra", now=AFTER_DEADLINE)
    assert refused.code == 3 and "--consulted 'Vattenfall AB=HOW'" in refused.err and files_under(firm) == before
    bad = wst("approve", "2026-nordvind", "--as", "petra", "--consulted", "Vattenfall AB", now=AFTER_DEADLINE)
    assert bad.code == 2 and "CLIENT=HOW" in bad.err
    assert wst("approve", "2026-nordvind", "--as", "petra", "--consulted", "vattenfall=telefon med vd 2026-12-02", now=AFTER_DEADLINE).code == 0
    assert state(wst, "2026-nordvind", now=AFTER_DEADLINE) == "cleared"


def test_veto_at_any_open_state_and_only_by_the_ceo(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    wst("offer", pid, "--as", "anna", now=AFTER_DEADLINE)
    refused = wst("veto", pid, "--reason", "Nej", "--as", "erik", now=AFTER_DEADLINE)
    assert refused.code == 4 and "only the CEO (petra)" in refused.err
    assert wst("veto", pid, "--as", "petra", now=AFTER_DEADLINE).code == 2  # a veto needs a reason
    assert wst("veto", pid, "--reason", "Nej", "--as", "petra", now=AFTER_DEADLINE).code == 0
    assert state(wst, pid, now=AFTER_DEADLINE) == "vetoed"
    assert wst("ack", pid, "--as", "erik", now=AFTER_DEADLINE).code == 3


def test_no_veto_after_won(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    wst("offer", pid, "--as", "anna", now=AFTER_DEADLINE)
    wst("won", pid, "--as", "anna", now=AFTER_DEADLINE)
    assert wst("veto", pid, "--reason", "För sent", "--as", "petra", now=AFTER_DEADLINE).code == 3


def test_withdraw_by_the_lead_only(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    assert wst("withdraw", pid, "--as", "erik", now=BEFORE_DEADLINE).code == 4
    assert wst("withdraw", pid, "--as", "anna", now=BEFORE_DEADLINE).code == 0
    assert state(wst, pid, now=BEFORE_DEADLINE) == "withdrawn"


@pytest.mark.parametrize(
    ("command", "actor", "code"),
    [
        (["offer"], "erik", 4), (["won"], "erik", 4), (["lost"], "erik", 4), (["end"], "erik", 4),
        (["offer"], "anna", 3), (["won"], "anna", 3), (["end"], "anna", 3), (["lost"], "anna", 3),
        (["approve"], "anna", 4), (["assign", "erik"], "anna", 4), (["veto", "--reason", "x"], "sara", 4),
        (["team", "add", "erik"], "sara", 4), (["criticism", "--note", "x"], "sara", 4),
        (["ack"], "anna", 4), (["object", "--reason", "x"], "anna", 4),
        (["ack"], "nobody", 4), (["ack"], "olle", 4),
        (["approve"], "petra", 3),  # nothing to decide
        (["criticism", "--note", "x"], "anna", 3),  # no criticism before an offer
        (["object"], "erik", 2), (["comment", " "], "erik", 2), (["team", "hire", "erik"], "anna", 2),
        (["team", "add", "nobody"], "anna", 2), (["assign", "nobody"], "petra", 2),
    ],
)
def test_refusals_write_nothing(firm: Path, wst, tmp_path: Path, command: list[str], actor: str, code: int) -> None:
    pid = propose(wst, tmp_path)
    before = files_under(firm)
    result = wst(command[0], pid, *command[1:], "--as", actor, now=BEFORE_DEADLINE)
    assert result.code == code, result.err
    assert result.err.startswith("wst: error:") and result.err.count("\n") == 1
    assert files_under(firm) == before


def test_unknown_engagement_and_bad_ids(firm: Path, wst) -> None:
    assert wst("ack", "2026-nothing", "--as", "erik").code == 2
    for bad in ("../etc", "a/b", "A-B", "x\x00y", "٣٣٣", "CON", ".."):
        result = wst("ack", bad, "--as", "erik")
        assert result.code == 2, bad


def test_identity_from_env_and_git(firm: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = propose(wst, tmp_path)
    monkeypatch.setenv("WST_USER", "erik@westander-exempel.se")
    assert wst("ack", pid, now=BEFORE_DEADLINE).code == 0
    monkeypatch.delenv("WST_USER")
    import subprocess

    subprocess.run(["git", "init", "-q", str(firm)], check=True)
    subprocess.run(["git", "-C", str(firm), "config", "user.email", "sara@westander-exempel.se"], check=True)
    assert wst("comment", pid, "Bra", "--format", "json", now=BEFORE_DEADLINE).json["event"]["by"] == "sara"
    subprocess.run(["git", "-C", str(firm), "config", "user.email", "stranger@example.com"], check=True)
    assert wst("comment", pid, "Bra", now=BEFORE_DEADLINE).code == 4


def test_personal_opt_out_blocks_team_add_but_does_not_dispute(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    assert wst("object", pid, "--personal", "--reason", "Jag sympatiserar inte med det", "--as", "sara", now=BEFORE_DEADLINE).code == 0
    assert state(wst, pid, now=BEFORE_DEADLINE) == "proposed"
    refused = wst("team", pid, "add", "sara", "--as", "anna", now=BEFORE_DEADLINE)
    assert refused.code == 4 and "declined personally" in refused.err
    assert wst("team", pid, "add", "erik", "--as", "anna", now=BEFORE_DEADLINE).code == 0
    assert wst("team", pid, "remove", "erik", "--as", "anna", now=BEFORE_DEADLINE).code == 0
    assert wst("show", pid, "--format", "json").json["engagement"]["opted_out"] == ["sara"]
    assert wst("assign", pid, "sara", "--as", "petra", now=BEFORE_DEADLINE).code == 4


def test_assign_moves_lead_powers(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    assert wst("assign", pid, "erik", "--as", "petra", now=AFTER_DEADLINE).code == 0
    assert wst("offer", pid, "--as", "anna", now=AFTER_DEADLINE).code == 4
    assert wst("offer", pid, "--as", "erik", now=AFTER_DEADLINE).code == 0


def test_criticism_informs_the_ceo_at_once(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    wst("offer", pid, "--as", "anna", now=AFTER_DEADLINE)
    wst("won", pid, "--as", "anna", now=AFTER_DEADLINE)
    result = wst("criticism", pid, "--note", "Kunden är missnöjd med tonen", "--as", "anna", "--format", "json", now=AFTER_DEADLINE)
    assert result.code == 0 and [d["person"] for d in result.json["deliveries"]] == ["petra"]
    import email
    import email.policy

    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in (firm / "outbox" / pid).iterdir() if p.name.endswith("-petra.eml")]
    [critical] = [m for m in messages if m["Subject"].startswith("Kritik från kund")]
    assert "Kunden är missnöjd med tonen" in critical.get_content() and critical["To"].addresses[0].username == "petra"


def test_status_shows_what_awaits_each_person(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    spel = write_proposal(tmp_path, "s", proposal(id="2026-spel", client={"name": "Lotteriet", "sectors": ["92"]}))
    wst("propose", str(spel), "--as", "jonas", "--exception-reason", "Ideellt", now=T0)
    erik = wst("status", "--as", "erik", "--format", "json", now=BEFORE_DEADLINE).json["awaiting"]
    assert {(i["id"], i["what"].split(":")[0]) for i in erik} == {(pid, "respond"), ("2026-spel", "respond")}
    assert all(i["deadline"] == "2026-12-03T09:00:00Z" for i in erik)
    wst("ack", pid, "--as", "erik", now=BEFORE_DEADLINE)
    assert [i["id"] for i in wst("status", "--as", "erik", "--format", "json", now=BEFORE_DEADLINE).json["awaiting"]] == ["2026-spel"]
    ceo = wst("status", "--as", "petra", "--format", "json", now=BEFORE_DEADLINE).json["awaiting"]
    assert any(i["id"] == "2026-spel" and "exception" in i["what"] for i in ceo)
    anna = wst("status", "--as", "anna", "--format", "json", now=AFTER_DEADLINE).json["awaiting"]
    assert any(i["id"] == pid and "offer" in i["what"] for i in anna)


def test_list_filters_by_state(firm: Path, wst, tmp_path: Path) -> None:
    propose(wst, tmp_path)
    rows = wst("list", "--format", "json", now=BEFORE_DEADLINE).json["engagements"]
    assert {r["state"] for r in rows} == {"won", "proposed"}
    won = wst("list", "--state", "won", "--format", "json").json["engagements"]
    assert len(won) == 3
    assert wst("list", "--state", "happy").code == 2


def test_wst_now_only_sets_the_clock_and_as_of_shows_history(firm: Path, wst, tmp_path: Path) -> None:
    pid = propose(wst, tmp_path)
    wst("offer", pid, "--as", "anna", now=AFTER_DEADLINE)
    assert state(wst, pid, now=AFTER_DEADLINE) == "offered"
    assert state(wst, pid, now=BEFORE_DEADLINE) == "offered"  # every event counts, whatever time it carries
    past = wst("show", pid, "--as-of", BEFORE_DEADLINE, "--format", "json")
    assert past.json["engagement"]["state"] == "proposed"
    listed = wst("list", "--as-of", BEFORE_DEADLINE, "--format", "json").json["engagements"]
    assert {e["id"]: e["state"] for e in listed}[pid] == "proposed"
    assert pid not in wst("list", "--as-of", "2026-11-01T00:00:00Z", "--format", "json").out


def test_event_files_are_plain_toml_and_never_rewritten(firm: Path, wst, tmp_path: Path) -> None:
    import tomllib

    pid = propose(wst, tmp_path)
    events = firm / "engagements" / pid / "events"
    first = {p.name: p.read_bytes() for p in events.iterdir()}
    wst("ack", pid, "--as", "erik", now=BEFORE_DEADLINE)
    wst("comment", pid, "Bra", "--as", "sara", now=BEFORE_DEADLINE)
    after = {p.name: p.read_bytes() for p in events.iterdir()}
    assert all(after[name] == content for name, content in first.items()) and len(after) == len(first) + 2
    for content in after.values():
        record = tomllib.loads(content.decode())
        assert {"kind", "at", "by", "hash"} <= set(record)


def test_init_creates_a_working_folder(tmp_path: Path, wst, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WST_DATA", raising=False)
    folder = tmp_path / "firm"
    assert wst("init", str(folder), "--firm", "Byrån AB", "--ceo-id", "vd", "--ceo-email", "vd@byran.se").code == 0
    assert (folder / ".gitignore").read_text() == "outbox/\n.wst/\n.tmp-*\n.staging-*/\n"
    assert wst("list", "--data", str(folder), "--format", "json").json["engagements"] == []
    assert wst("init", str(folder)).code == 2
    assert wst("init", str(tmp_path / "x"), "--ceo-email", "not-an-email").code == 2
    assert not (tmp_path / "x").exists()


def test_not_a_data_folder(tmp_path: Path, wst, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WST_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    result = wst("list")
    assert result.code == 2 and "wst init" in result.err


def test_an_org_number_without_digits_matches_nobody(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "a", proposal(id="2026-a", counterparties=[{"name": "Motpart Ett", "relation": "target", "org_number": "saknas"}]))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    other = write_proposal(tmp_path, "b", proposal(client={"name": "Helt Annan Förening", "org_number": None, "kind": "nonprofit", "sectors": []}))
    [result] = wst("check", str(other), "--format", "json", now=T0).json["results"]
    assert result["findings"] == []
