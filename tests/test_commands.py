"""The command table that `wst --help` lists and the modules that declare the commands agree."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import typer
from typer.core import TyperGroup

from westander_cli.cli.commands import COMMANDS


@pytest.mark.parametrize("module", sorted({module for module, _summary in COMMANDS.values()}))
def test_every_module_declares_exactly_the_commands_the_table_gives_it(module: str) -> None:
    declared = typer.Typer(rich_markup_mode=None, add_completion=False)
    importlib.import_module(f"westander_cli.cli.{module}").register(declared)
    built = typer.main.get_command(declared)
    names = set(built.commands) if isinstance(built, TyperGroup) else {built.name}
    assert names == {name for name, (owner, _summary) in COMMANDS.items() if owner == module}


def test_help_lists_every_command_and_a_command_runs_without_loading_the_others(firm, wst) -> None:
    out = wst("--help").out
    assert all(f"  {name} " in out for name in COMMANDS)
    probe = ("import sys; from westander_cli.cli.app import main; main(['list']); "
             "print(sorted(m for m in sys.modules if m.startswith('westander_cli.cli.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "westander_cli.cli.views" in loaded
    assert "westander_cli.cli.process" not in loaded and "westander_cli.cli.setup" not in loaded
