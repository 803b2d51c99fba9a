"""NACE Rev. 2 / SNI 2007 codes: the shipped code list, and comparison as digit prefixes.

`nace_rev2.tsv` beside this file holds every division (2 digits), group (3) and class (4) of
NACE Rev. 2 with its English title; it is the list of codes that exist. `sni2007_sv.tsv` holds the
same codes with their Swedish titles from SCB's SNI 2007 (its header names the source), shown when
the run speaks Swedish. SNI 2007 adds a fifth digit; such a code is accepted when its class exists
(the Swedish sub-classes are not shipped) and shown with the class's title.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from pathlib import Path

from westander_cli.i18n import _, current

CODE_LIST = Path(__file__).with_name("nace_rev2.tsv")
SWEDISH_TITLES = Path(__file__).with_name("sni2007_sv.tsv")


class SectorMatch(Enum):
    NONE = "none"
    INSIDE = "inside"
    """The client's code lies within the rule's code: '11.05' inside '11.0' or '11.05'."""
    BROADER = "broader"
    """The client's code is coarser than the rule's: '11' may or may not be '11.05'."""


@cache
def titles() -> dict[str, str]:
    """Every NACE Rev. 2 code with its English title (the codes that exist)."""
    return _read(CODE_LIST)


@cache
def swedish_titles() -> dict[str, str]:
    """The same codes with their Swedish titles (SNI 2007)."""
    return _read(SWEDISH_TITLES)


def _read(path: Path) -> dict[str, str]:
    rows = (line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))
    return dict(rows)


def _known(code: str) -> str | None:
    """The code as the list has it (an SNI sub-class as its class), or None if NACE Rev. 2 has no such code."""
    known = titles()
    if code in known:
        return code
    if len(digits(code)) == 5 and code[:5] in known:
        return code[:5]
    return None


def title(code: str) -> str | None:
    """The title of a code in the run's language (SNI 2007 in Swedish), or None if NACE Rev. 2 has no such code."""
    key = _known(code)
    if key is None:
        return None
    if current() == "sv":
        return swedish_titles().get(key, titles()[key])
    return titles()[key]


def check_exists(code: str) -> str:
    """A code that NACE Rev. 2 has; otherwise a ValueError naming the nearest existing parent."""
    if _known(code) is not None:
        return code
    parent = next((code[:n] for n in (4, 2) if code[:n] in titles()), None)
    if parent:
        raise ValueError(_("'{code}' is not a NACE Rev. 2 code; {parent} is '{title}'").format(code=code, parent=parent, title=title(parent)))
    raise ValueError(_("'{code}' is not a NACE Rev. 2 code").format(code=code))


def digits(code: str) -> str:
    return code.replace(".", "")


def match(client_code: str, rule_code: str) -> SectorMatch:
    client, rule = digits(client_code), digits(rule_code)
    if client.startswith(rule):
        return SectorMatch.INSIDE
    if rule.startswith(client):
        return SectorMatch.BROADER
    return SectorMatch.NONE


def group_of(code: str) -> str | None:
    """The 3-digit NACE group ('46.3' from '46.341'), or None for a division."""
    plain = digits(code)
    return f"{plain[:2]}.{plain[2]}" if len(plain) >= 3 else None


def from_sni(code: str) -> str:
    """SNI written as Swedish registers print it ('12000', '92000', '4634') in NACE's dotted form."""
    if code.isdigit() and len(code) in (3, 4, 5):
        return f"{code[:2]}.{code[2:]}"
    return code


def class_of(code: str) -> str | None:
    """The 4-digit NACE class ('46.34' from '46.341'), or None for a coarser code."""
    plain = digits(code)
    return f"{plain[:2]}.{plain[2:4]}" if len(plain) >= 4 else None
