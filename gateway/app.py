"""The gateway: a bare ASGI callable that forwards ``/api/v1/<service>/...`` and ``/public/<service>/...``
unchanged to the upstream services.

Measured on the 2-core machine (issue 2): a FastAPI route forwarding with httpx reached 230–300 req/s,
with aiohttp 1,780 req/s, and a bare ASGI callable with a pooled aiohttp session 5,650 req/s against a
direct 7,400–8,700. So the hot path has no router, no response model and one pooled aiohttp session;
docs, health and the dev-token endpoint are handled before it. See docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from typing import Any

import aiohttp
import orjson
from starlette.types import Receive, Scope, Send

from gateway.clientip import ClientAddress, bucket_key, parse_networks
from gateway.openapi import merge_openapi
from gateway.routing import Route, build_routes, match
from gateway.settings import GatewaySettings
from gateway.static import StaticFiles
from gateway.upstream import StreamBody, UpstreamError, UpstreamPool, UpstreamTimeout
from services.common import logs, metrics
from services.common.auth import TokenVerifier
from services.common.errors import DomainError
from services.common.logs import request_id_var
from services.common.problems import RETRY_AFTER_S, english_detail, problem_body, wants_english
from services.common.registry import SERVICES

log = logging.getLogger("gateway")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
    }
)
# Request headers not forwarded as they came: X-Request-ID and X-Forwarded-For are set by the gateway (the
# latter only when the peer is known; otherwise the lines pass as they are).
FORWARD_DROP_KEEP_XFF = HOP_BY_HOP | {b"x-request-id"}
FORWARD_DROP = FORWARD_DROP_KEEP_XFF | {b"x-forwarded-for"}
RESPONSE_DROP_B = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"content-length",
        b"server",
        b"date",
        b"x-request-id",
    }
)


async def _relay_stream(body: StreamBody, receive: Receive, send: Send, service: str) -> None:
    """Forward a streamed upstream body piece by piece as it arrives (Server-Sent Events, downloads).

    Each ``send`` waits while the client's socket is full (the server's flow control), so a slow client
    holds only its own upstream connection, which stops being read (``gateway.upstream``): nothing else
    waits. The client leaving (``http.disconnect``) drops the upstream connection at once.
    """

    async def pump() -> None:
        try:
            async for piece in body:
                await send({"type": "http.response.body", "body": piece, "more_body": True})
        except UpstreamError as exc:
            log.info("stream from %s ended early: %s", service, exc)
            return  # the response is cut short; the client sees the connection end
        await send({"type": "http.response.body", "body": b""})

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = [asyncio.create_task(pump()), asyncio.create_task(watch())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        body.close()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


class TokenBucket:
    """Per-key token buckets, in memory: each gateway replica counts on its own (docs/operations.md, "Rate
    limits"), so a caller's ceiling across N replicas is N times the configured rate."""

    def __init__(self, rate: float, burst: int, max_keys: int = 200_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float) -> tuple[bool, float]:
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return False, (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > self.max_keys:
            self._prune(now)
        return True, 0.0

    def _prune(self, now: float) -> None:
        """Forget callers whose bucket has refilled (they lose nothing); a flood of new keys (rotating
        addresses) thus cannot reset the buckets of callers that are being limited right now."""
        rate, burst = self.rate, self.burst
        self._buckets = {k: v for k, v in self._buckets.items() if v[0] + (now - v[1]) * rate < burst}
        # Keep the scan amortised O(1): at least max_keys / 2 insertions before the next one. When more than
        # half are busy, the flood is larger than the table; bounded memory wins and everyone starts full.
        if len(self._buckets) > self.max_keys // 2:
            self._buckets.clear()


# A version-4 UUID's fixed bits (RFC 9562 §5.4): version nibble 4, variant 10.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def _request_id() -> str:
    """A fresh request id in ``uuid.uuid4().hex``'s format, from the process's Mersenne Twister (seeded from
    the OS at start and again after a fork) instead of a ``getrandom`` system call per request: an id needs to
    be unique, not unpredictable. ~0.3 µs instead of ~2 µs."""
    return f"{random.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"


def _forwarded_for(scope: Scope) -> bytes | None:
    """Every X-Forwarded-For line of the request, in order, as one list (RFC 9110 §5.3)."""
    values = [v for k, v in scope["headers"] if k == b"x-forwarded-for"]
    if not values:
        return None
    return values[0] if len(values) == 1 else b", ".join(values)


async def _send_json(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes = b"application/json",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Gateway:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.routes = build_routes()
        self.upstreams = {name: settings.upstream(name) for name in SERVICES}
        self.verifier = TokenVerifier.from_settings(settings)
        self.client_limit = TokenBucket(
            settings.rate_per_second, settings.rate_burst, settings.rate_limit_max_keys
        )
        self.public_limit = TokenBucket(
            settings.public_rate_per_second, settings.public_rate_burst, settings.rate_limit_max_keys
        )
        self.client_address = ClientAddress(parse_networks(settings.trusted_proxies))
        if settings.env == "prod" and not self.client_address.trusted:
            log.warning(
                "ZHIFA_GATEWAY_TRUSTED_PROXIES is empty: behind an Ingress every anonymous caller counts as the "
                "Ingress pod, and /public's per-client limit becomes one limit for everyone"
            )
        self.cors = {o.strip() for o in settings.cors_origins.split(",") if o.strip()}
        self.session: aiohttp.ClientSession | None = None  # health and OpenAPI aggregation only
        self.pools = {
            name: UpstreamPool(url, max_idle=settings.pool_size, connect_timeout=settings.connect_timeout_s)
            for name, url in self.upstreams.items()
        }
        self._metric_children: dict[tuple[str, str, str], Any] = {}
        self._openapi_cache: tuple[float, bytes] | None = None
        self.static = StaticFiles()  # the console, the API documents and their vendored libraries
        # Last seen readiness of each upstream, refreshed in the background: reported by /readyz and the
        # zhifa_gateway_upstream_ready gauge, never a condition of the gateway's own readiness.
        self.upstream_state: dict[str, str] = dict.fromkeys(self.upstreams, "unknown")
        self._watcher: asyncio.Task[None] | None = None

    # -- ASGI -------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:128] or _request_id()
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = [500]
        try:
            await self._http(scope, receive, send, headers, rid, status)
        finally:
            request_id_var.reset(token)
            route = scope.get("zhifa_route", "other")
            key = (scope["method"], route, str(status[0]))
            children = self._metric_children.get(key)
            if children is None:
                children = (
                    metrics.HTTP_REQUESTS.labels("gateway", *key),
                    metrics.HTTP_DURATION.labels("gateway", route),
                )
                self._metric_children[key] = children
            children[0].inc()
            children[1].observe(time.perf_counter() - started)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                connector = aiohttp.TCPConnector(
                    limit=self.settings.pool_size,
                    limit_per_host=self.settings.pool_size,
                    keepalive_timeout=30,
                    ttl_dns_cache=300,
                )
                self.session = aiohttp.ClientSession(
                    connector=connector,
                    auto_decompress=False,
                    skip_auto_headers=("User-Agent", "Accept-Encoding"),
                )
                self._watcher = asyncio.create_task(self._watch_upstreams(), name="gateway-upstreams")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._watcher is not None:
                    self._watcher.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._watcher
                if self.session is not None:
                    await self.session.close()
                for pool in self.pools.values():
                    pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _problem(
        self, status: int, code: str, zh: tuple[str, str], en: tuple[str, str], english: bool
    ) -> bytes:
        title, detail = en if english else zh
        return problem_body(status=status, code=code, title=title, detail=detail)

    async def _http(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        rid: str,
        status: list[int],
    ) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        english = wants_english(headers.get(b"accept-language", b"").decode("latin-1"))
        cors_headers = self._cors_headers(headers)
        rid_header = (b"x-request-id", rid.encode())

        async def reply(
            code_status: int,
            body: bytes,
            content_type: bytes = b"application/problem+json",
            extra: list[tuple[bytes, bytes]] | None = None,
        ) -> None:
            status[0] = code_status
            await _send_json(
                send, code_status, body, content_type, [rid_header, *cors_headers, *(extra or [])]
            )

        route = match(self.routes, path)
        if route is None:
            await self._local(scope, receive, path, method, english, reply)
            return
        scope["zhifa_route"] = route.prefix
        if method == "OPTIONS" and cors_headers:
            status[0] = 204
            await send({"type": "http.response.start", "status": 204, "headers": [rid_header, *cors_headers]})
            await send({"type": "http.response.body", "body": b""})
            return
        now = time.monotonic()
        if route.public:
            peer = (scope.get("client") or ("unknown", 0))[0]
            address = self.client_address.resolve(peer, _forwarded_for(scope))
            allowed, wait = self.public_limit.allow(bucket_key(address), now)
        else:
            try:
                principal = await self.verifier.verify(
                    headers.get(b"authorization", b"").decode("latin-1") or None
                )
            except DomainError as exc:
                title = exc.title_en if english else exc.title
                detail = english_detail(exc) if english else exc.detail
                challenge = (
                    (b"www-authenticate", b'Bearer realm="zhifa"')
                    if exc.status == 401
                    else (b"retry-after", str(RETRY_AFTER_S).encode())
                )
                await reply(
                    exc.status,
                    problem_body(status=exc.status, code=exc.code, title=title, detail=detail),
                    extra=[challenge],
                )
                return
            if principal.role not in route.roles:
                await reply(
                    403,
                    self._problem(
                        403,
                        "ROLE_FORBIDDEN",
                        ("当前角色无权访问", f"角色 {principal.role} 无权访问 {route.prefix}"),
                        ("Role not allowed", f"role {principal.role} may not call {route.prefix}"),
                        english,
                    ),
                )
                return
            allowed, wait = self.client_limit.allow(principal.caller_key, now)
        if not allowed:
            await reply(
                429,
                self._problem(
                    429,
                    "RATE_LIMITED",
                    ("请求过于频繁", "请求过于频繁，请稍后重试"),
                    ("Too many requests", "Slow down and retry later"),
                    english,
                ),
                extra=[(b"retry-after", str(max(1, int(wait + 0.999))).encode())],
            )
            return
        await self._forward(scope, receive, send, headers, route, rid, english, reply, status, cors_headers)

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        route: Route,
        rid: str,
        english: bool,
        reply: Any,
        status: list[int],
        cors_headers: list[tuple[bytes, bytes]],
    ) -> None:
        path: str = scope["path"]
        limit = self.settings.bulk_max_body_bytes if path.endswith("/bulk") else self.settings.max_body_bytes
        declared = headers.get(b"content-length")
        body = (
            None
            if declared is not None and declared.isdigit() and int(declared) > limit
            else await self._read_body(receive, limit)
        )
        if body is None:
            too_large = self._problem(
                413,
                "PAYLOAD_TOO_LARGE",
                ("请求体过大", f"请求体超过上限 {limit} 字节"),
                ("Payload too large", f"Request body exceeds {limit} bytes"),
                english,
            )
            await reply(413, too_large)
            return
        target = scope.get("raw_path") or path.encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        # One pass over the request's headers: hop-by-hop ones and the request id dropped, and, when the peer
        # is known, the X-Forwarded-For lines gathered to be sent as one list ending with the peer.
        client = scope.get("client")
        dropped = FORWARD_DROP if client else FORWARD_DROP_KEEP_XFF
        prior: list[bytes] = []
        out_headers: list[tuple[bytes, bytes]] = []
        for k, v in scope["headers"]:
            if k in dropped:
                if k == b"x-forwarded-for":
                    prior.append(v)
                continue
            out_headers.append((k, v))
        rid_bytes = rid.encode()
        out_headers.append((b"x-request-id", rid_bytes))
        if client:
            prior.append(client[0].encode())
            out_headers.append((b"x-forwarded-for", b", ".join(prior)))
        try:
            code, upstream_headers, payload = await self.pools[route.service].request(
                scope["method"].encode(), target, out_headers, body, self.settings.timeout_s
            )
        except UpstreamTimeout:
            await reply(
                504,
                self._problem(
                    504,
                    "UPSTREAM_TIMEOUT",
                    ("上游服务响应超时", f"{route.service} 服务未在时限内响应"),
                    ("Gateway timeout", f"{route.service} did not answer in time"),
                    english,
                ),
            )
            return
        except UpstreamError as exc:
            log.warning("upstream %s unavailable: %s", route.service, exc)
            await reply(
                503,
                self._problem(
                    503,
                    "UPSTREAM_UNAVAILABLE",
                    ("服务暂不可用", f"{route.service} 服务暂不可用，请稍后重试"),
                    ("Service unavailable", f"{route.service} is unavailable; retry later"),
                    english,
                ),
                extra=[(b"retry-after", b"2")],
            )
            return
        status[0] = code
        response_headers = [(k, v) for k, v in upstream_headers if k not in RESPONSE_DROP_B]
        if isinstance(payload, StreamBody):
            response_headers += [(b"x-request-id", rid_bytes), *cors_headers]
            await send({"type": "http.response.start", "status": code, "headers": response_headers})
            await _relay_stream(payload, receive, send, route.service)
            return
        response_headers += [
            (b"content-length", str(len(payload)).encode()),
            (b"x-request-id", rid_bytes),
            *cors_headers,
        ]
        await send({"type": "http.response.start", "status": code, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    def _cors_headers(self, headers: dict[bytes, bytes]) -> list[tuple[bytes, bytes]]:
        origin = headers.get(b"origin")
        if not origin or not self.cors:
            return []
        text = origin.decode("latin-1")
        if "*" not in self.cors and text not in self.cors:
            return []
        return [
            (b"access-control-allow-origin", origin),
            (b"vary", b"Origin"),
            (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE, OPTIONS"),
            (
                b"access-control-allow-headers",
                b"Authorization, Content-Type, Idempotency-Key, X-Request-ID, Accept-Language",
            ),
            (b"access-control-expose-headers", b"X-Request-ID, Idempotent-Replayed, Retry-After"),
            (b"access-control-max-age", b"600"),
        ]

    # -- the gateway's own endpoints ------------------------------------------------------------------
    async def _local(
        self, scope: Scope, receive: Receive, path: str, method: str, english: bool, reply: Any
    ) -> None:
        static_route = self.static.route(path)
        scope["zhifa_route"] = static_route or (
            path
            if path
            in ("/healthz", "/readyz", "/openapi.json", "/metrics", "/auth/dev-token", "/auth/dev-identities")
            else "other"
        )
        static = (
            None if static_route is None else await self.static.respond(path, method, dict(scope["headers"]))
        )
        if path == "/healthz":
            await reply(200, b'{"status":"ok"}', b"application/json")
        elif path == "/readyz":
            # Ready when the gateway itself is: one upstream down must not take every gateway replica out of
            # the Ingress (its own prefixes answer 503 meanwhile). The upstreams are reported, not required.
            body = {"status": "ok", "upstreams": self.upstream_state}
            await reply(200, orjson.dumps(body), b"application/json")
        elif path == "/metrics":
            data, content_type = metrics.render()
            await reply(200, data, content_type.encode())
        elif path == "/openapi.json":
            await reply(200, await self._openapi(), b"application/json")
        elif static is not None:
            await reply(*static)
        elif path == "/auth/dev-token" and method == "POST" and self.settings.env == "dev":
            await self._dev_token(receive, english, reply)
        elif path == "/auth/dev-identities" and method == "GET" and self.settings.env == "dev":
            await reply(200, _dev_identities(), b"application/json")
        else:
            await reply(
                404,
                self._problem(
                    404,
                    "NOT_FOUND",
                    ("资源不存在", f"没有路径 {path}"),
                    ("Not found", f"no route for {path}"),
                    english,
                ),
            )

    async def _watch_upstreams(self) -> None:
        while True:
            try:
                self.upstream_state = await self._upstream_checks()
                for name, state in self.upstream_state.items():
                    metrics.UPSTREAM_READY.labels(name).set(1 if state == "ready" else 0)
            except Exception:
                log.exception("checking the upstreams failed")
            await asyncio.sleep(self.settings.upstream_check_interval_s)

    async def _upstream_checks(self) -> dict[str, str]:
        assert self.session is not None
        timeout = aiohttp.ClientTimeout(total=2)

        async def check(name: str, base: str) -> tuple[str, str]:
            try:
                async with self.session.get(base + "/readyz", timeout=timeout) as r:  # type: ignore[union-attr]
                    return name, "ready" if r.status == 200 else f"not ready ({r.status})"
            except Exception:
                return name, "unreachable"

        return dict(await asyncio.gather(*(check(n, b) for n, b in self.upstreams.items())))

    async def _openapi(self) -> bytes:
        now = time.monotonic()
        if self._openapi_cache and now - self._openapi_cache[0] < 30:
            return self._openapi_cache[1]
        assert self.session is not None
        session = self.session

        async def fetch(name: str, base: str) -> tuple[str, dict[str, Any] | None]:
            try:
                async with session.get(base + "/openapi.json", timeout=aiohttp.ClientTimeout(total=30)) as r:
                    return name, await r.json()
            except Exception as exc:
                log.warning("no OpenAPI from %s: %s", name, exc)
                return name, None

        # all at once: each service builds its document on the first request (seconds each, one after the
        # other was longer than a client waits); 30 s each, as services run in one process in the tests (five
        # documents built there took 5.2 s on a quiet machine since route models are built on first use, and
        # 15 s ran out at load 15)
        fetched = await asyncio.gather(*(fetch(n, b) for n, b in self.upstreams.items()))
        docs = {name: doc for name, doc in fetched if doc is not None}
        merged = merge_openapi(docs)
        body = orjson.dumps(merged)
        if len(docs) == len(self.upstreams):
            self._openapi_cache = (now, body)
        return body

    async def _dev_token(self, receive: Receive, english: bool, reply: Any) -> None:
        from services.common.devtokens import dev_token_lifetime, mint_dev_token

        raw = await self._read_body(receive, 16_384) or b"{}"
        try:
            req = json.loads(raw or b"{}")
            if not isinstance(req, dict) or "role" not in req or "sub" not in req:
                raise ValueError("role and sub are required")
            role, sub = req.pop("role"), req.pop("sub")
            allowed = {
                "name",
                "cert_no",
                "dept_code",
                "district_code",
                "dept_head",
                "uscc",
                "scope",
                "client",
                "ttl",
            }
            extra = {k: v for k, v in req.items() if k in allowed}
            ttl = dev_token_lifetime(str(role), None if extra.get("ttl") is None else int(extra.pop("ttl")))
            extra.pop("ttl", None)
            token = mint_dev_token(role, str(sub), ttl, **extra)
        except (ValueError, TypeError) as exc:
            await reply(
                422,
                self._problem(
                    422,
                    "VALIDATION_FAILED",
                    ("请求内容校验失败", f"开发令牌参数无效（需要 role、sub，ttl 不得超过角色上限）：{exc}"),
                    ("Validation failed", f"invalid dev-token request: {exc}"),
                    english,
                ),
            )
            return
        await reply(
            200,
            orjson.dumps({"access_token": token, "token_type": "Bearer", "expires_in": ttl}),
            b"application/json",
        )


def _dev_identities() -> bytes:
    """The sample identities a supervisor, department head or administrator can sign in as in dev (the console's login page
    offers them; each is then minted by ``POST /auth/dev-token``)."""
    from services.common import sample_identities

    consoles = ("supervisor", "officer", "admin")
    return orjson.dumps(
        [
            {"key": key, "label": claims.get("name", key), **claims}
            for key, claims in sample_identities.IDENTITIES.items()
            if claims["role"] in consoles and (claims["role"] != "officer" or claims.get("dept_head"))
        ]
    )


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    settings = settings or GatewaySettings()
    if settings.env != "test":
        logs.configure("gateway", settings.log_level, settings.log_json)
    return Gateway(settings)
