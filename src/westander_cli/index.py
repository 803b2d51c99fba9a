"""A derived, rebuildable index of engagement summaries, so views need not parse every event file.

The files are the truth. A summary is reused only while its engagement's events folder and
proposal file keep the modification time, size and inode recorded with it (adding, removing or
replacing a file, as wst, `git pull` and `git checkout` do, changes the folder), while
people.toml and firm.toml are unchanged, and while the moment asked about lies within the
summary's validity. Like git's index, a folder modified within the last seconds before a summary
was written is "racily clean" and always re-read, so a coarse file-system clock cannot hide a new
event. Deleting `.wst/index.sqlite` costs one rebuild; any SQLite trouble falls back to the files.
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

from westander_cli.policy.engine import ActiveEngagement, Side
from westander_cli.workflow import State, Summary

INDEX_VERSION = "8"
SCHEMA_VERSION = 8
"""An index written by another wst version is dropped and rebuilt, never misread."""
RACY_NS = 3_000_000_000
COLUMNS = "id, stamp, indexed_ns, state, title, client, lead, review_deadline, valid_from, valid_until, colleagues, responded, flags, active"


class Entry:
    """An engagement's summary and conflict-check data; from the index both are decoded only when asked for."""

    __slots__ = ("_summary", "_row", "_active")

    def __init__(self, summary: Summary | None = None, row: tuple[object, ...] | None = None, active: ActiveEngagement | None = None) -> None:
        self._summary, self._row, self._active = summary, row, active

    @property
    def state(self) -> State:
        return self._summary.state if self._summary is not None else State(self._row[3])  # type: ignore[index]

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            self._summary = _summary_of(self._row)  # type: ignore[arg-type]
        return self._summary

    @property
    def active(self) -> ActiveEngagement:
        if self._active is None:
            self._active = _decode_active(str(self._row[13]))  # type: ignore[index]
        return self._active

    def holds_at(self, now_us: int) -> bool:
        valid_from, valid_until = self._row[8], self._row[9]  # type: ignore[index]
        return (valid_from is None or valid_from <= now_us) and (valid_until is None or now_us < valid_until)  # type: ignore[operator]


def _micros(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1_000_000)


def folder_stamp(engagement_dir: str) -> tuple[str, int]:
    """The stat fingerprint of an engagement, and its newest modification time."""
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


def context_stamp(root: Path) -> str:
    parts = [INDEX_VERSION]
    for name in ("firm.toml", "people.toml"):
        try:
            stat = (root / name).stat()
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}")
        except FileNotFoundError:
            parts.append("-")
    return "|".join(parts)


class SummaryIndex:
    def __init__(self, root: Path, index_path: Path) -> None:
        self.root = root
        self.index_path = index_path

    def entries(self, ids: list[str], now: datetime, build: Callable[[str], Entry]) -> list[Entry]:
        """A summary per engagement: from the index where it still holds, else built from the files."""
        try:
            with self._connection() as db:
                return self._entries(db, ids, now, build)
        except sqlite3.Error:
            return [build(engagement_id) for engagement_id in ids]

    def _entries(self, db: sqlite3.Connection, ids: list[str], now: datetime, build: Callable[[str], Entry]) -> list[Entry]:
        stamp = context_stamp(self.root)
        row = db.execute("SELECT value FROM meta WHERE key = 'context'").fetchone()
        if row is None or row[0] != stamp:
            db.execute("DELETE FROM summary")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('context', ?)", (stamp,))
        cached = {r[0]: r for r in db.execute(f"SELECT {COLUMNS} FROM summary")}
        base = str(self.root / "engagements")
        now_us = _micros(now)
        assert now_us is not None
        out: list[Entry] = []
        changed = []
        for engagement_id in ids:
            folder_fp, newest = folder_stamp(f"{base}/{engagement_id}")
            hit = cached.get(engagement_id)
            if hit is not None and hit[1] == folder_fp and newest < hit[2] - RACY_NS:
                entry = Entry(row=hit)
                if entry.holds_at(now_us):
                    out.append(entry)
                    continue
            entry = build(engagement_id)
            out.append(entry)
            changed.append(_to_row(entry, folder_fp))
        gone = set(cached) - set(ids)
        if changed or gone:
            db.executemany(f"INSERT OR REPLACE INTO summary ({COLUMNS}) VALUES ({', '.join('?' * 14)})", changed)
            db.executemany("DELETE FROM summary WHERE id = ?", [(g,) for g in gone])
        return out

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
            db.execute("CREATE TABLE IF NOT EXISTS summary (id TEXT PRIMARY KEY, stamp TEXT, indexed_ns INTEGER, state TEXT, "
                       "title TEXT, client TEXT, lead TEXT, review_deadline TEXT, valid_from INTEGER, valid_until INTEGER, "
                       "colleagues TEXT, responded TEXT, flags INTEGER, active TEXT)")
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()


_OBJECTIONS, _DECISION, _UNINFORMED = 1, 2, 4


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _to_row(entry: Entry, folder_fp: str) -> tuple[object, ...]:
    s = entry.summary
    flags = (_OBJECTIONS if s.open_objections else 0) | (_DECISION if s.needs_decision else 0) | (_UNINFORMED if s.uninformed else 0)
    active = json.dumps(entry.active, ensure_ascii=False, separators=(",", ":"))  # NamedTuples: compact arrays
    return (s.id, folder_fp, time.time_ns(), s.state.value, s.title, s.client, s.lead, _when(s.review_deadline),
            _micros(s.valid_from), _micros(s.valid_until), "\t".join(s.colleagues), "\t".join(s.responded), flags, active)


def _summary_of(row: tuple[object, ...]) -> Summary:
    (engagement_id, _, _, state, title, client, lead, deadline, valid_from, valid_until, colleagues, responded, flags, _) = row
    return Summary(
        id=str(engagement_id), state=State(state), title=str(title), client=str(client), lead=str(lead),
        review_deadline=_moment(deadline),  # type: ignore[arg-type]
        valid_from=None if valid_from is None else datetime.fromtimestamp(int(valid_from) / 1_000_000, UTC),  # type: ignore[call-overload]
        valid_until=None if valid_until is None else datetime.fromtimestamp(int(valid_until) / 1_000_000, UTC),  # type: ignore[call-overload]
        colleagues=tuple(str(colleagues).split("\t")) if colleagues else (),
        responded=tuple(str(responded).split("\t")) if responded else (),
        open_objections=bool(int(flags) & _OBJECTIONS), needs_decision=bool(int(flags) & _DECISION),  # type: ignore[call-overload]
        uninformed=bool(int(flags) & _UNINFORMED),  # type: ignore[call-overload]
    )


def _decode_active(text: str) -> ActiveEngagement:
    engagement_id, client, kind, classes, counterparties = json.loads(text)
    return ActiveEngagement(engagement_id, Side(client[0], tuple(client[1]), client[2], client[3]), kind, tuple(classes),
                            tuple(Side(c[0], tuple(c[1]), c[2], c[3]) for c in counterparties))
