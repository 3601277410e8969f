"""The hot routes' dispatcher (issue #16 items 1 and 3): a request to a hot route (``services/common/hot.py``:
inspection's check-in, penalty's what-if assessment) reaches the route's app without FastAPI's route scan.

FastAPI 0.165 keeps included routers nested: a request to ``/api/v1/penalty/benchmarks/{code}/assess`` was
tried against the health, kernel and audit routes, then matched through the penalty router and its catalogue
router, and matched again by each nested router's ``_handle_selected`` on the way down, every level first
recomputing its routes' version over the whole tree (a sixth of penalty's busy time on that route,
docs/benchmarks/assess-http-profile.md round 2).

This app sits where the router's own app sat, behind ``RequestTarget`` (services/common/routing.py: NUL, 405
with ``Allow``) and the whole middleware stack (the edge, the exception handlers): only the scan is skipped. A
request is dispatched when its method is the hot route's, its path (``root_path`` taken off as Starlette does)
is the hot route's literal path or matches its compiled regex, and no route the scan tries earlier could answer
it — decided from the declared routes when the first request comes: a literal hot path once and for all, a
templated one against the earlier routes of its method whose literal prefix it shares (a regex each, checked
per request). The scope then gets what FastAPI's scan gives it (``router``, ``endpoint``, ``path_params``
converted, ``route``, the included router and effective route context FastAPI's route handler reads) and the
route's effective app — the one FastAPI's scan would call — is called. Anything else goes the normal way: every
other route, a path an earlier route may claim, a route under a mount or host, router form limits, FastAPI's
native telemetry (it records the matched route during the scan).

Like ``RequestTarget``, it assumes that no route is added after the first request.
tests/common/test_dispatch.py checks the answers and the scope against FastAPI's own scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi.routing import APIRoute, APIRouter, _EffectiveRouteContext, _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Route, WebSocketRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.hot import HotAPIRoute

# FastAPI's own keys (fastapi.routing: _FASTAPI_SCOPE_KEY, _FASTAPI_INCLUDED_ROUTER_KEY,
# _FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY): what its route handler and APIRoute.handle read back
FASTAPI_SCOPE = "fastapi"
INCLUDED_ROUTER = "included_router"
EFFECTIVE_ROUTE_CONTEXT = "effective_route_context"
TELEMETRY = "fastapi.telemetry"


@dataclass
class HotEntry:
    """One hot route as the scan would reach it: its full path, the included routers above it (outermost first)."""

    route: APIRoute
    path: str
    chain: tuple[_IncludedRouter, ...]
    regex: re.Pattern[str]
    literal: bool
    #: earlier routes of a method of this route whose paths may be this route's: templates (a regex each)
    #: and literal paths; a request that one of them matches goes the normal way
    shadow_regexes: list[re.Pattern[str]] = field(default_factory=list)
    shadow_literals: set[str] = field(default_factory=set)
    resolved: tuple[_IncludedRouter, _EffectiveRouteContext] | None = None
    unusable: bool = False


def _literal_prefix(path: str) -> str:
    return path.split("{", 1)[0]


def _declared(
    routes: Sequence[BaseRoute], prefix: str = "", chain: tuple[_IncludedRouter, ...] = ()
) -> Iterator[tuple[BaseRoute, str, tuple[_IncludedRouter, ...]]]:
    """Every route in the order the scan tries them, with its full path and the included routers above it.

    Read from the routes as declared (as ``routing._endpoints``), so that no route's effective context is built."""
    for route in routes:
        if isinstance(route, _IncludedRouter):
            yield from _declared(
                route.original_router.routes, prefix + route.include_context.prefix, (*chain, route)
            )
            continue
        yield route, prefix + getattr(route, "path", ""), chain


def index(router: APIRouter) -> dict[str, list[HotEntry]]:
    """The hot routes by method, each with the earlier routes that may claim its paths (empty: none is hot)."""
    if router.form_limits:
        return {}
    earlier: list[tuple[str, re.Pattern[str], bool, set[str] | None]] = []  # path, regex, literal, methods
    opaque = False  # an earlier route this index cannot reason about (a mount, a host): no hot route after it
    by_method: dict[str, list[HotEntry]] = {}
    for route, path, chain in _declared(router.routes):
        if isinstance(route, WebSocketRoute):
            continue  # never matches an HTTP request
        if not isinstance(route, Route):
            opaque = True
            continue
        regex, _, convertors = compile_path(path)
        methods = set(route.methods) if route.methods else None
        if isinstance(route, HotAPIRoute) and chain and not opaque and methods:
            entry = HotEntry(route, path, chain, regex, literal=not convertors)
            _shadows(entry, earlier, methods)
            if not entry.unusable:
                for method in methods:
                    by_method.setdefault(method, []).append(entry)
        earlier.append((path, regex, not convertors, methods))
    return by_method


