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
        for what in _to_do(person, summary):
            items.append({"id": summary.id, "state": summary.state.value, "client": summary.client,
                          "deadline": when(summary.review_deadline), "what": what})
    return items


def _to_do(person: Member, summary: Summary) -> list[str]:
    """What `person` has to do about one engagement (most of a firm's engagements: nothing)."""
    state = summary.state
    found = []
    if state in REVIEW and person.id in summary.colleagues and person.id not in summary.responded:
        found.append(N_("respond: ack, comment or object"))
    if person.id == summary.lead:
        if state == State.CLEARED:
            found.append(N_("cleared: you may make the offer ('wst offer')"))
        elif state in (State.PROPOSED, State.DISPUTED) and summary.uninformed:
            found.append(N_("deliveries failed: run 'wst notify'"))
        elif state == State.OFFERED:
            found.append(N_("offered: record 'wst won' or 'wst lost'"))
    if (person.ceo or person.id == summary.ceo) and summary.lead_declined:
        found.append(N_("assign a new lead: the lead declined personally ('wst assign')"))
    if (person.ceo or person.id == summary.ceo) and summary.needs_decision:
        if summary.open_objections:
            found.append(N_("decide the dispute: 'wst approve' or 'wst veto'"))
        else:
            found.append(N_("decide the exception: 'wst approve' or 'wst veto'"))
    return found
