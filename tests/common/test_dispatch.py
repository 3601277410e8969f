"""The hot routes' dispatcher (services/common/dispatch.py): a hot route's request reaches its app without
FastAPI's route scan, and answers exactly as through the scan.

The app is a service app as the kernel composes it (``build_service_app``: the edge, ``RequestTarget``, the
problem handlers, the health, kernel and audit routes first), with a service router of the real shape: an
outer router with the prefix, an inner one with the routes, a hot route with a path parameter behind two
earlier routes that claim some of its paths, and a literal hot route in ``hot_routers`` (inspection's shape).
Each request goes once through the dispatcher and once through the scan (``tests.support.dispatch.scanned``):
status, headers and body must be the same bytes, and the scope the route's handler sees the same values.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import httpx
import orjson
import pytest
from fastapi import APIRouter, Depends, FastAPI, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from services.common import dispatch
from services.common.app import ServiceParts, build_service_app
from services.common.errors import Forbidden, NotFound, Unauthorized
from services.common.hot import hot_route
from services.common.registry import SERVICES
from services.common.settings import settings_class
from tests.support.dispatch import scan_tries, scanned

PREFIX = "/api/v1/notify"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=20)


class Reply(BaseModel):
    code: str
    note: str
    who: str
    by: str


SEEN: list[dict[str, Any]] = []  # the scope each handler saw (the hot route's fast path and the others)


def caller(request: Request) -> str:
    token = request.headers.get("authorization")
    if token is None:
        raise Unauthorized("缺少令牌", detail_en="no token")
    if token != "Bearer ok":
        raise Forbidden("无权访问", detail_en="not allowed")
    return "ok"


CodePath = Annotated[str, Path(min_length=1, max_length=8)]


async def assess(code: CodePath, who: Annotated[str, Depends(caller)], body: Body) -> Reply:
    if code == "missing":
        raise NotFound("没有该编码", detail_en="no such code")
    return Reply(code=code, note=body.note, who=who, by="hot route")


async def _assess_fast(request: Request, body: Body) -> Reply:
    SEEN.append(dict(request.scope))
    return await assess(request.path_params["code"], caller(request), body)


async def check_in(who: Annotated[str, Depends(caller)], body: Body) -> Reply:
    return Reply(code="-", note=body.note, who=who, by="check-in")


async def _check_in_fast(request: Request, body: Body) -> Reply:
    SEEN.append(dict(request.scope))
    return await check_in(caller(request), body)


def _routers() -> tuple[APIRouter, APIRouter]:
    entry = APIRouter(prefix=PREFIX)
    entry.add_api_route(
        "/visits/check-in",
        check_in,
        methods=["POST"],
        status_code=201,
        response_model=Reply,
        route_class_override=hot_route(Body, _check_in_fast),
    )
    inner = APIRouter()

    @inner.post("/things/{number:int}/assess", response_model=Reply)
    async def numbered(number: int, body: Body) -> Reply:
        """An earlier route that claims the numeric codes."""
        return Reply(code=str(number), note=body.note, who="-", by="numbered")

    @inner.post("/things/special/assess", response_model=Reply)
    async def special(body: Body) -> Reply:
        """An earlier route with a literal path the hot route's template matches too."""
        return Reply(code="special", note=body.note, who="-", by="special")

    @inner.get("/things/{code}/assess", response_model=Reply)
    async def read(code: str) -> Reply:
        """The same path for GET: a PUT is 405 with both methods."""
        return Reply(code=code, note="-", who="-", by="read")

    inner.add_api_route(
        "/things/{code}/assess",
        assess,
        methods=["POST"],
        response_model=Reply,
        route_class_override=hot_route(Body, _assess_fast),
    )
    outer = APIRouter(prefix=PREFIX)
    outer.include_router(inner)
    return entry, outer


def _app() -> FastAPI:
    os.environ.setdefault("ZHIFA_ENV", "test")
    entry, outer = _routers()
    parts = ServiceParts(
        info=SERVICES["notify"], settings=settings_class("notify")(), routers=[outer], hot_routers=[entry]
    )
    return build_service_app(parts, role="api")


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return _app()


