"""The gateway: forwards unchanged, verifies tokens first, gates roles, limits rates and bodies, and answers
cleanly when an upstream is down or slow."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import jwt
import pytest

from services.common.devtokens import dev_signing_key
from services.common.embedded import free_port
from services.common.registry import SERVICES
from services.common.settings import CommonSettings
from tests.support.stack import (
    Running,
    Stack,
    auth,
    client,
    running_gateway,
    running_service,
    serve_asgi,
    wait_for,
)


async def slow_app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await asyncio.sleep(4)
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b"{}"})


@pytest.fixture(scope="module")
async def upstream(stack: Stack) -> AsyncIterator[Running]:
    db = await stack.anew_database("inspection")
    async with running_service("inspection", database_url=db, nats_url="nats://127.0.0.1:1") as svc:
        yield svc


@pytest.fixture(scope="module")
async def gateway(upstream: Running) -> AsyncIterator[Running]:
    slow_port = free_port()
    async with serve_asgi(slow_app, slow_port):
        upstreams = {
            "inspection": upstream.url,
            "penalty": f"http://127.0.0.1:{free_port()}",  # nothing listens: down
            "credit_repair": f"http://127.0.0.1:{slow_port}",  # answers after 4 s
            "risk": f"http://127.0.0.1:{free_port()}",
        }
        async with running_gateway(
            upstreams,
            # The real upstream must answer within it on a loaded 2-core machine (0.5 s did not: a 504 in the
            # rate-limit test at load 6); the slow one never does.
            timeout_s=1.5,
            rate_per_second=1.0,
            rate_burst=5,
            max_body_bytes=4096,
            upstream_check_interval_s=0.2,
        ) as gw:
            yield gw


async def test_forwards_unchanged(gateway: Running, upstream: Running) -> None:
    headers = auth("admin", "forwarding")
    async with client(gateway.url, headers=headers) as via, client(upstream.url, headers=headers) as direct:
        r1 = await via.post("/api/v1/inspection/diagnostics/ping", json={"note": "经网关"})
        r2 = await direct.get("/api/v1/inspection/diagnostics/pings")
        r3 = await via.get("/api/v1/inspection/diagnostics/pings")
    assert r1.status_code == 202
    assert r2.status_code == r3.status_code == 200


async def test_request_id_propagates(gateway: Running) -> None:
    async with client(gateway.url, headers=auth("admin", "rid")) as http:
        r = await http.get("/api/v1/inspection/diagnostics/pings", headers={"X-Request-ID": "trace-42"})
    assert r.headers["x-request-id"] == "trace-42"


async def test_bad_token_rejected_before_upstream(gateway: Running) -> None:
    async with client(gateway.url) as http:
        r = await http.get("/api/v1/penalty/anything", headers={"Authorization": "Bearer nope"})
    # penalty is down: a 401 proves the gateway answered without calling it
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


async def test_role_gate(gateway: Running) -> None:
    async with client(gateway.url, headers=auth("enterprise", "gate")) as http:
        r = await http.post("/api/v1/risk/intake/complaints", json={})
    assert r.status_code == 403 and r.json()["code"] == "ROLE_FORBIDDEN"


async def test_upstream_down_is_503(gateway: Running) -> None:
    async with client(gateway.url, headers=auth("admin", "down")) as http:
        r = await http.get("/api/v1/penalty/cases")
    assert r.status_code == 503 and r.json()["code"] == "UPSTREAM_UNAVAILABLE"


async def test_upstream_slow_is_504(gateway: Running) -> None:
    async with client(gateway.url, headers=auth("admin", "slow")) as http:
        r = await http.get("/api/v1/credit/records")
    assert r.status_code == 504 and r.json()["code"] == "UPSTREAM_TIMEOUT"


async def test_body_limit(gateway: Running) -> None:
    async with client(gateway.url, headers=auth("admin", "big")) as http:
        r = await http.post("/api/v1/inspection/diagnostics/ping", json={"note": "x" * 10_000})
    assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"


async def test_rate_limit_per_caller(gateway: Running) -> None:
    async with client(gateway.url) as http:
        codes = [
            (
                await http.get("/api/v1/inspection/diagnostics/pings", headers=auth("admin", "greedy"))
            ).status_code
            for _ in range(8)
        ]
        other = await http.get("/api/v1/inspection/diagnostics/pings", headers=auth("admin", "polite"))
    assert codes[:5] == [200] * 5 and 429 in codes[5:]
    assert other.status_code == 200


async def test_health_and_readiness(gateway: Running) -> None:
    async def reported() -> bool:
        async with client(gateway.url) as http:
            assert (await http.get("/healthz")).status_code == 200
            ready = await http.get("/readyz")
        assert ready.status_code == 200  # penalty and risk are down: reported, not required
        return bool(ready.json()["upstreams"]["penalty"] == "unreachable")

    await wait_for(reported, timeout=10)
    async with client(gateway.url) as http:
        ready = (await http.get("/readyz")).json()
        metrics = (await http.get("/metrics")).text
    assert ready["upstreams"]["inspection"] == "ready"
    assert 'zhifa_gateway_upstream_ready{upstream="penalty"} 0.0' in metrics
    assert 'zhifa_gateway_upstream_ready{upstream="inspection"} 1.0' in metrics


async def test_dev_token_only_in_dev(gateway: Running) -> None:
    async with client(gateway.url) as http:
        r = await http.post("/auth/dev-token", json={"role": "admin", "sub": "x"})
    assert r.status_code == 404  # ZHIFA_ENV=test


async def test_aggregated_openapi_covers_every_service(stack: Stack) -> None:
    async with (
        contextlib_services(stack) as urls,
        running_gateway(urls, env="dev") as gw,
        client(gw.url) as http,
    ):
        doc = (await http.get("/openapi.json")).json()
        docs_page = await http.get("/docs")
        dev = await http.post("/auth/dev-token", json={"role": "supervisor", "sub": "s1", "scope": "city"})
    prefixes = {p.split("/")[3] for p in doc["paths"] if p.startswith("/api/v1/")}
    assert prefixes == {p for info in SERVICES.values() for p in (info.url_prefix, *info.extra_prefixes)}
    assert docs_page.status_code == 200 and "swagger" in docs_page.text.lower()
    assert dev.status_code == 200 and dev.json()["token_type"] == "Bearer"


def contextlib_services(stack: Stack):  # type: ignore[no-untyped-def]
    import contextlib

    @contextlib.asynccontextmanager
    async def run() -> AsyncIterator[dict[str, str]]:
        async with contextlib.AsyncExitStack() as es:
            urls = {}
            for name in SERVICES:
                db = await stack.anew_database(name)
                svc = await es.enter_async_context(
                    running_service(name, database_url=db, nats_url="nats://127.0.0.1:1")
                )
                urls[name] = svc.url
            yield urls

    return run()


async def chunked_app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    close = scope["path"].endswith("/close")
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for part in ("第一段,", "第二段,", "第三段"):
        await send({"type": "http.response.body", "body": part.encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def test_chunked_and_closing_upstreams() -> None:
    port = free_port()
    async with (
        serve_asgi(chunked_app, port),
        running_gateway({"inspection": f"http://127.0.0.1:{port}"}) as gw,
        client(gw.url, headers=auth("admin", "chunks")) as http,
    ):
        for path in ("/api/v1/inspection/stream", "/api/v1/inspection/close") * 3:
            r = await http.get(path)
            # Streamed as it comes (no Content-Length upstream: tests/gateway/test_streaming.py), whole.
            assert r.status_code == 200 and r.text == "第一段,第二段,第三段"


async def test_a_validly_signed_token_without_a_bounded_lifetime_is_refused(gateway: Running) -> None:
    key, kid = dev_signing_key()
    common = CommonSettings()
    now = int(time.time())
    base = {
        "iss": common.jwt_issuer,
        "aud": common.jwt_audience,
        "sub": "forever",
        "role": "admin",
        "iat": now,
    }
    async with client(gateway.url) as http:
        for exp in (1e30, str(now + 600), now + 8 * 3600 + 1):  # admin: at most 8 h
            forged = jwt.encode({**base, "exp": exp}, key, algorithm="EdDSA", headers={"kid": kid})
            r = await http.get(
                "/api/v1/inspection/diagnostics/pings", headers={"Authorization": f"Bearer {forged}"}
            )
            assert r.status_code == 401 and r.json()["code"] == "TOKEN_INVALID", exp


async def test_dev_tokens_obey_the_maximum_lifetime() -> None:
    async with running_gateway({}, env="dev") as gw, client(gw.url) as http:
        admin = await http.post("/auth/dev-token", json={"role": "admin", "sub": "a"})
        long = await http.post("/auth/dev-token", json={"role": "admin", "sub": "a", "ttl": 9 * 3600})
        short = await http.post("/auth/dev-token", json={"role": "admin", "sub": "a", "ttl": 600})
        nonsense = await http.post("/auth/dev-token", json=["admin"])
    assert admin.status_code == 200 and admin.json()["expires_in"] == 8 * 3600
    assert (
        long.status_code == 422
        and long.json()["code"] == "VALIDATION_FAILED"
        and "28800" in long.json()["detail"]
    )
    assert short.status_code == 200 and short.json()["expires_in"] == 600
    assert nonsense.status_code == 422


async def test_key_source_down_is_503_not_401() -> None:
    async with (
        running_gateway({}, jwks_url="http://127.0.0.1:1/jwks") as gw,
        client(gw.url, headers=auth("admin", "keys")) as http,
    ):
        r = await http.get("/api/v1/inspection/diagnostics/pings")
    assert r.status_code == 503 and r.json()["code"] == "JWKS_UNAVAILABLE"
    assert int(r.headers["retry-after"]) >= 1 and "www-authenticate" not in r.headers
