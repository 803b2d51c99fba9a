"""Informing colleagues is real delivery: a real SMTP server on loopback, failures and retries."""

from __future__ import annotations

import email
import email.policy
import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from conftest import proposal, write_proposal

COLLEAGUES = {"erik", "jonas", "petra", "sara"}


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def use_smtp(firm: Path, port: int, language: str = "sv") -> None:
    (firm / "firm.toml").write_text(
        f'name = "Westander Exempel AB"\nlanguage = "{language}"\nreview_hours = 48\n\n[notify]\nchannels = ["smtp"]\n'
        f'sender = "wst@westander-exempel.se"\n\n[notify.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\ntimeout_seconds = 5\n',
        encoding="utf-8",
    )


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_every_colleague_gets_one_well_formed_message(firm: Path, wst, tmp_path: Path, smtp_server) -> None:
    controller, inbox = smtp_server
    use_smtp(firm, controller.port)
    path = write_proposal(tmp_path, "p", proposal(id="2026-laddkraft", client={"owners": [{"name": "Huaxin Co., Ltd.", "country": "CN", "share": 10.0}]}))
    result = wst("propose", str(path), "--as", "anna", "--format", "json", now="2026-12-01T09:00:00Z")
    assert result.code == 0, result.err
    received = {rcpt[0]: message for rcpt, message in inbox.messages}
    assert len(inbox.messages) == 4 and set(received) == {f"{c}@westander-exempel.se" for c in COLLEAGUES}
    message = received["erik@westander-exempel.se"]
    assert message["Subject"] == "Möjligt nytt uppdrag: Opinionsarbete för laddinfrastruktur (Laddkraft Sverige AB)"
    assert message["From"] == "wst@westander-exempel.se" and message["Message-ID"] and message["Date"]
    assert message["To"].addresses[0].display_name == "Erik Holm"
    body = message.get_content()
    for expected in ("Laddkraft Sverige AB", "Vi hjälper kunden att få fler publika laddplatser.",
                     "Vi hjälper kunden med laddinfrastruktur.", "Anna Lindqvist", "2026-12-03 10:00 CET",
                     "[notering] ownership.cn_ru", "wst ack 2026-laddkraft", "wst object 2026-laddkraft --reason",
                     "wst comment 2026-laddkraft"):
        assert expected in body, expected
    shown = wst("show", "2026-laddkraft", "--format", "json").json["engagement"]
    assert shown["informed"] == sorted(COLLEAGUES)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\r\n"])
def test_a_line_separator_pasted_into_a_name_or_title_is_a_space_in_the_subject(firm: Path, wst, tmp_path: Path, smtp_server,
                                                                                separator: str) -> None:
    """Found by attacking: a client name or title pasted from Word or a PDF with a line or paragraph separator made
    `propose` crash (exit 70) after storing the engagement, and every `notify` after it: the e-mail library refuses
    a line break in a header. The subject now has a space where the name had the break."""
    controller, inbox = smtp_server
    use_smtp(firm, controller.port)
    path = write_proposal(tmp_path, "p", proposal(id="2026-radbryt", title=f"Opinionsarbete{separator}för laddning",
                                                  client={"name": f"Laddkraft{separator}Sverige AB"}))
    result = wst("propose", str(path), "--as", "anna", now="2026-12-01T09:00:00Z")
    assert result.code == 0, result.err
    subjects = [message["Subject"] for _rcpt, message in inbox.messages]
    assert len(subjects) == 4 and all(s.endswith(": Opinionsarbete för laddning (Laddkraft Sverige AB)") for s in subjects), subjects
    assert wst("show", "2026-radbryt", "--format", "json").json["engagement"]["informed"] == sorted(COLLEAGUES)


def test_messages_in_english_when_the_firm_says_so(firm: Path, wst, tmp_path: Path, smtp_server) -> None:
    controller, inbox = smtp_server
    use_smtp(firm, controller.port, language="en")
    wst("propose", str(write_proposal(tmp_path, "p", proposal(id="2026-x"))), "--as", "anna")
    subjects = {m["Subject"] for _, m in inbox.messages}
    assert subjects == {"Possible new engagement: Opinionsarbete för laddinfrastruktur (Laddkraft Sverige AB)"}
    assert "wst ack 2026-x" in inbox.messages[0][1].get_content() and "Views by" in inbox.messages[0][1].get_content()


def test_server_down_keeps_the_proposal_and_notify_retries_only_the_missing(firm: Path, wst, tmp_path: Path) -> None:
    port = free_port()
    use_smtp(firm, port)
    path = write_proposal(tmp_path, "p", proposal(id="2026-laddkraft"))
    result = wst("propose", str(path), "--as", "anna", "--format", "json", now="2026-12-01T09:00:00Z")
    assert result.code == 1 and "wst notify 2026-laddkraft" in result.err
    assert result.json["stored"] and all(d["error"] for d in result.json["deliveries"])
    shown = wst("show", "2026-laddkraft", "--format", "json", now="2026-12-05T09:00:00Z").json["engagement"]
    assert shown["informed"] == [] and shown["state"] == "proposed"
    assert any("not yet informed" in m for m in shown["missing_for_offer"])
    assert wst("offer", "2026-laddkraft", "--as", "anna", now="2026-12-05T09:00:00Z").code == 3
    assert wst("notify", "2026-laddkraft", "--as", "erik").code == 4  # the lead's job

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        retried = wst("notify", "2026-laddkraft", "--as", "anna", "--format", "json", now="2026-12-01T10:00:00Z")
        assert retried.code == 0 and len(inbox.messages) == 4
        again = wst("notify", "2026-laddkraft", "--as", "anna", "--format", "json", now="2026-12-01T10:00:00Z")
        assert again.code == 0 and again.json["deliveries"] == [] and len(inbox.messages) == 4
    finally:
        controller.stop()
    assert wst("show", "2026-laddkraft", "--format", "json").json["engagement"]["informed"] == sorted(COLLEAGUES)
    assert wst("offer", "2026-laddkraft", "--as", "anna", now="2026-12-05T09:00:00Z").code == 0


def test_missing_password_variable_is_a_reported_failure(firm: Path, wst, tmp_path: Path, smtp_server, monkeypatch: pytest.MonkeyPatch) -> None:
    controller, inbox = smtp_server
    use_smtp(firm, controller.port)
    text = (firm / "firm.toml").read_text().replace('security = "none"', 'security = "none"\nuser = "wst"\npassword_env = "WST_TEST_SMTP_PASSWORD"')
    (firm / "firm.toml").write_text(text)
    monkeypatch.delenv("WST_TEST_SMTP_PASSWORD", raising=False)
    result = wst("propose", str(write_proposal(tmp_path, "p", proposal(id="2026-x"))), "--as", "anna", "--format", "json")
    assert result.code == 1 and "WST_TEST_SMTP_PASSWORD" in result.json["deliveries"][0]["error"] and not inbox.messages


def test_invalid_firm_settings_are_exit_2(firm: Path, wst, tmp_path: Path) -> None:
    (firm / "firm.toml").write_text('name = "X"\n[notify]\nchannels = ["smtp"]\n', encoding="utf-8")
    result = wst("propose", str(write_proposal(tmp_path, "p", proposal(id="2026-x"))), "--as", "anna")
    assert result.code == 2 and "firm.toml" in result.err and "notify" in result.err
    assert not (firm / "engagements" / "2026-x").exists()
