"""The commit-reveal draw protocol (``commit-reveal-v1``): the primitives every public random selection uses.

Inspection's 双随机 draw (services/inspection/domain/sampling.py) and risk's 案卷评查 sample
(services/risk/domain/review_sampling.py) choose from a pool nobody may steer: a secret nonce is committed
(``commitment``) before the pool is fixed and before the public value exists; the seed mixes the nonce, the
pool's hash and the public value (``mix_seed``); items are ranked by ``rank_key``. Only SHA-256 and byte
strings: anyone can recompute a draw in any language from the published record.
"""

from __future__ import annotations

import hashlib
import secrets

NONCE_BYTES = 32


def new_nonce() -> bytes:
    """The server's secret for one draw: 32 bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(NONCE_BYTES)


def commitment(nonce: bytes) -> str:
    """``hex(SHA-256(nonce))``: published before the pool is fixed; the nonce stays secret until the reveal."""
    return hashlib.sha256(nonce).hexdigest()


def digest(text: str) -> str:
    """``hex(SHA-256(UTF-8(text)))``: the hash of a pool snapshot."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def mix_seed(nonce: bytes, pool_digest: str, public_value: str) -> str:
    """``hex(SHA-256(nonce || pool_hash || UTF-8(public_value)))``, nonce and pool hash as raw bytes.

    The callers check their inputs first (a 32-byte nonce, a non-blank public value) with their own errors.
    """
    return hashlib.sha256(nonce + bytes.fromhex(pool_digest) + public_value.encode("utf-8")).hexdigest()


def rank_key(seed: str, label: str) -> str:
    """``hex(SHA-256(UTF-8(seed + "|" + label)))``: the lower-case hex compared as text is the rank."""
    return hashlib.sha256(f"{seed}|{label}".encode()).hexdigest()
