"""Helpers of the examiner's inspection cases: enterprises registered, tasks made and approved, codes asked
for and used, all through the HTTP API (tests/inspection/helpers.py for the sample's people)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.inspection.helpers import API, SJ, XF, make_uscc, new_task
from tests.support.http import ok
from tests.support.personas import admin, enterprise, officer, supervisor

# Two active certified officers of each department of the sample (data/sample/officers.json), and an on-site
# item of each (data/sample/inspection_items.json).
PAIRS = {
    "SJ": (SJ[0], SJ[1]),
    "XF": (XF[0], XF[1]),
    "ST": ("辽A-0023001", "辽A-0023002"),
    "CG": ("辽A-0031001", "辽A-0031002"),
    "JT": ("辽A-0041001", "辽A-0041003"),
    "YJ": ("辽A-0052001", "辽A-0052002"),
    "WJ": ("辽A-0061001", "辽A-0061002"),
}
ITEM = {
    "SJ": "SJ-SP-001",
    "XF": "XF-JD-001",
    "ST": "ST-PW-001",
    "CG": "CG-SR-001",
    "JT": "JT-KY-001",
    "YJ": "YJ-AQ-001",
    "WJ": "WJ-GG-001",
}


async def register(
    http: httpx.AsyncClient, n: int, *, industry: str = "餐饮服务", district: str = "210102"
) -> str:
    """A new enterprise of the examiner (number ``n``, unique per module), registered by an administrator."""
    uscc = make_uscc(n, district)
    body = {
        "uscc": uscc,
        "name": f"沈阳考官测试{n}有限公司",
        "district_code": district,
        "industry": industry,
        "legal_rep_name": "赵六",
    }
    ok(await http.post(f"{API}/enterprises", json=body, headers=admin()), 201)
    return uscc


async def task_for(
    http: httpx.AsyncClient, uscc: str, depts: list[str], kind: str = "joint", **extra: Any
) -> str:
    """An approved task of ``kind`` for ``uscc`` led by the first department, with one item per department."""
    lead = depts[0]
    body_extra: dict[str, Any] = dict(extra)
    if kind == "joint":
        body_extra["dept_codes"] = depts[1:]
    task = await new_task(
        http,
        kind=kind,
        lead_dept=lead,
        items=[ITEM[d] for d in depts],
        enterprises=[uscc],
        creator=officer(PAIRS[lead][0], lead),
        **body_extra,
    )
    return str(task["task_id"])


def code_body(task_id: str, uscc: str, depts: list[str], caller: str | None = None) -> dict[str, Any]:
    inspectors = [c for d in depts for c in PAIRS[d]]
    first = caller or inspectors[0]
    return {
        "task_id": task_id,
        "enterprise_uscc": uscc,
        "officers": [c for c in inspectors if c != first],
        "item_codes": [ITEM[d] for d in depts],
    }


async def ask_code(
    http: httpx.AsyncClient, task_id: str, uscc: str, depts: list[str], **headers: str
) -> httpx.Response:
    body = code_body(task_id, uscc, depts)
    first = PAIRS[depts[0]][0]
    return await http.post(
        f"{API}/visits/entry-codes", json=body, headers={**officer(first, depts[0]), **headers}
    )


async def visit(http: httpx.AsyncClient, task_id: str, uscc: str, depts: list[str]) -> dict[str, Any]:
    """An entry code asked for and checked in with: a visit started."""
    code = ok(await ask_code(http, task_id, uscc, depts), 201)
    got = ok(await check_in(http, code["code"], uscc), 201)
    return dict(got["visit"])


async def check_in(http: httpx.AsyncClient, code: str, uscc: str) -> httpx.Response:
    return await http.post(
        f"{API}/visits/check-in",
        json={"code": code},
        headers={**enterprise(uscc), "Idempotency-Key": str(uuid.uuid4())},
    )


async def task_view(http: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    return dict(ok(await http.get(f"{API}/tasks/{task_id}", headers=supervisor())))
