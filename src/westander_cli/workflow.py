"""The intake process (SPEC 3, 6) in one place: one table of who may record what and when, and one
fold from an engagement's events to its state.

Every recording command asks `refusal()` before it writes, and `wst verify` replays every history
through the same `fold()`, which asks `refusal()` of each event against the state of the events that
event follows (what its author had seen). The two can therefore never disagree: a command refuses
exactly what verify flags, and the views and gates count only the events the table allows.

Order is causal: an event comes after everything it follows; events that do not follow one another
are *concurrent* (recorded in different clones) and are ordered by a Lamport clock, then by hash,
the same in every clone. Time matters only for the review deadline. After a merge:
- a veto wins over anything concurrent with it;
- an objection concurrent with an offer reopens the dispute (the engagement is `disputed` until the
  CEO approves or vetoes); a CEO approval lifts only the objections it follows;
- of two concurrent moves of the lead (won and lost, offer and withdraw, two lead changes, a team
  add and remove) the first in causal order holds and the other is shown as superseded;
- a person's personal decline wins over a concurrent addition to the team;
- acks, comments and objections of different people simply add up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from westander_cli import words
from westander_cli.errors import ExitCode, InvalidInput
from westander_cli.events import (
    Approval,
    BaseEvent,
    Criticism,
    Informed,
    LeadChanged,
    Objection,
    ObjectionWithdrawn,
    Proposed,
    StoredFinding,
    Team,
    Topic,
    WebsiteText,
)
from westander_cli.i18n import _, local_time
from westander_cli.model import Channel, EventKind, People, Proposal
from westander_cli.states import ACTIVE, ANY_STATE, CLOSED, OPEN, REVIEW, State, Summary


class Command(StrEnum):
    """What a person can do to an engagement; each records exactly one kind of event."""

    NOTIFY = "notify"
    ACK = "ack"
    COMMENT = "comment"
    OBJECT = "object"
    OPT_OUT = "object --personal"
    WITHDRAW_OBJECTION = "object --withdraw"
    APPROVE = "approve"
    VETO = "veto"
    WITHDRAW = "withdraw"
    OFFER = "offer"
    WON = "won"
    LOST = "lost"
    END = "end"
    TEAM = "team"
    ASSIGN = "assign"
    CRITICISM = "criticism"
    AMEND_TEXT = "amend-text"


class Who(StrEnum):
    ANYONE = "anyone in the firm"
    COLLEAGUE = "a colleague (anyone but the client lead)"
    LEAD = "the client lead"
    LEAD_OR_PROPOSER = "the client lead or the proposer"
    CEO = "the CEO"


@dataclass(frozen=True)
class Refusal:
    """Why an event may not be recorded: what the command says (with its exit code) and verify reports."""

    code: ExitCode
    message: str
    missing: tuple[str, ...] = ()


Condition = Callable[["Engagement", BaseEvent, "Roster"], Refusal | None]


@dataclass(frozen=True)
class Step:
    command: Command
    records: EventKind
    who: Who
    states: frozenset[State]
    conditions: tuple[Condition, ...] = ()
    moves_to: State | None = None


# --- the conditions a step may add ---------------------------------------------------------------


def approval_has_something_to_decide(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    consulted = isinstance(event, Approval) and bool(event.consulted)
    if view.objections or (view.block_findings and not view.approved) or consulted:
        return None
    return Refusal(ExitCode.NOT_YET, _("'{id}' has no open objection and no block finding; there is nothing for the CEO to decide").format(id=view.id))


def affected_clients_consulted(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    """SPEC 3: a CEO approve of an engagement with conflict findings must name how each affected client was consulted."""
    from westander_cli.policy.engine import affected_clients
    from westander_cli.screening.names import Certainty, compare

    consulted = (event.consulted if isinstance(event, Approval) else None) or {}
    missing = [client for client in affected_clients(view.findings)
               if not any(compare(client, name).certainty >= Certainty.STRONG for name in consulted)]
    if not missing:
        return None
    return Refusal(ExitCode.NOT_YET, _("approve: the conflict finding(s) affect active clients who must be consulted first; add ")
                   + " ".join(_("--consulted '{client}=HOW'").format(client=client) for client in missing))


def withdraws_own_open_objection(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    objection = view.objections.get(event.objection) if isinstance(event, ObjectionWithdrawn) else None
    if objection is not None and objection.by == event.by:
        return None
    others = sorted({o.by for o in view.objections.values() if o.by != event.by})
    who = _("; open objections are by {value}, and only they (or a CEO decision) lift them").format(value=', '.join(others)) if others else ""
    return Refusal(ExitCode.NOT_PERMITTED, _("{by} has no open objection on '{id}'{who}").format(by=event.by, id=view.id, who=who))


def team_change_makes_sense(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    assert isinstance(event, Team)
    if event.person not in roster.people:
        return Refusal(ExitCode.INVALID, _("'{person}' is not a person in people.toml").format(person=event.person))
    if event.action == "add" and (event.person in view.team or event.person == view.lead):
        return Refusal(ExitCode.INVALID, _("{person} is already in the team of '{id}'").format(person=event.person, id=view.id))
    if event.action == "remove" and event.person not in view.team:
        return Refusal(ExitCode.INVALID, _("{person} is not in the team of '{id}'").format(person=event.person, id=view.id))
    return None


def person_has_not_declined(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    """Nobody who declined personally is put on the engagement (as team member or as lead)."""
    person = event.person if isinstance(event, Team | LeadChanged) else None
    if person in view.opted_out and not (isinstance(event, Team) and event.action == "remove"):
        return Refusal(ExitCode.NOT_PERMITTED, _("{person} has declined personally to work on '{id}'").format(person=person, id=view.id))
    return None


def new_lead_is_someone_else(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    assert isinstance(event, LeadChanged)
    if event.person not in roster.people:
        return Refusal(ExitCode.INVALID, _("'{person}' is not a person in people.toml").format(person=event.person))
    if event.person == view.lead:
        return Refusal(ExitCode.INVALID, _("{person} is already the client lead of '{id}'").format(person=event.person, id=view.id))
    return None


def no_open_objection(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    """An objection recorded concurrently with the offer is the CEO's to decide before the engagement ends."""
    if not view.objections:
        return None
    return Refusal(ExitCode.NOT_YET, _("'{id}' has an open objection, recorded while it was offered; the CEO decides it first ('wst approve {id}')").format(id=view.id))


