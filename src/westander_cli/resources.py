"""Where the shipped policy and example firm are: the checkout when developing, the package when installed."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """`policies` or `data` as shipped with wst."""
    checkout = _PACKAGE.parent.parent / name
    if (checkout / ("kundpolicy.toml" if name == "policies" else "firm.toml")).is_file():
        return checkout
    return _PACKAGE / "_shipped" / name
