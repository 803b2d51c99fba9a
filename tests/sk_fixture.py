"""Makes SSH signatures in the exact format of FIDO hardware keys, with software keys.

No hardware key is at hand in CI, so this builds what one would produce (OpenSSH PROTOCOL.u2f and
PROTOCOL.sshsig): an `sk-ssh-ed25519@openssh.com` or `sk-ecdsa-sha2-nistp256@openssh.com` public
key and an armored signature whose signed data is sha256(application) || flags || counter ||
sha256(SSHSIG blob). `ssh-keygen -Y verify` accepts the output (tested). Run once to write the
committed fixture:  python tests/sk_fixture.py > tests/fixtures/sk-signatures.toml
"""

from __future__ import annotations

import base64
import hashlib
import sys
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SK_ED25519 = b"sk-ssh-ed25519@openssh.com"
SK_ECDSA = b"sk-ecdsa-sha2-nistp256@openssh.com"
APPLICATION = b"ssh:"


def string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    return string(raw)


@dataclass(frozen=True)
class SkSignature:
    algorithm: str
    public_key: str
    message: str
    namespace: str
    signature: str


def make(algorithm: bytes, message: str, namespace: str = "wst-record", flags: int = 0x01, counter: int = 7) -> SkSignature:
    """A new software key of the FIDO type `algorithm` and its signature over `message`."""
    reserved, hash_name = b"", b"sha512"
    signed = (b"SSHSIG" + string(namespace.encode()) + string(reserved) + string(hash_name)
              + string(hashlib.sha512(message.encode()).digest()))
    tail = bytes([flags]) + counter.to_bytes(4, "big")
    to_sign = hashlib.sha256(APPLICATION).digest() + tail + hashlib.sha256(signed).digest()
    if algorithm == SK_ED25519:
        private = ed25519.Ed25519PrivateKey.generate()
        raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        blob = string(algorithm) + string(raw_public) + string(APPLICATION)
        inner = private.sign(to_sign)
    else:
        ec_private = ec.generate_private_key(ec.SECP256R1())
        point = ec_private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        blob = string(algorithm) + string(b"nistp256") + string(point) + string(APPLICATION)
        r, s = decode_dss_signature(ec_private.sign(to_sign, ec.ECDSA(hashes.SHA256())))
        inner = mpint(r) + mpint(s)
    signature_blob = string(algorithm) + string(inner) + tail
    sshsig = (b"SSHSIG" + (1).to_bytes(4, "big") + string(blob) + string(namespace.encode()) + string(reserved)
              + string(hash_name) + string(signature_blob))
    encoded = base64.b64encode(sshsig).decode()
    armored = "\n".join(["-----BEGIN SSH SIGNATURE-----", *(encoded[i : i + 70] for i in range(0, len(encoded), 70)), "-----END SSH SIGNATURE-----"])
    public_key = f"{algorithm.decode()} {base64.b64encode(blob).decode()} fixture@hardware-key"
    return SkSignature(algorithm.decode(), public_key, message, namespace, armored)


def main() -> None:
    import tomli_w

    message = hashlib.sha256(b"a wst record").hexdigest()
    entries = [make(SK_ED25519, message), make(SK_ECDSA, message)]
    sys.stdout.write("# FIDO (sk-) SSH signatures made by tests/sk_fixture.py; `ssh-keygen -Y verify` accepts them.\n")
    sys.stdout.write(tomli_w.dumps({"signature": [e.__dict__ for e in entries]}, multiline_strings=True))


if __name__ == "__main__":
    main()
