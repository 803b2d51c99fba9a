"""Judge a proposal against the policy: findings and a verdict, no terminal and no files written."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

from westander_cli.i18n import N_, _, current, speaking
from westander_cli.model import ClientKind, Proposal, Relation
from westander_cli.policy.parties import ActiveEngagement, Side
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
from westander_cli.screening.names import Certainty, NameIndex, NameMatch, org_digits


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


@dataclass
class Context:
    """What a check knows beyond the proposal: the firm's active engagements and ownership data."""

    engagements: Sequence[ActiveEngagement] = ()
    owners: ownership.OwnerSource = field(default_factory=ownership.NoRegistry)
    language: str = field(default_factory=current)
    """The language of the findings' messages and rule titles (the run's, unless a caller says otherwise)."""
    _index: _ConflictIndex | None = None
    only: Container[str] | None = None
    """With an index shared between contexts: the engagements this check compares with (the rest are left out,
    so the result is the one an index of only these gives)."""

    def sharing(self, only: Container[str]) -> Context:
        """A context comparing with `only` of this context's engagements (asked `id in only` of each one found), reusing
        its conflict index (built once)."""
        return Context(engagements=self.engagements, owners=self.owners, language=self.language, _index=self.conflict_index(),
                       only=only)

    def conflict_index(self) -> _ConflictIndex:
        if self._index is None:
            self._index = _ConflictIndex(self.engagements)
        return self._index


def check(proposal: Proposal, policy: Policy, context: Context, exclude_id: str | None = None) -> CheckResult:
    """Evaluate every rule. `exclude_id` leaves the engagement itself out of its conflict checks."""
    findings: list[Finding] = []
    with speaking(context.language):
        for rule in policy.rules:
            findings.extend(_EVALUATORS[type(rule)](rule, proposal, context, exclude_id))
        findings.extend(_unscreened_sector(proposal, policy, context))
    findings.sort(key=lambda f: -f.severity.rank)
    return CheckResult(proposal=proposal, findings=tuple(findings))


def conflicts(proposal: Proposal, policy: Policy, context: Context, exclude_id: str | None = None) -> CheckResult:
    """Only the conflict rules of `check`, their findings in the same order: what re-screening pairs of engagements needs."""
    findings: list[Finding] = []
    with speaking(context.language):
        for rule in policy.rules:
            if isinstance(rule, ConflictRule):
                findings.extend(_conflict(rule, proposal, context, exclude_id))
    findings.sort(key=lambda f: -f.severity.rank)
    return CheckResult(proposal=proposal, findings=tuple(findings))


def _finding(rule: Rule, context: Context, detail: str, evidence: dict[str, Any], severity: Severity | None = None) -> Finding:
    """A finding whose message is the rule's title (from the policy file, in the current language) and `detail`."""
    title = rule.title.sv if current() == "sv" else rule.title.en
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


def _sector(rule: SectorRule, proposal: Proposal, context: Context, exclude_id: str | None) -> list[Finding]:
    inside, broader = _sector_hits(proposal.client.sectors, rule.codes)
    if inside:
        return [_finding(rule, context, _("the client's sector {sectors}").format(sectors=_titled(inside)), {"sectors": inside, "rule_codes": rule.codes})]
    if broader:
        return [_finding(rule, context, _("code {codes} is too coarse to tell; give the client's NACE class").format(codes=", ".join(broader)), {"sectors": broader, "rule_codes": rule.codes}, Severity.WARN)]
    return []


SECTORLESS_KINDS = frozenset({ClientKind.POLITICAL_PARTY, ClientKind.INDIVIDUAL, ClientKind.PUBLIC_SECTOR, ClientKind.NONPROFIT})
"""Client kinds that usually have no trade to give a sector code for; companies and trade associations must give one."""


def _unscreened_sector(proposal: Proposal, policy: Policy, context: Context) -> list[Finding]:
    """A client with no sector code is not clear: the rules that read sectors could not run, and a person is told which."""
    if proposal.client.sectors or proposal.client.kind in SECTORLESS_KINDS:
        return []
    skipped = [r for r in policy.rules if isinstance(r, (SectorRule, EnvironmentRule)) or (isinstance(r, ConflictRule) and r.relation == "competitor")]
    if not skipped:
        return []
    ids = ", ".join(r.id for r in skipped)
    return [Finding(rule="sector.missing", severity=Severity.WARN,
                    message=_("No sector code: the client has no NACE/SNI code, so the rules {rules} could not run; give client.sectors").format(rules=ids),
                    source=skipped[0].source, evidence={"rules_not_run": [r.id for r in skipped]}, kind="sector")]


