"""What awaits a person: the views behind `wst status`.

Each item's `what` is English in JSON, the same in every language (scripts may match it); the table
shows it in the run's language (`N_` here, `_` where it is shown).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from westander_cli.clock import iso as when
from westander_cli.i18n import N_
from westander_cli.index import Member
from westander_cli.states import REVIEW, State, Summary


def awaiting(person: Member, summaries: Iterable[Summary]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for summary in summaries:
        state = summary.state
        base = {"id": summary.id, "state": state.value, "client": summary.client, "deadline": when(summary.review_deadline)}
        if state in REVIEW and person.id in summary.colleagues and person.id not in summary.responded:
            items.append({**base, "what": N_("respond: ack, comment or object")})
        if person.id == summary.lead:
            if state == State.CLEARED:
                items.append({**base, "what": N_("cleared: you may make the offer ('wst offer')")})
            elif state in (State.PROPOSED, State.DISPUTED) and summary.uninformed:
                items.append({**base, "what": N_("deliveries failed: run 'wst notify'")})
            elif state == State.OFFERED:
                items.append({**base, "what": N_("offered: record 'wst won' or 'wst lost'")})
        if (person.ceo or person.id == summary.ceo) and summary.needs_decision:
            if summary.open_objections:
                items.append({**base, "what": N_("decide the dispute: 'wst approve' or 'wst veto'")})
            else:
                items.append({**base, "what": N_("decide the exception: 'wst approve' or 'wst veto'")})
    return items
