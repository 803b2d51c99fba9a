"""A derived, rebuildable index of engagement summaries, so views need not parse every event file.

The files are the truth. A folder's summaries are reused only while its events folder and
proposal file keep the modification time, size and inode recorded with them (adding, removing or
replacing a file, as wst, `git pull` and `git checkout` do, changes the folder), while the facts
of people.toml and firm.toml that the summary was derived from are unchanged (each summary names
them: the roster entries of the people its events mention, and for records of wst 0.1 the firm's
channels and signature settings), and while the moment asked about lies within each summary's
validity (the review deadline). Like git's index, a folder modified within the last
seconds before a summary was written is "racily clean" and always re-read, so a coarse file-system
clock cannot hide a new event. Deleting `.wst/index.sqlite` costs one rebuild; any SQLite trouble
falls back to the files.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from westander_cli.bulk import cycle_collection_paused, mapped
from westander_cli.errors import InvalidInput
from westander_cli.i18n import _
from westander_cli.states import State, Summary

if TYPE_CHECKING:
    from westander_cli.policy.parties import ActiveEngagement

SCHEMA_VERSION = 13
"""An index written by another wst version is dropped and rebuilt, never misread (13: a reopened objection survives `end`)."""
RACY_NS = 3_000_000_000


class Row(NamedTuple):
    id: str
    folder: str
    stamp: str
    indexed_ns: int
    state: str
    title: str
    client: str
    lead: str
    ceo: str
    review_deadline: str | None
    valid_from: int | None
    valid_until: int | None
    colleagues: str
    responded: str
    flags: int
    problems: int
    active: str
    deps: str


COLUMNS = ", ".join(Row._fields)


Facts = dict[str, str]
"""What summaries may depend on beyond their own folder, each fact by name (`person:anna`, `channels`,
...) with its current value; a change of one fact rebuilds only the summaries that name it."""


class Member(NamedTuple):
    """A person of people.toml as the read-only views need them."""

    id: str
    email: str
    active: bool
    ceo: bool
    """Role `ceo` (active or not)."""


class Directory(NamedTuple):
    """What the views and the summaries need of people.toml and firm.toml, kept in the index under a digest of
    both files' bytes (`reading.Reader.directory`)."""

    members: tuple[Member, ...]
    facts: Facts
    """`Reader.summary_facts` but the CEO approvals in `roster/`, which are looked at on every run."""


class Entry:
    """An engagement's summary and conflict-check data; from the index both are decoded only when asked for."""

    __slots__ = ("_active", "_row", "_summary", "deps")

    def __init__(self, summary: Summary | None = None, row: Row | None = None, active: ActiveEngagement | None = None,
                 deps: frozenset[str] = frozenset()) -> None:
        self._summary, self._row, self._active = summary, row, active
        self.deps = deps
        """The facts (keys of `Facts`) the summary was derived from, beside the engagement's own files."""

    @property
    def state(self) -> State:
        if self._summary is not None:
            return self._summary.state
        assert self._row is not None
        return _decoded(_state_of, self._row)

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            assert self._row is not None
            self._summary = _decoded(_summary_of, self._row)
        return self._summary

    @property
    def active(self) -> ActiveEngagement:
        if self._active is None:
            assert self._row is not None
            self._active = _decoded(_decode_active, self._row)
        return self._active


DecodedT = TypeVar("DecodedT")


def _decoded(decode: Callable[[Row], DecodedT], row: Row) -> DecodedT:
    """A kept row decoded when it is first used; a row no wst wrote (an edited index) is one clear line, not a crash."""
    try:
        return decode(row)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise InvalidInput(_("{value}: the local index is damaged (the summary of '{id}'); delete it: wst rebuilds it").format(
            value=".wst/index.sqlite", id=str(row.id)[:80])) from None


def _holds_at(row: Row, now_us: int) -> bool:
    return (row.valid_from is None or row.valid_from <= now_us) and (row.valid_until is None or now_us < row.valid_until)


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1_000_000)


