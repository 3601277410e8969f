"""扫码入企 end to end through the gateway, with real PostgreSQL and NATS JetStream:

task → approval → entry code → the enterprise checks in → outcomes with one violation → checkout →
``inspection.violation.found`` on the INSPECTION stream with the documented payload → the enterprise rates
the visit (``inspection.visit.rated`` on the stream);

and the refusal matrix of issue 3 through the gateway: each refusal answered with its stable code and
Chinese message, and its ``inspection.entry.refused`` event read back from the stream.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import nats
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    KEY_AREA_TASK,
    OTHER,
    SJ,
    SJ_AUXILIARY_ID,
    XF,
)
from tests.support.http import ok
from tests.support.personas import admin, enterprise, officer, supervisor
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, client

CAP_ENTERPRISE = "91210102MA05EB7E7Y"  # 沈阳瑞丰超市有限公司, 和平区
VIOLATION_FIELDS = {
    "violation_id",
    "visit_id",
    "enterprise_uscc",
    "enterprise_name",
    "item_code",
    "item_name",
    "legal_basis",
    "description",
    "evidence_hashes",
    "officer_cert_nos",
    "department_code",
    "district_code",
    "found_at",
}


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    settings = {"inspection": {"relay_poll_interval_s": 0.1}}
    async with running_platform(
        stack, ("inspection",), nats=nats_server, gateway=True, settings=settings
    ) as running:
        yield running


async def from_stream(
    nats_url: str, subject: str, match: Callable[[dict[str, Any]], bool], timeout: float = 20
) -> dict[str, Any]:
    """The first envelope on ``subject`` (from the start of the stream) for which ``match(envelope)``."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            subject,
            stream="INSPECTION",
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, filter_subject=subject),
        )
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            try:
                messages = await sub.fetch(50, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            for message in messages:
                await message.ack()
                envelope = json.loads(message.data)
                if match(envelope):
                    return dict(envelope)
        raise AssertionError(f"nothing matching on {subject} within {timeout}s")
    finally:
        await nc.close()


async def test_task_to_rating_with_the_violation_on_the_stream(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        task = ok(
            await http.post(
                f"{API}/tasks",
                json={
                    "kind": "complaint",
                    "title": "12345转办：生产车间卫生条件差",
                    "lead_dept": "SJ",
                    "item_codes": [FOOD_ITEM, "SJ-SP-011"],
                    "enterprises": [ENTERPRISE],
                    "lead_id": "12345-2026-1123-0077",
                },
                headers=officer(SJ[0], "SJ"),
            ),
            201,
        )
        code_request = {
            "task_id": task["task_id"],
            "enterprise_uscc": ENTERPRISE,
            "officers": [SJ[1]],
            "item_codes": [FOOD_ITEM, "SJ-SP-011"],
        }
        r = await http.post(f"{API}/visits/entry-codes", json=code_request, headers=officer(SJ[0], "SJ"))
        assert (r.status_code, r.json()["code"]) == (403, "TASK_NOT_APPROVED")  # approval comes first
        ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
        code = ok(
            await http.post(f"{API}/visits/entry-codes", json=code_request, headers=officer(SJ[0], "SJ")), 201
        )
        keys = ok(await http.get("/public/inspection/visits/entry-codes/keys"))
        assert keys["keys"][0]["kid"] == code["kid"]

        checked_in = ok(
            await http.post(
                f"{API}/visits/check-in", json={"code": code["code"]}, headers=enterprise(ENTERPRISE)
            ),
            201,
        )
        visit = checked_in["visit"]
        assert [o["cert_no"] for o in visit["officers"]] == [SJ[0], SJ[1]] and checked_in["rights"]
        evidence = ["9b" * 32]
        outcomes = {
            "outcomes": [
                {"item_code": FOOD_ITEM, "outcome": "compliant"},
                {
                    "item_code": "SJ-SP-011",
                    "outcome": "violation",
                    "description": "未建立食品安全自查制度，车间地面积水",
                    "evidence_sha256": evidence,
                },
            ]
        }
        ok(
            await http.post(
                f"{API}/visits/{visit['visit_id']}/outcomes", json=outcomes, headers=officer(SJ[1], "SJ")
            )
        )
        done = ok(await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(SJ[0], "SJ")))
        assert done["status"] == "completed"

        found = await from_stream(
            platform.nats_url,
            "inspection.violation.found",
            lambda e: e["data"]["visit_id"] == visit["visit_id"],
        )
        assert (
            found["type"] == "inspection.violation.found"
            and found["version"] == 1
            and found["source"] == "inspection"
        )
        data = found["data"]
        assert set(data) == VIOLATION_FIELDS  # the documented payload (docs/api/inspection.md), nothing more
        assert data["enterprise_uscc"] == ENTERPRISE and data["enterprise_name"] == "沈阳广源食品有限公司"
        assert (data["item_code"], data["item_name"]) == (
            "SJ-SP-011",
            "对食品生产经营者食品安全自查制度落实情况的检查",
        )
        assert data["legal_basis"].startswith("《中华人民共和国食品安全法》")
        assert (
            data["description"] == "未建立食品安全自查制度，车间地面积水"
            and data["evidence_hashes"] == evidence
        )
        assert data["officer_cert_nos"] == [SJ[0], SJ[1]]
        assert (data["department_code"], data["district_code"]) == ("SJ", "210102")
        assert datetime.fromisoformat(data["found_at"]) <= datetime.fromisoformat(done["completed_at"])
        completed = await from_stream(
            platform.nats_url,
            "inspection.visit.completed",
            lambda e: e["data"]["visit_id"] == visit["visit_id"],
        )
        assert completed["data"]["outcomes"]["violation"] == 1

        rated = ok(
            await http.post(
                f"{API}/visits/{visit['visit_id']}/rating",
                json={
                    "stars": 5,
                    "tags": ["规范", "讲解清楚"],
                    "comment": "执法人员主动出示证件",
                    "anonymous": True,
                },
                headers=enterprise(ENTERPRISE),
            )
        )
        assert rated["rating"]["stars"] == 5
        event = await from_stream(
            platform.nats_url, "inspection.visit.rated", lambda e: e["data"]["visit_id"] == visit["visit_id"]
        )
        assert event["data"]["anonymous"] is True and event["data"]["stars"] == 5
        assert event["request_id"]  # the gateway's request id followed the action into the event


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def code_for(
    http: httpx.AsyncClient,
    task: str = KEY_AREA_TASK,
    uscc: str = ENTERPRISE,
    others: list[str] | None = None,
    items: list[str] | None = None,
) -> dict[str, Any]:
    body = {
        "task_id": task,
        "enterprise_uscc": uscc,
        "officers": others if others is not None else [SJ[1]],
        "item_codes": items or [FOOD_ITEM],
    }
    return dict(
        ok(await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(SJ[0], "SJ")), 201)
    )


