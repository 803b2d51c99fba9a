"""`wst registry`: ownership data from BODS 0.4 or TOML, and the ownership tree of a company."""

from pathlib import Path
from typing import Annotated

import typer

from westander_cli.cli.common import DataOption, FormatOption, progress_on_terminal, workspace
from westander_cli.errors import InvalidInput
from westander_cli.i18n import N_, _
from westander_cli.render import Format, View, emit


def register(app: typer.Typer) -> None:
    registry_app = typer.Typer(help=N_("Ownership data (BODS 0.4 JSON or TOML) and ownership trees."), no_args_is_help=True)
    registry_app.command("import", help=N_(
        "Validate and store ownership data; reports per statement what could not be used.\n\n"
        "Example: wst registry import agare.bods.json"))(import_)
    registry_app.command("show", help=N_(
        "The ownership tree of a company, with effective shares and countries.\n\n"
        "Example: wst registry show \"Volvo Car Sverige AB\""))(show)
    app.add_typer(registry_app, name="registry")


def import_(
    file: Annotated[Path, typer.Argument(help=N_("a BODS 0.4 JSON file, or a registry TOML file"), show_default=False)],
    fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"),
) -> None:
    from westander_cli.screening.registry import import_file

    ws = workspace(data, None)
    ws.data.require()
    with progress_on_terminal(_("importing {file}").format(file=file.name)):  # 100,000 companies take seconds
        report = import_file(ws.data.root / "registry", file)
        registry = ws.registry()
        registry.parsed = {report.stored_as.name: report.parsed} if report.parsed else {}
        registry.db  # noqa: B018 (builds the index now, so that the next check is fast)
        registry.close()
    emit(fmt, {"file": str(file), "stored_as": str(report.stored_as), "new": report.new, "statements": report.statements,
               "entities": report.entities, "relationships": report.relationships, "problems": report.problems},
         View.REGISTRY_IMPORT)


def show(
    name: Annotated[str, typer.Argument(metavar="NAME", help=N_("a company name or organisation number"), show_default=False)],
    fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"),
) -> None:
    from westander_cli.screening.registry import ownership_tree

    ws = workspace(data, None)
    ws.data.require()
    registry = ws.registry()
    entity_id = registry.find(name)
    if entity_id is None:
        near = registry.near_misses()
        if near:
            raise InvalidInput(_("'{name}' is not in the ownership registry; did you mean {near}?").format(
                name=name, near=near[0].split(" ~ ")[1]))
        raise InvalidInput(_("'{name}' is not in the ownership registry").format(name=name))
    emit(fmt, {"tree": ownership_tree(registry, entity_id)}, View.REGISTRY_TREE)
