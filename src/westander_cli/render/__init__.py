"""Output for people (Rich tables) and for machines (stable JSON), chosen with --format."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from westander_cli.i18n import _

JSON_VERSION = 1


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    GITHUB = "github"
    """GitHub Actions workflow annotations; for check, validate and verify."""
    JUNIT = "junit"
    """JUnit XML, which most CI systems read; for check, validate and verify."""
    MARKDOWN = "markdown"
    """The public client list as Markdown; for publish."""
    HTML = "html"
    """The public client list as one self-contained HTML fragment; for publish."""


class View(StrEnum):
    """Every kind of report a command writes; each has a table renderer of the same name."""

    CHECK_RESULTS = "check_results"
    POLICY_LIST = "policy_list"
    POLICY_SHOW = "policy_show"
    PROPOSE = "propose"
    EVENT = "event"
    DELIVERIES = "deliveries"
    MESSAGE = "message"
    PROBLEMS = "problems"
    PUBLISH = "publish"
    REPORT = "report"
    REGISTRY_IMPORT = "registry_import"
    REGISTRY_TREE = "registry_tree"
    ENGAGEMENT_LIST = "engagement_list"
    ENGAGEMENT_SHOW = "engagement_show"
    LOG = "log"
    STATUS = "status"


TEXT_FORMATS = frozenset({Format.TABLE, Format.JSON})
CI_FORMATS = frozenset({Format.TABLE, Format.JSON, Format.GITHUB, Format.JUNIT})

FORMATS: dict[str, frozenset[Format]] = {
    "check": CI_FORMATS, "validate": CI_FORMATS, "verify": CI_FORMATS,
    "publish": frozenset({Format.TABLE, Format.JSON, Format.MARKDOWN, Format.HTML}),
    **dict.fromkeys(("policy list", "policy show", "propose", "ack", "comment", "object", "approve", "veto", "withdraw", "offer", "won", "lost", "end", "team", "assign", "criticism", "notify", "remind", "amend-text", "list", "show", "log", "status", "report", "registry import", "registry show"), TEXT_FORMATS),
}
"""Which formats each command writes: the Format x View table. A command not named accepts table and json."""


def require_format(command: str, fmt: Format) -> Format:
    """Refuse (exit 2) a format the command cannot write; called before the command does anything."""
    from westander_cli.errors import InvalidInput

    accepted = FORMATS.get(command, TEXT_FORMATS)
    if fmt not in accepted:
        names = ", ".join(f.value for f in Format if f in accepted)
        raise InvalidInput(_("--format {value}: 'wst {command}' writes {names}; github and junit are for check, validate and verify; markdown and html for publish").format(value=fmt.value, command=command, names=names))
    return fmt


_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 controls but tab and newline, DEL, C1 controls (ESC, CSI)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u2028\u2029]"  # line and paragraph separators
)


def sanitise(text: str) -> str:
    """Text safe for a terminal: control and bidi characters shown escaped (`\\x1b`, `\\u202e`).

    Only what goes to a terminal (tables) is sanitised; JSON and files keep the exact text. Every character
    `_UNSAFE` names is one `str.isprintable` refuses, so printable text (nearly all of it) skips the regex.
    """
    if text.isprintable():
        return text
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """Text on one line, each run of whitespace one space: a title or name pasted with a line or paragraph
    separator (U+2028, U+0085, a vertical tab, ...) is one to people, and an e-mail header refuses a line break."""
    return " ".join(text.split())


def sanitised(value: Any) -> Any:
    """Every string in a payload, sanitised; keys too, since some tables show them."""
    if isinstance(value, str):
        return sanitise(value)
    if isinstance(value, dict):
        return {sanitised(k): sanitised(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitised(v) for v in value]
    return value


def emit(fmt: Format, payload: dict[str, Any], view: View) -> None:
    """Write the payload as JSON (plain print: no wrapping, no markup), in a CI or web format, or for people:
    the view `view` drawn by Rich, or in a pipe, for the list views and the problems of validate and verify,
    plain lines (`render.lines`).

    Rich is imported only for people's views that are not lines in a pipe: JSON output, `wst status | ...`
    and `wst verify` in CI never pay for it.
    """
    if fmt == Format.JSON:
        import json

        # Indented for a person at a terminal; compact in a pipe, where json's C encoder is 5x faster.
        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps({"version": JSON_VERSION, **payload}, ensure_ascii=False, indent=indent, default=str) + "\n")
        return
    if fmt in (Format.GITHUB, Format.JUNIT, Format.MARKDOWN, Format.HTML):
        from westander_cli.render import github, junit, web

        writer = {Format.GITHUB: getattr(github, view, None), Format.JUNIT: getattr(junit, view, None),
                  Format.MARKDOWN: web.markdown if view == View.PUBLISH else None,
                  Format.HTML: web.html if view == View.PUBLISH else None}[fmt]
        if writer is None:  # the option callback refuses this before any work; a last guard
            from westander_cli.errors import InvalidInput

            raise InvalidInput(_("--format {value}: not written for {value2}").format(value=fmt.value, value2=view.value))
        # CI reads these (GitHub's log, a JUnit parser) and people see them in terminals: control and bidi
        # characters escaped as in tables (raw, they made JUnit XML ill-formed and GitHub's log a terminal's target)
        shown = sanitised(payload) if fmt in (Format.GITHUB, Format.JUNIT) else payload
        sys.stdout.write("".join(f"{line}\n" for line in writer(shown)))
        return
    if not sys.stdout.isatty() and view in PIPED_VIEWS:  # a pipe: plain lines, Rich never imported
        from westander_cli.render import lines

        sys.stdout.write(lines.piped(view, payload))  # each value sanitised as it is written
        return
    from westander_cli.render import table

    renderer: Callable[[Any, dict[str, Any]], None] = getattr(table, view)
    renderer(console(), sanitised(payload))


PIPED_VIEWS = frozenset({View.ENGAGEMENT_LIST, View.LOG, View.STATUS, View.PUBLISH, View.PROBLEMS})
"""Views a pipe gets as plain lines from `render.lines` (the list views' rows, the problems of validate and verify);
on a terminal Rich draws them."""


def console() -> Any:
    """A Rich console: a terminal exactly when stdout is one (as `emit` decides), colour only there, NO_COLOR
    respected (Rich reads it), no wrapping markup in data."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False, soft_wrap=False, force_terminal=True)
    return Console(highlight=False, soft_wrap=False, force_terminal=False, width=100_000)  # in a pipe nothing is cut or wrapped
