"""Keys: hardware (FIDO) signatures verify, people hold several keys with validity periods, malformed keys are refused."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trust_helpers import append_person_keys, keygen, set_person
from westander_cli import signing
from westander_cli.errors import NotPermitted
from westander_cli.model import Person, PersonKey

FIXTURE = Path(__file__).parent / "fixtures" / "sk-signatures.toml"
SK = tomllib.loads(FIXTURE.read_text())["signature"]
needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def ssh_keygen_verifies(folder: Path, public_key: str, message: str, signature: str) -> bool:
    (folder / "allowed").write_text(f'fixture namespaces="wst-record" {public_key}\n')
    (folder / "sig").write_text(signature + "\n")
    result = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(folder / "allowed"), "-I", "fixture", "-n", "wst-record",
                             "-s", str(folder / "sig")], input=message.encode(), capture_output=True, check=False)
    return result.returncode == 0


def person(*keys: PersonKey, signing_key: str | None = None) -> Person:
    return Person(id="petra", name="Petra", email="petra@example.se", role="ceo", signing_key=signing_key, keys=list(keys))


@needs_ssh_keygen
@pytest.mark.parametrize("entry", SK, ids=[e["algorithm"] for e in SK])
def test_the_committed_hardware_key_signature_verifies_like_ssh_keygen_says(entry: dict[str, str], tmp_path: Path) -> None:
    assert ssh_keygen_verifies(tmp_path, entry["public_key"], entry["message"], entry["signature"])
    holder = person(signing_key=entry["public_key"])
    assert signing.check_event_signature(holder, entry["message"], entry["signature"], T0) is None
    assert "does not match" in str(signing.check_event_signature(holder, "0" * 64, entry["signature"], T0))
    fingerprint = subprocess.run(["ssh-keygen", "-lf", "-"], input=entry["public_key"].encode(), capture_output=True, check=True).stdout.decode()
    from westander_cli.keys import parse_public_key

    assert parse_public_key(entry["public_key"]).fingerprint in fingerprint


@needs_ssh_keygen
@pytest.mark.parametrize("algorithm", [b"sk-ssh-ed25519@openssh.com", b"sk-ecdsa-sha2-nistp256@openssh.com"])
def test_the_fixture_generator_makes_what_ssh_keygen_accepts_and_wst_agrees(algorithm: bytes, tmp_path: Path) -> None:
    from sk_fixture import make

    fresh = make(algorithm, "a" * 64)
    assert ssh_keygen_verifies(tmp_path, fresh.public_key, fresh.message, fresh.signature)
    assert signing.check_event_signature(person(signing_key=fresh.public_key), fresh.message, fresh.signature, T0) is None
    untouched = make(algorithm, "a" * 64, flags=0)  # a key set to no-touch-required: ssh-keygen -Y verify accepts it, so does wst
    assert ssh_keygen_verifies(tmp_path, untouched.public_key, untouched.message, untouched.signature)
    assert signing.check_event_signature(person(signing_key=untouched.public_key), untouched.message, untouched.signature, T0) is None
    forged = make(algorithm, "b" * 64)  # another key's signature: refused by both
    assert not ssh_keygen_verifies(tmp_path, fresh.public_key, forged.message, forged.signature)
    assert "another key" in str(signing.check_event_signature(person(signing_key=fresh.public_key), forged.message, forged.signature, T0))


@needs_ssh_keygen
def test_a_rotated_key_keeps_old_records_valid_and_signs_nothing_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_key, old_pub = keygen(tmp_path, "old")
    new_key, new_pub = keygen(tmp_path, "new")
    rotated_at = datetime(2026, 12, 10, tzinfo=UTC)
    petra = person(PersonKey(key=old_pub, valid_until=rotated_at), PersonKey(key=new_pub, valid_from=rotated_at))
    monkeypatch.setenv("WST_SIGNING_KEY", str(old_key))
    before = signing.sign_as(petra, "1" * 64, T0)
    assert signing.check_event_signature(petra, "1" * 64, before, T0) is None  # history stays verifiable
    with pytest.raises(NotPermitted, match="not a key of petra valid at 2026-12-11"):
        signing.sign_as(petra, "2" * 64, datetime(2026, 12, 11, tzinfo=UTC))
    assert "which was not valid at 2026-12-11" in str(signing.check_event_signature(petra, "1" * 64, before, datetime(2026, 12, 11, tzinfo=UTC)))
    monkeypatch.setenv("WST_SIGNING_KEY", str(new_key))
    after = signing.sign_as(petra, "2" * 64, datetime(2026, 12, 11, tzinfo=UTC))
    assert signing.check_event_signature(petra, "2" * 64, after, datetime(2026, 12, 11, tzinfo=UTC)) is None


@needs_ssh_keygen
def test_signing_with_another_persons_key_is_refused_before_anything_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, petra_pub = keygen(tmp_path, "petra")
    erik_key, _ = keygen(tmp_path, "erik")
    monkeypatch.setenv("WST_SIGNING_KEY", str(erik_key))
    with pytest.raises(NotPermitted, match=r"WST_SIGNING_KEY is not a key of petra.*made with another key") as refused:
        signing.sign_as(person(signing_key=petra_pub), "3" * 64, T0)
    assert refused.value.exit_code == 4
    with pytest.raises(NotPermitted, match="no signing key valid"):
        signing.sign_as(person(), "3" * 64, T0)


@pytest.mark.parametrize(("lines", "field", "reason"), [
    ('signing_key = "not a key"', "person[0].signing_key", "not an SSH public key"),
    ('signing_key = "ssh-ed25519 AAAA"', "person[0].signing_key", "malformed"),
    ('signing_key = "ssh-ed25519 !!!notbase64"', "person[0].signing_key", "not valid base64"),
    ('signing_key = "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIMdDFJMTZNztV0cZDjU9iv4LLK04ZHB0KPEMTeUAgy+G"', "person[0].signing_key", "another key type"),
])
def test_a_malformed_key_is_refused_naming_the_field(firm: Path, wst, lines: str, field: str, reason: str) -> None:
    set_person(firm, "petra", lines)
    result = wst("list")
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.startswith("wst: error: ") and f"people.toml:3: {field}: " in result.err and reason in result.err
    validated = wst("validate", "--format", "json")
    assert validated.code == 1 and any(p["message"].startswith(field) for p in validated.json["problems"])


def test_key_validity_periods_are_read_and_checked(firm: Path, wst, tmp_path: Path) -> None:
    _, pub = keygen(tmp_path, "k") if shutil.which("ssh-keygen") else (None, SK[0]["public_key"])
    append_person_keys(firm, "petra", [f'key = "{pub}"\nvalid_from = 2026-12-10T00:00:00Z\nvalid_until = 2026-12-01T00:00:00Z'])
    result = wst("list")
    assert result.code == 2 and "person[0].keys[0]: valid_until must be later than valid_from" in result.err


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["ssh-ed25519", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa", "x"]),
       st.binary(max_size=200), st.text(max_size=30))
def test_any_key_text_is_a_key_or_a_value_error(algorithm: str, blob: bytes, comment: str) -> None:
    import base64

    from westander_cli.keys import parse_public_key

    text = f"{algorithm} {base64.b64encode(blob).decode()} {comment}"
    try:
        key = parse_public_key(text)
    except ValueError as error:
        problem = str(error)
    else:
        problem = "not an SSH public key" if key.algorithm != algorithm else ""
    assert problem.startswith("not an SSH public key") or problem == ""


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=len(SK) - 1))
def test_any_signature_bytes_are_checked_without_crashing(noise: bytes, which: int) -> None:
    import base64

    holder = person(signing_key=SK[which]["public_key"])
    armored = "-----BEGIN SSH SIGNATURE-----\n" + base64.b64encode(b"SSHSIG\x00\x00\x00\x01" + noise).decode() + "\n-----END SSH SIGNATURE-----"
    assert signing.check_event_signature(holder, "a" * 64, armored, T0) is not None
    raw = base64.b64decode("".join(SK[which]["signature"].splitlines()[1:-1]))
    cut = raw[: len(noise) % max(len(raw), 1)]  # every truncation of a real signature
    assert signing.check_event_signature(holder, SK[which]["message"], base64.b64encode(cut).decode(), T0) is not None
