"""The ownership registry: BODS 0.4 and hand-entered TOML, indexed in SQLite for fast look-ups.

Source files live in `<data>/registry/` (`*.bods.json` as imported, `*.toml` by hand) and are the
truth; `<data>/.wst/registry.sqlite` is derived from them and rebuilt whenever a file is added,
changed or removed, so deleting it only costs one rebuild.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError, field_validator, model_validator

from westander_cli.errors import InvalidInput
from westander_cli.model import OwnerKind, Strict, check_country, lax, swedish_org_number_if_se
from westander_cli.screening.names import Certainty, compare_normalised, normalise, org_digits
from westander_cli.screening.ownership import UNDISCLOSED, Holding, Party

MAX_IMPORT_BYTES = 512 * 1024 * 1024
INDEX_VERSION = "3"
CONTROL_INTERESTS = frozenset({"appointmentOfBoard", "controlViaCompanyRulesOrArticles", "controlByLegalFramework", "otherInfluenceOrControl"})
STATE_TYPES = frozenset({"state", "stateBody"})
ORG_NUMBER_SCHEMES = frozenset({"SE-BLV"})
MAX_CANDIDATES = 200
"""How many names sharing the most trigrams with a query the fuzzy scorer looks at."""


# --- the normalised form both sources are read into -----------------------------------------


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


# --- BODS 0.4 -------------------------------------------------------------------------------


def _statements(path: Path) -> Iterator[Any]:
    """The statements of a BODS file one at a time (ijson): a large registry is never held in memory."""
    import ijson

    try:
        with path.open("rb") as handle:
            start = handle.read(4096).lstrip()[:1]
            handle.seek(0)
            if start not in (b"[", b"{"):
                raise InvalidInput(f"{path}: not BODS JSON: expected a list of statements")
            count = 0
            for statement in ijson.items(handle, "item" if start == b"[" else "statements.item", use_float=True):
                count += 1
                yield statement
            if start == b"{" and count == 0:
                raise InvalidInput(f"{path}: not BODS JSON: expected a list of statements")
    except ijson.JSONError as error:
        raise InvalidInput(f"{path}: not BODS JSON: {str(error).splitlines()[0][:200]}") from None
    except (UnicodeDecodeError, RecursionError) as error:
        raise InvalidInput(f"{path}: not BODS JSON: {error}") from None


@dataclass
class _Relationship:
    subject: Any
    party: Any
    share_min: float | None
    share_max: float | None
    control: bool
    summary_only: bool


def today() -> str:
    """The date interests are judged at (ISO), from wst's clock so that WST_NOW moves it."""
    from westander_cli.clock import now

    return now().date().isoformat()


def parse_bods(path: Path) -> Parsed:
    """Read BODS 0.4 statements; what cannot be used is reported per statement, never guessed.

    A later statement of a record (by statementDate, then position) replaces an earlier one;
    `recordStatus = "closed"` removes the record. Interests are judged as of `today()`.
    """
    as_of = today()
    parsed = Parsed()
    latest: dict[str, tuple[str, int, Entity | _Relationship | None, list[str], str]] = {}
    for position, statement in enumerate(_statements(path)):
        parsed.statements += 1
        where = f"statement {position + 1}"
        if not isinstance(statement, dict):
            parsed.problems.append(f"{where}: not an object; skipped")
            continue
        where = f"statement {position + 1} ({statement.get('statementId', 'no statementId')})"
        record_id, record_type = statement.get("recordId"), statement.get("recordType")
        version = (statement.get("publicationDetails") or {}).get("bodsVersion") if isinstance(statement.get("publicationDetails"), dict) else None
        if version is not None and version != "0.4":
            parsed.problems.append(f"{where}: bodsVersion {version!r}, not '0.4'; read as 0.4")
        if not isinstance(record_id, str) or record_type not in ("entity", "person", "relationship"):
            parsed.problems.append(f"{where}: needs recordId and recordType entity, person or relationship; skipped")
            continue
        details = statement.get("recordDetails")
        if not isinstance(details, dict):
            parsed.problems.append(f"{where}: no recordDetails; skipped")
            continue
        date = str(statement.get("statementDate") or "")
        if record_id in latest and (date, position) < latest[record_id][:2]:
            continue
        problems: list[str] = []
        record: Entity | _Relationship | None = None
        if statement.get("recordStatus") != "closed":
            if record_type == "entity":
                record = _bods_entity(record_id, details, where, problems)
            elif record_type == "person":
                record = _bods_person(record_id, details, where, problems)
            else:
                record = _bods_relationship(details, where, problems, as_of)
        latest[record_id] = (date, position, record, problems, where)
    for _, _, record, problems, _ in latest.values():
        parsed.problems.extend(problems)
        if isinstance(record, Entity):
            parsed.entities[record.key] = record
    for record_id, (_, _, record, _, where) in latest.items():
        if isinstance(record, _Relationship) and not record.summary_only:
            _link(parsed, record_id, record, where)
    return parsed


