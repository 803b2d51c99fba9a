"""The right people told at the right time (issue 14): each decision, reminder and clearance reaches
exactly the people it concerns, once, through a real SMTP server on loopback."""

from __future__ import annotations

from pathlib import Path

import test_notify
from conftest import proposal, write_proposal
from test_notify import use_smtp

smtp_server = test_notify.smtp_server  # the real SMTP server on loopback, as a fixture of this module too

T0 = "2026-12-01T09:00:00Z"
DAY_BEFORE = "2026-12-02T10:00:00Z"
AFTER = "2026-12-03T10:00:00Z"


def told(inbox, since: int = 0) -> list[tuple[str, str]]:
    """(recipient id, subject) of every message received after the first `since`."""
    return sorted((rcpt[0].split("@")[0], str(message["Subject"])) for rcpt, message in inbox.messages[since:])


def test_an_objection_tells_the_lead_and_the_ceo_and_the_decision_tells_the_objector(firm: Path, wst, tmp_path: Path, smtp_server) -> None:
    controller, inbox = smtp_server
    use_smtp(firm, controller.port)
    path = write_proposal(tmp_path, "p", proposal(id="2026-tvist", title="Tvisten"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    start = len(inbox.messages)
    assert wst("object", "2026-tvist", "--reason", "Vi har en konflikt", "--as", "sara", now=T0).code == 0
    assert told(inbox, start) == [("anna", "Invändning mot uppdraget Tvisten"), ("petra", "Invändning mot uppdraget Tvisten")]
    assert "Vi har en konflikt" in inbox.messages[-1][1].get_content()
    start = len(inbox.messages)
    assert wst("approve", "2026-tvist", "--reason", "Vi tar det", "--as", "petra", now=T0).code == 0
    assert told(inbox, start) == [("anna", "Vd har godkänt uppdraget Tvisten"), ("sara", "Vd har godkänt uppdraget Tvisten")]
    start = len(inbox.messages)
    assert wst("notify", "2026-tvist", "--as", "anna", now=T0).code == 0
    assert told(inbox, start) == []  # everything was told once already


def test_a_veto_a_team_change_and_a_new_lead_reach_the_person_concerned(firm: Path, wst, tmp_path: Path, smtp_server) -> None:
    controller, inbox = smtp_server
    use_smtp(firm, controller.port)
    path = write_proposal(tmp_path, "p", proposal(id="2026-lag", title="Laget"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    start = len(inbox.messages)
    assert wst("team", "2026-lag", "add", "jonas", "--as", "anna", now=T0).code == 0
    assert told(inbox, start) == [("jonas", "You are in the team of Laget")]  # jonas reads English (people.toml)
    start = len(inbox.messages)
    assert wst("assign", "2026-lag", "erik", "--as", "petra", now=T0).code == 0
    assert told(inbox, start) == [("erik", "Du är nu kundansvarig för Laget")]
    start = len(inbox.messages)
    assert wst("veto", "2026-lag", "--reason", "Nej", "--as", "petra", now=T0).code == 0
    assert told(inbox, start) == [("erik", "Vd har stoppat uppdraget Laget")]


def test_remind_tells_who_has_not_responded_once_and_clearance_once(firm: Path, wst, tmp_path: Path, smtp_server) -> None:
    controller, inbox = smtp_server
    use_smtp(firm, controller.port)
    path = write_proposal(tmp_path, "p", proposal(id="2026-tyst", title="Tystnaden"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    assert wst("ack", "2026-tyst", "--as", "erik", now=T0).code == 0
    assert wst("comment", "2026-tyst", "Bra", "--as", "sara", now=T0).code == 0
    start = len(inbox.messages)
    assert wst("remind", "--as", "petra", now="2026-12-01T12:00:00Z").code == 0
    assert told(inbox, start) == []  # the deadline is still more than a day away
    assert wst("remind", "--as", "petra", now=DAY_BEFORE).code == 0
    assert told(inbox, start) == [("jonas", "Reminder: Tystnaden"), ("petra", "Påminnelse: Tystnaden")]  # each in their language
    start = len(inbox.messages)
    assert wst("remind", "--as", "petra", now=DAY_BEFORE).code == 0
    assert told(inbox, start) == []  # once
    assert wst("remind", "--as", "petra", now=AFTER).code == 0
    assert [who for who, _ in told(inbox, start)] == ["anna", "erik", "jonas", "petra", "sara"]
    assert {subject for _, subject in told(inbox, start)} == {"Klart för offert: Tystnaden", "Cleared for an offer: Tystnaden"}  # jonas reads English
    start = len(inbox.messages)
    assert wst("remind", "--as", "petra", now=AFTER).code == 0
    assert told(inbox, start) == []
    assert wst("verify").code == 0


def test_proposing_the_same_request_twice_needs_again(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal())
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    outbox = sorted((firm / "outbox").rglob("*.eml"))
    twice = wst("propose", str(path), "--as", "anna", now=T0)
    assert twice.code == 3 and "--again" in twice.err
    assert sorted((firm / "outbox").rglob("*.eml")) == outbox  # nobody was mailed again


def test_the_lead_revises_the_website_text_and_publish_shows_it(firm: Path, wst, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal(id="2026-text", website_text="Första texten."))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    assert wst("amend-text", "2026-text", "Någon annans text", "--as", "erik", now=T0).code == 4
    assert wst("amend-text", "2026-text", "Vi hjälper Laddkraft med laddplatser.", "--as", "anna", now=T0).code == 0
    for step in ("offer", "won"):
        assert wst(step, "2026-text", "--as", "anna", now=AFTER).code == 0
    clients = wst("publish", "--format", "json", now=AFTER).json["clients"]
    assert [c["website_text"] for c in clients if c["client"] == "Laddkraft Sverige AB"] == ["Vi hjälper Laddkraft med laddplatser."]
    assert wst("verify").code == 0
