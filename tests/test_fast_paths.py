"""The shortcuts a first `status` at 10,000 engagements takes give exactly what the straightforward code gives."""

from __future__ import annotations

import copy
import gc
import json
import os
import pickle
import re
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import tomli
import tomli_w
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from conftest import REPO, proposal, run_wst, write_proposal
from westander_cli import clock, i18n
from westander_cli.errors import InvalidInput
from westander_cli.events import Proposed
from westander_cli.model import Channel, Proposal, check_swedish_org_number
from westander_cli.tomlfile import parse_toml
from westander_cli.workflow import Engagement

DIGITS = st.text("0123456789", min_size=10, max_size=10)
NUMBERS = st.one_of(DIGITS.map(lambda d: f"{d[:6]}-{d[6:]}"), DIGITS, st.text("0123456789- .+x٣", max_size=13))


def stdnum_result(number: str) -> str:
    try:
        return str(orgnr.format(orgnr.validate(number)))
    except StdnumError as error:
        return f"error: {str(error).lower()}"


@given(NUMBERS)
def test_org_number_check_matches_stdnum(number: str) -> None:
    try:
        ours = check_swedish_org_number(number)
    except ValueError as error:
        ours = f"error: {str(error).rsplit(': ', 1)[-1]}"
    assert ours == stdnum_result(number)


PEOPLE = [f"p{n}" for n in range(6)]
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


@given(colleagues=st.lists(st.sampled_from(PEOPLE), unique=True), lead=st.sampled_from(PEOPLE),
       channels=st.lists(st.sampled_from(list(Channel)), min_size=1, unique=True),
       informed=st.dictionaries(st.sampled_from(PEOPLE), st.sets(st.sampled_from(list(Channel)))),
       acks=st.sets(st.sampled_from(PEOPLE)), hours=st.integers(-48, 48))
def test_clearance_questions_match_their_definitions(colleagues: list[str], lead: str, channels: list[Channel],
                                                     informed: dict[str, set[Channel]], acks: set[str], hours: int) -> None:
    root = Proposed.model_construct(review_deadline=T0)
    view = Engagement(id="e", root=root, proposal=Proposal.model_construct(), now=T0 + timedelta(hours=hours),
                      colleagues=tuple(colleagues), lead=lead, channels=tuple(channels), informed=informed, acks=acks)
    wanted = set(channels)
    assert view.everyone_informed() == all(wanted <= informed.get(p, set()) for p in colleagues if p != lead)
    assert view.review_period_running() == (view.now < T0 and any(c not in acks for c in view.active_colleagues))


def test_reading_every_engagement_turns_the_cycle_collector_back_on(firm: Path, wst, tmp_path: Path) -> None:
    """The index build pauses the cyclic collector while it reads; the process gets it back, also when there is no index."""
    write = write_proposal(tmp_path, "p", proposal(id="2026-gc"))
    assert wst("propose", str(write), "--as", "anna", now="2026-12-01T09:00:00Z").code == 0
    shutil.rmtree(firm / ".wst", ignore_errors=True)
    assert wst("list", "--format", "json", now="2026-12-01T10:00:00Z").code == 0
    assert gc.isenabled()
    assert (firm / ".wst" / "index.sqlite").is_file()


def _same_reading(data: object) -> str:
    """A parsed document as text: values, their types, key order and every time's UTC offset."""
    return json.dumps(data, default=lambda value: f"{type(value).__name__}:{value.isoformat()}:{getattr(value, 'tzinfo', None)!r}", ensure_ascii=False)


SHIPPED_TOML = sorted(p for folder in ("data", "policies", "tests/fixtures") for p in (REPO / folder).rglob("*.toml"))


def test_every_shipped_toml_file_reads_as_tomli_reads_it() -> None:
    assert len(SHIPPED_TOML) > 20
    for path in SHIPPED_TOML:
        text = path.read_text(encoding="utf-8")
        assert _same_reading(parse_toml(path, text).data) == _same_reading(tomli.loads(text)), path


TIMES = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]))
SCALARS = st.one_of(st.text(max_size=30), st.integers(-(2**63), 2**63 - 1), st.booleans(), TIMES,
                    st.floats(allow_nan=False, allow_infinity=False), TIMES.map(lambda t: t.date()))
KEYS = st.text(min_size=1, max_size=12)
DOCUMENTS = st.dictionaries(KEYS, st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                                               max_leaves=12), min_size=1, max_size=8)


@given(DOCUMENTS, st.booleans(), st.booleans())
def test_written_toml_reads_as_tomli_reads_it(document: dict[str, object], multiline: bool, crlf: bool) -> None:
    text = tomli_w.dumps(document, multiline_strings=multiline)
    if crlf:  # as a Windows editor saves it
        text = text.replace("\n", "\r\n")
    assert _same_reading(parse_toml(Path("x.toml"), text).data) == _same_reading(tomli.loads(text))


