"""SSH signatures of records: made with `ssh-keygen -Y sign` (agents and hardware keys work),
checked in-process with `cryptography` (no subprocess per event).

What is signed is the event's hash, under the namespace `wst-record`: the hash already commits to
every byte of the event's content.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from westander_cli.errors import Failed

NAMESPACE = b"wst-record"


def sign(public_key: str, message: str) -> str:
    """Sign with the key in WST_SIGNING_KEY (a private key file), else the agent's key matching `public_key`."""
    key_file = os.environ.get("WST_SIGNING_KEY")
    with tempfile.TemporaryDirectory() as scratch:
        if not key_file:
            key_file = str(Path(scratch) / "key.pub")
            Path(key_file).write_text(public_key.strip() + "\n", encoding="utf-8")
        try:
            result = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", NAMESPACE.decode(), "-f", key_file],
                                    input=message.encode(), capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as error:
            raise Failed(f"cannot sign the record with ssh-keygen: {error}; nothing was written") from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise Failed(f"cannot sign the record ({detail[-1] if detail else 'ssh-keygen failed'}); "
                     "set WST_SIGNING_KEY to your private key or load it into ssh-agent; nothing was written")
    return result.stdout.decode().strip()


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def string(self) -> bytes:
        return self.take(int.from_bytes(self.take(4), "big"))


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def check(public_key: str, message: str, armored: str) -> str | None:
    """None if `armored` is a valid SSHSIG by `public_key` over `message`, else what is wrong."""
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    try:
        lines = [line for line in armored.strip().splitlines() if not line.startswith("-----")]
        reader = _Reader(base64.b64decode("".join(lines), validate=True))
        if reader.take(6) != b"SSHSIG" or int.from_bytes(reader.take(4), "big") != 1:
            return "not an SSH signature"
        signer, namespace, reserved, hash_name, signature = (reader.string() for _ in range(5))
        expected_blob = base64.b64decode(public_key.split()[1])
        key = load_ssh_public_key(public_key.strip().encode())
    except (ValueError, IndexError, UnsupportedAlgorithm):
        return "not a readable SSH signature"
    if signer != expected_blob:
        return "made with another key than the author's signing_key"
    if namespace != NAMESPACE:
        return f"made for namespace '{namespace.decode(errors='replace')}', not 'wst-record'"
    if hash_name not in (b"sha256", b"sha512"):
        return "unknown hash algorithm"
    digest = hashlib.new(hash_name.decode(), message.encode()).digest()
    signed = b"SSHSIG" + _string(namespace) + _string(reserved) + _string(hash_name) + _string(digest)
    try:
        parts = _Reader(signature)
        form, raw = parts.string(), parts.string()
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(raw, signed)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, signed, padding.PKCS1v15(), hashes.SHA512() if form == b"rsa-sha2-512" else hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            numbers = _Reader(raw)
            r, s = (int.from_bytes(numbers.string(), "big") for _ in range(2))
            curve_hash = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}[key.curve.key_size]
            key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(curve_hash))
        else:
            return "unsupported key type"
    except InvalidSignature:
        return "does not match the record (replayed from another event, or the record was changed)"
    except (ValueError, KeyError):
        return "not a readable SSH signature"
    return None
