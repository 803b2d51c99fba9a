"""The ownership registry: its files imported, and indexed in SQLite for fast look-ups.

Source files live in `<data>/registry/` (`*.bods.json` as imported, `*.toml` by hand) and are the
truth; `<data>/.wst/registry.sqlite` is derived from them per file: a file added is indexed, a file
changed or removed is taken out (and re-indexed), the others stay, so a new registry file costs
only itself and deleting the index costs one rebuild. An entity known to several files (by org
number, or by name for hand-entered ones) is one node; the file that sorts first names it. A file's
interests that start or end on some day are re-read on the first look-up from that day on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from westander_cli.bulk import cycle_collection_paused
from westander_cli.errors import InvalidInput
from westander_cli.i18n import _
from westander_cli.screening.names import Certainty, compare_normalised, normalise, org_digits
from westander_cli.screening.ownership import Holding, Party
from westander_cli.screening.sources import Parsed, read_source, source_files

MAX_IMPORT_BYTES = 512 * 1024 * 1024
INDEX_VERSION = "6"
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
    parsed: Parsed | None = None
    """What was read to validate the file: `Registry.parsed` indexes it without reading it again."""


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
    return ImportReport(path, target, new, parsed.statements, len(parsed.entities), len(parsed.edges), parsed.problems, parsed)


# --- the index ------------------------------------------------------------------------------


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    """SQLite binds at most 999 parameters in older builds."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def trigrams(norm: str) -> set[str]:
    padded = f" {norm} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"


def _passed(dates: Iterable[str], today: str) -> int:
    """How many of a file's interest dates have come: its parse changes only when this does."""
    return sum(1 for date in dates if date <= today)


_TABLES = """
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE IF NOT EXISTS file (name TEXT PRIMARY KEY, stamp TEXT, dates TEXT, passed INTEGER);
    CREATE TABLE IF NOT EXISTS node (id INTEGER PRIMARY KEY, key TEXT UNIQUE);
    CREATE TABLE IF NOT EXISTS entity (node INTEGER, file TEXT, pos INTEGER, name TEXT, kind TEXT, countries TEXT,
                                       org_number TEXT, org_digits TEXT);
    CREATE TABLE IF NOT EXISTS name (norm TEXT, node INTEGER, file TEXT);
    CREATE TABLE IF NOT EXISTS gram (gram TEXT, node INTEGER, file TEXT);
    CREATE TABLE IF NOT EXISTS holding (subject INTEGER, owner INTEGER, share_min REAL, share_max REAL, control INTEGER,
                                        file TEXT, pos INTEGER);
"""
_INDEXES = """
    CREATE INDEX IF NOT EXISTS name_norm ON name (norm); CREATE INDEX IF NOT EXISTS name_node ON name (node);
    CREATE INDEX IF NOT EXISTS gram_gram_node ON gram (gram, node);
    CREATE INDEX IF NOT EXISTS entity_org ON entity (org_digits); CREATE INDEX IF NOT EXISTS entity_node ON entity (node);
    CREATE INDEX IF NOT EXISTS holding_subject ON holding (subject);
"""


_TRIGRAMS = """
    INSERT INTO gram
    SELECT substr(padded, start.at, 3), node, ?1 FROM temp.alias JOIN temp.start ON start.at <= length(padded) - 2
    WHERE instr(padded, substr(padded, start.at, 3)) = start.at
      AND (alias.id = alias.first OR NOT EXISTS (SELECT 1 FROM temp.alias AS earlier WHERE earlier.id >= alias.first
                                                 AND earlier.id < alias.id AND instr(earlier.padded, substr(alias.padded, start.at, 3))))
"""
"""Each entity's distinct trigrams (`trigrams` of each name, less those of its names before): the first of equal
trigrams in a name (instr finds it there) that no earlier name of the entity has."""


