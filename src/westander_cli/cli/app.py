"""The `wst` application: the root command, which loads a command's module only when it runs
(`cli/commands.py` lists them), and the single error path."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path

import typer
from typer._click import core as click_core
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

from westander_cli import i18n
from westander_cli.cli.commands import COMMANDS
from westander_cli.cli.help_language import speak_help, translate_usage_error
from westander_cli.errors import ExitCode, InvalidInput, WstError
from westander_cli.i18n import N_, _


class LazyGroup(TyperGroup):
    """The root command: lists the commands from `COMMANDS` and builds one only when it is asked for."""

    def list_commands(self, ctx: click_core.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click_core.Context, cmd_name: str) -> click_core.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return command_of(cmd_name)

    def resolve_command(self, ctx: click_core.Context, args: list[str]) -> tuple[str | None, click_core.Command | None, list[str]]:
        """As Typer's, whose 'Did you mean' looks only at commands already built: here it looks at `COMMANDS`."""
        from typer._click.exceptions import UsageError

        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            from difflib import get_close_matches

            matches = get_close_matches(args[0], list(COMMANDS)) if args and args[0] not in COMMANDS else []
            if matches and "Did you mean" not in error.message:
                error.message = "{}. Did you mean {}?".format(error.message.rstrip("."), ", ".join(repr(m) for m in matches))
            raise

    def format_commands(self, ctx: click_core.Context, formatter: HelpFormatter) -> None:
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, _(summary)) for name, (_module, summary) in COMMANDS.items()])


def command_of(name: str) -> click_core.Command:
    """The click command `name`, built by Typer from the module that declares it, its help translated."""
    import importlib

    declared = typer.Typer(rich_markup_mode=None, add_completion=False)
    importlib.import_module(f"westander_cli.cli.{COMMANDS[name][0]}").register(declared)
    built = typer.main.get_command(declared)
    command = built.commands[name] if isinstance(built, TyperGroup) else built
    speak_help(command)
    return command


app = typer.Typer(
    name="wst",
    cls=LazyGroup,
    help=N_("Vet possible new engagements against the client policy and walk them through the intake process."),
    add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish, PowerShell)
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root() -> None:
    """The root has no work of its own; the commands are in `COMMANDS`."""


def _without_pydantic_plugins() -> None:
    """wst runs no Pydantic plugin unless the user sets PYDANTIC_DISABLE_PLUGINS: a plugin is code from any
    installed package that would watch the firm's records being validated, and Pydantic's loader imports
    `importlib.metadata` and `email` (~25-40 ms of every run that validates a file) even with plugins off.
    Pydantic imports its loader when it builds its first model, so an empty one put in its place first is
    the one it uses."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ or "pydantic.plugin._loader" in sys.modules:
        return
    loader = types.ModuleType("pydantic.plugin._loader")
    loader.__dict__["get_plugins"] = tuple  # no plugins: an empty iterable
    sys.modules["pydantic.plugin._loader"] = loader


def main(argv: Sequence[str] | None = None) -> int:
    """Run wst and return its exit code; every failure becomes one line on stderr."""
    from typer._click import exceptions as click_exceptions  # Typer vendors click

    args = list(sys.argv[1:] if argv is None else argv)
    _without_pydantic_plugins()
    try:
        args = _choose_language(args)
    except WstError as error:
        return _fail(error.exit_code, str(error), args)
    if not args:
        sys.stdout.write(_(OVERVIEW).rstrip("\n") + "\n")
        return int(ExitCode.OK)
    if args in (["--version"], ["-V"]):
        from westander_cli import __version__

        sys.stdout.write(f"wst {__version__}\n")
        return int(ExitCode.OK)
    command = typer.main.get_command(app)
    speak_help(command)
    try:
        _check_arguments(args)
        result = command.main(args=args, prog_name="wst", standalone_mode=False)
    except WstError as error:
        return _fail(error.exit_code, str(error), args, getattr(error, "missing", []))
    except click_exceptions.UsageError as error:
        hint = " " + _("(see '{command} --help')").format(command=error.ctx.command_path) if error.ctx else ""
        return _fail(ExitCode.INVALID, translate_usage_error(error.format_message()) + hint, args)
    except click_exceptions.ClickException as error:
        return _fail(ExitCode.INVALID, translate_usage_error(error.format_message()), args)
    except (typer.Abort, KeyboardInterrupt):
        return _fail(ExitCode.FAILED, _("aborted"), args)
    except typer.Exit as exit_:
        return int(exit_.exit_code)
    except BrokenPipeError:
        return int(ExitCode.OK)
    except (FileExistsError, NotADirectoryError, IsADirectoryError) as error:  # e.g. `.wst` made a file: input, not a bug
        return _fail(ExitCode.INVALID, _("{path}: a file where wst keeps a folder, or a folder where it keeps a file ({reason}); "
                                         "if it is under .wst/, delete it: wst rebuilds its local state").format(
            path=error.filename, reason=error.strerror), args)
    except Exception as error:
        if os.environ.get("WST_DEBUG"):
            raise
        return _fail(ExitCode.INTERNAL, _("internal error: {kind}: {error} (set WST_DEBUG=1 for a traceback)").format(
            kind=type(error).__name__, error=error), args)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


OVERVIEW = N_("""\
wst: vet a possible engagement against the client policy and walk it through the firm's intake.

  wst new request.toml          answer the policy's questions; writes a proposal file
  wst check request.toml        the verdict and findings; records nothing
  wst propose request.toml      register it and inform every colleague
  wst status                    what awaits me
  wst ack | comment | object    respond to a colleague's proposal
  wst offer ID                  make the offer once it is cleared (refused with what is missing)
  wst list | show ID | log ID   the firm's engagements

