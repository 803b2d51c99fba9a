"""Informing people: one RFC 5322 message per recipient, delivered to an outbox folder and/or SMTP."""

from __future__ import annotations

import contextlib
import hashlib
import os
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from westander_cli import words
from westander_cli.events import StoredFinding
from westander_cli.i18n import N_, _, current, local_time, speaking
from westander_cli.model import Channel, Firm, Person, Proposal
from westander_cli.render import one_line
from westander_cli.store import write_once


@dataclass(frozen=True)
class Delivery:
    person: str
    channel: Channel
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


_TEXT = {
    "subject": N_("Possible new engagement: {title} ({client})"),
    "intro": N_("{lead} proposes a new engagement. Under the client policy every colleague is informed before an offer is made."),
    "title": N_("Engagement"), "client": N_("Client"), "lead": N_("Client lead"), "deadline": N_("Views by"),
    "description": N_("Description"), "website": N_("How it would be presented on our website"),
    "findings": N_("Policy check"), "none": N_("No findings."), "exception": N_("Reason for an exception"),
    "how": N_("Reply with wst (silence until the deadline counts as no objection):"),
    "ack": N_("seen, no objection"), "comment": N_("a view, not an objection"),
    "object": N_("objection on behalf of the firm"), "personal": N_("decline to work on it yourself"),
    "crit_subject": N_("Client criticism: {client} ({id})"),
    "crit_intro": N_("{lead} reports that the client has voiced criticism. The CEO must always be told when a client criticises us."),
    "note": N_("The criticism"),
    "reason": N_("Reason"), "state": N_("State"),
}
"""The words of the messages to colleagues; each message is written in its recipient's language."""


def _words() -> dict[str, str]:
    """`_TEXT` in the recipient's language (set with `speaking` around the whole message)."""
    return {key: _(text) for key, text in _TEXT.items()}


def _language_of(firm: Firm, recipient: Person) -> str:
    return (recipient.language or firm.language).value


def proposal_message(
    firm: Firm, sender: str, recipient: Person, lead: Person, engagement_id: str,
    proposal: Proposal, findings: Sequence[StoredFinding], deadline: datetime,
    exception_reason: str, now: datetime,
) -> EmailMessage:
    with speaking(_language_of(firm, recipient)):
        return _proposal_message(firm, sender, recipient, lead, engagement_id, proposal, findings, deadline, exception_reason, now)


def _proposal_message(
    firm: Firm, sender: str, recipient: Person, lead: Person, engagement_id: str,
    proposal: Proposal, findings: Sequence[StoredFinding], deadline: datetime,
    exception_reason: str, now: datetime,
) -> EmailMessage:
    t = _words()
    lines = [
        t["intro"].format(lead=lead.name), "",
        f"{t['title']}: {proposal.title}",
        f"{t['client']}: {proposal.client.name}" + (f" ({proposal.client.org_number})" if proposal.client.org_number else ""),
        f"{t['lead']}: {lead.name} <{lead.email}>",
        f"{t['deadline']}: {local_time(deadline)}", "",
        f"{t['description']}:", proposal.description, "",
        f"{t['website']}:", proposal.website_text or "-", "",
        f"{t['findings']}:",
    ]
    lines += [f"  [{words.severity(f.severity)}] {f.rule}: {f.message} ({f.source})" for f in findings] or [f"  {t['none']}"]
    if exception_reason:
        lines += ["", f"{t['exception']}: {exception_reason}"]
    lines += [
        "", t["how"],
        f"  wst ack {engagement_id}                      # {t['ack']}",
        f"  wst comment {engagement_id} \"...\"            # {t['comment']}",
        f"  wst object {engagement_id} --reason \"...\"    # {t['object']}",
        f"  wst object {engagement_id} --personal        # {t['personal']}",
        "", f"-- {firm.name}",
    ]
    subject = t["subject"].format(title=proposal.title, client=proposal.client.name)
    return _message(sender, recipient, subject, "\n".join(lines), engagement_id, now)