def _names_and_trigrams(db: sqlite3.Connection, file: str, aliases: Sequence[tuple[int, int, str, str, int]]) -> None:
    """The name and gram rows of a file's entities, from their normalised names `(id, the entity's first id, norm,
    " norm ", node)`: SQLite cuts the trigrams (1.4 million rows for 100,000 companies) instead of Python making a
    tuple of each."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS alias (id INTEGER PRIMARY KEY, first INTEGER, norm TEXT, padded TEXT, node INTEGER)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS start (at INTEGER PRIMARY KEY)")
    db.executemany("INSERT INTO temp.alias VALUES (?, ?, ?, ?, ?)", aliases)
    longest = max((len(padded) for _, _, _, padded, _ in aliases), default=0)
    db.executemany("INSERT OR IGNORE INTO temp.start VALUES (?)", ((i,) for i in range(1, longest - 1)))
    db.execute("INSERT INTO name SELECT norm, node, ? FROM temp.alias", (file,))
    db.execute(_TRIGRAMS, (file,))
    db.execute("DELETE FROM temp.alias")


def _insert_file(db: sqlite3.Connection, name: str, parsed: Parsed, stamp: str, day: str, nodes: dict[str, int]) -> None:
    """The rows of a parsed file; `nodes` (shared key -> node) grows by the file's new entities."""
    new_nodes: list[tuple[int, str]] = []
    next_node = max(nodes.values(), default=0) + 1
    entities: list[tuple[object, ...]] = []
    aliases: list[tuple[int, int, str, str, int]] = []
    local: dict[str, int] = {}
    for position, (key, entity) in enumerate(parsed.entities.items()):
        digits = org_digits(entity.org_number)
        shared = f"org:{digits}" if digits else key if key.startswith("name:") else f"{name}#{key}"
        node = nodes.get(shared)
        if node is None:
            node = nodes[shared] = next_node
            next_node += 1
            new_nodes.append((node, shared))
        local[key] = node
        entities.append((node, name, position, entity.name, entity.kind, ",".join(entity.countries), entity.org_number, digits or None))
        first = len(aliases)
        aliases.extend((first + n, first, norm, f" {norm} ", node) for n, norm in enumerate(
            {n for n in (normalise(alias) for alias in {entity.name, *entity.aliases}) if n}))
    db.executemany("INSERT INTO node VALUES (?, ?)", new_nodes)
    db.executemany("INSERT INTO entity VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entities)
    _names_and_trigrams(db, name, aliases)
    db.executemany("INSERT INTO holding VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(local[e.subject], local[e.owner], e.share_min, e.share_max, int(e.control), name, position)
                    for position, e in enumerate(parsed.edges)])
    db.execute("INSERT INTO file VALUES (?, ?, ?, ?)", (name, stamp, json.dumps(sorted(parsed.dates)), _passed(parsed.dates, day)))


