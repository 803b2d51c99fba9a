"""SSH public keys as people.toml holds them, and checking a raw SSH signature with one.

Read by hand from the OpenSSH wire format (RFC 4253 strings, PROTOCOL.u2f for hardware keys), so
that a malformed key is refused with a reason when people.toml is loaded, and so that FIDO keys
(`sk-ssh-ed25519@openssh.com`, `sk-ecdsa-sha2-nistp256@openssh.com`), which `cryptography` does
not load, verify like any other key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from westander_cli.i18n import _

ED25519 = "ssh-ed25519"
RSA = "ssh-rsa"
ECDSA = {"ecdsa-sha2-nistp256": "nistp256", "ecdsa-sha2-nistp384": "nistp384", "ecdsa-sha2-nistp521": "nistp521"}
SK_ED25519 = "sk-ssh-ed25519@openssh.com"
SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com"
ALGORITHMS = (ED25519, RSA, *ECDSA, SK_ED25519, SK_ECDSA)


class Reader:
    """RFC 4253 `string`s and integers from a byte buffer; running past the end is a ValueError."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.at + size > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.uint32())

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    def done(self) -> bool:
        return self.at == len(self.data)


def ssh_string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


@dataclass(frozen=True)
class PublicKey:
    """One SSH public key: its algorithm, its wire-format blob (what signatures name) and comment."""

    algorithm: str
    blob: bytes
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` prints it: SHA256:<base64 without padding>."""
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")

    @property
    def text(self) -> str:
        """`algorithm base64`, without the comment: the form compared and written to the roster."""
        return f"{self.algorithm} {base64.b64encode(self.blob).decode()}"


def parse_public_key(text: str) -> PublicKey:
    """The key in `algorithm base64 [comment]`; a ValueError says why a text is not one."""
    parts = text.strip().split(maxsplit=2)
    if len(parts) < 2:
        raise ValueError(_("not an SSH public key: expected 'ssh-ed25519 AAAA...' (the line of a .pub file)"))
    algorithm, encoded = parts[0], parts[1]
    if algorithm not in ALGORITHMS:
        raise ValueError(_("not an SSH public key: unknown key type '{value}' (expected one of {value2})").format(value=algorithm[:40], value2=', '.join(ALGORITHMS)))
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(_("not an SSH public key: the {algorithm} key is not valid base64").format(algorithm=algorithm)) from None
    try:
        _check_blob(algorithm, blob)
    except ValueError as error:
        raise ValueError(_("not an SSH public key: the {algorithm} key is malformed ({error})").format(algorithm=algorithm, error=error)) from None
    return PublicKey(algorithm, blob, parts[2].strip() if len(parts) > 2 else "")


def _check_blob(algorithm: str, blob: bytes) -> None:
    reader = Reader(blob)
    if reader.string() != algorithm.encode():
        raise ValueError(_("its content names another key type"))
    if algorithm in (ED25519, SK_ED25519):
        if len(reader.string()) != 32:
            raise ValueError(_("an Ed25519 key has 32 bytes"))
    elif algorithm == RSA:
        exponent, modulus = reader.mpint(), reader.mpint()
        if exponent < 3 or modulus.bit_length() < 1024:
            raise ValueError(_("RSA keys must have at least 1024 bits"))
    else:
        curve = ECDSA.get(algorithm, "nistp256")
        if reader.string() != curve.encode():
            raise ValueError(_("the curve is not {curve}").format(curve=curve))
        _ecdsa_key(curve, reader.string())
    if algorithm in (SK_ED25519, SK_ECDSA) and not reader.string().startswith(b"ssh:"):
        raise ValueError(_("a FIDO key's application must start with 'ssh:'"))
    if not reader.done():
        raise ValueError("trailing bytes")


def _ecdsa_key(curve: str, point: bytes) -> object:
    from cryptography.hazmat.primitives.asymmetric import ec

    curves: dict[str, ec.EllipticCurve] = {"nistp256": ec.SECP256R1(), "nistp384": ec.SECP384R1(), "nistp521": ec.SECP521R1()}
    return ec.EllipticCurvePublicKey.from_encoded_point(curves[curve], point)


def verify(key: PublicKey, data: bytes, signature: bytes) -> str | None:
    """None if `signature` (an SSH signature blob) is `key`'s signature over `data`, else what is wrong."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        parts = Reader(signature)
        form, raw = parts.string().decode(errors="replace"), parts.string()
        fields = Reader(key.blob)
        fields.string()
        if key.algorithm in (SK_ED25519, SK_ECDSA):
            flags, counter = parts.take(1), parts.take(4)  # like `ssh-keygen -Y verify`, touch is not demanded
        if not parts.done():
            return _("not a readable SSH signature")
        if key.algorithm in (ED25519, SK_ED25519):
            public = ed25519.Ed25519PublicKey.from_public_bytes(fields.string())
            if form != key.algorithm:
                return _("a {form} signature for a {algorithm} key").format(form=form, algorithm=key.algorithm)
            if key.algorithm == SK_ED25519:
                data = hashlib.sha256(fields.string()).digest() + flags + counter + hashlib.sha256(data).digest()
            public.verify(raw, data)
        elif key.algorithm == RSA:
            exponent, modulus = fields.mpint(), fields.mpint()
            chosen = {"rsa-sha2-512": hashes.SHA512(), "rsa-sha2-256": hashes.SHA256()}.get(form)
            if chosen is None:
                return _("RSA signature of type '{form}' (SHA-1) is not accepted").format(form=form)
            rsa.RSAPublicNumbers(exponent, modulus).public_key().verify(raw, data, padding.PKCS1v15(), chosen)
        else:
            curve = fields.string().decode()
            point = _ecdsa_key(curve, fields.string())
            assert isinstance(point, ec.EllipticCurvePublicKey)
            if form != key.algorithm:
                return _("a {form} signature for a {algorithm} key").format(form=form, algorithm=key.algorithm)
            if key.algorithm == SK_ECDSA:
                data = hashlib.sha256(fields.string()).digest() + flags + counter + hashlib.sha256(data).digest()
            numbers = Reader(raw)
            r, s = numbers.mpint(), numbers.mpint()
            curve_hash = {"nistp256": hashes.SHA256(), "nistp384": hashes.SHA384(), "nistp521": hashes.SHA512()}[curve]
            point.verify(encode_dss_signature(r, s), data, ec.ECDSA(curve_hash))
    except InvalidSignature:
        return _("does not match the record (replayed from another record, or the record was changed)")
    except (ValueError, KeyError, UnicodeDecodeError):
        return _("not a readable SSH signature")
    return None
