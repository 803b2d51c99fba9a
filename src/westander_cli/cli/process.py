"""The intake process: propose, respond, decide, and move an engagement on (SPEC 3, 4)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from westander_cli.cli.common import AsOption, DataOption, FormatOption, IdArgument, PoliciesOption, fail_after_output, workspace
from westander_cli.errors import ExitCode, InvalidInput
from westander_cli.render import Format, View, emit

ReasonOption = Annotated[str | None, typer.Option("--reason", help="why, in a sentence")]


def register(app: typer.Typer) -> None:
    app.command("propose")(propose)
    app.command("ack")(ack)
    app.command("comment")(comment)
    app.command("object")(object_)
    app.command("approve")(approve)
    app.command("veto")(veto)
    app.command("withdraw")(withdraw)
    app.command("offer")(offer)
    app.command("won")(won)
    app.command("lost")(lost)
    app.command("end")(end)
    app.command("team")(team)
    app.command("assign")(assign)
    app.command("criticism")(criticism)
    app.command("notify")(notify)
    app.command("remind")(remind)
    app.command("amend-text")(amend_text)


def propose(
    file: Annotated[Path, typer.Argument(help="the proposal file (SPEC 2.3)", show_default=False)],
    exception_reason: Annotated[str | None, typer.Option("--exception-reason", help="why the CEO should grant an exception to block findings")] = None,
    again: Annotated[bool, typer.Option("--again", help="propose it even though the same request is already open")] = False,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """Register a possible engagement, check it, and inform every colleague before any offer.

    Exit 1 if the policy forbids it (nothing stored) or a delivery failed (stored; retry with 'wst notify').

    Example: wst propose forfragan.toml --as anna
    """
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
        return fail_after_output(ExitCode.FAILED, f"{file}: forbidden by the client policy; nothing was stored")
    if outcome.failed:
        return fail_after_output(ExitCode.FAILED, f"'{outcome.id}' is stored, but {len(outcome.failed)} deliveries failed; retry with 'wst notify {outcome.id}'")
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
        return fail_after_output(ExitCode.FAILED, f"the {event.kind.value} is recorded, but {len(failed)} deliveries failed; "
                                 f"retry with 'wst notify {engagement_id}'")
    return int(ExitCode.OK)


def ack(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """Seen, no objection. Silence until the review deadline counts the same (lazy consensus).

    Example: wst ack 2026-svensk-cykling-cykelvagar --as erik
    """
    return _act("ack", engagement_id, as_person, fmt, data, policies)


def comment(
    engagement_id: IdArgument,
    text: Annotated[str, typer.Argument(help="your view", show_default=False)],
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """A view on the engagement; not an objection.

    Example: wst comment 2026-x "Bra uppdrag, jag hjälper gärna till." --as sara
    """
    return _act("comment", engagement_id, as_person, fmt, data, policies, text=text)


def object_(
    engagement_id: IdArgument,
    reason: ReasonOption = None,
    personal: Annotated[bool, typer.Option("--personal", help="decline to work on it yourself (no dispute)")] = False,
    withdraw_: Annotated[bool, typer.Option("--withdraw", help="withdraw your own open objection")] = False,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """Object on behalf of the firm (the CEO then decides), decline personally, or withdraw your objection.

    Example: wst object 2026-x --reason "Vi har en konflikt med en kund." --as sara
    """
    if personal and withdraw_:
        raise InvalidInput("object: choose --personal or --withdraw, not both")
    action = "object --personal" if personal else "object --withdraw" if withdraw_ else "object"
    return _act(action, engagement_id, as_person, fmt, data, policies, text=reason)


def approve(
    engagement_id: IdArgument,
    reason: ReasonOption = None,
    consulted: Annotated[list[str] | None, typer.Option("--consulted", metavar="CLIENT=HOW", help="how an affected active client was consulted (repeat per client)")] = None,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """CEO: resolve a dispute and grant exceptions to block findings.

    Example: wst approve 2026-x --consulted "Vattenfall AB=samtal med kommunikationschefen" --as petra
    """
    return _act("approve", engagement_id, as_person, fmt, data, policies, text=reason, consulted=consulted or [])


def veto(engagement_id: IdArgument, reason: ReasonOption = None, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """CEO: decline the engagement for good.

    Example: wst veto 2026-x --reason "Vi tar inte uppdrag med kinesiska ägare." --as petra
    """
    return _act("veto", engagement_id, as_person, fmt, data, policies, text=reason)


def withdraw(engagement_id: IdArgument, reason: ReasonOption = None, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """Client lead: withdraw the proposal.

    Example: wst withdraw 2026-x --reason "Kunden drog sig ur." --as anna
    """
    return _act("withdraw", engagement_id, as_person, fmt, data, policies, text=reason)


def offer(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """Client lead: make the offer; refused (exit 3) with what is missing until the engagement is cleared.

    Example: wst offer 2026-x --as anna
    """
    return _act("offer", engagement_id, as_person, fmt, data, policies)


def won(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """Client lead: the client accepted; it is now an active client.

    Example: wst won 2026-x --as anna
    """
    return _act("won", engagement_id, as_person, fmt, data, policies)


def lost(engagement_id: IdArgument, reason: ReasonOption = None, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """Client lead: the client declined the offer.

    Example: wst lost 2026-x --reason "Kunden valde en annan byrå." --as anna
    """
    return _act("lost", engagement_id, as_person, fmt, data, policies, text=reason)


def end(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """Client lead: the engagement has ended.

    Example: wst end 2026-x --as anna
    """
    return _act("end", engagement_id, as_person, fmt, data, policies)


def team(
    engagement_id: IdArgument,
    team_action: Annotated[str, typer.Argument(metavar="add|remove", help="add or remove", show_default=False)],
    person: Annotated[str, typer.Argument(metavar="PERSON", help="a person id", show_default=False)],
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """Client lead: the working group; nobody who declined personally can be added.

    Example: wst team 2026-x add jonas --as anna
    """
    if team_action not in ("add", "remove"):
        raise InvalidInput(f"team: '{team_action}' is not add or remove")
    return _act("team", engagement_id, as_person, fmt, data, policies, team_action=team_action, person=person)


def assign(
    engagement_id: IdArgument,
    person: Annotated[str, typer.Argument(metavar="PERSON", help="the new client lead", show_default=False)],
    reason: ReasonOption = None,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """CEO: appoint a new client lead.

    Example: wst assign 2026-x erik --as petra
    """
    return _act("assign", engagement_id, as_person, fmt, data, policies, person=person, text=reason)


def criticism(
    engagement_id: IdArgument,
    note: Annotated[str | None, typer.Option("--note", help="what the client criticised")] = None,
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """Client lead: record criticism from the client and inform the CEO at once.

    Example: wst criticism 2026-x --note "Kunden tyckte att pressmeddelandet var för försiktigt." --as anna
    """
    return _act("criticism", engagement_id, as_person, fmt, data, policies, text=note)


def notify(engagement_id: IdArgument, as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """Client lead: deliver what has not been delivered yet (after a failed delivery).

    Example: wst notify 2026-x --as anna
    """
    ws = workspace(data, policies)
    actor = ws.identify(as_person)
    deliveries = [d.__dict__ for d in ws.inform(engagement_id, actor)]
    payload = {"id": engagement_id, "deliveries": deliveries, "message": f"{len([d for d in deliveries if not d['error']])} delivered, nothing else pending" if deliveries else "nothing to deliver"}
    emit(fmt, payload, View.DELIVERIES if deliveries else View.MESSAGE)
    if any(d["error"] for d in deliveries):
        return fail_after_output(ExitCode.FAILED, f"some deliveries failed again; retry with 'wst notify {engagement_id}'")
    return int(ExitCode.OK)


def remind(as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None) -> int:
    """For a daily cron or CI schedule: remind colleagues who have not responded before the deadline,
    tell the lead and colleagues when an engagement clears, and deliver anything a failed delivery left.
    Each message is sent once; a second run sends nothing new.

    Example: WST_USER=petra wst remind
    """
    ws = workspace(data, policies)
    actor = ws.identify(as_person)
    results = ws.remind(actor)
    deliveries = [{"id": key, **d.__dict__} for key, sent in results for d in sent]
    sent = len([d for d in deliveries if not d["error"]])
    emit(fmt, {"id": "", "deliveries": [{k: v for k, v in d.items() if k != "id"} for d in deliveries],
               "message": f"{sent} delivered" if deliveries else "nothing to deliver"}, View.DELIVERIES if deliveries else View.MESSAGE)
    if any(d["error"] for d in deliveries):
        return fail_after_output(ExitCode.FAILED, "some deliveries failed; the next 'wst remind' retries them")
    return int(ExitCode.OK)


def amend_text(
    engagement_id: IdArgument,
    text: Annotated[str, typer.Argument(help="the new website text", show_default=False)],
    as_person: AsOption = None, fmt: FormatOption = Format.TABLE, data: DataOption = Path("data"), policies: PoliciesOption = None,
) -> int:
    """Client lead: revise how the engagement is presented on the firm's website (what 'wst publish' shows).

    Example: wst amend-text 2026-x "Vi hjälper Svensk Cykling att få fler cykelvägar."
    """
    return _act("amend-text", engagement_id, as_person, fmt, data, policies, text=text)
