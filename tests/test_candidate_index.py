"""The conflict checks' name index scores only candidates from its blocks; the answer is the exhaustive one's."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from westander_cli.screening.names import NameIndex, normalise

WORDS = ["vattenfall", "vatenfall", "telge", "tele2", "tele", "nord", "nordic", "energi", "energy", "kraft", "sol",
         "hennes", "mauritz", "h", "m", "bygg", "byg", "ab", "holding", "sverige", "svensk", "och", "&", "data"]


def _edited(word: str, edit: int) -> str:
    """A word with one letter dropped, doubled or changed, so near misses sit around every threshold."""
    if edit == 0 or len(word) < 3:
        return word
    at = edit % len(word)
    return [word[:at] + word[at + 1:], word[:at] + word[at] + word[at:], word[:at] + "x" + word[at + 1:]][edit % 3]


name = st.builds(
    lambda words, edits, number: " ".join([_edited(w, e) for w, e in zip(words, edits, strict=False)] + ([str(number)] if number else [])),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
    st.lists(st.integers(0, 9), min_size=4, max_size=4),
    st.sampled_from([0, 0, 0, 0, 2, 12, 2024]),
)


@pytest.mark.parametrize("small_block", [0, 64])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(names=st.lists(name, min_size=1, max_size=150), queries=st.lists(name, min_size=1, max_size=8))
def test_blocked_search_equals_exhaustive_search(small_block: int, names: list[str], queries: list[str]) -> None:
    index = NameIndex(small_block)
    for owner, text in enumerate(names):
        index.add(owner // 2, text)  # two names per owner, as a client with an alias has
    for query in [*queries, *names[:3]]:
        key = normalise(query)
        assert index.search_normalised(key) == index.search_exhaustive(key), query


def test_a_large_block_without_numbers_is_narrowed_and_still_finds_near_names() -> None:
    index = NameIndex()
    for owner in range(300):
        index.add(owner, f"{WORDS[owner % 20]}{WORDS[owner % 7]} {WORDS[owner % 11]}")
    index.add(1000, "Vattenfal AB")
    index.add(1001, "Fallvatten AB")
    for query in ("Vattenfall AB", "vatten fall", "Energi Nord", "fall vatten"):
        key = normalise(query)
        assert index.search_normalised(key) == index.search_exhaustive(key)
    assert 1000 in index.search("Vattenfall AB")


def test_registry_candidates_counted_from_the_rarest_trigrams_equal_sqlites_count_over_every_posting(tmp_path: Path) -> None:
    """Registry look-ups by name see the same candidates however they are counted (MAX_CANDIDATES is
    reached, so the ties by entity key matter too)."""
    from westander_cli.screening.registry import MAX_CANDIDATES, Registry

    folder = tmp_path / "registry"
    folder.mkdir()
    lines = []
    for n in range(MAX_CANDIDATES * 2):
        lines += ["[[entity]]", f'name = "{WORDS[n % 23].title()} {WORDS[n % 7]}{WORDS[n % 5]} {n % 40} AB"', ""]
    (folder / "many.toml").write_text("\n".join(lines), encoding="utf-8")
    registry = Registry(folder, tmp_path / "registry.sqlite")
    queries = ["vattenfall nord", "tele 12", "nordic energi 3", "kraft", "hennes mauritz", "bygg sol 39", "x"]
    scanned = {query: registry._candidates(normalise(query)) for query in queries}
    registry.scan_limit = 0
    assert {query: registry._candidates(normalise(query)) for query in queries} == scanned
    assert any(len({node for _, node in found}) == MAX_CANDIDATES for found in scanned.values())
    registry.close()
