"""One typed model per kind of event in an engagement's history (the record `wst` keeps, SPEC 3, 6).

An event is written once, as one TOML file, and never rewritten. Its `hash` is the sha256 of its
canonical content and its `follows` names the hashes of the events that were the newest when it was
recorded, so an engagement's history is a hash-linked graph that git clones extend and merge without
conflicts, and that is ordered by what each event follows, never by the time it claims.

Files written by earlier versions of wst (one flat event model, the proposal in `proposal.toml`)
read unchanged: every field they carry keeps its name, and a field added since is optional.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _
from westander_cli.model import PERSON_ID, Channel, EventKind, Moment, Proposal, SignatureRule
from westander_cli.review_period import Counting, check_time_zone

Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
PersonId = Annotated[str, StringConstraints(pattern=PERSON_ID)]
MAX_TEXT = 20_000
"""The longest comment, reason or note a person may write (about ten pages)."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]


class StoredFinding(BaseModel):
    """A finding as recorded with the proposal: what colleagues and the CEO decided on."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    rule: str
    severity: str
    message: str
    source: str
    evidence: dict[str, Any] = {}
    kind: str = ""


class BaseEvent(BaseModel):
    """What every event carries: who recorded it, when they say they did, and what it follows."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: EventKind
    at: Moment
    by: PersonId
    follows: Annotated[list[Hash], Field(max_length=1000)] = []
    hash: Hash | None = None
    signature: Annotated[str, StringConstraints(max_length=20_000)] | None = None

    def content(self) -> dict[str, Any]:
        """The hashed part: everything but the hash and the signature, as stored."""
        return self.model_dump(mode="json", exclude={"hash", "signature"}, exclude_none=True)

    @property
    def id(self) -> str:
        """The hash, for events that have been sealed (every event read from a file has one)."""
        return self.hash or ""


class Proposed(BaseEvent):
    """The engagement begins: the proposal, its findings, and everything the decision depends on.

    What the process later reads from this event (the colleagues, the review deadline, the CEO, the
    delivery channels, the policy digest) is fixed here, so that later edits of firm.toml or
    people.toml never turn past, legitimate events into problems.
    """

    kind: Literal[EventKind.PROPOSED] = EventKind.PROPOSED
    lead: PersonId
    colleagues: Annotated[list[PersonId], Field(max_length=10_000)]
    review_deadline: Moment
    findings: Annotated[list[StoredFinding], Field(max_length=1000)] = []
    exception_reason: Annotated[str, StringConstraints(max_length=MAX_TEXT)] | None = None
    proposal: Proposal | None = None
    """The proposal itself; absent in engagements stored before wst 0.2, which keep it in proposal.toml."""
    proposal_sha256: Hash | None = None
    """Only in engagements stored before wst 0.2: the sha256 of their proposal.toml."""
    ceo: PersonId | None = None
    channels: Annotated[list[Channel], Field(max_length=10)] | None = None
    review_hours: Annotated[int, Field(ge=0, le=24 * 366)] | None = None
    review_counting: Counting | None = None
    timezone: Annotated[str, StringConstraints(max_length=64), AfterValidator(check_time_zone)] | None = None
    policy_digest: Hash | None = None
    signatures: SignatureRule | None = None
    """The signature requirement in force when it was proposed: it holds for the engagement's whole history,
    so raising the requirement later never invalidates decisions recorded honestly before."""


class Topic(StrEnum):
    """What a message told its recipients."""

    PROPOSAL = "proposal"
    """The proposal itself, to every colleague (the `proposed` event)."""
    EVENT = "event"
    """A decision someone must hear of (an objection, a CEO decision, a team or lead change, criticism)."""
    REMINDER = "reminder"
    """The review deadline is near and the recipient has not responded."""
    CLEARED = "cleared"
    """The engagement has cleared: the lead may offer."""


class Informed(BaseEvent):
    kind: Literal[EventKind.INFORMED] = EventKind.INFORMED
    recipients: Annotated[list[PersonId], Field(max_length=10_000)]
    channel: Channel
    about: Hash
    """The event the message was about: the proposal, or the decision it told of."""
    topic: Topic | None = None
    """Absent in wst 0.1's records: the proposal when `about` is the proposed event, else the event."""


class Ack(BaseEvent):
    kind: Literal[EventKind.ACK] = EventKind.ACK


