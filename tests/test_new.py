"""`wst new`: a proposal file from answers to the policy's questions, or a template when not on a terminal."""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import run_wst

ANSWERS = [
    "Vindkraft Syd AB", "", "", "",          # client, org number, country (SE), kind (company)
    "35.11", "",                             # sector search, the only match is the default pick
    "",                                      # no more sector searches
    "ISO 14001", "",                         # environmental evidence
    "Huaxin Ltd", "company", "CN", "30", "n", "",   # one owner: 30 % from China
    "Opinionsarbete för vindkraft", "Vi hjälper kunden med lokal förankring.", "Vi hjälper Vindkraft Syd.",
    "j", "j",                                # political influence, transparency accepted
    "",                                      # on its own behalf
    "n",                                     # no election campaign
    "Vattenfall AB", "competitor", "",       # a counterparty
]


def test_new_asks_the_policys_questions_and_checks_the_file(firm: Path, tmp_path: Path) -> None:
    target = tmp_path / "forfragan.toml"
    env = {"WST_DATA": str(firm), "WST_LANG": ""}  # nobody chose a language: the firm's (sv)
    result = run_wst("new", str(target), "--interactive", "--check", env=env, cwd=tmp_path, input="\n".join(ANSWERS) + "\n")
    assert "Kundens namn" in result.stderr and "35.11" in result.stderr  # asked in the firm's language, with a NACE search
    proposal = tomllib.loads(target.read_text(encoding="utf-8"))
    assert proposal["client"]["sectors"] == ["35.11"] and proposal["client"]["owners"][0]["share"] == 30.0
    assert proposal["political_influence"] and proposal["transparency_accepted"]
    assert result.returncode == 3  # the check ran: a competitor of Vattenfall, and a Chinese owner
    assert "conflict.competitor" in result.stdout and "ownership.cn_ru" in result.stdout


def test_new_writes_a_template_when_not_on_a_terminal(tmp_path: Path) -> None:
    printed = run_wst("new", cwd=tmp_path, input="")
    assert printed.returncode == 0 and printed.stdout.startswith("# A proposal for `wst check`")
    assert "political_influence = false" in printed.stdout and "[client]" in printed.stdout
    assert run_wst("new", "--template", str(tmp_path / "t.toml"), cwd=tmp_path).returncode == 0
    assert (tmp_path / "t.toml").read_text(encoding="utf-8") == printed.stdout
    again = run_wst("new", "--template", str(tmp_path / "t.toml"), cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
