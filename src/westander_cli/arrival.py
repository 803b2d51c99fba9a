"""What CI can vouch for: records that arrived since a git revision, judged by when they arrived.

Every record carries the time its author's machine claimed (`at`), which anyone can set with
WST_NOW. What a clone cannot fake is when a file first reached the shared repository: CI sees it
arrive. So a record that arrived after REF but says it was made long before (a backdated proposal,
skipping the review period) or after (a post-dated offer) the CI clock, beyond the allowed skew,
is reported when pushed. So is an event that arrives from someone people.toml no longer lists as
active (the fold counts the events of people who have since left, as their history, so only its
arrival tells a new one from an old one), and a proposal that arrives without naming every active
colleague or every channel the firm delivers by (the review it starts would never ask them).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from westander_cli.clock import recordable
from westander_cli.errors import InvalidInput, WstError
from westander_cli.i18n import _
from westander_cli.tomlfile import read_toml

if TYPE_CHECKING:
    from westander_cli.model import Firm, People

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """`90s`, `10m`, `2h`, `1d`, `1h30m`; anything else is a usage error naming the option."""
    cleaned = text.strip().lower()
    if not cleaned or _DURATION.sub("", cleaned) or len(cleaned) > 40:
        raise InvalidInput(_("--clock-skew: '{text}' is not a duration like 10m, 2h or 1d").format(text=text))
    return timedelta(seconds=sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(cleaned)))


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise InvalidInput(_("--since: cannot run git: {error}").format(error=error)) from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        raise InvalidInput(_("--since: git {value} failed in {root}: {value2}").format(value=args[0], root=root, value2=detail[-1] if detail else 'error'))
    return result.stdout


class Changes(NamedTuple):
    """What git says changed since a revision."""

    top: Path
    """The repository's top folder."""
    base: str
    """The merge base of the revision and HEAD."""
    changed: frozenset[str]
    """Files (relative to `top`) added, changed or deleted since `base`, in commits, the index or the working tree."""


class Arrival(NamedTuple):
    """One problem of a record that arrived: `where: what`."""

    text: str
    warning: bool = False


def changes(data_root: Path, since: str) -> Changes:
    """The files changed since the merge base of `since` and HEAD: commits as a tree-to-tree diff, the working tree
    and the index from `git status` (its stat cache: a diff of the base against the working tree would compare every file)."""
    top = Path(_git(data_root, "rev-parse", "--show-toplevel").strip())  # first: outside git, the error says so
    try:
        base = _git(data_root, "merge-base", since, "HEAD").strip()
    except InvalidInput:
        raise InvalidInput(_("--since: '{since}' is not a git revision of the repository holding {data_root}").format(since=since, data_root=data_root)) from None
    changed = set(_git(top, "diff", "--name-only", "--no-renames", "-z", base, "HEAD").split("\0"))
    for entry in _git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames").split("\0"):
        if len(entry) > 3:
            changed.add(entry[3:])
    return Changes(top, base, frozenset(name for name in changed if name))


def changed_files(data_root: Path, since: str, found: Changes | None = None) -> list[Path]:
    """Every file added, changed or deleted between `since` (its merge base with HEAD) and the working
    tree, anywhere in the repository holding the data folder, untracked files included."""
    top, _base, changed = found or changes(data_root, since)
    return sorted(top / name for name in changed)


class _Firm(NamedTuple):
    """Who is active, and the delivery channels, as people.toml and firm.toml say as pushed and at the base, so
    that an edit in the same push hides nothing: someone inactive in either has left; someone active in either
    is a colleague to ask; a channel named in both is one to deliver by."""

    former: frozenset[str]
    colleagues: frozenset[str]
    channels: frozenset[str]


def _firm_at(data_root: Path, found: Changes, people: People, firm: Firm) -> _Firm:
    former = {p.id for p in people.person if not p.active}
    active = {p.id for p in people.person if p.active}
    channels = {c.value for c in firm.notify.channels}
    then_people, then_firm = _at_base(data_root, found, "people.toml"), _at_base(data_root, found, "firm.toml")
    if then_people is not None:
        from westander_cli.model import People

        try:
            before = People.model_validate(then_people)
        except ValueError:
            pass  # a people.toml the base could not read: as pushed only
        else:
            former |= {p.id for p in before.person if not p.active}
            active |= {p.id for p in before.person if p.active}
    if then_firm is not None and isinstance(notify := then_firm.get("notify", {}), dict) and isinstance(named := notify.get("channels"), list):
        channels &= {str(c) for c in named}
    return _Firm(frozenset(former), frozenset(active), frozenset(channels))


