"""The hot route (services/common/hot.py, moved from services/inspection/api/hot.py): the same answers as FastAPI's own handler, byte for byte.

One app declares a route the ordinary way, the other the same route with ``hot_route``; every request below
goes to both and the responses (status, headers, body) must be identical. The fast handler must serve the
well-formed requests (it counts its calls) and leave every other one to FastAPI, which words the refusal.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, Field

from services.common import dispatch, problems
from services.common.errors import Forbidden
from services.common.hot import hot_route
from services.inspection import schemas as s
from services.inspection.api import entry_router
from services.inspection.app import create_app


class Body(s.Strict):
    code: str = Field(min_length=1, max_length=16)
    count: int = 1


class Reply(BaseModel):
    code: str
    count: int
    at: datetime
    id: uuid.UUID
    names: list[str]


class NotAllowed(Forbidden):
    code = "TEST_NOT_ALLOWED"
    title = "不允许"
    title_en = "Not allowed"


async def caller(request: Request) -> str:
    if request.headers.get("authorization") != "Bearer ok":
        raise NotAllowed("调用方无权访问", detail_en="not allowed")
    return "ok"


def reply(body: Body) -> Reply:
    return Reply(
        code=body.code,
        count=body.count,
        at=datetime(2026, 12, 6, 8, 30, 0, 123456, tzinfo=UTC),
        id=uuid.UUID(int=7),
        names=["沈阳市市场监督管理局", 'quote " and \\ backslash'],
    )


async def endpoint(who: Annotated[str, Depends(caller)], body: Body) -> Reply:
    return reply(body)


def _app(hot: bool, calls: list[Body]) -> FastAPI:
    async def fast(request: Request, body: Body) -> Reply:
        calls.append(body)
        return await endpoint(await caller(request), body)

    router = APIRouter(prefix="/api")
    router.add_api_route(
        "/things",
        endpoint,
        methods=["POST"],
        status_code=201,
        response_model=Reply,
        route_class_override=hot_route(Body, fast) if hot else None,
    )
    app = FastAPI()
    problems.install(app)
    app.include_router(router, responses=problems.PROBLEM_RESPONSES)
    return app


OK = {"authorization": "Bearer ok"}
JSON = {**OK, "content-type": "application/json"}
REQUESTS: list[tuple[str, bytes, dict[str, str], bool]] = [
    # (what, body, headers, served by the fast handler)
    ("well-formed", b'{"code":"A1"}', JSON, True),
    (
        "with charset",
        b'{"code":"A1","count":3}',
        {**OK, "content-type": "application/json; charset=utf-8"},
        True,
    ),
    ("unicode", '{"code":"检查码"}'.encode(), JSON, True),
    ("no token", b'{"code":"A1"}', {"content-type": "application/json"}, True),
    ("no token and a bad body", b'{"code":""}', {"content-type": "application/json"}, False),
    ("empty string", b'{"code":""}', JSON, False),
    ("too long", b'{"code":"' + b"x" * 17 + b'"}', JSON, False),
    ("extra field", b'{"code":"A1","x":1}', JSON, False),
    ("wrong type", b'{"code":1}', JSON, False),
    ("string for int (lax, as FastAPI)", b'{"code":"A1","count":"2"}', JSON, True),
    ("missing field", b"{}", JSON, False),
    ("not an object", b"[1]", JSON, False),
    ("broken JSON", b'{"code":', JSON, False),
    ("NaN", b'{"code":"A1","count":NaN}', JSON, False),
    ("empty body", b"", JSON, False),
    ("no content type", b'{"code":"A1"}', OK, False),
    ("text content type", b'{"code":"A1"}', {**OK, "content-type": "text/plain"}, False),
    ("json suffix type", b'{"code":"A1"}', {**OK, "content-type": "application/problem+json"}, False),
    ("not UTF-8", b'{"code":"\xff"}', JSON, False),
]


@pytest.mark.parametrize(("what", "body", "headers", "fast"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_the_hot_route_answers_byte_for_byte_as_fastapi(
    what: str, body: bytes, headers: dict[str, str], fast: bool
) -> None:
    calls: list[Body] = []
    answers = []
    for hot in (False, True):
        transport = httpx.ASGITransport(app=_app(hot, calls))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.post("/api/things", content=body, headers=headers)
        answers.append((response.status_code, sorted(response.headers.items()), response.content))
    assert answers[1] == answers[0], what
    assert len(calls) == (1 if fast else 0), what


async def test_a_well_formed_reply_is_the_declared_status_and_model() -> None:
    transport = httpx.ASGITransport(app=_app(True, []))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/api/things", content=b'{"code":"A1","count":2}', headers=JSON)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "code": "A1",
        "count": 2,
        "at": "2026-12-06T08:30:00.123456Z",
        "id": "00000000-0000-0000-0000-000000000007",
        "names": ["沈阳市市场监督管理局", 'quote " and \\ backslash'],
    }


async def test_dependency_overrides_are_honoured() -> None:
    calls: list[Body] = []
    app = _app(True, calls)

    async def anyone() -> str:
        return "anyone"

    app.dependency_overrides[caller] = anyone
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post(
            "/api/things", content=b'{"code":"A1"}', headers={"content-type": JSON["content-type"]}
        )
    assert response.status_code == 201  # no token, yet the override lets it in: FastAPI's handler served it
    assert calls == []


def test_the_openapi_operation_is_the_ordinary_routes() -> None:
    documents = [_app(hot, []).openapi() for hot in (False, True)]
    assert documents[1] == documents[0]


def test_check_in_is_served_by_a_hot_route() -> None:
    (route,) = [r for r in entry_router.routes if getattr(r, "path", "").endswith("/visits/check-in")]
    assert type(route).__name__ == "HotRoute"
    assert route.status_code == 201  # type: ignore[attr-defined]


def test_check_in_is_reached_without_fastapis_route_scan() -> None:
    """services/common/dispatch.py: the service's one hot route, a literal path no earlier route can claim."""
    os.environ.setdefault("ZHIFA_ENV", "test")
    index = dispatch.index(create_app().router)
    assert list(index) == ["POST"]
    (entry,) = index["POST"]
    assert (entry.path, entry.literal, entry.unusable) == ("/api/v1/inspection/visits/check-in", True, False)
    assert entry.shadow_regexes == [] and entry.shadow_literals == set()