def delivery_concerns_this_engagement(view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    assert isinstance(event, Informed)
    if event.about != view.root.id and event.about not in view.counted:
        return Refusal(ExitCode.INVALID, _("records a delivery about an event that is not part of this engagement's history"))
    if _topic(view, event) == Topic.PROPOSAL and event.by not in (view.lead, view.proposed_by):
        return Refusal(ExitCode.NOT_PERMITTED, _("only the client lead ({lead}) delivers the proposal to the colleagues").format(lead=view.lead))
    return None


# --- the process: one row per command ----------------------------------------------------------

PROCESS: tuple[Step, ...] = (
    Step(Command.NOTIFY, EventKind.INFORMED, Who.ANYONE, ANY_STATE, (delivery_concerns_this_engagement,)),
    Step(Command.ACK, EventKind.ACK, Who.COLLEAGUE, REVIEW),
    Step(Command.COMMENT, EventKind.COMMENT, Who.ANYONE, ANY_STATE),
    Step(Command.OBJECT, EventKind.OBJECTION, Who.COLLEAGUE, REVIEW),
    Step(Command.OPT_OUT, EventKind.OPT_OUT, Who.COLLEAGUE, OPEN | {State.WON}),
    Step(Command.WITHDRAW_OBJECTION, EventKind.OBJECTION_WITHDRAWN, Who.ANYONE, ANY_STATE, (withdraws_own_open_objection,)),
    Step(Command.APPROVE, EventKind.APPROVAL, Who.CEO, ACTIVE | {State.ENDED}, (approval_has_something_to_decide, affected_clients_consulted)),
    Step(Command.VETO, EventKind.VETO, Who.CEO, OPEN, moves_to=State.VETOED),
    Step(Command.WITHDRAW, EventKind.WITHDRAWN, Who.LEAD, OPEN, moves_to=State.WITHDRAWN),
    Step(Command.OFFER, EventKind.OFFER, Who.LEAD, frozenset({State.CLEARED}), moves_to=State.OFFERED),
    Step(Command.WON, EventKind.WON, Who.LEAD, frozenset({State.OFFERED}), moves_to=State.WON),
    Step(Command.LOST, EventKind.LOST, Who.LEAD, frozenset({State.OFFERED}), moves_to=State.LOST),
    Step(Command.END, EventKind.ENDED, Who.LEAD, frozenset({State.WON}), (no_open_objection,), moves_to=State.ENDED),
    Step(Command.TEAM, EventKind.TEAM, Who.LEAD, ACTIVE, (team_change_makes_sense, person_has_not_declined)),
    Step(Command.ASSIGN, EventKind.LEAD_CHANGED, Who.CEO, ACTIVE, (new_lead_is_someone_else, person_has_not_declined)),
    Step(Command.CRITICISM, EventKind.CRITICISM, Who.LEAD, frozenset({State.OFFERED, State.WON, State.ENDED})),
    Step(Command.AMEND_TEXT, EventKind.WEBSITE_TEXT, Who.LEAD, ACTIVE | {State.ENDED}),
)
"""`propose` is not a row: it starts an engagement, and what it records is checked against the policy
and the firm's settings (see `intake.Workspace.propose` and `verify`)."""

STEP_OF: dict[EventKind, Step] = {step.records: step for step in PROCESS}
STEP_FOR: dict[Command, Step] = {step.command: step for step in PROCESS}


# --- who is who ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """The people whose events count, and who holds the CEO's powers."""

    people: frozenset[str]
    ceos: frozenset[str]
    """The CEO of people.toml; the CEO recorded with each proposal counts for that engagement too."""
    former_ceos: frozenset[str] = frozenset()
    """People with role `ceo` who are no longer active: CEOs of engagements stored before wst 0.2,
    which did not record their CEO."""

    @classmethod
    def of(cls, people: People) -> Roster:
        return cls(people.ids(), people.ceos(), people.former_ceos())

    def is_ceo(self, person: str, view: Engagement) -> bool:
        return person in self.ceos or person == view.ceo or (view.root.ceo is None and person in self.former_ceos)


def refusal(step: Step, view: Engagement, event: BaseEvent, roster: Roster) -> Refusal | None:
    """Whether `event` may be recorded on `view` (the engagement as its author sees it): the whole gate."""
    if event.by not in roster.people:
        return Refusal(ExitCode.NOT_PERMITTED, _("'{by}' is not a person in people.toml").format(by=event.by))
    who = step.who
    if who == Who.CEO and not roster.is_ceo(event.by, view):
        return Refusal(ExitCode.NOT_PERMITTED, _("only the CEO ({ceo}) may {value}; {by} is not the CEO").format(ceo=view.ceo, value=step.command.value, by=event.by))
    if who == Who.LEAD and event.by != view.lead:
        return Refusal(ExitCode.NOT_PERMITTED, _("only the client lead ({lead}) may {value} '{id}'").format(lead=view.lead, value=step.command.value, id=view.id))
    if who in (Who.LEAD, Who.LEAD_OR_PROPOSER) and view.lead_declined and event.by == view.lead:
        return Refusal(ExitCode.NOT_PERMITTED, _("{by} declined personally to work on '{id}'; the CEO assigns another lead first ('wst assign')").format(by=event.by, id=view.id))
    if who == Who.LEAD_OR_PROPOSER and event.by not in (view.lead, view.proposed_by):
        return Refusal(ExitCode.NOT_PERMITTED, _("only the client lead ({lead}) may {value} '{id}'").format(lead=view.lead, value=step.command.value, id=view.id))
    if who == Who.COLLEAGUE and event.by == view.lead:
        hint = _("; to step back, ask the CEO to 'wst assign' a new lead") if step.command == Command.OPT_OUT else ""
        return Refusal(ExitCode.NOT_PERMITTED, _("{by} is the client lead of '{id}'; {value} is for colleagues{hint}").format(by=event.by, id=view.id, value=step.command.value, hint=hint))
    state = view.state
    if step.command == Command.OFFER and state in (State.PROPOSED, State.DISPUTED):
        missing = tuple(view.missing_for_clearance())
        return Refusal(ExitCode.NOT_YET, _("'{id}' is {state}, not cleared; missing: ").format(id=view.id, state=words.state(state.value)) + "; ".join(missing), missing)
    if state not in step.states:
        allowed = ", ".join(sorted(words.state(s.value) for s in step.states))
        return Refusal(ExitCode.NOT_YET, _("'{id}' is {state}; {command} is possible when it is {allowed}").format(id=view.id, state=words.state(state.value), command=step.command.value, allowed=allowed))
    for condition in step.conditions:
        found = condition(view, event, roster)
        if found is not None:
            return found
    return None


# --- the engagement as the process sees it -------------------------------------------------------


@dataclass(frozen=True)
class OpenObjection:
    hash: str
    by: str
    reason: str
    at: datetime


@dataclass
class Engagement:
    """An engagement: its proposal, what the proposal fixed, and the fold of its valid events."""

    id: str
    root: Proposed
    proposal: Proposal
    now: datetime
    duplicate_of: str | None = None
    """Set when another proposal in another clone took the same id first (see `store`)."""
    ceo: str = ""
    """The CEO recorded with the proposal (for engagements of wst 0.1: people.toml's CEO)."""
    channels: tuple[Channel, ...] = (Channel.OUTBOX,)
    """The delivery channels recorded with the proposal (for wst 0.1: firm.toml's)."""
    colleagues: tuple[str, ...] = ()
    lead: str = ""
    phase: State | None = None
    informed: dict[str, set[Channel]] = field(default_factory=dict)
    acks: set[str] = field(default_factory=set)
    responded: set[str] = field(default_factory=set)
    objections: dict[str, OpenObjection] = field(default_factory=dict)
    opted_out: set[str] = field(default_factory=set)
    team: set[str] = field(default_factory=set)
    approved: bool = False
    criticisms: list[Criticism] = field(default_factory=list)
    delivered: dict[tuple[str, Topic], dict[str, set[Channel]]] = field(default_factory=dict)
    """Who has been told what, on which channels: (about, topic) -> person -> channels."""
    counted: dict[str, BaseEvent] = field(default_factory=dict)
    """The events the process counts, by hash."""
    website_text: str = ""
    """How the engagement is presented on the firm's website: the proposal's text, or the lead's newest revision."""
    objectors: set[str] = field(default_factory=set)
    """Everyone who has objected, open or lifted: they hear of the CEO's decision."""
    events: list[BaseEvent] = field(default_factory=list)
    """Every event of the engagement in causal order, valid or not."""
    invalid: dict[str, str] = field(default_factory=dict)
    """Events the process does not count, by hash, with the reason (verify reports them)."""
    superseded: dict[str, str] = field(default_factory=dict)
    """Valid events overtaken by a concurrent decision recorded in another clone."""

    # what the proposal fixed ------------------------------------------------------------------

    @property
    def proposed_by(self) -> str:
        return self.root.by

    @property
    def proposed_at(self) -> datetime:
        return self.root.at

    @property
    def review_deadline(self) -> datetime:
        return self.root.review_deadline

    @property
    def findings(self) -> tuple[StoredFinding, ...]:
        return tuple(self.root.findings)

    @property
    def exception_reason(self) -> str:
        return self.root.exception_reason or ""

    @property
    def block_findings(self) -> list[StoredFinding]:
        return [f for f in self.root.findings if f.severity == "block"]

    @property
    def active_colleagues(self) -> list[str]:
        """The colleagues the proposal was for, less a colleague who has since become the lead."""
        return [c for c in self.colleagues if c != self.lead]

    def uninformed(self) -> list[tuple[str, Channel]]:
        """Colleagues and channels that the proposal has not reached yet."""
        return [(person, channel) for person in self.active_colleagues for channel in self.channels
                if channel not in self.informed.get(person, ())]

    def everyone_informed(self) -> bool:
        """Asked of every event a fold judges: set operations over the people reached, not a loop over the colleagues."""
        wanted = set(self.channels)
        reached = [person for person, channels in self.informed.items() if wanted <= channels]
        return not set(self.colleagues).difference(reached, (self.lead,))

    @property
    def valid_events(self) -> list[BaseEvent]:
        return [e for e in self.events if e.id not in self.invalid]

    def copy(self) -> Engagement:
        """An independent copy of the state (the containers are copied; events are immutable)."""
        return replace(
            self, informed={k: set(v) for k, v in self.informed.items()}, acks=set(self.acks), responded=set(self.responded),
            objections=dict(self.objections), opted_out=set(self.opted_out), team=set(self.team),
            criticisms=list(self.criticisms), counted=dict(self.counted), objectors=set(self.objectors),
            delivered={k: {p: set(c) for p, c in v.items()} for k, v in self.delivered.items()},
            invalid=dict(self.invalid), superseded=dict(self.superseded),
        )

    # the state ------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        if self.phase == State.VETOED:
            return State.VETOED
        if self.objections and self.phase in (None, State.OFFERED):
            return State.DISPUTED
        if self.phase is not None:
            return self.phase
        return State.CLEARED if self._clears() else State.PROPOSED

    def _clears(self) -> bool:
        """`missing_for_clearance()` is empty, decided without building its messages."""
        return (self.duplicate_of is None and not (self.block_findings and not self.approved) and not self.lead_declined
                and not self.review_period_running() and self.everyone_informed())

    @property
    def reopened(self) -> bool:
        """An objection recorded concurrently with the offer (and perhaps the `won` and `end` after it): the dispute
        is the CEO's again, and ending the engagement does not bury it."""
        return self.phase in (State.OFFERED, State.WON, State.ENDED) and bool(self.objections)

    @property
    def needs_ceo(self) -> bool:
        """Only the CEO can move it on: a decision to make, or a new lead to assign."""
        return self.decision_pending or self.lead_declined

    @property
    def decision_pending(self) -> bool:
        """Open objections or block findings without an exception: the CEO approves or vetoes."""
        if self.phase in CLOSED:
            return self.reopened
        return bool(self.objections) or (bool(self.block_findings) and not self.approved)

    @property
    def lead_declined(self) -> bool:
        """The lead declined personally to work on it, recorded concurrently with their assignment in another
        clone (on one clone `assign` refuses them): nobody willing leads it until the CEO assigns another lead."""
        return self.phase not in CLOSED and self.lead in self.opted_out

    def review_period_running(self) -> bool:
        return self.now < self.review_deadline and bool(set(self.colleagues).difference(self.acks, (self.lead,)))

    def missing_for_clearance(self) -> list[str]:
        """Exactly what stands between this engagement and `cleared` (SPEC 3, Kundpolicy fråga 7)."""
        missing = []
        if self.duplicate_of is not None:
            missing.append(_("another proposal was stored first under the id '{duplicate_of}'; withdraw this one ('wst withdraw {id}') and propose it again under a new id").format(duplicate_of=self.duplicate_of, id=self.id))
        uninformed = sorted({person for person, _ in self.uninformed()})
        if uninformed:
            missing.append(_("colleagues not yet informed: {value} (run 'wst notify {id}')").format(value=', '.join(uninformed), id=self.id))
        if self.review_period_running():
            waiting = [c for c in self.active_colleagues if c not in self.acks]
            missing.append(
                _("the review period runs until {deadline} or until every colleague has acknowledged (waiting for: {people})").format(deadline=local_time(self.review_deadline), people=", ".join(waiting))
            )
        for objection in self.objections.values():
            missing.append(_("open objection by {by}: {reason} (lifted by its author or a CEO decision)").format(by=objection.by, reason=objection.reason))
        if self.block_findings and not self.approved:
            rules = ", ".join(sorted({f.rule for f in self.block_findings}))
            missing.append(_("a CEO exception for the block findings ({rules}) with 'wst approve {id}'").format(rules=rules, id=self.id))
        if self.lead_declined:
            missing.append(_("a new client lead: {lead} declined personally to work on it, concurrently with being assigned; the CEO assigns another with 'wst assign {id}'").format(lead=self.lead, id=self.id))
        return missing


# --- the fold -----------------------------------------------------------------------------------


def causal_order(events: Iterable[BaseEvent]) -> list[BaseEvent]:
    """Every event after the events it follows; concurrent events by Lamport clock, then hash.

    Events in a cycle of `follows` (only a hand-made file can make one) come last, by hash.
    """
    import heapq

    by_hash = {e.id: e for e in events}
    waiting = {h: {f for f in e.follows if f in by_hash and f != h} for h, e in by_hash.items()}
    followers: dict[str, list[str]] = {}
    for h, needs in waiting.items():
        for need in needs:
            followers.setdefault(need, []).append(h)
    clock: dict[str, int] = {}
    ready = [(0, h) for h, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered: list[BaseEvent] = []
    while ready:
        tick, h = heapq.heappop(ready)
        clock[h] = tick
        ordered.append(by_hash[h])
        for follower in followers.get(h, []):
            waiting[follower].discard(h)
            if not waiting[follower]:
                ticks = [clock[f] for f in by_hash[follower].follows if f in clock]
                heapq.heappush(ready, (1 + max(ticks, default=0), follower))
    rest = sorted((e for h, e in by_hash.items() if h not in clock), key=lambda e: e.id)
    return ordered + rest


Trust = Callable[[BaseEvent, Proposed], str | None]
"""Whether an event (of the engagement `Proposed` starts) carries the signature it needs: None, or what is wrong."""


def fold(
    engagement_id: str,
    root: Proposed,
    proposal: Proposal,
    events: Sequence[BaseEvent],
    roster: Roster,
    now: datetime,
    *,
    channels_now: Sequence[Channel] = (Channel.OUTBOX,),
    trust: Trust | None = None,
    duplicate_of: str | None = None,
    presorted: bool = False,
    recorded_ceo_counts: Callable[[Proposed], bool] | None = None,
) -> Engagement:
    """Replay an engagement's events in causal order, each judged by `refusal()` against the state of
    the events it follows (what its author had seen), and merge the valid ones."""
    recorded_ceo = root.ceo if recorded_ceo_counts is None or recorded_ceo_counts(root) else None  # a hand-made `ceo = "anna"`
    ceo = recorded_ceo or next(iter(sorted(roster.ceos)), "")
    channels = tuple(root.channels) if root.channels is not None else _channels_used(root, events, channels_now)
    colleagues = tuple(root.colleagues)

    def fresh() -> Engagement:
        return Engagement(id=engagement_id, root=root, proposal=proposal, now=now, duplicate_of=duplicate_of,
                          ceo=ceo, channels=channels, colleagues=colleagues, lead=root.lead, website_text=proposal.website_text)

    ordered = list(events) if presorted else causal_order(events)
    running = fresh()
    running.events = ordered
    position = {e.id: i for i, e in enumerate(ordered)}
    root_index = position[root.id]
    past: list[int] = []
    """past[i]: bit j set where event j is among the events that event i follows, directly or not."""
    for i, event in enumerate(ordered):
        mask = 0
        for parent in event.follows:
            j = position.get(parent)
            if j is not None and j < i:
                mask |= past[j] | (1 << j)
        past.append(mask)
    linear = all(mask == (1 << i) - 1 for i, mask in enumerate(past))
    snapshots: dict[int, Engagement] = {}
    """After a merge of clones: the state of each event's own history and the event, keyed by that set
    of events (a bit mask), for the events that follow exactly it."""
    saw: dict[int, State | None] = {}
    """The phase each counted event's author had seen."""
    applied = 1 << root_index
    budget = REPLAY_BUDGET
    for i, event in enumerate(ordered):
        mask = past[i]
        closure = mask | (1 << i)
        if i == root_index:
            snapshots[closure] = fresh()
            continue
        problem = _structural_problem(event, mask, root_index) or (trust(event, root) if trust else None)
        if problem:
            running.invalid[event.id] = problem
            if not linear and mask in snapshots:
                snapshots[closure] = snapshots[mask]
            continue
        if mask & applied == applied:
            seen = running  # the author had seen every event counted so far: the common, linear case
        elif mask in snapshots:
            seen = snapshots[mask].copy()
        else:
            seen = fresh()  # a merge of concurrent branches: replay exactly what its author had seen
            for j in range(i):
                if j != root_index and mask >> j & 1 and applied >> j & 1:
                    _apply(seen, ordered[j], saw[j], past[j], position)
                    budget -= 1
            if budget < 0:
                raise InvalidInput(_("engagement '{engagement_id}': its history has too many merges of concurrent branches to replay; ask the CEO to have the data repository repaired").format(engagement_id=engagement_id))
        seen.now = event.at
        found = refusal(STEP_OF[event.kind], seen, event, roster)
        seen.now = now
        if found is not None:
            running.invalid[event.id] = f"{event.kind.value} by {event.by}: {found.message}"
            if not linear:
                snapshots[closure] = seen.copy()
            continue
        saw[i] = seen.phase
        if not linear and seen is not running:
            own = seen.copy()
            _apply(own, event, saw[i], mask, position)
            snapshots[closure] = own
        _apply(running, event, saw[i], mask, position)
        applied |= 1 << i
        if not linear and seen is running:
            snapshots[closure] = running.copy()
    running.now = now
    return running


REPLAY_BUDGET = 200_000
"""How many events a fold may re-apply to judge events that merge concurrent branches: far beyond
any honest history, and a bound on what a hostile one can cost."""


def _channels_used(root: Proposed, events: Sequence[BaseEvent], configured: Sequence[Channel]) -> tuple[Channel, ...]:
    """For engagements of wst 0.1, which did not record their channels: the ones their deliveries used."""
    used = sorted({e.channel for e in events if isinstance(e, Informed) and e.about == root.id})
    return tuple(used) if used else tuple(configured)


def _structural_problem(event: BaseEvent, past: int, root_index: int) -> str | None:
    if isinstance(event, Proposed):
        return _("a second 'proposed' event in the history of one engagement")
    if not past >> root_index & 1:
        return _("follows no event of this engagement's history; only 'proposed' starts a history")
    return None


def _apply(view: Engagement, event: BaseEvent, seen_phase: State | None, past: int, position: Mapping[str, int]) -> None:
    """Merge one valid event into the engagement; `seen_phase` is the phase its author had seen."""
    step = STEP_OF[event.kind]
    view.counted[event.id] = event
    if event.kind in (EventKind.ACK, EventKind.COMMENT, EventKind.OBJECTION, EventKind.OPT_OUT):
        view.responded.add(event.by)
    if step.moves_to is not None:
        if view.phase == State.VETOED:
            view.superseded[event.id] = _("the CEO vetoed the engagement concurrently")
        elif step.moves_to == State.VETOED or view.phase == seen_phase:
            view.phase = step.moves_to
        else:
            moved = view.phase.value if view.phase else "move"
            view.superseded[event.id] = _("a concurrent decision made the engagement {moved} first").format(moved=moved)
    elif isinstance(event, Informed):
        topic = _topic(view, event)
        told = view.delivered.setdefault((event.about, topic), {})
        for person in event.recipients:
            told.setdefault(person, set()).add(event.channel)
            if topic == Topic.PROPOSAL:
                view.informed.setdefault(person, set()).add(event.channel)
    elif event.kind == EventKind.ACK:
        view.acks.add(event.by)
    elif isinstance(event, Objection):
        view.objections[event.id] = OpenObjection(event.id, event.by, event.reason, event.at)
        view.objectors.add(event.by)
    elif isinstance(event, ObjectionWithdrawn):
        view.objections.pop(event.objection, None)
    elif event.kind == EventKind.OPT_OUT:
        view.opted_out.add(event.by)
        view.team.discard(event.by)
    elif isinstance(event, Approval):
        for objection in [h for h in view.objections if past >> position[h] & 1]:
            del view.objections[objection]
        view.approved = True
    elif isinstance(event, Team):
        if event.action == "remove":
            view.team.discard(event.person)
        elif event.person in view.opted_out:
            view.superseded[event.id] = _("{person} declined personally, concurrently").format(person=event.person)
        else:
            view.team.add(event.person)
    elif isinstance(event, LeadChanged):
        view.lead = event.person
        view.team.discard(event.person)
    elif isinstance(event, Criticism):
        view.criticisms.append(event)
    elif isinstance(event, WebsiteText):
        view.website_text = event.text


def _topic(view: Engagement, event: Informed) -> Topic:
    return event.topic or (Topic.PROPOSAL if event.about == view.root.id else Topic.EVENT)


# --- who is told what (SPEC 5, 7) ----------------------------------------------------------------

TOLD_OF: dict[EventKind, Callable[[Engagement, BaseEvent], set[str]]] = {
    EventKind.OBJECTION: lambda view, event: {view.lead, view.ceo},
    EventKind.APPROVAL: lambda view, event: {view.lead, *view.objectors},
    EventKind.VETO: lambda view, event: {view.lead, *view.objectors},
    EventKind.TEAM: lambda view, event: {event.person} if isinstance(event, Team) else set(),
    EventKind.LEAD_CHANGED: lambda view, event: {event.person} if isinstance(event, LeadChanged) else set(),
    EventKind.CRITICISM: lambda view, event: {view.ceo},
}
"""Who hears of a decision at once (besides whoever made it): a dispute goes to the lead and the
CEO; the CEO's decision to the lead and everyone who objected; a team or lead change to that
person; client criticism to the CEO (Eget ansvar)."""


@dataclass(frozen=True)
class Notice:
    """A message someone is owed: about which event, what it tells, to whom."""

    about: str
    topic: Topic
    person: str


def owed(view: Engagement, remind_before: timedelta) -> list[Notice]:
    """Every message the engagement owes and no delivery has recorded yet, on every channel.

    The proposal to each colleague; each decision to those `TOLD_OF` names; a reminder to colleagues
    who have not responded once the deadline is `remind_before` away; and the news that it cleared
    to the lead and the colleagues. Each is owed once: an `informed` event records its delivery.
    """
    wanted: list[Notice] = [Notice(view.root.id, Topic.PROPOSAL, person) for person in view.active_colleagues]
    for event in view.counted.values():
        tell = TOLD_OF.get(event.kind)
        if tell is not None:
            wanted += [Notice(event.id, Topic.EVENT, person) for person in sorted(tell(view, event) - {event.by, ""})]
    state = view.state
    if state in (State.PROPOSED, State.DISPUTED) and view.review_period_running() and view.now >= view.review_deadline - remind_before:
        wanted += [Notice(view.root.id, Topic.REMINDER, person) for person in view.active_colleagues if person not in view.responded]
    if state == State.CLEARED:
        wanted += [Notice(view.root.id, Topic.CLEARED, person) for person in [view.lead, *view.active_colleagues]]
    channels = set(view.channels)
    return [n for n in wanted if not channels <= view.delivered.get((n.about, n.topic), {}).get(n.person, set())]


# --- helpers the commands share ------------------------------------------------------------------


def parse_consulted(values: Sequence[str]) -> dict[str, str]:
    consulted: dict[str, str] = {}
    for value in values:
        client, sep, how = value.partition("=")
        if not sep or not client.strip() or not how.strip():
            raise InvalidInput(_("--consulted '{value}': write CLIENT=HOW, e.g. 'Vattenfall AB=phone call with the CEO 2026-11-20'").format(value=value))
        consulted[client.strip()] = how.strip()
    return consulted


def summarize(view: Engagement) -> Summary:
    deadline = view.review_deadline
    timed = view.phase is None and not view.objections and any(c not in view.acks for c in view.active_colleagues)
    before = timed and view.now < deadline
    return Summary(
        id=view.id,
        state=view.state,
        title=view.proposal.title,
        client=view.proposal.client.name,
        lead=view.lead,
        review_deadline=deadline,
        valid_from=deadline if timed and not before else None,
        valid_until=deadline if before else None,
        colleagues=tuple(view.active_colleagues),
        responded=tuple(sorted(view.responded)),
        open_objections=bool(view.objections),
        needs_decision=view.decision_pending,
        lead_declined=view.lead_declined,
        uninformed=bool(view.uninformed()),
        ceo=view.ceo,
        problems=len(view.invalid) + len(view.superseded),
    )


def at_moment(view: Engagement, moment: datetime) -> Engagement:
    """The same engagement seen at another moment (only the review deadline depends on it)."""
    return replace(view, now=moment)
