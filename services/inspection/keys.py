"""The entry-code signing key (检查码 and 企业码) and the published key set, loaded once at start-up."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.common.auth import load_private_key
from services.inspection.domain import entry_code


@dataclass(frozen=True)
class SigningKeys:
    private_key: Ed25519PrivateKey
    kid: str
    public_keys: dict[str, Ed25519PublicKey]  # the signing key's and the retired ones still accepted
    jwks: dict[str, Any]


def derived_kid(public_key: Ed25519PublicKey) -> str:
    """``ec-`` + the first 16 hex digits of SHA-256 of the raw public key: stable across restarts."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "ec-" + hashlib.sha256(raw).hexdigest()[:16]


def load(key_file: Path, kid: str = "", previous_jwks_file: Path | None = None) -> SigningKeys:
    """The signing key from its PEM file plus the retired public keys of ``previous_jwks_file``."""
    private = load_private_key(Path(key_file))
    public = private.public_key()
    kid = kid or derived_kid(public)
    keys: dict[str, Ed25519PublicKey] = {}
    if previous_jwks_file is not None:
        keys.update(entry_code.public_keys_from_jwks(json.loads(Path(previous_jwks_file).read_text())))
    keys[kid] = public
    return SigningKeys(private, kid, keys, entry_code.public_jwks(keys))
