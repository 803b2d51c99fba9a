"""The states of an engagement and the summary the views and the index keep of it.

Apart from the process (`workflow`) and the file models (`model`, `events`), so that a view served
from the summary index (`wst status`, `wst list`) loads neither Pydantic nor the event classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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
CLOSED = DECLINED | {State.ENDED}
"""Nothing is left for the CEO to decide."""
ANY_STATE = frozenset(State)



@dataclass(slots=True)
class Summary:
    """What `list`, `status` and conflict checks need of an engagement, cheap to keep in an index.

    Events count whatever time they carry, so the state changes with the clock only at the review
    deadline: a summary made before the deadline holds until it (`valid_until`), one made after it
    holds from it on (`valid_from`).
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
    """Open objections or block findings without an exception: the CEO approves or vetoes."""
    uninformed: bool
    ceo: str = ""
    problems: int = 0
    """Events the process does not count (invalid) or that a concurrent decision overtook."""
    lead_declined: bool = False
    """The lead declined personally, concurrently with being assigned: the CEO assigns another lead."""

    def holds_at(self, now: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= now) and (self.valid_until is None or now < self.valid_until)
