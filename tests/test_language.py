"""Every word a person reads is in the catalogs, in Swedish and in English; machine output is not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "westander_cli"
LOCALE = PACKAGE / "locale"
FIELD = re.compile(r"\{[^{}]*\}")


def _extracted() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds: every string marked _(), N_() or ngettext()."""
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")]):
        found.add(message if isinstance(message, str) else message[0])  # a plural form is keyed by its singular
    return found


def _catalog(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "wst.po").open("rb") as file:
        return read_po(file, locale=language)


def test_every_marked_string_has_a_swedish_translation_with_the_same_fields() -> None:
    extracted = _extracted()
    catalog = _catalog("sv")
    missing = sorted(m for m in extracted if not catalog.get(m) or not catalog[m].string or catalog[m].fuzzy)
    assert not missing, f"{len(missing)} strings lack a Swedish translation (pybabel update, then translate): {missing[:20]}"
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(set(FIELD.findall(s)) == set(FIELD.findall(ids[0])) for s in strings), f"fields differ: {message.id!r}"


def test_the_template_and_both_catalogs_are_up_to_date() -> None:
    extracted = _extracted()
    for language in ("sv", "en"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        assert extracted <= ids, f"{language}: run pybabel update (README, 'Language'): {sorted(extracted - ids)[:10]}"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_shipped_compiled_catalog_is_compiled_from_the_current_one(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "wst.mo").open("rb") as file:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(file) if m.id and _key(m.string) != _key(m.id)}
    source = {_key(m.id): _key(m.string) for m in _catalog(language)
              if m.id and all([m.string] if isinstance(m.string, str) else m.string) and not m.fuzzy and _key(m.string) != _key(m.id)}
    assert compiled == source, "run pybabel compile (README, 'Language')"


def _key(text: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return text if isinstance(text, str) else tuple(text)


WST_ERRORS = {"WstError", "InvalidInput", "NotPermitted", "NotYet", "Failed"}


def _unmarked(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals that reach a person without passing through the catalog."""
    found: list[tuple[int, str]] = []

    def literal(node: ast.expr | None) -> bool:
        return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() != "")

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id if isinstance(node.func, ast.Name) else ""
        if name in WST_ERRORS and node.args and literal(node.args[0]):
            found.append((node.lineno, f"{name}(...)"))
        if name in {"echo", "secho"} and node.args and literal(node.args[0]):
            found.append((node.lineno, "echo(...)"))
        if name in {"Option", "Argument", "command", "Typer", "add_typer"}:
            found.extend((node.lineno, f"{name}(help=...)") for k in node.keywords if k.arg == "help" and literal(k.value))
    return found


def test_no_message_or_help_text_bypasses_the_catalog() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += [f"{path.relative_to(PACKAGE)}:{line}: {what}" for line, what in _unmarked(ast.parse(path.read_text("utf-8")))]
    assert not problems, "mark these with _() or N_():\n" + "\n".join(problems)
