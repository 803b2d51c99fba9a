"""Rich renderings of the JSON payloads, so that people and machines always see the same facts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from westander_cli.render import sanitise

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


def _rows(console: Console, headers: list[str], rows: list[list[Any]], styles: list[str] | None = None) -> None:
    """A list for people: a Rich table on a terminal; in a pipe, tab-separated lines under a header
    line, nothing cut (tabs and line breaks inside values shown escaped)."""
    if not console.is_terminal:
        def cell(value: Any) -> str:
            return sanitise("" if value is None else str(value)).replace("\t", "\\t").replace("\n", "\\n")

        console.file.write("".join("\t".join(cell(v) for v in row) + "\n" for row in [headers, *rows]))
        return
    if len(rows) > LARGE:
        _plain(console, headers, rows)
        return
    table = Table(header_style="bold")
    for header in headers:
        table.add_column(header, no_wrap=header == "id")
    for n, row in enumerate(rows):
        table.add_row(*(_t(value, STATE_STYLE.get(str(value), "") if header == "state" else "") for header, value in zip(headers, row, strict=True)),
                      style=styles[n] if styles else None)
    console.print(table)


def _t(value: Any, style: str = "") -> Text:
    return Text("" if value is None else str(value), style=style)


def findings_table(findings: list[dict[str, Any]]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("finding")
    table.add_column("source")
    for f in findings:
        table.add_row(_t(f["severity"], SEVERITY_STYLE.get(f["severity"], "")), _t(f["rule"]), _t(f["message"]), _t(f["source"]))
    return table


def check_results(console: Console, payload: dict[str, Any]) -> None:
    for result in payload["results"]:
        if result.get("error"):
            console.print(Text.assemble((sanitise(result["file"]), "bold"), "  ", ("error", "bold red")))
            console.print(Text("  " + sanitise(result["error"]["message"]), style="red"))
            continue
        console.print(Text.assemble((sanitise(result["file"]), "bold"), f"  {sanitise(result['client'])}  ",
                                    (result["verdict"], VERDICT_STYLE.get(result["verdict"], ""))))
        if result["findings"]:
            console.print(findings_table(result["findings"]))
        else:
            console.print(Text("  no findings", style="green"))


def policy_list(console: Console, payload: dict[str, Any]) -> None:
    table = Table(header_style="bold")
    for column in ("rule", "kind", "severity", "title", "source"):
        table.add_column(column)
    for rule in payload["rules"]:
        table.add_row(_t(rule["id"]), _t(rule["kind"]), _t(rule["severity"], SEVERITY_STYLE.get(rule["severity"], "")),
                      _t(rule["title"]["sv"]), _t(rule["source"]))
    console.print(table)


def policy_show(console: Console, payload: dict[str, Any]) -> None:
    rule = payload["rule"]
    console.print(Text(f"{rule['id']}  ({rule['kind']}, {rule['severity']})", style="bold"))
    console.print(_t(f"{rule['title']['sv']} / {rule['title']['en']}"))
    console.print(Text(f"\n{rule['source']}:", style="bold"))
    console.print(_t(f"  “{rule['quote']}”", "italic"))
    console.print(Text("\nsv: ", style="bold") + _t(rule["explanation"]["sv"]))
    console.print(Text("en: ", style="bold") + _t(rule["explanation"]["en"]))
    if rule["parameters"]:
        console.print(Text("\nparameters:", style="bold"))
        for key, value in rule["parameters"].items():
            console.print(_t(f"  {key} = {value}"))


def propose(console: Console, payload: dict[str, Any]) -> None:
    if not payload["stored"]:
        console.print(Text(f"refused by policy ({payload['verdict']}); nothing was stored", style="bold red"))
    else:
        console.print(Text.assemble("registered ", (payload["id"], "bold"), f" ({payload['state']}); views by ",
                                    (payload["review_deadline"], "bold")))
    if payload["findings"]:
        console.print(findings_table(payload["findings"]))
    deliveries(console, payload)


def deliveries(console: Console, payload: dict[str, Any]) -> None:
    informed = sorted({d["person"] for d in payload.get("deliveries", []) if not d["error"]})
    if informed:
        console.print(_t(f"informed: {', '.join(informed)}"))
    for d in payload.get("deliveries", []):
        if d["error"]:
            console.print(Text(f"not delivered to {d['person']} ({d['channel']}): {d['error']}", style="red"))


def event(console: Console, payload: dict[str, Any]) -> None:
    e = payload["event"]
    console.print(Text.assemble(f"{payload['id']}: recorded {e['kind']} by {e['by']}; now ",
                                (payload["state"], STATE_STYLE.get(payload["state"], "bold"))))
    deliveries(console, payload)


def engagement_list(console: Console, payload: dict[str, Any]) -> None:
    keys = ["id", "state", "client", "title", "lead", "review_deadline"]
    _rows(console, [k.replace("_", " ") for k in keys], [[e[k] for k in keys] for e in payload["engagements"]])
    if not payload["engagements"] and console.is_terminal:
        console.print(Text("no engagements", style="dim"))


def engagement_show(console: Console, payload: dict[str, Any]) -> None:
    e = payload["engagement"]
    console.print(Text.assemble((e["id"], "bold"), "  ", (e["state"], STATE_STYLE.get(e["state"], "bold"))))
    rows = [("title", e["title"]), ("client", e["client"]), ("lead", e["lead"]), ("team", ", ".join(e["team"]) or "-"),
            ("proposed", e["proposed_at"]), ("review deadline", e["review_deadline"]),
            ("acknowledged", ", ".join(e["acks"]) or "-"), ("declined personally", ", ".join(e["opted_out"]) or "-"),
            ("CEO approved", "yes" if e["approved"] else "no")]
    table = Table.grid(padding=(0, 2))
    for key, value in rows:
        table.add_row(Text(key, style="bold"), _t(value))
    console.print(table)
    for objection in e["objections"]:
        console.print(Text(f"open objection by {objection['by']}: {objection['reason']}", style="yellow"))
    if e["findings"]:
        console.print(findings_table(e["findings"]))
    if e["missing_for_offer"]:
        console.print(Text("before an offer:", style="bold"))
        for item in e["missing_for_offer"]:
            console.print(_t(f"  - {item}"))


def log(console: Console, payload: dict[str, Any]) -> None:
    keys = ["at", "kind", "by", "details", "counts"]
    _rows(console, keys, [[_details(e[k]) if k == "details" else e[k] for k in keys] for e in payload["events"]])


def _details(details: dict[str, Any]) -> str:
    """`text=...; reason=...` for people; lists joined with commas."""
    def shown(value: Any) -> str:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    return "; ".join(f"{key}={shown(value)}" for key, value in details.items())


def status(console: Console, payload: dict[str, Any]) -> None:
    keys = ["id", "state", "client", "what", "deadline"]
    if console.is_terminal:
        console.print(Text(f"awaiting {payload['person']}:", style="bold"))
        if not payload["awaiting"]:
            console.print(Text("  nothing", style="green"))
            return
    _rows(console, keys, [[item[k] for k in keys] for item in payload["awaiting"]])


def message(console: Console, payload: dict[str, Any]) -> None:
    console.print(_t(payload["message"]))


def registry_import(console: Console, payload: dict[str, Any]) -> None:
    verb = "imported" if payload["new"] else "already imported (nothing changed)"
    console.print(_t(f"{payload['file']}: {verb}: {payload['statements']} statements, {payload['entities']} entities, "
                     f"{payload['relationships']} relationships -> {payload['stored_as']}"))
    for problem in payload["problems"]:
        console.print(Text(f"  {problem}", style="yellow"))


def _share(low: Any, high: Any) -> str:
    if low is None and high is None:
        return "share unknown"
    if low == high or high is None:
        return f"{low:g} %" if low is not None else "share unknown"
    return f"{low or 0:g}-{high:g} %"


def registry_tree(console: Console, payload: dict[str, Any]) -> None:
    from rich.tree import Tree

    def label(item: dict[str, Any]) -> Text:
        countries = ",".join(item.get("countries", [])) or "?"
        text = Text(item["name"] if item.get("cycle") else f"{item['name']} ({item.get('kind', '')}, {countries})")
        if "share_min" in item:
            text.append(f"  holds {_share(item['share_min'], item['share_max'])}" + (", controls" if item.get("control") else ""))
        if item.get("cycle"):
            text.append("  ↺ cycle", style="yellow")
        elif "effective_share_min" in item and "share_min" in item:
            text.append(f"  effective {_share(item['effective_share_min'], item['effective_share_max'])}", style="bold")
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
        where = f"{problem['file']}:{problem['line']}" if problem["line"] else problem["file"]
        console.print(Text(f"{where}: ", style="bold") + _t(problem["message"]), soft_wrap=True)
    verdict = "no problems" if not payload["problems"] else f"{len(payload['problems'])} problem(s)"
    console.print(Text(f"wst {payload['command']}: {payload['checked']}; {verdict}", style="green" if not payload["problems"] else "red"))


def publish(console: Console, payload: dict[str, Any]) -> None:
    headers = ["client", "engagement", "since", "status", "lobbying", "on our website"]
    _rows(console, headers, [[c["client"], c["title"], c["since"], c["status"], "yes" if c["political_influence"] else "",
                              c["website_text"]] for c in payload["clients"]])
    if payload.get("unreadable"):
        console.print(_t(f"{payload['unreadable']} engagement(s) could not be read and are not listed", "yellow"))


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
    console.print(Text(f"{total} engagement{'s' if total != 1 else ''} in all", style="bold"))
    _bars(console, "by state", payload["by_state"], STATE_STYLE)
    if payload["proposed_by_month"]:
        _bars(console, "proposed per month", payload["proposed_by_month"])
    declined = ", ".join(f"{state} {count}" for state, count in payload["declined"].items())
    console.print(_t(f"declined (confidential, counts only): {declined}"))
    console.print(_t(f"with objections: {payload['with_objections']}; needing a CEO exception: {payload['with_block_findings']}; "
                     f"median hours from proposal to offer: {payload['median_hours_to_offer'] if payload['median_hours_to_offer'] is not None else '-'}"))
    if payload.get("unreadable"):
        console.print(_t(f"{payload['unreadable']} engagement(s) could not be read and are not counted", "yellow"))
