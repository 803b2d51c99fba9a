"""Commands for CI and for the outside world: `validate`, `verify`, `publish`, `report`."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from westander_cli.cli.common import DataOption, FormatOption, PoliciesOption, progress_on_terminal, workspace
from westander_cli.errors import ExitCode, InvalidInput
from westander_cli.i18n import N_, _
from westander_cli.render import Format, View, emit

if TYPE_CHECKING:
    from datetime import timedelta



def register(app: typer.Typer) -> None:
    app.command("validate", help=N_("Schema and consistency of policies and data; every problem as FILE:LINE: message. Exit 0 or 1.\n\nExample: wst validate --format github"))(validate)
    app.command("verify", help=N_("Integrity and authorisation of every record: edits, missing predecessors, forged authors, signatures, the roster.\n\nExample: wst verify --since origin/main --clock-skew 1h --format junit > verify.xml"))(verify)
    app.command("publish", help=N_("The public client list for the website: won and ended engagements only, with their website texts.\n\n--format markdown or html (one self-contained, escaped fragment) for the web editor; declined\nengagements never appear in any format.\n\nExample: wst publish --format html > site/_includes/kunder.html"))(publish)
    app.command("report", help=N_("Intake statistics; declined engagements only as counts.\n\nExample: wst report --format json"))(report)


def _no_github(fmt: Format, command: str) -> None:
    if fmt == Format.GITHUB:
        raise InvalidInput(_("--format github is for check, validate and verify, not {command}").format(command=command))


def validate(fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    from westander_cli.validation import validate as run

    ws = workspace(data, policies)
    problems, checked = run(ws.data, ws.policies_dir)
    emit(fmt, {"command": "validate", "checked": f"{checked} files", "ok": not problems,
               "problems": [p.as_dict() for p in problems]}, View.PROBLEMS)
    return int(ExitCode.FAILED if problems else ExitCode.OK)


SinceOption = Annotated[str | None, typer.Option("--since", metavar="REF", help=N_("also flag records added after this git revision whose time is beyond --clock-skew of the clock"))]
SkewOption = Annotated[str, typer.Option("--clock-skew", metavar="DURATION", help=N_("how far an arriving record's time may be from the clock (10m, 2h, 1d)"))]


def verify(fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
           since: SinceOption = None, clock_skew: SkewOption = "1h") -> int:
    from westander_cli.verify import verify as run

    ws = workspace(data, policies)
    ws.data.require()
    with progress_on_terminal("verifying") as progress:
        problems = run(ws, since=since, skew=_parse_skew(clock_skew), progress=progress)
    errors = [p for p in problems if p.severity == "error"]
    emit(fmt, {"command": "verify", "checked": _("{count} engagements").format(count=len(ws.data.engagement_ids())), "ok": not errors,
               "problems": [p.as_dict() for p in problems]}, View.PROBLEMS)
    return int(ExitCode.FAILED if errors else ExitCode.OK)


def _parse_skew(text: str) -> "timedelta":
    from westander_cli.arrival import parse_duration

    return parse_duration(text)


def publish(fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> None:
    from westander_cli.reports import public_clients

    ws = workspace(data, policies)
    ws.data.require()
    clients, unreadable = public_clients(ws)
    emit(fmt, {"clients": clients, "unreadable": unreadable, "language": ws.data.firm.language.value}, View.PUBLISH)
    if unreadable:  # counted, never named: an unreadable engagement may be a declined one
        sys.stderr.write(_("wst: warning: {unreadable} engagement(s) could not be read and are not listed; run 'wst verify'\n").format(unreadable=unreadable))


def report(fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> None:
    from westander_cli.reports import intake_statistics

    _no_github(fmt, "report")
    ws = workspace(data, policies)
    ws.data.require()
    statistics = intake_statistics(ws)
    emit(fmt, statistics, View.REPORT)
    if statistics["unreadable"]:
        sys.stderr.write(_("wst: warning: {value} engagement(s) could not be read and are not counted; run 'wst verify'\n").format(value=statistics['unreadable']))
