"""Who ultimately owns or controls a client: chains of owners, effective shares, control.

The proposal names the direct owners; an `OwnerSource` (the registry) tells who owns an owner.
Effective share of restricted owners = sum over every chain of the product of the shares along
it, stopping at the first restricted owner so that a restricted parent and its restricted owner
are not counted twice. Unknown shares and cycles are reported, never read as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

CONTROL_SHARE = 50.0
MAX_DEPTH = 40
MAX_HOLDINGS_WALKED = 2_000
"""Holdings one trace looks at: chains can multiply with every level (two owners that each own both owners of
the level above: 2^40 chains in a 15 KB registry file), the entities they pass through cannot (`look_through`)."""
UNKNOWN_COUNTRY = "??"
"""The country of a party whose country nobody gave: unknown, never Swedish."""
UNDISCLOSED = "undisclosed"
"""The kind of an owner that the ownership data declares unknown or unidentified."""


@dataclass(frozen=True)
class Party:
    """An owner or an owned entity: a company, a person or a state."""

    name: str
    kind: str
    country: str
    org_number: str | None = None
    other_countries: tuple[str, ...] = ()
    """Further nationalities of a person: each one counts."""

    @property
    def countries(self) -> frozenset[str]:
        return frozenset((self.country, *self.other_countries))

    @property
    def key(self) -> str:
        """Identity for cycle detection: the organisation number, else kind and normalised name."""
        from westander_cli.screening.names import normalise, org_digits

        digits = org_digits(self.org_number)
        return digits or f"{self.kind}:{normalise(self.name) or self.name.casefold()}"


@dataclass(frozen=True)
class Holding:
    """`owner` holds between `share_min` and `share_max` percent of something; None is unknown."""

    owner: Party
    share_min: float | None
    share_max: float | None
    control: bool = False

    @property
    def controlling(self) -> bool:
        return self.control or (self.share_min is not None and self.share_min > CONTROL_SHARE)


class OwnerSource(Protocol):
    def owners_of(self, party: Party) -> Sequence[Holding]: ...

    def near_misses(self) -> list[str]:
        """Names that resembled a known entity without matching it surely: for a person to review."""
        ...

    def known(self, party: Party) -> Party | None:
        """The source's own record of this party (exact, identifier or normalised-name match), if any."""
        ...


class NoRegistry:
    """Where no ownership data is kept: only the owners named in the proposal are known."""

    def owners_of(self, party: Party) -> Sequence[Holding]:
        return ()

    def known(self, party: Party) -> Party | None:
        return None

    def near_misses(self) -> list[str]:
        return []


@dataclass(frozen=True)
class Chain:
    """One path from the client up to a restricted owner."""

    links: tuple[Holding, ...]

    @property
    def top(self) -> Party:
        return self.links[-1].owner

    @property
    def share_min(self) -> float | None:
        return _product([h.share_min for h in self.links])

    @property
    def share_max(self) -> float | None:
        return _product([h.share_max for h in self.links])

    @property
    def controlled(self) -> bool:
        return all(h.controlling for h in self.links)

    def describe(self, unknown: str = "share unknown") -> str:
        """The chain as one line, owner first at the end: 'A (SE, 60 %) <- B (CN, share unknown)'.
        Evidence keeps the English default; a message to people passes `unknown` in their language."""
        parts = [f"{h.owner.name} ({h.owner.country}, {_pct(h.share_min, h.share_max, unknown)})" for h in self.links]
        return " <- ".join(parts)


@dataclass
class Exposure:
    """What the chains found: restricted owners, their effective share, and what stayed unknown."""

    chains: list[Chain] = field(default_factory=list)
    cycles: list[tuple[str, ...]] = field(default_factory=list)
    undisclosed: list[Chain] = field(default_factory=list)
    """Chains ending in an owner the data declares unknown (BODS unspecified interested party)."""
    truncated: bool = False
    unknown_country: list[Chain] = field(default_factory=list)
    """Chains through an owner whose country nobody gave: it may be a restricted one."""

    @property
    def share_min(self) -> float:
        return sum(c.share_min or 0.0 for c in self.chains)

    @property
    def share_max(self) -> float | None:
        """Upper bound, or None where a share on some chain is unknown."""
        total = 0.0
        for chain in self.chains:
            upper = chain.share_max
            if upper is None:
                return None
            total += upper
        return min(total, 100.0)

    @property
    def controlled(self) -> bool:
        return any(c.controlled for c in self.chains)

    @property
    def unknown_chains(self) -> list[Chain]:
        return [c for c in self.chains if c.share_min is None and not c.controlled]


