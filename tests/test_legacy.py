"""Data folders written by wst 0.1 keep working: their events read with the same hashes, and later
edits of firm.toml or people.toml do not turn their past, legitimate events into problems."""

from __future__ import annotations

from pathlib import Path

from westander_cli.store import canonical_hash, scan_events


def test_old_event_files_read_with_their_hashes(firm: Path) -> None:
    found = [f for folder in (firm / "engagements").iterdir() for f in scan_events(folder / "events")]
    assert len(found) >= 12 and all(f.event is not None for f in found)
    assert all(f.event is not None and canonical_hash(f.event.content()) == f.event.hash for f in found)
    assert all((f.path.parent.parent / "proposal.toml").is_file() for f in found)


def test_a_new_channel_keeps_old_histories_valid(firm: Path, wst) -> None:
    """wst 0.1 did not record the channels a proposal had to reach: the ones its deliveries used count."""
    assert wst("verify").code == 0
    firm_toml = firm / "firm.toml"
    firm_toml.write_text(firm_toml.read_text().replace('channels = ["outbox"]', 'channels = ["outbox", "smtp"]')
                         + '\n[notify.smtp]\nhost = "127.0.0.1"\nport = 2525\nsecurity = "none"\n')
    shown = wst("list", "--format", "json").json["engagements"]
    assert {e["state"] for e in shown} == {"won"}
    result = wst("verify", "--format", "json")
    assert result.code == 0, result.out


def test_a_hostile_history_is_read_in_bounded_time(firm: Path, wst) -> None:
    """2,000 hand-made events, each following the proposal and the event before the one before: every
    event merges two branches. Judging each against its own history must not cost n² replays."""
    import time
    from datetime import timedelta

    from westander_cli.events import Comment
    from westander_cli.store import event_file_name, event_text, load_event, seal

    events = firm / "engagements" / "2026-vattenfall-fossilfritt" / "events"
    root = load_event(next(events.glob("*-proposed-*")))
    hashes = [root.id]
    for n in range(2000):
        follows = sorted({root.id, hashes[-2]} if len(hashes) > 2 else {root.id})
        event = seal(Comment(at=root.at + timedelta(seconds=n + 1), by="erik", follows=follows, text=f"c{n}"))
        (events / event_file_name(event)).write_text(event_text(event), encoding="utf-8")
        hashes.append(event.id)
    started = time.monotonic()
    assert wst("show", "2026-vattenfall-fossilfritt", "--format", "json").code == 0
    assert time.monotonic() - started < 10
