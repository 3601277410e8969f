"""The HTTP listeners of a process: the public port, and optionally an admin port for what only the platform
may see (``zhifa serve --admin-port``).

With an admin port, one server (one event loop, one application) listens on both sockets, and the port a
request arrived on decides what it may reach (the connection's local address, ``scope["server"]``, which a
client cannot forge):

- the admin port serves the internal endpoints only (probes, metrics, API docs); anything else is 404;
- the public port refuses the process's admin-only paths with 404. The gateway, the only process behind
  the Ingress, keeps none of them public. A service keeps ``/healthz``, ``/readyz`` and ``/openapi.json``
  on its public port, which only the gateway reaches (NetworkPolicy): the gateway reads them for its
  readiness report and the merged API document.

Without an admin port (``zhifa up``, tests) everything is served on the one port, as before.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common import httpserver
from services.common.problems import problem_body, wants_english

# The usual admin port of a process: its public port + 1000 (gateway 9000, services 9101-9104).
ADMIN_PORT_OFFSET = 1000

INTERNAL_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json"})
# The API documents' own files (Swagger UI, ReDoc: served locally by the gateway, no CDN) go with /docs.
DOCS_ASSETS = "/docs/"
# Paths the public port refuses once an admin port serves them.
GATEWAY_ADMIN_ONLY = INTERNAL_PATHS
SERVICE_ADMIN_ONLY = frozenset({"/metrics", "/docs"})


class AdminPortSplit:
    """ASGI wrapper: internal paths on the admin port only, and only internal paths there."""

    def __init__(self, app: ASGIApp, admin_port: int, admin_only: frozenset[str]) -> None:
        self.app = app
        self.admin_port = admin_port
        self.admin_only = admin_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            server = scope.get("server")
            on_admin = server is not None and server[1] == self.admin_port
            path = scope["path"]
            internal = path in INTERNAL_PATHS or path.startswith(DOCS_ASSETS)
            private = path in self.admin_only or ("/docs" in self.admin_only and path.startswith(DOCS_ASSETS))
            refused = not internal if on_admin else private
            if refused:
                await _not_found(scope, send, path)
                return
        await self.app(scope, receive, send)


async def _not_found(scope: Scope, send: Send, path: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    headers = dict(scope.get("headers") or [])
    english = wants_english(headers.get(b"accept-language", b"").decode("latin-1"))
    title, detail = ("Not found", f"no route for {path}") if english else ("资源不存在", f"没有路径 {path}")
    body = problem_body(status=404, code="NOT_FOUND", title=title, detail=detail)
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def run(
    app: ASGIApp,
    *,
    host: str,
    port: int,
    admin_port: int | None,
    admin_only: frozenset[str],
    **options: Any,
) -> None:
    """Serve ``app`` on ``host:port`` and, when given, ``host:admin_port``, with the platform's HTTP server
    configuration (``services.common.httpserver``: header limits, problem bodies); options pass through."""
    if admin_port == port:
        raise ValueError("the admin port must differ from the public port")
    served = app if admin_port is None else AdminPortSplit(app, admin_port, admin_only)
    config = httpserver.config(served, host=host, port=port, **options)
    sockets = [config.bind_socket()]
    if admin_port is not None:
        sockets.append(httpserver.config(served, host=host, port=admin_port, **options).bind_socket())
    uvicorn.Server(config).run(sockets=sockets)
