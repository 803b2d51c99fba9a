"""Reading TOML files safely and turning validation errors into `FILE:LINE: field: message` lines."""

from __future__ import annotations

import re
import types
import typing
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import rtoml

from westander_cli import bounds
from westander_cli.errors import InvalidInput
from westander_cli.i18n import _

MAX_FILE_BYTES = bounds.MAX_TOML_BYTES
MAX_PROBLEMS_NAMED = 50
"""The validation problems of one file named with their lines; the rest are counted (a person fixes the first ones)."""

if TYPE_CHECKING:  # Pydantic loads where a file is validated: reading and parsing need none of it
    from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound="BaseModel")


class TomlDocument(NamedTuple):
    """A parsed TOML file together with its text, kept so that errors can name a line."""

    path: Path
    text: str
    data: dict[str, Any]

    def line_of(self, field_path: str) -> int | None:
        return locate_line(self.text, field_path)


class FileProblems(InvalidInput):
    """A file failed validation; `problems` holds every problem, the message the first one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0])
        self.problems = problems


def read_text(path: Path, what: str = "file") -> str:
    """The file's text, refusing what a person could not have meant as a TOML file."""
    return text_of(path, bounds.read_bytes(path, MAX_FILE_BYTES, what))


def text_of(path: Path, raw: bytes) -> str:
    """The text of the file `path` whose bytes are `raw` (as `read_text` reads them)."""
    if b"\x00" in raw:
        raise InvalidInput(_("{path}: looks like a binary file, not TOML").format(path=path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidInput(_("{path}:{line}: not valid UTF-8 (byte {start})").format(path=path, line=line, start=error.start)) from None
    return text.removeprefix("\ufeff")


def parse_toml(path: Path, text: str, what: str = "file") -> TomlDocument:
    """Parse TOML text; errors name the line and column, never show a traceback.

    rtoml (Rust) parses: about 3x faster than tomli on the event files a first run reads. A file it
    refuses is parsed again by tomli, whose message names the line and column the same way on every
    platform; a file only tomli accepts is read as tomli reads it. CRLF line ends are made LF first,
    as tomli reads them inside multi-line strings (TOML lets parsers normalise them).
    """
    if not text.strip():
        raise InvalidInput(_("{path}: {what} is empty").format(path=path, what=what))
    bounds.check_toml_nesting(path, text)
    data = _read_quickly(text.replace("\r\n", "\n") if "\r" in text else text)
    if data is None:
        data = _parse_strictly(path, text)
    if not data:
        raise InvalidInput(_("{path}: {what} is empty (only comments)").format(path=path, what=what))
    return TomlDocument(path=path, text=text, data=data)


def _read_quickly(text: str) -> dict[str, Any] | None:
    """rtoml's reading of `text` (CRLF already made LF); None where tomli must decide: rtoml refused it (or a number
    it cannot hold), or a CR ends no line, which rtoml keeps where tomli refuses it."""
    if "\r" in text:
        return None
    try:
        data = rtoml.loads(text)
    except ValueError:  # rtoml.TomlParsingError is one
        return None
    _with_standard_zones(data)
    return data


def _with_standard_zones(container: Any) -> None:
    """Every offset of a date-time in `container` (a parsed table or array) made a `datetime.timezone`, as tomli gives it: rtoml's own tzinfo
    class neither pickles nor deep-copies, and nothing past the parser should have to know which one read the file."""
    for key, value in container.items() if isinstance(container, dict) else enumerate(container):
        kind = type(value)
        if kind is dict or kind is list:
            _with_standard_zones(value)
        elif kind is datetime and value.tzinfo is not None:
            container[key] = value.replace(tzinfo=timezone(value.utcoffset()))


def _parse_strictly(path: Path, text: str) -> dict[str, Any]:
    """tomli's reading of a file rtoml refused: its located message, or the data where it accepts the file."""
    import tomli

    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message).rstrip(".")
        if match:
            raise InvalidInput(
                _("{path}:{value}: invalid TOML at column {value2}: {reason}").format(path=path, value=match.group(1), value2=match.group(2), reason=reason)
            ) from None
        raise InvalidInput(_("{path}: invalid TOML: {reason}").format(path=path, reason=reason)) from None
    except RecursionError:
        raise InvalidInput(_("{path}: invalid TOML: nested too deeply").format(path=path)) from None
    except ValueError as error:  # e.g. integers beyond Python's digit limit
        raise InvalidInput(_("{path}: invalid TOML: {error}").format(path=path, error=error)) from None


def read_toml(path: Path, what: str = "file") -> TomlDocument:
    return parse_toml(path, read_text(path, what), what)


def load_model(document: TomlDocument, model: type[ModelT]) -> ModelT:
    """Validate a document against a model, raising FileProblems with located messages."""
    from pydantic import ValidationError

    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        raise FileProblems(describe_validation_error(document, model, error)) from None
    except RecursionError:
        raise InvalidInput(_("{path}: nested too deeply").format(path=document.path)) from None


def describe_validation_error(
    document: TomlDocument,
    model: type[BaseModel],
    error: ValidationError,
    at: tuple[Any, ...] = (),
) -> list[str]:
    """One `FILE:LINE: field: message` per error; `at` is where the validated part sits in the file."""
    problems = []
    # An unknown key is usually the cause of a "missing" one (a typo), so it is named first.
    items = sorted(error.errors(include_url=False), key=lambda item: item["type"] != "extra_forbidden")
    for item in items[:MAX_PROBLEMS_NAMED]:  # each is located by a scan of the text: a file of 5,000 bad keys took minutes
        loc = tuple(item["loc"])
        field_path = format_loc(at + loc)
        message = _message(model, item, loc)
        line = document.line_of(field_path)
        where = f"{document.path}:{line}" if line else f"{document.path}"
        problems.append(f"{where}: {field_path or '(file)'}: {message}")
    if len(items) > MAX_PROBLEMS_NAMED:
        problems.append(_("{path}: and {count} more problems").format(path=document.path, count=len(items) - MAX_PROBLEMS_NAMED))
    return problems


def format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(model: type[BaseModel], item: Any, loc: tuple[Any, ...]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        from difflib import get_close_matches

        hint = get_close_matches(str(loc[-1]), allowed, n=1)
        return _("unknown key") + (_(" (did you mean '{value}'?)").format(value=hint[0]) if hint else "")
    if kind == "missing":
        return _("required, but missing")
    message = str(item["msg"])
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    message = message[:1].lower() + message[1:]
    value = item.get("input")
    if isinstance(value, (int, float, str, bool)) and not isinstance(value, dict):
        shown = repr(value) if not isinstance(value, int) or value.bit_length() < 128 else _("a {bits}-bit number").format(bits=value.bit_length())
        if len(shown) > 40:
            shown = shown[:37] + "..."
        if kind != "string_too_long":
            message += f" (got {shown})"
    return message


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    from pydantic import BaseModel

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            field = next(
                (f for f in current.model_fields.values() if f.alias == part), None
            )
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside list[X], X | None and similar, if any."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, typing.Union, types.UnionType) or origin is not None:
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


_HEADER = r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$"  # compiled by `re` when an error first needs a line
_KEY = r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="


def _clean_key(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def locate_line(text: str, field_path: str) -> int | None:
    """Best-effort line of a dotted field path (`client.owners[1].share`) in TOML text.

    Walks table headers and keys the way a reader would; where the exact key is not on its own
    line (inline tables, arrays) the line of the closest enclosing table or key is returned.
    """
    lines: dict[str, int] = {}
    array_counts: dict[str, int] = {}
    prefix = ""
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        header = re.match(_HEADER, line)
        if header and not re.match(_KEY, line):
            name = _clean_key(header.group(2))
            if header.group(1) == "[[":
                array_counts[name] = array_counts.get(name, 0) + 1
            prefix = _with_indices(name, array_counts)
            lines.setdefault(prefix, number)
            continue
        key = re.match(_KEY, line)
        if key:
            full = f"{prefix}.{_clean_key(key.group(1))}" if prefix else _clean_key(key.group(1))
            lines.setdefault(full, number)
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = True
    candidate = field_path
    while candidate:
        if candidate in lines:
            return lines[candidate]
        shorter = re.sub(r"(\[\d+\]|\.[^.\[]+|^[^.\[]+)$", "", candidate)
        if shorter == candidate:  # a key such as "[" that no rule shortens
            shorter = candidate[: max(candidate.rfind("."), 0)]
        candidate = shorter
    return None


def _with_indices(name: str, array_counts: dict[str, int]) -> str:
    """`client.owners` -> `client.owners[1]` using how many [[client.owners]] were seen."""
    out = ""
    plain = ""
    for part in name.split("."):
        out = f"{out}.{part}" if out else part
        plain = f"{plain}.{part}" if plain else part
        if plain in array_counts:
            out = f"{out}[{array_counts[plain] - 1}]"
    return out