async def request_code(
    http: httpx.AsyncClient,
    caller: dict[str, str],
    others: list[str],
    *,
    task: str = KEY_AREA_TASK,
    uscc: str = ENTERPRISE,
    items: list[str] | None = None,
) -> httpx.Response:
    body = {"task_id": task, "enterprise_uscc": uscc, "officers": others, "item_codes": items or [FOOD_ITEM]}
    return await http.post(f"{API}/visits/entry-codes", json=body, headers=caller)


async def check_in(http: httpx.AsyncClient, code: str, uscc: str = ENTERPRISE) -> httpx.Response:
    return await http.post(f"{API}/visits/check-in", json={"code": code}, headers=enterprise(uscc))


async def forged(http: httpx.AsyncClient) -> httpx.Response:
    header, payload, _ = (await code_for(http))["code"].split(".")
    signature = Ed25519PrivateKey.generate().sign(f"{header}.{payload}".encode())
    return await check_in(http, f"{header}.{payload}.{b64(signature)}")


async def tampered(http: httpx.AsyncClient) -> httpx.Response:
    header, payload, signature = (await code_for(http))["code"].split(".")
    claims = json.loads(b64d(payload))
    claims["off"] = [SJ[0], SJ[4]]
    return await check_in(
        http, f"{header}.{b64(json.dumps(claims, ensure_ascii=False).encode())}.{signature}"
    )


