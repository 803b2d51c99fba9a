"""Options every command shares, and the one way commands reach a workspace."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from westander_cli.data_folder import find_data_folder
from westander_cli.i18n import N_, speaking
from westander_cli.render import Format, require_format

if TYPE_CHECKING:
    from westander_cli.checking import Checker
    from westander_cli.intake import Workspace
    from westander_cli.reading import Reader


def _format_for_command(ctx: typer.Context, value: Format) -> Format:
    """The option's callback: runs while the command line is parsed, so a refused format costs no work."""
    command = ctx.command_path.split(" ", 1)[1] if " " in ctx.command_path else ctx.command_path
    return require_format(command, value)


FormatOption = Annotated[Format, typer.Option(
    "--format", "-f", help=N_("table for people, json for scripts (github: check, validate, verify)"), envvar="WST_FORMAT",
    callback=_format_for_command)]
DataOption = Annotated[Path, typer.Option("--data", envvar="WST_DATA", help=N_("the firm's data folder"), show_default=True)]
PoliciesOption = Annotated[Path | None, typer.Option("--policies", envvar="WST_POLICIES", help=N_("policies folder [default: ./policies, else the shipped policy]"))]
AsOption = Annotated[str | None, typer.Option("--as", help=N_("act as this person (id or email); else WST_USER, else git user.email"))]
AsOfOption = Annotated[str | None, typer.Option("--as-of", metavar="TIME", help=N_("show it as it was at this ISO 8601 time (events recorded until then)"))]
IdArgument = Annotated[str, typer.Argument(help=N_("the engagement id"), show_default=False)]


def workspace(data: Path, policies: Path | None, as_of: str | None = None) -> Workspace:
    """The data and policies folders as chosen by option, environment or default (SPEC 2): to propose and record."""
    from westander_cli import clock
    from westander_cli.intake import Workspace
    from westander_cli.store import DataFolder

    return Workspace(data=DataFolder(find_data_folder(data)), policies_dir=_policies_dir(policies), now=clock.now(),
                     as_of=clock.parse(as_of, "--as-of") if as_of is not None else None)


def checker(data: Path, policies: Path | None) -> Checker:
    """The same folders, to judge proposals (`check`, `policy`): no event models or process loaded."""
    from westander_cli import clock
    from westander_cli.checking import Checker
    from westander_cli.store import DataFolder

    return Checker(data=DataFolder(find_data_folder(data)), policies_dir=_policies_dir(policies), now=clock.now())


def _policies_dir(policies: Path | None) -> Path:
    from westander_cli.resources import shipped

    if policies is None:
        return Path("policies") if Path("policies").is_dir() else shipped("policies")
    return policies


def reader(data: Path, as_of: str | None = None) -> Reader:
    """The data folder for a read-only view (`list`, `status`): no policy, and no Pydantic while the index is current."""
    from westander_cli import clock
    from westander_cli.reading import Reader
    from westander_cli.store import DataFolder

    return Reader(data=DataFolder(find_data_folder(data)), now=clock.now(),
                  as_of=clock.parse(as_of, "--as-of") if as_of is not None else None)


@contextlib.contextmanager
def progress_on_terminal(what: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for work that may take seconds, only on a terminal (never in a pipe or CI log)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@contextlib.contextmanager
def stable_for_scripts(fmt: Format) -> Iterator[None]:
    """Speak English while building a payload's human text (a `message`, `checked`) unless it is shown as a
    table: scripts may read those values in JSON or JUnit, so they stay the same in every language."""
    if fmt == Format.TABLE:
        yield
        return
    with speaking("en"):
        yield


def fail_after_output(code: int, message: str) -> int:
    """For commands whose report is already written: the diagnostic goes to stderr, the code is returned."""
    import sys

    sys.stderr.write(f"wst: error: {message}\n")
    return code
