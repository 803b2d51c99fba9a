"""`wst new`: write a proposal file by answering the questions the client policy needs."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from westander_cli.cli.common import DataOption
from westander_cli.errors import ExitCode, InvalidInput
from westander_cli.i18n import N_, _


def register(app: typer.Typer) -> None:
    app.command("new", help=N_(
        "Start a proposal: wst asks, in your language, what the policy needs to know (client, org number, "
        "sectors with a NACE search, owners, political influence, transparency, on whose behalf, election campaign, "
        "counterparties, website text) and writes the file. Not on a terminal it writes a commented template.\n\n"
        "Example: wst new forfragan.toml"))(new)


def new(
    file: Annotated[Optional[Path], typer.Argument(help=N_("the proposal file to write (it must not exist)"), show_default=False)] = None,
    template: Annotated[bool, typer.Option("--template", help=N_("print (or write) a plain, commented template instead of asking"))] = False,
    interactive: Annotated[bool, typer.Option("--interactive", help=N_("ask even when standard input is not a terminal"))] = False,
    check: Annotated[Optional[bool], typer.Option("--check/--no-check", help=N_("run 'wst check' on the file afterwards (asked if not given)"))] = None,
    data: DataOption = Path("data"),
) -> int:
    from westander_cli import proposal_form
    from westander_cli.model import Proposal
    from westander_cli.store import write_once
    from westander_cli.tomlfile import load_model, parse_toml

    if file is not None and file.exists():
        raise InvalidInput(_("{path}: already exists; choose a new file name").format(path=file))
    if template or not (interactive or sys.stdin.isatty()):
        if file is None:
            sys.stdout.write(proposal_form.TEMPLATE)
        else:
            write_once(file, proposal_form.TEMPLATE)
            sys.stderr.write(_("wrote a template to {path}: fill it in, then 'wst check {path}'").format(path=file) + "\n")
        return int(ExitCode.OK)
    if file is None:
        raise InvalidInput(_("new: give the file to write, e.g. 'wst new forfragan.toml' (or --template)"))

    def ask(question: str, default: str = "") -> str:
        return str(typer.prompt(question, default=default, show_default=bool(default), err=True))

    answers = proposal_form.ask_proposal(ask, lambda line: typer.echo(line, err=True))
    text = proposal_form.proposal_text(answers)
    write_once(file, text)
    load_model(parse_toml(file, text, _("proposal file")), Proposal)  # a wrong answer: exit 2 naming the field; the file stays to fix
    sys.stderr.write(_("wrote {path}").format(path=file) + "\n")
    wanted = check if check is not None else proposal_form.yes(ask, _("Run 'wst check {path}' now? (y/n)").format(path=file), default=True)
    if not wanted:
        return int(ExitCode.OK)
    from westander_cli.cli.app import main
    from westander_cli.i18n import current

    return main(["check", str(file), "--data", str(data), "--lang", current()])
