"""The firm's intake, as operations on a data folder: check, propose, record decisions, inform.

This is the layer the CLI calls; it knows files and rules, not terminals.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from westander_cli.errors import InvalidInput, NotPermitted, NotYet
from westander_cli.model import Channel, Event, EventKind, Person, Proposal, StoredFinding
from westander_cli.policy import engine
from westander_cli.policy.rules import Policy, load_policy
from westander_cli.screening.names import Certainty, compare, normalise
from westander_cli.screening.ownership import NoRegistry
from westander_cli.screening.registry import Registry
from westander_cli.store import DataFolder, EngagementRecord, check_id
from westander_cli.tomlfile import load_model, read_toml
from westander_cli.index import Entry, SummaryIndex
from westander_cli.workflow import ACTIVE, Action, Engagement, Summary, authorize, colleagues_of, derive, parse_consulted, review_deadline, summarize


@dataclass
class Workspace:
    """A data folder and a policies folder, seen at one moment."""

    data: DataFolder
    policies_dir: Path
    now: datetime
    _cached_entries: list[Entry] | None = field(default=None, repr=False)

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.policies_dir)

    def __post_init__(self) -> None:
        self.data.signer = self._sign

    def _sign(self, event: Event) -> Event:
        """Sign with the author's key where they have one; refuse where the firm requires one they lack."""
        author = self.data.person(event.by)
        if author is None or not author.signing_key:
            if self.data.firm.signatures.requires(event.kind):
                raise NotPermitted(f"firm.toml requires a signature on {event.kind.value}, and {event.by} has no signing_key in people.toml; nothing was written")
            return event
        from westander_cli import signing

        return event.model_copy(update={"signature": signing.sign(author.signing_key, str(event.hash))})

    def commit_if_configured(self, actor: Person, message: str) -> None:
        if self.data.firm.git.autocommit:
            self.data.commit(actor.name, actor.email, message)

    # --- reading ---------------------------------------------------------------------------

    def record(self, engagement_id: str) -> EngagementRecord:
        return self.data.read(engagement_id)

    def view_of(self, record: EngagementRecord) -> Engagement:
        return derive(record.id, record.proposal, record.events, self.data.people,
                      self.data.firm.notify.channels, self.now)

    def view(self, engagement_id: str) -> Engagement:
        return self.view_of(self.record(engagement_id))

    def summaries(self) -> list[Summary]:
        return [entry.summary for entry in self._entries()]

    def active_engagements(self) -> list[engine.ActiveEngagement]:
        return [e.active for e in self._entries() if e.state in ACTIVE]

    def _entries(self) -> list[Entry]:
        """Every engagement's summary, from the index where the files have not changed."""
        if self._cached_entries is None:
            index = SummaryIndex(self.data.root, self.data.state_dir / "index.sqlite")
            self._cached_entries = index.entries(self.data.engagement_ids(), self.now, self._entry)
        return self._cached_entries

    def _entry(self, engagement_id: str) -> Entry:
        view = self.view(engagement_id)
        active = engine.ActiveEngagement.of(view.id, view.proposal.client, view.proposal.counterparties)
        return Entry(summarize(view), active=active)

    def registry(self) -> Registry:
        return Registry(self.data.root / "registry", self.data.state_dir / "registry.sqlite")

    def context(self) -> engine.Context:
        has_firm = (self.data.root / "firm.toml").is_file()
        return engine.Context(
            engagements=self.active_engagements() if has_firm else (),
            owners=self.registry() if (self.data.root / "registry").is_dir() else NoRegistry(),
            language=self.data.firm.language.value if has_firm else "sv",
        )

    # --- identity ----------------------------------------------------------------------------

    def identify(self, as_person: str | None) -> Person:
        """--as > WST_USER > git user.email of the data folder; unknown is exit 4, never a default."""
        wanted = as_person or os.environ.get("WST_USER") or _git_email(self.data.root)
        if not wanted:
            raise NotPermitted("who are you? give --as PERSON, set WST_USER, or set git user.email")
        for person in self.data.people.person:
            if wanted == person.id or wanted.lower() == person.email.lower():
                if not person.active:
                    raise NotPermitted(f"{person.id} is not an active member of the firm")
                return person
        raise NotPermitted(f"'{wanted}' is not a person in {self.data.root / 'people.toml'}")

    # --- check and propose -------------------------------------------------------------------

    def check_file(self, path: Path, context: engine.Context) -> engine.CheckResult:
        proposal = load_model(read_toml(path, "proposal file"), Proposal)
        return engine.check(proposal, self.policy, context)

    def propose(self, path: Path, actor: Person, exception_reason: str | None) -> ProposeOutcome:
        proposal = load_model(read_toml(path, "proposal file"), Proposal)
        lead = self.data.person(proposal.lead or actor.id)
        if lead is None or not lead.active:
            raise InvalidInput(f"{path}: lead: '{proposal.lead}' is not an active person in people.toml")
        engagement_id = proposal.id or self._new_id(proposal)
        if self.data.exists(engagement_id):
            raise InvalidInput(f"{path}: id: engagement '{engagement_id}' already exists; choose another id")
        result = engine.check(proposal, self.policy, self.context())
        verdict = result.verdict
        if verdict == engine.Verdict.FORBIDDEN:
            return ProposeOutcome(engagement_id, result, stored=False)
        if verdict == engine.Verdict.NEEDS_EXCEPTION and not (exception_reason or "").strip():
            rules = ", ".join(sorted({f.rule for f in result.findings if f.severity.value == "block"}))
            raise NotYet(f"{path}: block findings ({rules}) need --exception-reason, and then a CEO approval; nothing was stored")
        proposal = proposal.model_copy(update={"id": engagement_id, "lead": lead.id})
        colleagues = colleagues_of(self.data.people, lead.id)
        event = Event(
            kind=EventKind.PROPOSED, at=self.now, by=actor.id, lead=lead.id, colleagues=colleagues,
            review_deadline=review_deadline(self.now, self.data.firm.review_hours),
            findings=[StoredFinding(**f.as_dict(), kind=f.kind) for f in result.findings],
            exception_reason=(exception_reason or "").strip() or None,
        )
        with self.data.lock(engagement_id):
            self.data.create(proposal, event)
        deliveries = self.inform(engagement_id, actor, f"wst: {actor.id} proposes {engagement_id}")
        return ProposeOutcome(engagement_id, result, stored=True, deliveries=deliveries)

    def _new_id(self, proposal: Proposal) -> str:
        client = normalise(proposal.client.name).split()[:3]
        title = [w for w in re.split(r"[^a-z0-9]+", _ascii(proposal.title)) if len(w) > 3][:2]
        base = str(self.now.year)
        for word in [*client, *title]:
            if len(base) + 1 + len(word) > 48:
                break
            base = f"{base}-{word[:20]}"
        candidate, number = base, 2
        while self.data.exists(candidate):
            candidate, number = f"{base}-{number}", number + 1
        return candidate

    # --- recording ---------------------------------------------------------------------------

    def act(self, action: Action, engagement_id: str, actor: Person, **details: Any) -> Event:
        """Record one decision, atomically with respect to other wst processes on this machine."""
        check_id(engagement_id)
        with self.data.lock(engagement_id):
            record = self.record(engagement_id)
            view = self.view_of(record)
            authorize(action, actor, view)
            event = self._event_for(action, view, actor, details)
            follows = _heads(record.events)
            recorded = self.data.append(engagement_id, event.model_copy(update={"follows": follows}))
        self.commit_if_configured(actor, f"wst: {recorded.kind.value} on {engagement_id} by {actor.id}")
        return recorded

    def _event_for(self, action: Action, view: Engagement, actor: Person, details: dict[str, Any]) -> Event:
        base: dict[str, Any] = {"at": self.now, "by": actor.id}
        text = (details.get("text") or "").strip() or None
        if action == Action.ACK:
            return Event(kind=EventKind.ACK, **base)
        if action == Action.COMMENT:
            if not text:
                raise InvalidInput("comment: the text is empty")
            return Event(kind=EventKind.COMMENT, text=text, **base)
        if action == Action.OBJECT:
            if not text:
                raise InvalidInput("object: --reason is required (or --personal, or --withdraw)")
            return Event(kind=EventKind.OBJECTION, reason=text, **base)
        if action == Action.OPT_OUT:
            if actor.id == view.lead:
                raise NotPermitted(f"{actor.id} is the client lead; to step back, ask the CEO to 'wst assign' a new lead")
            return Event(kind=EventKind.OPT_OUT, reason=text, **base)
        if action == Action.WITHDRAW_OBJECTION:
            own = [o for o in view.objections.values() if o.by == actor.id]
            if not own:
                others = sorted({o.by for o in view.objections.values()})
                who = f"; open objections are by {', '.join(others)}, and only they (or a CEO decision) lift them" if others else ""
                raise NotPermitted(f"{actor.id} has no open objection on '{view.id}'{who}")
            return Event(kind=EventKind.OBJECTION_WITHDRAWN, objection=own[-1].hash, **base)
        if action == Action.APPROVE:
            consulted = parse_consulted(details.get("consulted") or [])
            missing = [c for c in engine.affected_clients(view.findings) if not _named(c, consulted)]
            if missing:
                raise NotYet("approve: the conflict finding(s) affect active clients who must be consulted first; add "
                             + " ".join(f"--consulted '{c}=HOW'" for c in missing))
            return Event(kind=EventKind.APPROVAL, reason=text, consulted=consulted or None, **base)
        if action in (Action.VETO,):
            if not text:
                raise InvalidInput("veto: --reason is required")
            return Event(kind=EventKind.VETO, reason=text, **base)
        if action in (Action.WITHDRAW, Action.OFFER, Action.WON, Action.LOST, Action.END):
            kind = {Action.WITHDRAW: EventKind.WITHDRAWN, Action.OFFER: EventKind.OFFER, Action.WON: EventKind.WON,
                    Action.LOST: EventKind.LOST, Action.END: EventKind.ENDED}[action]
            return Event(kind=kind, reason=text, **base)
        if action == Action.TEAM:
            person = self._active_person(details["person"])
            if details["team_action"] == "add":
                if person.id in view.opted_out:
                    raise NotPermitted(f"{person.id} has declined personally to work on '{view.id}' and cannot be added to its team")
                if person.id in view.team or person.id == view.lead:
                    raise InvalidInput(f"{person.id} is already in the team of '{view.id}'")
            elif person.id not in view.team:
                raise InvalidInput(f"{person.id} is not in the team of '{view.id}'")
            return Event(kind=EventKind.TEAM, action=details["team_action"], person=person.id, **base)
        if action == Action.ASSIGN:
            person = self._active_person(details["person"])
            if person.id == view.lead:
                raise InvalidInput(f"{person.id} is already the client lead of '{view.id}'")
            if person.id in view.opted_out:
                raise NotPermitted(f"{person.id} has declined personally to work on '{view.id}'")
            return Event(kind=EventKind.LEAD_CHANGED, person=person.id, reason=text, **base)
        if action == Action.CRITICISM:
            if not text:
                raise InvalidInput("criticism: --note is required")
            return Event(kind=EventKind.CRITICISM, text=text, **base)
        raise AssertionError(action)

    def _active_person(self, person_id: str) -> Person:
        person = self.data.person(person_id)
        if person is None or not person.active:
            raise InvalidInput(f"'{person_id}' is not an active person in people.toml")
        return person

    # --- informing ---------------------------------------------------------------------------

    def inform(self, engagement_id: str, actor: Person, commit_message: str | None = None) -> list[Delivery]:
        """Deliver whatever has not been delivered yet and record who was informed.

        With autocommit, one commit holds what this command wrote, under `commit_message`.
        """
        from westander_cli import notify

        firm = self.data.firm
        with self.data.lock(engagement_id):
            record = self.record(engagement_id)
            view = self.view_of(record)
            lead = self.data.person(view.lead)
            assert lead is not None
            pending: list[tuple[str, Person, Channel, Any]] = []
            for person_id, channel in view.uninformed():
                person = self.data.person(person_id)
                assert person is not None and view.review_deadline is not None
                message = notify.proposal_message(firm, firm.notify.sender, person, lead, view.id, view.proposal,
                                                  view.findings, view.review_deadline, view.exception_reason, self.now)
                pending.append((view.proposed_hash, person, channel, message))
            ceo = self.data.ceo()
            for criticism in view.criticisms:
                reached = {e.channel for e in record.events if e.kind == EventKind.INFORMED and e.about == criticism.hash}
                for channel in firm.notify.channels:
                    if channel not in reached:
                        message = notify.criticism_message(firm, firm.notify.sender, ceo, lead, view.id, view.proposal,
                                                           criticism.text or "", self.now)
                        pending.append((criticism.hash or "", ceo, channel, message))
            deliveries = notify.deliver(firm, self.data.outbox, [(p, c, m) for _, p, c, m in pending])
            follows = _heads(record.events)
            for about in dict.fromkeys(a for a, _, _, _ in pending):
                for channel in firm.notify.channels:
                    sent = [p.id for a, p, c, _ in pending if a == about and c == channel
                            and any(d.ok and d.person == p.id and d.channel == c for d in deliveries)]
                    if sent:
                        event = self.data.append(engagement_id, Event(
                            kind=EventKind.INFORMED, at=self.now, by=actor.id, follows=follows,
                            recipients=sorted(set(sent)), channel=channel, about=about))
                        follows = [event.hash or ""]
        self.commit_if_configured(actor, commit_message or f"wst: {actor.id} informs about {engagement_id}")
        return [Delivery(d.person, d.channel.value, d.error) for d in deliveries]


@dataclass(frozen=True)
class Delivery:
    person: str
    channel: str
    error: str | None


@dataclass
class ProposeOutcome:
    id: str
    result: engine.CheckResult
    stored: bool
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.error]


def _heads(events: Sequence[Event]) -> list[str]:
    """The newest events: those no other event follows."""
    followed = {h for e in events for h in e.follows}
    return sorted(e.hash for e in events if e.hash and e.hash not in followed)


def _named(client: str, consulted: dict[str, str]) -> bool:
    return any(compare(client, name).certainty >= Certainty.STRONG for name in consulted)


def _ascii(text: str) -> str:
    from westander_cli.screening.names import fold

    return fold(text).encode("ascii", "ignore").decode()


def _git_email(folder: Path) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(folder), "config", "user.email"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None

