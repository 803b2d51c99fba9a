"""The parties of a conflict check as plain tuples: an engagement's client and counterparties, their names
normalised and NACE classes derived once. Kept apart from the engine, so that building the summary index
(`reading.Reader`) needs neither the policy rules nor the fuzzy matcher."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from westander_cli.screening import sectors
from westander_cli.screening.names import normalise

if TYPE_CHECKING:
    from westander_cli.model import Client, Counterparty


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
