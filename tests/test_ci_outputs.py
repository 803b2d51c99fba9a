"""Outputs for CI (issue 14): JUnit XML, --fail-on warn, a closing summary line, '-' for standard input."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from conftest import REPO, proposal, run_wst, write_proposal

EXAMPLES = REPO / "data" / "examples"


def test_check_writes_junit_with_a_failure_per_blocking_finding(firm: Path, wst, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("title = [", encoding="utf-8")
    files = [str(EXAMPLES / "cykel-clear.toml"), str(EXAMPLES / "bryggeri-alcohol.toml"), str(broken)]
    result = wst("check", *files, "--format", "junit")
    assert result.code == 2  # the invalid file is the worst
    suite = ElementTree.fromstring(result.out.split("\n", 1)[1]).find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = {case.get("name"): case for case in suite}
    assert cases[files[0]].find("failure") is None
    failure = cases[files[1]].find("failure")
    assert failure is not None and failure.get("message", "").startswith("sector.alcohol:")
    assert cases[str(broken)].find("error") is not None
    assert "wst check: 3 proposals: 1 clear, 1 needs an exception, 1 invalid" in result.err


def test_validate_and_verify_write_junit(firm: Path, wst) -> None:
    for command in ("validate", "verify"):
        result = wst(command, "--format", "junit")
        assert result.code == 0, result.err
        suite = ElementTree.fromstring(result.out.split("\n", 1)[1]).find("testsuite")
        assert suite is not None and suite.get("failures") == "0"


def test_fail_on_warn_fails_a_clear_file_with_a_warning(firm: Path, wst, tmp_path: Path) -> None:
    warned = write_proposal(tmp_path, "warn", proposal(client={"sectors": ["46.34"]}))  # wholesale of beverages: a warning
    plain = wst("check", str(warned), "--format", "json")
    assert plain.code == 0 and any(f["severity"] == "warn" for f in plain.json["results"][0]["findings"])
    assert wst("check", str(warned), "--fail-on", "warn").code == 1
    assert wst("check", str(warned), "--fail-on", "error").code == 2


def test_check_reads_a_proposal_from_standard_input(firm: Path, tmp_path: Path) -> None:
    text = (EXAMPLES / "bryggeri-alcohol.toml").read_text(encoding="utf-8")
    result = run_wst("check", "-", "--format", "json", env={"WST_DATA": str(firm)}, cwd=tmp_path, input=text)
    assert result.returncode == 3 and '"file": "-"' in result.stdout and "sector.alcohol" in result.stdout
    bad = run_wst("check", "-", env={"WST_DATA": str(firm)}, cwd=tmp_path, input="title = [")
    assert bad.returncode == 2 and bad.stderr.startswith("wst: error: -: invalid TOML")


def test_report_counts_every_engagement_in_words_and_log_details_are_structured(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-tvist"))
    assert wst("propose", str(path), "--as", "anna", now="2026-12-01T09:00:00Z").code == 0
    for person in ("sara", "jonas"):
        assert wst("object", "2026-tvist", "--reason", f"Nej från {person}", "--as", person, now="2026-12-01T10:00:00Z").code == 0
    assert wst("veto", "2026-tvist", "--reason", "Nej", "--as", "petra", now="2026-12-01T11:00:00Z").code == 0
    report = wst("report", "--format", "json").json
    assert report["with_objections"] == 1 and report["declined"]["vetoed"] == 1  # the vetoed one is counted, not named
    assert report["proposed_by_month"]["2026-12"] == 1 and "2026-tvist" not in str(report)
    table = wst("report").out
    assert "vetoed 1" in table and "{" not in table and "proposed per month" in table
    events = wst("log", "2026-tvist", "--format", "json").json["events"]
    assert next(e["details"] for e in events if e["kind"] == "objection" and e["by"] == "sara") == {"reason": "Nej från sara"}


def test_control_and_bidi_characters_in_a_name_are_escaped_in_junit_and_github_output(firm: Path, wst, tmp_path: Path) -> None:
    """Found by attacking: a client name with ESC, BEL, an OSC title sequence and a right-to-left override made the
    JUnit report ill-formed XML (a CI parser rejected the whole report) and reached GitHub's log raw. Both now
    escape them as tables do (`\\x1b`)."""
    hostile = "Evil\x1b]0;PWNED\x07\x1b[2J\u202e AB\ufffe"
    path = write_proposal(tmp_path, "evil", proposal(id="2026-evil", client={"name": hostile, "sectors": ["92.00"]}))
    junit = wst("check", str(path), "--format", "junit")
    suite = ElementTree.fromstring(junit.out.split("\n", 1)[1]).find("testsuite")  # well-formed
    assert suite is not None and "\\x1b]0;PWNED\\x07" in ElementTree.tostring(suite, encoding="unicode")
    invalid = write_proposal(tmp_path, "bad", proposal(id="2026-bad", client={"country": hostile}))  # its message quotes the value
    github = wst("check", str(path), str(invalid), "--format", "github")
    assert github.out.startswith("::") and "\\x1b[2J" in github.out and "\\u202e" in github.out
    assert not any(c in junit.out + github.out for c in "\x1b\x07\u202e\ufffe")


def test_months_and_days_shown_to_people_are_the_firms_not_utcs(firm: Path, wst, tmp_path: Path) -> None:
    """Found by attacking: a proposal made and won at 00:30-00:55 on New Year's Day in Stockholm (23:30-23:55 UTC)
    was counted under December and published as a client since 31 December."""
    path = write_proposal(tmp_path, "p", proposal(id="2026-nyar"))
    assert wst("propose", str(path), "--as", "anna", now="2026-12-31T23:30:00Z").code == 0
    for person in ("erik", "sara", "jonas", "petra"):
        assert wst("ack", "2026-nyar", "--as", person, now="2026-12-31T23:35:00Z").code == 0
    after = "2027-01-03T09:00:00Z"  # the review period over
    assert wst("offer", "2026-nyar", "--as", "anna", now="2027-01-02T23:50:00Z").code == 0
    assert wst("won", "2026-nyar", "--as", "anna", now="2027-01-02T23:55:00Z").code == 0  # 00:55 on 3 January in Stockholm
    report = wst("report", "--format", "json", now=after).json
    assert report["proposed_by_month"].get("2027-01") == 1 and "2026-12" not in report["proposed_by_month"]
    [client] = [c for c in wst("publish", "--format", "json", now=after).json["clients"] if c["title"] == proposal(id="x")["title"]]
    assert client["since"] == "2027-01-03"