def _environment(rule: EnvironmentRule, proposal: Proposal, context: Context, exclude_id: str | None) -> list[Finding]:
    evidence = proposal.client.environmental_responsibility
    if len(evidence) >= rule.min_evidence:
        return []
    inside, broader = _sector_hits(proposal.client.sectors, rule.codes)
    if inside:
        return [_finding(rule, context, _("sector {sectors} with no evidence of active environmental responsibility").format(sectors=_titled(inside)), {"sectors": inside, "evidence_given": list(evidence)})]
    if broader:
        return [_finding(rule, context, _("code {codes} may be an environmentally heavy sector; give the NACE class or evidence of responsibility").format(codes=", ".join(broader)), {"sectors": broader}, Severity.WARN)]
    return []


def _transparency(rule: TransparencyRule, proposal: Proposal, context: Context, exclude_id: str | None) -> list[Finding]:
    if proposal.political_influence and not proposal.transparency_accepted:
        return [_finding(rule, context, _("the client has not accepted the transparency requirement (transparency_accepted = false)"), {"political_influence": True, "transparency_accepted": False})]
    return []


def _hidden_principal(rule: HiddenPrincipalRule, proposal: Proposal, context: Context, exclude_id: str | None) -> list[Finding]:
    if proposal.political_influence and proposal.on_behalf_of and not proposal.principal_disclosed:
        return [_finding(rule, context, _("the work is done for {principal}, who will not be named").format(principal=proposal.on_behalf_of), {"on_behalf_of": proposal.on_behalf_of, "principal_disclosed": False})]
    return []


def _party_neutrality(rule: PartyNeutralityRule, proposal: Proposal, context: Context, exclude_id: str | None) -> list[Finding]:
    if proposal.client.kind == ClientKind.POLITICAL_PARTY and proposal.election_campaign:
        return [_finding(rule, context, _("{client} is a political party and the work is an election campaign").format(client=proposal.client.name), {"client_kind": "political_party", "election_campaign": True})]
    return []


def _ownership(rule: OwnershipRule, proposal: Proposal, context: Context, exclude_id: str | None) -> list[Finding]:
    """The client, and the principal in `on_behalf_of`, each screened from the proposal and the registry combined."""
    client = proposal.client
    named = [
        ownership.Holding(ownership.merged(ownership.Party(o.name, o.kind.value, o.country or ownership.UNKNOWN_COUNTRY, o.org_number),
                                           context.owners.known(ownership.Party(o.name, o.kind.value, o.country or ownership.UNKNOWN_COUNTRY, o.org_number))),
                          o.share, o.share, o.control)
        for o in client.owners
    ]
    findings = _ownership_of(rule, context, ownership.Party(client.name, "company", client.country, client.org_number), named, "")
    if proposal.on_behalf_of:
        principal = ownership.Party(proposal.on_behalf_of, "company", ownership.UNKNOWN_COUNTRY)
        findings.extend(_ownership_of(rule, context, ownership.merged(principal, context.owners.known(principal)), [], proposal.on_behalf_of))
    for name in context.owners.near_misses():
        findings.append(_finding(rule, context, _("possible match in the ownership registry to review (not followed): {name}").format(name=name), {"near_miss": name}, Severity.WARN))
    return findings