def folder_stamp(engagement_dir: str) -> tuple[str, int]:
    """The stat fingerprint of an engagement folder, and its newest modification time."""
    parts, newest = [], 0
    for path in (engagement_dir + "/events", engagement_dir + "/proposal.toml"):
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}")
        newest = max(newest, stat.st_mtime_ns)
    return "|".join(parts), newest




class SummaryIndex:
    def __init__(self, root: Path, index_path: Path) -> None:
        self.root = root
        self.index_path = index_path

    def entries(self, folders: list[str], now: datetime, build: Callable[[str], list[Entry]], facts: Facts) -> list[Entry]:
        """The summaries of every folder's engagements: from the index where they still hold, else built from the files."""
        with cycle_collection_paused():
            try:
                with self._connection() as db:
                    return self._entries(db, folders, now, build, facts)
            except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError):  # a damaged or edited index: the files decide
                return [entry for folder in folders for entry in build(folder)]

    def _entries(self, db: sqlite3.Connection, folders: list[str], now: datetime, build: Callable[[str], list[Entry]],
                 facts: Facts) -> list[Entry]:
        meta = db.execute("SELECT value FROM meta WHERE key = 'facts'").fetchone()
        known: Facts = json.loads(meta[0]) if meta is not None else {}
        changed = {name for name in known.keys() | facts.keys() if known.get(name) != facts.get(name)}
        if changed:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('facts', ?)", (json.dumps(facts, sort_keys=True),))
        cached: dict[str, list[Row]] = {}
        for raw in db.execute(f"SELECT {COLUMNS} FROM summary ORDER BY id"):
            row = Row(*raw)
            cached.setdefault(row.folder, []).append(row)
        base = str(self.root / "engagements")
        now_us = _micros(now)
        assert now_us is not None
        kept: dict[str, list[Row]] = {}
        stamps: dict[str, str] = {}
        touched: dict[str, bool] = {}

        def depends_on_change(deps: str) -> bool:
            """Whether a summary's facts include a changed one; asked once per distinct `deps` (summaries share a few)."""
            if deps not in touched:
                touched[deps] = not changed.isdisjoint(deps.split("\t"))
            return touched[deps]

        for folder in folders:
            stamps[folder], newest = folder_stamp(f"{base}/{folder}")
            hits = cached.get(folder, [])
            if hits and all(r.stamp == stamps[folder] and newest < r.indexed_ns - RACY_NS and _holds_at(r, now_us)
                            and not (changed and depends_on_change(r.deps)) for r in hits):
                kept[folder] = hits
        rebuilt = [folder for folder in folders if folder not in kept]
        rows = [row for built in mapped(lambda folder: [_to_row(e, folder, stamps[folder]) for e in build(folder)], rebuilt)
                for row in built]  # a first run reads every folder: in worker processes where there are cores to spare
        gone = set(cached) - set(folders)
        if rebuilt or gone:  # by id, the primary key: by folder, each delete would scan every row
            db.executemany("DELETE FROM summary WHERE id = ?", [(row.id,) for f in [*rebuilt, *gone] for row in cached.get(f, ())])
            db.executemany(f"INSERT OR REPLACE INTO summary ({COLUMNS}) VALUES ({', '.join('?' * len(Row._fields))})", rows)
        by_folder: dict[str, list[Row]] = {}
        for row in rows:
            by_folder.setdefault(row.folder, []).append(row)
        return [Entry(row=row) for folder in folders for row in kept.get(folder) or by_folder.get(folder, [])]

    def directory(self, key: str, build: Callable[[], Directory]) -> Directory:
        """What people.toml and firm.toml say as the index keeps it under `key` (a digest of both files' bytes
        and of this wst), else `build()`, which validates them, kept for the next run."""
        try:
            with self._connection() as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'directory'").fetchone()
                kept = _decode_directory(row[0], key) if row is not None else None
                if kept is not None:
                    return kept
                directory = build()
                text = json.dumps({"key": key, "members": directory.members, "facts": directory.facts}, ensure_ascii=False)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('directory', ?)", (text,))
                return directory
        except sqlite3.Error:
            return build()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.index_path, timeout=5, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.execute("DROP TABLE IF EXISTS summary")
                db.execute("DROP TABLE IF EXISTS meta")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS summary (id TEXT PRIMARY KEY, folder TEXT, stamp TEXT, indexed_ns INTEGER, "
                       "state TEXT, title TEXT, client TEXT, lead TEXT, ceo TEXT, review_deadline TEXT, valid_from INTEGER, "
                       "valid_until INTEGER, colleagues TEXT, responded TEXT, flags INTEGER, problems INTEGER, active TEXT, deps TEXT)")
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()


