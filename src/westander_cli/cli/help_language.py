"""Typer's help and usage errors in the run's language.

Help texts are marked `N_()` where commands are declared; they are translated here, on the command
tree built for this run, after the language is chosen. Typer's own headings ("Options", "Commands")
come from `gettext` in `typer.core`, which is pointed at wst's catalog; the usage line and the help
option come from the click that Typer vendors, whose few English words are translated by a formatter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import typer.core
from typer._click import core as click_core
from typer._click.formatting import HelpFormatter

from westander_cli.i18n import N_, _

TYPER_WORDS = (N_("Show this message and exit."), N_("Usage: "), N_("Options"), N_("Arguments"), N_("Commands"),
               N_("required"), N_("default: {default}"), N_("env var: {var}"), N_("(dynamic)"),
               N_("Install completion for the current shell."),
               N_("Show completion for the current shell, to copy it or customize the installation."))
"""The words of Typer's and click's help that wst's catalog translates (typer.core asks gettext for them; the help
of Typer's --install-completion and --show-completion is translated with the other options')."""


_USAGE_WORDS = ((N_("[OPTIONS]"), "[OPTIONS]"), (N_("COMMAND [ARGS]..."), "COMMAND [ARGS]..."))
"""click's placeholders in a usage line ("wst [OPTIONS] COMMAND [ARGS]..."); argument names stay as declared."""


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for marked, placeholder in _USAGE_WORDS:
            args = args.replace(placeholder, _(marked))
        super().write_usage(prog, args, prefix if prefix is not None else _("Usage: "))

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, _(text)) for term, text in rows], col_max, col_spacing)


def speak_help(command: click_core.Command) -> None:
    """Translate the help of `command` and every command and parameter below it."""
    setattr(typer.core, "_", _)  # noqa: B010 (typer.core took gettext.gettext as `_`; it asks wst's catalog now)
    click_core.Context.formatter_class = _Formatter
    for each in _tree(command):
        each.help = _(each.help) if each.help else each.help
        each.short_help = _(each.short_help) if each.short_help else each.short_help
        for param in each.params:
            text = getattr(param, "help", None)
            if text:
                setattr(param, "help", _(text))  # noqa: B010 (click's Parameter declares no help; Typer's do)


def _tree(command: click_core.Command) -> Iterator[click_core.Command]:
    yield command
    if isinstance(command, typer.core.TyperGroup):
        for sub in command.commands.values():
            yield from _tree(sub)


_USAGE_ERRORS: list[tuple[str, str]] = [  # patterns compiled (and cached by `re`) only when an error is translated
    (r"^No such option: (?P<name>\S+)(?P<rest>.*)$", N_("No such option: {name}")),
    (r"^No such command '(?P<name>[^']*)'\.(?P<rest>.*)$", N_("No such command '{name}'.")),
    (r"^Missing argument '(?P<name>.*)'\.$", N_("Missing argument '{name}'.")),
    (r"^Missing option '(?P<name>.*)'\.$", N_("Missing option '{name}'.")),
    (r"^Missing command\.$", N_("Missing command.")),
    (r"^Option '(?P<name>.*)' requires an argument\.$", N_("Option '{name}' requires an argument.")),
    (r"^Got unexpected extra arguments? \((?P<name>.*)\)$", N_("Got unexpected extra arguments ({name})")),
    (r"^Invalid value for '(?P<name>[^']*)': (?P<rest>.*)$", N_("Invalid value for '{name}': {rest}")),
    (r"^Invalid value for (?P<name>'[^']*'(?: / '[^']*')*) \(env var: (?P<var>'[^']*')\): (?P<rest>.*)$",
     N_("Invalid value for {name} (env var: {var}): {rest}")),
    (r"^Invalid value for (?P<name>'[^']*'(?: / '[^']*')+): (?P<rest>.*)$", N_("Invalid value for {name}: {rest}")),
]
_INVALID_VALUES: list[tuple[str, str]] = [
    (r"^(?P<value>'.*') is not one of (?P<choices>.*)\.$", N_("{value} is not one of {choices}.")),
    (r"^(?P<value>'.*') is not (?P<choices>'[^']*')\.$", N_("{value} is not {choices}.")),
    (r"^(?P<value>'.*') is not a valid integer\.$", N_("{value} is not a valid integer.")),
]


def translate_usage_error(message: str) -> str:
    """A usage error of click's in the run's language (the names and values it quotes stay as they are)."""
    for pattern, template in _USAGE_ERRORS:
        match = re.match(pattern, message)
        if match:
            parts = match.groupdict()
            if "{rest}" in template:
                parts["rest"] = _translate_invalid_value(parts["rest"])
            tail = "" if "{rest}" in template else _translate_tail(parts.get("rest", ""))
            return _(template).format(**parts) + tail
    return message


def _translate_invalid_value(detail: str) -> str:
    """Why click refused a value ('xml' is not one of ...), in the run's language."""
    for pattern, template in _INVALID_VALUES:
        if match := re.match(pattern, detail):
            return _(template).format(**match.groupdict())
    return detail


_POSSIBLE_OPTIONS = r"^ \(Possible options: (?P<options>.*)\)$"
_DID_YOU_MEAN = r"^ Did you mean (?P<suggestions>.*)\?$"


def _translate_tail(rest: str) -> str:
    """The suggestion click or Typer adds after an unknown option or command, in the run's language."""
    if match := re.match(_POSSIBLE_OPTIONS, rest):
        return " " + _("(Possible options: {options})").format(options=match["options"])
    if match := re.match(_DID_YOU_MEAN, rest):
        return " " + _("Did you mean {suggestions}?").format(suggestions=match["suggestions"])
    return rest