class Comment(BaseEvent):
    kind: Literal[EventKind.COMMENT] = EventKind.COMMENT
    text: Text


class Objection(BaseEvent):
    kind: Literal[EventKind.OBJECTION] = EventKind.OBJECTION
    reason: Text


class ObjectionWithdrawn(BaseEvent):
    kind: Literal[EventKind.OBJECTION_WITHDRAWN] = EventKind.OBJECTION_WITHDRAWN
    objection: Hash


class OptOut(BaseEvent):
    """A colleague declines personally to work on the engagement (no dispute)."""

    kind: Literal[EventKind.OPT_OUT] = EventKind.OPT_OUT
    reason: Text | None = None


class Approval(BaseEvent):
    """The CEO resolves the open objections it follows and grants exceptions to block findings."""

    kind: Literal[EventKind.APPROVAL] = EventKind.APPROVAL
    reason: Text | None = None
    consulted: Annotated[dict[str, Text], Field(max_length=200)] | None = None


class Veto(BaseEvent):
    kind: Literal[EventKind.VETO] = EventKind.VETO
    reason: Text


class LeadMove(BaseEvent):
    """The lead moves the engagement on (withdraw, offer, won, lost, end), with an optional reason."""

    reason: Text | None = None


class Withdrawn(LeadMove):
    kind: Literal[EventKind.WITHDRAWN] = EventKind.WITHDRAWN


class Offer(LeadMove):
    kind: Literal[EventKind.OFFER] = EventKind.OFFER


class Won(LeadMove):
    kind: Literal[EventKind.WON] = EventKind.WON


class Lost(LeadMove):
    kind: Literal[EventKind.LOST] = EventKind.LOST


class Ended(LeadMove):
    kind: Literal[EventKind.ENDED] = EventKind.ENDED


class Team(BaseEvent):
    kind: Literal[EventKind.TEAM] = EventKind.TEAM
    action: Literal["add", "remove"]
    person: PersonId


class LeadChanged(BaseEvent):
    kind: Literal[EventKind.LEAD_CHANGED] = EventKind.LEAD_CHANGED
    person: PersonId
    reason: Text | None = None


class Criticism(BaseEvent):
    kind: Literal[EventKind.CRITICISM] = EventKind.CRITICISM
    text: Text


class WebsiteText(BaseEvent):
    """The lead revises how the engagement is presented on the firm's website (what `publish` shows)."""

    kind: Literal[EventKind.WEBSITE_TEXT] = EventKind.WEBSITE_TEXT
    text: Text


Event = (
    Proposed | Informed | Ack | Comment | Objection | ObjectionWithdrawn | OptOut | Approval | Veto | Withdrawn | Offer
    | Won | Lost | Ended | Team | LeadChanged | Criticism | WebsiteText
)

MODEL_OF: dict[EventKind, type[BaseEvent]] = {
    EventKind.PROPOSED: Proposed,
    EventKind.INFORMED: Informed,
    EventKind.ACK: Ack,
    EventKind.COMMENT: Comment,
    EventKind.OBJECTION: Objection,
    EventKind.OBJECTION_WITHDRAWN: ObjectionWithdrawn,
    EventKind.OPT_OUT: OptOut,
    EventKind.APPROVAL: Approval,
    EventKind.VETO: Veto,
    EventKind.WITHDRAWN: Withdrawn,
    EventKind.OFFER: Offer,
    EventKind.WON: Won,
    EventKind.LOST: Lost,
    EventKind.ENDED: Ended,
    EventKind.TEAM: Team,
    EventKind.LEAD_CHANGED: LeadChanged,
    EventKind.CRITICISM: Criticism,
    EventKind.WEBSITE_TEXT: WebsiteText,
}


def model_of(data: dict[str, Any], where: str) -> type[BaseEvent]:
    """The model for a parsed event file, chosen by its `kind`."""
    kind = data.get("kind")
    try:
        return MODEL_OF[EventKind(str(kind))]
    except (ValueError, TypeError):
        known = ", ".join(k.value for k in EventKind)
        raise InvalidInput(_("{where}: kind: '{value}' is not an event kind ({known})").format(where=where, value=str(kind)[:40], known=known)) from None


def recorded_at(moment: datetime, followed: list[BaseEvent]) -> datetime:
    """An event's time is never earlier than the events it follows, whatever the local clock says."""
    return max([moment, *(event.at for event in followed)])
