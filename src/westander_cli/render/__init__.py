"""Output for people (Rich tables) and for machines (stable JSON), chosen with --format."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any

JSON_VERSION = 1


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    GITHUB = "github"
    """GitHub Actions workflow annotations; for check, validate and verify."""


class View(StrEnum):
    """Every kind of report a command writes; each has a table renderer of the same name."""

    CHECK_RESULTS = "check_results"
    POLICY_LIST = "policy_list"
    POLICY_SHOW = "policy_show"
    PROPOSE = "propose"
    EVENT = "event"
    DELIVERIES = "deliveries"
    MESSAGE = "message"
    PROBLEMS = "problems"
    PUBLISH = "publish"
    REPORT = "report"
    REGISTRY_IMPORT = "registry_import"
    REGISTRY_TREE = "registry_tree"
    ENGAGEMENT_LIST = "engagement_list"
    ENGAGEMENT_SHOW = "engagement_show"
    LOG = "log"
    STATUS = "status"


def emit(fmt: Format, payload: dict[str, Any], view: View) -> None:
    """Write the payload as JSON (plain print: no wrapping, no markup) or as the table `view` via Rich.

    Rich is imported only here, for tables: JSON output for scripts never pays for it.
    """
    if fmt == Format.JSON:
        # Indented for a person at a terminal; compact in a pipe, where json's C encoder is 5x faster.
        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps({"version": JSON_VERSION, **payload}, ensure_ascii=False, indent=indent, default=str) + "\n")
        return
    if fmt == Format.GITHUB:
        from westander_cli.render import github

        sys.stdout.write("".join(f"{line}\n" for line in getattr(github, view)(payload)))
        return
    from westander_cli.render import table

    renderer: Callable[[Any, dict[str, Any]], None] = getattr(table, view)
    renderer(console(), payload)


def console() -> Any:
    """A Rich console: colour only on a terminal, NO_COLOR respected (Rich reads it), no wrapping markup in data."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)