JSON = {"content-type": "application/json"}
OK = {**JSON, "authorization": "Bearer ok", "x-request-id": "r-1"}  # a request id of ours: the same bytes
GOOD = b'{"note":"hello"}'
ASSESS = PREFIX + "/things/{}/assess"
# (what, method, path, body, headers, root_path, the status through the scan, which handler answers)
REQUESTS: list[tuple[str, str, str, bytes, dict[str, str], str, int, str | None]] = [
    ("200", "POST", ASSESS.format("A1"), GOOD, OK, "", 200, "hot route"),
    ("unicode code", "POST", ASSESS.format("%E6%A3%80%E6%9F%A5"), GOOD, OK, "", 200, "hot route"),
    ("empty token", "POST", ASSESS.format("A1"), GOOD, {**OK, "authorization": ""}, "", 403, None),
    ("no token", "POST", ASSESS.format("A1"), GOOD, {**JSON, "x-request-id": "r-1"}, "", 401, None),
    ("403", "POST", ASSESS.format("A1"), GOOD, {**OK, "authorization": "Bearer no"}, "", 403, None),
    ("404", "POST", ASSESS.format("missing"), GOOD, OK, "", 404, None),
    ("405", "PUT", ASSESS.format("A1"), GOOD, OK, "", 405, None),
    ("422 body", "POST", ASSESS.format("A1"), b'{"note":""}', OK, "", 422, None),
    ("422 extra field", "POST", ASSESS.format("A1"), b'{"note":"a","x":1}', OK, "", 422, None),
    ("422 path", "POST", ASSESS.format("X" * 9), GOOD, OK, "", 422, None),
    ("broken JSON", "POST", ASSESS.format("A1"), b'{"note":', OK, "", 422, None),
    ("NUL in the path", "POST", ASSESS.format("A%00"), GOOD, OK, "", 422, None),
    ("NUL in the body", "POST", ASSESS.format("A1"), b'{"note":"a\\u0000"}', OK, "", 422, None),
    ("trailing slash", "POST", ASSESS.format("A1") + "/", GOOD, OK, "", 307, None),
    ("earlier template", "POST", ASSESS.format("42"), GOOD, OK, "", 200, None),
    ("earlier literal", "POST", ASSESS.format("special"), GOOD, OK, "", 200, None),
    ("root_path", "POST", "/gw" + ASSESS.format("A1"), GOOD, OK, "/gw", 200, "hot route"),
    ("root_path not in the path", "POST", ASSESS.format("A1"), GOOD, OK, "/gw", 200, "hot route"),
    ("literal hot route", "POST", PREFIX + "/visits/check-in", GOOD, OK, "", 201, "check-in"),
    ("literal, 422", "POST", PREFIX + "/visits/check-in", b"[]", OK, "", 422, None),
    ("literal, trailing slash", "POST", PREFIX + "/visits/check-in/", GOOD, OK, "", 307, None),
    ("another route", "GET", "/healthz", b"", OK, "", 200, None),
]
IDS = [r[0] for r in REQUESTS]


async def _send(
    app: FastAPI, method: str, path: str, body: bytes, headers: dict[str, str], root_path: str
) -> tuple[int, list[tuple[str, str]], bytes, dict[str, Any] | None]:
    SEEN.clear()
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        r = await http.request(method, path, content=body, headers=headers)
    scope = SEEN[0] if SEEN else None
    return r.status_code, r.headers.multi_items(), r.content, scope


# what the scan sets and the route's handler reads back, compared by value (identity for the objects)
ROUTING_KEYS = ("router", "endpoint", "path_params", "route", "root_path", "path", "app")


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "headers", "root", "status", "by"), REQUESTS, ids=IDS
)
async def test_the_dispatcher_answers_as_the_scan(
    app: FastAPI,
    what: str,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    root: str,
    status: int,
    by: str | None,
) -> None:
    with scanned(app):
        scan = await _send(app, method, path, body, headers, root)
    hot = await _send(app, method, path, body, headers, root)
    assert scan[0] == status, (what, scan[2])
    assert hot[:3] == scan[:3], what
    if by is not None:
        assert orjson.loads(hot[2])["by"] == by
        hot_scope, scan_scope = hot[3], scan[3]
        assert hot_scope is not None and scan_scope is not None
        assert hot_scope.keys() == scan_scope.keys()
        for key in ROUTING_KEYS:
            assert hot_scope[key] == scan_scope[key], key
        # the included router and the effective route context FastAPI's handler reads: the very same objects
        assert hot_scope["fastapi"].keys() == scan_scope["fastapi"].keys()
        for key, value in scan_scope["fastapi"].items():
            assert hot_scope["fastapi"][key] is value, key


@pytest.mark.parametrize(
    ("path", "by"), [(ASSESS.format("A1"), "hot route"), (PREFIX + "/visits/check-in", "check-in")]
)
async def test_a_hot_route_is_not_scanned_for(app: FastAPI, path: str, by: str) -> None:
    with scan_tries() as scans:
        status, _, body, _ = await _send(app, "POST", path, GOOD, OK, "")
    assert status in (200, 201) and orjson.loads(body)["by"] == by
    assert scans == []


async def test_other_routes_are_scanned_for_as_before(app: FastAPI) -> None:
    with scan_tries() as scans:
        status, _, body, _ = await _send(app, "POST", ASSESS.format("42"), GOOD, OK, "")
    assert (status, orjson.loads(body)["by"]) == (200, "numbered")
    # FastAPI's own (/openapi.json, the docs), the check-in (hot_routers), /healthz ..., the kernel's, ours
    assert scans[0] == "/openapi.json"
    assert scans.index(PREFIX + "/visits/check-in") < scans.index("/healthz")
    assert scans[-1] == PREFIX + "/things/{number:int}/assess" and len(scans) > 10


def test_the_index_holds_the_hot_routes_and_what_may_claim_their_paths(app: FastAPI) -> None:
    index = dispatch.index(app.router)
    assert set(index) == {"POST"}
    check_in_entry, assess_entry = index["POST"]
    assert (check_in_entry.path, check_in_entry.literal) == (PREFIX + "/visits/check-in", True)
    assert check_in_entry.shadow_regexes == [] and check_in_entry.shadow_literals == set()
    assert (assess_entry.path, assess_entry.literal) == (PREFIX + "/things/{code}/assess", False)
    # the numbered route (a template with the same prefix) and the special one (a literal); the GET route is
    # not the hot route's method, and no kernel route's path starts as /api/v1/notify/things/
    assert [r.pattern for r in assess_entry.shadow_regexes] == [
        "^/api/v1/notify/things/(?P<number>[0-9]+)/assess$"
    ]
    assert assess_entry.shadow_literals == {PREFIX + "/things/special/assess"}
