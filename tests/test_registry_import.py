"""Issue 15: `registry import`'s fast paths give what the straightforward ones give, through real files."""

from __future__ import annotations

import array
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from westander_cli.bounds import check_json_file, without_strings
from westander_cli.errors import InvalidInput

JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
"""The regex the nesting check removed strings with before it used bytes methods: the reference."""


def brackets(data: bytes) -> bytes:
    return data.translate(None, bytes(b for b in range(256) if b not in b"[]{}"))


def by_regex(text: bytes) -> tuple[bytes, int]:
    left = JSON_STRING.sub(b"", text)
    quote = left.find(b'"')
    return (left, -1) if quote < 0 else (left[:quote], len(text) - (len(left) - quote))


def check_by_regex(path: Path, limit: int = 32, block_size: int = 8 << 20) -> str | None:
    """The nesting check as it was: a block at a time, strings removed by the regex."""
    depth, carry = 0, b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(block_size)
            data = JSON_STRING.sub(b"", carry + block)
            quote = data.find(b'"') if block else -1
            if quote >= 0:
                carry = (carry + block)[len(carry + block) - (len(data) - quote):]
                data = data[:quote]
                if len(carry) > 64 << 20:
                    return "a JSON string longer than 64 MB"
            else:
                carry = b""
            steps = array.array("b", data.translate(bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff"),
                                                    bytes(b for b in range(256) if b not in b"[]{}")))
            if steps:
                if max(itertools.accumulate(steps, initial=depth)) > limit:
                    return "nested more than"
                depth += sum(steps)
            if not block:
                return None


def check_now(path: Path, limit: int = 32) -> str | None:
    try:
        check_json_file(path, limit)
    except InvalidInput as error:
        return "a JSON string longer than 64 MB" if "64 MB" in str(error) else "nested more than"
    return None


json_like = st.lists(st.sampled_from([b'"', b"\\", b"[", b"]", b"{", b"}", b"a", b"\x01", b",", b'\\"', b'""', b"\\\\"]),
                     max_size=60).map(b"".join)


@settings(max_examples=3000, deadline=None)
@given(text=json_like)
def test_strings_are_removed_as_the_regex_removes_them(text: bytes) -> None:
    left, unfinished = without_strings(text)
    expected_left, expected_unfinished = by_regex(text)
    assert (brackets(left), unfinished) == (brackets(expected_left), expected_unfinished)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=json_like, limit=st.integers(0, 4))
def test_the_nesting_check_decides_as_the_regex_check(tmp_path: Path, text: bytes, limit: int) -> None:
    path = tmp_path / "any.json"
    path.write_bytes(text)
    assert check_now(path, limit) == check_by_regex(path, limit)


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 5, 8])
def test_strings_cut_by_a_block_end_are_carried_as_before(tmp_path: Path, cut: int) -> None:
    """A string with brackets and escapes across the 8 MB block boundary, at several offsets."""
    tail = b'"x\\\\\\"[[[[{{{{ \\" ]]", [[[1]]]'
    head = b"[" + b" " * ((8 << 20) - 1 - cut)
    for depth in (3, 40):
        path = tmp_path / f"cut-{depth}.json"
        path.write_bytes(head + tail + b"[" * depth + b"]" * depth + b"]")
        assert check_now(path) == check_by_regex(path)


def canonical_by_character(text: str) -> str:
    """`names.canonical` as it was: every character of a name looked up on its own."""
    import unicodedata

    from westander_cli.screening import names

    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    if not text.isascii():
        if names._LATIN_LETTER.search(text):
            text = text.translate(names._CONFUSABLES)
        text = "".join(ch if ch.isascii() else names._latin(ch) for ch in text.translate(names._FOLD))
    text = names._INNER_PUNCT.sub("", text)
    return names._SPELLED.sub(lambda m: names._SPELL_SEP.sub("", m.group(0)), text)


@settings(max_examples=2000, deadline=None)
@given(text=st.text(st.one_of(st.sampled_from("Vatten-fall AB Öst åäö a.s. A/S co. (publ) & och ØæßœÅ\u00ad\u200b\u200d\u2060\ufeff\u202e АВо Сбербанк 中国 ﬁ Ⅻ ①"),
                              st.characters())))
def test_canonical_names_are_those_of_a_lookup_per_character(text: str) -> None:
    from westander_cli.screening import names

    assert names.canonical(text) == canonical_by_character(text)
    folded = canonical_by_character(text).casefold()
    folded = names._DOTTED_FORMS.sub(lambda m: m.group(0).replace(".", "").replace(" ", ""), folded)
    folded = names._NON_WORD.sub(" ", names._AND.sub(" and ", names._SLASHED_FORMS.sub(r"\1\2", folded)).replace("(publ)", " "))
    words = [w for w in folded.split() if w != "and"]
    assert names.normalise(text) == " ".join([w for w in words if w not in names.LEGAL_FORMS] or words)


