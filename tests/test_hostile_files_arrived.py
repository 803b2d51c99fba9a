"""Files that arrive by `git pull` and were made to hide, stop or crash something (found by a hostile review):
each through the real CLI on a copy of the example firm."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import proposal, write_proposal

T0 = "2026-12-01T09:00:00Z"
VETOED = "2026-hemligt"


def _propose_and_veto(firm: Path, wst, tmp_path: Path) -> str:
    path = write_proposal(tmp_path, "hemligt", proposal(id=VETOED, client={"name": "Hemlighetsbolaget AB"}))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    assert wst("veto", VETOED, "--reason", "Hemligt", "--as", "petra", now=T0).code == 0
    return "Hemlighetsbolaget"


def _events(firm: Path, engagement: str) -> Path:
    return firm / "engagements" / engagement / "events"


def _hash(path: Path) -> str:
    return str(tomllib.loads(path.read_text(encoding="utf-8"))["hash"])


def test_a_file_claiming_the_hash_of_a_veto_does_not_hide_it(firm: Path, wst, tmp_path: Path) -> None:
    """One added file (nothing edited or deleted, so an append-only check passes it) claimed the hash of the CEO's
    veto; the store kept whichever file sorted first, so the veto was gone (a won engagement's veto hidden so
    put the client back in `publish`). Now a file claiming another event's hash makes the folder unreadable."""
    client = _propose_and_veto(firm, wst, tmp_path)
    events = _events(firm, VETOED)
    [veto] = events.glob("*-veto-*")
    [proposed] = events.glob("*-proposed-*")
    fake = events / "00000000T000000000000Z-comment-aaaaaaaaaaaa.toml"
    fake.write_text(f'kind = "comment"\nat = 2026-12-01T09:00:00Z\nby = "anna"\nfollows = ["{_hash(proposed)}"]\n'
                    f'text = "hej"\nhash = "{_hash(veto)}"\n', encoding="utf-8")
    shown = wst("show", VETOED, now=T0)
    assert shown.code == 2 and str(fake) in shown.err and "claims the hash of another event" in shown.err
    published = wst("publish", "--format", "json", now=T0)
    assert published.code == 0 and client not in published.out
    assert wst("verify", now=T0).code == 1


