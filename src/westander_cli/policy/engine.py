"""Judge a proposal against the policy: findings and a verdict, no terminal and no files written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from westander_cli.model import Client, ClientKind, Counterparty, Proposal, Relation
from westander_cli.policy.rules import (
    ConflictRule,
    EnvironmentRule,
    HiddenPrincipalRule,
    OwnershipRule,
    PartyNeutralityRule,
    Policy,
    Rule,
    SectorRule,
    Severity,
    TransparencyRule,
)
from westander_cli.screening import ownership, sectors
from westander_cli.screening.names import Certainty, NameIndex, NameMatch, normalise, org_digits


class Verdict(StrEnum):
    CLEAR = "clear"
    NEEDS_EXCEPTION = "needs_exception"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    source: str
    evidence: dict[str, Any] = field(default_factory=dict)
    kind: str = ""
    """The rule's kind, so that callers need not parse rule ids."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "source": self.source,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class CheckResult:
    proposal: Proposal
    findings: tuple[Finding, ...]

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.findings)


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    severities = {f.severity for f in findings}
    if Severity.FORBID in severities:
        return Verdict.FORBIDDEN
    if Severity.BLOCK in severities:
        return Verdict.NEEDS_EXCEPTION
    return Verdict.CLEAR


class Side(NamedTuple):
    """An organisation in a conflict check: its names (as written and normalised) and org number."""

    name: str
    keys: tuple[str, ...]
    org_number: str | None = None
    relation: str = ""

    @classmethod
    def of(cls, name: str, aliases: Sequence[str] = (), org_number: str | None = None, relation: str = "") -> Side:
        keys = tuple(dict.fromkeys(k for k in (normalise(n) for n in (name, *aliases)) if k))
        return cls(name, keys, org_number, relation)


class ActiveEngagement(NamedTuple):
    """What conflict checks need to know of an engagement that is proposed, disputed, cleared, offered or won.

    Plain tuples with names already normalised and NACE classes already derived, so that
    thousands can be read from the index cheaply.
    """

    id: str
    client: Side
    client_kind: str
    client_classes: tuple[str, ...]
    counterparties: tuple[Side, ...]

    @classmethod
    def of(cls, engagement_id: str, client: Client, counterparties: Sequence[Counterparty]) -> ActiveEngagement:
        classes = tuple(sorted({c for c in (sectors.class_of(code) for code in client.sectors) if c}))
        return cls(engagement_id, Side.of(client.name, client.aliases, client.org_number), client.kind.value, classes,
                   tuple(Side.of(c.name, (), c.org_number, c.relation.value) for c in counterparties))


@dataclass
class Context:
    """What a check knows beyond the proposal: the firm's active engagements and ownership data."""

    engagements: Sequence[ActiveEngagement] = ()
    owners: ownership.OwnerSource = field(default_factory=ownership.NoRegistry)
    language: str = "sv"
    _index: _ConflictIndex | None = None

    def conflict_index(self) -> _ConflictIndex:
        if self._index is None:
            self._index = _ConflictIndex(self.engagements)
        return self._index


def check(proposal: Proposal, policy: Policy, context: Context, exclude_id: str | None = None) -> CheckResult:
    """Evaluate every rule. `exclude_id` leaves the engagement itself out of its conflict checks."""
    findings: list[Finding] = []
    for rule in policy.rules:
        findings.extend(_EVALUATORS[type(rule)](rule, proposal, context, exclude_id))
    findings.sort(key=lambda f: -f.severity.rank)
    return CheckResult(proposal=proposal, findings=tuple(findings))


def _t(context: Context, sv: str, en: str) -> str:
    return sv if context.language == "sv" else en


def _finding(rule: Rule, context: Context, detail: str, evidence: dict[str, Any], severity: Severity | None = None) -> Finding:
    title = rule.title.sv if context.language == "sv" else rule.title.en
    return Finding(
        rule=rule.id,
        severity=severity or rule.severity,
        message=f"{title}: {detail}",
        source=rule.source,
        evidence=evidence,
        kind=rule.kind,
    )


