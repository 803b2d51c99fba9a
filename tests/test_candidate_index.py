"""The conflict checks' name index scores only candidates from its blocks; the answer is the exhaustive one's."""

from __future__ import annotations

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
