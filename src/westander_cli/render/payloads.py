"""The documented JSON shapes of every command, built from domain objects (no Rich here)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from westander_cli.clock import iso

if TYPE_CHECKING:
    from westander_cli.events import BaseEvent
    from westander_cli.policy.engine import CheckResult, Finding
    from westander_cli.policy.rules import Rule
    from westander_cli.states import Summary
    from westander_cli.workflow import Engagement


when = iso


def check_result(file: str, result: CheckResult) -> dict[str, Any]:
    return {
        "file": file,
        "id": result.proposal.id,
        "client": result.proposal.client.name,
        "verdict": result.verdict.value,
        "findings": [f.as_dict() for f in result.findings],
    }


def check_error(file: str, message: str) -> dict[str, Any]:
    """A file that could not be judged: its own result, so the other files' verdicts still count."""
    line = re.match(r"^.*?:(\d+):", message)
    return {"file": file, "id": None, "client": None, "verdict": "error", "findings": [],
            "error": {"code": 2, "message": message, "line": int(line.group(1)) if line else None}}


def rescreen_result(engagement_id: str, client: str, findings: list[Finding], decisions: list[str]) -> dict[str, Any]:
    """`check --active`: an active engagement's findings that its record does not show, in check's shape."""
    severities = {f.severity.value for f in findings}
    verdict = "forbidden" if "forbid" in severities else "needs_exception" if "block" in severities else "clear"
    shown = []
    for finding, decision in zip(findings, decisions, strict=True):
        item = finding.as_dict()
        item["message"] = f"{item['message']} ({decision})"
        shown.append(item)
    return {"file": engagement_id, "id": engagement_id, "client": client, "verdict": verdict, "findings": shown}


def rule(rule: Rule) -> dict[str, Any]:
    base = {"id", "kind", "severity", "title", "explanation", "source", "quote"}
    data = rule.model_dump(mode="json")
    return {**{k: data[k] for k in ("id", "kind", "severity", "title", "explanation", "source", "quote")},
            "parameters": {k: v for k, v in data.items() if k not in base}}


def summary(s: Summary) -> dict[str, Any]:
    return {
        "id": s.id,
        "state": s.state.value,
        "title": s.title,
        "client": s.client,
        "lead": s.lead,
        "review_deadline": when(s.review_deadline),
    }


def detail(view: Engagement) -> dict[str, Any]:
    from westander_cli.workflow import summarize

    return {
        **summary(summarize(view)),
        "proposed_at": when(view.proposed_at),
        "proposed_by": view.proposed_by,
        "team": sorted(view.team),
        "colleagues": list(view.active_colleagues),
        "informed": sorted(p for p, channels in view.informed.items() if set(view.channels) <= channels),
        "acks": sorted(view.acks),
        "opted_out": sorted(view.opted_out),
        "objections": [{"by": o.by, "reason": o.reason, "at": when(o.at), "event": o.hash} for o in view.objections.values()],
        "approved": view.approved,
        "exception_reason": view.exception_reason or None,
        "findings": [f.model_dump(exclude={"kind"}) for f in view.findings],
        "missing_for_offer": view.missing_for_clearance() if view.state.value in ("proposed", "disputed") else [],
        "needs_ceo": view.needs_ceo,
        "lead_declined": view.lead_declined,
        "reopened": view.reopened,
        "duplicate_of": view.duplicate_of,
        "not_counted": [{"event": h, "reason": r, "kind": "invalid"} for h, r in view.invalid.items()]
        + [{"event": h, "reason": r, "kind": "superseded"} for h, r in view.superseded.items()],
        "proposal": view.proposal.model_dump(mode="json"),
    }


def event(e: BaseEvent, view: Engagement | None = None) -> dict[str, Any]:
    """An event as `log` and the recording commands show it; `counts` says whether the process counts it."""
    content = e.model_dump(mode="json", exclude_none=True, exclude={"signature"})
    details = {k: v for k, v in content.items() if k not in ("kind", "at", "by", "follows", "hash", "findings", "colleagues", "proposal")}
    counts = "yes"
    if view is not None and e.id in view.invalid:
        counts = f"no: {view.invalid[e.id]}"
    elif view is not None and e.id in view.superseded:
        counts = f"no: {view.superseded[e.id]}"
    return {"kind": e.kind.value, "at": when(e.at), "by": e.by, "hash": e.hash, "follows": e.follows,
            "details": details, "counts": counts}
