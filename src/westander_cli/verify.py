"""`wst verify`: the integrity and legitimacy of every record, read from the files themselves.

For each engagement: every event file parses, its content matches its hash, its name matches its
content, every event it follows exists, the proposal matches the hash its `proposed` event
recorded, and, replaying the history in order, every event was recorded by someone allowed to do
that at that moment (a veto by the CEO, an offer by the lead after clearance, ...). Signatures are
checked where a person has a signing key or the firm requires them. A deleted newest event leaves
no trace in the files; the CI scripts in examples/ci/ refuse such changes in the data repository.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from westander_cli.errors import WstError
from westander_cli.model import Event, EventKind, Firm, People, Person, Proposal, SignatureRule
from westander_cli.store import LEFTOVERS, SLUG_PATTERN, DataFolder, canonical_hash, causal_order, event_file_name
from westander_cli.tomlfile import load_model, read_toml
from westander_cli.workflow import Action, Engagement, apply_event, authorize

ACTION_OF = {
    EventKind.ACK: Action.ACK,
    EventKind.COMMENT: Action.COMMENT,
    EventKind.OBJECTION: Action.OBJECT,
    EventKind.OPT_OUT: Action.OPT_OUT,
    EventKind.OBJECTION_WITHDRAWN: Action.WITHDRAW_OBJECTION,
    EventKind.APPROVAL: Action.APPROVE,
    EventKind.VETO: Action.VETO,
    EventKind.WITHDRAWN: Action.WITHDRAW,
    EventKind.OFFER: Action.OFFER,
    EventKind.WON: Action.WON,
    EventKind.LOST: Action.LOST,
    EventKind.ENDED: Action.END,
    EventKind.TEAM: Action.TEAM,
    EventKind.LEAD_CHANGED: Action.ASSIGN,
    EventKind.CRITICISM: Action.CRITICISM,
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message}


def verify(data: DataFolder) -> list[Problem]:
    firm, people = data.firm, data.people
    problems: list[Problem] = []
    folder = data.engagements_dir
    if not folder.is_dir():
        return problems
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(LEFTOVERS):
            continue  # a killed writer's staging folder: never part of the history, removed later
        if entry.is_symlink():
            problems.append(Problem(entry.path, None, "is a symbolic link; engagements must be plain folders"))
        elif not entry.is_dir():
            problems.append(Problem(entry.path, None, "a file among the engagement folders"))
        elif not SLUG_PATTERN.fullmatch(entry.name):
            problems.append(Problem(entry.path, None, "not an engagement id (lower-case letters, digits and '-')"))
        else:
            problems.extend(verify_engagement(Path(entry.path), firm, people))
    return problems


def verify_engagement(folder: Path, firm: Firm, people: People) -> Iterator[Problem]:
    proposal_path = folder / "proposal.toml"
    proposal: Proposal | None = None
    proposal_sha = ""
    if proposal_path.is_symlink():
        yield Problem(str(proposal_path), None, "is a symbolic link")
    else:
        try:
            document = read_toml(proposal_path, "proposal")
            proposal = load_model(document, Proposal)
            proposal_sha = hashlib.sha256(document.text.encode("utf-8")).hexdigest()
        except WstError as error:
            yield Problem(str(proposal_path), None, str(error).removeprefix(f"{proposal_path}: "))
    loaded: list[tuple[Event, Path]] = []
    events_dir = folder / "events"
    if events_dir.is_symlink():
        yield Problem(str(events_dir), None, "is a symbolic link")
        return
    for entry in sorted(os.scandir(events_dir), key=lambda e: e.name) if events_dir.is_dir() else []:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue  # a killed writer's temporary file: never part of the history
        if entry.is_symlink() or not entry.is_file():
            yield Problem(entry.path, None, "not a plain file; event files must be plain files")
            continue
        try:
            event = load_model(read_toml(path, "event file"), Event)
        except WstError as error:
            yield Problem(entry.path, None, f"unreadable event: {str(error).removeprefix(entry.path + ': ')}")
            continue
        expected = canonical_hash(event.content())
        if event.hash != expected:
            yield Problem(entry.path, None, "edited: the content does not match the hash it was recorded with")
            continue
        if entry.name != event_file_name(event):
            yield Problem(entry.path, None, f"renamed: an event with this content is named {event_file_name(event)}")
        loaded.append((event, path))
    by_hash = {str(e.hash): p for e, p in loaded}
    for event, path in loaded:
        for previous in event.follows:
            if previous not in by_hash:
                yield Problem(str(path), None, f"follows event {previous[:12]}, which is missing (deleted?)")
            elif _at(loaded, previous) > event.at:
                yield Problem(str(path), None, f"recorded at {event.at:%Y-%m-%d %H:%M} UTC, before the event {previous[:12]} it follows")
    roots = [(e, p) for e, p in loaded if e.kind == EventKind.PROPOSED]
    if len(roots) != 1:
        yield Problem(str(events_dir), None, f"{len(roots)} 'proposed' events; an engagement has exactly one")
        return
    root, root_path = roots[0]
    if root.follows:
        yield Problem(str(root_path), None, "the 'proposed' event follows other events; it must come first")
    if proposal is not None and root.proposal_sha256 != proposal_sha:
        yield Problem(str(proposal_path), None, "edited: the proposal does not match the hash recorded when it was proposed")
    for event, path in loaded:
        if event.kind != EventKind.PROPOSED and not event.follows:
            yield Problem(str(path), None, "follows no event; only 'proposed' starts a history")
    if proposal is not None:
        ordered = causal_order(loaded)
        yield from _replay(folder.name, proposal, ordered, firm, people)
        yield from _signatures(ordered, firm, people)


def _at(loaded: list[tuple[Event, Path]], event_hash: str) -> object:
    return next(e.at for e, _ in loaded if e.hash == event_hash)


def _replay(engagement_id: str, proposal: Proposal, ordered: list[tuple[Event, Path]], firm: Firm, people: People) -> Iterator[Problem]:
    """Was each event allowed, by its author, at its moment, given the events before it?"""
    ceo = next(p.id for p in people.person if p.active and p.role.value == "ceo")
    view = Engagement(id=engagement_id, proposal=proposal, events=[e for e, _ in ordered], now=ordered[0][0].at,
                      active_people=frozenset(p.id for p in people.person if p.active),
                      channels=tuple(firm.notify.channels), ceo=ceo)
    persons = {p.id: p for p in people.person}
    for event, path in ordered:
        view.now = event.at
        author = persons.get(event.by)
        if author is None:
            yield Problem(str(path), None, f"recorded by '{event.by}', who is not in people.toml")
        else:
            reason = _refusal(event, author, view)
            if reason:
                yield Problem(str(path), None, f"not allowed: {event.kind.value} by {event.by}: {reason}")
        apply_event(view, event)


def _refusal(event: Event, author: Person, view: Engagement) -> str | None:
    if event.kind == EventKind.PROPOSED:
        return None if not view.proposed_hash else "a second 'proposed' event"
    if event.kind == EventKind.INFORMED:
        return None if event.by in (view.lead, view.proposed_by) else "only the client lead or the proposer records deliveries"
    try:
        authorize(ACTION_OF[EventKind(event.kind)], _as_active(author), view)
    except WstError as error:
        return str(error)
    if event.kind == EventKind.OBJECTION_WITHDRAWN:
        objection = view.objections.get(event.objection or "")
        if objection is None or objection.by != event.by:
            return "withdraws an objection that is not its author's own open objection"
    if event.kind == EventKind.TEAM and event.action == "add" and event.person in view.opted_out:
        return f"{event.person} had declined personally to work on it"
    return None


def _as_active(person: Person) -> Person:
    """Roles are judged by people.toml; someone who has left since may have acted while active."""
    return person if person.active else person.model_copy(update={"active": True})


def _signatures(ordered: list[tuple[Event, Path]], firm: Firm, people: People) -> Iterator[Problem]:
    from westander_cli import signing

    keys = {p.id: p.signing_key for p in people.person if p.signing_key}
    rule = firm.signatures.required
    for event, path in ordered:
        if event.signature is None:
            if firm.signatures.requires(event.kind):
                yield Problem(str(path), None, f"unsigned, but firm.toml requires signatures for {'every event' if rule == SignatureRule.ALL else 'CEO decisions'}")
            continue
        key = keys.get(event.by)
        if key is None:
            yield Problem(str(path), None, f"signed, but {event.by} has no signing_key in people.toml to check it with")
            continue
        error = signing.check(key, str(event.hash), event.signature)
        if error:
            yield Problem(str(path), None, f"bad signature: {error}")