def _sector_hits(codes: Sequence[str], rule_codes: Sequence[str]) -> tuple[list[str], list[str]]:
    """Client codes inside the rule's codes, and client codes too coarse to tell."""
    inside, broader = [], []
    for code in codes:
        matches = {sectors.match(code, rule_code) for rule_code in rule_codes}
        if sectors.SectorMatch.INSIDE in matches:
            inside.append(code)
        elif sectors.SectorMatch.BROADER in matches:
            broader.append(code)
    return inside, broader


def _titled(codes: Sequence[str]) -> str:
    return ", ".join(f"{c} ({sectors.title(c)})" if sectors.title(c) else c for c in codes)


def _sector(rule: SectorRule, proposal: Proposal, context: Context, _: str | None) -> list[Finding]:
    inside, broader = _sector_hits(proposal.client.sectors, rule.codes)
    if inside:
        return [_finding(rule, context, _t(context, f"kundens bransch {_titled(inside)}", f"the client's sector {_titled(inside)}"), {"sectors": inside, "rule_codes": rule.codes})]
    if broader:
        return [_finding(rule, context, _t(context, f"koden {', '.join(broader)} är för grov för att avgöra; ange kundens NACE-klass", f"code {', '.join(broader)} is too coarse to tell; give the client's NACE class"), {"sectors": broader, "rule_codes": rule.codes}, Severity.WARN)]
    return []


def _environment(rule: EnvironmentRule, proposal: Proposal, context: Context, _: str | None) -> list[Finding]:
    evidence = proposal.client.environmental_responsibility
    if len(evidence) >= rule.min_evidence:
        return []
    inside, broader = _sector_hits(proposal.client.sectors, rule.codes)
    if inside:
        return [_finding(rule, context, _t(context, f"bransch {_titled(inside)} utan belägg för aktivt miljöansvar", f"sector {_titled(inside)} with no evidence of active environmental responsibility"), {"sectors": inside, "evidence_given": list(evidence)})]
    if broader:
        return [_finding(rule, context, _t(context, f"koden {', '.join(broader)} kan vara en miljöbelastande bransch; ange NACE-klass eller belägg för miljöansvar", f"code {', '.join(broader)} may be an environmentally heavy sector; give the NACE class or evidence of responsibility"), {"sectors": broader}, Severity.WARN)]
    return []


def _transparency(rule: TransparencyRule, proposal: Proposal, context: Context, _: str | None) -> list[Finding]:
    if proposal.political_influence and not proposal.transparency_accepted:
        return [_finding(rule, context, _t(context, "kunden har inte accepterat öppenhetskravet (transparency_accepted = false)", "the client has not accepted the transparency requirement (transparency_accepted = false)"), {"political_influence": True, "transparency_accepted": False})]
    return []


def _hidden_principal(rule: HiddenPrincipalRule, proposal: Proposal, context: Context, _: str | None) -> list[Finding]:
    if proposal.political_influence and proposal.on_behalf_of and not proposal.principal_disclosed:
        return [_finding(rule, context, _t(context, f"uppdraget utförs för {proposal.on_behalf_of}, som inte ska namnges", f"the work is done for {proposal.on_behalf_of}, who will not be named"), {"on_behalf_of": proposal.on_behalf_of, "principal_disclosed": False})]
    return []


def _party_neutrality(rule: PartyNeutralityRule, proposal: Proposal, context: Context, _: str | None) -> list[Finding]:
    if proposal.client.kind == ClientKind.POLITICAL_PARTY and proposal.election_campaign:
        return [_finding(rule, context, _t(context, f"{proposal.client.name} är ett politiskt parti och uppdraget gäller en valrörelse", f"{proposal.client.name} is a political party and the work is an election campaign"), {"client_kind": "political_party", "election_campaign": True})]
    return []