def _country_code(value: Any) -> str | None:
    code = value.get("code") if isinstance(value, dict) else None
    if not isinstance(code, str):
        return None
    try:
        return check_country(code[:2])
    except ValueError:
        return None


def _bods_entity(record_id: str, details: dict[str, Any], where: str, problems: list[str]) -> Entity | None:
    name = details.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: entity without a name; skipped")
        return None
    entity_type = (details.get("entityType") or {}).get("type") if isinstance(details.get("entityType"), dict) else None
    country = _country_code(details.get("jurisdiction"))
    if country is None:
        problems.append(f"{where}: {name}: no usable jurisdiction code; its country is unknown")
    org_number = None
    for identifier in details.get("identifiers") or []:
        if isinstance(identifier, dict) and identifier.get("scheme") in ORG_NUMBER_SCHEMES and identifier.get("id"):
            org_number = str(identifier["id"])
    aliases = [a for a in (details.get("alternateNames") or []) if isinstance(a, str)]
    kind = "state" if entity_type in STATE_TYPES else UNDISCLOSED if entity_type in ("anonymousEntity", "unknownEntity") else "company"
    return Entity(record_id, name.strip(), kind, [country] if country else [], org_number, aliases)


def _bods_person(record_id: str, details: dict[str, Any], where: str, problems: list[str]) -> Entity:
    names = [n for n in details.get("names") or [] if isinstance(n, dict)]
    full = next((n.get("fullName") for n in names if n.get("fullName")), None)
    if details.get("personType") in ("anonymousPerson", "unknownPerson") or not full:
        return Entity(record_id, str(full or f"unknown person ({details.get('personType', 'unnamed')})"), UNDISCLOSED, [])
    countries = [c for c in (_country_code(n) for n in details.get("nationalities") or []) if c]
    if not countries:
        problems.append(f"{where}: {full}: no nationality; their country is unknown")
    return Entity(record_id, str(full), "person", countries, None, [str(n["fullName"]) for n in names[1:] if n.get("fullName")])


def _bods_relationship(details: dict[str, Any], where: str, problems: list[str], as_of: str) -> _Relationship:
    """Shares and control from the interests that hold on `as_of` (ended and future ones do not count).

    Control is read from the interest types for every kind of interested party: voting rights whose
    lower bound is above 50 % (an exclusive minimum of 50 counts), board appointment and the other
    control types. BODS sets `beneficialOwnershipOrControl` only for natural persons, so it is not asked.
    """
    subject = details.get("subject")
    if isinstance(subject, dict):
        subject = subject.get("describedByEntityStatement") or subject.get("recordId")
    share_min: float | None = None
    share_max: float | None = None
    control = False
    current = [i for i in details.get("interests") or [] if isinstance(i, dict) and _holds(i, as_of)]
    for interest in current:
        kind = interest.get("type")
        share = interest.get("share")
        bounds = _share_bounds(share)
        if bounds is None and isinstance(share, dict):
            problems.append(f"{where}: share {share} is not a range within 0-100; read as unknown")
        if kind == "shareholding" and bounds:
            share_min, share_max = bounds
        elif kind == "votingRights" and bounds and isinstance(share, dict):
            exclusive = "exact" not in share and "minimum" not in share and isinstance(share.get("exclusiveMinimum"), (int, float))
            if bounds[0] > 50 or (exclusive and bounds[0] >= 50):
                control = True
        elif kind in CONTROL_INTERESTS:
            control = True
    if not current and details.get("interests"):
        problems.append(f"{where}: every interest has ended or not yet started on {as_of}; not counted")
    summary_only = details.get("isComponent") is False and bool(details.get("componentRecords"))
    if not current and details.get("interests"):
        summary_only = True
    return _Relationship(subject, details.get("interestedParty"), share_min, share_max, control, summary_only)


def _holds(interest: dict[str, Any], as_of: str) -> bool:
    """An interest holds from its startDate (if given) until before its endDate (if given)."""
    start, end = interest.get("startDate"), interest.get("endDate")
    if isinstance(start, str) and start[:10] > as_of:
        return False
    return not (isinstance(end, str) and end[:10] <= as_of)


def _link(parsed: Parsed, record_id: str, relationship: _Relationship, where: str) -> None:
    """Turn a relationship into an edge between records of the file, reporting what cannot be used."""
    subject, party = relationship.subject, relationship.party
    if not isinstance(subject, str) or subject not in parsed.entities:
        parsed.problems.append(f"{where}: subject {subject!r} is not an entity in this file; skipped")
        return
    if isinstance(party, dict) and "reason" in party:
        owner_key = f"{record_id}:undisclosed"
        parsed.entities[owner_key] = Entity(owner_key, f"undisclosed owner ({party.get('reason')})", UNDISCLOSED, [])
        parsed.problems.append(f"{where}: the owner of {parsed.entities[subject].name} is declared unknown ({party.get('reason')}); kept as undisclosed")
        party = owner_key
    elif isinstance(party, dict):
        party = party.get("describedByPersonStatement") or party.get("describedByEntityStatement") or party.get("recordId")
    if not isinstance(party, str) or party not in parsed.entities:
        parsed.problems.append(f"{where}: interestedParty {party!r} is not a record in this file; skipped")
        return
    if relationship.share_min is None and not relationship.control:
        parsed.problems.append(f"{where}: {parsed.entities[party].name} in {parsed.entities[subject].name}: no share given; reported as unknown")
    parsed.edges.append(Edge(subject, party, relationship.share_min, relationship.share_max, relationship.control))