def _ownership_of(rule: OwnershipRule, context: Context, party: ownership.Party, named: list[ownership.Holding], principal: str) -> list[Finding]:
    restricted = set(rule.countries)
    linked = set(rule.linked_countries) - restricted

    def of_whom(detail: str) -> str:
        """A finding about the principal in `on_behalf_of` says so; one about the client needs no subject."""
        return _("the principal {principal}: {finding}").format(principal=principal, finding=detail) if principal else detail

    subject = {"principal": principal} if principal else {}
    if party.countries & restricted:
        country = min(party.countries & restricted)
        return [_finding(rule, context, (_("the principal {principal} is registered in {country}").format(principal=principal, country=country) if principal
                                             else _("the client is registered in {country}").format(country=country)), subject | {"client_country": country})]
    names = {o.owner.key for o in named} | {ownership.normalise_name(o.owner.name) for o in named}
    recorded = [h for h in context.owners.owners_of(party) if h.owner.key not in names and ownership.normalise_name(h.owner.name) not in names]
    direct = named + recorded
    exposure = ownership.trace(party, direct, context.owners, lambda p: bool(p.countries & restricted))
    effective = exposure.share_min
    looked_through: dict[str, Any] = {}
    if exposure.cycles or exposure.truncated:  # the entities, not the chains: what a cycle repeats or a cut walk left out counts
        effective = max(effective, ownership.look_through(party, direct, context.owners, lambda p: bool(p.countries & restricted)))
        looked_through = {"look_through_share": _round(effective)}
    chains = [
        {"chain": c.describe(), "owner": c.top.name, "country": c.top.country, "share_min": _round(c.share_min), "share_max": _round(c.share_max), "control": c.controlled}
        for c in exposure.chains
    ]
    evidence: dict[str, Any] = subject | looked_through | {"effective_share_min": _round(exposure.share_min), "effective_share_max": _round(exposure.share_max), "controlled": exposure.controlled, "min_share": rule.min_share, "chains": chains}
    owners_text = "; ".join(_described(c) for c in exposure.chains)
    findings = []
    if exposure.controlled:
        share = f"{exposure.share_min:.4g} %"
        findings.append(_finding(rule, context, of_whom(_("controlled (effective share {share}) by {owners}").format(share=share, owners=owners_text)), evidence))
    elif effective >= rule.min_share:
        if effective <= exposure.share_min:
            detail = _("effective share {share} % (threshold {threshold} %): {owners}")
        elif exposure.cycles:
            detail = _("effective share {share} % through the cross-holding (threshold {threshold} %): {owners}")
        else:
            detail = _("effective share {share} % (threshold {threshold} %), counted over all owning entities as the chains are too many to follow one by one: {owners}")
        findings.append(_finding(rule, context, of_whom(detail.format(share=f"{effective:.4g}", threshold=f"{rule.min_share:g}", owners=owners_text)), evidence))
    elif exposure.unknown_chains or (exposure.share_max is not None and exposure.share_max >= rule.min_share):
        findings.append(_finding(rule, context, of_whom(_("the share is unknown or may reach the {threshold} % threshold and needs a human look: {owners}").format(threshold=f"{rule.min_share:g}", owners=owners_text)), evidence))
    elif effective > 0:
        findings.append(_finding(rule, context, of_whom(_("minority holding {share} % below the {threshold} % threshold: {owners}").format(share=f"{effective:.4g}", threshold=f"{rule.min_share:g}", owners=owners_text)), evidence, Severity.INFO))
    if exposure.undisclosed:
        hidden = "; ".join(_described(c) for c in exposure.undisclosed)
        findings.append(_finding(rule, context, _("the ownership data declares an unknown owner that needs a human look: {owners}").format(owners=hidden), subject | {"undisclosed": [c.describe() for c in exposure.undisclosed]}, Severity.WARN))
    if exposure.unknown_country:
        unknown = "; ".join(_described(c) for c in exposure.unknown_country)
        findings.append(_finding(rule, context, _("the owner's country is unknown (not taken as Swedish) and must be given or reviewed: {owners}").format(owners=unknown), subject | {"unknown_country": [c.top.name for c in exposure.unknown_country]}, Severity.WARN))
    if exposure.cycles or exposure.truncated:
        cycles = [" <- ".join(c) for c in exposure.cycles]
        findings.append(_finding(rule, context, _("the ownership chain is circular or too long and needs a human look"), subject | {"cycles": cycles, "truncated": exposure.truncated}, Severity.WARN))
    if linked:
        tied = ownership.trace(party, direct, context.owners, lambda p: bool(p.countries & linked) and not p.countries & restricted)
        if tied.chains:
            text = "; ".join(_described(c) for c in tied.chains)
            findings.append(_finding(rule, context, _("owner in {linked}, tied to {restricted}, to be judged: {owners}").format(linked=", ".join(sorted(linked)), restricted=", ".join(sorted(restricted)), owners=text),
                                     subject | {"linked": [{"chain": c.describe(), "owner": c.top.name, "country": c.top.country, "share_min": _round(c.share_min)} for c in tied.chains]}, rule.linked_severity))
    return findings


