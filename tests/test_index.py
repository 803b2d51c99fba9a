"""The summary index is derived and never trusted over the files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import proposal, write_proposal

T0 = "2026-12-01T09:00:00Z"
LATER = "2026-12-01T10:00:00Z"
AFTER_DEADLINE = "2026-12-03T10:00:00Z"


def age(folder: Path, seconds: int = 60) -> None:
    """Make every file and folder look old, so the index trusts its stamps (nothing is 'racily clean')."""
    past = time.time() - seconds
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (past, past), follow_symlinks=False)


def states(wst, now: str = LATER) -> dict[str, str]:
    rows = wst("list", "--format", "json", now=now).json["engagements"]
    return {r["id"]: r["state"] for r in rows}


@pytest.fixture
def indexed(firm: Path, wst, tmp_path: Path) -> str:
    path = write_proposal(tmp_path, "p", proposal(id="2026-idx"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    age(firm)
    assert states(wst)["2026-idx"] == "proposed"  # builds the index
    assert (firm / ".wst" / "index.sqlite").is_file()
    return "2026-idx"


def test_an_event_recorded_by_wst_is_seen_at_once(firm: Path, wst, indexed: str) -> None:
    assert wst("object", indexed, "--reason", "nej", "--as", "sara", now=LATER).code == 0
    assert states(wst)[indexed] == "disputed"


def test_an_event_file_arriving_from_elsewhere_is_seen(firm: Path, wst, indexed: str, tmp_path: Path) -> None:
    # record an objection in a copy, then bring its event file over as a git pull would
    other = tmp_path / "other"
    shutil.copytree(firm, other)
    assert wst("object", indexed, "--reason", "nej", "--as", "sara", "--data", str(other), now=LATER).code == 0
    [new] = [p for p in (other / "engagements" / indexed / "events").iterdir() if "objection" in p.name]
    shutil.copy2(new, firm / "engagements" / indexed / "events" / new.name)
    assert states(wst)[indexed] == "disputed"


def test_a_removed_event_file_is_seen(firm: Path, wst, indexed: str) -> None:
    wst("object", indexed, "--reason", "nej", "--as", "sara", now=LATER)
    assert states(wst)[indexed] == "disputed"
    age(firm)
    for path in (firm / "engagements" / indexed / "events").iterdir():
        if "objection" in path.name:
            path.unlink()
    assert states(wst)[indexed] == "proposed"


def test_a_replaced_event_file_is_seen(firm: Path, wst, indexed: str) -> None:
    events = firm / "engagements" / indexed / "events"
    wst("object", indexed, "--reason", "nej", "--as", "sara", now=LATER)
    age(firm)
    assert states(wst)[indexed] == "disputed"
    [objection] = [p for p in events.iterdir() if "objection" in p.name]
    text = objection.read_text().replace('kind = "objection"', 'kind = "comment"').replace("reason =", "text =")
    objection.unlink()
    objection.write_text(text)  # as git writes a changed file: a new file in its place
    assert states(wst)[indexed] == "proposed"


def test_a_whole_engagement_removed_or_added(firm: Path, wst, indexed: str, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.move(str(firm / "engagements" / indexed), moved)
    assert indexed not in states(wst)
    shutil.move(str(moved), firm / "engagements" / indexed)
    assert states(wst)[indexed] == "proposed"


def test_time_passing_the_deadline_is_not_hidden_by_the_index(firm: Path, wst, indexed: str) -> None:
    assert states(wst, now=AFTER_DEADLINE)[indexed] == "cleared"
    assert states(wst, now=LATER)[indexed] == "proposed"


def test_a_view_of_the_past_is_not_served_for_the_present(firm: Path, wst, indexed: str) -> None:
    assert wst("offer", indexed, "--as", "anna", now="2026-12-04T09:00:00Z").code == 0
    age(firm)
    past = wst("list", "--as-of", "2026-12-02T09:00:00Z", "--format", "json").json["engagements"]
    assert {e["id"]: e["state"] for e in past}[indexed] == "proposed"
    assert states(wst, now="2026-12-05T09:00:00Z")[indexed] == "offered"
    assert states(wst, now="2026-12-02T09:00:00Z")[indexed] == "offered"


def test_a_changed_people_file_is_seen(firm: Path, wst, indexed: str) -> None:
    assert wst("object", indexed, "--reason", "Nej", "--as", "sara", now=LATER).code == 0
    age(firm)
    assert states(wst)[indexed] == "disputed"
    people = (firm / "people.toml").read_text()
    block = '[[person]]\nid = "sara"\nname = "Sara Öberg"\nemail = "sara@westander-exempel.se"\nrole = "consultant"\nbusiness_area = "Energi och klimat"\nactive = true\n'
    assert block in people
    (firm / "people.toml").write_text(people.replace(block, ""))
    assert states(wst)[indexed] == "proposed"  # an objection by someone not in people.toml does not count


def test_deleting_or_breaking_the_index_costs_only_a_rebuild(firm: Path, wst, indexed: str) -> None:
    index = firm / ".wst" / "index.sqlite"
    index.unlink()
    assert states(wst)[indexed] == "proposed" and index.is_file()
    index.write_bytes(b"this is not a database" * 100)
    assert states(wst)[indexed] == "proposed"


def test_status_and_check_use_the_same_truth(firm: Path, wst, indexed: str, tmp_path: Path) -> None:
    clash = write_proposal(tmp_path, "c", proposal(client={"name": "Annan Laddkraft AB", "org_number": "556334-4554", "sectors": ["71.12"]}))
    [result] = wst("check", str(clash), "--format", "json", now=LATER).json["results"]
    assert [f["rule"] for f in result["findings"]] == ["conflict.competitor"]
    wst("withdraw", indexed, "--as", "anna", now=LATER)
    [result] = wst("check", str(clash), "--format", "json", now=LATER).json["results"]
    assert result["findings"] == []


def test_a_git_pull_is_seen(firm: Path, wst, tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}

    def git(*args: str, cwd: Path) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)

    path = write_proposal(tmp_path, "p", proposal(id="2026-pull"))
    wst("propose", str(path), "--as", "anna", now=T0)
    git("init", "-q", "-b", "main", cwd=firm)
    git("add", "-A", cwd=firm)
    git("commit", "-qm", "x", cwd=firm)
    clone = tmp_path / "clone"
    git("clone", "-q", str(firm), str(clone), cwd=tmp_path)
    wst("object", "2026-pull", "--reason", "nej", "--as", "sara", "--data", str(clone), now=LATER)
    git("add", "-A", cwd=clone)
    git("commit", "-qm", "objection", cwd=clone)
    age(firm)
    assert states(wst)["2026-pull"] == "proposed"
    git("pull", "-q", str(clone), "main", cwd=firm)
    assert states(wst)["2026-pull"] == "disputed"


def indexed_at(firm: Path) -> dict[str, int]:
    """When each summary was last built (what a rebuild changes)."""
    import sqlite3

    with sqlite3.connect(firm / ".wst" / "index.sqlite") as db:
        return dict(db.execute("SELECT id, indexed_ns FROM summary"))


NEW_PERSON = '\n[[person]]\nid = "nils"\nname = "Nils Ny"\nemail = "nils@westander-exempel.se"\nrole = "consultant"\nbusiness_area = ""\nactive = true\n'


def test_a_new_colleague_in_people_toml_keeps_every_summary(firm: Path, wst, indexed: str) -> None:
    before = indexed_at(firm)
    with (firm / "people.toml").open("a") as people:
        people.write(NEW_PERSON)
    assert states(wst)[indexed] == "proposed"
    assert indexed_at(firm) == before  # nobody's history names nils: nothing depends on him


def test_a_person_a_history_names_rebuilds_that_summary(firm: Path, wst, indexed: str) -> None:
    assert wst("object", indexed, "--reason", "Nej", "--as", "sara", now=LATER).code == 0
    age(firm)
    assert states(wst)[indexed] == "disputed"
    before = indexed_at(firm)
    people = (firm / "people.toml").read_text()
    (firm / "people.toml").write_text(people.replace('id = "sara"\nname = "Sara Öberg"', 'id = "sara"\nname = "Sara Öberg-Ny"'))
    assert states(wst)[indexed] == "disputed"
    assert indexed_at(firm) == before  # a new name is no fact any summary depends on
    (firm / "people.toml").write_text(people.replace('id = "sara"', 'id = "sara2"'))
    assert states(wst)[indexed] == "proposed"  # sara's objection no longer counts
    assert indexed_at(firm)[indexed] != before[indexed]
    fresh = states(wst)
    (firm / ".wst" / "index.sqlite").unlink()
    assert states(wst) == fresh  # the index agrees with a rebuild from the files


def test_a_changed_firm_toml_keeps_summaries_that_recorded_what_they_need(firm: Path, wst, indexed: str) -> None:
    before = indexed_at(firm)
    text = (firm / "firm.toml").read_text()
    (firm / "firm.toml").write_text(text + "\n# edited\n")
    assert states(wst)[indexed] == "proposed"
    assert indexed_at(firm)[indexed] == before[indexed]  # it recorded its channels, CEO and signature settings
    (firm / "firm.toml").write_text(text.replace("review_hours = 48", "review_hours = 72"))
    assert states(wst)[indexed] == "proposed"
    assert indexed_at(firm)[indexed] == before[indexed]  # its deadline was recorded when it was proposed


def test_a_new_ceo_is_seen_by_the_summaries_that_name_either(firm: Path, wst, indexed: str) -> None:
    assert wst("object", indexed, "--reason", "Nej", "--as", "sara", now=LATER).code == 0
    assert wst("approve", indexed, "--reason", "ok", "--as", "petra", now=LATER).code == 0
    age(firm)
    assert states(wst)[indexed] == "proposed"  # the CEO's decision lifts the objection
    people = (firm / "people.toml").read_text()
    swapped = people.replace('role = "ceo"', 'role = "consultant"', 1).replace(
        'id = "erik"\nname = "Erik Holm"\nemail = "erik@westander-exempel.se"\nrole = "business_area_manager"',
        'id = "erik"\nname = "Erik Holm"\nemail = "erik@westander-exempel.se"\nrole = "ceo"')
    assert swapped.count('role = "ceo"') == 1 and 'id = "erik"' in swapped
    (firm / "people.toml").write_text(swapped)
    fresh = states(wst)
    (firm / ".wst" / "index.sqlite").unlink()
    assert states(wst) == fresh  # the index agrees with a rebuild from the files


# --- people.toml and firm.toml: validated once per change, never trusted when they changed ---------------


def test_status_sees_a_changed_role_in_people_toml_of_the_same_size(firm: Path, wst, indexed: str) -> None:
    """The kept directory is keyed by the files' bytes, not their size or time: 'ceo' and 'consultant' swapped
    between two people keeps people.toml's size and modification time, and the new CEO is asked to decide."""
    assert wst("object", indexed, "--reason", "Nej", "--as", "sara", now=LATER).code == 0
    age(firm)
    people = firm / "people.toml"
    decide = "decide the dispute: 'wst approve' or 'wst veto'"
    assert decide in [item["what"] for item in wst("status", "--as", "petra", "--format", "json", now=LATER).json["awaiting"]]
    assert decide not in [item["what"] for item in wst("status", "--as", "jonas", "--format", "json", now=LATER).json["awaiting"]]
    stat = people.stat()
    text = people.read_text()
    petra, jonas = 'id = "petra"\nname = "Petra Westin"\nemail = "petra@westander-exempel.se"\nrole = "', 'id = "jonas"\nname = "Jonas Berg"\nemail = "jonas@westander-exempel.se"\nrole = "'
    swapped = text.replace(petra + 'ceo"', petra + 'consultant"').replace(jonas + 'consultant"', jonas + 'ceo"')
    assert swapped != text and len(swapped) == len(text)
    people.write_text(swapped)
    os.utime(people, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (people.stat().st_size, people.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert decide in [item["what"] for item in wst("status", "--as", "jonas", "--format", "json", now=LATER).json["awaiting"]]


def test_a_people_file_broken_after_a_good_run_is_reported_not_served_from_the_index(firm: Path, wst, indexed: str) -> None:
    assert wst("status", "--as", "anna", now=LATER).code == 0  # people.toml validated and kept
    people = firm / "people.toml"
    people.write_text(people.read_text().replace('role = "consultant"', 'role = "boss"', 1))
    for command in ("status", "list"):
        result = wst(command, "--as", "anna", now=LATER) if command == "status" else wst(command, now=LATER)
        assert result.code == 2 and "people.toml:" in result.err and "role" in result.err, result.err
        assert result.err.count("\n") == 1


def test_a_damaged_directory_in_the_index_is_rebuilt_not_trusted(firm: Path, wst, indexed: str) -> None:
    import sqlite3

    assert wst("status", "--as", "anna", now=LATER).code == 0
    index = firm / ".wst" / "index.sqlite"
    for damage in ('{"key": 1}', "not json", '{"key": "%s", "members": [["anna"]], "facts": {}}', "[]"):
        with sqlite3.connect(index) as db:
            (kept,) = db.execute("SELECT value FROM meta WHERE key = 'directory'").fetchone()
            key = __import__("json").loads(kept)["key"] if kept.startswith("{") and '"key": "' in kept else "x"
            db.execute("UPDATE meta SET value = ? WHERE key = 'directory'", (damage.replace("%s", key),))
        result = wst("status", "--as", "sara", "--format", "json", now=LATER)
        assert result.code == 0 and result.json["person"] == "sara", (damage, result.err)
        assert wst("status", "--as", "nobody", now=LATER).code == 4


def modules_loaded(env: dict[str, str], modules: tuple[str, ...], *args: str, ok: tuple[int, ...] = (0,)) -> str:
    """Which of `modules` a run of `wst ARGS` loaded (it must exit with one of `ok`), comma-separated."""
    probe = ("import sys; from westander_cli.cli.app import main; code = main(sys.argv[2:]); "
             "sys.stdout.flush(); loaded = sorted(m for m in sys.argv[1].split(',') if m in sys.modules); "
             "sys.stderr.write('LOADED ' + ','.join(loaded) + chr(10)); sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", probe, ",".join(modules), *args], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=120, check=False)
    assert result.returncode in ok, result.stderr
    return result.stderr.rsplit("LOADED ", 1)[1].strip()


def test_a_view_from_the_index_loads_neither_pydantic_nor_rich(firm: Path, wst, indexed: str) -> None:
    """What keeps `wst status` and `wst list` fast: while the files are as indexed, the file models, the process
    and Rich stay unloaded (a pipe gets tab-separated lines); a changed file brings them back for that run."""
    from conftest import run_wst

    env = {"WST_NOW": LATER, "WST_DATA": str(firm)}
    heavy = ("pydantic", "rich", "westander_cli.events", "westander_cli.workflow")
    assert run_wst("list", env=env).returncode == 0  # the index is current
    assert modules_loaded(env, heavy, "status", "--as", "anna") == ""
    assert modules_loaded(env, heavy, "list") == ""
    assert modules_loaded(env, heavy, "list", "--format", "json") == ""
    (firm / "people.toml").write_text((firm / "people.toml").read_text() + "\n# a comment\n")
    # a changed people.toml is validated again, but no summary depends on a comment: the process stays unloaded
    assert modules_loaded(env, heavy, "status", "--as", "anna") == "pydantic"
    assert modules_loaded(env, heavy, "status", "--as", "anna") == ""


def test_rebuilding_a_summary_loads_neither_the_policy_nor_the_fuzzy_matcher(firm: Path, wst, indexed: str) -> None:
    """A pull that brings new events makes `status` fold those engagements again and keep their conflict-check
    data: names are normalised for it, but nothing is judged, so the policy engine, its rules and rapidfuzz
    stay unloaded (~35 ms of such a run)."""
    env = {"WST_NOW": LATER, "WST_DATA": str(firm)}
    assert wst("comment", indexed, "efter en pull", "--as", "sara", now=LATER).code == 0
    age(firm)
    engine = ("westander_cli.policy.engine", "westander_cli.policy.rules", "rapidfuzz", "westander_cli.workflow")
    assert modules_loaded(env, engine, "status", "--as", "anna") == "westander_cli.workflow"  # the folder was folded again
    assert modules_loaded(env, engine, "check", str(firm.parent / "p.toml"), ok=(0, 1, 3)) == ",".join(sorted(engine[:3]))  # the probe sees them


def test_an_index_that_arrives_from_elsewhere_is_never_a_source_of_who_is_who(firm: Path, wst, indexed: str, tmp_path: Path) -> None:
    """Someone commits a .wst/index.sqlite whose kept directory says that anna left the firm (the digest of the
    files' bytes is easy to compute): a clone that pulls it validates people.toml itself."""
    import json
    import sqlite3

    assert wst("status", "--as", "anna", now=LATER).code == 0
    index = firm / ".wst" / "index.sqlite"
    with sqlite3.connect(index) as db:
        kept = json.loads(db.execute("SELECT value FROM meta WHERE key = 'directory'").fetchone()[0])
        kept["members"] = [[m[0], m[1], m[0] != "anna" and m[2], m[3]] for m in kept["members"]]
        db.execute("UPDATE meta SET value = ? WHERE key = 'directory'", (json.dumps(kept),))
    clone = tmp_path / "clone"
    shutil.copytree(firm, clone)  # new inodes and change times, the same bytes and the forged index
    result = wst("status", "--as", "anna", "--data", str(clone), "--format", "json", now=LATER)
    assert result.code == 0 and result.json["person"] == "anna", result.err
