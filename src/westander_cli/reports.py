"""What leaves the firm, and what the firm learns about itself: `publish` and `report`.

Declined engagements (vetoed, withdrawn, lost) are confidential (Kundpolicy, fråga 3): `publish`
lists only won and ended engagements, and `report` gives nothing but counts.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

from westander_cli.i18n import local_moment
from westander_cli.model import EventKind
from westander_cli.states import DECLINED, State

if TYPE_CHECKING:
    from westander_cli.intake import Workspace
    from westander_cli.workflow import Engagement

PUBLIC = (State.WON, State.ENDED)


def readable_states(ws: Workspace) -> tuple[list[tuple[str, State]], int]:
    """Every engagement's id and state that can be read, and how many could not be.

    Nothing about an unreadable engagement is kept or shown, not even its id: it may be a declined
    one, and what `publish` and `report` write must never name those (Kundpolicy, fråga 3).
    """
    try:
        return [(s.id, s.state) for s in ws.summaries()], 0
    except Exception:  # noqa: BLE001 - one bad file anywhere; read engagement by engagement instead
        pass
    states: list[tuple[str, State]] = []
    unreadable = 0
    for engagement_id in ws.data.engagement_ids():
        try:
            states.append((engagement_id, ws.view(engagement_id).state))
        except Exception:  # noqa: BLE001 - skipped and counted, never named
            unreadable += 1
    return states, unreadable


def _readable_view(ws: Workspace, engagement_id: str) -> Engagement | None:
    try:
        return ws.view(engagement_id)
    except Exception:  # noqa: BLE001 - skipped and counted, never named
        return None


def public_clients(ws: Workspace) -> tuple[list[dict[str, Any]], int]:
    """The client list for the website: won (ongoing) and ended engagements, with the agreed text.

    Also the number of engagements that could not be read (skipped, never named).
    """
    clients = []
    states, unreadable = readable_states(ws)
    for engagement_id, state in states:
        if state not in PUBLIC:
            continue
        view = _readable_view(ws, engagement_id)
        if view is None:
            unreadable += 1
            continue
        if view.state not in PUBLIC:  # the folded records decide what is public, never the local index alone
            continue
        won = next((e.at for e in view.events if e.kind == EventKind.WON), None)
        clients.append({
            "client": view.proposal.client.name,
            "title": view.proposal.title,
            "website_text": view.website_text,
            "political_influence": view.proposal.political_influence,
            "status": "ongoing" if view.state == State.WON else "ended",
            "since": local_moment(won).date().isoformat() if won else None,  # the day it was won in the firm's time zone
        })
    return sorted(clients, key=lambda c: (c["status"], c["client"].casefold())), unreadable


def intake_statistics(ws: Workspace) -> dict[str, Any]:
    """Counts only; no name, title or id of any engagement (declined ones are counted like the rest)."""
    states, unreadable = readable_states(ws)
    by_state = {state.value: sum(1 for _, s in states if s == state) for state in State}
    hours = []
    objections = exceptions = 0
    by_month: dict[str, int] = {}
    for engagement_id, _state in states:
        view = _readable_view(ws, engagement_id)
        if view is None:
            unreadable += 1
            continue
        kinds = [e.kind for e in view.valid_events]
        objections += EventKind.OBJECTION in kinds
        exceptions += bool(view.block_findings)
        proposed = local_moment(view.proposed_at)  # the firm's month: a proposal at 00:30 on 1 January is January's
        month = f"{proposed.year:04d}-{proposed.month:02d}"
        by_month[month] = by_month.get(month, 0) + 1
        offer = next((e.at for e in view.valid_events if e.kind == EventKind.OFFER), None)
        if offer:
            hours.append((offer - view.proposed_at).total_seconds() / 3600)
    return {
        "total": len(states),
        "unreadable": unreadable,
        "by_state": by_state,
        "declined": {state.value: by_state[state.value] for state in sorted(DECLINED)},
        "proposed_by_month": dict(sorted(by_month.items())),
        "with_objections": objections,
        "with_block_findings": exceptions,
        "median_hours_to_offer": round(statistics.median(hours), 1) if hours else None,
    }