EVENT_TEXT = next((REPO / "data" / "engagements").rglob("*-proposed-*.toml")).read_text(encoding="utf-8")
DAMAGE = st.sampled_from([*"\"'[]{}=.,#\n\\ \t-:+09aeTZ_", "\r", "\x7f", '"""', "'''", "inf", "1979-05-27", "0x"])


@given(st.lists(st.tuples(st.integers(0, len(EVENT_TEXT)), DAMAGE, st.booleans()), min_size=1, max_size=3))
def test_a_damaged_file_is_refused_with_tomlis_message_or_read_as_tomli_reads_it(edits: list[tuple[int, str, bool]]) -> None:
    text = EVENT_TEXT
    for position, piece, insert in edits:
        text = text[:position] + piece + text[position + (0 if insert else 1):]
    try:
        read_by_tomli, refusal = _same_reading(tomli.loads(text)), ""
    except tomli.TOMLDecodeError as error:
        read_by_tomli, refusal = "", str(error)
    try:
        ours, our_refusal = _same_reading(parse_toml(Path("x.toml"), text).data), ""
    except InvalidInput as error:
        ours, our_refusal = "", str(error)
    if our_refusal:
        assert refusal, f"tomli reads the file, yet wst refused it: {our_refusal}"
        line = re.search(r"line (\d+), column (\d+)", refusal)
        assert our_refusal.startswith(f"x.toml:{line[1]}: invalid TOML at column {line[2]}: " if line else "x.toml: invalid TOML: ")
    elif refusal:  # the one known difference: rtoml reads newlines inside an inline table (TOML 1.1)
        assert re.search(r"\{[^}\n]*\n", text), (text, refusal)
    else:
        assert ours == read_by_tomli


def test_a_parsed_file_pickles_and_copies_like_any_other_data() -> None:
    """Workers send results back pickled; nothing of rtoml's own types may reach them."""
    data = parse_toml(Path("x.toml"), 'a = 2026-01-01T10:00:00+02:00\n[[b]]\nc = [2026-01-01T10:00:00Z]\n').data
    assert pickle.loads(pickle.dumps(data)) == copy.deepcopy(data) == data
    assert data["b"][0]["c"][0].tzinfo is UTC and data["a"].tzinfo == timezone(timedelta(hours=2))


def test_a_cr_that_ends_no_line_is_refused_as_tomli_refuses_it() -> None:
    text = EVENT_TEXT.replace("\n", "\r\r\n")
    with pytest.raises(InvalidInput, match=r"^x\.toml:1: invalid TOML at column \d+: "):
        parse_toml(Path("x.toml"), text)


def test_a_newline_inside_an_inline_table_is_read() -> None:
    """TOML 1.1 allows it, rtoml reads it, tomli 2 does not: wst reads it (README, "Files")."""
    assert parse_toml(Path("x.toml"), 'a = { b = 1,\n c = 2 }\n').data == {"a": {"b": 1, "c": 2}}


def test_pydantic_plugins_are_not_loaded_unless_the_user_asks(firm: Path, tmp_path: Path) -> None:
    """An installed Pydantic plugin would cost every run a scan of all packages' metadata and watch the firm's
    records being validated: wst turns plugins off, and a user who sets PYDANTIC_DISABLE_PLUGINS decides."""
    site = tmp_path / "site"
    (site / "spy_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "spy_plugin-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: spy-plugin\nVersion: 1.0\n", encoding="utf-8")
    (site / "spy_plugin-1.0.dist-info" / "entry_points.txt").write_text("[pydantic]\nspy = spy_plugin:plugin\n", encoding="utf-8")
    marker = tmp_path / "plugin-loaded"
    (site / "spy_plugin.py").write_text((f"from pathlib import Path\nPath({str(marker)!r}).touch()\n"
                                         "class Spy:\n    def new_schema_validator(self, *args, **kwargs):\n        return None, None, None\n"
                                         "plugin = Spy()\n"), encoding="utf-8")
    checked = write_proposal(tmp_path, "p", proposal())
    environment = {"PYTHONPATH": os.pathsep.join([str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}

    result = run_wst("check", str(checked), env={**environment, "PYDANTIC_DISABLE_PLUGINS": ""})
    assert result.returncode == 0, result.stderr
    assert marker.exists()  # the spy is found where a real plugin would be: the test can fail

    marker.unlink()
    result = run_wst("check", str(checked), env=environment)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()


ZONES = st.builds(timezone, st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)))
MOMENTS = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=ZONES)


def strftime_four_digit_year(moment: datetime, pattern: str) -> str:
    """What strftime writes, with the year in four digits (it writes 999 for year 999 here)."""
    return moment.strftime(pattern.replace("%Y", f"{moment.year:04d}"))


@given(MOMENTS)
def test_utc_text_is_what_strftime_writes_and_reads_back(moment: datetime) -> None:
    """Signed payloads and roster records hold these texts: a faster formatting must never change one of a
    year wst can record, and every one is ISO 8601 that reads back (a hand-made year 999 made `wst log` crash)."""
    utc = moment.astimezone(UTC)
    assert clock.utc_text(moment) == strftime_four_digit_year(utc, "%Y-%m-%dT%H:%M:%SZ")
    assert datetime.fromisoformat(clock.utc_text(moment)) == utc.replace(microsecond=0)
    assert clock.iso(moment) == clock.utc_text(moment) and clock.iso(None) is None


