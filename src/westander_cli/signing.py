"""SSH signatures of records: made with `ssh-keygen -Y sign` (agents and hardware keys work),
checked in-process (no subprocess per event), hardware (FIDO) keys included.

What is signed is the record's hash, under a namespace (`wst-record` for events, `wst-roster` for
roster approvals): the hash already commits to every byte of the record's content. A person may
hold several keys, each valid for a period, so a key can be rotated or revoked without making the
records it signed earlier unverifiable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from westander_cli.clock import iso, utc_text
from westander_cli.errors import Failed, NotPermitted
from westander_cli.i18n import _
from westander_cli.keys import PublicKey, Reader, parse_public_key, ssh_string, verify

if TYPE_CHECKING:
    from westander_cli.model import Person

NAMESPACE = b"wst-record"
ROSTER_NAMESPACE = b"wst-roster"


def sign(public_key: str, message: str, namespace: bytes = NAMESPACE) -> str:
    """Sign with the key in WST_SIGNING_KEY (a private key file), else the agent's key matching `public_key`."""
    key_file = os.environ.get("WST_SIGNING_KEY")
    with tempfile.TemporaryDirectory() as scratch:
        if not key_file:
            key_file = str(Path(scratch) / "key.pub")
            Path(key_file).write_text(public_key.strip() + "\n", encoding="utf-8")
        try:
            result = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", namespace.decode(), "-f", key_file],
                                    input=message.encode(), capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.SubprocessError) as error:
            raise Failed(_("cannot sign the record with ssh-keygen: {error}; nothing was written").format(error=error)) from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise Failed(_("cannot sign the record ({value}); set WST_SIGNING_KEY to your private key or load it into ssh-agent; nothing was written").format(value=detail[-1] if detail else _('ssh-keygen failed')))
    return result.stdout.decode().strip()


def sign_as(person: Person, event_hash: str, at: datetime, namespace: bytes = NAMESPACE) -> str:
    """Sign as `person` (WST_SIGNING_KEY or ssh-agent) and make sure the signature is theirs.

    A key that is not one of the person's keys valid at `at` is refused (exit 4) before anything is
    written: a record signed with someone else's key would be rejected by `verify` forever.
    """
    valid = person.keys_valid_at(at)
    if not valid:
        raise NotPermitted(_("{id} has no signing key valid at {iso} in people.toml (signing_key, or [[person.keys]] with valid_from/valid_until); nothing was written").format(id=person.id, iso=utc_text(at)))
    failure: Failed | None = None
    for public_key in valid if not os.environ.get("WST_SIGNING_KEY") else valid[:1]:
        try:
            signature = sign(public_key, event_hash, namespace)
        except Failed as error:  # the agent may hold only one of several valid keys
            failure = error
            continue
        problem = check_signed_by(person, event_hash, signature, at, namespace)
        if problem:
            source = "WST_SIGNING_KEY" if os.environ.get("WST_SIGNING_KEY") else "the ssh-agent key"
            raise NotPermitted(_("{source} is not a key of {id} valid at {iso}: {problem}; nothing was written").format(source=source, id=person.id, iso=utc_text(at), problem=problem))
        return signature
    assert failure is not None
    raise failure


def check_event_signature(person: Person, event_hash: str, signature: str, at: datetime) -> str | None:
    """None if `signature` is valid over the event's hash with one of `person`'s keys valid at `at`."""
    return check_signed_by(person, event_hash, signature, at, NAMESPACE)


def check_signed_by(person: Person, message: str, signature: str, at: datetime, namespace: bytes) -> str | None:
    """None if `signature` over `message` was made with one of `person`'s keys valid at `at`, else what is wrong."""
    keys = person.all_keys()
    if not keys:
        return _("{id} has no signing key in people.toml to check it with").format(id=person.id)
    try:
        parsed = parse_sshsig(signature)
    except ValueError as error:
        return str(error)
    matching = [k for k in keys if parse_public_key(k.key).blob == parsed.signer]
    if not matching:
        return _("made with another key than {id}'s ({fingerprint})").format(id=person.id, fingerprint=_fingerprint(parsed.signer))
    if not any(k.valid_at(at) for k in matching):
        windows = ", ".join(_("from {value} until {value2}").format(value=iso(k.valid_from) or 'always', value2=iso(k.valid_until) or 'now') for k in matching)
        return _("made with {id}'s key {fingerprint}, which was not valid at {iso} (valid {windows})").format(id=person.id, fingerprint=_fingerprint(parsed.signer), iso=utc_text(at), windows=windows)
    return parsed.check(parse_public_key(matching[0].key), message, namespace)


def check(public_key: str, message: str, armored: str, namespace: bytes = NAMESPACE) -> str | None:
    """None if `armored` is a valid SSHSIG by `public_key` over `message`, else what is wrong."""
    try:
        parsed = parse_sshsig(armored)
        key = parse_public_key(public_key)
    except ValueError as error:
        return str(error)
    if parsed.signer != key.blob:
        return _("made with another key than the author's signing_key")
    return parsed.check(key, message, namespace)


@dataclass(frozen=True)
class Sshsig:
    """An armored SSH signature (OpenSSH PROTOCOL.sshsig), taken apart."""

    signer: bytes
    namespace: bytes
    reserved: bytes
    hash_name: bytes
    signature: bytes

    def signed_data(self, message: str) -> bytes:
        digest = hashlib.new(self.hash_name.decode(), message.encode()).digest()
        return b"SSHSIG" + ssh_string(self.namespace) + ssh_string(self.reserved) + ssh_string(self.hash_name) + ssh_string(digest)

    def check(self, key: PublicKey, message: str, namespace: bytes) -> str | None:
        if self.namespace != namespace:
            return _("made for namespace '{value}', not '{value2}'").format(value=self.namespace.decode(errors='replace'), value2=namespace.decode())
        if self.hash_name not in (b"sha256", b"sha512"):
            return _("unknown hash algorithm")
        return verify(key, self.signed_data(message), self.signature)


def parse_sshsig(armored: str) -> Sshsig:
    lines = [line for line in armored.strip().splitlines() if not line.startswith("-----")]
    try:
        reader = Reader(base64.b64decode("".join(lines), validate=True))
        if reader.take(6) != b"SSHSIG" or reader.uint32() != 1:
            raise ValueError(_("not an SSH signature"))
        signer, namespace, reserved, hash_name, signature = (reader.string() for _ in range(5))
    except (binascii.Error, ValueError) as error:
        raise ValueError(_("not an SSH signature") if str(error) == _("not an SSH signature") else _("not a readable SSH signature")) from None
    return Sshsig(signer, namespace, reserved, hash_name, signature)


def _fingerprint(blob: bytes) -> str:
    return PublicKey("", blob).fingerprint


