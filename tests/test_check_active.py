"""`wst check --active` and verify: conflicts that no record shows (two clones proposing competitors at
once), and what a registry file pulled later reveals, with the CEO decision that settles each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import proposal, run_wst, write_proposal

T0 = "2026-12-01T09:00:00Z"


def test_competitors_proposed_in_two_clones_need_a_ceo_decision(firm: Path, tmp_path: Path) -> None:
    other = tmp_path / "clone-two"
    shutil.copytree(firm, other)
    env_one, env_two = {"WST_DATA": str(firm), "WST_NOW": T0}, {"WST_DATA": str(other), "WST_NOW": T0}
    telia = write_proposal(tmp_path, "a", proposal(id="2026-telia", client={"name": "Telia Company AB", "org_number": None, "sectors": ["61.10"]}))
    bredband = write_proposal(tmp_path, "b", proposal(id="2026-bredband", client={"name": "Bredband2 AB", "org_number": None, "sectors": ["61.10"]}))
    assert run_wst("propose", str(telia), "--as", "anna", env=env_one).returncode == 0
    assert run_wst("propose", str(bredband), "--as", "erik", env=env_two).returncode == 0  # neither clone knows the other
    for source, target in ((firm, other), (other, firm)):  # what a git merge of the two clones gives
        for folder in (source / "engagements").iterdir():
            shutil.copytree(folder, target / "engagements" / folder.name, dirs_exist_ok=True)
    active = run_wst("check", "--active", "--format", "json", env=env_one)
    assert active.returncode == 3, active.stderr
    [result] = json.loads(active.stdout)["results"]
    assert result["findings"][0]["rule"] == "conflict.competitor" and "--consulted" in result["findings"][0]["message"]
    verify = run_wst("verify", "--format", "json", env=env_one)
    assert verify.returncode == 0 and any(p["severity"] == "warning" and "conflict.competitor" in p["message"]
                                          for p in json.loads(verify.stdout)["problems"])
    approved = run_wst("approve", result["id"], "--consulted", "Telia Company AB=samtal med vd" if result["id"] == "2026-bredband"
                       else "Bredband2 AB=samtal med vd", "--as", "petra", env=env_one)
    assert approved.returncode == 0, approved.stderr
    assert run_wst("check", "--active", env=env_one).returncode == 0
    assert "conflict.competitor" not in run_wst("verify", env=env_one).stdout


def test_check_wants_files_or_active_not_both(firm: Path, tmp_path: Path) -> None:
    path = write_proposal(tmp_path, "p", proposal())
    assert run_wst("check", env={"WST_DATA": str(firm)}).returncode == 2
    assert run_wst("check", str(path), "--active", env={"WST_DATA": str(firm)}).returncode == 2
