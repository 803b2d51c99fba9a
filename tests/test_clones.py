"""Issue 9: every reproduction of the issue, through the installed CLI, with real git clones whose
clocks are skewed (each clone its own WST_DATA and WST_NOW), merged with `git pull --no-rebase`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, proposal, write_proposal
from westander_cli.events import Approval, LeadChanged, OptOut
from westander_cli.store import event_file_name, event_text, seal

T0 = "2026-12-01T09:00:00Z"
AFTER = "2026-12-03T10:00:00Z"
"""After the 48-hour review period."""
LOOK = "2026-12-03T12:00:00Z"
"""When both clones are compared."""
WST_BIN = Path(sys.executable).parent / "wst"
COMPETITOR = {"name": "Nordvind Energi AB", "org_number": None, "sectors": ["35.11"]}


def git(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert not check or result.returncode == 0, result.stdout + result.stderr
    return result


def wst(data: Path, *args: str, now: str = LOOK) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WST_DATA": str(data), "WST_NOW": now, "WST_POLICIES": str(REPO / "policies")}
    env.pop("WST_USER", None)
    return subprocess.run([str(WST_BIN), *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def ok(data: Path, *args: str, now: str = LOOK) -> Any:
    result = wst(data, *args, "--format", "json", now=now)
    assert result.returncode == 0, (args, result.stderr)
    return json.loads(result.stdout) if result.stdout.strip() else None


class Clones:
    """A bare repository and two clones of the firm's data folder."""

    def __init__(self, firm: Path, tmp_path: Path) -> None:
        self.bare = tmp_path / "shared.git"
        git("init", "-q", "--bare", "-b", "main", str(self.bare), cwd=tmp_path)
        git("init", "-q", "-b", "main", cwd=firm)
        git("add", "-A", cwd=firm)
        git("commit", "-qm", "the firm", cwd=firm)
        git("remote", "add", "origin", str(self.bare), cwd=firm)
        git("push", "-q", "origin", "main", cwd=firm)
        self.one, self.two = tmp_path / "one", tmp_path / "two"
        git("clone", "-q", str(self.bare), str(self.one), cwd=tmp_path)
        git("clone", "-q", str(self.bare), str(self.two), cwd=tmp_path)
        self.tmp = tmp_path

    def commit(self, clone: Path) -> None:
        git("add", "-A", cwd=clone)
        if git("status", "--porcelain", cwd=clone).stdout:
            git("commit", "-qm", f"events from {clone.name}", cwd=clone)

    def merge(self) -> None:
        """Both clones commit; one pushes, two pulls (a merge that must not conflict) and pushes, one pulls."""
        self.commit(self.one)
        self.commit(self.two)
        git("push", "-q", "origin", "main", cwd=self.one)
        pulled = git("pull", "-q", "--no-rebase", "origin", "main", cwd=self.two, check=False)
        assert pulled.returncode == 0 and "CONFLICT" not in pulled.stdout, pulled.stdout + pulled.stderr
        git("push", "-q", "origin", "main", cwd=self.two)
        git("pull", "-q", "--no-rebase", "origin", "main", cwd=self.one)
        for clone in (self.one, self.two):
            assert git("status", "--porcelain", cwd=clone).stdout == ""
        assert git("rev-parse", "HEAD", cwd=self.one).stdout == git("rev-parse", "HEAD", cwd=self.two).stdout

    def agree(self, *ids: str, now: str = LOOK) -> dict[str, Any]:
        """`list` and `show` give the same JSON in both clones; the shown engagements by id."""
        assert ok(self.one, "list", now=now) == ok(self.two, "list", now=now)
        shown = {}
        for key in ids:
            one, two = ok(self.one, "show", key, now=now), ok(self.two, "show", key, now=now)
            assert one == two
            shown[key] = one["engagement"]
        return shown

    def propose(self, clone: Path, pid: str, lead: str = "anna", now: str = T0, **overrides: Any) -> None:
        path = write_proposal(self.tmp, pid, proposal(id=pid, **overrides))
        result = wst(clone, "propose", str(path), "--as", lead, now=now)
        assert result.returncode == 0, result.stderr


@pytest.fixture
def clones(firm: Path, tmp_path: Path) -> Clones:
    return Clones(firm, tmp_path)


def verify(data: Path, now: str = LOOK) -> tuple[int, list[dict[str, Any]]]:
    result = wst(data, "verify", "--format", "json", now=now)
    return result.returncode, json.loads(result.stdout)["problems"]


