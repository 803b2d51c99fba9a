"""`wst init` makes signed CEO decisions the easy path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trust_helpers import keygen


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_init_with_a_ceo_key_requires_signed_decisions_and_the_roster_approves(tmp_path: Path, wst, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WST_NOW", "2026-12-01T09:00:00Z")
    key, pub = keygen(tmp_path, "vd")
    result = wst("init", str(tmp_path / "data"), "--ceo-key", str(tmp_path / "vd.pub"))
    assert result.code == 0 and "wst roster approve --data" in result.out
    assert f'signing_key = "{" ".join(pub.split()[:2])}"' in (tmp_path / "data" / "people.toml").read_text()
    assert 'required = "ceo_decisions"' in (tmp_path / "data" / "firm.toml").read_text()
    assert wst("verify", "--data", str(tmp_path / "data")).code == 1  # not yet approved
    monkeypatch.setenv("WST_SIGNING_KEY", str(key))
    assert wst("roster", "approve", "--data", str(tmp_path / "data"), "--as", "vd").code == 0
    assert wst("verify", "--data", str(tmp_path / "data")).code == 0


def test_init_without_keys_says_what_that_means(tmp_path: Path, wst) -> None:
    result = wst("init", str(tmp_path / "data"))
    assert result.code == 0 and "without signing keys anyone with a clone can write a CEO decision" in result.out


@pytest.mark.parametrize(("content", "words"), [("not a key\n", "not an SSH public key"),
                                                 ("-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n", "is a private key")])
def test_init_refuses_a_bad_key_file_and_writes_nothing(tmp_path: Path, wst, content: str, words: str) -> None:
    (tmp_path / "k").write_text(content)
    result = wst("init", str(tmp_path / "data"), "--ceo-key", str(tmp_path / "k"))
    assert result.code == 2 and result.err.startswith("wst: error: --ceo-key: ") and words in result.err
    assert not (tmp_path / "data").exists()
    assert wst("init", str(tmp_path / "data"), "--ceo-key", str(tmp_path / "missing.pub")).code == 2
