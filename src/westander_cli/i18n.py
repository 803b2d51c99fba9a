"""The words people read, in their language: gettext catalogs under `locale/`, managed with Babel.

Source strings are English and marked `_("...")` where they are used, or `N_("...")` where they are
defined before the language is known (tables, Typer help); `_()` of such a string translates it later.
The compiled catalogs (`locale/<lang>/LC_MESSAGES/wst.mo`) ship in the package, so a fresh install
needs no extra step; README ("Language") gives the three pybabel commands that maintain them.
Machine output never goes through here: JSON keys, enum values, exit codes and files stay as they are.
"""

from __future__ import annotations

import contextlib
import gettext
from collections.abc import Iterator
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

DOMAIN = "wst"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
"""The firm's default (SPEC 4): used where no firm.toml, person, --lang or WST_LANG says otherwise."""
DEFAULT_TIME_ZONE = "Europe/Stockholm"
LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of one language (English is the source language and needs none). Opened by its
    path: `language` is one of LANGUAGES, so gettext's search through locale aliases (which loads the
    `locale` module) has nothing to find."""
    try:
        with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as file:
            return gettext.GNUTranslations(file)
    except FileNotFoundError:
        return gettext.NullTranslations()


_active: list[str] = [DEFAULT_LANGUAGE]
_zone: list[str] = [DEFAULT_TIME_ZONE]


def use(language: str, time_zone: str = DEFAULT_TIME_ZONE) -> None:
    """Speak `language` and show times in `time_zone` from now on (chosen once at start-up)."""
    _active[-1] = language
    _zone[-1] = time_zone


def current() -> str:
    return _active[-1]


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak `language` for a while: a message to a colleague is written in the colleague's language."""
    _active.append(language)
    try:
        yield
    finally:
        _active.pop()


def _(message: str) -> str:
    """`message` in the current language."""
    return catalog(_active[-1]).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language."""
    return catalog(_active[-1]).ngettext(singular, plural, count)


def local_time(at: datetime | str) -> str:
    """A moment as people read it: the firm's local time with its zone, e.g. `2026-03-04 09:00 CET`.
    Machines get UTC (JSON and files); this is only for tables, status lines, messages and e-mails."""
    moment = local_moment(datetime.fromisoformat(at) if isinstance(at, str) else at)
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d} {moment.tzname() or ''}"


def local_moment(at: datetime) -> datetime:
    """A moment in the firm's time zone: which day and month it is for the people of the firm."""
    return at.astimezone(_zone_info(_zone[-1]))


@cache
def _zone_info(name: str) -> tzinfo:
    """The zone named in firm.toml, looked up on first use (a run that shows no time never loads the
    zone database); one this machine does not know is reported by the command that validates firm.toml."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def N_(message: str) -> str:
    """Marks a string for the catalog where it is defined; `_()` translates it where it is shown."""
    return message


__all__ = ["DEFAULT_LANGUAGE", "DEFAULT_TIME_ZONE", "LANGUAGES", "N_", "_", "catalog", "current", "local_moment", "local_time", "ngettext", "speaking", "use"]
