"""Shared helpers of the inspection service tests: the people and enterprises of the sample data, tasks and
entry codes made through the API, and reading the service's own tables. Tokens and responses are read with
tests/support (personas, ok, problem)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from stdnum.cn import uscc as stdnum_uscc

from services.common import sample_identities as ids
from services.common.db import transaction
from services.common.tables import outbox_t
from services.inspection import models as m
from tests.support.http import ok
from tests.support.personas import enterprise, officer, supervisor
from tests.support.stack import Running

API = "/api/v1/inspection"

# 市场监管 (SJ), city body SJ-210100 — data/sample/officers.json
SJ = ["辽A-0012340", "辽A-0012341", "辽A-0012342", "辽A-0012343", "辽A-0012344", "辽A-0012346"]
SJ_SUSPENDED = "辽A-0012345"  # 夏静波, suspended in the sample data
SJ_AUXILIARY_ID = "aed2df96-ab58-5a5e-a020-cbb6273b7c4a"  # 向杰玉, 执法辅助人员
XF = ["辽A-0071001", "辽A-0071002", "辽A-0071003", "辽A-0071004"]  # 消防救援
ST_REVOKED = "辽A-0023004"
YJ_EXPIRED = "辽A-0052003"
YJ = ["辽A-0052001", "辽A-0052002"]
ENTERPRISE = ids.ENTERPRISE_USCC  # 沈阳广源食品有限公司, 和平区
OTHER = "91210105MAND58T12T"  # 沈阳金桥餐饮管理有限公司, 皇姑区, also in the demo key-area task
KEY_AREA_TASK = ids.KEY_AREA_TASK_ID
JOINT_TASK = ids.JOINT_TASK_ID
RANDOM_TASK = ids.RANDOM_TASK_ID
FOOD_ITEM = "SJ-SP-001"  # key area, on site


def make_uscc(n: int, region: str = "210102") -> str:
    body = f"91{region}MC{n:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


@dataclass
class Env:
    svc: Running
    database_url: str

    @property
    def url(self) -> str:
        return self.svc.url

    async def scalar(self, query: Any) -> Any:
        async with transaction(self.svc.runtime.factory) as session:
            return await session.scalar(query)

    async def rows(self, query: Any) -> list[Any]:
        async with transaction(self.svc.runtime.factory) as session:
            return list((await session.execute(query)).all())

    async def events(self, type_: str, **data: Any) -> list[dict[str, Any]]:
        """Envelopes of the outbox rows of ``type_`` whose data contain ``data``."""
        query = sa.select(outbox_t.c.envelope).where(outbox_t.c.type == type_).order_by(outbox_t.c.seq)
        found = []
        for (envelope,) in await self.rows(query):
            if all(envelope["data"].get(k) == v for k, v in data.items()):
                found.append(envelope)
        return found

    async def refusals(self, code: str) -> list[m.EntryRefusal]:
        async with transaction(self.svc.runtime.factory) as session:
            query = sa.select(m.EntryRefusal).where(m.EntryRefusal.code == code)
            return list((await session.scalars(query.order_by(m.EntryRefusal.refused_at))).all())


async def new_task(
    http: httpx.AsyncClient,
    *,
    kind: str = "key_area",
    lead_dept: str = "SJ",
    items: list[str] | None = None,
    enterprises: list[str] | None = None,
    approve: bool = True,
    creator: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A task created by an officer of the lead department and approved by the city supervisor."""
    body: dict[str, Any] = {
        "kind": kind,
        "title": f"测试任务 {uuid.uuid4().hex[:6]}",
        "lead_dept": lead_dept,
        "item_codes": items if items is not None else [FOOD_ITEM],
        **extra,
    }
    if kind != "random":
        body["enterprises"] = enterprises if enterprises is not None else [ENTERPRISE]
    lead_officer = {"SJ": SJ[0], "XF": XF[0], "YJ": YJ[0]}.get(lead_dept, SJ[0])
    task = ok(
        await http.post(f"{API}/tasks", json=body, headers=creator or officer(lead_officer, lead_dept)), 201
    )
    if approve:
        task = ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
        if kind == "random":
            await draw_task(http, task["task_id"])
            task = ok(await http.get(f"{API}/tasks/{task['task_id']}", headers=supervisor()))
    return dict(task)


async def draw_task(
    http: httpx.AsyncClient, task_id: str, public_value: str = "测试公开值 03 11 17 22 28 33 + 09"
) -> Any:
    """Draw an approved random task as the city supervisor would, entering the public source's value."""
    return ok(
        await http.post(
            f"{API}/tasks/{task_id}/draw", json={"public_value": public_value}, headers=supervisor()
        )
    )


async def entry_code(
    http: httpx.AsyncClient,
    task_id: str,
    *,
    uscc: str = ENTERPRISE,
    caller: str = SJ[0],
    dept: str = "SJ",
    others: list[str] | None = None,
    items: list[str] | None = None,
    expect: int = 201,
    **headers: str,
) -> Any:
    body = {
        "task_id": task_id,
        "enterprise_uscc": uscc,
        "officers": others if others is not None else [SJ[1]],
        "item_codes": items or [FOOD_ITEM],
    }
    response = await http.post(
        f"{API}/visits/entry-codes", json=body, headers={**officer(caller, dept), **headers}
    )
    return ok(response, expect)


async def check_in(
    http: httpx.AsyncClient, code: str, uscc: str = ENTERPRISE, **headers: str
) -> httpx.Response:
    return await http.post(
        f"{API}/visits/check-in", json={"code": code}, headers={**enterprise(uscc), **headers}
    )


async def refused(env: Env, response: httpx.Response, code: str, status: int = 403) -> dict[str, Any]:
    """The response is the refusal ``code``, and the refusal was stored (committed) and published."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    problem = response.json()
    assert problem["code"] == code, problem
    assert problem["title"] and problem["detail"], problem
    stored = await env.refusals(code)
    assert stored, f"no entry_refusal row for {code}"
    last = stored[-1]
    published = await env.events("inspection.entry.refused", refusal_id=str(last.refusal_id))
    assert len(published) == 1 and published[0]["data"]["code"] == code
    return dict(problem)