def _ownership(rule: OwnershipRule, proposal: Proposal, context: Context, _: str | None) -> list[Finding]:
    client = proposal.client
    restricted = set(rule.countries)
    if client.country in restricted:
        return [_finding(rule, context, _t(context, f"kunden är registrerad i {client.country}", f"the client is registered in {client.country}"), {"client_country": client.country})]
    party = ownership.Party(client.name, "company", client.country, client.org_number)
    direct = [
        ownership.Holding(ownership.Party(o.name, o.kind.value, o.country, o.org_number), o.share, o.share, o.control)
        for o in client.owners
    ]
    if not direct:
        direct = list(context.owners.owners_of(party))
    exposure = ownership.trace(party, direct, context.owners, lambda p: bool(p.countries & restricted))
    chains = [
        {"chain": c.describe(), "owner": c.top.name, "country": c.top.country, "share_min": _round(c.share_min), "share_max": _round(c.share_max), "control": c.controlled}
        for c in exposure.chains
    ]
    evidence: dict[str, Any] = {"effective_share_min": _round(exposure.share_min), "effective_share_max": _round(exposure.share_max), "controlled": exposure.controlled, "min_share": rule.min_share, "chains": chains}
    owners_text = "; ".join(c["chain"] for c in chains)
    if exposure.controlled:
        share = f"{exposure.share_min:.4g} %"
        return [_finding(rule, context, _t(context, f"kontrolleras (effektiv andel {share}) av {owners_text}", f"controlled (effective share {share}) by {owners_text}"), evidence)]
    if exposure.share_min >= rule.min_share:
        return [_finding(rule, context, _t(context, f"effektiv andel {exposure.share_min:.4g} % (gräns {rule.min_share:g} %): {owners_text}", f"effective share {exposure.share_min:.4g} % (threshold {rule.min_share:g} %): {owners_text}"), evidence)]
    findings = []
    if exposure.unknown_chains or (exposure.share_max is not None and exposure.share_max >= rule.min_share):
        findings.append(_finding(rule, context, _t(context, f"andelen är okänd eller kan nå gränsen {rule.min_share:g} % och måste granskas: {owners_text}", f"the share is unknown or may reach the {rule.min_share:g} % threshold and needs a human look: {owners_text}"), evidence))
    elif exposure.share_min > 0:
        findings.append(_finding(rule, context, _t(context, f"minoritetsägande {exposure.share_min:.4g} % under gränsen {rule.min_share:g} %: {owners_text}", f"minority holding {exposure.share_min:.4g} % below the {rule.min_share:g} % threshold: {owners_text}"), evidence, Severity.INFO))
    if exposure.undisclosed:
        hidden = "; ".join(c.describe() for c in exposure.undisclosed)
        findings.append(_finding(rule, context, _t(context, f"ägardata anger en okänd ägare som måste granskas: {hidden}", f"the ownership data declares an unknown owner that needs a human look: {hidden}"), {"undisclosed": [c.describe() for c in exposure.undisclosed]}, Severity.WARN))
    for name in context.owners.near_misses():
        findings.append(_finding(rule, context, _t(context, f"möjlig träff i ägarregistret att granska: {name}", f"possible match in the ownership registry to review: {name}"), {"near_miss": name}, Severity.WARN))
    if exposure.cycles or exposure.truncated:
        cycles = [" <- ".join(c) for c in exposure.cycles]
        findings.append(_finding(rule, context, _t(context, "ägarkedjan går i cirkel eller är för lång och måste granskas", "the ownership chain is circular or too long and needs a human look"), {"cycles": cycles, "truncated": exposure.truncated}, Severity.WARN))
    return findings


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# --- conflicts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    engagement: ActiveEngagement
    match: NameMatch
    party: str


