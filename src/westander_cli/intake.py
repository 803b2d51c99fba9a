"""The firm's intake as a typed library API on a data folder: check, propose, record, inform, read.

This is the layer the CLI calls; it knows files and rules, not terminals. Every recording operation
reads the engagement under its lock, asks the process table (`workflow.refusal`) whether the event
may be recorded, takes the time under the lock, seals and signs the event, and only then writes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from westander_cli import clock
from westander_cli.checking import Checker
from westander_cli.errors import ExitCode, InvalidInput, NotPermitted, NotYet, WstError
from westander_cli.events import (
    MAX_TEXT,
    Ack,
    Approval,
    BaseEvent,
    Comment,
    Criticism,
    Ended,
    Informed,
    LeadChanged,
    Lost,
    Objection,
    ObjectionWithdrawn,
    Offer,
    OptOut,
    Proposed,
    StoredFinding,
    Team,
    Topic,
    Veto,
    WebsiteText,
    Withdrawn,
    Won,
    recorded_at,
)
from westander_cli.i18n import _
from westander_cli.model import Channel, Person, Proposal
from westander_cli.review_period import review_deadline
from westander_cli.states import ACTIVE
from westander_cli.store import EventT, seal
from westander_cli.tomlfile import load_model, read_toml
from westander_cli.workflow import (
    STEP_FOR,
    Command,
    Engagement,
    Notice,
    Refusal,
    owed,
    parse_consulted,
    refusal,
)

if TYPE_CHECKING:  # the policy engine loads where a proposal is checked (`propose`), not for every recording
    from email.message import EmailMessage
    from types import ModuleType

    from westander_cli.policy import engine


@dataclass(frozen=True)
class Request:
    """What a person asks to record: the command and the details it takes."""

    command: Command
    text: str | None = None
    person: str | None = None
    team_action: str | None = None
    consulted: tuple[str, ...] = ()
    objection: str | None = None
    """For `object --withdraw`: the hash of the objection to withdraw."""


NO_OBJECTION = "0" * 64
"""Stands for "no objection of the actor's own", which the process refuses to withdraw."""


@dataclass(kw_only=True)
class Workspace(Checker):
    """A data folder and a policies folder, seen at one moment (`now`, or `as_of` for a view of the past):
    what `Checker` reads and judges, and proposing and recording."""

    def commit_if_configured(self, actor: Person, message: str) -> None:
        if self.data.firm.git.autocommit:
            self.data.commit(actor.name, actor.email, message)

    # --- trust -------------------------------------------------------------------------------

    def _seal_and_sign(self, event: EventT, author: Person) -> EventT:
        """Seal the event, and sign it where the author has a key or the firm requires it; a signature
        made with any key but the author's is refused (exit 4) before anything is written."""
        from westander_cli import signing

        sealed = seal(event)
        if not author.keys_valid_at(sealed.at):
            if self.signatures.requires(event.kind):
                raise NotPermitted(_("firm.toml requires a signature on {value}, and {id} has no signing key valid now in people.toml; nothing was written").format(value=event.kind.value, id=author.id))
            return sealed
        return sealed.model_copy(update={"signature": signing.sign_as(author, sealed.id, sealed.at)})

    # --- proposing ---------------------------------------------------------------------------

    def propose(self, path: Path, actor: Person, exception_reason: str | None, *, again: bool = False) -> ProposeOutcome:
        from westander_cli.policy import engine

        proposal = load_model(read_toml(path, _("proposal file")), Proposal)
        lead = self.data.person(proposal.lead or actor.id)
        if lead is None or not lead.active:
            raise InvalidInput(_("{path}: lead: '{lead}' is not an active person in people.toml").format(path=path, lead=proposal.lead))
        reason = _text(exception_reason, "--exception-reason", required=False)
        policy, digest = self.firm_policy()
        firm = self.data.firm
        with self.data.lock("firm"):  # check and store in one step: no two competitors slip past each other
            engagement_id = proposal.id or self._new_id(proposal)
            if self.data.exists(engagement_id):
                raise InvalidInput(_("{path}: id: engagement '{engagement_id}' already exists; choose another id").format(path=path, engagement_id=engagement_id))
            open_already = self._same_request(proposal)
            if open_already and not again:
                raise NotYet(_("{path}: the same request is already open as '{open_already}' (same client and title); nothing was stored; propose it once more with --again").format(path=path, open_already=open_already))
            result = engine.check(proposal, policy, self.context())
            if result.verdict == engine.Verdict.FORBIDDEN:
                return ProposeOutcome(engagement_id, result, stored=False)
            if result.verdict == engine.Verdict.NEEDS_EXCEPTION and not reason:
                rules = ", ".join(sorted({f.rule for f in result.findings if f.severity.value == "block"}))
                raise NotYet(_("{path}: block findings ({rules}) need --exception-reason, and then a CEO approval; nothing was stored").format(path=path, rules=rules))
            at = clock.now()
            proposed = Proposed(
                at=at, by=actor.id, lead=lead.id, colleagues=self.data.people.colleagues_of(lead.id),
                review_deadline=review_deadline(at, firm.review_hours, firm.review_counting, firm.timezone),
                findings=[StoredFinding(**f.as_dict(), kind=f.kind) for f in result.findings],
                exception_reason=reason, ceo=self.data.ceo().id, channels=list(firm.notify.channels),
                review_hours=firm.review_hours, review_counting=firm.review_counting, timezone=firm.timezone, policy_digest=digest,
                signatures=self.signatures.required,
                proposal=proposal.model_copy(update={"id": engagement_id, "lead": lead.id}),
            )
            self.data.create(self._seal_and_sign(proposed, actor))
        self._cached_entries = None
        deliveries = self.inform(engagement_id, actor, f"wst: {actor.id} proposes {engagement_id}", topics=frozenset({Topic.PROPOSAL}))
        return ProposeOutcome(engagement_id, result, stored=True, deliveries=deliveries)

    def _same_request(self, proposal: Proposal) -> str | None:
        """An open engagement for the same client with the same title: proposing twice is usually a slip."""
        from westander_cli.screening.names import normalise

        client, title = normalise(proposal.client.name), proposal.title.strip().casefold()
        for summary in self.summaries():
            if summary.state in ACTIVE and normalise(summary.client) == client and summary.title.strip().casefold() == title:
                return summary.id
        return None

    def _new_id(self, proposal: Proposal) -> str:
        from westander_cli.screening.names import normalise

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

    def act(self, key: str, actor: Person, request: Request) -> BaseEvent:
        """Record one decision, atomically with respect to other wst processes on this machine."""
        record = self.record(key)
        with self.data.lock(record.folder):
            record = self.record(key)
            view = self.view_of(record)
            heads = _heads(record.events, view)
            event = self._event_for(request, actor, recorded_at(clock.now(), heads), [h.id for h in heads])
            found = refusal(STEP_FOR[request.command], view, event, self.roster)
            if found is not None:
                raise _error(found)
            recorded = self.data.append(record.folder, self._seal_and_sign(event, actor))
        self._cached_entries = None
        self.commit_if_configured(actor, f"wst: {recorded.kind.value} on {key} by {actor.id}")
        return recorded

    def _event_for(self, request: Request, actor: Person, at: datetime, follows: list[str]) -> BaseEvent:
        """The event a request records, with its inputs checked (exit 2) before the process is asked."""
        base = {"at": at, "by": actor.id, "follows": follows}
        command = request.command
        if command == Command.ACK:
            return Ack(**base)
        if command == Command.COMMENT:
            return Comment(text=_text(request.text, _("comment: the text"), required=True), **base)
        if command == Command.OBJECT:
            return Objection(reason=_text(request.text, _("object: --reason (or --personal, or --withdraw)"), required=True), **base)
        if command == Command.OPT_OUT:
            return OptOut(reason=_text(request.text, "--reason", required=False), **base)
        if command == Command.WITHDRAW_OBJECTION:
            return ObjectionWithdrawn(objection=request.objection or NO_OBJECTION, **base)
        if command == Command.APPROVE:
            consulted = parse_consulted(request.consulted)
            for client, how in consulted.items():
                _text(how, _("--consulted '{client}'").format(client=client), required=True)
            return Approval(reason=_text(request.text, "--reason", required=False), consulted=consulted or None, **base)
        if command == Command.VETO:
            return Veto(reason=_text(request.text, _("veto: --reason"), required=True), **base)
        lifecycle = {Command.WITHDRAW: Withdrawn, Command.OFFER: Offer, Command.WON: Won, Command.LOST: Lost, Command.END: Ended}
        if command in lifecycle:
            return lifecycle[command](reason=_text(request.text, "--reason", required=False), **base)
        if command == Command.TEAM:
            person = self._active_person(request.person or "")
            return Team(action="add" if request.team_action == "add" else "remove", person=person.id, **base)
        if command == Command.ASSIGN:
            person = self._active_person(request.person or "")
            return LeadChanged(person=person.id, reason=_text(request.text, "--reason", required=False), **base)
        if command == Command.CRITICISM:
            return Criticism(text=_text(request.text, _("criticism: --note"), required=True), **base)
        if command == Command.AMEND_TEXT:
            return WebsiteText(text=_text(request.text, _("amend-text: the website text"), required=True), **base)
        raise InvalidInput(_("'{value}' is not recorded with this operation").format(value=command.value))

    def withdraw_objection(self, key: str, actor: Person) -> BaseEvent:
        """The actor's own newest open objection, withdrawn."""
        view = self.view(key)
        own = [o for o in view.objections.values() if o.by == actor.id]
        request = Request(Command.WITHDRAW_OBJECTION, objection=own[-1].hash if own else None)
        return self.act(key, actor, request)

    def _active_person(self, person_id: str) -> Person:
        person = self.data.person(person_id)
        if person is None or not person.active:
            raise InvalidInput(_("'{person_id}' is not an active person in people.toml").format(person_id=person_id))
        return person

    # --- informing ---------------------------------------------------------------------------

    def inform(self, key: str, actor: Person, commit_message: str | None = None, *, strict: bool = True,
               topics: frozenset[Topic] = frozenset(Topic)) -> list[Delivery]:
        """Deliver every message the engagement owes (`workflow.owed`) and record each delivery.

        The proposal itself is the lead's (or proposer's) to deliver: `strict` refuses anyone else
        (exit 4), otherwise it is left for them. With autocommit, one commit holds what this command
        wrote, under `commit_message`.
        """
        from westander_cli import notify

        firm = self.data.firm
        record = self.record(key)
        with self.data.lock(record.folder):
            record = self.record(key)
            view = self.view_of(record)
            notices = [n for n in owed(view, timedelta(hours=firm.notify.remind_hours_before)) if n.topic in topics]
            found = refusal(STEP_FOR[Command.NOTIFY], view, _probe(actor, view), self.roster)
            if found is not None:
                if strict and any(n.topic == Topic.PROPOSAL for n in notices):
                    raise _error(found)
                notices = [n for n in notices if n.topic != Topic.PROPOSAL]
            pending: list[tuple[Notice, Person, Channel, EmailMessage]] = []
            for notice in notices:
                person = self.data.person(notice.person)
                if person is None:
                    continue
                message = self._message_for(notice, person, view, notify)
                message["X-Wst-About"] = f"{notice.about}:{notice.topic.value}"
                reached = view.delivered.get((notice.about, notice.topic), {}).get(notice.person, set())
                pending += [(notice, person, channel, message) for channel in view.channels if channel not in reached]
            deliveries = notify.deliver(firm, self.data.outbox, [(p, c, m) for _, p, c, m in pending])
            heads = _heads(record.events, view)
            for about, topic in dict.fromkeys((n.about, n.topic) for n, _, _, _ in pending):
                for channel in view.channels:
                    sent = sorted({p.id for n, p, c, _ in pending if (n.about, n.topic) == (about, topic) and c == channel
                                   and any(d.ok and d.person == p.id and d.channel == c for d in deliveries)})
                    if sent:
                        event = Informed(at=recorded_at(clock.now(), heads), by=actor.id, follows=[h.id for h in heads],
                                         recipients=sent, channel=channel, about=about,
                                         topic=None if topic == Topic.PROPOSAL else topic)
                        heads = [self.data.append(record.folder, self._seal_and_sign(event, actor))]
        self._cached_entries = None
        self.commit_if_configured(actor, commit_message or f"wst: {actor.id} informs about {key}")
        return [Delivery(d.person, d.channel.value, d.error) for d in deliveries]

    def _message_for(self, notice: Notice, person: Person, view: Engagement, notify: ModuleType) -> EmailMessage:
        firm = self.data.firm
        lead = self.data.person(view.lead) or person
        if notice.topic == Topic.PROPOSAL:
            message: EmailMessage = notify.proposal_message(firm, firm.notify.sender, person, lead, view.id, view.proposal,
                                                            view.findings, view.review_deadline, view.exception_reason, self.now)
            return message
        event = view.counted.get(notice.about)
        if isinstance(event, Criticism):
            message = notify.criticism_message(firm, firm.notify.sender, person, lead, view.id, view.proposal, event.text, self.now)
            return message
        what = notice.topic.value
        if event is not None:
            what = f"team_{event.action}" if isinstance(event, Team) else event.kind.value
        author = self.data.person(event.by) if event is not None else None
        reason = str(getattr(event, "reason", None) or "")
        message = notify.notice_message(firm, firm.notify.sender, person, view.id, view.proposal, what,
                                        author.name if author else "", reason, view.review_deadline, view.state.value, self.now)
        return message

    def remind(self, actor: Person) -> list[tuple[str, list[Delivery]]]:
        """Deliver what every open engagement owes: reminders before the deadline, news of clearance, and
        anything a failed delivery left (for a daily cron or CI schedule; a second run sends nothing new)."""
        results = []
        for summary in self.summaries():
            if summary.state in ACTIVE:
                deliveries = self.inform(summary.id, actor, f"wst: {actor.id} reminds about {summary.id}", strict=False)
                if deliveries:
                    results.append((summary.id, deliveries))
        return results


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


