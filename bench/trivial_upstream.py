"""The issue's baseline upstream: a trivial JSON endpoint, FastAPI on uvicorn with uvloop + httptools.

For bench/gateway_post.py it also answers a check-in's shape: ``POST .../visits/check-in`` reads the JSON body
and answers 201 with a check-in's reply (the bytes of ``views.check_in_json`` for a common check-in, 1,717
bytes) and the request id, as the inspection service does; the ``-paced`` variants of both paths wait 10 ms
first, so that a few connections carry a check-in's rate (~700/s at 8) without the upstream's CPU. With
``--zhifa`` it is served by the platform's HTTP server configuration instead of plain uvicorn."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI, Request, Response

PACE_S = 0.010

app = FastAPI()


def _check_in_reply() -> bytes:
    """A common check-in's reply: one item, two officers and one accompanying, as bench_checkin's visits."""
    from services.inspection import views

    started = datetime(2026, 12, 7, 6, 5, 4, 321000, tzinfo=UTC)
    values = {
        "visit_id": uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"),
        "task_id": uuid.UUID("b3c1d2e4-0000-4000-8000-00000000be11"),
        "task_kind": "key_area",
        "uscc": "91210102MB00000011",
        "district_code": "210102",
        "mode": "entry_code",
        "status": "in_progress",
        "started_at": started,
        "recorded_at": started + timedelta(microseconds=7),
        "reason": "",
        "officers": [
            {"cert_no": "辽A-0012340", "name": "雷悦国", "dept_code": "SJ", "department": "市场监管"},
            {"cert_no": "辽A-0012341", "name": "沈刚悦", "dept_code": "SJ", "department": ""},
        ],
        "accompanying": [{"name": "向杰玉", "dept_code": "SJ", "department": "市场监管"}],
        "items": [
            {
                "code": "SJ-SP-001",
                "name": "对食品生产经营许可及许可证公示情况的检查",
                "dept_code": "SJ",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条；第一百一十条",
            }
        ],
    }
    return views.check_in_json(values, "沈阳压测企业0001有限公司")


REPLY = _check_in_reply()


@app.get("/api/v1/inspection/bench/trivial")
async def trivial() -> dict[str, object]:
    return {"ok": True, "service": "trivial"}


@app.get("/api/v1/inspection/bench/trivial-paced")
async def trivial_paced() -> dict[str, object]:
    await asyncio.sleep(PACE_S)
    return {"ok": True, "service": "trivial"}


async def _check_in(request: Request, pace: bool) -> Response:
    await request.body()
    if pace:
        await asyncio.sleep(PACE_S)
    rid = request.headers.get("x-request-id", "")
    return Response(REPLY, 201, media_type="application/json", headers={"x-request-id": rid})


@app.post("/api/v1/inspection/visits/check-in")
async def check_in(request: Request) -> Response:
    return await _check_in(request, False)


@app.post("/api/v1/inspection/bench/check-in-paced")
async def check_in_paced(request: Request) -> Response:
    return await _check_in(request, True)


if __name__ == "__main__":
    import uvicorn

    if "--zhifa" in sys.argv:
        # served as every zhifa process is (services.common.httpserver: a response's head and body in one
        # write), so the gateway reads a reply the way it reads the inspection service's
        from services.common import httpserver

        config = httpserver.config(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop")
        uvicorn.Server(config).run()
    else:
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=int(sys.argv[1]),
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
        )