_OBJECTIONS, _DECISION, _UNINFORMED, _LEAD_DECLINED = 1, 2, 4, 8
_STATE = {state.value: state for state in State}
"""A row's state by its name: a dict look-up, where calling the enum costs ~3 us a row at 10,000 rows."""


def _moment_us(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1_000_000, UTC)


def _to_row(entry: Entry, folder: str, folder_fp: str) -> Row:
    s = entry.summary
    flags = ((_OBJECTIONS if s.open_objections else 0) | (_DECISION if s.needs_decision else 0) | (_UNINFORMED if s.uninformed else 0)
             | (_LEAD_DECLINED if s.lead_declined else 0))
    active = json.dumps(entry.active, ensure_ascii=False, separators=(",", ":"))  # NamedTuples: compact arrays
    return Row(s.id, folder, folder_fp, time.time_ns(), s.state.value, s.title, s.client, s.lead, s.ceo,
               None if s.review_deadline is None else s.review_deadline.isoformat(),
               _micros(s.valid_from), _micros(s.valid_until), "\t".join(s.colleagues), "\t".join(s.responded), flags,
               s.problems, active, "\t".join(sorted(entry.deps)))


def _state_of(row: Row) -> State:
    return _STATE[row.state]


def _summary_of(row: Row) -> Summary:
    return Summary(
        id=row.id, state=_state_of(row), title=row.title, client=row.client, lead=row.lead,
        review_deadline=None if row.review_deadline is None else datetime.fromisoformat(row.review_deadline),
        valid_from=_moment_us(row.valid_from), valid_until=_moment_us(row.valid_until),
        colleagues=tuple(row.colleagues.split("\t")) if row.colleagues else (),
        responded=tuple(row.responded.split("\t")) if row.responded else (),
        open_objections=bool(row.flags & _OBJECTIONS), needs_decision=bool(row.flags & _DECISION),
        uninformed=bool(row.flags & _UNINFORMED), ceo=row.ceo, problems=row.problems, lead_declined=bool(row.flags & _LEAD_DECLINED),
    )


def _decode_active(row: Row) -> ActiveEngagement:
    from westander_cli.policy.parties import ActiveEngagement, Side  # only a conflict check decodes these

    engagement_id, client, kind, classes, counterparties = json.loads(row.active)
    return ActiveEngagement(engagement_id, Side(client[0], tuple(client[1]), client[2], client[3]), kind, tuple(classes),
                            tuple(Side(c[0], tuple(c[1]), c[2], c[3]) for c in counterparties))


def _decode_directory(text: str, key: str) -> Directory | None:
    """The kept directory if it was kept under `key`; None if not, or if the index holds something else (a
    hand-edited or damaged index is rebuilt, never trusted)."""
    try:
        kept = json.loads(text)
        if kept["key"] != key:
            return None
        members = tuple(Member(str(m[0]), str(m[1]), bool(m[2]), bool(m[3])) for m in kept["members"])
        facts = {str(name): str(value) for name, value in kept["facts"].items()}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    return Directory(members, facts)

