"""One name canonicaliser for every comparison, and fuzzy matching with documented thresholds.

A name is brought to one canonical form before anything else, so that a proposer cannot dodge a
match by the way a name is written: Unicode NFKC; format characters (zero-width space and joiner,
soft hyphen, bidi marks) removed; every letter transliterated to Latin with `anyascii` (this folds
homoglyphs such as a Cyrillic "о" in "Fоrtum" and transliterates "ПАО Сбербанк" to "PAO Sberbank"
and "中国海洋石油" to "Zhong Guo Hai Yang Shi You"); case and diacritics folded; punctuation inside
a word removed ("Vatten-fall", "V.a.t.t.e.n.f.a.l.l" and "Vattenfall" are one name). Then legal forms
(AB, (publ), Aktiebolaget, Ltd, GmbH, Oyj, OOO ...) are stripped and "&", "och", "and" become one word.
Two names are then compared with rapidfuzz:

- `exact`: the normalised names are equal, or equal once spaces are ignored ("Alfa-Laval" /
  "Alfa Laval", "Vatten fall" / "Vattenfall");
- `strong`: similarity (rapidfuzz `ratio`) >= 95, or every word of a name of two or more words
  appears in the other ("Hennes Mauritz" in "H M Hennes Mauritz");
- `possible`: `token_set_ratio` >= 90 or `ratio` >= 86: shown to a person as a finding to review;
- otherwise no match. Names whose numbers differ never match ("Tele2" / "Tele4"), and a single
  changed letter in a short name stays below 86 ("Tele2" / "Telge" scores 80).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

# rapidfuzz is imported where names are scored: normalising them (which building the summary index does for
# every engagement) needs none of it, and the import is ~10 ms of such a run.

STRONG_RATIO = 95.0
POSSIBLE_RATIO = 86.0
POSSIBLE_TOKEN_SET = 90.0
CANDIDATE_CUTOFF = 75.0
"""token_set_ratio below which the index does not look at a name: below every threshold (86) with a
margin, and high enough that common words do not send hundreds of names to the exact comparison."""
SMALL_BLOCK = 64
"""Names sharing a query's numbers that are all scored without narrowing them further."""

LEGAL_FORMS = frozenset(
    ["ab", "publ", "aktiebolag", "aktiebolaget", "hb", "kb", "handelsbolag", "kommanditbolag", "ek", "for", "ekfor", "ekonomisk", "forening", "ideell", "stiftelse", "ltd", "limited", "plc", "llc", "llp", "inc", "incorporated", "corp", "corporation", "co", "company", "gmbh", "ag", "kg", "se", "sa", "nv", "bv", "oy", "oyj", "abp", "as", "asa", "aps", "sarl", "srl", "spa", "sas", "ooo", "pao", "oao", "zao", "jsc", "pjsc", "ojsc", "kk", "aktiengesellschaft"]
)
"""Words that only say what legal form an organisation has, not who it is.

Words such as `holding`, `group` or `sverige` stay: "Volvo Car Sverige AB" and "Volvo Car AB" are
two companies in one ownership chain, and the registry must keep them apart.
"""

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "þ": "th", "œ": "oe"})
_AND = re.compile(r"\s*&\s*|\b(?:och|and|und|et|og)\b")
_DOTTED_FORMS = re.compile(r"\b(?:a\.?\s?s|s\.\s?a|n\.\s?v|b\.\s?v|ek\.\s?f[oö]r|co)\.(?=\s|$)")
_SLASHED_FORMS = re.compile(r"\b(a)/(s|b)\b")
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_DIGITS = re.compile(r"\d+")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_CONFUSABLES = str.maketrans(dict(zip(
    "АВЕКМНОРСТХУІЈЅаеорсухіјѕԁҮΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορυχ",
    "ABEKMHOPCTXYIJSaeopcyxijsdYABEZHIKMNOPTYXaikvopux",
    strict=True,
)))
"""Cyrillic and Greek letters that look like Latin ones (a subset of Unicode's confusables.txt).

In a name that also has Latin letters they are read by their look ("Vattenfall АВ" with Cyrillic А
and В is "Vattenfall AB"); in a name without Latin letters they are transliterated ("ПАО Сбербанк").
"""
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_ASCII = frozenset(map(chr, range(128)))
_INNER_PUNCT = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011\u2012\u2013\u2014'\u2019](?=[^\W\d_])")
"""A hyphen or apostrophe between two letters joins them: "Vatten-fall" is "Vattenfall"."""
_SPELLED = re.compile(r"\b[^\W\d_](?:[.\s_*·]+[^\W\d_]\b){2,}\.?")
"""Three or more single letters separated by dots or spaces: "V.a.t.t.e.n.f.a.l.l" is one word."""
_SPELL_SEP = re.compile(r"[.\s_*·]+")


