"""The list views (`list`, `log`, `status`, `publish`) as rows, and the problems of `validate` and `verify` as
lines: what people read, for a terminal and for a pipe.

On a terminal `render.table` draws these as Rich tables and styled lines; in a pipe `piped` puts them
out as plain lines, nothing cut, without importing Rich at all (a script that runs
`wst status | cut -f1`, or CI reading 90,000 problems of `wst verify`, pays only for what it reads).
"""

from __future__ import annotations

from typing import IO, Any

from westander_cli import words
from westander_cli.i18n import N_, _, local_time, ngettext
from westander_cli.render import View, sanitise

Rows = tuple[list[str], list[list[Any]]]
"""The columns (JSON keys) and one list of values per row, in the JSON's words."""

HEADERS = {"id": N_("id"), "state": N_("state"), "client": N_("client"), "title": N_("title"), "lead": N_("lead"),
           "review_deadline": N_("review deadline"), "what": N_("to do"), "deadline": N_("review deadline"), "at": N_("at"),
           "kind": N_("kind"), "by": N_("by"), "details": N_("details"), "counts": N_("counts"),
           "engagement": N_("engagement"), "since": N_("since"), "status": N_("status"), "lobbying": N_("lobbying"),
           "website_text": N_("on our website")}
"""Column headers people read, keyed by the JSON key the column shows."""
PUBLIC_STATUS = {"ongoing": N_("ongoing"), "ended": N_("ended")}
DETAILS = {"lead": N_("lead"), "review_deadline": N_("review deadline"), "ceo": N_("CEO"), "channels": N_("channels"),
           "channel": N_("channel"), "review_hours": N_("review hours"), "review_counting": N_("review period counts"),
           "timezone": N_("time zone"), "policy_digest": N_("policy digest"), "signatures": N_("signatures required"),
           "recipients": N_("recipients"), "about": N_("about"), "topic": N_("topic"), "text": N_("text"),
           "reason": N_("reason"), "exception_reason": N_("reason for the exception"), "objection": N_("objection"),
           "consulted": N_("consulted"), "action": N_("action"), "person": N_("person")}
"""The names people read for the fields of an event in `log` (JSON keeps the field names)."""
TIMES = frozenset({"review_deadline", "deadline", "at", "since", "proposed_at"})
"""Keys whose values are UTC times in JSON and local times with their zone for people."""


def engagement_list(payload: dict[str, Any]) -> Rows:
    keys = ["id", "state", "client", "title", "lead", "review_deadline"]
    return keys, [[e[k] for k in keys] for e in payload["engagements"]]


def log(payload: dict[str, Any]) -> Rows:
    keys = ["at", "kind", "by", "details", "counts"]
    return keys, [[_details(e[k]) if k == "details" else e[k] for k in keys] for e in payload["events"]]


def status(payload: dict[str, Any]) -> Rows:
    keys = ["id", "state", "client", "what", "deadline"]
    return keys, [[item[k] for k in keys] for item in payload["awaiting"]]


def publish(payload: dict[str, Any]) -> Rows:
    keys = ["client", "engagement", "since", "status", "lobbying", "website_text"]
    return keys, [[c["client"], c["title"], c["since"], _(PUBLIC_STATUS[c["status"]]), _("yes") if c["political_influence"] else "",
                   c["website_text"]] for c in payload["clients"]]


def piped(view: View, payload: dict[str, Any]) -> str:
    """The whole of a view as a pipe gets it (`render.PIPED_VIEWS`): a list view's tab-separated rows under their
    header line (and, for `publish`, how many engagements could not be read), or one problem a line."""
    if view == View.PROBLEMS:
        return problems(payload)
    text = _tabbed(*ROWS[view](payload))
    if view == View.PUBLISH and payload.get("unreadable"):
        text += unreadable(payload["unreadable"]) + "\n"
    return text


def unreadable(count: int) -> str:
    """The line under the public list when some engagements could not be read."""
    return ngettext("{count} engagement could not be read and is not listed", "{count} engagements could not be read and are not listed",
                    count).format(count=count)


def problems(payload: dict[str, Any]) -> str:
    """`wst validate` and `wst verify` in a pipe: one problem a line (`FILE:LINE: message`, tabs and line breaks
    in a message shown escaped), then the summary line a CI log ends with."""
    lines = [f"{sanitise(where(problem))}: {_escaped(problem['message'])}" for problem in payload["problems"]]
    return "".join(line + "\n" for line in [*lines, sanitise(problems_summary(payload))])


def where(problem: dict[str, Any]) -> str:
    return f"{problem['file']}:{problem['line']}" if problem["line"] else str(problem["file"])


def problems_summary(payload: dict[str, Any]) -> str:
    count = len(payload["problems"])
    verdict = _("no problems") if not count else ngettext("{count} problem", "{count} problems", count).format(count=count)
    return f"wst {payload['command']}: {payload['checked']}; {verdict}"


ROWS = {View.ENGAGEMENT_LIST: engagement_list, View.LOG: log, View.STATUS: status, View.PUBLISH: publish}
"""The list views, each with the rows it shows."""


def headers(keys: list[str]) -> list[str]:
    return [_(HEADERS.get(key, key)) for key in keys]


def shown(keys: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    return [[_shown(key, value) for key, value in zip(keys, row, strict=True)] for row in rows]


def write(file: IO[str], keys: list[str], rows: list[list[Any]]) -> None:
    file.write(_tabbed(keys, rows))


def _tabbed(keys: list[str], rows: list[list[Any]]) -> str:
    """Tab-separated lines under a header line, nothing cut (tabs and line breaks inside values shown escaped)."""
    return "".join("\t".join(_escaped(v) for v in row) + "\n" for row in [headers(keys), *shown(keys, rows)])


def _escaped(value: Any) -> str:
    """A value on one line of its own: control characters sanitised, tabs and line breaks shown escaped."""
    if type(value) is str and value.isprintable():  # no control character, tab or line break: as it is (a str subclass goes through str())
        return value
    return sanitise("" if value is None else str(value)).replace("\t", "\\t").replace("\n", "\\n")


def _shown(key: str, value: Any) -> Any:
    """A JSON value as people read it: states and events by name, times local, status lines translated."""
    if value is None or value == "":
        return value
    if key == "state":
        return words.state(str(value))
    if key == "kind":
        return words.event(str(value))
    if key == "what":  # status.awaiting: English in JSON, the run's language here
        return _(str(value))
    if key == "counts":  # payloads.event: "yes", or "no: <why not>"
        return _("yes") if value == "yes" else _("no: {reason}").format(reason=str(value).removeprefix("no: "))
    if key in TIMES and isinstance(value, str) and "T" in value:
        return local_time(value)
    return value


def _details(details: dict[str, Any]) -> str:
    """`reason: ...; text: ...` for people: fields by name, times local, lists joined with commas."""
    def shown(key: str, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if isinstance(value, dict):
            return ", ".join(f"{name}: {text}" for name, text in value.items())
        return local_time(value) if key == "review_deadline" and isinstance(value, str) else str(value)

    return "; ".join(f"{_(DETAILS[key]) if key in DETAILS else key}: {shown(key, value)}" for key, value in details.items())
