"""`wst verify`: the integrity and legitimacy of every record, read from the files themselves.

For each engagement folder: every event file parses, its content matches its hash and its name, every
event it follows exists and is not later than it, the legacy proposal.toml matches its recorded hash,
and then the history is replayed through the one process table (`workflow.fold`), which judges each
event against the state of the events it follows: what the commands would have refused is an error
here. What concurrent clones legitimately produced (a superseded move, an objection concurrent with
an offer, two proposals under one id) is a warning that names the CEO decision that settles it.
Each stored proposal is re-checked against the firm's policy: findings, colleagues and review
deadline must be what wst would have recorded. Active engagements that conflict without any
recorded finding saying so (proposed in two clones at once) are warnings for the CEO.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from westander_cli import i18n
from westander_cli.errors import WstError
from westander_cli.events import BaseEvent, Proposed
from westander_cli.i18n import _
from westander_cli.states import ACTIVE, OPEN, State
from westander_cli.store import LEFTOVERS, SLUG_PATTERN, EngagementRecord, assemble, canonical_hash, event_file_name, scan_events
from westander_cli.workflow import Engagement

if TYPE_CHECKING:
    from westander_cli import arrival
    from westander_cli.intake import Workspace

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {'warning: ' if self.severity == 'warning' else ''}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message, "severity": self.severity}


def verify(ws: Workspace, *, since: str | None = None, skew: timedelta = timedelta(hours=1),
           progress: Callable[[int, int], None] | None = None) -> list[Problem]:
    """Every problem of the data folder's records; `since` a git revision: only the engagements whose files changed
    after it (all of them when people, firm, roster or policy changed), and the times of what arrived after it.
    `progress(done, total)` hears of each engagement folder verified (the CLI shows it on a terminal)."""
    from westander_cli import arrival

    found = arrival.changes(ws.data.root, since) if since is not None else None  # one look at git for both uses
    problems: list[Problem] = _trust(ws, since, skew, found)
    folder = ws.data.engagements_dir
    if folder.is_symlink():
        return [Problem(str(folder), None, _("is a symbolic link; engagements must be a plain folder"))]
    views: list[Engagement] = []
    entries = sorted(os.scandir(folder), key=lambda e: e.name) if folder.is_dir() else []
    changed = _changed_since(ws, since, found) if since is not None else None
    if changed is not None:
        entries = [e for e in entries if e.name in changed[0]]
    for done, entry in enumerate(entries, start=1):
        if progress is not None:
            progress(done, len(entries))
        if entry.name.startswith(LEFTOVERS):
            continue  # a killed writer's leftovers: never part of the history, removed later
        if entry.is_symlink():
            problems.append(Problem(entry.path, None, _("is a symbolic link; engagements must be plain folders")))
        elif not entry.is_dir():
            problems.append(Problem(entry.path, None, _("a file among the engagement folders")))
        elif not SLUG_PATTERN.fullmatch(entry.name):
            problems.append(Problem(entry.path, None, _("not an engagement id (lower-case letters, digits and '-')")))
        else:
            problems.extend(_verify_folder(ws, Path(entry.path), views))
    problems.extend(_policy_pin(ws))
    active = [v for v in views if v.state in ACTIVE]
    if changed is None:
        problems.extend(_unrecorded_conflicts(ws, active))
    else:  # a new proposal against the others that share a blocking key with it; older pairs were checked before
        new = [v for v in active if v.id.split("@")[0] in changed[1]]
        if new:
            others = ws.conflict_candidates(new, exclude={v.id for v in views})
            problems.extend(_unrecorded_conflicts(ws, new + others, concerning={v.id for v in new}))
    return problems


def _changed_since(ws: Workspace, since: str, changes: arrival.Changes | None = None) -> tuple[set[str], set[str]] | None:
    """The engagement folders whose files changed since `since`, and those among them with a new proposal;
    None when something every engagement depends on changed (people, firm, roster, policy, or any other file)."""
    from westander_cli import arrival

    root = ws.data.root.resolve()
    policies = ws.policies_dir.resolve()
    folders: set[str] = set()
    proposed: set[str] = set()
    for path in arrival.changed_files(ws.data.root, since, changes):
        if path.is_relative_to(policies):
            return None
        if not path.is_relative_to(root):
            continue  # another part of the repository: not the firm's records
        parts = path.relative_to(root).parts
        if parts[0] in (".wst", "outbox", "registry"):
            continue  # derived, local, or not read by verify
        if parts[0] != "engagements" or len(parts) < 2:
            return None
        folders.add(parts[1])
        if parts[-1] == "proposal.toml" or "-proposed-" in parts[-1]:
            proposed.add(parts[1])
    return folders, proposed


def _withdrawn_or_vetoed(ws: Workspace, proposed: Path) -> bool:
    """Whether the engagement the `proposed` event file starts is withdrawn or vetoed, as the process folds it
    (a file merely named so proves nothing); False where its folder cannot be read, which verify reports."""
    try:
        records = ws.data.read_folder(proposed.parent.parent.name)
    except WstError:
        return False
    return any(record.files[record.root.id].name == proposed.name and ws.view_of(record).state in (State.WITHDRAWN, State.VETOED)
               for record in records)


def _trust(ws: Workspace, since: str | None, skew: timedelta, changes: arrival.Changes | None = None) -> list[Problem]:
    """The CEO-approved roster (`roster`), and the records that arrived since `since` (`arrival`): problems as (text, warning)."""
    from westander_cli import arrival, roster

    found: list[tuple[str, bool]] = [(text, False) for text in roster.problems(ws.data.root, ws.data.firm, ws.data.people)]
    if since is not None:
        found += arrival.problems(ws.data.root, since, skew, ws.now, ws.data.people, ws.data.firm, changes,
                                  closed=lambda proposed: _withdrawn_or_vetoed(ws, proposed))
    located = []
    for text, warning in found:
        file, sep, message = text.partition(": ")
        severity: Severity = "warning" if warning else "error"
        located.append(Problem(file, None, message, severity) if sep else Problem(str(ws.data.root), None, text, severity))
    return located


def _verify_folder(ws: Workspace, folder: Path, views: list[Engagement]) -> Iterator[Problem]:
    legacy = None
    if (folder / "proposal.toml").exists():
        try:
            legacy = ws.data.legacy_proposal(folder)
        except WstError as error:
            yield Problem(str(folder / "proposal.toml"), None, _without_path(error, folder / "proposal.toml"))
    events_dir = folder / "events"
    events: list[BaseEvent] = []
    files: dict[str, Path] = {}
    for found in scan_events(events_dir):
        event = found.event
        if event is None:
            message = found.problem.removeprefix(f"{found.path}: ")
            yield Problem(str(found.path), None, _("unreadable event: {message}").format(message=message) if found.unreadable else message)
            continue
        if event.hash != canonical_hash(event.content()):
            yield Problem(str(found.path), None, _("edited: the content does not match the hash it was recorded with"))
            continue
        if found.path.name != event_file_name(event):
            yield Problem(str(found.path), None, _("renamed: an event with this content is named {event_file_name}").format(event_file_name=event_file_name(event)))
        if event.id not in files:
            events.append(event)
            files[event.id] = found.path
    by_hash = {e.id: e for e in events}
    for event in events:
        for previous in event.follows:
            if previous not in by_hash:
                yield Problem(str(files[event.id]), None, _("follows event {value}, which is missing (deleted?)").format(value=previous[:12]))
            elif by_hash[previous].at > event.at:
                yield Problem(str(files[event.id]), None,
                              _("recorded at {at:%Y-%m-%d %H:%M} UTC, before the event {value} it follows").format(at=event.at.astimezone(UTC), value=previous[:12]))
    roots = [e for e in events if isinstance(e, Proposed)]
    if not files and legacy is None:
        return  # nothing recorded: what a propose killed before its one file was linked in leaves
    if not roots:
        yield Problem(str(events_dir), None, _("no 'proposed' event; an engagement starts with one"))
        return
    try:
        records = assemble(folder.name, events, files, legacy)
    except WstError as error:
        yield Problem(str(folder), None, str(error))
        return
    if len(records) > 1:
        names = ", ".join(f"{r.id} (by {r.root.by})" for r in records)
        yield Problem(str(folder), None, _("{count} proposals share the id '{name}' (stored in different clones): {names}; the later ones must be withdrawn and proposed again under new ids").format(count=len(records), name=folder.name, names=names), "warning")
    for record in records:
        view = ws.view_of(record)
        views.append(view)
        yield from _replay(ws, record, view)
        yield from _recheck_proposal(ws, record)


def _replay(ws: Workspace, record: EngagementRecord, view: Engagement) -> Iterator[Problem]:
    root = record.root
    if root.follows:
        yield Problem(str(record.files[root.id]), None, _("the 'proposed' event follows other events; it must come first"))
    if root.proposal is None and record.legacy_proposal_sha256 != root.proposal_sha256:
        yield Problem(str(record.files[root.id].parent.parent / "proposal.toml"), None,
                      _("edited: the proposal does not match the hash recorded when it was proposed"))
    for event in view.events:
        path = str(record.files[event.id])
        if event.id in view.invalid:
            yield Problem(path, None, _("not allowed: {value}").format(value=view.invalid[event.id]))
        elif event.id in view.superseded:
            yield Problem(path, None, _("concurrent: {value} by {by} does not count: {value2}").format(value=event.kind.value, by=event.by, value2=view.superseded[event.id]), "warning")
        elif event.signature is not None:
            yield from _signature(ws, event, path)
    if view.reopened:
        decide = _("'wst approve {id}'").format(id=view.id) + (_(" or 'wst veto {id}'").format(id=view.id) if view.state in OPEN else "")
        yield Problem(str(record.files[root.id].parent), None,
                      _("concurrent: an objection was recorded while '{id}' was offered; it is disputed until the CEO decides ({decide})").format(id=view.id, decide=decide), "warning")
    if view.lead_declined:
        yield Problem(str(record.files[root.id].parent), None,
                      _("concurrent: {lead} declined personally to work on '{id}' while being assigned its lead; nobody willing leads it until the CEO assigns another ('wst assign {id} PERSON')").format(lead=view.lead, id=view.id), "warning")


def _signature(ws: Workspace, event: BaseEvent, path: str) -> Iterator[Problem]:
    """A signature that is present must be valid, required or not: a bad one means tampering."""
    from westander_cli import signing

    author = ws.data.person(event.by)
    if author is None:
        return  # not counted, and reported, as an event by someone who is not in people.toml
    error = signing.check_event_signature(author, event.id, str(event.signature), event.at)
    if error:
        yield Problem(path, None, _("bad signature: {error}").format(error=error))


def _recheck_proposal(ws: Workspace, record: EngagementRecord) -> Iterator[Problem]:
    """What `propose` would have recorded: the policy's findings, the colleagues, the review deadline."""
    from westander_cli.policy import engine
    from westander_cli.review_period import Counting, review_deadline
    from westander_cli.screening.ownership import NoRegistry

    root = record.root
    path = str(record.files[root.id])
    firm = ws.data.firm
    known = set(ws.roster.people)
    if not root.colleagues and len(known) > 1:
        yield Problem(path, None, _("informs no colleague; every colleague is informed before an offer (Kundpolicy fråga 7)"))
    for person in [root.lead, *root.colleagues, *([root.ceo] if root.ceo else [])]:
        if person not in known:
            yield Problem(path, None, _("names '{person}', who is not in people.toml").format(person=person))
    if root.ceo in known and not ws.recorded_ceo_counts(root):
        yield Problem(path, None, _("records '{person}' as its CEO, whom neither people.toml nor the roster approved by then names CEO; the CEO decides instead").format(person=root.ceo))
    if root.signatures is not None and (applies := ws.signatures_recorded(root)) != root.signatures:
        yield Problem(path, None, _("records signatures = '{recorded}', weaker than the '{approved}' the CEO had approved by then (roster/); '{approved}' applies").format(
            recorded=root.signatures.value, approved=applies.value))
    if root.proposal is not None:  # only wst 0.1's records (the proposal in proposal.toml) may lack these
        unrecorded = [name for name in ("review_hours", "ceo", "channels", "policy_digest") if getattr(root, name) is None]
        if unrecorded:
            yield Problem(path, None, _("records no {value}; every proposal since wst 0.2 records what its decision depends on (a hand-made event?)").format(value=', '.join(unrecorded)))
    if root.review_hours is not None:  # wst 0.1 did not record the period its deadline came from
        counting = root.review_counting or Counting.CALENDAR
        expected = review_deadline(root.at, root.review_hours, counting, root.timezone or firm.timezone)
        if root.review_deadline != expected:
            yield Problem(path, None, (_("review deadline {review_deadline:%Y-%m-%d %H:%M} UTC is not {review_hours} working hours after the proposal ({expected:%Y-%m-%d %H:%M} UTC)")
                                      if counting == Counting.WORKING_TIME else
                                      _("review deadline {review_deadline:%Y-%m-%d %H:%M} UTC is not {review_hours} hours after the proposal ({expected:%Y-%m-%d %H:%M} UTC)")
                                      ).format(review_deadline=root.review_deadline, review_hours=root.review_hours, expected=expected))
        elif (approved := ws.review_hours_approved(root)) is not None and root.review_hours < approved:
            yield Problem(path, None, _("recorded a review period of {review_hours} hours, shorter than the {review_hours2} the CEO had approved by then (roster/)").format(
                review_hours=root.review_hours, review_hours2=approved))
        elif root.review_hours < firm.review_hours:
            yield Problem(path, None, _("recorded a review period of {review_hours} hours, shorter than the firm's {review_hours2}").format(review_hours=root.review_hours, review_hours2=firm.review_hours), "warning")
    current = ws.policy_sha
    pinned = firm.policy.digest or current
    if root.policy_digest is not None and root.policy_digest != pinned:
        if root.policy_digest not in firm.policy.earlier:
            yield Problem(path, None, _("proposed under a policy ({value}) that is not the firm's, now or earlier").format(value=root.policy_digest[:12]))
        return
    if current != pinned:
        return  # _policy_pin reports it
    result = engine.check(record.proposal, ws.policy, engine.Context(owners=NoRegistry(), language=i18n.current()))
    recorded = {(f.rule, f.severity) for f in root.findings}
    missing = sorted({f"{f.rule} ({f.severity.value})" for f in result.findings
                      if f.severity.value in ("block", "forbid") and (f.rule, f.severity.value) not in recorded})
    if missing:
        severity: Literal["error", "warning"] = "error" if root.policy_digest is not None else "warning"
        forbidden = any(f.severity.value == "forbid" for f in result.findings)
        what = _("wst would have refused it") if forbidden else _("the block findings need a CEO exception")
        yield Problem(path, None, _("findings are not what the firm's policy gives: missing {value}; {what}").format(value=', '.join(missing), what=what), severity)


