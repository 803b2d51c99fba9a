"""Limits checked before any parser sees a file: size, nesting depth, regular files only.

Parsers are not safe against hostile input by themselves: tomllib is quadratic on a long dotted key
(`x.x.x... = 1`) and recursive on nested arrays, and a JSON reader holding nested `[` grows without
bound. So every file is read here with a byte limit (a FIFO or /dev/zero fails at once, it is not a
regular file), links are refused, and the nesting is counted by a linear scan before parsing.
"""

from __future__ import annotations

import array
import itertools
import os
import re
import stat
from pathlib import Path

from westander_cli.errors import InvalidInput
from westander_cli.i18n import _

SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"
"""An engagement id, which is also its folder's name."""
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$")
"""Names Windows cannot hold as files: a firm's data folder may be cloned there, so no engagement id is one."""

MAX_TOML_BYTES = 1_000_000
"""A proposal, event, people, firm, policy or registry TOML file; the largest real one is ~20 KB."""

MAX_JSON_BYTES = 512 * 1024 * 1024
"""A BODS file (streamed, so only its nesting matters for memory)."""

MAX_DEPTH = 32
"""Arrays and tables within each other, and parts of one dotted key; wst's files need at most 5."""


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_OPEN_REFUSES_LINKS = hasattr(os, "O_NOFOLLOW")


