"""`wst check` and `wst policy`: judging proposals, and reading the rules with their sources.

No `from __future__ import annotations` in cli/: Typer reads these annotations at run time, and
string annotations would cost it an `eval` each on every start.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from westander_cli.cli.common import DataOption, FormatOption, PoliciesOption, checker
from westander_cli.errors import InvalidInput
from westander_cli.i18n import N_, _, ngettext
from westander_cli.render import Format, View, emit, sanitise

if TYPE_CHECKING:
    from westander_cli.checking import Checker

VERDICT_EXIT = {"clear": 0, "needs_exception": 3, "forbidden": 1, "error": 2}
SEVERITY_ORDER = (0, 3, 1, 2)
"""Exit codes from best to worst: clear, needs an exception, forbidden, invalid file."""


def register(app: typer.Typer) -> None:
    app.command("check", help=N_(
        "Judge proposal files against the policy and the firm's active engagements; records nothing.\n\n"
        "Exit code: 0 clear, 3 needs a CEO exception, 1 forbidden, 2 invalid file (the worst over all files); "
        "with --fail-on warn, a warn finding in an otherwise clear file is 1. Several files: a summary line on stderr.\n\n"
        "Example: wst check requests/*.toml --format junit > wst-check.xml"))(check)
    policy_app = typer.Typer(help=N_("The client policy's rules, with the sentence each one enforces."), no_args_is_help=True)
    policy_app.command("list", help=N_("Every rule: id, kind, severity, title and source.\n\nExample: wst policy list"))(policy_list)
    policy_app.command("show", help=N_(
        "One rule with its source, the policy sentence it enforces, and its parameters.\n\n"
        "Example: wst policy show ownership.cn_ru"))(policy_show)
    app.add_typer(policy_app, name="policy")


def check(
    files: Annotated[list[Path] | None, typer.Argument(help=N_("proposal files (SPEC 2.3); '-' reads one from standard input"), show_default=False)] = None,
    active: Annotated[bool, typer.Option("--active", help=N_("re-screen every active engagement against the others and the current registry"))] = False,
    fail_on: Annotated[str | None, typer.Option("--fail-on", metavar="warn", help=N_("also fail (exit 1) on warn findings"))] = None,
    fmt: FormatOption = Format.TABLE,
    data: DataOption = Path("data"),
    policies: PoliciesOption = None,
) -> int:
    from westander_cli.render import payloads

    if fail_on not in (None, "warn"):
        raise InvalidInput(_("--fail-on: '{value}' is not 'warn'").format(value=fail_on))
    if active == bool(files):
        raise InvalidInput(_("check: give proposal files, or --active to re-screen the active engagements (not both)"))
    ws = checker(data, policies)
    if active:
        return _check_active(ws, fmt)
    ws.policy  # noqa: B018 (a broken policy is reported before any proposal)
    context = ws.context()
    results = []
    for path in files or []:  # each file its own result: one bad file does not hide the others' verdicts
        try:
            result = ws.check_text(_stdin_text(), context) if str(path) == "-" else ws.check_file(path, context)
            results.append(payloads.check_result(str(path), result))
        except InvalidInput as error:
            sys.stderr.write(f"wst: error: {sanitise(' '.join(str(error).split()))}\n")
            results.append(payloads.check_error(str(path), str(error)))
    emit(fmt, {"results": results}, View.CHECK_RESULTS)
    if len(results) > 1:  # one file: its verdict is the summary (and a bad file stays one line)
        sys.stderr.write(_summary(results) + "\n")
    codes = [VERDICT_EXIT[r["verdict"]] for r in results]
    if fail_on == "warn":
        codes += [1 for r in results if any(f["severity"] == "warn" for f in r.get("findings", []))]
    return max(codes, key=SEVERITY_ORDER.index)


def _check_active(ws: "Checker", fmt: Format) -> int:
    """What the stored records of the active engagements do not show: conflicts between engagements
    proposed in different clones at once, and what the current ownership registry reveals."""
    from westander_cli.render import payloads

    ws.data.require()
    views = ws.active_views()
    found = ws.unrecorded_findings(views, with_registry=True)
    results = []
    for view in views:
        mine = [item for item in found if item.engagement == view.id]
        if mine:
            results.append(payloads.rescreen_result(view.id, view.proposal.client.name, [item.finding for item in mine],
                                                    [item.decision() for item in mine]))
    emit(fmt, {"results": results}, View.CHECK_RESULTS)
    sys.stderr.write("wst check --active: " + ngettext(
        "{count} active engagement; {found} with findings its records do not show",
        "{count} active engagements; {found} with findings their records do not show", len(views)).format(
        count=len(views), found=len(results)) + "\n")
    return max((VERDICT_EXIT[r["verdict"]] for r in results), key=SEVERITY_ORDER.index, default=0)


def _stdin_text() -> str:
    """A proposal piped in: read with the same size bound as a file."""
    from westander_cli.tomlfile import MAX_FILE_BYTES

    raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidInput(_("-: standard input is over {limit} bytes, the limit for a proposal").format(limit=f"{MAX_FILE_BYTES:,}"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(_("-: not valid UTF-8 (byte {position})").format(position=error.start)) from None


def _summary(results: list[dict[str, object]]) -> str:
    """'5 proposals: 3 clear, 1 needs an exception, 1 forbidden' (the line a CI log ends with)."""
    counts = [_counted(v, n) for v in ("clear", "needs_exception", "forbidden", "error")
              if (n := sum(1 for r in results if r["verdict"] == v))]
    return "wst check: " + ngettext("{count} proposal: {verdicts}", "{count} proposals: {verdicts}", len(results)).format(
        count=len(results), verdicts=", ".join(counts))


def _counted(verdict: str, count: int) -> str:
    """'3 needs an exception': how many files got one verdict, in the run's language."""
    if verdict == "clear":
        text = ngettext("{count} clear", "{count} clear", count)
    elif verdict == "needs_exception":
        text = ngettext("{count} needs an exception", "{count} need an exception", count)
    elif verdict == "forbidden":
        text = ngettext("{count} forbidden", "{count} forbidden", count)
    else:
        text = ngettext("{count} invalid", "{count} invalid", count)
    return text.format(count=count)


def policy_list(fmt: FormatOption = Format.TABLE, policies: PoliciesOption = None) -> None:
    from westander_cli.render import payloads

    ws = checker(Path("data"), policies)
    emit(fmt, {"rules": [payloads.rule(r) for r in ws.policy.rules]}, View.POLICY_LIST)


def policy_show(
    rule_id: Annotated[str, typer.Argument(metavar="RULE", help=N_("a rule id, e.g. ownership.cn_ru"), show_default=False)],
    fmt: FormatOption = Format.TABLE,
    policies: PoliciesOption = None,
) -> None:
    from westander_cli.render import payloads

    ws = checker(Path("data"), policies)
    emit(fmt, {"rule": payloads.rule(ws.policy.get(rule_id))}, View.POLICY_SHOW)
