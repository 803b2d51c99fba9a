"""The shortcuts a first `status` at 10,000 engagements takes give exactly what the straightforward code gives."""

from __future__ import annotations

import gc
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from conftest import proposal, write_proposal
from westander_cli.events import Proposed
from westander_cli.model import Channel, Proposal, check_swedish_org_number
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
