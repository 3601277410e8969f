"""Authorization matrix: every risk endpoint × every role, including someone else's object (404, never 403).

``OK`` means the caller got past authentication, the role gate and the object check (2xx, or a 409/422 that
depends on the object's state, which the matrix does not control).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.common.contracts import inspection
from tests.risk.helpers import ADMIN, HOTLINE, apply, make_uscc, of_unit, unit_officer
from tests.support import personas
from tests.support.contracts import decision_issued
from tests.support.stack import Running, client

UNIT, OTHER = "CG-210104", "SJ-210102"  # the objects belong to UNIT (district 210104)
USCC = make_uscc(77)
OK = "ok"

ROLES: dict[str, dict[str, str]] = {
    "officer_own": unit_officer(UNIT),
    "officer_other": unit_officer(OTHER),
    "enterprise": personas.enterprise(make_uscc(78), sub="ent"),
    "enterprise_own": personas.enterprise(USCC, sub="ent-own"),
    "supervisor_city": personas.supervisor("city", sub="sup-city"),
    "supervisor_district": personas.supervisor("210104", sub="sup-104"),
    "supervisor_other": personas.supervisor("210102", sub="sup-102"),
    "integration": HOTLINE,
    "admin": ADMIN,
    "anonymous": {},
}


@dataclass
class Objects:
    warning_id: str
    lead_id: str
    run_id: str
    upload_id: str


@pytest.fixture(scope="module")
async def objects(risk: Running) -> AsyncIterator[Objects]:
    await apply(
        risk,
        *(
            decision_issued(**of_unit(UNIT), domain="市容环卫", decided_on=date(2026, 8, 3), party_uscc=None)
            for _ in range(5)
        ),
    )
    await apply(
        risk,
        inspection.EnterpriseRegistered(
            uscc=USCC,
            name="沈阳矩阵有限公司",
            district_code="210104",
            industry="餐饮",
            registered_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
    )
    body = b"".join(
        json.dumps(
            {
                "external_id": f"M-{i}",
                "unit_code": UNIT,
                "domain": "市容环卫",
                "category": "执法态度",
                "text": "投诉",
                "received_at": "2026-08-04T10:00:00+08:00",
            },
            ensure_ascii=False,
        ).encode()
        + b"\n"
        for i in range(8)  # 8 complaints: red
    )
    async with client(risk.url) as http:
        r = await http.post("/api/v1/risk/intake/complaints/bulk", content=body, headers=HOTLINE)
        assert r.json()["stored"] == 8
        upload = r.json()["id"]
        published = (await http.post("/api/v1/risk/reports/2026Q3/publish", headers=ADMIN)).json()
        await http.post("/api/v1/risk/leads/transfers", json={"batch": "2026-W32"}, headers=ADMIN)
        leads = (await http.get("/api/v1/risk/leads", headers=ADMIN)).json()["items"]
        run = (await http.post("/api/v1/risk/enterprises/reclassify", json={}, headers=ADMIN)).json()
    yield Objects(published["warnings"][0]["id"], leads[0]["id"], run["id"], upload)


SUP = {"supervisor_city": OK, "supervisor_district": OK, "supervisor_other": OK, "admin": OK}
SUP_SCOPED = {"supervisor_city": OK, "supervisor_district": OK, "supervisor_other": 404, "admin": OK}
CITY = {"supervisor_city": OK, "supervisor_district": 403, "supervisor_other": 403, "admin": OK}
UNIT_AND_SUP = {"officer_own": OK, "officer_other": 404, **SUP_SCOPED}
LISTS = {"officer_own": OK, "officer_other": OK, **SUP}

LEAD = {
    "external_id": "M-x",
    "unit_code": UNIT,
    "domain": "市容环卫",
    "category": "执法态度",
    "text": "投诉",
    "received_at": "2026-08-04T10:00:00+08:00",
}

# (method, path, body, expected by role; roles not named expect 403)
MATRIX: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("POST", "/intake/complaints", LEAD, {"integration": OK}),
    ("POST", "/intake/complaints/bulk", json.dumps(LEAD, ensure_ascii=False), {"integration": OK}),
    ("GET", "/intake/uploads/{upload_id}", None, {"integration": OK, "admin": OK}),
    ("GET", "/intake/uploads/{upload_id}/errors", None, {"integration": OK, "admin": OK}),
    ("GET", "/reports/2026Q3", None, SUP),
    ("POST", "/reports/2026Q3/publish", None, CITY),
    ("GET", "/reports/2026Q3/heat", None, SUP),
    ("GET", "/reports/2026Q3/export.csv", None, SUP),
    ("GET", "/overview/2026Q3", None, SUP),
    ("GET", f"/units/{UNIT}/quarters/2026Q3", None, UNIT_AND_SUP),
    ("GET", "/config", None, SUP),
    ("GET", "/rectifications", None, LISTS),
    ("GET", "/rectifications/overdue", None, LISTS),
    ("GET", "/rectifications/{warning_id}", None, UNIT_AND_SUP),
    (
        "POST",
        "/rectifications/{warning_id}/submit",
        {"measures": "措施"},
        {"officer_own": OK, "officer_other": 404, "admin": OK},
    ),
    ("POST", "/rectifications/{warning_id}/reopen", {"reason": "不足"}, SUP_SCOPED),
    ("POST", "/rectifications/{warning_id}/close", {}, SUP_SCOPED),
    ("POST", "/rectifications/{warning_id}/withdraw", {"reason": "误发"}, SUP_SCOPED),
    ("GET", "/leads", None, LISTS),
    ("GET", "/leads/overdue", None, LISTS),
    ("GET", "/leads/transfers", None, SUP),
    ("POST", "/leads/transfers", {}, CITY),
    ("GET", "/leads/{lead_id}", None, UNIT_AND_SUP),
    (
        "POST",
        "/leads/{lead_id}/answer",
        {"text": "答复"},
        {"officer_own": OK, "officer_other": 404, "admin": OK},
    ),
    ("POST", "/leads/{lead_id}/return", {"reason": "不足"}, SUP_SCOPED),
    ("POST", "/leads/{lead_id}/close", {}, SUP_SCOPED),
    ("GET", "/enterprises", None, SUP),
    ("POST", "/enterprises/reclassify", {}, CITY),
    ("GET", "/enterprises/reclassify/{run_id}", None, SUP),
    (
        "GET",
        f"/enterprises/{USCC}",
        None,
        {"officer_own": OK, "officer_other": OK, "enterprise": 404, "enterprise_own": OK, **SUP_SCOPED},
    ),
]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
async def test_matrix(
    objects: Objects, risk: Running, role: str, method: str, path: str, body: Any, expected: dict[str, Any]
) -> None:
    url = "/api/v1/risk" + path.format(
        warning_id=objects.warning_id,
        lead_id=objects.lead_id,
        run_id=objects.run_id,
        upload_id=objects.upload_id,
    )
    want = 401 if role == "anonymous" else expected.get(role, 403)
    kwargs: dict[str, Any] = {}
    if isinstance(body, str):
        kwargs["content"] = body.encode()
    elif body is not None:
        kwargs["json"] = body
    async with client(risk.url, headers=ROLES[role]) as http:
        r = await http.request(method, url, **kwargs)
    if want == OK:
        assert r.status_code not in (401, 403, 404) and r.status_code < 500, (r.status_code, r.text)
    else:
        assert r.status_code == want, (r.status_code, r.text)


async def test_unknown_objects_are_404(objects: Objects, risk: Running) -> None:
    async with client(risk.url, headers=ADMIN) as http:
        for path in (
            f"/rectifications/{uuid.uuid4()}",
            f"/leads/{uuid.uuid4()}",
            f"/enterprises/reclassify/{uuid.uuid4()}",
            f"/intake/uploads/{uuid.uuid4()}",
            f"/intake/uploads/{uuid.uuid4()}/errors",
        ):
            assert (await http.get("/api/v1/risk" + path)).status_code == 404