def _policy_pin(ws: Workspace) -> Iterator[Problem]:

    pinned = ws.data.firm.policy.digest
    current = ws.policy_sha
    if pinned is None:
        yield Problem(str(ws.data.root / "firm.toml"), None,
                      _("pins no policy; add [policy] digest = \"{current}\" so that only the firm's policy can be used").format(current=current), "warning")
    elif pinned != current:
        yield Problem(str(ws.policies_dir), None, _("not the firm's policy: its digest is {current}, firm.toml pins {pinned}").format(current=current, pinned=pinned))


def _unrecorded_conflicts(ws: Workspace, views: list[Engagement], concerning: set[str] | None = None) -> Iterator[Problem]:
    """Active engagements in conflict that no recorded finding shows (proposed in two clones at once);
    `concerning`: only the pairs with one of these engagements."""
    for item in ws.unrecorded_findings(views, with_registry=False, pairs_only=True):
        if item.other is None or (concerning is not None and not {item.engagement, item.other} & concerning):
            continue  # the proposal's own findings are re-checked by _recheck_proposal
        yield Problem(str(ws.data.engagements_dir / item.engagement.split("@")[0]), None,
                      _("{rule}: '{engagement}' and '{other}' ({other_client}) conflict, but neither recorded it (proposed in different clones?); {value}").format(rule=item.finding.rule, engagement=item.engagement, other=item.other, other_client=item.other_client, value=item.decision()), "warning")


def _without_path(error: WstError, path: Path) -> str:
    return str(error).removeprefix(f"{path}: ")
