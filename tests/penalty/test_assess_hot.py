"""The what-if assessment through the kernel's hot route (issue #16 item 3, services/common/hot.py).

``POST /benchmarks/{code}/assess`` is served without FastAPI's generic handler on its common request; every
answer must be the one FastAPI's own handler gives, byte for byte. Each request below is sent twice to the
same running service: once as it comes, once while the app has a ``dependency_overrides`` entry (which hands
every request to FastAPI's handler, services/common/hot.py); status, headers (but the request id) and body
must match (a problem's ``request_id`` aside) — the well-formed assessments, and the refusals the handler words (401, 403, 404, 400, 422).
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from fastapi.routing import APIRoute, iter_route_contexts

from tests.penalty.helpers import SJ_A, USCC_A
from tests.support.dispatch import scan_tries, scanned
from tests.support.personas import enterprise, integration, officer, supervisor
from tests.support.stack import Running, client

ASSESS = "/api/v1/penalty/benchmarks/{code}/assess"
# SY-SJ-0004: goods value brackets (tests/penalty/test_catalogue.py works its figures out by hand)
GOODS = {
    "violation_date": "2026-10-01",
    "party_type": "organisation",
    "base_amounts": {"goods_value": 300_000},
}
REQUESTS: list[tuple[str, dict[str, str], Any]] = [
    ("SY-SJ-0004", officer(**SJ_A), GOODS),
    ("SY-SJ-0004", enterprise(USCC_A), {**GOODS, "first_offence": True, "correction": "in_time"}),
    ("SY-SJ-0004", supervisor(), {**GOODS, "mitigations": ["eliminated_harm"]}),
    ("SY-SJ-0004", {"Authorization": "Bearer nonsense"}, GOODS),  # 401
    ("SY-SJ-0004", integration("payments"), GOODS),  # 403: no integration client assesses
    ("SY-SJ-9999", officer(**SJ_A), GOODS),  # 404 BENCHMARK_NOT_FOUND
    ("SY-SJ-0004", officer(**SJ_A), {**GOODS, "base_amounts": {"goods_value": -1}}),  # 400
    ("SY-SJ-0004", officer(**SJ_A), {**GOODS, "party_type": "martian"}),  # 422 at the field
    ("SY-SJ-0004", officer(**SJ_A), {**GOODS, "extra": 1}),  # 422: the model forbids extra fields
    ("X" * 41, officer(**SJ_A), GOODS),  # 422 at the path parameter (1–40 characters)
    ("X" * 41, officer(**SJ_A), GOODS),  # again: the hot route's kept verdict on the path
    ("SY-SJ-0004", officer(**SJ_A), "not json"),  # 422 JSON decode
]


def _answer(r: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in r.headers.multi_items() if k not in ("x-request-id", "date")]
    # a problem document quotes the request id, which differs per request
    return r.status_code, headers, r.content.replace(r.headers["x-request-id"].encode(), b"<request id>")


async def _send(http: httpx.AsyncClient, code: str, headers: dict[str, str], body: Any) -> httpx.Response:
    if isinstance(body, str):
        headers = {**headers, "Content-Type": "application/json"}
        return await http.post(ASSESS.format(code=code), content=body.encode(), headers=headers)
    return await http.post(ASSESS.format(code=code), json=body, headers=headers)


def _unused() -> None:
    """A dependency no route has: overriding it only makes the hot route hand requests to FastAPI."""


def test_the_what_if_route_is_a_hot_route(penalty: Running) -> None:
    routes = [c.original_route for c in iter_route_contexts(penalty.app.routes)]
    (assess,) = [
        r for r in routes if isinstance(r, APIRoute) and r.path.endswith("/benchmarks/{code}/assess")
    ]
    assert type(assess).__qualname__ == "hot_route.<locals>.HotRoute"


async def test_the_hot_route_answers_as_fastapis_handler_does(penalty: Running) -> None:
    async with client(penalty.url) as http:
        hot = [_answer(await _send(http, *request)) for request in REQUESTS]
        penalty.app.dependency_overrides[_unused] = _unused
        try:
            generic = [_answer(await _send(http, *request)) for request in REQUESTS]
        finally:
            penalty.app.dependency_overrides.pop(_unused)
    statuses = [status for status, _, _ in hot]
    assert statuses == [200, 200, 200, 401, 403, 404, 400, 422, 422, 422, 422, 422]
    for request, mine, theirs in zip(REQUESTS, hot, generic, strict=True):
        assert mine == theirs, request


# The same requests and a few the dispatcher must leave alone, by (method, code or raw path, headers, body)
ROUTED: list[tuple[str, str, dict[str, str], Any]] = [
    *(("POST", code, headers, body) for code, headers, body in REQUESTS),
    ("PUT", "SY-SJ-0004", officer(**SJ_A), GOODS),  # 405, Allow: POST
    ("POST", "SY-SJ-0004%00", officer(**SJ_A), GOODS),  # 422 NUL_CHARACTER
    ("POST", "/api/v1/penalty/benchmarks/SY-SJ-0004/assess/", officer(**SJ_A), GOODS),  # 307 to no slash
    ("POST", "/api/v1/penalty/benchmarks//assess", officer(**SJ_A), GOODS),  # an empty code: 404
]


async def _route(http: httpx.AsyncClient, method: str, code: str, headers: dict[str, str], body: Any) -> Any:
    path = code if code.startswith("/") else ASSESS.format(code=code)
    content = body.encode() if isinstance(body, str) else orjson.dumps(body)
    headers = {**headers, "Content-Type": "application/json", "X-Request-ID": "assess-dispatch"}
    return _answer(await http.request(method, path, content=content, headers=headers))


async def test_the_dispatcher_answers_as_fastapis_route_scan(penalty: Running) -> None:
    """services/common/dispatch.py: the hot route reached without the scan, byte for byte as through it."""
    async with client(penalty.url) as http:
        dispatched = [await _route(http, *request) for request in ROUTED]
        with scanned(penalty.app):
            through_scan = [await _route(http, *request) for request in ROUTED]
        with scan_tries() as tried:
            assert (await _route(http, *ROUTED[0]))[0] == 200
    assert tried == []  # the hot route's request never entered the scan
    statuses = [status for status, _, _ in dispatched]
    assert statuses == [200, 200, 200, 401, 403, 404, 400, 422, 422, 422, 422, 422, 405, 422, 307, 404]
    for request, mine, theirs in zip(ROUTED, dispatched, through_scan, strict=True):
        assert mine == theirs, request