NAME_WORDS = ["Vattenfall", "Nord", "AB", "aaaa", "Öst", "&", "och", "Sol", "sol", "V.a.t", "Kraft", "Kraft"]
names_of = st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=4).map(" ".join)


def bods_file(entities: list[tuple[str, list[str], int | None]]) -> list[dict[str, object]]:
    """Entities with alternate names (some the same once normalised) and org numbers (some shared), and a person with two names."""
    statements: list[dict[str, object]] = []
    for n, (name, aliases, number) in enumerate(entities):
        details: dict[str, object] = {"name": name, "alternateNames": aliases, "jurisdiction": {"code": "SE"}}
        if number is not None:
            details["identifiers"] = [{"scheme": "SE-BLV", "id": f"55600{number}-0000"}]
        statements.append({"statementId": f"s{n}", "recordId": f"e{n}", "recordType": "entity", "recordDetails": details})
    statements.append({"statementId": "p", "recordId": "p", "recordType": "person",
                       "recordDetails": {"names": [{"fullName": "Anna Berg"}, {"fullName": "Anna Bergström"}, {"fullName": "Anna Berg"}]}})
    return statements


def expected_rows(registry_dir: Path, db: object) -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]]]:
    """The name and gram rows the straightforward way: each entity's normalised names and the union of their trigrams."""
    from westander_cli.screening.names import normalise
    from westander_cli.screening.registry import trigrams
    from westander_cli.screening.sources import read_source, source_files

    names: Counter[tuple[object, ...]] = Counter()
    grams: Counter[tuple[object, ...]] = Counter()
    for path in source_files(registry_dir):
        for position, entity in enumerate(read_source(path).entities.values()):
            (node,) = db.execute("SELECT node FROM entity WHERE file = ? AND pos = ?", (path.name, position)).fetchone()  # type: ignore[attr-defined]
            norms = {n for n in (normalise(alias) for alias in {entity.name, *entity.aliases}) if n}
            names.update((norm, node, path.name) for norm in norms)
            grams.update((gram, node, path.name) for gram in set().union(*(trigrams(norm) for norm in norms)))
    return names, grams


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(st.tuples(names_of, st.lists(names_of, max_size=3), st.one_of(st.none(), st.integers(1, 4))), min_size=1, max_size=8),
       second=st.lists(st.tuples(names_of, st.lists(names_of, max_size=3), st.one_of(st.none(), st.integers(1, 4))), min_size=1, max_size=8))
def test_the_trigrams_sqlite_cuts_are_each_entitys_distinct_trigrams(tmp_path_factory: pytest.TempPathFactory,
                                                                     first: list[tuple[str, list[str], int | None]],
                                                                     second: list[tuple[str, list[str], int | None]]) -> None:
    """Built from scratch, and brought up to date when a second file comes (the index is updated in place)."""
    import json

    from westander_cli.screening.registry import Registry

    root = tmp_path_factory.mktemp("registry")
    folder = root / "registry"
    folder.mkdir()
    (folder / "a.bods.json").write_text(json.dumps(bods_file(first)), encoding="utf-8")
    for step in ("built", "updated"):
        if step == "updated":
            (folder / "b.bods.json").write_text(json.dumps(bods_file(second)), encoding="utf-8")
        registry = Registry(folder, root / "registry.sqlite")
        names, grams = expected_rows(folder, registry.db)
        assert Counter(registry.db.execute("SELECT norm, node, file FROM name")) == names
        assert Counter(registry.db.execute("SELECT gram, node, file FROM gram")) == grams
        registry.close()


def test_an_import_is_found_by_alternate_and_respaced_names_through_the_cli(firm: Path, wst, tmp_path: Path) -> None:
    """Strings with brackets and escaped quotes pass the nesting check; names, alternate names and trigrams are indexed."""
    import json

    statements = bods_file([("Vattenfall \"[Nord]\" AB", ["Nordkraft {Sol} AB", "Sol & Kraft AB"], 1), ("Ägarbolaget AB", [], 2)])
    statements.append({"statementId": "r", "recordId": "r", "recordType": "relationship",
                       "recordDetails": {"isComponent": False, "subject": "e0", "interestedParty": "e1",
                                         "interests": [{"type": "shareholding", "share": {"exact": 60}}]}})
    path = tmp_path / "owners.bods.json"
    path.write_text(json.dumps(statements), encoding="utf-8")
    imported = wst("registry", "import", str(path), "--format", "json")
    assert imported.code == 0 and (imported.json["entities"], imported.json["relationships"]) == (3, 1)
    tree = wst("registry", "show", "Vattenfall \"[Nord]\" AB", "--format", "json").json["tree"]
    assert tree["owners"][0]["name"] == "Ägarbolaget AB" and tree["owners"][0]["effective_share_min"] == 60.0
    for other_name in ("Nordkraft Sol AB", "Sol och Kraft", "Vatten fall Nord AB"):  # the last through the trigrams
        assert wst("registry", "show", other_name, "--format", "json").json["tree"] == tree