def _described(chain: ownership.Chain) -> str:
    """An ownership chain as people read it (the evidence keeps `chain.describe()` as it is)."""
    return chain.describe(unknown=_("share unknown"))


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
        self.by_group: dict[str, list[int]] = {}
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
                for group in sorted({c[:4] for c in engagement.client_classes}):
                    self.by_group.setdefault(group, []).append(position)
            for counterparty in engagement.counterparties:
                row = len(self.counterparty_rows)
                self.counterparty_rows.append((position, counterparty))
                self.counterparties.add_normalised(row, counterparty.keys)
                if counterparty.org_number and (digits := org_digits(counterparty.org_number)):
                    self.counterparty_numbers.setdefault(digits, []).append(row)

    def active_clients_named(self, side: Side, only: Container[str] | None = None) -> list[_Hit]:
        """Active engagements whose client is this party (by org number, or by name at least possibly)."""
        best = self._matches("clients", side, self.client_numbers, self.clients)
        return [_Hit(self.engagements[p], m, side.name) for p, m in best.items() if only is None or self.engagements[p].id in only]

    def counterparties_naming(self, side: Side, only: Container[str] | None = None) -> list[tuple[_Hit, Side]]:
        """Counterparties of active engagements that are this party."""
        hits = []
        for row, match in self._matches("counterparties", side, self.counterparty_numbers, self.counterparties).items():
            position, counterparty = self.counterparty_rows[row]
            if only is not None and self.engagements[position].id not in only:
                continue
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
    if not context.engagements:
        return []  # nothing to conflict with (verify re-checks every proposal so, for its other findings)
    index = context.conflict_index()
    only = context.only
    client = proposal.client
    me = Side.of(client.name, (), client.org_number)
    own = {hit.engagement.id for hit in index.active_clients_named(Side.of(client.name), only) if hit.match.certainty >= Certainty.STRONG
           and not _numbers_differ(client.org_number, hit.engagement.client.org_number)}
    own |= {exclude_id} if exclude_id else set()
    wanted = {Relation.COMPETITOR.value} if rule.relation == "competitor" else {Relation.OPPONENT.value, Relation.TARGET.value}
    found: dict[tuple[str, str], tuple[Callable[[], str], dict[str, Any], Certainty]] = {}

    def note(engagement: ActiveEngagement, certainty: Certainty, text: Callable[[], str], evidence: dict[str, Any]) -> None:
        """`text` is formatted only if the finding shows it (the first three of each reason)."""
        key = (engagement.id, evidence["reason"])
        if engagement.id in own or (key in found and found[key][2] >= certainty):
            return
        found[key] = (text, evidence | {"engagement": engagement.id, "client": engagement.client.name, "match": certainty.name.lower()}, certainty)

    if rule.relation == "competitor":
        claims = Side.of(client.name, client.aliases, client.org_number)
        for hit in index.active_clients_named(claims, only):
            if hit.match.certainty >= Certainty.STRONG:
                claim = ", ".join([*client.aliases, *([client.org_number] if client.org_number else [])])
                note(hit.engagement, Certainty.EXACT,
                     partial(_("the proposal for {client} claims aliases or an organisation number ({claim}) of the active client {active} ({id}); "
                               "whether it is the same client needs a human decision").format, client=client.name, claim=claim,
                             active=hit.engagement.client.name, id=hit.engagement.id),
                     {"reason": "identity_claim", "claimed": claim})
    principal = Side.of(proposal.on_behalf_of) if proposal.on_behalf_of else None
    for counterparty in proposal.counterparties:
        relation = counterparty.relation.value
        if relation not in wanted:
            continue
        for hit in index.active_clients_named(Side.of(counterparty.name, (), counterparty.org_number), only):
            note(hit.engagement, hit.match.certainty,
                 partial(_("the work names {counterparty} as {relation}, and {active} is an active client ({id})").format,
                         counterparty=counterparty.name, relation=_relation(relation), active=hit.engagement.client.name, id=hit.engagement.id),
                 {"reason": f"counterparty_{relation}", "score": round(hit.match.score, 1)})
    for side, whose in ((me, ""), *(((principal, "principal_"),) if principal else ())):
        for hit, named in index.counterparties_naming(side, only):
            if named.relation in wanted:
                names = (_("active engagement {id} for {active} names {counterparty} as {relation} (the principal {principal})") if whose
                         else _("active engagement {id} for {active} names {counterparty} as {relation}"))
                note(hit.engagement, hit.match.certainty,
                     partial(names.format, id=hit.engagement.id, active=hit.engagement.client.name, counterparty=named.name,
                             relation=_relation(named.relation), principal=side.name),
                     {"reason": f"{whose}active_counterparty_{named.relation}", "score": round(hit.match.score, 1)})
    if rule.relation == "competitor" and client.kind == ClientKind.COMPANY:
        classes = sorted(c for c in {sectors.class_of(code) for code in client.sectors} if c)
        same_class = set()
        in_class = _("{active} ({id}) is an active client in the same class {sector}").format
        in_group = _("{active} ({id}) is an active client in the same group {sector}").format
        for nace_class in classes:
            titled = _titled([nace_class])  # once per class, not once per engagement in it
            for position in index.by_class.get(nace_class, []):
                engagement = index.engagements[position]
                if only is not None and engagement.id not in only:
                    continue
                same_class.add(engagement.id)
                note(engagement, Certainty.EXACT, partial(in_class, active=engagement.client.name, id=engagement.id, sector=titled),
                     {"reason": "same_nace_class", "nace_class": nace_class})
        for group in sorted(g for g in {sectors.group_of(code) for code in client.sectors} if g):
            titled = _titled([group])
            for position in index.by_group.get(group, []):
                engagement = index.engagements[position]
                if only is not None and engagement.id not in only:
                    continue
                if engagement.id not in same_class:
                    note(engagement, Certainty.POSSIBLE, partial(in_group, active=engagement.client.name, id=engagement.id, sector=titled),
                         {"reason": "same_nace_group", "nace_group": group})
    return _grouped(rule, context, found)


