"""The data folder: firm, people, engagements as append-only event files, and locks.

Layout (SPEC 2):
    firm.toml, people.toml
    engagements/<id>/proposal.toml          the proposal as submitted, written once
    engagements/<id>/events/<time>-<kind>-<hash12>.toml   one file per event, never rewritten
    outbox/        delivered messages (not in git)
    .wst/          locks and derived caches (not in git)

Every file is written to a temporary name, fsynced, then hard-linked to its final name, which
fails rather than overwrite: a reader sees a whole file or none, and no event is ever replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

from westander_cli.errors import Failed, InvalidInput
from westander_cli.model import SLUG, Event, Firm, People, Person, Proposal
from westander_cli.tomlfile import load_model, read_toml

GITIGNORE = "outbox/\n.wst/\n.tmp-*\n.staging-*/\n"
LEFTOVERS = (".tmp-", ".staging-")
"""Names of what a killed writer may leave: ignored by every reader, never committed, cleaned up later."""
GITATTRIBUTES = "*.toml text eol=lf\n*.eml -text\n"
SLUG_PATTERN = re.compile(SLUG)


def canonical_hash(content: dict[str, Any]) -> str:
    """sha256 of the canonical JSON form: the same event hashes the same on every machine."""
    blob = json.dumps(_without_none(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def seal(event: Event) -> Event:
    """The event with its hash filled in."""
    return event.model_copy(update={"hash": canonical_hash(event.content())})


def dump_toml(data: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(_without_none(data), multiline_strings=True)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def write_once(path: Path, text: str | bytes) -> None:
    """Create `path` with `text` atomically; refuse if it exists. Never replaces a file."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    _create(path, lambda handle: handle.write(data))


def copy_once(source: Path, path: Path) -> None:
    """Copy a file into place atomically, streaming (for large imports); refuse if `path` exists."""
    with source.open("rb") as reader:
        _create(path, lambda handle: shutil.copyfileobj(reader, handle, 1 << 20))


def _create(path: Path, fill: Callable[[BinaryIO], object]) -> None:
    """Fill a temporary file beside `path`, fsync it, then hard-link it to `path`: a reader sees the
    whole file or nothing, and an existing file is never replaced (the link fails)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".tmp-{os.getpid()}-{os.urandom(6).hex()}"
    try:
        with open(temporary, "xb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$")
"""Names Windows cannot hold as files: a firm's data folder may be cloned there."""


def check_id(engagement_id: str) -> str:
    """Only slugs reach the file system: no '..', slashes, NUL, odd digits or Windows device names."""
    if not isinstance(engagement_id, str) or not SLUG_PATTERN.fullmatch(engagement_id) or not engagement_id.isascii():
        raise InvalidInput(f"'{engagement_id!s:.80}' is not an engagement id (lower-case letters, digits and '-', at most 64)")
    if WINDOWS_RESERVED.match(engagement_id):
        raise InvalidInput(f"'{engagement_id}' is a reserved device name on Windows; choose another id")
    return engagement_id


@dataclass(frozen=True)
class EngagementRecord:
    """An engagement as stored: its proposal and its events in recorded order."""

    id: str
    proposal: Proposal
    proposal_sha256: str
    events: tuple[Event, ...]
    event_files: tuple[Path, ...]