class _ConflictIndex:
    """Active clients and their counterparties, indexed so that a check does not scan every engagement."""

    def __init__(self, engagements: Sequence[ActiveEngagement]) -> None:
        self.engagements = list(engagements)
        self.clients = NameIndex()
        self.client_numbers: dict[str, list[int]] = {}
        self.by_class: dict[str, list[int]] = {}
        self.counterparties = NameIndex()
        self.counterparty_rows: list[tuple[int, Side]] = []
        self.counterparty_numbers: dict[str, list[int]] = {}
        self._searched: dict[tuple[str, tuple[str, ...], str | None], dict[int, NameMatch]] = {}
        for position, engagement in enumerate(self.engagements):
            client = engagement.client
            self.clients.add_normalised(position, client.keys)
            if client.org_number and (digits := org_digits(client.org_number)):
                self.client_numbers.setdefault(digits, []).append(position)
            if engagement.client_kind == ClientKind.COMPANY.value:
                for nace_class in engagement.client_classes:
                    self.by_class.setdefault(nace_class, []).append(position)
            for counterparty in engagement.counterparties:
                row = len(self.counterparty_rows)
                self.counterparty_rows.append((position, counterparty))
                self.counterparties.add_normalised(row, counterparty.keys)
                if counterparty.org_number and (digits := org_digits(counterparty.org_number)):
                    self.counterparty_numbers.setdefault(digits, []).append(row)

    def active_clients_named(self, side: Side) -> list[_Hit]:
        """Active engagements whose client is this party (by org number, or by name at least possibly)."""
        best = self._matches("clients", side, self.client_numbers, self.clients)
        return [_Hit(self.engagements[p], m, side.name) for p, m in best.items()]

    def counterparties_naming(self, side: Side) -> list[tuple[_Hit, Side]]:
        """Counterparties of active engagements that are this party."""
        hits = []
        for row, match in self._matches("counterparties", side, self.counterparty_numbers, self.counterparties).items():
            position, counterparty = self.counterparty_rows[row]
            hits.append((_Hit(self.engagements[position], match, counterparty.name), counterparty))
        return hits

    def _matches(self, which: str, side: Side, numbers: dict[str, list[int]], names: NameIndex) -> dict[int, NameMatch]:
        """Both conflict rules ask the same questions of the same party: each search runs once."""
        key = (which, side.keys, side.org_number)
        if key not in self._searched:
            self._searched[key] = _best_matches(numbers, names, side)
        return self._searched[key]


def _best_matches(numbers: dict[str, list[int]], names: NameIndex, side: Side) -> dict[int, NameMatch]:
    """Each indexed party that is `side`: exactly by org number, else its best name match."""
    digits = org_digits(side.org_number)
    best = {p: NameMatch(Certainty.EXACT, 100.0) for p in numbers.get(digits, [])} if digits else {}
    for key in side.keys:
        for position, match in names.search_normalised(key).items():
            if position not in best or match.certainty > best[position].certainty:
                best[position] = match
    return best