def criticism_message(
    firm: Firm, sender: str, recipient: Person, lead: Person, engagement_id: str,
    proposal: Proposal, note: str, now: datetime,
) -> EmailMessage:
    with speaking(_language_of(firm, recipient)):
        t = _words()
        body = "\n".join([
            t["crit_intro"].format(lead=lead.name), "",
            f"{t['title']}: {proposal.title} ({engagement_id})",
            f"{t['client']}: {proposal.client.name}",
            f"{t['lead']}: {lead.name} <{lead.email}>", "",
            f"{t['note']}:", note, "", f"-- {firm.name}",
        ])
        subject = t["crit_subject"].format(client=proposal.client.name, id=engagement_id)
    return _message(sender, recipient, subject, body, engagement_id, now)


_NOTICE = {
    "objection": (N_("Objection to the engagement {title}"), N_("{who} objects to the engagement. The CEO decides (wst approve or wst veto).")),
    "approval": (N_("The CEO approved the engagement {title}"), N_("{who} (CEO) decided: it may go on once the review period is over.")),
    "veto": (N_("The CEO vetoed the engagement {title}"), N_("{who} (CEO) vetoed it: the firm will not take it.")),
    "team_add": (N_("You are in the team of {title}"), N_("{who} added you to the working group.")),
    "team_remove": (N_("You are no longer in the team of {title}"), N_("{who} removed you from the working group.")),
    "lead_changed": (N_("You are now client lead of {title}"), N_("{who} (CEO) made you the client lead.")),
    "reminder": (N_("Reminder: {title}"), N_("You have not responded. Views by {deadline}; silence counts as no objection.")),
    "cleared": (N_("Cleared for an offer: {title}"), N_("The review is over with no open objection. The client lead may make the offer (wst offer).")),
}


def notice_message(
    firm: Firm, sender: str, recipient: Person, engagement_id: str, proposal: Proposal, what: str,
    who: str, reason: str, deadline: datetime, state: str, now: datetime,
) -> EmailMessage:
    """A short message about one decision or moment of the process (see `workflow.owed`)."""
    with speaking(_language_of(firm, recipient)):
        subject, intro = (_(text) for text in _NOTICE[what])
        t = _words()
        lines = [intro.format(who=who, deadline=local_time(deadline)), "",
                 f"{t['title']}: {proposal.title} ({engagement_id})", f"{t['client']}: {proposal.client.name}",
                 f"{t['state']}: {words.state(state)}"]
        if reason:
            lines += ["", f"{t['reason']}:", reason]
        lines += ["", f"  wst show {engagement_id}", "", f"-- {firm.name}"]
        return _message(sender, recipient, subject.format(title=proposal.title), "\n".join(lines), engagement_id, now)


def _message(sender: str, recipient: Person, subject: str, body: str, engagement_id: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"{one_line(recipient.name)} <{recipient.email}>"
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[-1])
    message["X-Wst-Engagement"] = engagement_id
    message.set_content(body)
    message["Content-Language"] = current()  # RFC 3282: the recipient's language (after set_content, which clears Content-*)
    return message


def message_key(message: EmailMessage, person: Person, channel: Channel) -> str:
    """What identifies a message: what it is about (engagement, subject, text), its recipient and channel.

    The text of a message is built only from the engagement's record (never from the time of sending),
    so the same message built again after a kill has the same key: a retry finds it delivered.
    """
    owed = message["X-Wst-About"]  # the event and topic the message tells of (see workflow.owed): its identity
    about = "\x1f".join([str(message["X-Wst-Engagement"]), str(owed)] if owed else
                        [str(message["X-Wst-Engagement"]), str(message["Subject"]), message.get_content()])
    digest = hashlib.sha256("\x1e".join([about, person.id, person.email, channel.value]).encode("utf-8"))
    return digest.hexdigest()


