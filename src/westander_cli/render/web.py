"""The public client list for the firm's website, as Markdown or as one self-contained HTML fragment
(escaped text, no scripts, no styles pulled from elsewhere) ready to paste or to include in a static site."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import Any

from westander_cli.i18n import N_, _, current
from westander_cli.render import one_line

HEADINGS = {"title": N_("Our clients"), "ongoing": N_("Ongoing engagements"), "ended": N_("Ended engagements"),
            "since": N_("since"), "lobbying": N_("Public affairs"), "none": N_("No engagements to show.")}
"""The page's words, in the run's language (`--lang en` writes the English page of a Swedish firm)."""


def _words() -> dict[str, str]:
    return {key: _(text) for key, text in HEADINGS.items()}


def _groups(payload: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    clients = payload["clients"]
    return [(status, [c for c in clients if c["status"] == status]) for status in ("ongoing", "ended")]


def _markdown_text(text: str) -> str:
    """Text that Markdown shows as written: its markup characters escaped, HTML written as text."""
    special = "\\`*_{}[]()#+-.!|<>"
    return "".join(f"\\{ch}" if ch in special else ch for ch in one_line(text))


def markdown(payload: dict[str, Any]) -> Iterator[str]:
    words = _words()
    yield f"## {words['title']}"
    if not payload["clients"]:
        yield ""
        yield words["none"]
    for status, clients in _groups(payload):
        if not clients:
            continue
        yield ""
        yield f"### {words[status]}"
        for client in clients:
            since = f" ({words['since']} {client['since']})" if client["since"] else ""
            lobbying = f" — {words['lobbying']}" if client["political_influence"] else ""
            yield ""
            yield f"**{_markdown_text(client['client'])}**{since}{lobbying}  "
            yield _markdown_text(client["website_text"] or client["title"])


def html(payload: dict[str, Any]) -> Iterator[str]:
    words = _words()
    yield f'<section class="wst-clients" lang="{escape(current())}">'
    yield f"  <h2>{escape(words['title'])}</h2>"
    if not payload["clients"]:
        yield f"  <p>{escape(words['none'])}</p>"
    for status, clients in _groups(payload):
        if not clients:
            continue
        yield f'  <section class="wst-{status}">'
        yield f"    <h3>{escape(words[status])}</h3>"
        for client in clients:
            since = f' <span class="wst-since">{escape(words["since"])} {escape(client["since"])}</span>' if client["since"] else ""
            lobbying = f' <span class="wst-lobbying">{escape(words["lobbying"])}</span>' if client["political_influence"] else ""
            yield '    <article class="wst-client">'
            yield f"      <h4>{escape(client['client'])}{since}{lobbying}</h4>"
            yield f"      <p>{escape(client['website_text'] or client['title'])}</p>"
            yield "    </article>"
        yield "  </section>"
    yield "</section>"