class DataFolder:
    """One firm's data folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.signer: Callable[[Event], Event] | None = None
        """Adds the author's signature to a sealed event before it is written (set by the workspace)."""
        self.written: list[Path] = []
        """Files this process wrote, for an optional git commit."""

    @property
    def engagements_dir(self) -> Path:
        return self.root / "engagements"

    @property
    def state_dir(self) -> Path:
        return self.root / ".wst"

    def require(self) -> None:
        if not (self.root / "firm.toml").is_file():
            raise InvalidInput(f"{self.root}: not a wst data folder (no firm.toml); create one with 'wst init {self.root}'")

    @cached_property
    def firm(self) -> Firm:
        self.require()
        return load_model(read_toml(self.root / "firm.toml", "firm file"), Firm)

    @cached_property
    def people(self) -> People:
        self.require()
        return load_model(read_toml(self.root / "people.toml", "people file"), People)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people.person if p.id == person_id), None)

    def ceo(self) -> Person:
        return next(p for p in self.people.person if p.active and p.role.value == "ceo")

    @property
    def outbox(self) -> Path:
        return self.root / self.firm.notify.outbox

    def engagement_ids(self) -> list[str]:
        if not self.engagements_dir.is_dir():
            return []
        return sorted(
            entry.name
            for entry in os.scandir(self.engagements_dir)
            if entry.is_dir(follow_symlinks=False) and SLUG_PATTERN.fullmatch(entry.name)
        )

    def exists(self, engagement_id: str) -> bool:
        return (self.engagements_dir / check_id(engagement_id) / "proposal.toml").is_file()

    def read(self, engagement_id: str) -> EngagementRecord:
        folder = self.engagements_dir / check_id(engagement_id)
        proposal_path = folder / "proposal.toml"
        if folder.is_symlink() or not proposal_path.is_file():
            raise InvalidInput(f"no engagement '{engagement_id}'; see 'wst list'")
        document = read_toml(proposal_path, "proposal")
        proposal = load_model(document, Proposal)
        events, files = self._read_events(folder / "events")
        return EngagementRecord(
            id=engagement_id,
            proposal=proposal,
            proposal_sha256=hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
            events=events,
            event_files=files,
        )

    def _read_events(self, folder: Path) -> tuple[tuple[Event, ...], tuple[Path, ...]]:
        if not folder.is_dir():
            return (), ()
        loaded: list[tuple[Event, Path]] = []
        for entry in os.scandir(folder):
            if entry.name.startswith(".") or not entry.name.endswith(".toml"):
                continue  # temporary files of a writer that has not finished (or was killed)
            if entry.is_symlink():
                raise InvalidInput(f"{entry.path}: is a symbolic link; event files must be plain files")
            path = Path(entry.path)
            loaded.append((load_model(read_toml(path, "event file"), Event), path))
        ordered = causal_order(loaded)
        return tuple(e for e, _ in ordered), tuple(p for _, p in ordered)

    def create(self, proposal: Proposal, proposed: Event) -> Event:
        """Store a new engagement with its `proposed` event; the id must be new.

        The engagement is assembled in a staging folder and renamed into place in one step, so a
        writer killed half-way leaves no half-made engagement, and of two writers choosing one id
        only the first rename succeeds. The event is sealed and signed before anything is written.
        """
        assert proposal.id is not None
        check_id(proposal.id)
        text = dump_toml(proposal.model_dump(mode="json"))
        event = self._prepare(proposed.model_copy(update={"proposal_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}))
        final = self.engagements_dir / proposal.id
        if final.exists():
            raise InvalidInput(f"engagement id '{proposal.id}' is already used; choose another id")
        self.engagements_dir.mkdir(parents=True, exist_ok=True)
        self.ensure_ignores()
        remove_stale_staging(self.engagements_dir)
        staging = self.engagements_dir / f".staging-{proposal.id}-{os.getpid()}-{os.urandom(4).hex()}"
        staging.mkdir()
        try:
            write_once(staging / "proposal.toml", text)
            write_once(staging / "events" / event_file_name(event), event_text(event))
            try:
                os.rename(staging, final)
            except OSError:
                raise InvalidInput(f"engagement id '{proposal.id}' is already used; choose another id") from None
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        _fsync_dir(self.engagements_dir)
        self.written += [final / "proposal.toml", final / "events" / event_file_name(event)]
        return event

    def append(self, engagement_id: str, event: Event) -> Event:
        """Write one event; callers hold the engagement's lock, so leftovers are a dead writer's."""
        return self._write(engagement_id, self._prepare(event))

    def _prepare(self, event: Event) -> Event:
        sealed = seal(event)
        return self.signer(sealed) if self.signer is not None else sealed

    def _write(self, engagement_id: str, sealed: Event) -> Event:
        events = self.engagements_dir / check_id(engagement_id) / "events"
        remove_leftovers(events)
        path = events / event_file_name(sealed)
        write_once(path, event_text(sealed))
        self.written.append(path)
        return sealed

    def commit(self, author_name: str, author_email: str, message: str) -> None:
        """Commit what this process wrote to the data folder's git repository, as the acting person."""
        import subprocess

        if not self.written:
            return
        files = [str(p.relative_to(self.root)) for p in self.written]
        env = {**os.environ}
        env.setdefault("GIT_COMMITTER_NAME", author_name)
        env.setdefault("GIT_COMMITTER_EMAIL", author_email)
        for command in (["add", "--", *files], ["commit", "-q", "-m", message, f"--author={author_name} <{author_email}>", "--", *files]):
            result = subprocess.run(["git", "-C", str(self.root), *command], capture_output=True, text=True, env=env, timeout=120)
            if result.returncode != 0:
                detail = (result.stderr or result.stdout).strip().splitlines()
                raise Failed(f"recorded, but the git commit failed: {detail[-1] if detail else 'git ' + command[0]}")
        self.written.clear()

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Serialise transitions on one engagement between processes on this machine."""
        from filelock import FileLock

        locks = self.state_dir / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        with FileLock(str(locks / f"{name}.lock"), timeout=60):
            yield

    def ensure_ignores(self) -> None:
        """The outbox and local state never go into git; hashes must not see line-ending changes."""
        for name, text in ((".gitignore", GITIGNORE), (".gitattributes", GITATTRIBUTES)):
            path = self.root / name
            if not path.exists():
                with contextlib.suppress(FileExistsError):
                    write_once(path, text)


def event_file_name(event: Event) -> str:
    """`<UTC time>-<kind>-<hash12>.toml`: sorts by time, and says what it holds."""
    return f"{event.at.strftime('%Y%m%dT%H%M%S%fZ')}-{event.kind.value}-{str(event.hash)[:12]}.toml"


STALE_STAGING_SECONDS = 3600


def remove_stale_staging(folder: Path) -> None:
    """Staging folders of writers killed before their rename (an hour old: no live writer is that slow)."""
    import time

    for entry in os.scandir(folder):
        if entry.name.startswith(".staging-"):
            with contextlib.suppress(OSError):
                if time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_STAGING_SECONDS:
                    shutil.rmtree(entry.path, ignore_errors=True)


def remove_leftovers(folder: Path) -> None:
    """Temporary files of a writer that was killed before it linked its file in."""
    if folder.is_dir():
        for entry in os.scandir(folder):
            if entry.name.startswith(".tmp-"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def causal_order(items: list[tuple[Event, Path]]) -> list[tuple[Event, Path]]:
    """Every event after the events it follows; otherwise by time, then hash (the same in every clone)."""
    import heapq

    by_hash = {event.hash: (event, path) for event, path in items if event.hash}
    waiting = {h: {f for f in e.follows if f in by_hash and f != h} for h, (e, _) in by_hash.items()}
    followers: dict[str, list[str]] = {}
    for h, needs in waiting.items():
        for need in needs:
            followers.setdefault(need, []).append(h)
    ready = [(by_hash[h][0].at, h) for h, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered: list[tuple[Event, Path]] = []
    while ready:
        _, h = heapq.heappop(ready)
        ordered.append(by_hash[h])
        for follower in followers.get(h, []):
            waiting[follower].discard(h)
            if not waiting[follower]:
                heapq.heappush(ready, (by_hash[follower][0].at, follower))
    placed = {id(e) for e, _ in ordered}
    rest = sorted((pair for pair in items if id(pair[0]) not in placed), key=lambda p: (p[0].at, p[0].hash or ""))
    return ordered + rest  # events without a hash or in a cycle of follows: verify reports them


def event_text(event: Event) -> str:
    ordered = event.model_dump(mode="python", exclude_none=True)
    return dump_toml(ordered)