def read_bytes(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; links, devices, FIFOs and folders are refused."""
    try:  # O_NOFOLLOW refuses a link as it opens: no separate lstat (50,000 event files on a first run)
        if not _OPEN_REFUSES_LINKS and path.is_symlink():
            raise InvalidInput(_("{path}: is a symbolic link; wst does not follow links").format(path=path))
        descriptor = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        if path.is_symlink():  # a dangling link
            raise InvalidInput(_("{path}: is a symbolic link; wst does not follow links").format(path=path)) from None
        raise InvalidInput(_("{path}: no such {what}").format(path=path, what=what)) from None
    except OSError as error:
        if path.is_symlink():
            raise InvalidInput(_("{path}: is a symbolic link; wst does not follow links").format(path=path)) from None
        raise InvalidInput(_("{path}: cannot read: {value}").format(path=path, value=error.strerror or error)) from None
    try:
        _check_kind_and_size(path, os.fstat(descriptor), limit, what)
        chunks: list[bytes] = []
        total = 0
        while True:  # the file may grow while read: never more than limit + 1 bytes
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InvalidInput(_("{path}: {what} is larger than the limit of {limit:,} bytes").format(path=path, what=what, limit=limit))
        return b"".join(chunks)
    except OSError as error:
        raise InvalidInput(_("{path}: cannot read: {value}").format(path=path, value=error.strerror or error)) from None
    finally:
        os.close(descriptor)


def check_regular_file(path: Path, limit: int, what: str = "file") -> int:
    """The size of a regular file within the limit, checked without reading it (for streamed files)."""
    try:
        if path.is_symlink():
            raise InvalidInput(_("{path}: is a symbolic link; wst does not follow links").format(path=path))
        info = path.stat()
    except FileNotFoundError:
        raise InvalidInput(_("{path}: no such {what}").format(path=path, what=what)) from None
    except OSError as error:
        raise InvalidInput(_("{path}: cannot read: {value}").format(path=path, value=error.strerror or error)) from None
    _check_kind_and_size(path, info, limit, what)
    return info.st_size


def _check_kind_and_size(path: Path, info: os.stat_result, limit: int, what: str) -> None:
    """Refuse what is no regular file of at most `limit` bytes, as `info` (a stat of `path`) says."""
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(_("{path}: is a directory, not a {what}").format(path=path, what=what))
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(_("{path}: is not a regular file (a device, pipe or socket), not a {what}").format(path=path, what=what))
    if info.st_size > limit:
        raise InvalidInput(_("{path}: {what} is {st_size:,} bytes; the limit is {limit:,}").format(path=path, what=what, st_size=info.st_size, limit=limit))


# --- TOML -------------------------------------------------------------------------------------

_TOML_TOKEN = (  # compiled by `re` when a file first needs the scan: most never do, and start-up stays shorter
    r'"""(?:[^\\]|\\.)*?"""'  # multi-line basic string
    r"|'''.*?'''"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|[\[\]{}=.,\n]"
)


def check_toml_nesting(path: Path, text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse TOML nested deeper than `limit`, or with a dotted key of more than `limit` parts.

    A linear scan that skips strings and comments; it does not validate (the parser does that next),
    it only makes sure that what the parser gets cannot cost more than linear time and stack.
    """
    if text.count("[") + text.count("{") <= limit and text.count(".") < limit:
        return  # too few brackets and dots to nest that deep: most files, at the cost of three C-level counts
    stack: list[str] = []  # the open [ and { of values
    dots = 0  # dots in the key or table header being read
    in_key = True  # before '=' at the start of a line or inside an inline table, or in a header
    line = 1
    for match in re.finditer(_TOML_TOKEN, text, re.DOTALL):
        token = match.group()
        if token == "\n":
            line += 1
            if not stack:
                in_key, dots = True, 0
        elif token[0] in "\"'#":
            line += token.count("\n")
        elif token == "=":
            in_key, dots = False, 0
        elif token == ".":
            if in_key:
                dots += 1
                if dots >= limit:
                    raise InvalidInput(_("{path}:{line}: invalid TOML: a dotted key with more than {limit} parts; wst's files need a few").format(path=path, line=line, limit=limit))
        elif token == ",":
            in_key, dots = bool(stack) and stack[-1] == "{", 0
        elif token in "[{":
            if in_key and not stack:
                continue  # a table header: [a.b] or [[a.b]]
            stack.append(token)
            in_key, dots = token == "{", 0
            if len(stack) > limit:
                raise InvalidInput(_("{path}:{line}: invalid TOML: nested more than {limit} levels deep; wst's files need a few").format(path=path, line=line, limit=limit))
        elif token in "]}" and stack:
            stack.pop()
            in_key = False


# --- JSON -------------------------------------------------------------------------------------

_JSON_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'  # unrolled: 5x faster than (a|b)*; compiled by `re` when first used
_BRACKETS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NO_MARK = bytes.maketrans(b"\x01", b"a")
_NOT_QUOTE_MARK_OR_BRACKET = bytes(b for b in range(256) if b not in b'"\x01[]{}')
_MARKED_STRING = rb'"[^"]*"'


def without_strings(text: bytes) -> tuple[bytes, int]:
    """What of `text` is outside its JSON strings, up to a string left unfinished, and where that starts (-1 if none).

    The brackets are those `re.sub(_JSON_STRING, ...)` leaves, found with bytes methods in C instead of a regex
    step per byte (about 10x faster): `\\\\` pairs and then escaped quotes are marked in place (same
    length), all but quotes, marks and brackets dropped, the strings without brackets (`""` now, most
    of them) dropped, and the few strings left removed. An escaped quote outside a string is not JSON,
    and there the marks and the regex could disagree, so the regex decides.
    """
    marked = text.translate(_NO_MARK).replace(b"\\\\", b"aa").replace(b'\\"', b"\x01a")
    left = re.sub(_MARKED_STRING, b"", marked.translate(None, _NOT_QUOTE_MARK_OR_BRACKET).replace(b'""', b""))
    quote = left.find(b'"')
    if b"\x01" not in left[: quote if quote >= 0 else None]:
        return (left, -1) if quote < 0 else (left[:quote], marked.rfind(b'"'))
    left = re.sub(_JSON_STRING, b"", text, flags=re.DOTALL)
    quote = left.find(b'"')
    return (left, -1) if quote < 0 else (left[:quote], len(text) - (len(left) - quote))


def check_json_file(path: Path, limit: int = MAX_DEPTH, max_bytes: int = MAX_JSON_BYTES) -> None:
    """Refuse a JSON file that is not a regular file, is too large, or nests deeper than `limit`.

    Reads the file in 8 MB blocks; strings are removed (a string cut by the block's end is carried
    over to the next block), the brackets left are turned into +1/-1 and summed: linear time in C,
    memory of a block: about 0.15 s for 31 MB of BODS (100,000 statements).
    """
    check_regular_file(path, max_bytes, "JSON file")
    depth = 0
    carry = b""
    try:
        with path.open("rb", buffering=0) as handle:
            while True:
                block = handle.read(8 << 20)
                text = carry + block
                data, unfinished = without_strings(text)
                carry = b""
                if unfinished >= 0 and block:  # an unfinished string: kept for the next block
                    carry = text[unfinished:]
                    if len(carry) > 64 << 20:
                        raise InvalidInput(_("{path}: a JSON string longer than 64 MB").format(path=path))
                elif unfinished >= 0:  # one never finished (not JSON; ijson says so next): its brackets count
                    data += text[unfinished:]
                steps = array.array("b", data.translate(_BRACKETS, _NOT_BRACKETS))
                if steps:
                    deepest = max(itertools.accumulate(steps, initial=depth))
                    if deepest > limit:
                        raise InvalidInput(_("{path}: JSON nested more than {limit} levels deep; BODS needs 4").format(path=path, limit=limit))
                    depth += sum(steps)
                if not block:
                    return
    except OSError as error:
        raise InvalidInput(_("{path}: cannot read: {value}").format(path=path, value=error.strerror or error)) from None