async def expired(http: httpx.AsyncClient) -> httpx.Response:
    code = await code_for(http)
    clock.set_offset(timedelta(minutes=11))
    try:
        return await check_in(http, code["code"])
    finally:
        clock.reset()


async def replayed(http: httpx.AsyncClient) -> httpx.Response:
    code = await code_for(http)
    ok(await check_in(http, code["code"]), 201)
    return await check_in(http, code["code"])


async def other_enterprise(http: httpx.AsyncClient) -> httpx.Response:
    return await check_in(http, (await code_for(http))["code"], uscc=OTHER)


async def enterprise_as_officer(http: httpx.AsyncClient) -> httpx.Response:
    return await request_code(http, enterprise(ENTERPRISE), [SJ[1]])


async def other_department(http: httpx.AsyncClient) -> httpx.Response:
    return await request_code(http, officer(XF[0], "XF"), [XF[1]])


async def suspended_mid_task(http: httpx.AsyncClient) -> httpx.Response:
    code = await code_for(http, others=[SJ[4]])
    people = ok(await http.get(f"{API}/officers", params={"dept_code": "SJ", "limit": 100}, headers=admin()))[
        "items"
    ]
    target = next(o for o in people if o["cert_no"] == SJ[4])
    status = f"{API}/officers/{target['officer_id']}/status"
    ok(
        await http.post(
            status,
            json={"status": "suspended", "reason": "涉嫌违规检查，暂扣执法证件待核查"},
            headers=admin(),
        )
    )
    try:
        return await check_in(http, code["code"])
    finally:
        ok(await http.post(status, json={"status": "active", "reason": "核查结束"}, headers=admin()))


async def one_officer(http: httpx.AsyncClient) -> httpx.Response:
    return await request_code(http, officer(SJ[0], "SJ"), [])


async def auxiliary_as_officer(http: httpx.AsyncClient) -> httpx.Response:
    return await request_code(http, officer(SJ[0], "SJ"), [SJ_AUXILIARY_ID])


async def item_outside_catalogue(http: httpx.AsyncClient) -> httpx.Response:
    return await request_code(http, officer(SJ[0], "SJ"), [SJ[1]], items=["SJ-SP-998"])


async def unapproved_task(http: httpx.AsyncClient) -> httpx.Response:
    body = {
        "kind": "key_area",
        "title": "待审批",
        "lead_dept": "SJ",
        "item_codes": [FOOD_ITEM],
        "enterprises": [ENTERPRISE],
    }
    task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
    return await request_code(http, officer(SJ[0], "SJ"), [SJ[1]], task=task["task_id"])


async def cap_reached(http: httpx.AsyncClient) -> httpx.Response:
    body = {
        "kind": "joint",
        "title": "联合检查",
        "lead_dept": "SJ",
        "dept_codes": ["XF"],
        "item_codes": [FOOD_ITEM, "XF-JD-001"],
        "enterprises": [CAP_ENTERPRISE],
    }
    task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
    ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
    first = await code_for(
        http, task["task_id"], CAP_ENTERPRISE, [SJ[1], XF[0], XF[1]], [FOOD_ITEM, "XF-JD-001"]
    )
    ok(await check_in(http, first["code"], CAP_ENTERPRISE), 201)
    return await request_code(http, officer(SJ[0], "SJ"), [SJ[1]], task=task["task_id"], uscc=CAP_ENTERPRISE)


async def quiet_period(http: httpx.AsyncClient) -> httpx.Response:
    quiet = "91210100MANL931A3X"
    window = {
        "uscc": quiet,
        "starts_on": str(clock.today()),
        "ends_on": str(clock.today() + timedelta(days=7)),
        "reason": "企业停产检修期",
    }
    ok(await http.post(f"{API}/quiet-windows", json=window, headers=admin()), 201)
    body = {
        "kind": "joint",
        "title": "联合检查",
        "lead_dept": "SJ",
        "dept_codes": ["XF"],
        "item_codes": [FOOD_ITEM, "XF-JD-001"],
        "enterprises": [quiet],
    }
    task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
    ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
    return await request_code(
        http,
        officer(SJ[0], "SJ"),
        [SJ[1], XF[0], XF[1]],
        task=task["task_id"],
        uscc=quiet,
        items=[FOOD_ITEM, "XF-JD-001"],
    )


