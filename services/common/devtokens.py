"""Development tokens signed with the repository's dev key (accepted only when ZHIFA_ENV is dev or test)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.auth import Role, load_private_key, mint_token
from services.common.settings import DEV_JWKS_FILE, DEV_JWT_PRIVATE_KEY, CommonSettings


def dev_signing_key() -> tuple[Ed25519PrivateKey, str]:
    kid = json.loads(DEV_JWKS_FILE.read_text())["keys"][0]["kid"]
    return load_private_key(DEV_JWT_PRIVATE_KEY), str(kid)


def mint_dev_token(role: Role, sub: str, ttl: int = 8 * 3600, **claims: Any) -> str:
    common = CommonSettings()
    key, kid = dev_signing_key()
    return mint_token(
        key,
        kid=kid,
        issuer=common.jwt_issuer,
        audience=common.jwt_audience,
        sub=sub,
        role=role,
        ttl_seconds=ttl,
        **claims,
    )