class Certainty(IntEnum):
    NONE = 0
    POSSIBLE = 1
    STRONG = 2
    EXACT = 3


@dataclass(frozen=True)
class NameMatch:
    certainty: Certainty
    score: float


def org_digits(number: str | None) -> str:
    """An organisation number or LEI in the form compared: "556036-2138" -> "5560362138".

    Letters are kept (upper case), so an LEI or a foreign number with letters is not cut down to
    its digits and matched with an unrelated number that has the same digits.
    """
    return _NOT_ALNUM.sub("", number or "").upper()


def fold(text: str) -> str:
    """Lower case Latin without diacritics: 'Åhléns' -> 'ahlens', 'Fоrtum' (Cyrillic о) -> 'fortum'."""
    return canonical(text).casefold()


def canonical(text: str) -> str:
    """The text in plain Latin letters: NFKC, format characters dropped, every script transliterated.

    Syllables of CJK scripts are separated by spaces ("中国" -> "Zhong Guo"), and a run of single
    letters separated by dots or spaces ("V.a.t.t.e.n") is read as one word.
    """
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():  # format characters and other scripts are never ASCII; each is looked up once a name
        text = text.translate({ord(ch): None for ch in set(text) - _ASCII if unicodedata.category(ch) == "Cf"})
    if not text.isascii():
        if _LATIN_LETTER.search(text):
            text = text.translate(_CONFUSABLES)
        text = text.translate(_FOLD)
        text = text.translate({ord(ch): _latin(ch) for ch in set(text) - _ASCII})
    text = _INNER_PUNCT.sub("", text)
    return _SPELLED.sub(lambda m: _SPELL_SEP.sub("", m.group(0)), text)


@lru_cache(maxsize=8192)
def _latin(ch: str) -> str:
    """A non-ASCII character in Latin letters; cached, since names repeat a few hundred letters."""
    from anyascii import anyascii  # a table per Unicode block, loaded on first use; only for non-ASCII names

    latin = anyascii(ch)
    return f" {latin} " if len(latin) > 1 and unicodedata.east_asian_width(ch) in ("W", "F") else latin


@lru_cache(maxsize=65_536)
def normalise(name: str) -> str:
    """The comparable core of an organisation name."""
    text = fold(name)
    if "." in text:  # both forms need their punctuation: most names have neither and skip the regexes
        text = _DOTTED_FORMS.sub(lambda m: m.group(0).replace(".", "").replace(" ", ""), text)
    if "/" in text:
        text = _SLASHED_FORMS.sub(r"\1\2", text)
    text = _AND.sub(" and ", text)
    text = text.replace("(publ)", " ")
    text = _NON_WORD.sub(" ", text)
    words = [w for w in text.split() if w != "and"]
    core = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(core or words)


def compare(a: str, b: str) -> NameMatch:
    """How surely two names denote the same organisation."""
    return compare_normalised(normalise(a), normalise(b))


def compare_normalised(na: str, nb: str) -> NameMatch:
    if not na or not nb:
        return NameMatch(Certainty.NONE, 0.0)
    if na == nb or na.replace(" ", "") == nb.replace(" ", ""):
        return NameMatch(Certainty.EXACT, 100.0)
    if _DIGITS.findall(na) != _DIGITS.findall(nb):
        return NameMatch(Certainty.NONE, 0.0)
    from rapidfuzz import fuzz

    ratio = fuzz.ratio(na, nb)
    if ratio >= STRONG_RATIO:
        return NameMatch(Certainty.STRONG, ratio)
    words_a, words_b = set(na.split()), set(nb.split())
    smaller = min((words_a, words_b), key=len)
    if len(smaller) >= 2 and (words_a <= words_b or words_b <= words_a):
        return NameMatch(Certainty.STRONG, fuzz.token_set_ratio(na, nb))
    token_set = fuzz.token_set_ratio(na, nb)
    if token_set >= POSSIBLE_TOKEN_SET or ratio >= POSSIBLE_RATIO:
        return NameMatch(Certainty.POSSIBLE, max(ratio, token_set))
    return NameMatch(Certainty.NONE, max(ratio, token_set))


