"""What leaves the firm, and what the firm learns about itself: `publish` and `report`.

Declined engagements (vetoed, withdrawn, lost) are confidential (Kundpolicy, fråga 3): `publish`
lists only won and ended engagements, and `report` gives nothing but counts.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

from westander_cli.clock import iso
from westander_cli.model import EventKind
from westander_cli.workflow import DECLINED, State

if TYPE_CHECKING:
    from westander_cli.intake import Workspace

PUBLIC = (State.WON, State.ENDED)


def public_clients(ws: Workspace) -> list[dict[str, Any]]:
    """The client list for the website: won (ongoing) and ended engagements, with the agreed text."""
    clients = []
    for summary in ws.summaries():
        if summary.state not in PUBLIC:
            continue
        view = ws.view(summary.id)
        won = next((e.at for e in view.events if e.kind == EventKind.WON), None)
        clients.append({
            "client": view.proposal.client.name,
            "title": view.proposal.title,
            "website_text": view.website_text,
            "political_influence": view.proposal.political_influence,
            "status": "ongoing" if summary.state == State.WON else "ended",
            "since": iso(won)[:10] if won else None,
        })
    return sorted(clients, key=lambda c: (c["status"], c["client"].casefold()))


def intake_statistics(ws: Workspace) -> dict[str, Any]:
    """Counts only; no name, title or id of any engagement."""
    summaries = ws.summaries()
    by_state = {state.value: sum(1 for s in summaries if s.state == state) for state in State}
    hours = []
    objections = exceptions = 0
    for summary in summaries:
        if summary.state in DECLINED:
            continue
        view = ws.view(summary.id)
        kinds = [e.kind for e in view.events]
        objections += EventKind.OBJECTION in kinds
        exceptions += bool(view.block_findings)
        offer = next((e.at for e in view.events if e.kind == EventKind.OFFER), None)
        if offer and view.proposed_at:
            hours.append((offer - view.proposed_at).total_seconds() / 3600)
    return {
        "total": len(summaries),
        "by_state": by_state,
        "declined": {state.value: by_state[state.value] for state in sorted(DECLINED)},
        "with_objections": objections,
        "with_block_findings": exceptions,
        "median_hours_to_offer": round(statistics.median(hours), 1) if hours else None,
    }
