"""`wst roster approve` and `wst roster check`: the CEO-approved roster and security settings."""

from pathlib import Path

import typer

from westander_cli.cli.common import AsOption, DataOption, workspace
from westander_cli.i18n import N_, _

roster_app = typer.Typer(help=N_("The CEO-approved roster: who is CEO, everyone's keys, the signature requirement."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(roster_app, name="roster")


@roster_app.command("approve", help=N_(
    "Sign an approval of people.toml and firm.toml as they are now (the CEO of the approved roster signs).\n\n"
    "Example: WST_SIGNING_KEY=~/.ssh/id_ed25519 wst roster approve --as petra"))
def approve(data: DataOption = Path("data"), as_person: AsOption = None) -> None:
    from westander_cli import roster

    ws = workspace(data, None)
    ws.data.require()
    actor = ws.identify(as_person)
    path = roster.approve(ws.data.root, ws.data.firm, ws.data.people, actor, ws.now)
    import sys

    sys.stdout.write(_("approved the roster: {path} (commit it with people.toml and firm.toml)").format(path=path) + "\n")


@roster_app.command("check", help=N_(
    "Whether people.toml and firm.toml are what the CEO approved, and the approvals are intact. Exit 0 or 1.\n\n"
    "Example: wst roster check"))
def check(data: DataOption = Path("data")) -> int:
    import sys

    from westander_cli import roster

    ws = workspace(data, None)
    ws.data.require()
    found = roster.problems(ws.data.root, ws.data.firm, ws.data.people)
    for problem in found:
        sys.stdout.write(f"{problem}\n")
    if not found:
        sys.stdout.write(_("roster: people.toml and firm.toml are as approved") + "\n")
    return 1 if found else 0
