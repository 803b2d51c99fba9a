"""Reading a data folder as the views see it: who is who, every engagement's summary, one engagement folded.

The base of `intake.Workspace`, and light to import: a view served from the summary index (`wst status`,
`wst list`) loads neither Pydantic nor the process while nothing changed since it was indexed. People.toml
and firm.toml are validated once per change, not once per run: the index keeps what the views and the
summaries need of them (`Directory`) under a digest of both files' bytes and this wst's version, and any
other bytes are validated the full way, which reports a bad file as every command does.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from westander_cli import __version__, bounds, clock
from westander_cli.errors import InvalidInput, NotPermitted
from westander_cli.i18n import _
from westander_cli.index import SCHEMA_VERSION, Directory, Entry, Facts, Member, SummaryIndex
from westander_cli.language import git_email
from westander_cli.states import ACTIVE, Summary
from westander_cli.store import DataFolder, EngagementRecord

if TYPE_CHECKING:
    from westander_cli.events import BaseEvent, Proposed
    from westander_cli.model import People, Person, SignatureRule, SignatureSettings
    from westander_cli.policy.parties import ActiveEngagement
    from westander_cli.roster import Approval
    from westander_cli.workflow import Engagement, Roster


@dataclass(kw_only=True)
class Reader:
    """A data folder seen at one moment (`now`, or `as_of` for a view of the past)."""

    data: DataFolder
    now: datetime
    as_of: datetime | None = None
    _cached_entries: list[Entry] | None = field(default=None, repr=False)
    _recorded_rules: dict[str, SignatureRule] = field(default_factory=dict, repr=False)

    @cached_property
    def roster(self) -> Roster:
        from westander_cli.workflow import Roster

        return Roster.of(self.data.people)

    # --- who is who ----------------------------------------------------------------------------

    @cached_property
    def directory(self) -> Directory:
        self.data.require()
        files = {name: bounds.read_bytes(self.data.root / name, bounds.MAX_TOML_BYTES, what) for name, what in _directory_files()}
        digest = hashlib.sha256(f"{__version__}\0{SCHEMA_VERSION}\0".encode())
        for name, raw in files.items():
            # the bytes decide what the directory says; this machine's inode and change time (which no commit
            # can set) make an index that arrived from elsewhere (committed, copied) a miss, never a source
            info = os.stat(self.data.root / name)
            digest.update(hashlib.sha256(raw).digest() + f"{info.st_ino}:{info.st_mtime_ns}:{info.st_ctime_ns}".encode())
        return self._index().directory(digest.hexdigest(), lambda: _directory_of(self.data.root, files))

    def member(self, as_person: str | None) -> Member:
        """--as > WST_USER > git user.email of the data folder; unknown is exit 4, never a default (for views)."""
        return _identified(as_person, self.directory.members, self.data.root)

    def identify(self, as_person: str | None) -> Person:
        """The person acting, as `member` finds them, from people.toml itself: what records and gates act on
        is never taken from the index."""
        person = self.data.person(_identified(as_person, _members(self.data.people), self.data.root).id)
        assert person is not None, "found in the same people.toml"
        return person

    # --- reading ---------------------------------------------------------------------------

    def record(self, key: str) -> EngagementRecord:
        return self.data.read(key)

    def view_of(self, record: EngagementRecord) -> Engagement:
        from westander_cli.workflow import fold

        events = list(record.events)
        moment = self.now
        presorted = True
        if self.as_of is not None:
            moment = self.as_of
            events = [e for e in events if e.at <= self.as_of]
            if record.root not in events:
                raise InvalidInput(_("'{id}' was proposed after {value}").format(id=record.id, value=clock.iso(self.as_of)))
        return fold(record.id, record.root, record.proposal, events, self.roster, moment,
                    channels_now=self.data.firm.notify.channels, trust=self.signature_problem,
                    duplicate_of=record.duplicate_of, presorted=presorted, recorded_ceo_counts=self.recorded_ceo_counts)

    def view(self, key: str) -> Engagement:
        return self.view_of(self.record(key))

    def summaries(self) -> list[Summary]:
        return [entry.summary for entry in self._entries()]

    def active_engagements(self) -> list[ActiveEngagement]:
        return [e.active for e in self._entries() if e.state in ACTIVE]

    def _entries(self) -> list[Entry]:
        """Every engagement's summary, from the index where the files have not changed."""
        if self._cached_entries is None:
            if self.as_of is not None:
                self._cached_entries = [e for folder in self.data.engagement_ids() for e in self._folder_entries(folder)]
            else:
                self._cached_entries = self._index().entries(self.data.engagement_ids(), self.now, self._folder_entries, self.summary_facts())
        return self._cached_entries

    def _index(self) -> SummaryIndex:
        return SummaryIndex(self.data.root, self.data.state_dir / "index.sqlite")

    def summary_facts(self) -> Facts:
        """What a summary can depend on beyond its own folder, by name: each person's standing in the roster
        (in people.toml, CEO, former CEO) and signing keys, and, for records of wst 0.1 that did not record
        them, the CEO, the firm's channels and its signature settings (`_dependencies` says which a summary uses)."""
        facts = dict(self.directory.facts)
        try:  # approvals are added, never edited: a new one changes the folder
            stat = (self.data.root / "roster").stat()
            approved = f"{stat.st_mtime_ns}:{stat.st_ino}"
        except FileNotFoundError:
            approved = "-"
        facts["signatures"] = f"{facts['signatures']}|{approved}"
        facts["approvals"] = approved
        return facts

    def _folder_entries(self, folder: str) -> list[Entry]:
        from westander_cli.policy.parties import ActiveEngagement
        from westander_cli.workflow import summarize

        entries = []
        for record in self.data.read_folder(folder):
            if self.as_of is not None and record.root.at > self.as_of:
                continue
            view = self.view_of(record)
            active = ActiveEngagement.of(view.id, view.proposal.client, view.proposal.counterparties)
            entries.append(Entry(summarize(view), active=active, deps=_dependencies(record)))
        return entries

    # --- trust -------------------------------------------------------------------------------

    @cached_property
    def signatures(self) -> SignatureSettings:
        """firm.toml's signature requirement, never below the one the CEO last approved (roster)."""
        from westander_cli import roster

        return roster.effective_signatures(self.data.firm, self._approvals)

    @cached_property
    def _approvals(self) -> list[Approval]:
        from westander_cli import roster

        return roster.read_approvals(self.data.root)[0]

    def recorded_ceo_counts(self, root: Proposed) -> bool:
        """Whether the CEO a `proposed` event records decides for it: one with the role ceo in people.toml (now or
        before), or one the CEO-signed roster approvals in force at the proposal's time name (a CEO who has since
        stepped down). A firm with no approval by then has nothing to show otherwise (README, threat model: no keys)."""
        from westander_cli import roster

        if root.ceo in self.roster.ceos | self.roster.former_ceos:
            return True
        named = roster.ceos_of(roster.in_force(self._approvals, root.at))
        return named is None or root.ceo in named

    def signatures_recorded(self, root: Proposed) -> SignatureRule:
        """The rule an engagement's `proposed` event records, raised to what the CEO had approved by then (a
        hand-made `signatures = "none"` does not switch off what the roster requires); once per engagement, as
        every event's signature check asks."""
        from westander_cli import roster

        assert root.signatures is not None
        if root.id not in self._recorded_rules:
            floor = roster.strictest(roster.in_force(self._approvals, root.at))
            self._recorded_rules[root.id] = roster.stricter(root.signatures, floor)
        return self._recorded_rules[root.id]

    def review_hours_approved(self, root: Proposed) -> int | None:
        """The review period the CEO had approved when `root` was proposed (roster/; the longest where approvals
        fork); None where there was no approval then."""
        from westander_cli import roster

        return roster.longest_review(roster.in_force(self._approvals, root.at))

    def signature_problem(self, event: BaseEvent, root: Proposed) -> str | None:
        """Why an event does not count for want of the signature required when its engagement was
        proposed (the current requirement for engagements stored before wst 0.2); None: it counts. Where a
        signature is required, the event's content must match its hash, which the signature is over."""
        from westander_cli import signing
        from westander_cli.model import SignatureSettings

        settings = self.signatures if root.signatures is None else SignatureSettings(required=self.signatures_recorded(root))
        if not settings.requires(event.kind):
            return None
        from westander_cli.store import canonical_hash

        if event.hash != canonical_hash(event.content()):  # a signature is over the hash: a copied hash and signature prove nothing
            return _("{value} by {by}: edited: the content does not match the hash it was recorded with").format(value=event.kind.value, by=event.by)
        author = self.data.person(event.by)
        if event.signature is None:
            return _("{value} by {by}: unsigned, but firm.toml requires a signature on it").format(value=event.kind.value, by=event.by)
        if author is None:
            return _("{value} by {by}: signed by someone who is not in people.toml").format(value=event.kind.value, by=event.by)
        problem = signing.check_event_signature(author, event.id, event.signature, event.at)
        return _("{value} by {by}: bad signature: {problem}").format(value=event.kind.value, by=event.by, problem=problem) if problem else None


