"""The ownership registry: its files imported, and indexed in SQLite for fast look-ups.

Source files live in `<data>/registry/` (`*.bods.json` as imported, `*.toml` by hand) and are the
truth; `<data>/.wst/registry.sqlite` is derived from them and rebuilt whenever a file is added,
changed or removed, so deleting it only costs one rebuild.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _
from westander_cli.screening.names import Certainty, compare_normalised, normalise, org_digits
from westander_cli.screening.ownership import Holding, Party
from westander_cli.screening.sources import read_source, source_files

MAX_IMPORT_BYTES = 512 * 1024 * 1024
INDEX_VERSION = "4"
MAX_CANDIDATES = 200
"""How many names sharing the most trigrams with a query the fuzzy scorer looks at."""



# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    file: Path
    stored_as: Path
    new: bool
    statements: int
    entities: int
    relationships: int
    problems: list[str]


def import_file(registry_dir: Path, path: Path) -> ImportReport:
    """Validate and store a BODS JSON or registry TOML file; the same content twice changes nothing."""
    from westander_cli.store import copy_once

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidInput(_("{path}: no such file").format(path=path)) from None
    if path.is_dir():
        raise InvalidInput(_("{path}: is a directory").format(path=path))
    if size > MAX_IMPORT_BYTES:
        raise InvalidInput(_("{path}: larger than {max_import_bytes:,} bytes").format(path=path, max_import_bytes=MAX_IMPORT_BYTES))
    parsed = read_source(path)
    if not parsed.entities:
        raise InvalidInput(_("{path}: no usable entity or person; nothing imported").format(path=path))
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    target = registry_dir / f"{digest.hexdigest()[:20]}{'.toml' if path.suffix == '.toml' else '.bods.json'}"
    new = not target.exists()
    if new:
        copy_once(path, target)
    return ImportReport(path, target, new, parsed.statements, len(parsed.entities), len(parsed.edges), parsed.problems)


# --- the index ------------------------------------------------------------------------------


def trigrams(norm: str) -> set[str]:
    padded = f" {norm} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _fingerprint(files: Iterable[Path]) -> str:
    """Files, sizes and times, and today's date: an interest that ends or starts today changes the index."""
    from westander_cli.screening.bods import today

    parts = [INDEX_VERSION, today()]
    for path in files:
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class Registry:
    """Look-ups in the indexed registry; implements the ownership OwnerSource."""

    def __init__(self, registry_dir: Path, index_path: Path) -> None:
        self.registry_dir = registry_dir
        self.index_path = index_path
        self._db: sqlite3.Connection | None = None
        self._resolved: dict[str, int | None] = {}
        self._near: list[str] = []

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        files = source_files(self.registry_dir)
        fingerprint = _fingerprint(files)
        if self.index_path.exists():
            try:
                db = sqlite3.connect(self.index_path)
                row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
                if row and row[0] == fingerprint:
                    return db
                db.close()
            except sqlite3.DatabaseError:
                pass
        return self._rebuild(files, fingerprint)

    def _rebuild(self, files: list[Path], fingerprint: str) -> sqlite3.Connection:
        """Build the index beside its final place, then rename it in: readers never see half an index."""
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.index_path.with_name(f".{self.index_path.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        db = sqlite3.connect(temporary)
        db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE entity (id INTEGER PRIMARY KEY, name TEXT, kind TEXT, countries TEXT, org_number TEXT, org_digits TEXT);
            CREATE TABLE name (norm TEXT, entity INTEGER);
            CREATE TABLE gram (gram TEXT, entity INTEGER);
            CREATE TABLE holding (subject INTEGER, owner INTEGER, share_min REAL, share_max REAL, control INTEGER);
        """)
        shared_ids: dict[str, int] = {}
        """Entities known under the same org number (or, for hand-entered ones, name) in several files."""
        next_id = 1
        for path in files:
            parsed = read_source(path)
            local: dict[str, int] = {}
            for key, entity in parsed.entities.items():
                digits = org_digits(entity.org_number)
                shared = f"org:{digits}" if digits else key if key.startswith("name:") else None
                if shared is not None and shared in shared_ids:
                    local[key] = shared_ids[shared]
                    continue
                entity_id, next_id = next_id, next_id + 1
                if shared is not None:
                    shared_ids[shared] = entity_id
                local[key] = entity_id
                db.execute("INSERT INTO entity VALUES (?, ?, ?, ?, ?, ?)",
                           (entity_id, entity.name, entity.kind, ",".join(entity.countries), entity.org_number, digits or None))
                for alias in {entity.name, *entity.aliases}:
                    norm = normalise(alias)
                    if norm:
                        db.execute("INSERT INTO name VALUES (?, ?)", (norm, entity_id))
                        db.executemany("INSERT INTO gram VALUES (?, ?)", [(g, entity_id) for g in trigrams(norm)])
            db.executemany("INSERT INTO holding VALUES (?, ?, ?, ?, ?)",
                           [(local[e.subject], local[e.owner], e.share_min, e.share_max, int(e.control)) for e in parsed.edges])
        db.executescript("""
            CREATE INDEX name_norm ON name (norm); CREATE INDEX gram_gram ON gram (gram);
            CREATE INDEX entity_org ON entity (org_digits); CREATE INDEX holding_subject ON holding (subject);
        """)
        db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
        db.commit()
        db.close()
        os.replace(temporary, self.index_path)
        return sqlite3.connect(self.index_path)

    # lookup

    def resolve(self, party: Party) -> int | None:
        """The registry entity a party is: organisation number first, then normalised name."""
        if party.key in self._resolved:
            return self._resolved[party.key]
        found = self._lookup(party)
        self._resolved[party.key] = found
        return found

    def _lookup(self, party: Party) -> int | None:
        digits = org_digits(party.org_number)
        if digits:
            row = self.db.execute("SELECT id FROM entity WHERE org_digits = ?", (digits,)).fetchone()
            if row:
                return int(row[0])
        norm = normalise(party.name)
        if not norm:
            return None
        rows = self.db.execute("SELECT entity.id, entity.countries FROM name JOIN entity ON entity.id = name.entity WHERE norm = ?", (norm,)).fetchall()
        if rows:
            same_country = [r for r in rows if party.country in (r[1] or "").split(",")]
            return int((same_country or rows)[0][0])
        best: tuple[Certainty, float, int, str] | None = None
        for candidate, entity_id in self._candidates(norm):
            match = compare_normalised(norm, candidate)
            if match.certainty and (best is None or (match.certainty, match.score) > best[:2]):
                best = (match.certainty, match.score, entity_id, candidate)
        if best and best[0] >= Certainty.EXACT:
            return best[2]
        if best:
            name = self.db.execute("SELECT name FROM entity WHERE id = ?", (best[2],)).fetchone()[0]
            self._near.append(f"{party.name} ~ {name} (score {best[1]:.0f})")
        return None

    def _candidates(self, norm: str) -> list[tuple[str, int]]:
        """Names sharing the most character trigrams with the query: the fuzzy scorer sees only these."""
        grams = sorted(trigrams(norm))
        needed = max(1, len(grams) // 3)
        marks = ",".join("?" * len(grams))
        rows = self.db.execute(
            f"SELECT name.norm, name.entity FROM name JOIN (SELECT entity, COUNT(*) AS shared FROM gram WHERE gram IN ({marks}) "
            f"GROUP BY entity HAVING shared >= ? ORDER BY shared DESC LIMIT ?) AS best ON best.entity = name.entity",
            (*grams, needed, MAX_CANDIDATES),
        ).fetchall()
        return [(str(n), int(e)) for n, e in rows]

    def party(self, entity_id: int) -> Party:
        name, kind, countries, org_number = self.db.execute(
            "SELECT name, kind, countries, org_number FROM entity WHERE id = ?", (entity_id,)).fetchone()
        codes = [c for c in (countries or "").split(",") if c]
        return Party(name, kind, codes[0] if codes else "??", org_number or None, tuple(codes[1:]))

    def holdings_of(self, entity_id: int) -> list[tuple[int, Holding]]:
        rows = self.db.execute("SELECT owner, share_min, share_max, control FROM holding WHERE subject = ?", (entity_id,)).fetchall()
        return [(owner, Holding(self.party(owner), low, high, bool(control))) for owner, low, high, control in rows]

    def owners_of(self, party: Party) -> Sequence[Holding]:
        entity_id = self.resolve(party)
        return [] if entity_id is None else [h for _, h in self.holdings_of(entity_id)]

    def near_misses(self) -> list[str]:
        return list(dict.fromkeys(self._near))

    def known(self, party: Party) -> Party | None:
        entity_id = self.resolve(party)
        return None if entity_id is None else self.party(entity_id)

    def find(self, query: str) -> int | None:
        """An entity by organisation number ("556810-8988") or by name."""
        is_number = bool(re.fullmatch(r"[\d\s-]+", query.strip()))
        return self.resolve(Party(query, "company", "SE", query if is_number else None))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def registry_problems(registry_dir: Path) -> list[str]:
    """Every registry file that cannot be read, for `wst validate`."""
    problems = []
    for path in source_files(registry_dir):
        try:
            read_source(path)
        except (InvalidInput, ValidationError) as error:
            problems.append(str(error))
    return problems


def ownership_tree(registry: Registry, entity_id: int, max_depth: int = 12) -> dict[str, Any]:
    """The entity and its owners up to the top, each with its effective share of the entity."""

    def node(party: Party, low: float | None, high: float | None, path: tuple[int, ...], current: int) -> dict[str, Any]:
        item: dict[str, Any] = {"name": party.name, "kind": party.kind, "countries": sorted(party.countries - {"??"}),
                                "org_number": party.org_number, "effective_share_min": _round(low),
                                "effective_share_max": _round(high), "owners": []}
        if len(path) > max_depth:
            item["truncated"] = True
            return item
        for owner_id, holding in registry.holdings_of(current):
            child_low = None if low is None or holding.share_min is None else low * holding.share_min / 100
            child_high = None if high is None or holding.share_max is None else high * holding.share_max / 100
            if owner_id in path:
                item["owners"].append({"name": holding.owner.name, "cycle": True, "share_min": holding.share_min,
                                       "share_max": holding.share_max, "control": holding.control})
                continue
            child = node(holding.owner, child_low, child_high, (*path, owner_id), owner_id)
            child.update({"share_min": holding.share_min, "share_max": holding.share_max, "control": holding.control})
            item["owners"].append(child)
        return item

    return node(registry.party(entity_id), 100.0, 100.0, (entity_id,), entity_id)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
