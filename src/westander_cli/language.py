"""Which language a run speaks: `--lang` > `WST_LANG` > the person's `language` in people.toml > the
firm's in firm.toml > Swedish. Chosen before any command runs (help texts are in it too), from the raw
files: a file that cannot be read here is reported by the command itself, in the firm's default."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from westander_cli.errors import InvalidInput
from westander_cli.i18n import DEFAULT_LANGUAGE, DEFAULT_TIME_ZONE, LANGUAGES
from westander_cli.tomlfile import read_toml


def known(language: str) -> bool:
    return language in LANGUAGES


def choose(requested: str | None, data_root: Path, person: str | None) -> str:
    """The run's language. `requested` is --lang or WST_LANG (already checked); `person` is --as or
    WST_USER (else git user.email is asked, and only when someone in people.toml chose a language)."""
    if requested:
        return requested
    firm_language = _language_of(_read(data_root / "firm.toml"))
    people = _read(data_root / "people.toml").get("person")
    chosen = {(str(p.get("id", "")), str(p.get("email", "")).lower()): _language_of(p)
              for p in people if isinstance(p, dict)} if isinstance(people, list) else {}
    if any(chosen.values()):
        wanted = person or git_email(data_root)
        for (person_id, email), language in chosen.items():
            if wanted and language and (wanted == person_id or wanted.lower() == email):
                return language
    return firm_language or DEFAULT_LANGUAGE


def time_zone(data_root: Path) -> str:
    """The name of the firm's time zone for showing times to people (firm.toml `timezone`); the zone
    itself is looked up when a time is first shown (`i18n.local_time`)."""
    zone = _read(data_root / "firm.toml").get("timezone")
    return zone if isinstance(zone, str) else DEFAULT_TIME_ZONE


def git_email(folder: Path) -> str | None:
    """git user.email as the data folder's repository sees it (who is running wst, if nobody said)."""
    try:
        result = subprocess.run(["git", "-C", str(folder), "config", "user.email"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def _language_of(table: dict[str, Any]) -> str | None:
    language = table.get("language")
    return language if isinstance(language, str) and known(language) else None


@cache
def _read(path: Path) -> dict[str, Any]:
    """A small TOML file's raw tables, read once per run, with the limits every file read has (a FIFO, a link
    or a nesting bomb never blocks or slows the choice); {} if it cannot be read: the command reports it."""
    try:
        return read_toml(path).data
    except InvalidInput:
        return {}