def _error(found: Refusal) -> WstError:
    if found.code == ExitCode.NOT_PERMITTED:
        return NotPermitted(found.message)
    if found.code == ExitCode.INVALID:
        return InvalidInput(found.message)
    return NotYet(found.message, list(found.missing))


def _probe(actor: Person, view: Engagement) -> Informed:
    """A stand-in delivery record, to ask the process whether the actor may deliver at all."""
    return Informed(at=view.now, by=actor.id, recipients=[], channel=Channel.OUTBOX, about=view.root.id)


def _heads(events: Sequence[BaseEvent], view: Engagement) -> list[BaseEvent]:
    """The newest events of the history (those no other event follows): what a new event follows.

    Events the process does not count are left out, so an honest event never builds on a forgery.
    """
    counted = [e for e in events if e.id not in view.invalid]
    followed = {h for e in counted for h in e.follows}
    return sorted((e for e in counted if e.id not in followed), key=lambda e: e.id)


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    """A person's text, checked at the edge: present where required, and at most MAX_TEXT characters."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(_("{what} is required and may not be empty").format(what=what))
        return None
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("{what} is {count:,} characters; the limit is {max_text:,}").format(what=what, count=len(text), max_text=MAX_TEXT))
    return text


def _ascii(text: str) -> str:
    from westander_cli.screening.names import fold as fold_name

    return fold_name(text).encode("ascii", "ignore").decode()
