"""The form both kinds of registry file are read into, and the one reader that picks the parser.

BODS 0.4 JSON (`bods.py`) and the hand-entered TOML form (`registry_toml.py`) become the same
entities and ownership edges; `registry.py` indexes them in SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from westander_cli.bulk import cycle_collection_paused


@dataclass
class Entity:
    key: str
    name: str
    kind: str  # company | person | state | undisclosed
    countries: list[str]
    org_number: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class Edge:
    subject: str
    owner: str
    share_min: float | None
    share_max: float | None
    control: bool


@dataclass
class Parsed:
    entities: dict[str, Entity] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    statements: int = 0
    dates: set[str] = field(default_factory=set)
    """The start and end dates of interests (ISO): the parse changes only on the days these pass."""


def read_source(path: Path) -> Parsed:
    """A registry file, by its suffix: `.toml` is the hand-entered form, anything else BODS JSON."""
    with cycle_collection_paused():
        if path.suffix == ".toml":
            from westander_cli.screening.registry_toml import parse_toml_registry

            return parse_toml_registry(path)
        from westander_cli.screening.bods import parse_bods

        return parse_bods(path)


def source_files(registry_dir: Path) -> list[Path]:
    """The registry files of a folder: `*.bods.json` as imported and `*.toml` by hand."""
    if not registry_dir.is_dir():
        return []
    return sorted(p for p in registry_dir.iterdir() if p.is_file() and not p.name.startswith(".")
                  and (p.name.endswith(".bods.json") or p.suffix == ".toml"))
