"""Rich renderings of the JSON payloads, so that people and machines always see the same facts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from westander_cli import words
from westander_cli.i18n import N_, _, current, local_time, ngettext
from westander_cli.render import lines, sanitise

SEVERITY_STYLE = {"forbid": "bold red", "block": "red", "warn": "yellow", "info": "cyan"}
VERDICT_STYLE = {"forbidden": "bold red", "needs_exception": "yellow", "clear": "green"}
STATE_STYLE = {"cleared": "green", "won": "green", "disputed": "yellow", "offered": "cyan",
               "vetoed": "red", "withdrawn": "dim", "lost": "dim", "ended": "dim", "proposed": ""}


LARGE = 200
"""Above this many rows a table is written as plain aligned columns: Rich measures every cell, which
took 5 s for 3,000 rows, and nobody reads that many rows for their colours."""


def _plain(console: Console, headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    console.file.write("\n".join(lines) + "\n")


OWNER_KINDS = {"company": N_("company"), "person": N_("person"), "state": N_("government")}
"""Kinds of owner in the registry tree (model.OwnerKind)."""


def _rows(console: Console, keys: list[str], rows: list[list[Any]], styles: list[str] | None = None) -> None:
    """A list for people, columns named by `keys` (JSON keys): a Rich table on a terminal, else `lines.write`'s lines."""
    if not console.is_terminal:
        lines.write(console.file, keys, rows)
        return
    headers = lines.headers(keys)
    shown = lines.shown(keys, rows)
    if len(rows) > LARGE:
        _plain(console, headers, shown)
        return
    table = Table(header_style="bold")
    for key, header in zip(keys, headers, strict=True):
        table.add_column(header, no_wrap=key == "id")
    for n, (row, people_row) in enumerate(zip(rows, shown, strict=True)):
        table.add_row(*(_t(value, STATE_STYLE.get(str(raw), "") if key == "state" else "")
                        for key, raw, value in zip(keys, row, people_row, strict=True)),
                      style=styles[n] if styles else None)
    console.print(table)


def _t(value: Any, style: str = "") -> Text:
    return Text("" if value is None else str(value), style=style)