def errors(problems: list[dict[str, Any]]) -> list[str]:
    return [p["message"] for p in problems if p["severity"] == "error"]


def ids(listing: dict[str, Any]) -> set[str]:
    return {e["id"] for e in listing["engagements"]}


# --- clocks that run ahead or behind ---------------------------------------------------------------


def test_an_objection_from_a_clock_ahead_blocks_the_offer_at_once(firm: Path) -> None:
    path = write_proposal(firm.parent, "p", proposal(id="2026-klocka"))
    assert wst(firm, "propose", str(path), "--as", "anna", now=T0).returncode == 0
    assert wst(firm, "object", "2026-klocka", "--reason", "Motpart", "--as", "sara", now="2026-12-03T10:10:00Z").returncode == 0
    refused = wst(firm, "offer", "2026-klocka", "--as", "anna", now=AFTER)
    assert refused.returncode == 3 and "open objection by sara" in refused.stderr
    assert ok(firm, "show", "2026-klocka", now=AFTER)["engagement"]["state"] == "disputed"


@pytest.mark.parametrize("veto_at", ["2026-11-01T09:00:00Z", "2026-12-04T09:00:00Z", "2027-06-01T00:00:00Z"])
def test_a_veto_holds_whatever_time_it_carries(firm: Path, veto_at: str) -> None:
    path = write_proposal(firm.parent, "p", proposal(id="2026-veto"))
    assert wst(firm, "propose", str(path), "--as", "anna", now=T0).returncode == 0
    for person in ("erik", "sara", "jonas", "petra"):
        assert wst(firm, "ack", "2026-veto", "--as", person, now=T0).returncode == 0
    assert wst(firm, "veto", "2026-veto", "--reason", "Nej", "--as", "petra", now=veto_at).returncode == 0
    for moment in (T0, AFTER, "2028-01-01T00:00:00Z"):
        assert ok(firm, "show", "2026-veto", now=moment)["engagement"]["state"] == "vetoed"
        assert wst(firm, "offer", "2026-veto", "--as", "anna", now=moment).returncode == 3
        assert wst(firm, "won", "2026-veto", "--as", "anna", now=moment).returncode == 3
        assert "2026-veto" not in wst(firm, "publish", "--format", "json", now=moment).stdout
    recorded = [tomllib.loads(p.read_text()) for p in (firm / "engagements" / "2026-veto" / "events").glob("*-veto-*")]
    assert recorded[0]["at"] >= tomllib.loads(next((firm / "engagements" / "2026-veto" / "events").glob("*-proposed-*")).read_text())["at"]
    assert verify(firm)[0] == 0


def test_an_ack_dated_a_year_ahead_hides_nothing(firm: Path) -> None:
    path = write_proposal(firm.parent, "p", proposal(id="2026-ar"))
    assert wst(firm, "propose", str(path), "--as", "anna", now=T0).returncode == 0
    assert wst(firm, "ack", "2026-ar", "--as", "erik", now="2027-12-01T09:00:00Z").returncode == 0
    assert wst(firm, "object", "2026-ar", "--reason", "Motpart", "--as", "sara", now="2026-12-01T10:00:00Z").returncode == 0
    assert ok(firm, "show", "2026-ar", now=AFTER)["engagement"]["state"] == "disputed"
    assert wst(firm, "offer", "2026-ar", "--as", "anna", now=AFTER).returncode == 3
    assert wst(firm, "veto", "2026-ar", "--reason", "Nej", "--as", "petra", now=AFTER).returncode == 0
    listed = ok(firm, "list", now=AFTER)
    assert [e["state"] for e in listed["engagements"] if e["id"] == "2026-ar"] == ["vetoed"]
    assert wst(firm, "offer", "2026-ar", "--as", "anna", now="2028-01-01T00:00:00Z").returncode == 3
    assert verify(firm, now=AFTER)[0] == 0


