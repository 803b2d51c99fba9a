"""`wst new`: the questions the client policy needs answered, asked in the firm's language, and the
proposal file they make. No terminal here: the CLI passes in how to ask (`Ask`) and how to choose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Protocol

from westander_cli.errors import InvalidInput
from westander_cli.i18n import N_, _, speaking


class Ask(Protocol):
    def __call__(self, question: str, default: str = "") -> str: ...


@dataclass(frozen=True)
class Texts:
    title: str
    description: str
    website_text: str
    client: str
    org_number: str
    country: str
    kind: str
    sector_search: str
    sector_pick: str
    no_sector: str
    evidence: str
    owner: str
    owner_kind: str
    owner_country: str
    owner_share: str
    owner_control: str
    political: str
    transparency: str
    on_behalf_of: str
    disclosed: str
    election: str
    counterparty: str
    relation: str
    yes: str


TEXTS = Texts(
    title=N_("Title of the engagement"), description=N_("What we would do, for whom and why"),
    website_text=N_("How the collaboration would be presented on our website"), client=N_("The client's name"),
    org_number=N_("Organisation number (empty if unknown)"), country=N_("Country (ISO code)"),
    kind=N_("Kind of client (company, political_party, nonprofit, public_sector, trade_association, individual)"),
    sector_search=N_("Sector: search the NACE/SNI codes (a word or a code; empty when done)"),
    sector_pick=N_("Choose a code (empty for none)"), no_sector=N_("No code found for"),
    evidence=N_("Evidence of active environmental responsibility, e.g. ISO 14001 (empty when done)"),
    owner=N_("A direct owner (name; empty when done)"), owner_kind=N_("Kind of owner (company, person, state)"),
    owner_country=N_("The owner's country (for a person: nationality)"), owner_share=N_("Share in percent (empty if unknown)"),
    owner_control=N_("Does the owner control the client by votes or agreement? (y/n)"),
    political=N_("Does the work aim to influence politicians, authorities or public decisions? (y/n)"),
    transparency=N_("Does the client accept the transparency rules: named in every contact, lobbying listed on our website, no anonymous campaigns? (y/n)"),
    on_behalf_of=N_("On whose behalf does the client act (empty: its own)"),
    disclosed=N_("Will that principal be named publicly? (y/n)"),
    election=N_("Does the work aim to win votes in a general election? (y/n)"),
    counterparty=N_("Others whose interests the work touches (name; empty when done)"),
    relation=N_("Relation (competitor, opponent, target, partner)"), yes=N_("y"),
)
"""The questions of `wst new`, asked in the run's language (`_()` of each)."""


def _texts() -> Texts:
    return Texts(**{field.name: _(getattr(TEXTS, field.name)) for field in fields(Texts)})


TEMPLATE = '''\
# A proposal for `wst check` and `wst propose` (README, "The proposal file"). Lines starting with # are comments.
title = ""                      # required
description = ""                # required: what we would do, for whom, and why
website_text = ""               # how the collaboration would be presented on our website
political_influence = false     # the work aims to influence politicians, authorities or public decisions
transparency_accepted = false   # the client is named in every contact, lobbying is listed on our website, no anonymous campaigns
on_behalf_of = ""               # the real principal, where the client acts for someone else
principal_disclosed = true      # that principal will be named publicly
election_campaign = false       # the work aims to win votes in a general election

[client]
name = ""                       # required
org_number = ""                 # Swedish numbers are checksum-validated; remove the line if unknown
country = "SE"
kind = "company"                # company | political_party | nonprofit | public_sector | trade_association | individual
sectors = []                    # NACE Rev. 2 / SNI 2007 codes, e.g. ["35.11"]
environmental_responsibility = []

# [[client.owners]]             # one table per direct owner
# name = ""
# kind = "company"              # company | person | state
# country = "SE"
# share = 100.0
# control = false

# [[counterparties]]            # others whose interests the work touches
# name = ""
# relation = "competitor"       # competitor | opponent | target | partner
'''


def search_sectors(words: str, limit: int = 12) -> list[tuple[str, str]]:
    """NACE codes whose code starts with, or whose title contains, every word asked for."""
    from westander_cli.screening.sectors import titles

    wanted = words.casefold().split()
    found = [(code, title) for code, title in titles().items()
             if all(code.startswith(w) or w in title.casefold() for w in wanted)]
    return sorted(found, key=lambda item: (len(item[0]), item[0]))[:limit]


def ask_proposal(ask: Ask, language: str, show: Callable[[str], None]) -> dict[str, Any]:
    """Ask every question the policy needs, re-asking where an answer cannot be right."""
    with speaking(language):
        t = _texts()

    def yes(question: str, default: bool = False) -> bool:
        return ask(question, t.yes if default else "n").strip().casefold().startswith(t.yes)

    def many(question: str) -> list[str]:
        answers = []
        while answer := ask(question).strip():
            answers.append(answer)
        return answers

    client: dict[str, Any] = {"name": _required(ask, t.client)}
    org = ask(t.org_number).strip()
    if org:
        client["org_number"] = org
    client["country"] = ask(t.country, "SE").strip().upper() or "SE"
    client["kind"] = ask(t.kind, "company").strip() or "company"
    client["sectors"] = _sectors(ask, t, show)
    client["environmental_responsibility"] = many(t.evidence)
    owners = []
    while name := ask(t.owner).strip():
        owner: dict[str, Any] = {"name": name, "kind": ask(t.owner_kind, "company").strip() or "company",
                                 "country": ask(t.owner_country, "SE").strip().upper() or "SE"}
        share = ask(t.owner_share).strip().replace(",", ".").removesuffix("%").strip()
        if share:
            owner["share"] = float(share) if _is_number(share) else share
        owner["control"] = yes(t.owner_control)
        owners.append(owner)
    if owners:
        client["owners"] = owners
    proposal: dict[str, Any] = {"title": _required(ask, t.title), "description": _required(ask, t.description),
                                "website_text": ask(t.website_text).strip()}
    proposal["political_influence"] = yes(t.political)
    if proposal["political_influence"]:
        proposal["transparency_accepted"] = yes(t.transparency)
    behalf = ask(t.on_behalf_of).strip()
    if behalf:
        proposal["on_behalf_of"] = behalf
        proposal["principal_disclosed"] = yes(t.disclosed, default=True)
    proposal["election_campaign"] = yes(t.election)
    proposal["client"] = client
    counterparties = []
    while name := ask(t.counterparty).strip():
        counterparties.append({"name": name, "relation": ask(t.relation, "competitor").strip() or "competitor"})
    if counterparties:
        proposal["counterparties"] = counterparties
    return proposal


def _sectors(ask: Ask, t: Texts, show: Callable[[str], None]) -> list[str]:
    chosen: list[str] = []
    while words := ask(t.sector_search).strip():
        found = search_sectors(words)
        if not found:
            show(f"{t.no_sector} '{words}'")
            continue
        for code, title in found:
            show(f"  {code:8} {title}")
        pick = ask(t.sector_pick, found[0][0] if len(found) == 1 else "").strip()
        if pick:
            chosen.append(pick)
    return chosen


def _required(ask: Ask, question: str) -> str:
    for _attempt in range(20):
        answer = ask(question).strip()
        if answer:
            return answer
    raise InvalidInput(_("{question}: an answer is required").format(question=question))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def proposal_text(proposal: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(proposal, multiline_strings=True)
