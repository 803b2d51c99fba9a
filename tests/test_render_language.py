"""What people read in tables, status lines, CI annotations and the publish page is in the run's
language with local times; what machines read (`--format json`) is the same byte for byte in both
languages and keeps UTC. Each scenario runs through the real CLI once with `--lang sv`, once with `--lang en`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import proposal, write_proposal

PROPOSED = "2026-12-01T09:00:00Z"
OBJECTED = "2026-12-01T10:00:00Z"
LATER = "2026-12-01T11:00:00Z"
PID = "2026-laddkraft"


@pytest.fixture
def disputed(firm: Path, wst, tmp_path: Path) -> str:
    """A proposal by anna that sara objected to: in review until 2026-12-03 10:00 CET, disputed."""
    path = write_proposal(tmp_path, "laddkraft", proposal(id=PID))
    assert wst("propose", str(path), "--as", "anna", now=PROPOSED).code == 0
    assert wst("object", PID, "--reason", "Konflikt", "--as", "sara", now=OBJECTED).code == 0
    return PID


def both(wst, *args: str, now: str = LATER) -> tuple[str, str]:
    """The table output of one command in Swedish and in English."""
    sv, en = (wst(*args, "--lang", language, now=now) for language in ("sv", "en"))
    assert sv.code == en.code
    return sv.out, en.out


def same_json(wst, *args: str, now: str = LATER) -> str:
    """The JSON of one command, asserting it is the same in both languages."""
    sv, en = (wst(*args, "--format", "json", "--lang", language, now=now).out for language in ("sv", "en"))
    assert sv == en
    return sv


def test_the_recorded_event_line_is_one_sentence_in_the_runs_language(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "laddkraft", proposal(id=PID))
    proposed = wst("propose", str(path), "--as", "anna", "--lang", "sv", now=PROPOSED)
    assert f"registrerade {PID} (under granskning); synpunkter senast 2026-12-03 10:00 CET" in proposed.out
    comment = wst("comment", PID, "Bra kund", "--as", "jonas", "--lang", "en", now=OBJECTED)
    assert comment.code == 0 and f"{PID}: recorded comment by jonas; now in review" in comment.out
    objection = wst("object", PID, "--reason", "Konflikt", "--as", "sara", "--lang", "sv", now=OBJECTED)
    assert objection.code == 0 and f"{PID}: registrerade invändning av sara; nu omstritt" in objection.out
    assert "recorded" not in objection.out and "registrerade" not in comment.out


def test_status_says_what_awaits_in_the_language_and_json_keeps_the_english_line(firm: Path, wst, disputed: str) -> None:
    sv, en = both(wst, "status", "--as", "petra")
    assert sv.splitlines()[0].split("\t") == ["id", "läge", "kund", "att göra", "granskningstidens slut"]
    assert f"{disputed}\tomstritt\tLaddkraft Sverige AB\tavgör tvisten: 'wst approve' eller 'wst veto'\t2026-12-03 10:00 CET" in sv
    assert en.splitlines()[0].split("\t") == ["id", "state", "client", "to do", "review deadline"]
    assert f"{disputed}\tdisputed\tLaddkraft Sverige AB\tdecide the dispute: 'wst approve' or 'wst veto'\t2026-12-03 10:00 CET" in en
    as_json = same_json(wst, "status", "--as", "petra")
    assert "decide the dispute: 'wst approve' or 'wst veto'" in as_json and "2026-12-03T09:00:00Z" in as_json and "CET" not in as_json


def test_log_names_events_fields_and_counts_in_the_language(firm: Path, wst, disputed: str) -> None:
    sv, en = both(wst, "log", disputed)
    assert sv.splitlines()[0].split("\t") == ["tid", "händelse", "av", "detaljer", "räknas"]
    assert "2026-12-01 11:00 CET\tinvändning\tsara\tskäl: Konflikt\tja" in sv
    assert "kundansvarig: anna; granskningstidens slut: 2026-12-03 10:00 CET; vd: petra" in sv
    assert "2026-12-01 11:00 CET\tobjection\tsara\treason: Konflikt\tyes" in en
    assert "lead: anna; review deadline: 2026-12-03 10:00 CET; CEO: petra" in en
    as_json = same_json(wst, "log", disputed)
    assert '"kind":"objection"' in as_json.replace(": ", ":") and "2026-12-01T10:00:00Z" in as_json and "CET" not in as_json


def test_list_and_show_in_winter_and_summer_time(firm: Path, wst, disputed: str, tmp_path: Path) -> None:
    summer = write_proposal(tmp_path, "sommar", proposal(id="2026-sommar", client={"name": "Sommarkraft AB", "org_number": None, "sectors": ["62.01"]}))
    assert wst("propose", str(summer), "--as", "erik", now="2026-06-15T09:00:00Z").code == 0
    sv, en = both(wst, "list")
    assert "2026-sommar\tklart för offert\tSommarkraft AB" in sv and "2026-06-17 11:00 CEST" in sv
    assert f"{disputed}\tomstritt\t" in sv and "2026-12-03 10:00 CET" in sv
    assert "2026-sommar\tcleared\tSommarkraft AB" in en and f"{disputed}\tdisputed\t" in en
    as_json = same_json(wst, "list")
    assert "2026-06-17T09:00:00Z" in as_json and "CEST" not in as_json

    sv, en = both(wst, "show", disputed)
    assert "omstritt" in sv and "kundansvarig" in sv and "godkänt av vd" in sv and "öppen invändning av sara: Konflikt" in sv
    assert "föreslaget" in sv and "2026-12-01 10:00 CET" in sv and "före en offert:" in sv
    assert "disputed" in en and "CEO approved" in en and "open objection by sara: Konflikt" in en and "before an offer:" in en
    assert "kund" not in en and "client" not in sv
    won = same_json(wst, "show", "2026-vattenfall-fossilfritt")  # nothing missing, so no sentence in the payload
    assert '"state":"won"' in won.replace(": ", ":") and "Z" in won and "CET" not in won


def test_check_verdicts_and_severities_in_the_language(firm: Path, wst, tmp_path: Path) -> None:
    clear = write_proposal(tmp_path, "clear", proposal())
    beer = write_proposal(tmp_path, "beer", proposal(client={"name": "Bryggeriet AB", "org_number": None, "sectors": ["11.05"]}))
    sv, en = both(wst, "check", str(clear), str(beer))
    assert "Laddkraft Sverige AB  godkänt" in sv and "inga fynd" in sv
    assert "Bryggeriet AB  kräver undantag från vd" in sv and "blockerar" in sv and "allvarlighet" in sv
    assert "Laddkraft Sverige AB  clear" in en and "no findings" in en
    assert "Bryggeriet AB  needs a CEO exception" in en and "blocks" in en and "severity" in en
    as_json = same_json(wst, "check", str(clear))
    assert '"verdict":"clear"' in as_json.replace(": ", ":")

    github_sv, github_en = both(wst, "check", str(clear), "--format", "github")
    assert github_sv == f"::notice file={clear},title=wst check::Laddkraft Sverige AB: godkänt\n"
    assert github_en == f"::notice file={clear},title=wst check::Laddkraft Sverige AB: clear\n"
    junit_sv, junit_en = both(wst, "check", str(clear), "--format", "junit")
    assert junit_sv.replace("godkänt", "clear") == junit_en  # the XML is the same but for the words people read


def test_publish_and_report_in_the_language_with_the_same_json(firm: Path, wst, disputed: str) -> None:
    sv, en = both(wst, "publish")
    assert sv.splitlines()[0].split("\t") == ["kund", "uppdrag", "sedan", "status", "påverkansarbete", "på vår hemsida"]
    assert "Vattenfall AB\tOpinionsbildning för fossilfri elproduktion\t2026-01-20\tpågående\tja\t" in sv
    assert en.splitlines()[0].split("\t") == ["client", "engagement", "since", "status", "lobbying", "on our website"]
    assert "\tongoing\tyes\t" in en
    as_json = same_json(wst, "publish")
    assert '"status":"ongoing"' in as_json.replace(": ", ":") and '"language":"sv"' in as_json.replace(": ", ":")  # the firm's

    markdown_sv, markdown_en = both(wst, "publish", "--format", "markdown")
    assert markdown_sv.startswith("## Våra uppdragsgivare") and "### Pågående uppdrag" in markdown_sv and "Påverkansarbete" in markdown_sv
    assert markdown_en.startswith("## Our clients") and "### Ongoing engagements" in markdown_en and "Public affairs" in markdown_en
    html_sv, html_en = both(wst, "publish", "--format", "html")
    assert html_sv.startswith('<section class="wst-clients" lang="sv">') and html_en.startswith('<section class="wst-clients" lang="en">')

    sv, en = both(wst, "report")
    assert "4 uppdrag totalt" in sv and "per läge" in sv and "omstritt" in sv and "stoppat med veto 0" in sv
    assert "4 engagements in all" in en and "by state" in en and "disputed" in en and "vetoed 0" in en
    same_json(wst, "report")


def test_the_ownership_tree_names_kinds_of_owner_in_the_language(firm: Path, wst) -> None:
    sv, en = both(wst, "registry", "show", "Volvo Car AB")
    assert "Geely Sweden Holdings AB (företag, SE)  äger 78.7 %" in sv and "effektivt 78.7 %" in sv
    assert "Geely Sweden Holdings AB (company, SE)  holds 78.7 %" in en and "effective 78.7 %" in en
    same_json(wst, "registry", "show", "Volvo Car AB")