@given(MOMENTS, st.sampled_from(["Europe/Stockholm", "America/St_Johns", "Asia/Kathmandu", "UTC"]))
def test_local_time_is_what_strftime_writes(moment: datetime, zone: str) -> None:
    from zoneinfo import ZoneInfo

    i18n.use("en", zone)
    try:
        expected = strftime_four_digit_year(moment.astimezone(ZoneInfo(zone)), "%Y-%m-%d %H:%M %Z")
        assert i18n.local_time(moment) == expected
        assert i18n.local_time(moment.isoformat()) == expected
    finally:
        i18n.use("en")


@given(st.text() | st.sampled_from(["\x1b[31m", "a\u202eb", "tab\there", "line\nbreak", "\x85", "\u2028", "Fjäll AB"]))
def test_printable_text_skips_the_regex_and_nothing_else_does(text: str) -> None:
    from westander_cli.render import _UNSAFE, sanitise
    from westander_cli.render.lines import _escaped

    slow = _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
    assert sanitise(text) == slow
    assert _escaped(text) == slow.replace("\t", "\\t").replace("\n", "\\n")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.sampled_from(["null", "a null b", None]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5) | st.just("null"), inner, max_size=4),
    max_leaves=20)


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6))
def test_an_event_hashes_as_its_content_without_the_nones_did_before_the_shortcut(content: dict[str, object]) -> None:
    """Every stored event's hash rests on this: skipping the walk where no None can be must never change one."""
    import hashlib

    from westander_cli.store import _without_none, canonical_hash

    blob = json.dumps(_without_none(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_hash(content) == hashlib.sha256(blob.encode("utf-8")).hexdigest()


@given(MOMENTS.filter(lambda moment: moment <= clock.LATEST_RECORDED))  # an event holds no later time (clock.check_moment)
def test_an_event_file_is_named_as_strftime_named_it_with_a_four_digit_year(moment: datetime) -> None:
    """verify reports an event whose file name differs from this one as renamed: the name must never change."""
    from westander_cli.events import Comment
    from westander_cli.store import event_file_name

    event = Comment(at=moment, by="anna", follows=[], text="x", hash="0" * 64)
    assert event_file_name(event) == f"{strftime_four_digit_year(moment, '%Y%m%dT%H%M%S%fZ')}-comment-000000000000.toml"


def test_verify_names_a_hand_made_event_s_time_in_utc_as_it_says(firm: Path, wst) -> None:
    """A hand-made event at +05:30, older than the event it follows: the problem gives its time in UTC, as the
    message says (it printed the local time of the file with 'UTC' after it)."""
    from westander_cli.events import Comment
    from westander_cli.store import dump_toml, event_file_name, seal

    events = firm / "engagements" / "2026-skogsagarna-norr-massaved" / "events"
    newest = next(events.glob("*-won-*.toml")).read_text(encoding="utf-8").split('hash = "')[1][:64]
    event = seal(Comment(at=datetime(2026, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))), by="sara",
                         follows=[newest], text="handgjord"))
    (events / event_file_name(event)).write_text(dump_toml(event.model_dump(mode="json")), encoding="utf-8")
    result = wst("verify")
    assert result.code == 1
    assert "recorded at 2026-01-01 00:00 UTC, before the event" in result.out


def test_country_codes_are_pycountrys_whether_read_from_its_file_or_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """wst reads pycountry's database file rather than importing pycountry (README, "Speed"): the same codes."""
    import importlib.util

    import pycountry

    from westander_cli import model

    asked = frozenset(country.alpha_2 for country in pycountry.countries)
    assert len(asked) > 240 and model._country_codes.__wrapped__() == asked
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # the file moved: pycountry answers
    assert model._country_codes.__wrapped__() == asked
    assert model.check_country("se") == "SE"
    with pytest.raises(ValueError, match="not an ISO 3166-1 alpha-2 country code"):
        model.check_country("XX")


def test_a_check_loads_neither_package_metadata_nor_pycountry(firm: Path, tmp_path: Path) -> None:
    """~70 ms of every command that validates a file: Pydantic's plugin loader and pycountry each import
    `importlib.metadata` (and `email`), and pycountry builds an object per country."""
    from test_index import modules_loaded

    checked = write_proposal(tmp_path, "p", proposal())
    env = {"WST_DATA": str(firm)}
    heavy = ("importlib.metadata", "email", "pycountry", "pydantic")
    assert modules_loaded(env, heavy, "check", str(checked)) == "pydantic"
    assert modules_loaded({**env, "PYDANTIC_DISABLE_PLUGINS": "__all__"}, heavy, "check", str(checked)) == "email,importlib.metadata,pydantic"