def _directory_files() -> tuple[tuple[str, str], ...]:
    """The files the directory is made of, each with the name errors give it (as `DataFolder` names them)."""
    return ("people.toml", _("people file")), ("firm.toml", "firm file")


def _directory_of(root: Path, files: dict[str, bytes]) -> Directory:
    """People.toml and firm.toml validated from the very bytes the directory is kept under, and what it keeps."""
    from westander_cli.model import Firm, People
    from westander_cli.tomlfile import load_model, parse_toml, text_of

    documents = {name: parse_toml(root / name, text_of(root / name, files[name]), what) for name, what in _directory_files()}
    people, firm = load_model(documents["people.toml"], People), load_model(documents["firm.toml"], Firm)
    ceos, former_ceos = people.ceos(), people.former_ceos()  # what `workflow.Roster` holds, without loading the process
    facts: Facts = {}
    for person in people.person:
        facts[f"person:{person.id}"] = f"{int(person.id in ceos)}{int(person.id in former_ceos)}"
        keys = [(k.key, str(k.valid_from), str(k.valid_until)) for k in person.all_keys()]
        facts[f"keys:{person.id}"] = hashlib.sha256(repr(keys).encode()).hexdigest()[:16] if keys else ""
    facts["ceos"] = ",".join(sorted(ceos))
    facts["channels"] = ",".join(c.value for c in firm.notify.channels)
    facts["signatures"] = firm.signatures.model_dump_json()
    return Directory(_members(people), facts)