def test_an_event_file_without_a_hash_is_a_bad_file_not_a_crash(firm: Path, wst, tmp_path: Path) -> None:
    """An event without `hash` made every recording command on its engagement crash (exit 70), the CEO's veto too."""
    path = write_proposal(tmp_path, "p", proposal(id="2026-utan-hash"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    events = _events(firm, "2026-utan-hash")
    [informed] = events.glob("*-informed-*")
    bad = events / "20261201T100000000000Z-ack-000000000000.toml"
    bad.write_text(f'kind = "ack"\nat = 2026-12-01T10:00:00Z\nby = "erik"\nfollows = ["{_hash(informed)}"]\n', encoding="utf-8")
    for command in (["veto", "2026-utan-hash", "--reason", "Nej", "--as", "petra"], ["show", "2026-utan-hash"]):
        refused = wst(*command, now=T0)
        assert refused.code == 2 and f"{bad}: hash: missing" in refused.err, refused.err
    bad.unlink()  # the remedy: the file goes, and the CEO's veto is recorded
    assert wst("veto", "2026-utan-hash", "--reason", "Nej", "--as", "petra", now=T0).code == 0


def test_publish_decides_from_the_records_not_the_local_index(firm: Path, wst, tmp_path: Path) -> None:
    """A local index edited to say a vetoed engagement is won made `publish` list the client."""
    import sqlite3
    import time

    client = _propose_and_veto(firm, wst, tmp_path)
    assert wst("list", now=T0).code == 0
    time.sleep(3.2)  # past the index's racily-clean window, so the next run trusts it
    assert wst("list", now=T0).code == 0
    with sqlite3.connect(firm / ".wst" / "index.sqlite") as db:
        db.execute("UPDATE summary SET state = 'won' WHERE id = ?", (VETOED,))
    assert client not in wst("publish", now=T0).out


def test_an_event_file_with_thousands_of_unknown_keys_is_refused_quickly(firm: Path, wst, tmp_path: Path) -> None:
    """Each validation problem was located by a scan of the whole text: 5,000 unknown keys in a 49 KB event file
    took ~2 minutes of `list`. The first problems are named with their lines, the rest counted."""
    import time

    path = write_proposal(tmp_path, "p", proposal(id="2026-nycklar"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    bad = _events(firm, "2026-nycklar") / "20261201T100000000000Z-ack-000000000000.toml"
    bad.write_text('kind = "ack"\nat = 2026-12-01T10:00:00Z\nby = "erik"\nfollows = []\n' + "".join(f"x{i} = 1\n" for i in range(5000)),
                   encoding="utf-8")
    started = time.monotonic()
    refused = wst("verify", "--format", "json", now=T0)
    assert time.monotonic() - started < 10
    assert refused.code == 1 and any("x0: unknown key" in p["message"] for p in refused.json["problems"])
    bad.unlink()
    proposal_file = tmp_path / "nycklar.toml"  # a proposal given to check, as quickly
    proposal_file.write_text(path.read_text(encoding="utf-8") + "".join(f"y{i} = 1\n" for i in range(5000)), encoding="utf-8")
    started = time.monotonic()
    checked = wst("check", str(proposal_file))
    assert time.monotonic() - started < 10 and checked.code == 2 and "y0: unknown key" in checked.err, checked.err


def test_a_proposed_event_naming_an_unknown_time_zone_is_a_bad_file(firm: Path, wst, tmp_path: Path) -> None:
    """`timezone = "Bogus/Zone"` (or a path) in a hand-made proposed event crashed verify (exit 70)."""
    from test_clones import write_by_hand
    from westander_cli.events import Proposed

    path = write_proposal(tmp_path, "p", proposal(id="2026-zon"))
    assert wst("propose", str(path), "--as", "anna", now=T0).code == 0
    events = _events(firm, "2026-zon")
    [proposed] = events.glob("*-proposed-*")
    record = tomllib.loads(proposed.read_text(encoding="utf-8"))
    del record["hash"]
    for written in events.iterdir():
        written.unlink()
    record.update(review_counting="working_time", timezone="Europe/Stockholm")
    write_by_hand(events, Proposed.model_validate(record))
    [forged] = events.glob("*-proposed-*")
    forged.write_text(forged.read_text(encoding="utf-8").replace('"Europe/Stockholm"', '"../../../../etc/passwd"'), encoding="utf-8")
    for command in (["verify"], ["show", "2026-zon"]):
        refused = wst(*command, now=T0)
        assert refused.code in (1, 2) and "not a known time zone" in refused.out + refused.err, (command, refused.err)


def test_a_damaged_registry_index_is_rebuilt_not_a_crash(firm: Path, wst) -> None:
    """Valid SQLite with bad JSON in the registry index's dates made check crash (exit 70)."""
    import sqlite3

    from conftest import REPO

    volvo = REPO / "data" / "examples" / "volvo-chain.toml"
    first = wst("check", str(volvo), "--format", "json")
    with sqlite3.connect(firm / ".wst" / "registry.sqlite") as db:
        db.execute("UPDATE file SET dates = '{{'")
    again = wst("check", str(volvo), "--format", "json")
    assert again.code == first.code and again.json["results"] == first.json["results"]


def test_local_state_in_the_wrong_shape_is_one_clear_line(firm: Path, wst, tmp_path: Path) -> None:
    """`.wst` as a plain file (or its locks folder as a file) made list, check and ack crash (exit 70)."""
    import shutil

    from conftest import REPO

    shutil.rmtree(firm / ".wst", ignore_errors=True)
    (firm / ".wst").write_text("x\n", encoding="utf-8")
    for command in (["list"], ["check", str(REPO / "data" / "examples" / "cykel-clear.toml")], ["ack", "2026-vattenfall-fossilfritt", "--as", "erik"]):
        refused = wst(*command, now=T0)
        assert refused.code == 2 and ".wst" in refused.err and "delete it" in refused.err, (command, refused.err)
    (firm / ".wst").unlink()
    assert wst("list", now=T0).code == 0


@pytest.mark.parametrize("change", ["UPDATE summary SET state = 'bogus'", "UPDATE summary SET review_deadline = 'garbage'",
                                    "UPDATE summary SET flags = 'x'", "UPDATE summary SET valid_from = 'abc'",
                                    "UPDATE summary SET active = '{{'", "UPDATE meta SET value = '[1,2]' WHERE key = 'facts'"])
def test_an_edited_summary_index_is_never_a_crash(firm: Path, wst, change: str) -> None:
    """Valid SQLite holding values no wst wrote made list, status and check crash (exit 70). Now the files decide
    where the index cannot be read, and a row that cannot be decoded when used is one clear line (exit 2)."""
    import sqlite3
    import time

    from conftest import REPO

    assert wst("list", now=T0).code == 0
    time.sleep(3.2)  # past the racily-clean window: the next run trusts the index
    assert wst("list", now=T0).code == 0
    with sqlite3.connect(firm / ".wst" / "index.sqlite") as db:
        db.execute(change)
    for command in (["list"], ["status", "--as", "petra"], ["check", str(REPO / "data" / "examples" / "volvo-chain.toml")]):
        result = wst(*command, now=T0)
        assert result.code in (0, 1, 2, 3) and "internal error" not in result.err, (command, result.err)
        assert result.code != 2 or "index is damaged" in result.err, result.err
