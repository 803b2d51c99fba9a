"""GitHub Actions workflow annotations (`::error file=...,line=...::message`) for CI runs.

The structure (level, file, line, the title `wst check` or the rule id) is for GitHub and never
changes; the message is for people and is in the run's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from westander_cli import words
from westander_cli.i18n import _

LEVEL = {"forbid": "error", "block": "error", "warn": "warning", "info": "notice"}


def _escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def annotation(level: str, message: str, file: str | None = None, line: int | None = None, title: str | None = None) -> str:
    props = []
    if file:
        props.append(f"file={_escape(file, True)}")
    if line:
        props.append(f"line={line}")
    if title:
        props.append(f"title={_escape(title, True)}")
    return f"::{level} {','.join(props)}::{_escape(message)}" if props else f"::{level}::{_escape(message)}"


def check_results(payload: dict[str, Any]) -> Iterator[str]:
    for result in payload["results"]:
        if result.get("error"):
            yield annotation("error", result["error"]["message"], result["file"], result["error"]["line"], "wst check")
            continue
        for finding in result["findings"]:
            yield annotation(LEVEL[finding["severity"]], f"{finding['message']} ({finding['source']})", result["file"], None, finding["rule"])
        if not result["findings"]:
            yield annotation("notice", f"{result['client']}: {words.verdict('clear')}", result["file"], None, "wst check")


def problems(payload: dict[str, Any]) -> Iterator[str]:
    for problem in payload["problems"]:
        yield annotation("error", problem["message"], problem["file"], problem["line"], f"wst {payload['command']}")
    if not payload["problems"]:
        yield annotation("notice", _("wst {value}: no problems").format(value=payload['command']))
