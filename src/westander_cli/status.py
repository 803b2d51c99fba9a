"""What awaits a person: the views behind `wst status`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from westander_cli.model import Person, Role
from westander_cli.clock import iso as when
from westander_cli.workflow import REVIEW, Engagement, State


def awaiting(person: Person, views: Iterable[Engagement]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for view in views:
        state = view.state
        base = {"id": view.id, "state": state.value, "client": view.proposal.client.name, "deadline": when(view.review_deadline)}
        if state in REVIEW and person.id in view.active_colleagues and person.id not in view.responded:
            items.append({**base, "what": "respond: ack, comment or object"})
        if person.id == view.lead:
            if state == State.CLEARED:
                items.append({**base, "what": "cleared: you may make the offer ('wst offer')"})
            elif state in (State.PROPOSED, State.DISPUTED) and view.uninformed():
                items.append({**base, "what": "deliveries failed: run 'wst notify'"})
            elif state == State.OFFERED:
                items.append({**base, "what": "offered: record 'wst won' or 'wst lost'"})
        if person.role == Role.CEO and state in REVIEW:
            if view.objections:
                items.append({**base, "what": "decide the dispute: 'wst approve' or 'wst veto'"})
            elif view.block_findings and not view.approved:
                items.append({**base, "what": "decide the exception: 'wst approve' or 'wst veto'"})
    return items