def findings_table(findings: list[dict[str, Any]]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column(_("severity"), no_wrap=True)
    table.add_column(_("rule"), no_wrap=True)
    table.add_column(_("finding"))
    table.add_column(_("source"))
    for f in findings:
        table.add_row(_t(words.severity(f["severity"]), SEVERITY_STYLE.get(f["severity"], "")), _t(f["rule"]), _t(f["message"]), _t(f["source"]))
    return table


def check_results(console: Console, payload: dict[str, Any]) -> None:
    for result in payload["results"]:
        if result.get("error"):
            console.print(Text.assemble((sanitise(result["file"]), "bold"), "  ", (_("error"), "bold red")))
            console.print(Text("  " + sanitise(result["error"]["message"]), style="red"))
            continue
        console.print(Text.assemble((sanitise(result["file"]), "bold"), f"  {sanitise(result['client'])}  ",
                                    (words.verdict(result["verdict"]), VERDICT_STYLE.get(result["verdict"], ""))))
        if result["findings"]:
            console.print(findings_table(result["findings"]))
        else:
            console.print(Text("  " + _("no findings"), style="green"))


def policy_list(console: Console, payload: dict[str, Any]) -> None:
    table = Table(header_style="bold")
    for column in (_("rule"), _("type"), _("severity"), _("title"), _("source")):
        table.add_column(column)
    for rule in payload["rules"]:
        table.add_row(_t(rule["id"]), _t(rule["kind"]), _t(words.severity(rule["severity"]), SEVERITY_STYLE.get(rule["severity"], "")),
                      _t(rule["title"][current()]), _t(rule["source"]))
    console.print(table)


def policy_show(console: Console, payload: dict[str, Any]) -> None:
    rule = payload["rule"]
    console.print(Text(f"{rule['id']}  ({rule['kind']}, {words.severity(rule['severity'])})", style="bold"))
    console.print(_t(rule["title"][current()]))
    console.print(Text(f"\n{rule['source']}:", style="bold"))
    console.print(_t(f"  “{rule['quote']}”", "italic"))
    console.print(_t(rule["explanation"][current()]))
    if rule["parameters"]:
        console.print(Text("\n" + _("parameters:"), style="bold"))
        for key, value in rule["parameters"].items():
            console.print(_t(f"  {key} = {value}"))


def propose(console: Console, payload: dict[str, Any]) -> None:
    if not payload["stored"]:
        console.print(Text(_("refused by policy ({verdict}); nothing was stored").format(verdict=words.verdict(payload["verdict"])), style="bold red"))
    else:
        console.print(Text(_("registered {id} ({state}); views by {deadline}").format(
            id=payload["id"], state=words.state(payload["state"]), deadline=local_time(payload["review_deadline"])), style="bold"))
    if payload["findings"]:
        console.print(findings_table(payload["findings"]))
    deliveries(console, payload)


def deliveries(console: Console, payload: dict[str, Any]) -> None:
    informed = sorted({d["person"] for d in payload.get("deliveries", []) if not d["error"]})
    if informed:
        console.print(_t(_("informed: {people}").format(people=", ".join(informed))))
    for d in payload.get("deliveries", []):
        if d["error"]:
            console.print(Text(_("not delivered to {person} ({channel}): {error}").format(person=d["person"], channel=d["channel"], error=d["error"]), style="red"))


def event(console: Console, payload: dict[str, Any]) -> None:
    e = payload["event"]
    state = words.state(payload["state"])
    line = Text(_("{id}: recorded {kind} by {person}; now {state}").format(id=payload["id"], kind=words.event(e["kind"]), person=e["by"], state=state))
    start = line.plain.rfind(state)  # the state's name, coloured as in the tables
    line.stylize(STATE_STYLE.get(payload["state"], "bold"), start, start + len(state))
    console.print(line)
    deliveries(console, payload)


def engagement_list(console: Console, payload: dict[str, Any]) -> None:
    _rows(console, *lines.engagement_list(payload))
    if not payload["engagements"] and console.is_terminal:
        console.print(Text(_("no engagements"), style="dim"))


def engagement_show(console: Console, payload: dict[str, Any]) -> None:
    e = payload["engagement"]
    console.print(Text.assemble((e["id"], "bold"), "  ", (words.state(e["state"]), STATE_STYLE.get(e["state"], "bold"))))
    rows = [(_("title"), e["title"]), (_("client"), e["client"]), (_("lead"), e["lead"]), (_("team"), ", ".join(e["team"]) or "-"),
            (_("proposed"), local_time(e["proposed_at"])), (_("review deadline"), local_time(e["review_deadline"])),
            (_("acknowledged"), ", ".join(e["acks"]) or "-"), (_("declined personally"), ", ".join(e["opted_out"]) or "-"),
            (_("CEO approved"), _("yes") if e["approved"] else _("no"))]
    table = Table.grid(padding=(0, 2))
    for key, value in rows:
        table.add_row(Text(key, style="bold"), _t(value))
    console.print(table)
    for objection in e["objections"]:
        console.print(Text(_("open objection by {person}: {reason}").format(person=objection["by"], reason=objection["reason"]), style="yellow"))
    if e["findings"]:
        console.print(findings_table(e["findings"]))
    if e["missing_for_offer"]:
        console.print(Text(_("before an offer:"), style="bold"))
        for item in e["missing_for_offer"]:
            console.print(_t(f"  - {item}"))


def log(console: Console, payload: dict[str, Any]) -> None:
    _rows(console, *lines.log(payload))


def status(console: Console, payload: dict[str, Any]) -> None:
    if console.is_terminal:
        console.print(Text(_("awaiting {person}:").format(person=payload["person"]), style="bold"))
        if not payload["awaiting"]:
            console.print(Text("  " + _("nothing"), style="green"))
            return
    _rows(console, *lines.status(payload))


def message(console: Console, payload: dict[str, Any]) -> None:
    console.print(_t(payload["message"]))


def registry_import(console: Console, payload: dict[str, Any]) -> None:
    verb = _("imported") if payload["new"] else _("already imported (nothing changed)")
    console.print(_t(_("{file}: {verb}: {statements} statements, {entities} entities, {relationships} relationships -> {stored_as}").format(
        file=payload["file"], verb=verb, statements=payload["statements"], entities=payload["entities"],
        relationships=payload["relationships"], stored_as=payload["stored_as"])))
    for problem in payload["problems"]:
        console.print(Text(f"  {problem}", style="yellow"))


def _share(low: Any, high: Any) -> str:
    if low is None and high is None:
        return _("share unknown")
    if low == high or high is None:
        return f"{low:g} %" if low is not None else _("share unknown")
    return f"{low or 0:g}-{high:g} %"


def registry_tree(console: Console, payload: dict[str, Any]) -> None:
    from rich.tree import Tree

    def label(item: dict[str, Any]) -> Text:
        countries = ",".join(item.get("countries", [])) or "?"
        kind = item.get("kind", "")
        text = Text(item["name"] if item.get("cycle") else f"{item['name']} ({_(OWNER_KINDS[kind]) if kind in OWNER_KINDS else kind}, {countries})")
        if "share_min" in item:
            text.append("  " + (_("holds {share}, controls") if item.get("control") else _("holds {share}")).format(share=_share(item["share_min"], item["share_max"])))
        if item.get("cycle"):
            text.append("  ↺ " + _("cycle"), style="yellow")
        elif "effective_share_min" in item and "share_min" in item:
            text.append("  " + _("effective {share}").format(share=_share(item["effective_share_min"], item["effective_share_max"])), style="bold")
        return text

    def add(branch: Any, item: dict[str, Any]) -> None:
        for owner in item.get("owners", []):
            add(branch.add(label(owner)), owner)

    root = payload["tree"]
    tree = Tree(label(root))
    add(tree, root)
    console.print(tree)


def problems(console: Console, payload: dict[str, Any]) -> None:
    for problem in payload["problems"]:
        console.print(Text(f"{lines.where(problem)}: ", style="bold") + _t(problem["message"]), soft_wrap=True)
    console.print(Text(lines.problems_summary(payload), style="green" if not payload["problems"] else "red"))


def publish(console: Console, payload: dict[str, Any]) -> None:
    _rows(console, *lines.publish(payload))
    if payload.get("unreadable"):
        console.print(_t(lines.unreadable(payload["unreadable"]), "yellow"))


def _bars(console: Console, title: str, counts: dict[str, int], style_of: dict[str, str] | None = None) -> None:
    """A small bar chart: one line a label, its count, and a bar scaled to the largest."""
    console.print(Text(title, style="bold"))
    widest = max(counts.values(), default=0) or 1
    label_width = max((len(label) for label in counts), default=0)
    for label, count in counts.items():
        bar = "█" * round(30 * count / widest) if count else ""
        console.print(Text.assemble(f"  {label:<{label_width}}  {count:>5}  ", (bar, (style_of or {}).get(label, "cyan") or "cyan")))


def report(console: Console, payload: dict[str, Any]) -> None:
    total = payload["total"]
    console.print(Text(ngettext("{count} engagement in all", "{count} engagements in all", total).format(count=total), style="bold"))
    _bars(console, _("by state"), {words.state(state): count for state, count in payload["by_state"].items()},
          {words.state(state): style for state, style in STATE_STYLE.items()})
    if payload["proposed_by_month"]:
        _bars(console, _("proposed per month"), payload["proposed_by_month"])
    declined = ", ".join(f"{words.state(state)} {count}" for state, count in payload["declined"].items())
    console.print(_t(_("declined (confidential, counts only): {declined}").format(declined=declined)))
    median = payload["median_hours_to_offer"]
    console.print(_t(_("with objections: {objections}; needing a CEO exception: {exceptions}; median hours from proposal to offer: {median}").format(
        objections=payload["with_objections"], exceptions=payload["with_block_findings"], median=median if median is not None else "-")))
    if payload.get("unreadable"):
        console.print(_t(ngettext("{count} engagement could not be read and is not counted", "{count} engagements could not be read and are not counted",
                                  payload["unreadable"]).format(count=payload["unreadable"]), "yellow"))
