"""Precision and recall of wst's name matching on the labelled pairs in bench/name_pairs.toml.

Run: python bench/names.py. Exits 1 if any false pair is a sure match (strong or exact), which
would block an engagement by mistake; possible matches are only shown to a person for review.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from westander_cli.screening.names import Certainty, compare

PAIRS = Path(__file__).with_name("name_pairs.toml")


def main() -> int:
    pairs = tomllib.loads(PAIRS.read_text(encoding="utf-8"))
    labelled = [(a, b, True) for a, b in pairs["true_pairs"]] + [(a, b, False) for a, b in pairs["false_pairs"]]
    rows = [(a, b, same, compare(a, b)) for a, b, same in labelled]
    print(f"{len(pairs['true_pairs'])} true pairs, {len(pairs['false_pairs'])} false pairs\n")
    for level, name in ((Certainty.STRONG, "sure match (strong or exact): a finding"),
                        (Certainty.POSSIBLE, "flagged (possible or better): at least a review")):
        hits = [(same, m.certainty >= level) for _, _, same, m in rows]
        tp = sum(1 for same, hit in hits if same and hit)
        fp = sum(1 for same, hit in hits if not same and hit)
        fn = sum(1 for same, hit in hits if same and not hit)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{name}: precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})")
    print("\nmisjudged or only flagged:")
    for a, b, same, match in rows:
        if (same and match.certainty < Certainty.STRONG) or (not same and match.certainty > Certainty.NONE):
            print(f"  {'same' if same else 'different'}: {a!r} / {b!r} -> {match.certainty.name.lower()} ({match.score:.0f})")
    false_sure = [(a, b) for a, b, same, m in rows if not same and m.certainty >= Certainty.STRONG]
    if false_sure:
        print(f"\nFALSE SURE MATCHES: {false_sure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
