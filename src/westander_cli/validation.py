"""`wst validate`: every policy, person, firm, proposal, event and registry file against its schema,
and the cross-references between them (one active CEO, leads and authors exist, rule ids unique)."""

from __future__ import annotations

import re
from pathlib import Path

from westander_cli.errors import WstError
from westander_cli.i18n import _
from westander_cli.model import Firm, People, Proposal
from westander_cli.policy.rules import policy_problems
from westander_cli.screening.registry import registry_problems
from westander_cli.store import DataFolder, scan_events
from westander_cli.tomlfile import FileProblems, load_model, locate_line, read_toml
from westander_cli.verify import Problem

_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.*)$")


def as_problem(text: str, default_file: str) -> Problem:
    match = _LOCATED.match(text)
    if match:
        return Problem(match["file"], int(match["line"]), match["message"])
    file, sep, message = text.partition(": ")
    return Problem(file, None, message) if sep and ("/" in file or file.endswith(".toml")) else Problem(default_file, None, text)


def _problems_of(error: WstError, default_file: str) -> list[Problem]:
    texts = error.problems if isinstance(error, FileProblems) else [str(error)]
    return [as_problem(t, default_file) for t in texts]


def validate(data: DataFolder, policies_dir: Path) -> tuple[list[Problem], int]:
    """Every problem found, and how many files were checked."""
    problems = [as_problem(t, str(policies_dir)) for t in policy_problems(policies_dir).problems]
    checked = len(list(policies_dir.glob("*.toml"))) if policies_dir.is_dir() else 0
    people: People | None = None
    for name, model in (("firm.toml", Firm), ("people.toml", People)):
        path = data.root / name
        checked += 1
        try:
            loaded = load_model(read_toml(path, name.removesuffix(".toml") + " file"), model)
            if isinstance(loaded, People):
                people = loaded
        except WstError as error:
            problems.extend(_problems_of(error, str(path)))
    known = {p.id for p in people.person} if people else None
    for engagement_id in data.engagement_ids():
        folder = data.engagements_dir / engagement_id
        path = folder / "proposal.toml"
        try:
            if not path.exists():
                raise FileNotFoundError  # since wst 0.2 the proposal lives in its proposed event
            checked += 1
            document = read_toml(path, "proposal")
            proposal = load_model(document, Proposal)
            if known is not None and proposal.lead and proposal.lead not in known:
                problems.append(Problem(str(path), document.line_of(_("lead")), _("lead: '{lead}' is not in people.toml").format(lead=proposal.lead)))
        except FileNotFoundError:
            pass
        except WstError as error:
            problems.extend(_problems_of(error, str(path)))
        for found in scan_events(folder / "events"):
            checked += 1
            if found.event is None:
                problems.append(as_problem(found.problem, str(found.path)))
                continue
            if known is None:
                continue
            for field in ("by", "lead", "person"):
                value = getattr(found.event, field, None)
                if value and value not in known:
                    line = locate_line(found.path.read_text(encoding="utf-8"), field)
                    problems.append(Problem(str(found.path), line, _("{field}: '{value}' is not in people.toml").format(field=field, value=value)))
    for text in registry_problems(data.root / "registry"):
        problems.append(as_problem(text, str(data.root / "registry")))
    return problems, checked