_RELATIONS: dict[str, str] = {
    "competitor": N_("competitor"),
    "opponent": N_("opponent"),
    "target": N_("target"),
    "partner": N_("partner"),
}
"""What people call a counterparty's relation (proposals and JSON keep the value, `competitor`)."""


def _relation(value: str) -> str:
    name = _RELATIONS.get(value)
    return _(name) if name is not None else value


def _numbers_differ(a: str | None, b: str | None) -> bool:
    """Two organisation numbers, both given and not the same: two organisations, whatever their names."""
    return bool(org_digits(a) and org_digits(b) and org_digits(a) != org_digits(b))


def _grouped(rule: ConflictRule, context: Context,
             found: dict[tuple[str, str], tuple[Callable[[], str], dict[str, Any], Certainty]]) -> list[Finding]:
    """One finding per reason and certainty, naming every affected active client in its evidence."""
    groups: dict[tuple[str, bool], list[tuple[Callable[[], str], dict[str, Any]]]] = {}
    for text, evidence, certainty in found.values():
        if certainty >= Certainty.POSSIBLE:
            groups.setdefault((evidence["reason"], certainty >= Certainty.STRONG), []).append((text, evidence))
    findings = []
    for (reason, sure), items in sorted(groups.items()):
        items.sort(key=lambda item: item[1]["engagement"])
        shown = "; ".join(item[0]() for item in items[:3])
        if len(items) > 3:
            shown = _("{items}; and {count} more").format(items=shown, count=len(items) - 3)
        evidence = {"reason": reason, "clients": sorted({item[1]["client"] for item in items}),
                    "engagements": [{k: v for k, v in item[1].items() if k != "reason"} for item in items]}
        if sure:
            findings.append(_finding(rule, context, shown, evidence))
        elif reason == "same_nace_group":
            findings.append(_finding(rule, context, _("possible competitor to review: {items}").format(items=shown), evidence, Severity.WARN))
        else:
            findings.append(_finding(rule, context, _("possible name match to review: {items}").format(items=shown), evidence, Severity.WARN))
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
    @property
    def kind(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def evidence(self) -> dict[str, Any]: ...


def affected_clients(findings: Iterable[_FindingLike]) -> list[str]:
    """Active clients a conflict finding concerns: each must be consulted before a CEO approves."""
    names: set[str] = set()
    for finding in findings:
        if finding.kind == "conflict" and finding.severity == Severity.BLOCK:
            names.update(str(name) for name in finding.evidence.get("clients", []))
    return sorted(names)



def screen_active(engagements: Sequence[tuple[str, Proposal]], policy: Policy, owners: ownership.OwnerSource | None = None,
                  language: str | None = None) -> list[tuple[str, str, Finding]]:
    """Every active engagement screened against all the others: (id, other id, conflict finding) per pair.

    Each unordered pair is reported once per rule (a conflict seen from both sides is one), under the engagement whose check found it first (in the
    order given), with the finding narrowed to that pair. The caller drops the pairs that a
    recorded finding of either engagement already shows.
    """
    actives = [ActiveEngagement.of(engagement_id, proposal.client, proposal.counterparties) for engagement_id, proposal in engagements]
    conflicts = [r for r in policy.rules if isinstance(r, ConflictRule)]
    context = Context(engagements=actives, owners=owners or ownership.NoRegistry(), language=language or current())
    pairs: dict[tuple[frozenset[str], str], tuple[str, str, Finding]] = {}
    for engagement_id, proposal in engagements:
        for rule in conflicts:
            with speaking(context.language):
                found = _conflict(rule, proposal, context, engagement_id)
            for finding in found:
                for item in finding.evidence.get("engagements", []):
                    other = str(item["engagement"])
                    key = (frozenset((engagement_id, other)), finding.rule)
                    if other != engagement_id and key not in pairs:
                        narrowed = {**finding.evidence, "clients": [item["client"]], "engagements": [item]}
                        pairs[key] = (engagement_id, other, Finding(finding.rule, finding.severity, finding.message, finding.source, narrowed, finding.kind))
    return list(pairs.values())
