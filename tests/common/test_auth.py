"""Token verification (SPEC §1.5): every forged or unfit token is a 401 problem; a wrong role is 403."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.auth import TokenExpired, TokenVerifier, mint_token
from services.common.devtokens import dev_signing_key as _dev_signing
from services.common.devtokens import mint_dev_token
from services.common.errors import Unauthorized
from services.common.settings import DEV_JWKS_FILE, CommonSettings
from tests.support.stack import Running, Stack, client, running_service, token

settings = CommonSettings()


def verifier(**kw: object) -> TokenVerifier:
    return TokenVerifier(
        issuer=settings.jwt_issuer, audience=settings.jwt_audience, jwks_file=DEV_JWKS_FILE, **kw
    )  # type: ignore[arg-type]


def forge(role: str = "admin", **overrides: object) -> str:
    key, kid = _dev_signing()
    now = time.time()
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": "x",
        "role": role,
        "iat": int(now),
        "exp": int(now) + 600,
    }
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bad_tokens() -> dict[str, str]:
    key, kid = _dev_signing()
    now = time.time()
    other = Ed25519PrivateKey.generate()
    public_jwk = json.loads(DEV_JWKS_FILE.read_text())["keys"][0]
    header_none = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    body = b64(
        json.dumps(
            {
                "iss": settings.jwt_issuer,
                "aud": settings.jwt_audience,
                "sub": "x",
                "role": "admin",
                "iat": int(now),
                "exp": int(now) + 600,
            }
        ).encode()
    )
    # HS256 "signed" with the public key as the HMAC secret: the classic algorithm-confusion forgery.
    hs_token = jwt.encode(
        json.loads(base64.urlsafe_b64decode(body + "==")),
        public_jwk["x"],
        algorithm="HS256",
        headers={"kid": kid},
    )
    return {
        "expired": forge(iat=int(now) - 7200, exp=int(now) - 3600),
        "wrong audience": forge(aud="someone-else"),
        "wrong issuer": forge(iss="https://evil.example"),
        "wrong key": mint_token(
            other, kid=kid, issuer=settings.jwt_issuer, audience=settings.jwt_audience, sub="x", role="admin"
        ),
        "unknown kid": mint_token(
            key, kid="nope", issuer=settings.jwt_issuer, audience=settings.jwt_audience, sub="x", role="admin"
        ),
        "alg none": f"{header_none}.{body}.",
        "HS256 with the public key": hs_token,
        "missing role claims": forge(role="officer"),  # officer without cert_no/dept_code/district_code
        "unknown role": forge(role="root"),
        "not yet valid": forge(nbf=int(now) + 3600),
        "garbage": "not.a.token",
        # Validly signed, but the times are not integers or the lifetime is unbounded (issue #11 item 7).
        "exp as a numeric string": forge(exp=str(int(now) + 600)),
        "exp 1e30": forge(exp=1e30),
        "exp as a float": forge(exp=now + 600.5),
        "exp true": forge(exp=True),
        "iat as a string": forge(iat=str(int(now))),
        "nbf as a string": forge(nbf=str(int(now))),
        "iat in the future": forge(iat=int(now) + 3600, exp=int(now) + 3600 + 600),
        "exp before iat": forge(iat=int(now), exp=int(now) - 1),  # within the 30 s leeway, so not expired
        # admin: at most 8 h = 28,800 s; this one lives 28,801 s
        "admin beyond 8 h": forge(iat=int(now), exp=int(now) + 8 * 3600 + 1),
        # enterprise: at most 12 h = 43,200 s
        "enterprise beyond 12 h": forge(
            "enterprise", uscc="91210102MA0P5QXX4Q", iat=int(now), exp=int(now) + 12 * 3600 + 1
        ),
        # integration: at most 24 h = 86,400 s
        "integration beyond 24 h": forge(
            "integration", client="12345", iat=int(now), exp=int(now) + 24 * 3600 + 1
        ),
    }


class TestVerifier:
    async def test_valid_token(self) -> None:
        p = await verifier().verify(f"Bearer {token('officer')}")
        assert p.role == "officer" and p.cert_no == "辽A-0100001"

    @pytest.mark.parametrize("name", list(bad_tokens()))
    async def test_bad_tokens_rejected(self, name: str) -> None:
        from services.common.errors import Unauthorized

        with pytest.raises(Unauthorized):
            await verifier().verify(f"Bearer {bad_tokens()[name]}")

    @pytest.mark.parametrize(
        ("role", "claims", "hours"),
        [
            ("admin", {}, 8),
            ("officer", {"cert_no": "辽A-0100001", "dept_code": "SJ", "district_code": "210102"}, 12),
            ("enterprise", {"uscc": "91210102MA0P5QXX4Q"}, 12),
            ("supervisor", {"scope": "city"}, 12),
            ("integration", {"client": "12345"}, 24),
        ],
    )
    async def test_a_token_at_its_roles_maximum_lifetime_is_accepted(
        self, role: str, claims: dict[str, str], hours: int
    ) -> None:
        now = int(time.time())
        p = await verifier().verify(f"Bearer {forge(role, iat=now, exp=now + hours * 3600, **claims)}")
        assert p.role == role

    async def test_the_maximum_lifetime_is_configurable(self) -> None:
        now = int(time.time())
        two_hours = forge(iat=now, exp=now + 7200)
        await verifier().verify(f"Bearer {two_hours}")
        strict = verifier(max_lifetimes={"admin": 3600})
        with pytest.raises(Unauthorized) as refused:
            await strict.verify(f"Bearer {two_hours}")
        assert "7200" in refused.value.detail and "3600" in refused.value.detail
        assert "7200" in str(refused.value.detail_en)

    async def test_dev_tokens_respect_the_limits(self) -> None:
        assert (await verifier().verify(f"Bearer {mint_dev_token('admin', 'dev')}")).role == "admin"
        with pytest.raises(ValueError, match="28800"):
            mint_dev_token("admin", "dev", 8 * 3600 + 1)
        with pytest.raises(ValueError):
            mint_dev_token("admin", "dev", 0)

    def test_zhifa_token_refuses_a_lifetime_beyond_the_maximum(self) -> None:
        from typer.testing import CliRunner

        from zhifa.cli import app

        runner = CliRunner()
        ok = runner.invoke(app, ["token", "--role", "integration", "--sub", "i", "--client", "12345"])
        assert ok.exit_code == 0 and ok.output.count(".") == 2
        long = runner.invoke(app, ["token", "--role", "admin", "--sub", "a", "--ttl", str(9 * 3600)])
        assert long.exit_code != 0 and "28800" in long.output

    async def test_unknown_kids_do_not_hammer_the_key_source(self) -> None:
        v = verifier(refresh_cooldown=60)
        await v.verify(f"Bearer {token('admin')}")
        loads = v._last_load
        key, _ = _dev_signing()
        for i in range(50):
            forged = mint_token(
                key,
                kid=f"made-up-{i}",
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                sub="x",
                role="admin",
            )
            with pytest.raises(Unauthorized):
                await v.verify(f"Bearer {forged}")
        assert v._last_load == loads  # no reload within the cooldown

    async def test_cached_token_still_expires(self) -> None:
        v = verifier(leeway=0)
        short = forge(exp=int(time.time()) + 1)
        await v.verify(f"Bearer {short}")
        await asyncio.sleep(1.2)
        with pytest.raises(TokenExpired):
            await v.verify(f"Bearer {short}")


@pytest.fixture(scope="module")
async def service(stack: Stack) -> AsyncIterator[Running]:
    db = await stack.anew_database("inspection")
    async with running_service("inspection", database_url=db, nats_url="nats://127.0.0.1:1") as svc:
        yield svc


class TestThroughAService:
    @pytest.mark.parametrize("name", list(bad_tokens()))
    async def test_401_problem(self, service: Running, name: str) -> None:
        async with client(service.url) as http:
            r = await http.get(
                "/api/v1/inspection/diagnostics/pings",
                headers={"Authorization": f"Bearer {bad_tokens()[name]}"},
            )
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] in {"TOKEN_INVALID", "TOKEN_EXPIRED"}

    async def test_missing_token(self, service: Running) -> None:
        async with client(service.url) as http:
            r = await http.get("/api/v1/inspection/diagnostics/pings")
        assert r.status_code == 401 and r.json()["code"] == "TOKEN_MISSING"

    async def test_wrong_role_is_403(self, service: Running) -> None:
        async with client(service.url) as http:
            r = await http.get(
                "/api/v1/inspection/diagnostics/pings",
                headers={"Authorization": f"Bearer {token('enterprise')}"},
            )
        assert r.status_code == 403 and r.json()["code"] == "ROLE_FORBIDDEN"
        assert "enterprise" in r.json()["detail"]


class TestKeySourceDown:
    """The JWKS URL is a dependency: unreachable with no keys loaded yet is 503, not 500 or 401."""

    async def test_verifier_says_unavailable(self) -> None:
        from services.common.errors import Unavailable

        v = TokenVerifier(
            issuer=settings.jwt_issuer, audience=settings.jwt_audience, jwks_url="http://127.0.0.1:1/jwks"
        )
        with pytest.raises(Unavailable) as down:
            await v.verify(f"Bearer {token('admin')}")
        assert down.value.code == "JWKS_UNAVAILABLE" and down.value.status == 503

    async def test_a_service_answers_503_with_retry_after(self, stack: Stack) -> None:
        db = await stack.anew_database("inspection")
        async with (
            running_service(
                "inspection",
                database_url=db,
                nats_url="nats://127.0.0.1:1",
                jwks_url="http://127.0.0.1:1/jwks",
            ) as svc,
            client(svc.url) as http,
        ):
            r = await http.get(
                "/api/v1/inspection/diagnostics/pings", headers={"Authorization": f"Bearer {token('admin')}"}
            )
        assert r.status_code == 503 and r.json()["code"] == "JWKS_UNAVAILABLE"
        assert int(r.headers["retry-after"]) >= 1 and r.json()["request_id"] == r.headers["x-request-id"]