def _shadows(
    entry: HotEntry, earlier: list[tuple[str, re.Pattern[str], bool, set[str] | None]], methods: set[str]
) -> None:
    """Fill in the earlier routes that may answer a path of ``entry`` for one of its methods."""
    mine = _literal_prefix(entry.path)
    for path, regex, literal, served in earlier:
        if served is not None and not served & methods:
            continue  # the scan finds it a partial match at most; the hot route's full match wins
        if literal:
            if entry.regex.match(path):
                entry.shadow_literals.add(path)
            continue
        theirs = _literal_prefix(path)
        if not (mine.startswith(theirs) or theirs.startswith(mine)):
            continue  # a path matching both would start with both prefixes
        if entry.literal:
            if regex.match(entry.path):
                entry.unusable = True  # always claimed by the earlier route
            continue
        entry.shadow_regexes.append(regex)
    if entry.literal and entry.path in entry.shadow_literals:
        entry.unusable = True


def _resolve(entry: HotEntry, router: APIRouter) -> tuple[_IncludedRouter, _EffectiveRouteContext] | None:
    """The included router and effective route context FastAPI's scan reaches the route through (the same
    objects: its route handler reads them back), built as the scan builds them; None: leave it to the scan."""
    top = entry.chain[0]
    if not any(r is top for r in router.routes):
        return None
    levels = [top]
    for declared in entry.chain[1:]:
        found = [
            c
            for c in levels[-1].effective_candidates()
            if isinstance(c, _IncludedRouter) and c.original_router is declared.original_router
        ]
        if len(found) != 1:
            return None  # the same router included twice at one level
        levels.append(found[0])
    # FastAPI applies each level's form limits to the scope on the way down: dispatched only without any
    if any(level.include_context.form_limits for level in levels):
        return None
    contexts = [
        c
        for c in levels[-1].effective_candidates()
        if isinstance(c, _EffectiveRouteContext) and c.original_route is entry.route and c.path == entry.path
    ]
    if len(contexts) != 1 or contexts[0].app is None or contexts[0].path_regex.pattern != entry.regex.pattern:
        return None
    return levels[-1], contexts[0]


class HotDispatch:
    """The ASGI app in place of a router's own app: hot routes straight to their app, the rest to ``inner``."""

    def __init__(self, router: APIRouter, inner: ASGIApp) -> None:
        self.router = router
        self.inner = inner
        self._by_method: dict[str, list[HotEntry]] | None = None

    def find(self, scope: Scope) -> tuple[HotEntry, dict[str, Any]] | None:
        """The hot route that the scan would pick for this request and its path values; None: leave it to the scan."""
        by_method = self._by_method
        if by_method is None:
            by_method = self._by_method = index(self.router)
        entries = by_method.get(scope["method"])
        if not entries:
            return None
        path = get_route_path(scope)
        for entry in entries:
            match = entry.regex.match(path)
            if match is None:
                continue
            if path in entry.shadow_literals or (
                entry.shadow_regexes and any(r.match(path) for r in entry.shadow_regexes)
            ):
                return None
            return entry, match.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and TELEMETRY not in scope:
            found = self.find(scope)
            if found is not None:
                entry, raw = found
                if entry.resolved is None and not entry.unusable:
                    entry.resolved = _resolve(entry, self.router)
                    entry.unusable = entry.resolved is None
                if entry.resolved is not None:
                    included, context = entry.resolved
                    if "router" not in scope:
                        scope["router"] = self.router
                    path_params = dict(scope.get("path_params", {}))
                    convertors = context.param_convertors
                    path_params.update({key: convertors[key].convert(value) for key, value in raw.items()})
                    scope["endpoint"] = context.endpoint
                    scope["path_params"] = path_params
                    scope["route"] = context.original_route
                    fastapi_scope = scope.setdefault(FASTAPI_SCOPE, {})
                    fastapi_scope[INCLUDED_ROUTER] = included
                    fastapi_scope[EFFECTIVE_ROUTE_CONTEXT] = context
                    assert context.app is not None
                    await context.app(scope, receive, send)
                    return
        await self.inner(scope, receive, send)