Who you are: --as PERSON, or WST_USER, or git user.email. The data folder: --data, WST_DATA, or the
nearest folder upwards holding firm.toml. The language: --lang sv|en, or WST_LANG, or your
`language` in people.toml, or the firm's. Every command: wst COMMAND --help. All commands: wst --help.
""")


def _choose_language(args: list[str]) -> list[str]:
    """Speak the run's language (see `westander_cli.language`); returns the arguments without --lang."""
    from westander_cli import language
    from westander_cli.data_folder import find_data_folder

    requested, rest = _take_option(args, "--lang")
    requested = requested or os.environ.get("WST_LANG") or None
    if requested is not None and not language.known(requested):
        raise InvalidInput(_("--lang: '{language}' is not one of {known}").format(language=requested, known=", ".join(i18n.LANGUAGES)))
    data = _take_option(rest, "--data")[0] or os.environ.get("WST_DATA") or "data"
    person = _take_option(rest, "--as")[0] or os.environ.get("WST_USER") or None
    root = find_data_folder(Path(data))
    i18n.use(language.choose(requested, root, person), language.time_zone(root))
    return rest


def _take_option(args: list[str], name: str) -> tuple[str | None, list[str]]:
    """The value of `name VALUE` or `name=VALUE` before any `--`, and the arguments without it."""
    end = args.index("--") if "--" in args else len(args)
    for i, arg in enumerate(args[:end]):
        if arg == name and i + 1 < end:
            return args[i + 1], args[:i] + args[i + 2:]
        if arg.startswith(name + "="):
            return arg[len(name) + 1:], args[:i] + args[i + 1:]
    return None, args


def _check_arguments(args: list[str]) -> None:
    """Arguments that are not valid Unicode (undecodable bytes arrive as lone surrogates) are refused here."""
    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(_("argument {position} is not valid UTF-8 text").format(position=position)) from None


def _fail(code: ExitCode, message: str, args: list[str], missing: Sequence[str] = ()) -> int:
    from westander_cli.render import one_line, sanitise

    sys.stderr.write(f"wst: error: {sanitise(one_line(message))}\n")
    if _wants_json(args):
        import json

        payload = {"version": 1, "error": {"code": int(code), "message": message, "missing": list(missing)}}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2 if sys.stdout.isatty() else None) + "\n")
    return int(code)


def _wants_json(args: list[str]) -> bool:
    if os.environ.get("WST_FORMAT") == "json":
        return True
    for i, arg in enumerate(args):
        if arg in ("--format=json", "-fjson") or (arg in ("--format", "-f") and args[i + 1 : i + 2] == ["json"]):
            return True
    return False


def run() -> None:
    sys.exit(main())


__all__ = ["app", "main", "run"]
