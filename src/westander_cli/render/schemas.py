"""The JSON output of every command, as typed shapes: the contract CI scripts rely on (version 1).

docs/schema/*.json are generated from these (`python -m westander_cli.render.schemas docs/schema`);
a test keeps the files and the shapes in step and validates real output against them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

Severity = Literal["forbid", "block", "warn", "info"]
StateName = Literal["proposed", "disputed", "cleared", "offered", "won", "lost", "ended", "vetoed", "withdrawn"]
CLOSED = ConfigDict(extra="forbid")


@with_config(CLOSED)
class Finding(TypedDict):
    rule: str
    severity: Severity
    message: str
    source: str
    evidence: dict[str, Any]


@with_config(CLOSED)
class CheckError(TypedDict):
    code: Literal[2]
    message: str
    line: int | None


@with_config(CLOSED)
class CheckResult(TypedDict):
    file: str
    id: str | None
    client: str | None
    verdict: Literal["clear", "needs_exception", "forbidden", "error"]
    findings: list[Finding]
    error: NotRequired[CheckError]


@with_config(CLOSED)
class Check(TypedDict):
    version: Literal[1]
    results: list[CheckResult]


@with_config(CLOSED)
class Delivery(TypedDict):
    person: str
    channel: Literal["outbox", "smtp"]
    error: str | None


@with_config(CLOSED)
class Propose(TypedDict):
    version: Literal[1]
    id: str
    stored: bool
    verdict: Literal["clear", "needs_exception", "forbidden"]
    findings: list[Finding]
    state: StateName | None
    review_deadline: str | None
    deliveries: list[Delivery]


@with_config(CLOSED)
class EventRow(TypedDict):
    kind: str
    at: str
    by: str
    hash: str
    follows: list[str]
    details: dict[str, Any]
    """What the kind carries (text, reason, person, recipients, ...) as JSON values."""
    counts: str
    """"yes", or "no: WHY" for an event the process does not count (invalid, or overtaken by a concurrent decision)."""


@with_config(CLOSED)
class Recorded(TypedDict):
    """ack, comment, object, approve, veto, withdraw, offer, won, lost, end, team, assign, criticism."""

    version: Literal[1]
    id: str
    event: EventRow
    deliveries: list[Delivery]
    state: StateName


@with_config(CLOSED)
class Notify(TypedDict):
    version: Literal[1]
    id: str
    deliveries: list[Delivery]
    message: str


@with_config(CLOSED)
class SummaryRow(TypedDict):
    id: str
    state: StateName
    title: str
    client: str
    lead: str
    review_deadline: str | None


@with_config(CLOSED)
class List(TypedDict):
    version: Literal[1]
    engagements: list[SummaryRow]


@with_config(CLOSED)
class Objection(TypedDict):
    by: str
    reason: str
    at: str | None
    event: str


@with_config(CLOSED)
class NotCounted(TypedDict):
    event: str
    reason: str
    kind: Literal["invalid", "superseded"]


@with_config(CLOSED)
class EngagementDetail(SummaryRow):
    proposed_at: str | None
    proposed_by: str
    team: list[str]
    colleagues: list[str]
    informed: list[str]
    acks: list[str]
    opted_out: list[str]
    objections: list[Objection]
    approved: bool
    exception_reason: str | None
    findings: list[Finding]
    missing_for_offer: list[str]
    needs_ceo: bool
    lead_declined: bool
    reopened: bool
    duplicate_of: str | None
    not_counted: list[NotCounted]
    proposal: dict[str, Any]


@with_config(CLOSED)
class Show(TypedDict):
    version: Literal[1]
    engagement: EngagementDetail


@with_config(CLOSED)
class Log(TypedDict):
    version: Literal[1]
    id: str
    events: list[EventRow]


@with_config(CLOSED)
class Awaiting(TypedDict):
    id: str
    state: StateName
    client: str
    what: str
    deadline: str | None


@with_config(CLOSED)
class Status(TypedDict):
    version: Literal[1]
    person: str
    awaiting: list[Awaiting]


@with_config(CLOSED)
class Texts(TypedDict):
    sv: str
    en: str


@with_config(CLOSED)
class Rule(TypedDict):
    id: str
    kind: str
    severity: Severity
    title: Texts
    explanation: Texts
    source: str
    quote: str
    parameters: dict[str, Any]


@with_config(CLOSED)
class PolicyList(TypedDict):
    version: Literal[1]
    rules: list[Rule]


@with_config(CLOSED)
class PolicyShow(TypedDict):
    version: Literal[1]
    rule: Rule


@with_config(CLOSED)
class RegistryImport(TypedDict):
    version: Literal[1]
    file: str
    stored_as: str
    new: bool
    statements: int
    entities: int
    relationships: int
    problems: list[str]


@with_config(CLOSED)
class RegistryShow(TypedDict):
    version: Literal[1]
    tree: dict[str, Any]
    """name, kind, countries, org_number, effective_share_min/max, owners[] (each also share_min/max,
    control, and cycle: true where the chain returns to an entity already on it)."""


@with_config(CLOSED)
class Problem(TypedDict):
    file: str
    line: int | None
    message: str
    severity: Literal["error", "warning"]


@with_config(CLOSED)
class Problems(TypedDict):
    """validate and verify."""

    version: Literal[1]
    command: Literal["validate", "verify"]
    checked: str
    ok: bool
    problems: list[Problem]


@with_config(CLOSED)
class PublicClient(TypedDict):
    client: str
    title: str
    website_text: str
    political_influence: bool
    status: Literal["ongoing", "ended"]
    since: str | None


@with_config(CLOSED)
class Publish(TypedDict):
    version: Literal[1]
    clients: list[PublicClient]
    unreadable: int
    language: Literal["sv", "en"]
    """The firm's language (firm.toml), in which titles and website texts are written; not --lang."""


@with_config(CLOSED)
class Report(TypedDict):
    version: Literal[1]
    total: int
    unreadable: int
    by_state: dict[StateName, int]
    declined: dict[Literal["lost", "vetoed", "withdrawn"], int]
    proposed_by_month: dict[str, int]
    """Engagements proposed per month (YYYY-MM, UTC), declined ones included as counts."""
    with_objections: int
    with_block_findings: int
    median_hours_to_offer: float | None


@with_config(CLOSED)
class ErrorBody(TypedDict):
    code: Literal[1, 2, 3, 4, 70]
    message: str
    missing: list[str]


@with_config(CLOSED)
class Error(TypedDict):
    """What any command writes to stdout with --format json when it fails."""

    version: Literal[1]
    error: ErrorBody


SCHEMAS: dict[str, Any] = {
    "check": Check, "propose": Propose, "recorded": Recorded, "notify": Notify, "list": List, "show": Show,
    "log": Log, "status": Status, "policy-list": PolicyList, "policy-show": PolicyShow,
    "registry-import": RegistryImport, "registry-show": RegistryShow, "problems": Problems,
    "publish": Publish, "report": Report, "error": Error,
}


def json_schema(name: str) -> dict[str, Any]:
    schema = TypeAdapter(SCHEMAS[name]).json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"wst/{name}.v1.json", **schema}


def write_all(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SCHEMAS:
        (folder / f"{name}.v1.json").write_text(json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schema"))