def _at_base(data_root: Path, found: Changes, name: str) -> dict[str, Any] | None:
    """A file of the data folder as the base commit has it, parsed; None where it is missing or unreadable."""
    from westander_cli.tomlfile import parse_toml

    try:
        relative = (data_root.resolve() / name).relative_to(found.top.resolve()).as_posix()
        text = _git(found.top, "show", f"{found.base}:{relative}")
        return parse_toml(Path(name), text).data
    except (WstError, ValueError):
        return None


def problems(data_root: Path, since: str, skew: timedelta, now: datetime, people: People, firm: Firm,
             changed: Changes | None, closed: Callable[[Path], bool]) -> list[Arrival]:
    """The records (events, roster approvals) added or changed after `since`: each with a time beyond `skew` of `now`,
    each event by someone no longer active, and each proposal that leaves out an active colleague or a delivery channel
    (unless `closed` says its engagement is withdrawn or vetoed: so the remedy clears it, and it has done no harm)."""
    found: list[Arrival] = []
    root = data_root.resolve()
    changes_found = changed or changes(data_root, since)
    firm_then: _Firm | None = None
    for path in changed_files(data_root, since, changes_found):
        resolved = path.resolve()
        if not resolved.is_relative_to(root) or path.suffix != ".toml" or path.name.startswith(".") or not path.exists():
            continue  # outside the data folder, not a record, or deleted
        relative = resolved.relative_to(root)
        parts = relative.parts
        is_event = len(parts) == 4 and parts[0] == "engagements" and parts[2] == "events"
        is_roster = len(parts) == 2 and parts[0] == "roster"
        if len(parts) == 3 and parts[0] == "engagements" and parts[2] == "proposal.toml":
            found.append(Arrival(_("{value}: arrived after {since}, but wst 0.2 and later never write proposal.toml (the proposal lives in its proposed event): a hand-made engagement in the old form?").format(value=data_root / relative, since=since)))
            continue
        if not (is_event or is_roster):
            continue
        shown = data_root / relative
        try:
            record = read_toml(path, "record").data
        except WstError:
            continue  # unreadable records are verify's to report
        if is_event:
            firm_then = firm_then or _firm_at(data_root, changes_found, people, firm)
            found.extend(_people_problems(shown, since, record, firm_then, record.get("kind") == "proposed" and closed(path)))
        at = record.get("at")
        if isinstance(at, str):
            try:
                at = datetime.fromisoformat(at)
            except ValueError:
                continue
        if not isinstance(at, datetime) or at.tzinfo is None or not recordable(at):
            continue  # no time a record may hold: verify reports the file
        offset = at - now
        if abs(offset) > skew:
            direction = "before" if offset < timedelta(0) else "after"
            found.append(Arrival(_("{shown}: arrived after {since} but is dated {value:%Y-%m-%dT%H:%M:%SZ}, {human} {direction} the CI clock {value2:%Y-%m-%dT%H:%M:%SZ} (allowed skew {human2}): {value3}?").format(shown=shown, since=since, value=at.astimezone(UTC), human=_human(abs(offset)), direction=direction, value2=now.astimezone(UTC), human2=_human(skew), value3='backdated' if direction == 'before' else 'post-dated')))
    return found


def _people_problems(shown: Path, since: str, record: dict[str, Any], firm: _Firm, closed: bool) -> list[Arrival]:
    """An event by someone who has left; a proposal that leaves out an active colleague or a delivery channel,
    unless its engagement is `closed` (withdrawn or vetoed)."""
    found = []
    author = record.get("by")
    if isinstance(author, str) and author in firm.former:
        found.append(Arrival(_("{shown}: arrived after {since} from '{by}', who is not active in people.toml (as pushed, or before): made before they left, or by someone who has left?").format(shown=shown, since=since, by=author), warning=True))
    if record.get("kind") != "proposed" or closed:
        return found
    lead, named, channels = record.get("lead"), record.get("colleagues"), record.get("channels")
    if isinstance(lead, str) and isinstance(named, list):
        left_out = sorted(firm.colleagues - {lead, *map(str, named)})
        if left_out:
            found.append(Arrival(_("{shown}: arrived after {since}, but the proposal is not for {people}, active in people.toml: they would never be asked to review it; withdraw it and propose it again").format(shown=shown, since=since, people=", ".join(left_out))))
    if isinstance(channels, list):  # wst 0.1 recorded none: the firm's channels then
        unused = sorted(firm.channels - set(map(str, channels)))
        if unused:
            found.append(Arrival(_("{shown}: arrived after {since}, but the proposal is delivered without {channels}, which firm.toml names: its colleagues may never hear of it; withdraw it and propose it again").format(shown=shown, since=since, channels=", ".join(unused))))
    return found


def _human(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"