def deliver(firm: Firm, outbox: Path, messages: Sequence[tuple[Person, Channel, EmailMessage]]) -> list[Delivery]:
    """Deliver each message on its channel, at most once; failures are returned, never raised.

    Each message gets a deterministic Message-ID from `message_key`; a journal under the data folder's
    `.wst/delivered/` records what was delivered, and an outbox file's name is that key, created once.
    So a `propose` killed mid-delivery and then `wst notify` sends nobody anything twice.
    """
    journal = Journal(_data_root(firm, outbox) / ".wst" / "delivered")
    results: list[Delivery] = []
    smtp_batch: list[tuple[Person, EmailMessage, str]] = []
    for person, channel, message in messages:
        key = message_key(message, person, channel)
        del message["Message-ID"]
        message["Message-ID"] = f"<{key[:40]}@{firm.notify.sender.split('@')[-1]}>"
        if journal.delivered(key):
            results.append(Delivery(person.id, channel))
        elif channel == Channel.OUTBOX:
            delivery = _to_outbox(firm, outbox, person, message, key)
            if delivery.ok:
                journal.record(key)
            results.append(delivery)
        else:
            smtp_batch.append((person, message, key))
    if smtp_batch:
        results.extend(_by_smtp(firm, smtp_batch, journal))
    return results


class Journal:
    """One empty file per delivered message key: creating a file is atomic, and nothing is ever rewritten."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def delivered(self, key: str) -> bool:
        return (self.folder / key).is_file()

    def record(self, key: str) -> None:
        # On failure the outbox file (created once) or the Message-ID still identify the message.
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / key).touch()


def _data_root(firm: Firm, outbox: Path) -> Path:
    """The data folder holding `outbox` (firm.toml's outbox is a relative path inside it)."""
    parts = Path(firm.notify.outbox).parts
    if parts and outbox.parts[-len(parts):] == parts and len(outbox.parts) > len(parts):
        return outbox.parents[len(parts) - 1]
    return outbox


def _to_outbox(firm: Firm, outbox: Path, person: Person, message: EmailMessage, key: str) -> Delivery:
    engagement = str(message["X-Wst-Engagement"])
    root = _data_root(firm, outbox)
    place = root
    for part in (*outbox.relative_to(root).parts, engagement):
        place = place / part
        if place.is_symlink():
            return Delivery(person.id, Channel.OUTBOX, f"outbox: {place} is a symbolic link; wst does not follow links")
    path = outbox / engagement / f"{key[:16]}-{person.id}.eml"
    if path.is_file():
        return Delivery(person.id, Channel.OUTBOX)  # delivered before a kill: the file is created once
    try:
        write_once(path, message.as_string())
    except FileExistsError:
        return Delivery(person.id, Channel.OUTBOX)
    except OSError as error:
        return Delivery(person.id, Channel.OUTBOX, f"outbox: {error.strerror or error}")
    return Delivery(person.id, Channel.OUTBOX)


def _by_smtp(firm: Firm, batch: Sequence[tuple[Person, EmailMessage, str]], journal: Journal) -> list[Delivery]:
    settings = firm.notify.smtp
    assert settings is not None
    try:
        password = os.environ.get(settings.password_env, "") if settings.password_env else ""
        if settings.password_env and not password:
            raise RuntimeError(f"environment variable {settings.password_env} (the SMTP password) is not set")
        client: smtplib.SMTP
        if settings.security.value == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with client:
            if settings.security.value == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, password)
            results = []
            for person, message, key in batch:
                try:
                    client.send_message(message)
                    journal.record(key)  # at once: a kill after this line sends nothing twice
                    results.append(Delivery(person.id, Channel.SMTP))
                except (smtplib.SMTPException, OSError) as error:
                    results.append(Delivery(person.id, Channel.SMTP, f"smtp: {error}"))
            return results
    except (smtplib.SMTPException, OSError, RuntimeError) as error:
        reason = f"smtp {settings.host}:{settings.port}: {getattr(error, 'strerror', None) or error}"
        return [Delivery(person.id, Channel.SMTP, reason) for person, _, _ in batch]
