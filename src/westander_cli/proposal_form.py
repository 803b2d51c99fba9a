"""`wst new`: the questions the client policy needs answered, asked in the run's language, and the
proposal file they make. No terminal here: the CLI passes in how to ask (`Ask`) and how to show a line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _


class Ask(Protocol):
    def __call__(self, question: str, default: str = "") -> str: ...


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
    """NACE codes whose code starts with, or whose title in the run's language (SNI 2007 in Swedish) contains,
    every word asked for."""
    from westander_cli.screening.sectors import title, titles

    wanted = words.casefold().split()
    named = {code: title(code) or english for code, english in titles().items()}
    found = [(code, name) for code, name in named.items()
             if all(code.startswith(w) or w in name.casefold() for w in wanted)]
    return sorted(found, key=lambda item: (len(item[0]), item[0]))[:limit]


def ask_proposal(ask: Ask, show: Callable[[str], None]) -> dict[str, Any]:
    """Ask every question the policy needs, re-asking where an answer cannot be right."""

    def many(question: str) -> list[str]:
        answers = []
        while answer := ask(question).strip():
            answers.append(answer)
        return answers

    client: dict[str, Any] = {"name": _required(ask, _("The client's name"))}
    org = ask(_("Organisation number (empty if unknown)")).strip()
    if org:
        client["org_number"] = org
    client["country"] = ask(_("Country (ISO code)"), "SE").strip().upper() or "SE"
    client["kind"] = ask(_("Kind of client (company, political_party, nonprofit, public_sector, trade_association, individual)"),
                         "company").strip() or "company"
    client["sectors"] = _sectors(ask, show)
    client["environmental_responsibility"] = many(_("Evidence of active environmental responsibility, e.g. ISO 14001 (empty when done)"))
    owners = []
    while name := ask(_("A direct owner (name; empty when done)")).strip():
        owner: dict[str, Any] = {"name": name, "kind": ask(_("Kind of owner (company, person, state)"), "company").strip() or "company",
                                 "country": ask(_("The owner's country (for a person: nationality)"), "SE").strip().upper() or "SE"}
        share = ask(_("Share in percent (empty if unknown)")).strip().replace(",", ".").removesuffix("%").strip()
        if share:
            owner["share"] = float(share) if _is_number(share) else share
        owner["control"] = yes(ask, _("Does the owner control the client by votes or agreement? (y/n)"))
        owners.append(owner)
    if owners:
        client["owners"] = owners
    proposal: dict[str, Any] = {"title": _required(ask, _("Title of the engagement")),
                                "description": _required(ask, _("What we would do, for whom and why")),
                                "website_text": ask(_("How the collaboration would be presented on our website")).strip()}
    proposal["political_influence"] = yes(ask, _("Does the work aim to influence politicians, authorities or public decisions? (y/n)"))
    if proposal["political_influence"]:
        proposal["transparency_accepted"] = yes(ask, _(
            "Does the client accept the transparency rules: named in every contact, lobbying listed on our website, "
            "no anonymous campaigns? (y/n)"))
    behalf = ask(_("On whose behalf does the client act (empty: its own)")).strip()
    if behalf:
        proposal["on_behalf_of"] = behalf
        proposal["principal_disclosed"] = yes(ask, _("Will that principal be named publicly? (y/n)"), default=True)
    proposal["election_campaign"] = yes(ask, _("Does the work aim to win votes in a general election? (y/n)"))
    proposal["client"] = client
    counterparties = []
    while name := ask(_("Others whose interests the work touches (name; empty when done)")).strip():
        counterparties.append({"name": name, "relation": ask(_("Relation (competitor, opponent, target, partner)"),
                                                             "competitor").strip() or "competitor"})
    if counterparties:
        proposal["counterparties"] = counterparties
    return proposal


def yes(ask: Ask, question: str, default: bool = False) -> bool:
    """A yes/no question answered with the run's letters (y/n, j/n); 'y' and 'yes' are always understood."""
    letter = _("y")
    answer = ask(question, letter if default else "n").strip().casefold()
    return answer.startswith((letter, "y"))


def _sectors(ask: Ask, show: Callable[[str], None]) -> list[str]:
    chosen: list[str] = []
    while words := ask(_("Sector: search the NACE/SNI codes (a word or a code; empty when done)")).strip():
        found = search_sectors(words)
        if not found:
            show(_("No code found for '{words}'").format(words=words))
            continue
        for code, title in found:
            show(f"  {code:8} {title}")
        pick = ask(_("Choose a code (empty for none)"), found[0][0] if len(found) == 1 else "").strip()
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