def _conflict(rule: ConflictRule, proposal: Proposal, context: Context, exclude_id: str | None) -> list[Finding]:
    index = context.conflict_index()
    client = proposal.client
    me = Side.of(client.name, client.aliases, client.org_number)
    own = {hit.engagement.id for hit in index.active_clients_named(me) if hit.match.certainty >= Certainty.STRONG}
    own |= {exclude_id} if exclude_id else set()
    wanted = {Relation.COMPETITOR.value} if rule.relation == "competitor" else {Relation.OPPONENT.value, Relation.TARGET.value}
    found: dict[tuple[str, str], tuple[str, str, dict[str, Any], Certainty]] = {}

    def note(engagement: ActiveEngagement, certainty: Certainty, sv: str, en: str, evidence: dict[str, Any]) -> None:
        key = (engagement.id, evidence["reason"])
        if engagement.id in own or (key in found and found[key][3] >= certainty):
            return
        found[key] = (sv, en, evidence | {"engagement": engagement.id, "client": engagement.client.name, "match": certainty.name.lower()}, certainty)

    for counterparty in proposal.counterparties:
        relation = counterparty.relation.value
        if relation not in wanted:
            continue
        for hit in index.active_clients_named(Side.of(counterparty.name, (), counterparty.org_number)):
            note(hit.engagement, hit.match.certainty,
                 f"uppdraget anger {counterparty.name} som {relation}, och {hit.engagement.client.name} är aktiv kund ({hit.engagement.id})",
                 f"the work names {counterparty.name} as {relation}, and {hit.engagement.client.name} is an active client ({hit.engagement.id})",
                 {"reason": f"counterparty_{relation}", "score": round(hit.match.score, 1)})
    for hit, counterparty in index.counterparties_naming(me):
        if counterparty.relation in wanted:
            note(hit.engagement, hit.match.certainty,
                 f"det aktiva uppdraget {hit.engagement.id} för {hit.engagement.client.name} anger {counterparty.name} som {counterparty.relation}",
                 f"active engagement {hit.engagement.id} for {hit.engagement.client.name} names {counterparty.name} as {counterparty.relation}",
                 {"reason": f"active_counterparty_{counterparty.relation}", "score": round(hit.match.score, 1)})
    if rule.relation == "competitor" and client.kind == ClientKind.COMPANY:
        for nace_class in sorted({sectors.class_of(code) for code in client.sectors} - {None}):
            for position in index.by_class.get(str(nace_class), []):
                engagement = index.engagements[position]
                note(engagement, Certainty.EXACT,
                     f"{engagement.client.name} ({engagement.id}) är aktiv kund i samma bransch {_titled([str(nace_class)])}",
                     f"{engagement.client.name} ({engagement.id}) is an active client in the same class {_titled([str(nace_class)])}",
                     {"reason": "same_nace_class", "nace_class": nace_class})
    return _grouped(rule, context, found)


def _grouped(rule: ConflictRule, context: Context, found: dict[tuple[str, str], tuple[str, str, dict[str, Any], Certainty]]) -> list[Finding]:
    """One finding per reason and certainty, naming every affected active client in its evidence."""
    groups: dict[tuple[str, bool], list[tuple[str, str, dict[str, Any]]]] = {}
    for sv, en, evidence, certainty in found.values():
        if certainty >= Certainty.POSSIBLE:
            groups.setdefault((evidence["reason"], certainty >= Certainty.STRONG), []).append((sv, en, evidence))
    findings = []
    for (reason, sure), items in sorted(groups.items()):
        items.sort(key=lambda item: item[2]["engagement"])
        sv = "; ".join(item[0] for item in items[:3]) + (f"; och {len(items) - 3} till" if len(items) > 3 else "")
        en = "; ".join(item[1] for item in items[:3]) + (f"; and {len(items) - 3} more" if len(items) > 3 else "")
        evidence = {"reason": reason, "clients": sorted({item[2]["client"] for item in items}),
                    "engagements": [{k: v for k, v in item[2].items() if k != "reason"} for item in items]}
        if sure:
            findings.append(_finding(rule, context, _t(context, sv, en), evidence))
        else:
            findings.append(_finding(rule, context, _t(context, f"möjlig namnträff att granska: {sv}", f"possible name match to review: {en}"), evidence, Severity.WARN))
    return findings


_EVALUATORS: dict[type, Any] = {
    SectorRule: _sector,
    EnvironmentRule: _environment,
    ConflictRule: _conflict,
    TransparencyRule: _transparency,
    HiddenPrincipalRule: _hidden_principal,
    PartyNeutralityRule: _party_neutrality,
    OwnershipRule: _ownership,
}


class _FindingLike(Protocol):
    kind: str
    severity: str
    evidence: dict[str, Any]


def affected_clients(findings: Iterable[_FindingLike]) -> list[str]:
    """Active clients a conflict finding concerns: each must be consulted before a CEO approves."""
    names: set[str] = set()
    for finding in findings:
        if finding.kind == "conflict" and finding.severity == Severity.BLOCK:
            names.update(str(name) for name in finding.evidence.get("clients", []))  # type: ignore[union-attr]
    return sorted(names)

