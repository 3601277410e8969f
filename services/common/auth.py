"""Tokens (SPEC §1.5): EdDSA (Ed25519) JWTs verified against a JWKS, roles, and the Principal.

Only ``EdDSA`` is accepted, so ``alg: none`` and HS256-signed-with-the-public-key tokens fail before any
key is used. Keys are chosen by ``kid``; an unknown ``kid`` reloads the key set at most once per cooldown,
so a flood of made-up kids cannot hammer the key source. Verified tokens are cached by their SHA-256 until
they expire (an Ed25519 verification costs ~0.1 ms of CPU; the cache makes repeat calls ~1 µs).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from services.common.errors import Forbidden, Unauthorized, Unavailable

log = logging.getLogger(__name__)

Role = Literal["officer", "enterprise", "supervisor", "integration", "admin"]
ROLES: tuple[Role, ...] = ("officer", "enterprise", "supervisor", "integration", "admin")
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "role"]
TIME_CLAIMS = ("exp", "iat", "nbf")
# The longest lifetime (exp - iat, seconds) accepted per role; settings ZHIFA_JWT_MAX_LIFETIME_<ROLE>_S.
# A bearer token cannot be revoked, so its lifetime is the window a stolen one stays useful: a working day
# for administrators, a shift (12 h) for people in the field and supervisors, a day for machine clients
# that fetch a fresh token on a schedule. The issuer may choose less; more is refused.
DEFAULT_MAX_LIFETIMES: dict[str, int] = {
    "officer": 12 * 3600,
    "enterprise": 12 * 3600,
    "supervisor": 12 * 3600,
    "integration": 24 * 3600,
    "admin": 8 * 3600,
}
ROLE_CLAIMS: dict[str, tuple[str, ...]] = {
    "officer": ("cert_no", "dept_code", "district_code"),
    "enterprise": ("uscc",),
    "supervisor": ("scope",),
    "integration": ("client",),
    "admin": (),
}


class TokenMissing(Unauthorized):
    code = "TOKEN_MISSING"
    title = "缺少访问令牌"
    title_en = "Missing bearer token"


class TokenInvalid(Unauthorized):
    code = "TOKEN_INVALID"
    title = "访问令牌无效"
    title_en = "Invalid token"


class TokenExpired(Unauthorized):
    code = "TOKEN_EXPIRED"
    title = "访问令牌已过期"
    title_en = "Token expired"


class RoleForbidden(Forbidden):
    code = "ROLE_FORBIDDEN"
    title = "当前角色无权访问"
    title_en = "Role not allowed"


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    role: Role
    name: str = ""
    cert_no: str | None = None
    dept_code: str | None = None
    district_code: str | None = None
    uscc: str | None = None
    scope: str | None = None  # supervisor: "city" or a district code
    client: str | None = None  # integration: 12345, court, reconsideration, creditchina
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def caller_key(self) -> str:
        """A stable identity for scoping idempotency keys and rate limits."""
        return f"{self.role}:{self.sub}"

    def sees_district(self, district_code: str | None) -> bool:
        """Supervisors with a district scope see only their district; city scope sees all."""
        if self.role == "admin":
            return True
        if self.role == "supervisor":
            return self.scope == "city" or self.scope == district_code
        return False


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    role = claims.get("role")
    if role not in ROLES:
        raise TokenInvalid(f"令牌中的角色 {role!r} 无效", detail_en=f"The token's role {role!r} is unknown")
    missing = [c for c in ROLE_CLAIMS[role] if not claims.get(c)]
    if missing:
        raise TokenInvalid(
            f"{role} 令牌缺少必需声明：{', '.join(missing)}",
            detail_en=f"A {role} token needs the claims {', '.join(missing)}",
        )
    return Principal(
        sub=str(claims["sub"]),
        role=role,
        name=str(claims.get("name", "")),
        cert_no=claims.get("cert_no"),
        dept_code=claims.get("dept_code"),
        district_code=claims.get("district_code"),
        uscc=claims.get("uscc"),
        scope=claims.get("scope"),
        client=claims.get("client"),
        claims=claims,
    )


def load_jwks(data: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in data.get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "kid" not in jwk:
            continue
        key = OKPAlgorithm.from_jwk(json.dumps(jwk))
        if isinstance(key, Ed25519PublicKey):
            keys[jwk["kid"]] = key
    return keys


class TokenVerifier:
    """Verifies bearer tokens; shared by the gateway and every service."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_file: Path | None = None,
        jwks_url: str | None = None,
        leeway: int = 30,
        refresh_cooldown: float = 30.0,
        cache_size: int = 50_000,
        max_lifetimes: Mapping[str, int] | None = None,
    ) -> None:
        if not jwks_file and not jwks_url:
            raise ValueError("a JWKS file or URL is required")
        self.issuer = issuer
        self.audience = audience
        self.jwks_file = jwks_file
        self.jwks_url = jwks_url
        self.leeway = leeway
        self.refresh_cooldown = refresh_cooldown
        self.max_lifetimes = {**DEFAULT_MAX_LIFETIMES, **(max_lifetimes or {})}
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._last_load = float("-inf")
        self._cache: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_settings(cls, settings: Any) -> TokenVerifier:
        """The verifier configured by a process's settings (``CommonSettings`` or a subclass)."""
        return cls(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            jwks_file=settings.jwks_file,
            jwks_url=settings.jwks_url,
            leeway=settings.jwt_leeway_s,
            refresh_cooldown=settings.jwks_refresh_cooldown_s,
            max_lifetimes=settings.jwt_max_lifetimes(),
        )

    async def _reload(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_load < self.refresh_cooldown:
            return
        self._last_load = now
        try:
            if self.jwks_url:
                self._keys = load_jwks(await _fetch_json(self.jwks_url))
            elif self.jwks_file:
                text = await asyncio.to_thread(Path(self.jwks_file).read_text)
                self._keys = load_jwks(json.loads(text))
        except (OSError, ValueError) as exc:
            # Keys already loaded keep working (a token with a new kid waits for the next reload); with
            # none, no token can be checked: the key source is a dependency that is down (503, retry).
            log.warning("could not load the token keys from %s: %s", self.jwks_url or self.jwks_file, exc)
            if not self._keys:
                raise Unavailable(
                    "令牌验证密钥暂时无法获取，请稍后重试",
                    code="JWKS_UNAVAILABLE",
                    title="身份认证服务暂不可用",
                    title_en="Authentication unavailable",
                    detail_en="the token-signing keys (JWKS) could not be loaded; retry later",
                ) from exc

    async def verify(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization: Bearer ...`` header value, or Unauthorized."""
        if not authorization:
            raise TokenMissing(
                "请求缺少 Authorization: Bearer 访问令牌",
                detail_en="The request has no Authorization: Bearer token",
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise TokenMissing(
                "Authorization 头格式应为 Bearer <令牌>",
                detail_en="The Authorization header must read Bearer <token>",
            )
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._cache.get(digest)
        now = time.time()
        if cached is not None:
            principal, exp = cached
            if now < exp + self.leeway:
                return principal
            self._cache.pop(digest, None)
        principal, exp = await self._verify_uncached(token)
        self._cache[digest] = (principal, exp)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return principal

    async def _verify_uncached(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenInvalid("访问令牌格式错误", detail_en="The token is malformed") from exc
        if header.get("alg") != "EdDSA":
            raise TokenInvalid(
                "访问令牌签名算法不被接受（仅接受 EdDSA）", detail_en="Only EdDSA-signed tokens are accepted"
            )
        kid = header.get("kid")
        if not self._keys:
            await self._reload(force=True)
        key = self._keys.get(kid) if kid else None
        if key is None:
            await self._reload()
            key = self._keys.get(kid) if kid else None
        if key is None:
            raise TokenInvalid("访问令牌的签名密钥未知", detail_en=f"The token's key id {kid!r} is unknown")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired(
                "访问令牌已过期，请重新登录", detail_en="The token has expired; sign in again"
            ) from exc
        except jwt.PyJWTError as exc:
            zh, en = _jwt_reason(exc)
            raise TokenInvalid(zh, detail_en=en) from exc
        principal = principal_from_claims(claims)
        self._check_lifetime(claims, principal.role)
        return principal, float(claims["exp"])

    def _check_lifetime(self, claims: Mapping[str, Any], role: str) -> None:
        """Integer times (RFC 7519 NumericDate; zhifa's issuers write whole seconds) and a bounded lifetime.

        PyJWT converts with ``int()``, so ``"exp": "9999999999"`` and ``"exp": 1e30`` used to pass.
        """
        for name in TIME_CLAIMS:
            if name in claims and type(claims[name]) is not int:
                raise TokenInvalid(
                    f"访问令牌的 {name} 声明应为整数秒（Unix 时间）",
                    detail_en=f"The {name} claim must be a whole number of seconds since the epoch",
                )
        lifetime = claims["exp"] - claims["iat"]
        limit = self.max_lifetimes[role]
        if lifetime <= 0:
            raise TokenInvalid(
                "访问令牌的过期时间（exp）不晚于签发时间（iat）",
                detail_en="The token's exp is not after its iat",
            )
        if lifetime > limit:
            raise TokenInvalid(
                f"访问令牌有效期 {lifetime} 秒，超过 {role} 角色的上限 {limit} 秒",
                detail_en=f"The token lives {lifetime} s, longer than the {role} maximum of {limit} s",
            )


def _jwt_reason(exc: jwt.PyJWTError) -> tuple[str, str]:
    """Stable Chinese and English words for PyJWT's refusals (its own messages are not for users)."""
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"访问令牌缺少必需声明 {exc.claim}", f"The token lacks the required claim {exc.claim}"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "访问令牌签名无效", "The token's signature does not verify"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "访问令牌不是签发给本平台的（aud 不符）", "The token was issued for another audience (aud)"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "访问令牌的签发方（iss）不受信任", "The token's issuer (iss) is not trusted"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return (
            "访问令牌尚未生效（nbf 或 iat 晚于当前时间）",
            "The token is not valid yet (nbf or iat is in the future)",
        )
    if isinstance(exc, jwt.DecodeError):
        return "访问令牌格式错误", "The token is malformed"
    return "访问令牌校验失败", "The token could not be verified"


ROLE_NAMES_ZH: dict[str, str] = {
    "officer": "执法人员",
    "enterprise": "企业",
    "supervisor": "监督人员",
    "integration": "对接系统",
    "admin": "管理员",
}


def require_role(principal: Principal, *roles: Role) -> Principal:
    if principal.role not in roles:
        allowed_zh = "、".join(f"{r}（{ROLE_NAMES_ZH[r]}）" for r in roles)
        raise RoleForbidden(
            f"角色 {principal.role}（{ROLE_NAMES_ZH[principal.role]}）无权执行此操作；允许的角色：{allowed_zh}",
            detail_en=f"Role {principal.role} may not do this; allowed: {', '.join(roles)}",
        )
    return principal


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def mint_token(
    private_key: Ed25519PrivateKey,
    *,
    kid: str,
    issuer: str,
    audience: str,
    sub: str,
    role: Role,
    ttl_seconds: int = 3600,
    now: float | None = None,
    **claims: Any,
) -> str:
    issued = int(now if now is not None else time.time())
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "role": role,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": str(uuid.uuid4()),
        **{k: v for k, v in claims.items() if v is not None},
    }
    return jwt.encode(payload, private_key, algorithm="EdDSA", headers={"kid": kid})


async def _fetch_json(url: str) -> Any:
    """GET ``url`` as JSON; transport and HTTP errors as OSError. httpx is imported here, not at start-up: its
    package pulls in its command line's rich and pygments (~6 MiB in every process, docs/benchmarks.md)."""
    import httpx

    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.json()
    except httpx.HTTPError as exc:
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