def _share_bounds(share: Any) -> tuple[float, float] | None:
    """(minimum, maximum) percent from exact / minimum / maximum / exclusiveMinimum / exclusiveMaximum."""
    if not isinstance(share, dict):
        return None
    values = {k: v for k, v in share.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if "exact" in values:
        low = high = float(values["exact"])
    else:
        low = float(values.get("minimum", values.get("exclusiveMinimum", 0.0)))
        high = float(values.get("maximum", values.get("exclusiveMaximum", 100.0)))
        if not ({"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"} & set(values)):
            return None
    if not (0 <= low <= high <= 100):
        return None
    return low, high


# --- the hand-entered TOML form -------------------------------------------------------------


class RegistryOwner(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    kind: lax(OwnerKind) = OwnerKind.COMPANY  # type: ignore[valid-type]
    country: str = "SE"
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    share: Annotated[float, Field(ge=0, le=100)] | None = None
    share_min: Annotated[float, Field(ge=0, le=100)] | None = None
    share_max: Annotated[float, Field(ge=0, le=100)] | None = None
    control: bool = False

    _country = field_validator("country")(check_country)
    _org_number = field_validator("org_number")(swedish_org_number_if_se)

    @model_validator(mode="after")
    def _bounds(self) -> RegistryOwner:
        if self.share is not None and (self.share_min is not None or self.share_max is not None):
            raise ValueError("give share, or share_min and share_max, not both")
        if self.share_min is not None and self.share_max is not None and self.share_min > self.share_max:
            raise ValueError("share_min is larger than share_max")
        return self


class RegistryEntity(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    kind: lax(OwnerKind) = OwnerKind.COMPANY  # type: ignore[valid-type]
    country: str = "SE"
    org_number: Annotated[str, StringConstraints(max_length=40)] | None = None
    aliases: list[str] = Field(default_factory=list)
    owners: list[RegistryOwner] = Field(default_factory=list)

    _country = field_validator("country")(check_country)
    _org_number = field_validator("org_number")(swedish_org_number_if_se)


class RegistryFile(Strict):
    entity: list[RegistryEntity]


def parse_toml_registry(path: Path) -> Parsed:
    from westander_cli.tomlfile import load_model, read_toml

    document = load_model(read_toml(path, "registry file"), RegistryFile)
    parsed = Parsed(statements=len(document.entity))

    def key_of(name: str, org_number: str | None) -> str:
        digits = org_digits(org_number)
        return f"org:{digits}" if digits else f"name:{normalise(name)}"

    for item in document.entity:
        key = key_of(item.name, item.org_number)
        parsed.entities[key] = Entity(key, item.name, item.kind.value, [item.country], item.org_number, list(item.aliases))
    for item in document.entity:
        subject = key_of(item.name, item.org_number)
        for owner in item.owners:
            owner_key = key_of(owner.name, owner.org_number)
            parsed.entities.setdefault(owner_key, Entity(owner_key, owner.name, owner.kind.value, [owner.country], owner.org_number))
            low = owner.share if owner.share is not None else owner.share_min
            high = owner.share if owner.share is not None else owner.share_max
            if low is None and high is not None:
                low = 0.0
            parsed.edges.append(Edge(subject, owner_key, low, high if low is not None else None, owner.control))
    return parsed


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
        raise InvalidInput(f"{path}: no such file") from None
    if path.is_dir():
        raise InvalidInput(f"{path}: is a directory")
    if size > MAX_IMPORT_BYTES:
        raise InvalidInput(f"{path}: larger than {MAX_IMPORT_BYTES:,} bytes")
    parsed = parse_toml_registry(path) if path.suffix == ".toml" else parse_bods(path)
    if not parsed.entities:
        raise InvalidInput(f"{path}: no usable entity or person; nothing imported")
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


def _source_files(registry_dir: Path) -> list[Path]:
    if not registry_dir.is_dir():
        return []
    return sorted(p for p in registry_dir.iterdir() if p.is_file() and not p.name.startswith(".")
                  and (p.name.endswith(".bods.json") or p.suffix == ".toml"))


def _fingerprint(files: Iterable[Path]) -> str:
    """Files, sizes and times, and today's date: an interest that ends or starts today changes the index."""
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
        files = _source_files(self.registry_dir)
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
            parsed = parse_toml_registry(path) if path.suffix == ".toml" else parse_bods(path)
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
    for path in _source_files(registry_dir):
        try:
            if path.suffix == ".toml":
                parse_toml_registry(path)
            else:
                parse_bods(path)
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