async def invalid_uscc(http: httpx.AsyncClient) -> httpx.Response:
    bad = ENTERPRISE[:-1] + ("0" if ENTERPRISE[-1] != "0" else "1")
    return await request_code(http, officer(SJ[0], "SJ"), [SJ[1]], uscc=bad)


MATRIX: list[tuple[str, Callable[[httpx.AsyncClient], Any], int, str, bool]] = [
    # (case, action, status, code, published as inspection.entry.refused)
    ("forged signature", forged, 403, "CODE_INVALID", True),
    ("tampered payload", tampered, 403, "CODE_INVALID", True),
    ("expired code", expired, 403, "CODE_EXPIRED", True),
    ("replayed code", replayed, 409, "CODE_USED", True),
    ("code for another enterprise", other_enterprise, 403, "CODE_WRONG_ENTERPRISE", True),
    ("enterprise token used as officer", enterprise_as_officer, 403, "ROLE_FORBIDDEN", False),
    ("officer of another department", other_department, 403, "OFFICER_OUT_OF_AUTHORITY", True),
    ("suspended certificate mid-task", suspended_mid_task, 403, "CERT_SUSPENDED", True),
    ("one officer only", one_officer, 403, "TOO_FEW_OFFICERS", True),
    ("auxiliary counted as officer", auxiliary_as_officer, 403, "NOT_CERTIFIED", True),
    ("item outside the catalogue", item_outside_catalogue, 403, "ITEM_NOT_IN_CATALOGUE", True),
    ("unapproved task", unapproved_task, 403, "TASK_NOT_APPROVED", True),
    ("cap reached", cap_reached, 403, "FREQUENCY_CAP_REACHED", True),
    ("quiet period", quiet_period, 403, "QUIET_PERIOD", True),
    ("invalid USCC", invalid_uscc, 422, "VALIDATION_FAILED", False),
]


@pytest.mark.parametrize(
    ("case", "action", "status", "code", "published"), MATRIX, ids=[m[0] for m in MATRIX]
)
async def test_refusal_matrix_through_the_gateway(
    platform: Platform,
    case: str,
    action: Callable[[httpx.AsyncClient], Any],
    status: int,
    code: str,
    published: bool,
) -> None:
    async with client(platform.gateway.url) as http:
        response = await action(http)
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == code and problem["title"] and problem["detail"], problem
    assert response.headers["content-type"].startswith("application/problem+json")
    if published:
        request_id = response.headers["x-request-id"]
        event = await from_stream(
            platform.nats_url,
            "inspection.entry.refused",
            lambda e: e["request_id"] == request_id and e["data"]["code"] == code,
        )
        assert event["data"]["detail"] == problem["detail"]


async def test_duplicate_post_with_the_same_idempotency_key_makes_one_visit(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        code = await code_for(http)
        key = {"Idempotency-Key": f"e2e-{uuid.uuid4()}"}
        first = await http.post(
            f"{API}/visits/check-in", json={"code": code["code"]}, headers={**enterprise(ENTERPRISE), **key}
        )
        second = await http.post(
            f"{API}/visits/check-in", json={"code": code["code"]}, headers={**enterprise(ENTERPRISE), **key}
        )
        assert first.status_code == second.status_code == 201 and first.json() == second.json()
        visits = ok(await http.get(f"{API}/visits", params={"limit": 200}, headers=enterprise(ENTERPRISE)))[
            "items"
        ]
        assert sum(1 for v in visits if v["visit_id"] == first.json()["visit"]["visit_id"]) == 1


async def test_an_enterprise_cannot_read_another_enterprises_visits(platform: Platform) -> None:
    async with client(platform.gateway.url) as http:
        code = await code_for(http)
        visit = ok(await check_in(http, code["code"]), 201)["visit"]
        r = await http.get(f"{API}/visits/{visit['visit_id']}", headers=enterprise(OTHER))
        assert (r.status_code, r.json()["code"]) == (404, "VISIT_NOT_FOUND")
