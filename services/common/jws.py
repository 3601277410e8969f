"""Compact EdDSA JWTs (RFC 7515 JWS, RFC 7519 JWT, RFC 8037 Ed25519) with ``cryptography``'s Ed25519 alone.

The platform signs and accepts one algorithm, ``EdDSA`` with Ed25519 keys (SPEC §1.5). PyJWT did this with
its general machinery, which imports every algorithm it supports (RSA, EC, Ed448, HMAC), ``cryptography.x509``,
the SSH key formats and ``urllib.request`` for its JWKS client: ~3.4 MiB in every process
(docs/benchmarks.md, "Idle memory per process"). This module parses, signs and verifies the compact form
exactly as PyJWT 2.x did for EdDSA (its strict base64url: no junk, at most two ``=``, canonical; a JSON
object header and payload; ``kid`` a string; an unknown ``crit`` extension refused); the claim checks
(exp, nbf, iat with leeway, iss, aud, sub, jti, the required claims) are in services/common/auth.py.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class Malformed(ValueError):
    """Not a compact JWS with a JSON-object header and payload (PyJWT's ``DecodeError``)."""


class Unacceptable(ValueError):
    """A well-formed header this platform does not accept: another algorithm, a ``kid`` that is not a
    string, a critical extension (PyJWT's ``InvalidTokenError``/``InvalidAlgorithmError``)."""


class BadSignature(ValueError):
    """The signature does not verify with the key (PyJWT's ``InvalidSignatureError``)."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: bytes | str, name: str = "segment") -> bytes:
    """Strict base64url (RFC 7515 §2): the URL-safe alphabet only, no padding or at most two ``=`` that
    complete a multiple of four, and the canonical encoding (no stray bits), as PyJWT checks it."""
    raw = segment.encode("ascii", "replace") if isinstance(segment, str) else segment
    stripped = raw.rstrip(b"=")
    padding = len(raw) - len(stripped)
    if padding > 2 or (padding and len(raw) % 4) or len(stripped) % 4 == 1:
        raise Malformed(f"invalid {name} padding")
    if not _ALPHABET.issuperset(stripped):
        raise Malformed(f"invalid {name} characters")
    try:
        decoded = base64.urlsafe_b64decode(stripped + b"=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as exc:
        raise Malformed(f"invalid {name} encoding") from exc
    if b64url_encode(decoded).encode("ascii") != stripped:
        raise Malformed(f"invalid {name} encoding (not canonical)")
    return decoded


def _json_object(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"the {name} is not JSON") from exc
    if not isinstance(value, dict):
        raise Malformed(f"the {name} is not a JSON object")
    return value


def _split(token: str) -> tuple[bytes, bytes, bytes, bytes]:
    """(header segment, payload segment, signing input, signature segment) of a compact JWS."""
    raw = token.encode("utf-8")
    signing_input, dot, signature = raw.rpartition(b".")
    header, dot2, payload = signing_input.partition(b".")
    if not dot or not dot2:
        raise Malformed("not enough segments")
    return header, payload, signing_input, signature


def header(token: str) -> dict[str, Any]:
    """The token's protected header, unverified: a JSON object whose ``kid`` (if any) is a string and
    which marks no extension critical (RFC 7515 §4.1.11: an extension not understood must be refused;
    this platform understands none)."""
    head = _json_object(b64url_decode(_split(token)[0], "header"), "header")
    if "kid" in head and not isinstance(head["kid"], str):
        raise Unacceptable("the kid header is not a string")
    if "crit" in head or head.get("b64", True) is not True:
        raise Unacceptable("the token marks an extension critical or detaches its payload")
    return head


def verify(token: str, key: Ed25519PublicKey) -> dict[str, Any]:
    """The payload of an EdDSA-signed token once its signature verifies with ``key``; the claims are not
    checked here (services/common/auth.py)."""
    head = header(token)
    if head.get("alg") != ALGORITHM:  # pinned: "none" and HS256-with-the-public-key never reach a key
        raise Unacceptable(f"the algorithm {head.get('alg')!r} is not {ALGORITHM}")
    _, payload, signing_input, signature = _split(token)
    claims = b64url_decode(payload, "payload")
    try:
        key.verify(b64url_decode(signature, "signature"), signing_input)
    except InvalidSignature as exc:
        raise BadSignature("the signature does not verify") from exc
    return _json_object(claims, "payload")


def sign(payload: dict[str, Any], key: Ed25519PrivateKey, *, kid: str) -> str:
    """A compact EdDSA JWS of ``payload`` (a JSON object) with ``kid`` in its header."""
    head = {"alg": ALGORITHM, "typ": "JWT", "kid": kid}
    segments = [
        b64url_encode(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (head, payload)
    ]
    signing_input = ".".join(segments).encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url_encode(key.sign(signing_input))}"


#: The DER of an Ed25519 private key in PKCS#8 (RFC 8410 §7) up to its 32-byte seed: SEQUENCE { INTEGER 0,
#: SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }.
_PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")


def ed25519_pkcs8(pem: bytes) -> Ed25519PrivateKey | None:
    """The key of an unencrypted PEM ``PRIVATE KEY`` holding an Ed25519 key in the plain PKCS#8 layout, or
    None for any other content. ``cryptography``'s serialization package would read it too, but it imports
    every key format it supports (SSH, PKCS#12, X.509: ~1.3 MiB) into each process that reads a key."""
    lines = pem.strip().splitlines()
    if (
        len(lines) < 3
        or lines[0] != b"-----BEGIN PRIVATE KEY-----"
        or lines[-1] != b"-----END PRIVATE KEY-----"
    ):
        return None
    try:
        der = base64.b64decode(b"".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(der) != len(_PKCS8_ED25519) + 32 or not der.startswith(_PKCS8_ED25519):
        return None
    return Ed25519PrivateKey.from_private_bytes(der[len(_PKCS8_ED25519) :])


def public_key(jwk: dict[str, Any]) -> Ed25519PublicKey | None:
    """The Ed25519 public key of an OKP JWK (RFC 8037 §2), or None for another kind of key or a bad ``x``."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        return None
    if "d" in jwk:  # a private key has no place in a key set that is published (PyJWT skipped it too)
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"], "x"))
    except ValueError:  # Malformed, or not 32 bytes
        return None
