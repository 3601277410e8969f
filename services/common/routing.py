"""What is refused before routing, on the request target alone: a method the path does not serve, and NUL.

**405 that tells the truth** (RFC 9110 §15.5.6): every method the path serves, in ``Allow``.

Starlette's router answers a method mismatch with the ``Allow`` of the first route whose path matched, so
``OPTIONS /tasks`` listed ``GET`` although ``POST /tasks`` exists too. And a literal path that shares its
shape with a template (``/visits/check-in`` beside ``/visits/{visit_id}``) fell through to the template on
``GET``, which then failed to read ``check-in`` as a visit id: 422 instead of 405. In front of the router,
this answers both: a literal path is served only by the routes declared with that literal path; any other
path by every route whose template it matches; a method none of them serves is 405 with all of theirs.

**NUL in the path or the query** (``%00``) is 422 ``NUL_CHARACTER``, as it is in a body (the edge): PostgreSQL
text cannot hold it, and the driver's refusal surfaced as 503 DATABASE_UNAVAILABLE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from fastapi.routing import APIRouter
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Router, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.dispatch import HotDispatch
from services.common.errors import Unprocessable


class NulCharacter(Unprocessable):
    code = "NUL_CHARACTER"
    title = "请求内容校验失败"
    title_en = "Validation failed"


class RequestTarget:
    """The ASGI app in front of a router's own: refuses NUL in the target and a method the path does not
    serve (with ``Allow``)."""

    def __init__(self, router: Router, inner: ASGIApp) -> None:
        self.router = router
        self.inner = inner
        self._literal: dict[str, set[str]] | None = None
        self._templates: list[tuple[re.Pattern[str], set[str]]] = []
        self._seen: dict[str, set[str] | None] = {}  # templated paths already matched (bounded)

    def _index(self) -> dict[str, set[str]]:
        # Built on the first request: every route is included by then, and none is added later.
        literal: dict[str, set[str]] = {}
        for path, methods in _endpoints(self.router.routes):
            regex, _, convertors = compile_path(path)
            if convertors:
                self._templates.append((regex, methods))
            else:
                literal.setdefault(path, set()).update(methods)
        self._literal = literal
        return literal

    def allowed(self, path: str) -> set[str] | None:
        """The methods that serve ``path``; None when no route matches it (the router answers 404)."""
        literal = self._literal if self._literal is not None else self._index()
        if path in literal:
            return literal[path]
        if path in self._seen:  # templated paths recur (codes, sample ids): skip matching every template
            return self._seen[path]
        methods = {m for regex, served in self._templates if regex.match(path) for m in served} or None
        if len(self._seen) >= 4096:
            self._seen.clear()
        self._seen[path] = methods
        return methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
                raise NulCharacter(
                    "路径和查询参数中不得包含空字符（%00）",
                    detail_en="The path and the query may not contain the NUL character (%00)",
                )
            allowed = self.allowed(scope["path"])
            if allowed is not None and scope["method"] not in allowed:
                listed = ", ".join(sorted(allowed))
                raise HTTPException(
                    405, f"该路径不支持 {scope['method']} 方法；允许：{listed}", {"Allow": listed}
                )
        await self.inner(scope, receive, send)


def _endpoints(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """The full path and methods of every route, included routers flattened with their prefixes.

    Read from the routes as declared, not through ``fastapi.routing.iter_route_contexts``: that builds every
    route's effective context (its dependant and the pydantic adapters of its parameters, body and response),
    which each route otherwise builds on its own first request; on an idle service's first probe that was
    2.1 MiB of Python objects and 4.5 MiB of RSS in penalty (docs/benchmarks.md, "Idle memory per process").
    tests/common/test_route_index.py checks the result against ``iter_route_contexts`` for every service."""
    for route in routes:
        included = getattr(
            route, "original_router", None
        )  # FastAPI's included router: its routes, its prefix
        if included is not None:
            yield from _endpoints(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
            continue
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if methods and path is not None and getattr(route, "path_regex", None) is not None:
            yield prefix + path, set(methods)


def install(router: APIRouter) -> None:
    """Put the checks in front of ``router`` (after its routes are included), and the hot routes' dispatcher
    between them and the router's scan (services/common/dispatch.py)."""
    router.middleware_stack = RequestTarget(router, HotDispatch(router, router.middleware_stack))
