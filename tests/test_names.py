"""Name normalisation and matching, and the labelled pair set with its precision and recall."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from westander_cli.screening.names import Certainty, NameIndex, compare, normalise


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("VATTENFALL AB", "vattenfall"),
        ("Telia Company AB (publ)", "telia"),
        ("Aktiebolaget Åhléns", "ahlens"),
        ("Ørsted A/S", "orsted"),
        ("Bayerische Motoren Werke AG", "bayerische motoren werke"),
        ("Straße GmbH", "strasse"),
        ("Lantmännen ek. för.", "lantmannen"),
        ("H&M Hennes & Mauritz AB", "h m hennes mauritz"),
        ("PAO Gazprom", "gazprom"),
        ("Huawei Technologies Co., Ltd.", "huawei technologies"),
        ("Heineken N.V.", "heineken"),
        ("AB", "ab"),  # a name made only of a legal form keeps it
    ],
)
def test_normalise(raw: str, normal: str) -> None:
    assert normalise(raw) == normal


@pytest.mark.parametrize(
    ("a", "b", "certainty"),
    [
        ("Tele2", "Telge", Certainty.NONE),
        ("VATTENFALL AB", "Vattenfall AB", Certainty.EXACT),
        ("Tele2", "Tele4", Certainty.NONE),
        ("Hennes och Mauritz", "H&M Hennes & Mauritz AB", Certainty.STRONG),
        ("Volvo", "Volvo Cars", Certainty.POSSIBLE),
        ("", "Volvo", Certainty.NONE),
    ],
)
def test_compare(a: str, b: str, certainty: Certainty) -> None:
    assert compare(a, b).certainty == certainty
    assert compare(b, a).certainty == certainty


def test_index_finds_the_same_as_pairwise_comparison() -> None:
    index = NameIndex()
    names = ["Vattenfall AB", "Telge Energi AB", "Tele2 AB", "Skogsägarna Norr ek. för.", "Volvo Cars"]
    for position, name in enumerate(names):
        index.add(position, name)
    for query in ("VATTENFALL", "Tele2", "Telge", "Volvo", "Skogsagarna Norr"):
        expected = {p for p, n in enumerate(names) if compare(query, n).certainty}
        assert set(index.search(query)) == expected, query


def test_labelled_pairs_have_no_false_sure_match() -> None:
    result = subprocess.run([sys.executable, str(REPO / "bench" / "names.py")], capture_output=True, text=True, timeout=60, check=False)
    print(result.stdout)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert int(lines[0].split()[0]) >= 40
    sure = next(line for line in lines if line.startswith("sure match"))
    flagged = next(line for line in lines if line.startswith("flagged"))
    assert "precision 1.000" in sure and float(sure.split("recall ")[1].split()[0]) >= 0.9
    assert "recall 1.000" in flagged