def test_fifty_parallel_comments_leave_verify_green(firm: Path) -> None:
    path = write_proposal(firm.parent, "p", proposal(id="2026-femtio"))
    assert wst(firm, "propose", str(path), "--as", "anna", now=T0).returncode == 0
    env = {**os.environ, "WST_DATA": str(firm), "WST_POLICIES": str(REPO / "policies")}
    people = ["erik", "jonas", "petra", "sara"]
    processes = [subprocess.Popen([str(WST_BIN), "comment", "2026-femtio", f"synpunkt {n}", "--as", people[n % 4]],
                                  env={**env, "WST_NOW": f"2026-12-01T10:{n % 7:02d}:00Z"}, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for n in range(50)]
    assert [p.wait(timeout=300) for p in processes] == [0] * 50
    code, problems = verify(firm)
    assert code == 0 and not errors(problems), problems
    assert ok(firm, "log", "2026-femtio")  # readable
    assert len(list((firm / "engagements" / "2026-femtio" / "events").glob("*-comment-*"))) == 50


def test_new_channels_and_a_new_ceo_leave_past_events_legitimate(firm: Path) -> None:
    path = write_proposal(firm.parent, "p", proposal(id="2026-byte"))
    assert wst(firm, "propose", str(path), "--as", "anna", now=T0).returncode == 0
    assert wst(firm, "object", "2026-byte", "--reason", "Motpart", "--as", "sara", now=T0).returncode == 0
    assert wst(firm, "approve", "2026-byte", "--as", "petra", now=AFTER).returncode == 0
    assert wst(firm, "offer", "2026-byte", "--as", "anna", now=AFTER).returncode == 0
    assert verify(firm)[0] == 0
    firm_toml = firm / "firm.toml"
    firm_toml.write_text(firm_toml.read_text().replace('channels = ["outbox"]', 'channels = ["outbox", "smtp"]')
                         + '\n[notify.smtp]\nhost = "localhost"\n', encoding="utf-8")
    assert ok(firm, "list")  # the new settings are valid
    people = firm / "people.toml"
    text = people.read_text().replace('role = "ceo"', 'role = "consultant"')
    text = text.replace('id = "erik"\nname = "Erik Holm"\nemail = "erik@westander-exempel.se"\nrole = "business_area_manager"',
                        'id = "erik"\nname = "Erik Holm"\nemail = "erik@westander-exempel.se"\nrole = "ceo"')
    people.write_text(text, encoding="utf-8")
    code, problems = verify(firm)
    assert code == 0 and not errors(problems), problems
    assert ok(firm, "show", "2026-byte")["engagement"]["state"] == "offered"
    assert wst(firm, "won", "2026-byte", "--as", "anna").returncode == 0


# --- what the CLI refuses, written by hand -----------------------------------------------------------


def write_by_hand(events: Path, event: Any) -> Path:
    sealed = seal(event)
    path = events / event_file_name(sealed)
    path.write_text(event_text(sealed), encoding="utf-8")
    return path


def head_of(events: Path) -> list[str]:
    records = [tomllib.loads(p.read_text()) for p in events.iterdir()]
    followed = {h for r in records for h in r.get("follows", [])}
    return sorted(r["hash"] for r in records if r["hash"] not in followed)


def test_three_refused_events_written_by_hand_are_flagged(firm: Path) -> None:
    path = write_proposal(firm.parent, "p", proposal(id="2026-hand"))
    assert wst(firm, "propose", str(path), "--as", "anna", now=T0).returncode == 0
    assert wst(firm, "object", "2026-hand", "--personal", "--as", "jonas", now=T0).returncode == 0
    events = firm / "engagements" / "2026-hand" / "events"
    assert wst(firm, "object", "2026-hand", "--personal", "--as", "anna", now=AFTER).returncode == 4
    assert wst(firm, "assign", "2026-hand", "jonas", "--as", "petra", now=AFTER).returncode == 4
    opted = write_by_hand(events, OptOut(at=AFTER, by="anna", follows=head_of(events)))
    code, problems = verify(firm)
    assert code == 1 and any(p["file"].endswith(opted.name) and "not allowed" in p["message"] for p in problems)
    opted.unlink()
    assigned = write_by_hand(events, LeadChanged(at=AFTER, by="petra", person="jonas", follows=head_of(events)))
    code, problems = verify(firm)
    assert code == 1 and any(p["file"].endswith(assigned.name) and "declined personally" in p["message"] for p in problems)
    assigned.unlink()
    # A competitor of an active client: approving it needs --consulted.
    rival = write_proposal(firm.parent, "rival", proposal(id="2026-rival", client=COMPETITOR))
    shutil.copy(REPO / "data" / "examples" / "nordvind-competitor.toml", rival)
    assert wst(firm, "propose", str(rival), "--as", "sara", "--exception-reason", "Annat område", now=T0).returncode == 0
    [rival_id] = [e["id"] for e in ok(firm, "list")["engagements"] if "nordvind" in e["id"]]
    refused = wst(firm, "approve", rival_id, "--as", "petra", now=AFTER)
    assert refused.returncode == 3 and "--consulted" in refused.stderr
    rival_events = firm / "engagements" / rival_id / "events"
    approval = write_by_hand(rival_events, Approval(at=AFTER, by="petra", follows=head_of(rival_events), reason="Ok"))
    code, problems = verify(firm)
    assert code == 1 and any(p["file"].endswith(approval.name) and "consulted" in p["message"] for p in problems)


# --- two clones, merged ----------------------------------------------------------------------------


def cleared(clones: Clones, pid: str) -> None:
    clones.propose(clones.one, pid)
    for person in ("erik", "sara", "jonas", "petra"):
        assert wst(clones.one, "ack", pid, "--as", person, now=T0).returncode == 0
    clones.merge()


def test_veto_in_one_clone_and_offer_in_the_other(clones: Clones) -> None:
    cleared(clones, "2026-vo")
    assert wst(clones.one, "veto", "2026-vo", "--reason", "Nej", "--as", "petra", now="2026-12-01T10:00:00Z").returncode == 0
    assert wst(clones.two, "offer", "2026-vo", "--as", "anna", now="2026-12-02T10:00:00Z").returncode == 0  # later timestamp
    clones.merge()
    shown = clones.agree("2026-vo")
    assert shown["2026-vo"]["state"] == "vetoed"
    for clone in (clones.one, clones.two):
        code, problems = verify(clone)
        assert code == 0 and not errors(problems), problems
        assert wst(clone, "won", "2026-vo", "--as", "anna").returncode == 3
        assert "2026-vo" not in wst(clone, "publish", "--format", "json").stdout


def test_objection_in_one_clone_and_offer_in_the_other_goes_to_the_ceo(clones: Clones) -> None:
    cleared(clones, "2026-oo")
    assert wst(clones.one, "object", "2026-oo", "--reason", "Motpart", "--as", "sara", now="2026-12-01T10:30:00Z").returncode == 0
    assert wst(clones.two, "offer", "2026-oo", "--as", "anna", now="2026-12-01T10:00:00Z").returncode == 0
    clones.merge()
    shown = clones.agree("2026-oo")["2026-oo"]
    assert shown["state"] == "disputed" and shown["reopened"] is True
    for clone in (clones.one, clones.two):
        awaiting = ok(clone, "status", "--as", "petra")["awaiting"]
        assert any(a.get("id") == "2026-oo" for a in awaiting), awaiting
        code, problems = verify(clone)
        assert code == 0 and any("disputed until the CEO" in p["message"] for p in problems)
    assert wst(clones.two, "approve", "2026-oo", "--reason", "Ok", "--as", "petra").returncode == 0
    clones.merge()
    shown = clones.agree("2026-oo")["2026-oo"]
    assert shown["state"] == "offered" and shown["reopened"] is False
    for clone in (clones.one, clones.two):
        code, problems = verify(clone)
        assert code == 0 and not [p for p in problems if "2026-oo" in p["file"]], problems


@pytest.mark.parametrize("decline_at", ["2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z"])
def test_a_personal_decline_concurrent_with_being_made_lead_goes_to_the_ceo(clones: Clones, decline_at: str) -> None:
    """On one clone `assign` refuses someone who declined; merged, nobody willing leads it until the CEO assigns again."""
    cleared(clones, "2026-ad")
    assert wst(clones.one, "assign", "2026-ad", "sara", "--as", "petra", now="2026-12-01T11:00:00Z").returncode == 0
    assert wst(clones.two, "object", "2026-ad", "--personal", "--as", "sara", now=decline_at).returncode == 0
    clones.merge()
    shown = clones.agree("2026-ad")["2026-ad"]
    assert shown["lead"] == "sara" and shown["state"] == "proposed" and shown["needs_ceo"] is True
    assert any("sara declined personally" in m and "wst assign 2026-ad" in m for m in shown["missing_for_offer"])
    assert shown["lead_declined"] is True
    for refused in (wst(clones.one, "offer", "2026-ad", "--as", "sara", now=AFTER), wst(clones.one, "withdraw", "2026-ad", "--as", "sara", now=AFTER)):
        assert refused.returncode == 4 and "declined personally" in refused.stderr and "wst assign" in refused.stderr
    awaiting = ok(clones.two, "status", "--as", "petra")["awaiting"]
    assert [a["what"] for a in awaiting if a["id"] == "2026-ad"] == ["assign a new lead: the lead declined personally ('wst assign')"]
    assert not [a for a in ok(clones.two, "status", "--as", "sara")["awaiting"] if a["id"] == "2026-ad"]
    for clone in (clones.one, clones.two):
        code, problems = verify(clone)
        assert code == 0 and any(p["severity"] == "warning" and "sara declined personally" in p["message"] for p in problems), problems
    assert wst(clones.two, "assign", "2026-ad", "sara", "--as", "petra").returncode == 2  # already the lead
    assert wst(clones.two, "assign", "2026-ad", "erik", "--as", "petra").returncode == 0
    clones.merge()
    shown = clones.agree("2026-ad")["2026-ad"]
    assert shown["lead"] == "erik" and shown["state"] == "cleared" and shown["needs_ceo"] is False
    assert wst(clones.one, "offer", "2026-ad", "--as", "erik", now=AFTER).returncode == 0
    assert not [p for p in verify(clones.one)[1] if "declined" in p["message"]]


def test_the_same_id_proposed_in_two_clones(clones: Clones) -> None:
    clones.propose(clones.one, "2026-samma", lead="anna")
    clones.propose(clones.two, "2026-samma", lead="sara", now="2026-12-01T09:05:00Z", title="Ett annat uppdrag")
    clones.merge()
    listing = ok(clones.one, "list")
    both = [e["id"] for e in listing["engagements"] if e["id"].startswith("2026-samma")]
    assert len(both) == 2 and "2026-samma" in both
    clones.agree(*both)
    code, problems = verify(clones.one)
    assert code == 0 and any("share the id '2026-samma'" in p["message"] for p in problems)
    later = next(k for k in both if k != "2026-samma")
    refused = wst(clones.two, "offer", later, "--as", "sara", now=AFTER)
    assert refused.returncode == 3 and "propose it again under a new id" in refused.stderr
    assert wst(clones.two, "withdraw", later, "--as", ok(clones.two, "show", later)["engagement"]["lead"]).returncode == 0


def test_competitors_proposed_in_two_clones_need_a_ceo_decision(clones: Clones) -> None:
    clones.propose(clones.one, "2026-sol", client={"name": "Solkraft AB", "org_number": None, "sectors": ["71.12"]})
    clones.propose(clones.two, "2026-vind", lead="sara", client={"name": "Vindkraft AB", "org_number": None, "sectors": ["71.12"]})
    clones.merge()
    clones.agree("2026-sol", "2026-vind")
    code, problems = verify(clones.one)
    conflict = [p for p in problems if "conflict" in p["message"] and "neither recorded it" in p["message"]]
    assert code == 0 and len(conflict) == 1 and conflict[0]["severity"] == "warning", problems
    other = "Vindkraft AB" if "'2026-sol'" in conflict[0]["message"].split(" and ")[0] else "Solkraft AB"
    target = "2026-sol" if other == "Vindkraft AB" else "2026-vind"
    assert wst(clones.one, "approve", target, "--consulted", f"{other}=telefon med VD", "--as", "petra").returncode == 0
    clones.merge()
    for clone in (clones.one, clones.two):
        assert not [p for p in verify(clone)[1] if "neither recorded it" in p["message"]]


def test_an_early_ceo_approval_keeps_the_colleagues_review_period(firm: Path) -> None:
    path = write_proposal(firm.parent, "p", proposal(id="2026-tidig"))
    assert wst(firm, "propose", str(path), "--as", "anna", now=T0).returncode == 0
    assert wst(firm, "object", "2026-tidig", "--reason", "Motpart", "--as", "sara", now="2026-12-01T09:05:00Z").returncode == 0
    assert wst(firm, "approve", "2026-tidig", "--as", "petra", now="2026-12-01T09:10:00Z").returncode == 0
    refused = wst(firm, "offer", "2026-tidig", "--as", "anna", now="2026-12-01T09:15:00Z")
    assert refused.returncode == 3 and "review period" in refused.stderr
    assert wst(firm, "object", "2026-tidig", "--reason", "Jag med", "--as", "jonas", now="2026-12-01T10:10:00Z").returncode == 0
    assert ok(firm, "show", "2026-tidig", now="2026-12-01T10:15:00Z")["engagement"]["state"] == "disputed"
    assert verify(firm)[0] == 0