def _members(people: People) -> tuple[Member, ...]:
    from westander_cli.model import Role

    return tuple(Member(p.id, p.email, p.active, p.role == Role.CEO) for p in people.person)


def _identified(as_person: str | None, members: Iterable[Member], root: Path) -> Member:
    """--as > WST_USER > git user.email of the data folder `root`; unknown is exit 4, never a default."""
    if as_person is not None and not as_person.strip():
        raise InvalidInput(_("--as: give a person's id or email (it is empty)"))
    wanted = as_person or os.environ.get("WST_USER") or git_email(root)
    if not wanted:
        raise NotPermitted(_("who are you? give --as PERSON, or set WST_USER=PERSON, or set git user.email "
                           "in the data folder's repository (PERSON is an id or email in people.toml)"))
    for member in members:
        if wanted == member.id or wanted.lower() == member.email.lower():
            if not member.active:
                raise NotPermitted(_("{id} is not an active member of the firm").format(id=member.id))
            return member
    raise NotPermitted(_("'{wanted}' is not a person in {value}; give --as PERSON or set WST_USER to an id or email listed there").format(wanted=wanted, value=root / 'people.toml'))


def _dependencies(record: EngagementRecord) -> frozenset[str]:
    """The facts of `Reader.summary_facts` that folding this record reads: the roster entry and keys of
    everyone its events name (the fold asks whether each author is in people.toml and is the CEO, and
    checks signatures against the author's keys), and what a record of wst 0.1 takes from the current files."""
    from westander_cli.events import LeadChanged, Team  # only where a record is folded: the warm views load no models

    people = {record.root.lead, *record.root.colleagues, *([record.root.ceo] if record.root.ceo else [])}
    for event in record.events:
        people.add(event.by)
        if isinstance(event, Team | LeadChanged):  # not getattr: a miss on a pydantic model raises and catches per event
            people.add(event.person)
    deps = {f"person:{p}" for p in people} | {f"keys:{p}" for p in people}
    if record.root.ceo is None:
        deps.add("ceos")
    if record.root.channels is None:
        deps.add("channels")
    deps.add("approvals")  # a recorded signature rule is raised to the approved one; the recorded CEO checked against them
    if record.root.signatures is None:
        deps.add("signatures")
    return frozenset(deps)
