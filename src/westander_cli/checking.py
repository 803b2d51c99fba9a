"""Judging proposals and the active engagements against the policy: what `wst check` needs, and no more.

`Checker` reads as `reading.Reader` does and adds the policy, the ownership registry and the conflict
checks; `intake.Workspace` adds proposing and recording on top. So `wst check` loads neither the event
models nor the process unless it re-screens stored engagements (`--active`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from westander_cli import i18n
from westander_cli.errors import InvalidInput
from westander_cli.i18n import _
from westander_cli.reading import Reader
from westander_cli.states import ACTIVE
from westander_cli.tomlfile import load_model, read_toml

if TYPE_CHECKING:  # the policy engine and screening load where something is checked
    from westander_cli.policy import engine
    from westander_cli.policy.parties import ActiveEngagement
    from westander_cli.policy.rules import Policy
    from westander_cli.screening.ownership import OwnerSource
    from westander_cli.screening.registry import Registry
    from westander_cli.workflow import Engagement


@dataclass(kw_only=True)
class Checker(Reader):
    """A data folder and a policies folder, seen at one moment: the policy, and checks against it."""

    policies_dir: Path

    @cached_property
    def policy(self) -> Policy:
        from westander_cli.policy.rules import load_policy

        return load_policy(self.policies_dir)

    @cached_property
    def policy_sha(self) -> str:
        """The policy's digest, computed once (verify compares it with every stored proposal's)."""
        from westander_cli.policy.digest import policy_digest

        return policy_digest(self.policy)

    def registry(self) -> Registry:
        from westander_cli.screening.registry import Registry

        return Registry(self.data.root / "registry", self.data.state_dir / "registry.sqlite")

    def context(self) -> engine.Context:
        from westander_cli.policy import engine
        from westander_cli.screening.ownership import NoRegistry

        has_firm = (self.data.root / "firm.toml").is_file()
        return engine.Context(
            engagements=self.active_engagements() if has_firm else (),
            owners=self.registry() if (self.data.root / "registry").is_dir() else NoRegistry(),
            language=i18n.current(),
        )

    def active_views(self) -> list[Engagement]:
        """Every active engagement, folded (for re-screening; the views use the index instead)."""
        return [view for folder in self.data.engagement_ids() for record in self.data.read_folder(folder)
                if (view := self.view_of(record)).state in ACTIVE]

    def conflict_candidates(self, views: Sequence[Engagement], exclude: set[str]) -> list[Engagement]:
        """The active engagements (but `exclude`) that share a blocking key with one of `views`, folded: what a
        conflict check of `views` must compare them with (the summary index finds them without folding the rest)."""
        from westander_cli.policy.parties import ActiveEngagement

        probing: set[str] = set()
        indexed: set[str] = set()
        for view in views:  # the pair is found from either side: each probes the other's indexed keys
            active = ActiveEngagement.of(view.id, view.proposal.client, view.proposal.counterparties)
            probing |= _blocking_keys(active, probe=True)
            indexed |= _blocking_keys(active, probe=False)
        keys = [active.id for active in self.active_engagements() if active.id not in exclude
                and (_blocking_keys(active, probe=False) & probing or _blocking_keys(active, probe=True) & indexed)]
        return [view for key in keys if (view := self.view(key)).state in ACTIVE]

    def unrecorded_findings(self, views: Sequence[Engagement], *, with_registry: bool, pairs_only: bool = False) -> list[Unrecorded]:
        """Block and forbid findings that the active engagements' recorded findings do not show: conflicts
        between engagements proposed in different clones at once, and, `with_registry`, what the current
        ownership registry reveals. A CEO approval that names the other client as consulted settles a conflict.
        `pairs_only`: only the conflicts between two engagements (verify re-checks each proposal's own findings)."""
        from westander_cli.policy import engine
        from westander_cli.policy.parties import ActiveEngagement
        from westander_cli.screening.ownership import NoRegistry

        actives = {v.id: ActiveEngagement.of(v.id, v.proposal.client, v.proposal.counterparties) for v in views}
        by_id = {v.id: v for v in views}
        owners: OwnerSource = self.registry() if with_registry and (self.data.root / "registry").is_dir() else NoRegistry()
        found: list[Unrecorded] = []
        pairs: set[frozenset[str]] = set()
        indexed = {key: frozenset(_blocking_keys(active, probe=False)) for key, active in actives.items()}
        shared = engine.Context(engagements=[actives[key] for key in sorted(actives)], owners=owners, language=i18n.current())
        named = {v.id: _conflicts_recorded(v) for v in views}
        consulted = {v.id: _consulted(v) for v in views}
        for view in views:  # one conflict index for all; each view compared with its candidates only
            context = shared.sharing(_Candidates(view.id, _blocking_keys(actives[view.id], probe=True), indexed))
            recorded = {(f.rule, f.severity) for f in view.findings}
            result = engine.conflicts(view.proposal, self.policy, context) if pairs_only else engine.check(view.proposal, self.policy, context)
            for finding in result.findings:
                if finding.severity.value not in ("block", "forbid"):
                    continue
                if finding.kind != "conflict":
                    if (finding.rule, finding.severity.value) not in recorded:
                        found.append(Unrecorded(view.id, finding))
                    continue
                for item in finding.evidence.get("engagements", []):
                    other = by_id.get(str(item.get("engagement")))
                    if other is None or frozenset({view.id, other.id}) in pairs:
                        continue
                    if other.id in named[view.id] or view.id in named[other.id]:
                        continue
                    if _consulted_about(consulted[view.id], other) or _consulted_about(consulted[other.id], view):
                        continue
                    pairs.add(frozenset({view.id, other.id}))
                    found.append(Unrecorded(view.id, finding, other.id, other.proposal.client.name))
        return found

    # --- checking --------------------------------------------------------------------------

    def check_file(self, path: Path, context: engine.Context) -> engine.CheckResult:
        from westander_cli.model import Proposal
        from westander_cli.policy import engine

        proposal = load_model(read_toml(path, _("proposal file")), Proposal)
        return engine.check(proposal, self.policy, context)

    def check_text(self, text: str, context: engine.Context) -> engine.CheckResult:
        """A proposal given as text (standard input): the same checks as a file named '-'."""
        from westander_cli.model import Proposal
        from westander_cli.policy import engine
        from westander_cli.tomlfile import parse_toml

        proposal = load_model(parse_toml(Path("-"), text, "proposal"), Proposal)
        return engine.check(proposal, self.policy, context)

    def firm_policy(self) -> tuple[Policy, str]:
        """The policy and its digest, refused (exit 2) when firm.toml pins another one."""
        from westander_cli.policy.digest import policy_digest

        digest = policy_digest(self.policy)
        pinned = self.data.firm.policy.digest
        if pinned is not None and digest != pinned:
            raise InvalidInput(_("{policies_dir}: not the firm's policy (its digest is {value}, firm.toml pins {value2}); use the firm's policies folder, or change the pin in a reviewed commit").format(policies_dir=self.policies_dir, value=digest[:12], value2=pinned[:12]))
        return self.policy, digest


@dataclass(frozen=True)
class Unrecorded:
    """A finding a stored engagement's record does not show; `other` is the engagement it conflicts with."""

    engagement: str
    finding: engine.Finding
    other: str | None = None
    other_client: str = ""

    def decision(self) -> str:
        if self.other:
            return _("the CEO decides: 'wst approve {engagement} --consulted \"{other_client}=HOW\"' or 'wst veto {engagement}'").format(engagement=self.engagement, other_client=self.other_client)
        return _("the CEO decides: 'wst veto {engagement}', or lets it go on").format(engagement=self.engagement)


class _Candidates:
    """The engagements a view is compared with: the others sharing a blocking key with it. Asked of each
    engagement a conflict search finds (a few), instead of collecting every engagement that shares a
    common name word (thousands)."""

    def __init__(self, view: str, probing: set[str], indexed: dict[str, frozenset[str]]) -> None:
        self.view, self.probing, self.indexed = view, probing, indexed

    def __contains__(self, engagement: object) -> bool:
        keys = self.indexed.get(str(engagement))
        return engagement != self.view and keys is not None and not keys.isdisjoint(self.probing)


def _blocking_keys(active: ActiveEngagement, *, probe: bool) -> set[str]:
    """What two engagements must share to be compared at all: a NACE class (competitors), an
    identifier, a word of one's client name in the other's names (identity claims: client to client;
    opposing work: client to counterparty), or a name that is the same once spaces are ignored.
    Conflict findings need one of these, so re-screening 10,000 engagements compares each with a few
    candidates, not with all. An engagement is indexed by its own words and probed with the words
    they must meet."""
    from westander_cli.screening.names import org_digits

    keys = {f"class:{c}" for c in active.client_classes}
    for side, role in ((active.client, "client"), *((c, "counterparty") for c in active.counterparties)):
        # probing, a client's words meet clients (identity claims) and counterparties (opposing work);
        # a counterparty's words meet clients; indexed, each word is filed under its own role
        meets = (("client", "counterparty") if role == "client" else ("client",)) if probe else (role,)
        for name in side.keys:
            keys.add(f"joined:{name.replace(' ', '')}")
            keys.update(f"{place}:{word}" for word in name.split() if len(word) > 1 for place in meets)
        if side.org_number:
            keys.add(f"id:{org_digits(side.org_number)}")
    return keys


def _conflicts_recorded(view: Engagement) -> set[str]:
    """The engagements that `view`'s recorded conflict findings name (read once, not once per pair)."""
    return {str(item.get("engagement")) for f in view.findings if f.kind == "conflict" for item in f.evidence.get("engagements", [])}


def _consulted(view: Engagement) -> list[str]:
    """The clients that counted CEO approvals on `view` name as consulted."""
    from westander_cli.events import Approval

    return [name for e in view.events if isinstance(e, Approval) and e.id not in view.invalid for name in (e.consulted or {})]


def _consulted_about(consulted: list[str], other: Engagement) -> bool:
    """One of the clients consulted (`_consulted` of a view) is `other`'s client."""
    from westander_cli.screening.names import Certainty, compare

    return any(compare(other.proposal.client.name, name).certainty >= Certainty.STRONG for name in consulted)
