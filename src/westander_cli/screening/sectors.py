"""NACE Rev. 2 / SNI 2007 codes, compared as digit prefixes ("11.05" is "1105", inside "11")."""

from __future__ import annotations

from enum import Enum


class SectorMatch(Enum):
    NONE = "none"
    INSIDE = "inside"
    """The client's code lies within the rule's code: '11.05' inside '11.0' or '11.05'."""
    BROADER = "broader"
    """The client's code is coarser than the rule's: '11' may or may not be '11.05'."""


def digits(code: str) -> str:
    return code.replace(".", "")


def match(client_code: str, rule_code: str) -> SectorMatch:
    client, rule = digits(client_code), digits(rule_code)
    if client.startswith(rule):
        return SectorMatch.INSIDE
    if rule.startswith(client):
        return SectorMatch.BROADER
    return SectorMatch.NONE


def class_of(code: str) -> str | None:
    """The 4-digit NACE class ('46.34' from '46.341'), or None for a coarser code."""
    plain = digits(code)
    return f"{plain[:2]}.{plain[2:4]}" if len(plain) >= 4 else None