class Registry:
    """Look-ups in the indexed registry; implements the ownership OwnerSource."""

    def __init__(self, registry_dir: Path, index_path: Path) -> None:
        self.registry_dir = registry_dir
        self.index_path = index_path
        self._db: sqlite3.Connection | None = None
        self._resolved: dict[str, int | None] = {}
        self._near: list[str] = []
        self._frequencies: dict[str, int] = {}
        self._posting_cache: dict[str, frozenset[int]] = {}
        self.scan_limit = 20_000
        """Rows of the rarest trigrams' postings above which SQLite counts every posting instead (same candidates)."""
        self.parsed: dict[str, Parsed] = {}
        """Files already parsed by the caller (`registry import`), by name: indexed without reading them again."""

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        from westander_cli.screening.bods import today

        files = {path.name: path for path in source_files(self.registry_dir)}
        stamps = {name: _stamp(path) for name, path in files.items()}
        day = today()
        if self.index_path.exists():
            try:
                db = sqlite3.connect(self.index_path, timeout=30, isolation_level=None)
                if self._current(db, stamps, day):
                    return db
                db.execute("BEGIN IMMEDIATE")  # one writer brings it up to date
                self._update(db, files, stamps, day)
                db.execute("COMMIT")
                return db
            except sqlite3.DatabaseError:
                pass
        return self._rebuild(files, stamps, day)

    @staticmethod
    def _indexed(db: sqlite3.Connection) -> dict[str, tuple[str, list[str], int]]:
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if row is None or row[0] != INDEX_VERSION:
            raise sqlite3.DatabaseError("an index of another version")
        indexed = {}
        for name, stamp, dates, passed in db.execute("SELECT name, stamp, dates, passed FROM file"):
            try:
                days = json.loads(dates)
            except (TypeError, ValueError):
                days = None
            if not (isinstance(days, list) and all(isinstance(d, str) for d in days)):
                raise sqlite3.DatabaseError("a damaged index")  # local state, rebuilt from the files, never trusted
            indexed[name] = (stamp, days, passed)
        return indexed

    def _current(self, db: sqlite3.Connection, stamps: dict[str, str], day: str) -> bool:
        indexed = self._indexed(db)
        return indexed.keys() == stamps.keys() and all(
            indexed[name][0] == stamp and _passed(indexed[name][1], day) == indexed[name][2] for name, stamp in stamps.items())

    def _update(self, db: sqlite3.Connection, files: dict[str, Path], stamps: dict[str, str], day: str) -> None:
        """Take out the files that changed, went, or whose interests started or ended since; index the new and changed ones."""
        indexed = self._indexed(db)
        stale = [name for name, (stamp, dates, passed) in indexed.items() if stamps.get(name) != stamp or _passed(dates, day) != passed]
        for name in stale:
            db.execute("DELETE FROM file WHERE name = ?", (name,))
            for table in ("entity", "name", "gram", "holding"):
                db.execute(f"DELETE FROM {table} WHERE file = ?", (name,))
        kept = set(indexed) - set(stale)
        nodes = dict(db.execute("SELECT key, id FROM node"))
        for name in sorted(set(files) - kept):
            self._index_file(db, name, files[name], stamps[name], day, nodes)

    def _rebuild(self, files: dict[str, Path], stamps: dict[str, str], day: str) -> sqlite3.Connection:
        """Build the index beside its final place, then rename it in: readers never see half an index."""
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.index_path.with_name(f".{self.index_path.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        db = sqlite3.connect(temporary, isolation_level=None)
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _TABLES)
        db.execute("BEGIN")
        nodes: dict[str, int] = {}
        for name in sorted(files):
            self._index_file(db, name, files[name], stamps[name], day, nodes)
        db.execute("INSERT INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
        db.execute("COMMIT")
        db.executescript(_INDEXES)  # after the rows: one sort per index instead of a B-tree insert per row
        db.close()
        os.replace(temporary, self.index_path)
        return sqlite3.connect(self.index_path, timeout=30, isolation_level=None)

    def _index_file(self, db: sqlite3.Connection, name: str, path: Path, stamp: str, day: str, nodes: dict[str, int]) -> None:
        """One file's entities, names, trigrams and holdings, every row tagged with the file."""
        with cycle_collection_paused():
            parsed = self.parsed.pop(name, None) or read_source(path)
            _insert_file(db, name, parsed, stamp, day, nodes)

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
            row = self.db.execute("SELECT node FROM entity WHERE org_digits = ? ORDER BY file, pos LIMIT 1", (digits,)).fetchone()
            if row:
                return int(row[0])
        norm = normalise(party.name)
        if not norm:
            return None
        found = self.db.execute("SELECT DISTINCT name.node, node.key FROM name JOIN node ON node.id = name.node WHERE norm = ?", (norm,)).fetchall()
        rows = [(node, self.party(node).countries) for node, _ in sorted(found, key=lambda row: str(row[1]))]
        if rows:
            same_country = [r for r in rows if party.country in r[1]]
            return int((same_country or rows)[0][0])
        best: tuple[Certainty, float, int, str] | None = None
        for candidate, entity_id in self._candidates(norm):
            match = compare_normalised(norm, candidate)
            if match.certainty and (best is None or (match.certainty, match.score) > best[:2]):
                best = (match.certainty, match.score, entity_id, candidate)
        if best and best[0] >= Certainty.EXACT:
            return best[2]
        if best:
            name = self.party(best[2]).name
            self._near.append(f"{party.name} ~ {name} (score {best[1]:.0f})")
        return None

    def _candidates(self, norm: str) -> list[tuple[str, int]]:
        """Names of the MAX_CANDIDATES entities sharing the most character trigrams with the query (at least a
        third of them; ties by entity key): the fuzzy scorer sees only these.

        An entity sharing `needed` of the query's n trigrams has one of the n - needed + 1 rarest, so only
        those trigrams' entities are counted, and the commoner trigrams are looked up for them alone
        (a covering index answers both): a query with a trigram in every tenth name costs a few hundred rows."""
        grams = sorted(trigrams(norm))
        needed = max(1, len(grams) // 3)
        by_rarity = sorted(grams, key=lambda gram: (self._frequency(gram), gram))
        rare, common = by_rarity[: len(grams) - needed + 1], by_rarity[len(grams) - needed + 1 :]
        if sum(self._frequency(gram) for gram in rare) > self.scan_limit:
            return self._candidates_grouped(grams, needed)
        shared = Counter(chain.from_iterable(self._postings(gram) for gram in rare))  # counted in C: thousands of nodes a query
        for gram in common:
            if gram in self._posting_cache or self._frequency(gram) < 20 * len(shared):
                found: Iterable[int] = self._postings(gram).intersection(shared)
            else:  # a few candidates and a trigram in half the registry: ask for those candidates only
                found = [node for chunk in _chunks(sorted(shared), 900) for (node,) in self.db.execute(
                    f"SELECT DISTINCT node FROM gram WHERE gram = ? AND node IN ({','.join('?' * len(chunk))})", (gram, *chunk))]
            shared.update(found)
        best = [node for node, count in shared.items() if count >= needed]
        if len(best) > MAX_CANDIDATES:
            keys: dict[int, str] = {}
            for chunk in _chunks(best, 900):
                keys.update(self.db.execute(f"SELECT id, key FROM node WHERE id IN ({','.join('?' * len(chunk))})", chunk))
            best = sorted(best, key=lambda node: (-shared[node], keys[node]))[:MAX_CANDIDATES]
        rows: set[tuple[str, int]] = set()
        for chunk in _chunks(best, 900):
            rows.update(self.db.execute(f"SELECT norm, node FROM name WHERE node IN ({','.join('?' * len(chunk))})", chunk))
        return sorted((str(n), int(e)) for n, e in rows)

    def _candidates_grouped(self, grams: list[str], needed: int) -> list[tuple[str, int]]:
        """The same candidates counted by SQLite over every posting: cheaper when even the rarest trigrams are in most names."""
        marks = ",".join("?" * len(grams))
        rows = self.db.execute(
            f"SELECT DISTINCT name.norm, name.node FROM name JOIN (SELECT gram.node AS node, COUNT(DISTINCT gram.gram) AS shared, node.key AS key "
            f"FROM gram JOIN node ON node.id = gram.node WHERE gram IN ({marks}) GROUP BY gram.node HAVING shared >= ? "
            f"ORDER BY shared DESC, key LIMIT ?) AS best ON best.node = name.node ORDER BY name.norm, name.node",
            (*grams, needed, MAX_CANDIDATES),
        ).fetchall()
        return [(str(n), int(e)) for n, e in rows]

    def _postings(self, gram: str) -> frozenset[int]:
        """The entities with a trigram, kept for the process: a batch of proposals asks for the same ones again."""
        if gram not in self._posting_cache:
            self._posting_cache[gram] = frozenset(chain.from_iterable(self.db.execute("SELECT node FROM gram WHERE gram = ?", (gram,))))
        return self._posting_cache[gram]

    def _frequency(self, gram: str) -> int:
        if gram not in self._frequencies:
            self._frequencies[gram] = int(self.db.execute("SELECT COUNT(*) FROM gram WHERE gram = ?", (gram,)).fetchone()[0])
        return self._frequencies[gram]

    def party(self, entity_id: int) -> Party:
        name, kind, countries, org_number = self.db.execute(
            "SELECT name, kind, countries, org_number FROM entity WHERE node = ? ORDER BY file, pos LIMIT 1", (entity_id,)).fetchone()
        codes = [c for c in (countries or "").split(",") if c]
        return Party(name, kind, codes[0] if codes else "??", org_number or None, tuple(codes[1:]))

    def holdings_of(self, entity_id: int) -> list[tuple[int, Holding]]:
        rows = self.db.execute("SELECT owner, share_min, share_max, control FROM holding WHERE subject = ? ORDER BY file, pos", (entity_id,)).fetchall()
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
