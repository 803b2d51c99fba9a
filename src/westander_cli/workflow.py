"""The intake process (SPEC 3): events in, state and allowed actions out; who may do what.

State is never stored: it is derived from the events at a moment `now`, because the review period
turns a proposed engagement into a cleared one by the passing of time alone (lazy consensus).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from westander_cli.errors import InvalidInput, NotPermitted, NotYet
from westander_cli.model import Channel, Event, EventKind, People, Person, Proposal, Role, StoredFinding


class State(StrEnum):
    PROPOSED = "proposed"
    DISPUTED = "disputed"
    CLEARED = "cleared"
    OFFERED = "offered"
    WON = "won"
    LOST = "lost"
    ENDED = "ended"
    VETOED = "vetoed"
    WITHDRAWN = "withdrawn"


ACTIVE = frozenset({State.PROPOSED, State.DISPUTED, State.CLEARED, State.OFFERED, State.WON})
"""Engagements that conflict checks run against."""
REVIEW = frozenset({State.PROPOSED, State.DISPUTED, State.CLEARED})
"""Before the offer: colleagues may still ack and object."""
OPEN = frozenset({State.PROPOSED, State.DISPUTED, State.CLEARED, State.OFFERED})
"""Before won: the CEO may veto and the lead withdraw."""
DECLINED = frozenset({State.VETOED, State.WITHDRAWN, State.LOST})
"""Confidential: never published, only counted."""

_TERMINAL_EVENTS = {
    EventKind.VETO: State.VETOED,
    EventKind.WITHDRAWN: State.WITHDRAWN,
    EventKind.OFFER: State.OFFERED,
    EventKind.WON: State.WON,
    EventKind.LOST: State.LOST,
    EventKind.ENDED: State.ENDED,
}


@dataclass(frozen=True)
class Objection:
    hash: str
    by: str
    reason: str
    at: datetime


@dataclass
class Engagement:
    """An engagement as the process sees it at one moment."""

    id: str
    proposal: Proposal
    events: Sequence[Event]
    now: datetime
    active_people: frozenset[str]
    channels: tuple[Channel, ...]
    ceo: str
    lead: str = ""
    proposed_by: str = ""
    proposed_at: datetime | None = None
    proposed_hash: str = ""
    review_deadline: datetime | None = None
    colleagues: tuple[str, ...] = ()
    findings: tuple[StoredFinding, ...] = ()
    exception_reason: str = ""
    phase: State | None = None
    informed: dict[str, set[Channel]] = field(default_factory=dict)
    acks: set[str] = field(default_factory=set)
    responded: set[str] = field(default_factory=set)
    objections: dict[str, Objection] = field(default_factory=dict)
    opted_out: set[str] = field(default_factory=set)
    team: set[str] = field(default_factory=set)
    approved: bool = False
    criticisms: list[Event] = field(default_factory=list)

    @property
    def block_findings(self) -> list[StoredFinding]:
        return [f for f in self.findings if f.severity == "block"]

    @property
    def active_colleagues(self) -> list[str]:
        return [c for c in self.colleagues if c in self.active_people and c != self.lead]

    def uninformed(self) -> list[tuple[str, Channel]]:
        """Colleagues and channels that the proposal has not reached yet."""
        return [(person, channel) for person in self.active_colleagues for channel in self.channels
                if channel not in self.informed.get(person, set())]

    @property
    def state(self) -> State:
        if self.phase is not None:
            return self.phase
        if self.objections:
            return State.DISPUTED
        return State.CLEARED if not self.missing_for_clearance() else State.PROPOSED

    def missing_for_clearance(self) -> list[str]:
        """Exactly what stands between this engagement and `cleared` (SPEC 3)."""
        missing = []
        uninformed = sorted({person for person, _ in self.uninformed()})
        if uninformed:
            missing.append(f"colleagues not yet informed: {', '.join(uninformed)} (run 'wst notify {self.id}')")
        waiting = [c for c in self.active_colleagues if c not in self.acks]
        if not self.approved and waiting and self.review_deadline and self.now < self.review_deadline:
            missing.append(
                f"the review period runs until {self.review_deadline:%Y-%m-%d %H:%M} UTC "
                f"or until every colleague has acknowledged (waiting for: {', '.join(waiting)})"
            )
        for objection in self.objections.values():
            missing.append(f"open objection by {objection.by}: {objection.reason} (lifted by its author or a CEO decision)")
        if self.block_findings and not self.approved:
            rules = ", ".join(sorted({f.rule for f in self.block_findings}))
            missing.append(f"a CEO exception for the block findings ({rules}) with 'wst approve {self.id}'")
        return missing


def derive(
    engagement_id: str,
    proposal: Proposal,
    events: Sequence[Event],
    people: People,
    channels: Iterable[Channel],
    now: datetime,
) -> Engagement:
    ceo = next(p.id for p in people.person if p.active and p.role == Role.CEO)
    view = Engagement(
        id=engagement_id,
        proposal=proposal,
        events=events,
        now=now,
        active_people=frozenset(p.id for p in people.person if p.active),
        channels=tuple(channels),
        ceo=ceo,
    )
    for event in events:
        if event.at > now:
            break  # WST_NOW in the past shows the engagement as it was then
        apply_event(view, event)
    return view


def apply_event(view: Engagement, event: Event) -> None:
    kind = event.kind
    if kind == EventKind.PROPOSED:
        view.lead = event.lead or event.by
        view.proposed_by = event.by
        view.proposed_at = event.at
        view.proposed_hash = event.hash or ""
        view.review_deadline = event.review_deadline
        view.colleagues = tuple(event.colleagues or ())
        view.findings = tuple(event.findings or ())
        view.exception_reason = event.exception_reason or ""
    elif kind == EventKind.INFORMED and event.about == view.proposed_hash and event.channel:
        for person in event.recipients or ():
            view.informed.setdefault(person, set()).add(event.channel)
    elif kind == EventKind.ACK:
        view.acks.add(event.by)
        view.responded.add(event.by)
    elif kind == EventKind.COMMENT:
        view.responded.add(event.by)
    elif kind == EventKind.OBJECTION:
        view.objections[event.hash or ""] = Objection(event.hash or "", event.by, event.reason or "", event.at)
        view.responded.add(event.by)
    elif kind == EventKind.OBJECTION_WITHDRAWN:
        view.objections.pop(event.objection or "", None)
    elif kind == EventKind.OPT_OUT:
        view.opted_out.add(event.by)
        view.team.discard(event.by)
        view.responded.add(event.by)
    elif kind == EventKind.APPROVAL:
        view.objections.clear()
        view.approved = True
    elif kind == EventKind.TEAM and event.person:
        if event.action == "add":
            view.team.add(event.person)
        else:
            view.team.discard(event.person)
    elif kind == EventKind.LEAD_CHANGED and event.person:
        view.lead = event.person
    elif kind == EventKind.CRITICISM:
        view.criticisms.append(event)
    elif kind in _TERMINAL_EVENTS:
        view.phase = _TERMINAL_EVENTS[kind]


# --- who may do what ---------------------------------------------------------------------------


class Action(StrEnum):
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
    NOTIFY = "notify"


LEAD_ACTIONS = frozenset({Action.WITHDRAW, Action.OFFER, Action.WON, Action.LOST, Action.END, Action.TEAM, Action.CRITICISM, Action.NOTIFY})
CEO_ACTIONS = frozenset({Action.APPROVE, Action.VETO, Action.ASSIGN})
COLLEAGUE_ACTIONS = frozenset({Action.ACK, Action.OBJECT})

_ALLOWED_STATES: dict[Action, frozenset[State]] = {
    Action.ACK: REVIEW,
    Action.OBJECT: REVIEW,
    Action.WITHDRAW_OBJECTION: REVIEW,
    Action.OPT_OUT: OPEN | {State.WON},
    Action.COMMENT: frozenset(State),
    Action.APPROVE: REVIEW,
    Action.VETO: OPEN,
    Action.WITHDRAW: OPEN,
    Action.OFFER: frozenset({State.CLEARED}),
    Action.WON: frozenset({State.OFFERED}),
    Action.LOST: frozenset({State.OFFERED}),
    Action.END: frozenset({State.WON}),
    Action.TEAM: ACTIVE,
    Action.ASSIGN: ACTIVE,
    Action.CRITICISM: frozenset({State.OFFERED, State.WON, State.ENDED}),
    Action.NOTIFY: frozenset(State),
}


def authorize(action: Action, actor: Person, view: Engagement) -> None:
    """Raise NotPermitted (wrong person) or NotYet (wrong step) unless `actor` may do `action` now."""
    if not actor.active:
        raise NotPermitted(f"{actor.id} is not an active member of the firm")
    if action in CEO_ACTIONS and actor.role != Role.CEO:
        raise NotPermitted(f"only the CEO ({view.ceo}) may {action.value}; {actor.id} is {actor.role.value}")
    if action in LEAD_ACTIONS and actor.id != view.lead:
        raise NotPermitted(f"only the client lead ({view.lead}) may {action.value} '{view.id}'")
    if action in COLLEAGUE_ACTIONS and actor.id == view.lead:
        raise NotPermitted(f"{actor.id} is the client lead of '{view.id}'; {action.value} is for colleagues")
    state = view.state
    if action == Action.OFFER and state in (State.PROPOSED, State.DISPUTED):
        missing = view.missing_for_clearance()
        raise NotYet(f"'{view.id}' is {state.value}, not cleared; missing: " + "; ".join(missing), missing)
    if state not in _ALLOWED_STATES[action]:
        allowed = ", ".join(sorted(s.value for s in _ALLOWED_STATES[action]))
        raise NotYet(f"'{view.id}' is {state.value}; {action.value} is possible when it is {allowed}")
    if action == Action.APPROVE and not (view.objections or view.block_findings):
        raise NotYet(f"'{view.id}' has no open objection and no block finding; there is nothing for the CEO to decide")


def colleagues_of(people: People, lead: str) -> list[str]:
    """Everyone to inform: every active person but the lead."""
    return [p.id for p in people.person if p.active and p.id != lead]


def review_deadline(at: datetime, review_hours: int) -> datetime:
    return at + timedelta(hours=review_hours)


def parse_consulted(values: Sequence[str]) -> dict[str, str]:
    consulted: dict[str, str] = {}
    for value in values:
        client, sep, how = value.partition("=")
        if not sep or not client.strip() or not how.strip():
            raise InvalidInput(f"--consulted '{value}': write CLIENT=HOW, e.g. 'Vattenfall AB=phone call with the CEO 2026-11-20'")
        consulted[client.strip()] = how.strip()
    return consulted


@dataclass(slots=True)
class Summary:
    """What `list`, `status` and conflict checks need of an engagement, cheap to keep in an index.

    State changes with time only at the review deadline, so a summary holds from `valid_from`
    (its newest event, or the deadline once lazy consensus has applied) until `valid_until`.
    """

    id: str
    state: State
    title: str
    client: str
    lead: str
    review_deadline: datetime | None
    valid_from: datetime | None
    valid_until: datetime | None
    colleagues: tuple[str, ...]
    responded: tuple[str, ...]
    open_objections: bool
    needs_decision: bool
    uninformed: bool

    def holds_at(self, now: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= now) and (self.valid_until is None or now < self.valid_until)


def summarize(view: Engagement) -> Summary:
    moments = [e.at for e in view.events if e.at <= view.now]
    deadline = view.review_deadline
    timed = view.phase is None and deadline is not None
    if timed and deadline is not None and view.now >= deadline:
        moments.append(deadline)
    ends = [e.at for e in view.events if e.at > view.now]  # a view of the past ends at the next event
    if timed and deadline is not None and view.now < deadline:
        ends.append(deadline)
    return Summary(
        id=view.id,
        state=view.state,
        title=view.proposal.title,
        client=view.proposal.client.name,
        lead=view.lead,
        review_deadline=deadline,
        valid_from=max(moments) if moments else None,
        valid_until=min(ends) if ends else None,
        colleagues=tuple(view.active_colleagues),
        responded=tuple(sorted(view.responded)),
        open_objections=bool(view.objections),
        needs_decision=bool(view.block_findings) and not view.approved,
        uninformed=bool(view.uninformed()),
    )
