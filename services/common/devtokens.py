"""Development tokens signed with the repository's dev key (accepted only when ZHIFA_ENV is dev or test).

They obey the same maximum lifetimes as real tokens (``ZHIFA_JWT_MAX_LIFETIME_<ROLE>_S``): a dev token the
services would refuse is refused here, when it is minted.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.auth import ROLES, Role, load_private_key, mint_token
from services.common.settings import DEV_JWKS_FILE, DEV_JWT_PRIVATE_KEY, CommonSettings

DEV_TOKEN_TTL = 8 * 3600


def dev_signing_key() -> tuple[Ed25519PrivateKey, str]:
    kid = json.loads(DEV_JWKS_FILE.read_text())["keys"][0]["kid"]
    return load_private_key(DEV_JWT_PRIVATE_KEY), str(kid)


def dev_token_lifetime(role: str, ttl: int | None = None, settings: CommonSettings | None = None) -> int:
    """The lifetime a dev token of ``role`` gets: ``ttl``, or 8 h capped at the role's maximum.

    ValueError when ``ttl`` is not within 1 s and the role's maximum, or the role is unknown.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    limit = (settings or CommonSettings()).jwt_max_lifetimes()[role]
    chosen = min(DEV_TOKEN_TTL, limit) if ttl is None else ttl
    if not 0 < chosen <= limit:
        raise ValueError(
            f"ttl {chosen} s is outside 1..{limit} s, the longest lifetime accepted for role {role} "
            f"(ZHIFA_JWT_MAX_LIFETIME_{role.upper()}_S)"
        )
    return chosen


def mint_dev_token(role: Role, sub: str, ttl: int | None = None, **claims: Any) -> str:
    common = CommonSettings()
    lifetime = dev_token_lifetime(role, ttl, common)
    key, kid = dev_signing_key()
    return mint_token(
        key,
        kid=kid,
        issuer=common.jwt_issuer,
        audience=common.jwt_audience,
        sub=sub,
        role=role,
        ttl_seconds=lifetime,
        **claims,
    )