def trace(
    client: Party,
    direct_owners: Sequence[Holding],
    source: OwnerSource,
    is_restricted: Callable[[Party], bool],
) -> Exposure:
    """Follow every chain of owners from the client to the first restricted owner on it, up to MAX_DEPTH links
    and MAX_HOLDINGS_WALKED holdings in all (then `truncated`)."""
    exposure = Exposure()
    walked = 0

    def walk(holdings: Sequence[Holding], path: tuple[Holding, ...], seen: tuple[str, ...]) -> None:
        nonlocal walked
        for holding in holdings:
            walked += 1
            if walked > MAX_HOLDINGS_WALKED:
                exposure.truncated = True
                return
            chain = (*path, holding)
            if is_restricted(holding.owner):
                exposure.chains.append(Chain(chain))
            elif holding.owner.kind == UNDISCLOSED:
                exposure.undisclosed.append(Chain(chain))
            elif holding.owner.key in seen:
                exposure.cycles.append(tuple(h.owner.name for h in chain))
            elif len(chain) >= MAX_DEPTH:
                exposure.truncated = True
            else:
                if UNKNOWN_COUNTRY in holding.owner.countries:
                    exposure.unknown_country.append(Chain(chain))
                walk(source.owners_of(holding.owner), chain, (*seen, holding.owner.key))

    walk(direct_owners, (), (client.key,))
    return exposure


def normalise_name(name: str) -> str:
    from westander_cli.screening.names import normalise

    return normalise(name)


def merged(named: Party, recorded: Party | None) -> Party:
    """A party as the proposal names it, carrying every country the registry records for it too."""
    if recorded is None:
        return named
    countries = [c for c in dict.fromkeys((named.country, *named.other_countries, recorded.country, *recorded.other_countries)) if c != UNKNOWN_COUNTRY]
    if not countries:
        return named
    return Party(named.name, named.kind, countries[0], named.org_number or recorded.org_number, tuple(countries[1:]))


def _product(shares: list[float | None]) -> float | None:
    result = 100.0
    for share in shares:
        if share is None:
            return None
        result = result * share / 100.0
    return result


def _pct(low: float | None, high: float | None, unknown: str) -> str:
    if low is None and high is None:
        return unknown
    if low == high or high is None:
        return f"{low:g} %" if low is not None else unknown
    return f"{(low or 0):g}-{high:g} %"


MAX_LOOK_THROUGH = 5_000
"""How many entities the look-through reads at most; beyond that the chain walk's own figure stands."""
MAX_LOOK_THROUGH_STEPS = 2_000_000
"""Holdings the look-through weighs in all its sweeps (a ring of thousands of 99.99 % holdings converges slowly)."""


def look_through(
    client: Party,
    direct_owners: Sequence[Holding],
    source: OwnerSource,
    is_restricted: Callable[[Party], bool],
) -> float:
    """Effective share (percent, lower bound) of restricted owners in the client, cycles included.

    For every entity e reachable from the client, x_e = sum over its owners o of share(o, e) times
    (1 if o is restricted, else x_o): a linear system x = b + A x with non-negative coefficients.
    Iterating it from x = 0 rises monotonically to its least solution, so cross-holdings are looked
    through instead of being cut at the first repeat (A owns B owns A adds up every round trip).
    Unknown shares count as zero here; the chain walk reports them.
    """
    holdings: dict[str, list[Holding]] = {client.key: list(direct_owners)}
    queue = [h.owner for h in direct_owners]
    while queue and len(holdings) < MAX_LOOK_THROUGH:
        owner = queue.pop()
        if is_restricted(owner) or owner.kind == UNDISCLOSED or owner.key in holdings:
            continue
        holdings[owner.key] = list(source.owners_of(owner))
        queue.extend(h.owner for h in holdings[owner.key])
    exposure = dict.fromkeys(holdings, 0.0)
    order = list(reversed(holdings.items()))  # owners were found after what they own: a share climbs down a chain in one sweep
    steps = sum(len(owners) for owners in holdings.values())
    for _ in range(max(1, min(10_000, MAX_LOOK_THROUGH_STEPS // max(1, steps)))):  # each sweep only raises the lower bound
        change = 0.0
        for key, owners in order:
            value = 0.0
            for holding in owners:
                share = (holding.share_min or 0.0) / 100.0
                value += share if is_restricted(holding.owner) else share * exposure.get(holding.owner.key, 0.0)
            value = min(value, 1.0)
            change = max(change, abs(value - exposure[key]))
            exposure[key] = value
        if change < 1e-12:
            break
    return 100.0 * exposure[client.key]
