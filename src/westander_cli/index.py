"""A derived, rebuildable index of engagement summaries, so views need not parse every event file.

The files are the truth. A summary is reused only while its engagement folder, events folder and
proposal file keep the size and modification times recorded with it (adding, removing or replacing
a file, as wst, `git pull` and `git checkout` do, changes the folder), while people.toml and
firm.toml are unchanged, and while the moment asked about lies within the summary's validity.
Like git's index, a folder modified within the last seconds before a summary was written is
"racily clean" and always re-read, so a coarse file-system clock cannot hide a new event.
Deleting `.wst/index.sqlite` costs one rebuild; any SQLite trouble falls back to the files.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from westander_cli.policy.engine import ActiveEngagement, Side
from westander_cli.workflow import State, Summary

INDEX_VERSION = "4"
RACY_NS = 3_000_000_000


def folder_stamp(engagement_dir: Path) -> tuple[str, int]:
    """The stat fingerprint of an engagement, and its newest modification time."""
    parts, newest = [], 0
    for path in (engagement_dir, engagement_dir / "events", engagement_dir / "proposal.toml"):
        try:
            stat = path.stat()
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


Entry = tuple[Summary, ActiveEngagement]


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
        cached = {r[0]: (r[1], r[2], r[3]) for r in db.execute("SELECT id, stamp, indexed_ns, data FROM summary")}
        engagements = self.root / "engagements"
        out: list[Entry] = []
        changed: list[tuple[str, str, int, str]] = []
        for engagement_id in ids:
            folder_fp, newest = folder_stamp(engagements / engagement_id)
            hit = cached.get(engagement_id)
            if hit is not None and hit[0] == folder_fp and newest < hit[1] - RACY_NS:
                entry = _decode(hit[2])
                if entry[0].holds_at(now):
                    out.append(entry)
                    continue
            entry = build(engagement_id)
            out.append(entry)
            changed.append((engagement_id, folder_fp, time.time_ns(), _encode(entry)))
        gone = set(cached) - set(ids)
        if changed or gone:
            db.executemany("INSERT OR REPLACE INTO summary VALUES (?, ?, ?, ?)", changed)
            db.executemany("DELETE FROM summary WHERE id = ?", [(g,) for g in gone])
        return out

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.index_path, timeout=5, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS summary (id TEXT PRIMARY KEY, stamp TEXT, indexed_ns INTEGER, data TEXT)")
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _encode(entry: Entry) -> str:
    summary, active = entry
    data: dict[str, Any] = asdict(summary)
    data.update(state=summary.state.value, review_deadline=_when(summary.review_deadline),
                valid_from=_when(summary.valid_from), valid_until=_when(summary.valid_until))
    data["active"] = asdict(active)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _decode(text: str) -> Entry:
    data = json.loads(text)
    active = data.pop("active")
    for key in ("review_deadline", "valid_from", "valid_until"):
        data[key] = None if data[key] is None else datetime.fromisoformat(data[key])
    for key in ("colleagues", "responded"):
        data[key] = tuple(data[key])
    summary = Summary(**{**data, "state": State(data["state"])})
    sides = [Side(c["name"], tuple(c["keys"]), c["org_number"], c["relation"]) for c in active["counterparties"]]
    client = active["client"]
    return summary, ActiveEngagement(active["id"], active["state"], Side(client["name"], tuple(client["keys"]), client["org_number"], client["relation"]),
                                     active["client_kind"], tuple(active["client_sectors"]), tuple(sides))


def index_path(root: Path) -> Path:
    return root / ".wst" / "index.sqlite"

