"""Read-only views: `list`, `show`, `log` and `status` (what awaits me)."""

from pathlib import Path
from typing import Annotated

import typer

from westander_cli.cli.common import AsOfOption, AsOption, DataOption, FormatOption, IdArgument, PoliciesOption, reader
from westander_cli.i18n import N_, _
from westander_cli.render import Format, View, emit


def register(app: typer.Typer) -> None:
    app.command("list", help=N_(
        "Every engagement with its state, client, lead and review deadline.\n\n"
        "Example: wst list --state disputed --format json"))(list_)
    app.command("show", help=N_(
        "One engagement: state, findings, responses, and what is missing before an offer.\n\n"
        "Example: wst show 2026-x --as-of 2026-12-02T09:00:00Z"))(show)
    app.command("log", help=N_(
        "The engagement's history, event by event, in causal order.\n\n"
        "Example: wst log 2026-x"))(log)
    app.command("status", help=N_(
        "What awaits me: engagements I have not responded to, my engagements' next step, and for the CEO the decisions.\n\n"
        "Example: wst status --as petra"))(status)


def list_(
    state: Annotated[str | None, typer.Option("--state", help=N_("only engagements in this state"))] = None,
    as_of: AsOfOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> None:
    from westander_cli.render import payloads
    from westander_cli.states import State

    if state is not None and state not in {s.value for s in State}:
        from westander_cli.errors import InvalidInput

        raise InvalidInput(_("--state: '{value}' is not one of {known}").format(value=state, known=", ".join(s.value for s in State)))
    del policies  # accepted as by every command (WST_POLICIES); a list judges nothing
    folder = reader(data, as_of)
    folder.data.require()
    rows = [payloads.summary(s) for s in folder.summaries() if state is None or s.state.value == state]
    emit(fmt, {"engagements": rows}, View.ENGAGEMENT_LIST)


def show(engagement_id: IdArgument, as_of: AsOfOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> None:
    from westander_cli.render import payloads

    del policies  # accepted as by every command (WST_POLICIES); showing judges nothing
    folder = reader(data, as_of)
    folder.data.require()
    emit(fmt, {"engagement": payloads.detail(folder.view(engagement_id))}, View.ENGAGEMENT_SHOW)


def log(engagement_id: IdArgument, as_of: AsOfOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> None:
    from westander_cli.render import payloads

    del policies  # accepted as by every command (WST_POLICIES); a history judges nothing
    folder = reader(data, as_of)
    folder.data.require()
    view = folder.view(engagement_id)
    emit(fmt, {"id": engagement_id, "events": [payloads.event(e, view) for e in view.events]}, View.LOG)


def status(as_person: AsOption = None, as_of: AsOfOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> None:
    from westander_cli.status import awaiting

    del policies  # accepted as by every command (WST_POLICIES); what awaits a person judges nothing
    folder = reader(data, as_of)
    actor = folder.member(as_person)
    emit(fmt, {"person": actor.id, "awaiting": awaiting(actor, folder.summaries())}, View.STATUS)
