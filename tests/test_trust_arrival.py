"""Time CI can vouch for: `wst verify --since REF --clock-skew D` in real git repositories, and the CI scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import REPO, proposal, write_proposal
from test_clones import head_of, write_by_hand
from trust_helpers import keygen, require_signatures, set_field, set_person
from westander_cli.events import Ack, Proposed

SCRIPTS = REPO / "examples" / "ci"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
NOW = "2026-12-01T09:00:00Z"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture
def repo(firm: Path) -> Path:
    repo = firm.parent
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "data")
    git(repo, "commit", "-qm", "base")
    return repo


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A", "data")
    git(repo, "commit", "-qm", message)


def ci_verify(wst, *extra: str, now: str = "2026-12-01T09:10:00Z") -> tuple[int, list[str]]:
    result = wst("verify", "--format", "json", *extra, now=now)
    assert result.code in (0, 1), result.err
    return result.code, [f"{p['file']}: {p['message']}" for p in result.json["problems"]]


def test_a_backdated_proposal_that_skips_the_review_is_caught_when_pushed(firm: Path, repo: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-backdated"))
    assert wst("propose", str(path), "--as", "anna", now="2026-11-29T08:00:00Z").code == 0  # WST_NOW=now-49h
    assert wst("offer", "2026-backdated", "--as", "anna", now=NOW).code == 0  # the review period looks over
    commit_all(repo, "push")
    assert ci_verify(wst) == (0, [])  # without --since nothing can tell
    code, found = ci_verify(wst, "--since", "HEAD~1", "--clock-skew", "30m")
    assert code == 1
    assert any("-proposed-" in p and "dated 2026-11-29T08:00:00Z, 49h10m before the CI clock" in p and "backdated" in p for p in found)
    assert not any("-offer-" in p for p in found)


def test_a_post_dated_offer_is_caught_and_honest_records_pass(firm: Path, repo: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-postdated"))
    assert wst("propose", str(path), "--as", "anna", now=NOW).code == 0
    commit_all(repo, "propose")
    assert ci_verify(wst, "--since", "HEAD~1", "--clock-skew", "1h") == (0, [])
    assert wst("offer", "2026-postdated", "--as", "anna", now="2026-12-03T10:00:00Z").code == 0  # WST_NOW=now+49h
    # not committed yet: untracked records count as arrived too, so a check before pushing sees it
    code, found = ci_verify(wst, "--since", "HEAD", "--clock-skew", "1h")
    assert code == 1 and len(found) == 1 and "-offer-" in found[0] and "after the CI clock" in found[0] and "post-dated" in found[0]


def since_problems(wst, since: str = "HEAD~1") -> tuple[int, list[tuple[str, str]]]:
    """`verify --since` as CI runs it: the exit code, and (severity, file: message) per problem."""
    result = wst("verify", "--format", "json", "--since", since, now="2026-12-01T09:10:00Z")
    assert result.code in (0, 1), result.err
    return result.code, [(p["severity"], f"{p['file']}: {p['message']}") for p in result.json["problems"]]


def test_an_event_from_someone_who_has_left_is_flagged_when_pushed(firm: Path, repo: Path, wst, tmp_path: Path) -> None:
    """The fold counts a former colleague's events (they are history), so only their arrival tells a new one; a
    warning, as an ack made just before they left can arrive after it (the firm's review of CI decides)."""
    path = write_proposal(tmp_path, "p", proposal(id="2026-left"))
    assert wst("propose", str(path), "--as", "anna", now=NOW).code == 0
    assert wst("ack", "2026-left", "--as", "sara", now=NOW).code == 0
    commit_all(repo, "sara acked")
    set_field(firm, "sara", "active", "false")
    commit_all(repo, "sara left")
    assert wst("ack", "2026-left", "--as", "sara", now=NOW).code == 4  # the command refuses her
    events = firm / "engagements" / "2026-left" / "events"
    honest = write_by_hand(events, Ack(at="2026-12-01T09:05:00Z", by="erik", follows=head_of(events)))  # an ack by erik
    forged = write_by_hand(events, Ack(at="2026-12-01T09:06:00Z", by="sara", follows=head_of(events)))
    assert tomllib.loads(forged.read_text())["follows"] == [tomllib.loads(honest.read_text())["hash"]]
    commit_all(repo, "two acks")
    assert ci_verify(wst)[0] == 0  # without --since it is her history
    code, found = since_problems(wst)
    assert code == 0 and len(found) == 1, found
    severity, text = found[0]
    assert severity == "warning" and forged.name in text and "from 'sara', who is not active in people.toml" in text
    # re-activating her in the same push hides nothing: inactive before the push counts
    git(repo, "reset", "-q", "HEAD~1")
    set_field(firm, "sara", "active", "true")
    commit_all(repo, "sara is back, and acks")
    assert [s for s, t in since_problems(wst)[1] if "from 'sara'" in t] == ["warning"]


def forge_proposal(folder: Path, change: dict[str, object]) -> None:
    """Replace an engagement's proposal by a copy with `change`, resealed, and drop the deliveries it made."""
    [proposed] = folder.glob("*-proposed-*")
    record = tomllib.loads(proposed.read_text())
    record.update(change)
    del record["hash"]
    for written in folder.iterdir():
        written.unlink()  # the proposal, and its delivery to the colleagues it names
    write_by_hand(folder, Proposed.model_validate(record))


def test_a_proposal_that_leaves_out_a_colleague_or_a_channel_is_caught_when_pushed(firm: Path, repo: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-quiet"))
    assert wst("propose", str(path), "--as", "anna", now=NOW).code == 0
    events = firm / "engagements" / "2026-quiet" / "events"
    commit_all(repo, "honest")
    assert ci_verify(wst, "--since", "HEAD~1") == (0, [])
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    for change, words in (({"colleagues": ["petra", "erik", "sara"]}, "the proposal is not for jonas, active in people.toml"),
                          ({"channels": []}, "the proposal is delivered without outbox, which firm.toml names")):
        assert wst("propose", str(path), "--as", "anna", now=NOW).code == 0
        forge_proposal(events, change)
        assert wst("verify").code == 0  # a hand-made proposal that nobody could tell from an honest one, but by its arrival
        commit_all(repo, "quiet")
        code, found = ci_verify(wst, "--since", "HEAD~1")
        assert code == 1 and [p for p in found if words in p], found
        set_field(firm, "jonas", "active", "false")  # deactivating him in the same push hides nothing
        commit_all(repo, "jonas left")
        assert ci_verify(wst, "--since", "HEAD~2")[0] == 1
        (events / "notes-withdrawn-.txt").write_text("nothing\n")  # a file merely named so hides nothing either
        commit_all(repo, "a name that looks withdrawn")
        code, found = ci_verify(wst, "--since", "HEAD~3")
        assert code == 1 and [p for p in found if words in p], found
        git(repo, "reset", "-q", "--hard", "HEAD~3")
    # a colleague hired while a proposal was made in a clone that had not pulled him: CI is red, and the remedy clears it
    people = (firm / "people.toml").read_text()
    nils = '\n[[person]]\nid = "nils"\nname = "Nils N"\nemail = "nils@westander.se"\nrole = "consultant"\nbusiness_area = ""\nactive = true\n'
    (firm / "people.toml").write_text(people + nils)
    commit_all(repo, "nils hired")
    (firm / "people.toml").write_text(people)  # anna's clone, before the pull
    assert wst("propose", str(path), "--as", "anna", now=NOW).code == 0
    (firm / "people.toml").write_text(people + nils)  # merged
    commit_all(repo, "a proposal from a clone without nils")
    code, found = ci_verify(wst, "--since", "HEAD~1")
    assert code == 1 and [p for p in found if "the proposal is not for nils" in p], found
    assert wst("withdraw", "2026-quiet", "--reason", "nils was not asked", "--as", "anna", now=NOW).code == 0
    commit_all(repo, "withdrawn, to propose again")
    assert ci_verify(wst, "--since", "HEAD~2") == (0, [])


def test_bad_options_are_usage_errors(firm: Path, repo: Path, wst) -> None:
    for args, words in ((["--since", "HEAD", "--clock-skew", "soon"], "--clock-skew: 'soon' is not a duration"),
                        (["--since", "no-such-ref"], "--since: 'no-such-ref' is not a git revision")):
        result = wst("verify", *args)
        assert result.code == 2 and result.err.startswith("wst: error: ") and words in result.err


def test_not_a_git_repository_is_a_usage_error(firm: Path, wst) -> None:
    result = wst("verify", "--since", "HEAD")
    assert result.code == 2 and "--since: git" in result.err


def run_script(repo: Path, name: str, *args: str, now: str = "2026-12-01T09:10:00Z", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "WST_NOW": now, **(env or {})}
    return subprocess.run([str(SCRIPTS / name), *args], cwd=repo, capture_output=True, text=True, env=full, timeout=120, check=False)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_ci_scripts_cover_people_firm_and_roster(firm: Path, repo: Path, wst, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    petra_key, petra_pub = keygen(tmp_path, "petra")
    set_person(firm, "petra", f'signing_key = "{petra_pub}"')
    require_signatures(firm)
    commit_all(repo, "keys, unapproved")
    refused = run_script(repo, "check-append-only.sh", "HEAD~1", "data")
    assert refused.returncode == 1 and "::error file=" in refused.stdout and "no roster approval exists" in refused.stdout
    monkeypatch.setenv("WST_SIGNING_KEY", str(petra_key))
    assert wst("roster", "approve", "--as", "petra", now=NOW).code == 0
    commit_all(repo, "approved")
    ok = run_script(repo, "data-repo-ci.sh", "HEAD~2", "data", str(REPO / "policies"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # a consultant makes himself CEO: the guard refuses it
    set_field(firm, "jonas", "role", '"ceo"')
    set_field(firm, "petra", "active", "false")
    commit_all(repo, "coup")
    coup = run_script(repo, "check-append-only.sh", "HEAD~1", "data")
    assert coup.returncode == 1 and "::error file=people.toml::jonas: role is 'ceo', approved 'consultant'" in coup.stdout
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    # a cosmetic change passes; deleting or editing an approval does not
    set_field(firm, "anna", "name", '"Anna L."')
    commit_all(repo, "rename")
    assert run_script(repo, "check-append-only.sh", "HEAD~1", "data").returncode == 0
    [approval] = (firm / "roster").glob("*.toml")
    approval.unlink()
    commit_all(repo, "delete approval")
    gone = run_script(repo, "check-append-only.sh", "HEAD~1", "data")
    assert gone.returncode == 1 and f"::error file=data/roster/{approval.name}::record deleted" in gone.stdout
    # a backdated roster approval is flagged by verify --since
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    set_field(firm, "erik", "role", '"ceo"')
    set_field(firm, "petra", "role", '"consultant"')
    set_person(firm, "erik", f'signing_key = "{keygen(tmp_path, "erik")[1]}"')
    assert wst("roster", "approve", "--as", "petra", now="2026-11-20T09:00:00Z").code == 0
    commit_all(repo, "backdated hand-over")
    code, found = ci_verify(wst, "--since", "HEAD~1")
    assert code == 1 and any("roster/" in p and "backdated" in p for p in found)