class NameIndex:
    """Names of many organisations, searchable with rapidfuzz's scorers (C, not a Python loop).

    A search scores only the names that could match at all, found through blocks: the same name
    once spaces are ignored (`exact`), or the same numbers (names whose numbers differ never match
    otherwise) and then a shared word (every word test and `token_set_ratio` with a common word) or
    a character similarity near the thresholds (`ratio` >= 86, or the sorted words' `ratio` >= 90,
    which is `token_set_ratio` of names without a common word). The blocks are a superset of the
    matches, so the result is the exhaustive comparison's (a property test holds both equal).
    """

    def __init__(self, small_block: int = SMALL_BLOCK) -> None:
        self.small_block = small_block
        self._keys: list[str] = []
        self._owners: list[int] = []
        self._by_joined: dict[str, list[int]] = {}
        self._by_numbers: dict[tuple[str, ...], list[int]] = {}
        self._blocks: dict[tuple[str, ...], _Block] = {}

    def add(self, owner: int, *names: str) -> None:
        self.add_normalised(owner, [normalise(name) for name in names])

    def add_normalised(self, owner: int, keys: Iterable[str]) -> None:
        for key in keys:
            joined = key.replace(" ", "")  # what both variants are once spaces are ignored
            for variant in dict.fromkeys((key, joined)):
                if variant:
                    position = len(self._keys)
                    self._keys.append(variant)
                    self._owners.append(owner)
                    self._by_joined.setdefault(joined, []).append(position)
                    self._by_numbers.setdefault(tuple(_DIGITS.findall(variant)), []).append(position)
        self._blocks.clear()

    def search(self, name: str) -> dict[int, NameMatch]:
        return self.search_normalised(normalise(name))

    def search_normalised(self, key: str) -> dict[int, NameMatch]:
        """Every owner with a name that matches at least possibly, with its best match."""
        if not key or not self._keys:
            return {}
        from rapidfuzz import fuzz

        candidates = self._candidates(key)
        found: dict[int, NameMatch] = {}
        for query in dict.fromkeys((key, key.replace(" ", ""))):
            scored = [(score, position) for position in candidates
                      if (score := fuzz.token_set_ratio(query, self._keys[position])) >= CANDIDATE_CUTOFF]
            scored.sort(key=lambda item: (-item[0], item[1]))  # process.extract's order: best first, then as added
            self._collect(key, [position for _, position in scored], found)
        return found

    def search_exhaustive(self, key: str) -> dict[int, NameMatch]:
        """Every name scored (the definition `search_normalised` must agree with; for tests)."""
        from rapidfuzz import fuzz, process

        found: dict[int, NameMatch] = {}
        if not key or not self._keys:
            return found
        for query in dict.fromkeys((key, key.replace(" ", ""))):
            hits = process.extract(query, self._keys, scorer=fuzz.token_set_ratio, score_cutoff=CANDIDATE_CUTOFF, limit=None)
            self._collect(key, [position for _, _, position in hits], found)
        return found

    def _collect(self, key: str, positions: list[int], found: dict[int, NameMatch]) -> None:
        for position in positions:
            match = compare_normalised(key, self._keys[position])
            owner = self._owners[position]
            if match.certainty and (owner not in found or match.certainty > found[owner].certainty):
                found[owner] = match

    def _candidates(self, key: str) -> list[int]:
        """The names `compare_normalised` could match with `key` (a superset), in the order they were added."""
        chosen = set(self._by_joined.get(key.replace(" ", ""), ()))
        numbers = tuple(_DIGITS.findall(key))
        group = self._by_numbers.get(numbers, [])
        if len(group) <= self.small_block:
            chosen.update(group)
        else:
            from rapidfuzz import fuzz, process

            block = self._block(numbers, group)
            for word in set(key.split()):
                chosen.update(block.by_word.get(word, ()))
            for _, _, index in process.extract(key, block.plain, scorer=fuzz.ratio, score_cutoff=POSSIBLE_RATIO - 0.5, limit=None):
                chosen.add(group[index])
            ordered = " ".join(sorted(set(key.split())))
            for _, _, index in process.extract(ordered, block.by_words, scorer=fuzz.ratio, score_cutoff=POSSIBLE_TOKEN_SET - 0.5, limit=None):
                chosen.add(group[index])
        return sorted(chosen)

    def _block(self, numbers: tuple[str, ...], group: list[int]) -> _Block:
        """A large group's texts and words, made on its first search: most groups are never searched, so
        adding names stays cheap (verify and check add every active engagement's)."""
        if numbers not in self._blocks:
            plain = [self._keys[position] for position in group]
            by_word: dict[str, list[int]] = {}
            for position, text in zip(group, plain, strict=True):
                for word in dict.fromkeys(text.split()):
                    by_word.setdefault(word, []).append(position)
            self._blocks[numbers] = _Block(plain, [" ".join(sorted(set(text.split()))) for text in plain], by_word)
        return self._blocks[numbers]


@dataclass(frozen=True)
class _Block:
    """The names of a large group sharing one set of numbers: as written, with their words sorted, and by word."""

    plain: list[str]
    by_words: list[str]
    by_word: dict[str, list[int]]
