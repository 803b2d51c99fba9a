"""Throwaway SSH keys and people.toml edits for the trust tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def keygen(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, (folder / f"{name}.pub").read_text().strip()


def set_person(firm: Path, person: str, lines: str) -> None:
    """Insert TOML lines right after `id = "<person>"` in people.toml (keys tables go at the person's end)."""
    text = (firm / "people.toml").read_text()
    marker = f'id = "{person}"\n'
    assert marker in text
    (firm / "people.toml").write_text(text.replace(marker, marker + lines + ("\n" if not lines.endswith("\n") else "")))


def set_field(firm: Path, person: str, field: str, value: str) -> None:
    """Replace `field = ...` within the person's table."""
    text = (firm / "people.toml").read_text()
    blocks = text.split("[[person]]")
    for i, block in enumerate(blocks):
        if f'id = "{person}"\n' in block:
            blocks[i] = re.sub(rf"(?m)^{field} = .*$", f"{field} = {value}", block)
    (firm / "people.toml").write_text("[[person]]".join(blocks))


def append_person_keys(firm: Path, person: str, entries: list[str]) -> None:
    """Add [[person.keys]] tables to a person (people.toml's person tables are rewritten in order)."""
    text = (firm / "people.toml").read_text()
    blocks = text.split("[[person]]")
    for i, block in enumerate(blocks):
        if f'id = "{person}"\n' in block:
            blocks[i] = block.rstrip("\n") + "\n" + "".join(f"\n[[person.keys]]\n{e}\n" for e in entries) + "\n"
    (firm / "people.toml").write_text("[[person]]".join(blocks))


def require_signatures(firm: Path, rule: str = "ceo_decisions") -> None:
    (firm / "firm.toml").write_text((firm / "firm.toml").read_text() + f'\n[signatures]\nrequired = "{rule}"\n')
