"""The intake process: propose, respond, decide, and move an engagement on (SPEC 3, 4)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from westander_cli.cli.common import (
    AsOption,
    DataOption,
    FormatOption,
    IdArgument,
    PoliciesOption,
    fail_after_output,
    stable_for_scripts,
    workspace,
)
from westander_cli.errors import ExitCode, InvalidInput
from westander_cli.i18n import N_, _, ngettext
from westander_cli.render import Format, View, emit

ReasonOption = Annotated[str | None, typer.Option("--reason", help=N_("why, in a sentence"))]


def register(app: typer.Typer) -> None:
    app.command("propose", help=N_(
        "Register a possible engagement, check it, and inform every colleague before any offer.\n\n"
        "Exit 1 if the policy forbids it (nothing stored) or a delivery failed (stored; retry with 'wst notify').\n\n"
        "Example: wst propose forfragan.toml --as anna"))(propose)
    app.command("ack", help=N_(
        "Seen, no objection. Silence until the review deadline counts the same (lazy consensus).\n\n"
        "Example: wst ack 2026-svensk-cykling-cykelvagar --as erik"))(ack)
    app.command("comment", help=N_(
        "A view on the engagement; not an objection.\n\n"
        "Example: wst comment 2026-x \"Bra uppdrag, jag hjälper gärna till.\" --as sara"))(comment)
    app.command("object", help=N_(
        "Object on behalf of the firm (the CEO then decides), decline personally, or withdraw your objection.\n\n"
        "Example: wst object 2026-x --reason \"Vi har en konflikt med en kund.\" --as sara"))(object_)
    app.command("approve", help=N_(
        "CEO: resolve a dispute and grant exceptions to block findings.\n\n"
        "Example: wst approve 2026-x --consulted \"Vattenfall AB=samtal med kommunikationschefen\" --as petra"))(approve)
    app.command("veto", help=N_(
        "CEO: decline the engagement for good.\n\n"
        "Example: wst veto 2026-x --reason \"Vi tar inte uppdrag med kinesiska ägare.\" --as petra"))(veto)
    app.command("withdraw", help=N_(
        "Client lead: withdraw the proposal.\n\n"
        "Example: wst withdraw 2026-x --reason \"Kunden drog sig ur.\" --as anna"))(withdraw)
    app.command("offer", help=N_(
        "Client lead: make the offer; refused (exit 3) with what is missing until the engagement is cleared.\n\n"
        "Example: wst offer 2026-x --as anna"))(offer)
    app.command("won", help=N_(
        "Client lead: the client accepted; it is now an active client.\n\n"
        "Example: wst won 2026-x --as anna"))(won)
    app.command("lost", help=N_(
        "Client lead: the client declined the offer.\n\n"
        "Example: wst lost 2026-x --reason \"Kunden valde en annan byrå.\" --as anna"))(lost)
    app.command("end", help=N_(
        "Client lead: the engagement has ended.\n\n"
        "Example: wst end 2026-x --as anna"))(end)
    app.command("team", help=N_(
        "Client lead: the working group; nobody who declined personally can be added.\n\n"
        "Example: wst team 2026-x add jonas --as anna"))(team)
    app.command("assign", help=N_(
        "CEO: appoint a new client lead.\n\n"
        "Example: wst assign 2026-x erik --as petra"))(assign)
    app.command("criticism", help=N_(
        "Client lead: record criticism from the client and inform the CEO at once.\n\n"
        "Example: wst criticism 2026-x --note \"Kunden tyckte att pressmeddelandet var för försiktigt.\" --as anna"))(criticism)
    app.command("notify", help=N_(
        "Client lead: deliver what has not been delivered yet (after a failed delivery).\n\n"
        "Example: wst notify 2026-x --as anna"))(notify)
    app.command("remind", help=N_(
        "For a daily cron or CI schedule: remind colleagues who have not responded before the deadline, tell the lead "
        "and colleagues when an engagement clears, and deliver anything a failed delivery left. Each message is sent once; "
        "a second run sends nothing new.\n\n"
        "Example: WST_USER=petra wst remind"))(remind)
    app.command("amend-text", help=N_(
        "Client lead: revise how the engagement is presented on the firm's website (what 'wst publish' shows).\n\n"
        "Example: wst amend-text 2026-x \"Vi hjälper Svensk Cykling att få fler cykelvägar.\""))(amend_text)


def propose(
    file: Annotated[Path, typer.Argument(help=N_("the proposal file (SPEC 2.3)"), show_default=False)],
    exception_reason: Annotated[str | None, typer.Option("--exception-reason", help=N_("why the CEO should grant an exception to block findings"))] = None,
    again: Annotated[bool, typer.Option("--again", help=N_("propose it even though the same request is already open"))] = False,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    from westander_cli.render import payloads

    ws = workspace(data, policies)
    actor = ws.identify(as_person)
    outcome = ws.propose(file, actor, exception_reason, again=again)
    result = payloads.check_result(str(file), outcome.result)
    payload: dict[str, Any] = {
        "id": outcome.id, "stored": outcome.stored, "verdict": result["verdict"], "findings": result["findings"],
        "state": ws.view(outcome.id).state.value if outcome.stored else None,
        "review_deadline": payloads.when(ws.view(outcome.id).review_deadline) if outcome.stored else None,
        "deliveries": [d.__dict__ for d in outcome.deliveries],
    }
    emit(fmt, payload, View.PROPOSE)
    if not outcome.stored:
        return fail_after_output(ExitCode.FAILED, _("{path}: forbidden by the client policy; nothing was stored").format(path=file))
    if outcome.failed:
        return fail_after_output(ExitCode.FAILED, ngettext(
            "'{id}' is stored, but {count} delivery failed; retry with 'wst notify {id}'",
            "'{id}' is stored, but {count} deliveries failed; retry with 'wst notify {id}'", len(outcome.failed)).format(
            id=outcome.id, count=len(outcome.failed)))
    return int(ExitCode.OK)


def _act(command: str, engagement_id: str, as_person: str | None, fmt: Format, data: Path, policies: Path | None,
         text: str | None = None, person: str | None = None, team_action: str | None = None, consulted: list[str] | None = None) -> int:
    """Record one event through the library API and report it; the process table decides."""
    from westander_cli.intake import Request
    from westander_cli.render import payloads
    from westander_cli.workflow import Command

    ws = workspace(data, policies)
    actor = ws.identify(as_person)
    wanted = Command(command)
    if wanted == Command.WITHDRAW_OBJECTION:
        event = ws.withdraw_objection(engagement_id, actor)
    else:
        event = ws.act(engagement_id, actor, Request(wanted, text=text, person=person, team_action=team_action,
                                                      consulted=tuple(consulted or ())))
    payload: dict[str, Any] = {"id": engagement_id, "event": payloads.event(event), "deliveries": []}
    from westander_cli.events import Topic

    told = ws.inform(engagement_id, actor, strict=False, topics=frozenset({Topic.EVENT}))  # reminders: 'wst remind'
    payload["deliveries"] = [d.__dict__ for d in told]
    payload["state"] = ws.view(engagement_id).state.value
    emit(fmt, payload, View.EVENT)
    failed = [d for d in payload["deliveries"] if d["error"]]
    if failed:
        from westander_cli import words

        return fail_after_output(ExitCode.FAILED, ngettext(
            "the {event} is recorded, but {count} delivery failed; retry with 'wst notify {id}'",
            "the {event} is recorded, but {count} deliveries failed; retry with 'wst notify {id}'", len(failed)).format(
            event=words.event(event.kind.value), count=len(failed), id=engagement_id))
    return int(ExitCode.OK)


def ack(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    return _act("ack", engagement_id, as_person, fmt, data, policies)


def comment(
    engagement_id: IdArgument,
    text: Annotated[str, typer.Argument(help=N_("your view"), show_default=False)],
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    return _act("comment", engagement_id, as_person, fmt, data, policies, text=text)


def object_(
    engagement_id: IdArgument,
    reason: ReasonOption = None,
    personal: Annotated[bool, typer.Option("--personal", help=N_("decline to work on it yourself (no dispute)"))] = False,
    withdraw_: Annotated[bool, typer.Option("--withdraw", help=N_("withdraw your own open objection"))] = False,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    if personal and withdraw_:
        raise InvalidInput(_("object: choose --personal or --withdraw, not both"))
    action = "object --personal" if personal else "object --withdraw" if withdraw_ else "object"
    return _act(action, engagement_id, as_person, fmt, data, policies, text=reason)


def approve(
    engagement_id: IdArgument,
    reason: ReasonOption = None,
    consulted: Annotated[list[str] | None, typer.Option("--consulted", metavar="CLIENT=HOW", help=N_("how an affected active client was consulted (repeat per client)"))] = None,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    return _act("approve", engagement_id, as_person, fmt, data, policies, text=reason, consulted=consulted or [])


def veto(engagement_id: IdArgument, reason: ReasonOption = None, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    return _act("veto", engagement_id, as_person, fmt, data, policies, text=reason)


def withdraw(engagement_id: IdArgument, reason: ReasonOption = None, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    return _act("withdraw", engagement_id, as_person, fmt, data, policies, text=reason)


def offer(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    return _act("offer", engagement_id, as_person, fmt, data, policies)


def won(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    return _act("won", engagement_id, as_person, fmt, data, policies)


def lost(engagement_id: IdArgument, reason: ReasonOption = None, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    return _act("lost", engagement_id, as_person, fmt, data, policies, text=reason)


def end(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    return _act("end", engagement_id, as_person, fmt, data, policies)


def team(
    engagement_id: IdArgument,
    team_action: Annotated[str, typer.Argument(metavar="add|remove", help=N_("add or remove"), show_default=False)],
    person: Annotated[str, typer.Argument(metavar="PERSON", help=N_("a person id"), show_default=False)],
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    if team_action not in ("add", "remove"):
        raise InvalidInput(_("team: '{value}' is not add or remove").format(value=team_action))
    return _act("team", engagement_id, as_person, fmt, data, policies, team_action=team_action, person=person)


def assign(
    engagement_id: IdArgument,
    person: Annotated[str, typer.Argument(metavar="PERSON", help=N_("the new client lead"), show_default=False)],
    reason: ReasonOption = None,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    return _act("assign", engagement_id, as_person, fmt, data, policies, person=person, text=reason)


def criticism(
    engagement_id: IdArgument,
    note: Annotated[str | None, typer.Option("--note", help=N_("what the client criticised"))] = None,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    return _act("criticism", engagement_id, as_person, fmt, data, policies, text=note)


def notify(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    ws = workspace(data, policies)
    actor = ws.identify(as_person)
    deliveries = [d.__dict__ for d in ws.inform(engagement_id, actor)]
    delivered = len([d for d in deliveries if not d["error"]])
    with stable_for_scripts(fmt):
        message = _("{count} delivered, nothing else pending").format(count=delivered) if deliveries else _("nothing to deliver")
    payload = {"id": engagement_id, "deliveries": deliveries, "message": message}
    emit(fmt, payload, View.DELIVERIES if deliveries else View.MESSAGE)
    if any(d["error"] for d in deliveries):
        return fail_after_output(ExitCode.FAILED, _("some deliveries failed again; retry with 'wst notify {id}'").format(id=engagement_id))
    return int(ExitCode.OK)


def remind(as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    ws = workspace(data, policies)
    actor = ws.identify(as_person)
    results = ws.remind(actor)
    deliveries = [{"id": key, **d.__dict__} for key, sent in results for d in sent]
    sent = len([d for d in deliveries if not d["error"]])
    with stable_for_scripts(fmt):
        message = _("{count} delivered").format(count=sent) if deliveries else _("nothing to deliver")
    emit(fmt, {"id": "", "deliveries": [{k: v for k, v in d.items() if k != "id"} for d in deliveries],
               "message": message}, View.DELIVERIES if deliveries else View.MESSAGE)
    if any(d["error"] for d in deliveries):
        return fail_after_output(ExitCode.FAILED, _("some deliveries failed; the next 'wst remind' retries them"))
    return int(ExitCode.OK)


def amend_text(
    engagement_id: IdArgument,
    text: Annotated[str, typer.Argument(help=N_("the new website text"), show_default=False)],
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    return _act("amend-text", engagement_id, as_person, fmt, data, policies, text=text)
