"""engine.screen_active: every active engagement against the others, as pairs with a conflict finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import REPO, proposal
from westander_cli.model import Proposal
from westander_cli.policy.engine import Context, check, conflicts, screen_active
from westander_cli.policy.parties import ActiveEngagement
from westander_cli.policy.rules import load_policy


def engagement(engagement_id: str, **overrides: Any) -> tuple[str, Proposal]:
    return engagement_id, Proposal.model_validate(proposal(**overrides))


def test_pairs_of_active_engagements_in_conflict() -> None:
    policy = load_policy(Path(REPO) / "policies")
    engagements = [
        engagement("a", client={"name": "Nordvind Energi AB", "org_number": "556112-2333", "sectors": ["35.11"], "environmental_responsibility": ["ISO"]}),
        engagement("b", client={"name": "Vattenfall AB", "org_number": "556036-2138", "sectors": ["35.11"], "environmental_responsibility": ["ISO"]}),
        engagement("c", client={"name": "Laddkraft Sverige AB", "sectors": ["71.12"]}, counterparties=[{"name": "Nordvind-Energi", "relation": "target"}]),
        engagement("d", client={"name": "Cykelfabriken AB", "org_number": None, "sectors": ["30.92"]}),
    ]
    pairs = {(a, b, f.rule, f.severity.value, f.evidence["reason"]) for a, b, f in screen_active(engagements, policy)}
    assert pairs == {
        ("a", "b", "conflict.competitor", "block", "same_nace_class"),
        ("a", "c", "conflict.opposing", "block", "active_counterparty_target"),
    }


def test_no_engagements_no_pairs() -> None:
    assert screen_active([], load_policy(Path(REPO) / "policies")) == []


def test_conflicts_alone_are_the_conflict_findings_of_a_full_check_in_the_same_order() -> None:
    """verify re-screens pairs with `conflicts`, the conflict rules alone: it must find what `check` finds."""
    policy = load_policy(Path(REPO) / "policies")
    engagements = [
        engagement("a", client={"name": "Nordvind Energi AB", "org_number": "556112-2333", "sectors": ["35.11"], "environmental_responsibility": ["ISO"]}),
        engagement("b", client={"name": "Vattenfall AB", "org_number": "556036-2138", "sectors": ["35.11", "35.12"], "environmental_responsibility": ["ISO"]}),
        engagement("c", client={"name": "Laddkraft Sverige AB", "sectors": ["71.12"]}, counterparties=[{"name": "Nordvind-Energi", "relation": "target"}]),
        engagement("d", client={"name": "Vattenfal AB", "aliases": ["Nordvind Energi"], "sectors": ["35.1"]}, counterparties=[{"name": "Laddkraft", "relation": "opponent"}]),
    ]
    context = Context(engagements=[ActiveEngagement.of(key, p.client, p.counterparties) for key, p in engagements])
    for key, one in engagements:
        full = [f for f in check(one, policy, context, key).findings if f.kind == "conflict"]
        assert full, key
        assert list(conflicts(one, policy, context, key).findings) == full
