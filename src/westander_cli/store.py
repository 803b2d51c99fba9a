"""The data folder: firm, people, and engagements as append-only event files; locks.

Layout (SPEC 2):
    firm.toml, people.toml
    engagements/<id>/events/<time>-<kind>-<hash12>.toml   one file per event, never rewritten;
                                          the `proposed` event holds the proposal itself
    engagements/<id>/proposal.toml        only in engagements stored before wst 0.2
    outbox/        delivered messages (not in git)
    .wst/          locks and derived caches (not in git)

Every file is written to a temporary name, fsynced, then hard-linked to its final name, which
fails rather than overwrite: a reader sees a whole file or none, and no event is ever replaced.
Files are named by their content's hash, so two clones that record at the same time, even two
proposals under one id, add different files and git merges them without a conflict.
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
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from westander_cli.bounds import SLUG, WINDOWS_RESERVED
from westander_cli.errors import Failed, InvalidInput
from westander_cli.i18n import _
from westander_cli.tomlfile import read_toml

if TYPE_CHECKING:  # the file models load where a file is validated: a view served from the index needs none
    from westander_cli.events import BaseEvent, Proposed
    from westander_cli.model import Firm, People, Person, Proposal

GITIGNORE = "outbox/\n.wst/\n.tmp-*\n.staging-*/\n"
LEFTOVERS = (".tmp-", ".staging-")
"""Names of what a killed writer may leave: ignored by every reader, never committed, cleaned up later."""
GITATTRIBUTES = "*.toml text eol=lf\n*.eml -text\n"
SLUG_PATTERN = re.compile(SLUG)


def canonical_hash(content: dict[str, Any]) -> str:
    """sha256 of the canonical JSON form, Nones left out: the same event hashes the same on every machine."""
    blob = _canonical_json(content)
    if "null" in blob:  # a None somewhere, or only the word in a text: without the Nones (most events have none to walk for)
        blob = _canonical_json(_without_none(content))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


EventT = TypeVar("EventT", bound="BaseEvent")


def seal(event: EventT) -> EventT:
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


DUPLICATE_MARK = "@"
"""`<id>@<hash12>` names a proposal that another clone stored under an id already taken."""
KEY_PATTERN = re.compile(r"^(?P<id>[a-z0-9][a-z0-9-]{0,63})(@(?P<root>[0-9a-f]{12}))?$")


def check_id(engagement_id: str) -> str:
    """Only slugs reach the file system: no '..', slashes, NUL, odd digits or Windows device names."""
    if not isinstance(engagement_id, str) or not SLUG_PATTERN.fullmatch(engagement_id) or not engagement_id.isascii():
        raise InvalidInput(_("'{engagement_id!s:.80}' is not an engagement id (lower-case letters, digits and '-', at most 64)").format(engagement_id=engagement_id))
    if WINDOWS_RESERVED.match(engagement_id):
        raise InvalidInput(_("'{engagement_id}' is a reserved device name on Windows; choose another id").format(engagement_id=engagement_id))
    return engagement_id


def split_key(key: str) -> tuple[str, str | None]:
    """`id` or `id@hash12` (a proposal that lost its id to another clone's) into its parts."""
    match = KEY_PATTERN.fullmatch(key) if isinstance(key, str) and key.isascii() else None
    if match is None:
        check_id(key)
        raise AssertionError(key)  # check_id raised
    return check_id(match["id"]), match["root"]


@dataclass(frozen=True)
class EngagementRecord:
    """An engagement as stored: its `proposed` event, the proposal, and every event of its history."""

    id: str
    """`<folder>` or, for a proposal that another clone stored first under the same id, `<folder>@<hash12>`."""
    folder: str
    root: Proposed
    proposal: Proposal
    events: tuple[BaseEvent, ...]
    """In causal order (`workflow.causal_order`)."""
    files: dict[str, Path]
    """The file of each event, by hash."""
    duplicate_of: str | None = None
    legacy_proposal_sha256: str | None = None
    """The sha256 of proposal.toml, for engagements stored before wst 0.2."""


class DataFolder:
    """One firm's data folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[Path] = []
        self._required = False
        """Files this process wrote, for an optional git commit."""

    @property
    def engagements_dir(self) -> Path:
        return self.root / "engagements"

    @property
    def state_dir(self) -> Path:
        return self.root / ".wst"

    def require(self) -> None:
        if self._required:
            return  # checked once per process: reading 10,000 folders need not stat firm.toml 10,000 times
        if self.root.is_symlink():
            raise InvalidInput(_("{root}: is a symbolic link; give the data folder's real path").format(root=self.root))
        if not (self.root / "firm.toml").is_file():
            raise InvalidInput(_("{root}: not a wst data folder (no firm.toml); create one with 'wst init {root}'").format(root=self.root))
        if self.engagements_dir.is_symlink():
            raise InvalidInput(_("{engagements_dir}: is a symbolic link; engagements must be a plain folder").format(engagements_dir=self.engagements_dir))
        self._required = True

    @cached_property
    def firm(self) -> Firm:
        from westander_cli.model import Firm
        from westander_cli.tomlfile import load_model

        self.require()
        return load_model(read_toml(self.root / "firm.toml", "firm file"), Firm)

    @cached_property
    def people(self) -> People:
        from westander_cli.model import People
        from westander_cli.tomlfile import load_model

        self.require()
        return load_model(read_toml(self.root / "people.toml", _("people file")), People)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people.person if p.id == person_id), None)

    def ceo(self) -> Person:
        return next(p for p in self.people.person if p.active and p.role.value == "ceo")

    @property
    def outbox(self) -> Path:
        return self.root / self.firm.notify.outbox

    def engagement_ids(self) -> list[str]:
        """The engagement folders (a folder may hold more than one proposal after a merge)."""
        if not self.engagements_dir.is_dir() or self.engagements_dir.is_symlink():
            return []
        return sorted(
            entry.name
            for entry in os.scandir(self.engagements_dir)
            if entry.is_dir(follow_symlinks=False) and SLUG_PATTERN.fullmatch(entry.name)
        )

    def exists(self, engagement_id: str) -> bool:
        folder = self.engagements_dir / check_id(engagement_id)
        return (folder / "proposal.toml").is_file() or any(
            name.endswith(".toml") and "-proposed-" in name for name in _names(folder / "events"))

    def read(self, key: str) -> EngagementRecord:
        folder_id, root = split_key(key)
        for record in self.read_folder(folder_id):
            if record.id == key or (root is not None and record.root.id.startswith(root)):
                return record
        raise InvalidInput(_("no engagement '{key}'; see 'wst list'").format(key=key))

    def read_folder(self, folder_id: str) -> list[EngagementRecord]:
        """Every proposal stored in one engagement folder, the first (by its time, then hash) under the
        folder's id and any later one, from another clone, as `<id>@<hash12>`."""
        self.require()
        folder = self.engagements_dir / check_id(folder_id)
        if folder.is_symlink() or not folder.is_dir():
            return []
        events, files = self._read_events(folder / "events")
        return assemble(folder_id, events, files, self.legacy_proposal(folder))

    def legacy_proposal(self, folder: Path) -> tuple[Proposal, str] | None:
        path = folder / "proposal.toml"
        if not path.exists():
            return None
        if path.is_symlink():
            raise InvalidInput(_("{path}: is a symbolic link; records must be plain files").format(path=path))
        from westander_cli.model import Proposal
        from westander_cli.tomlfile import load_model

        document = read_toml(path, "proposal")
        return load_model(document, Proposal), hashlib.sha256(document.text.encode("utf-8")).hexdigest()

    def _read_events(self, folder: Path) -> tuple[list[BaseEvent], dict[str, Path]]:
        events: list[BaseEvent] = []
        files: dict[str, Path] = {}
        kept: dict[str, BaseEvent] = {}
        for found in scan_events(folder):
            if found.event is None:
                raise InvalidInput(found.problem)
            event = found.event
            if event.id in kept:  # the same event in two files (harmless), or a file claiming another's hash to hide it
                for path, claimed, other in ((found.path, event, files[event.id]), (files[event.id], kept[event.id], found.path)):
                    if canonical_hash(claimed.content()) != event.id:
                        raise InvalidInput(_("{path}: claims the hash of another event ({other}), which its content does not match").format(
                            path=path, other=other))
                continue
            kept[event.id] = event
            events.append(event)
            files[event.id] = found.path
        return events, files

    def create(self, proposed: Proposed) -> Proposed:
        """Store a new engagement: its sealed (and, where required, signed) `proposed` event.

        One file, written atomically: a writer killed half-way leaves nothing. The caller holds the
        firm's lock, so two processes on this machine cannot take one id.
        """
        assert proposed.proposal is not None and proposed.proposal.id is not None and proposed.hash
        engagement_id = check_id(proposed.proposal.id)
        if self.exists(engagement_id):
            raise InvalidInput(_("engagement id '{engagement_id}' is already used; choose another id").format(engagement_id=engagement_id))
        if (self.engagements_dir / engagement_id).is_symlink():
            raise InvalidInput(_("{value}: is a symbolic link; engagements must be plain folders").format(value=self.engagements_dir / engagement_id))
        self.engagements_dir.mkdir(parents=True, exist_ok=True)
        self.ensure_ignores()
        self._write(engagement_id, proposed)
        return proposed

    def append(self, folder_id: str, sealed: BaseEvent) -> BaseEvent:
        """Write one sealed event; callers hold the engagement's lock, so leftovers are a dead writer's."""
        remove_leftovers(self.engagements_dir / check_id(folder_id) / "events")
        return self._write(folder_id, sealed)

    def _write(self, folder_id: str, sealed: BaseEvent) -> BaseEvent:
        assert sealed.hash == canonical_hash(sealed.content()), "events are sealed before they are written"
        folder = self.engagements_dir / check_id(folder_id)
        if self.engagements_dir.is_symlink() or folder.is_symlink() or (folder / "events").is_symlink():
            raise InvalidInput(_("{folder}: is or holds a symbolic link; records are written only to plain folders").format(folder=folder))
        path = folder / "events" / event_file_name(sealed)
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
            result = subprocess.run(["git", "-C", str(self.root), *command], capture_output=True, text=True, env=env, timeout=120, check=False)
            if result.returncode != 0:
                detail = (result.stderr or result.stdout).strip().splitlines()
                raise Failed(_("recorded, but the git commit failed: {value}").format(value=detail[-1] if detail else 'git ' + command[0]))
        self.written.clear()

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Serialise writers between processes on this machine: per engagement, or `firm` for proposing."""
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


def assemble(folder_id: str, events: list[BaseEvent], files: dict[str, Path], legacy: tuple[Proposal, str] | None) -> list[EngagementRecord]:
    """The proposals of one folder: the first (by its time, then hash) under the folder's id, and
    any later one, stored under the same id in another clone, as `<id>@<hash12>`."""
    from westander_cli.events import Proposed

    roots = sorted((e for e in events if isinstance(e, Proposed)), key=lambda e: (e.at, e.id))
    if not roots:
        return []
    groups = _by_root(events, roots)
    records = []
    for number, root in enumerate(roots):
        key = folder_id if number == 0 else f"{folder_id}{DUPLICATE_MARK}{root.id[:12]}"
        proposal = root.proposal if root.proposal is not None else (legacy[0] if legacy else None)
        if proposal is None:
            raise InvalidInput(_("{value}: proposal: the proposed event holds no proposal, and there is no proposal.toml").format(value=files[root.id]))
        if root.proposal is not None and root.proposal.id is not None and root.proposal.id != folder_id:
            # `propose` stores a proposal under its id: one in another folder is a copy, which would give a vetoed
            # engagement a second, fresh history
            raise InvalidInput(_("{value}: proposal.id: '{id}' is not the folder it is stored in ('{folder}'): a copied proposal?").format(
                value=files[root.id], id=root.proposal.id, folder=folder_id))
        records.append(EngagementRecord(
            id=key, folder=folder_id, root=root, proposal=proposal, events=tuple(groups[root.id]), files=files,
            duplicate_of=folder_id if number else None, legacy_proposal_sha256=legacy[1] if legacy else None))
    return records


MAX_EVENT_FILES = 10_000
"""Far more events than any engagement gathers; a bound on what a hostile folder can cost to read."""


@dataclass(frozen=True)
class EventFile:
    """One file of an events folder: its event, or why it is not one."""

    path: Path
    event: BaseEvent | None
    problem: str = ""
    """`FILE[:LINE]: message`, as the store raises it."""
    unreadable: bool = False
    """The file is there but does not parse or validate (rather than: is no plain file)."""


def scan_events(folder: Path) -> list[EventFile]:
    """Every event file of an engagement, by name; what a killed writer left (`.tmp-*`) is skipped.

    The one place that reads an events folder: the store refuses the first bad file, `verify` and
    `validate` report every one.
    """
    from westander_cli.events import model_of
    from westander_cli.tomlfile import load_model

    if folder.is_symlink():
        return [EventFile(folder, None, _("{folder}: is a symbolic link; event folders must be plain folders").format(folder=folder))]
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    if len(entries) > MAX_EVENT_FILES:
        return [EventFile(folder, None, _("{folder}: holds {count:,} files; an engagement has at most {max_event_files:,} events").format(folder=folder, count=len(entries), max_event_files=MAX_EVENT_FILES))]
    found: list[EventFile] = []
    for entry in entries:  # the folder's listing says what each name is: no stat per file
        name = entry.name
        if name.startswith(".") or not name.endswith(".toml"):
            continue
        path = folder / name
        if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
            found.append(EventFile(path, None, _("{path}: not a plain file; event files must be plain files").format(path=path)))
            continue
        try:  # read_bytes opens with O_NOFOLLOW and checks it is a regular file: a swap since the listing is refused
            document = read_toml(path, "event file")
            event = load_model(document, model_of(document.data, str(path)))
            if event.hash is None:  # only an event being made has none; every later event follows one by it
                raise InvalidInput(_("{path}: hash: missing; every recorded event carries the hash it was sealed with").format(path=path))
            found.append(EventFile(path, event))
        except InvalidInput as error:
            found.append(EventFile(path, None, str(error), unreadable=True))
    return found


def load_event(path: Path) -> BaseEvent:
    """One event file, refused (exit 2, naming the file) unless it is a plain file of a known kind."""
    if path.is_symlink():
        raise InvalidInput(_("{path}: is a symbolic link; event files must be plain files").format(path=path))
    from westander_cli.events import model_of
    from westander_cli.tomlfile import load_model

    document = read_toml(path, "event file")
    return load_model(document, model_of(document.data, str(path)))


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _by_root(events: list[BaseEvent], roots: list[Proposed]) -> dict[str, list[BaseEvent]]:
    """Each event under the proposal whose history it extends; events that extend none (hand-made
    files) go with the first proposal, where the process refuses them."""
    from westander_cli.workflow import causal_order

    belongs: dict[str, str] = {root.id: root.id for root in roots}
    ordered = causal_order(events)
    for event in ordered:
        if event.id not in belongs:
            owners = [belongs[f] for f in event.follows if f in belongs]
            belongs[event.id] = owners[0] if owners else roots[0].id
    groups: dict[str, list[BaseEvent]] = {root.id: [] for root in roots}
    for event in ordered:
        groups[belongs[event.id]].append(event)
    return groups


def event_file_name(event: BaseEvent) -> str:
    """`<UTC time>-<kind>-<hash12>.toml`: sorts roughly by time, and says what it holds."""
    at = event.at  # the year in four digits, as strftime writes every year wst itself can record (2000-2100)
    return (f"{at.year:04d}{at.month:02d}{at.day:02d}T{at.hour:02d}{at.minute:02d}{at.second:02d}{at.microsecond:06d}Z"
            f"-{event.kind.value}-{str(event.hash)[:12]}.toml")


def remove_leftovers(folder: Path) -> None:
    """Temporary files of a writer that was killed before it linked its file in."""
    if folder.is_dir():
        for entry in os.scandir(folder):
            if entry.name.startswith(".tmp-"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def event_text(event: BaseEvent) -> str:
    return dump_toml(event.model_dump(mode="python", exclude_none=True))
