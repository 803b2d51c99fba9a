"""Where the firm's data folder is: found before any command runs (its files choose the language)."""

from __future__ import annotations

from pathlib import Path


def find_data_folder(data: Path) -> Path:
    """`data` where it holds firm.toml; else, as git finds its repository, the nearest folder upwards
    from the working directory that is a data folder or holds one named `data`."""
    if (data / "firm.toml").is_file() or data.is_absolute():
        return data
    here = Path.cwd()
    for place in (here, *here.parents):
        for candidate in (place, place / data):
            if (candidate / "firm.toml").is_file():
                return candidate
    return data
