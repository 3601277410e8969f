"""The authorisation matrix (SPEC §1.5, §8): every endpoint of the service × every role, and every
object-level endpoint × someone else's object. A role that has no business with an endpoint gets 403
ROLE_FORBIDDEN; someone else's object answers 404, never 403, so ids cannot be probed."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    KEY_AREA_TASK,
    OTHER,
    SJ,
    XF,
    Env,
    check_in,
    entry_code,
    make_uscc,
)
from tests.support.http import ok
from tests.support.personas import admin, enterprise, officer, supervisor
from tests.support.stack import auth, client

ALL = frozenset({"officer", "enterprise", "supervisor", "integration", "admin"})
ADMIN = frozenset({"admin"})
STAFF = frozenset({"officer", "supervisor", "admin"})
READERS = frozenset({"officer", "enterprise", "supervisor", "admin"})
SUPERVISION = frozenset({"supervisor", "admin"})
OFFICER = frozenset({"officer"})
ENTERPRISE_ROLE = frozenset({"enterprise"})

ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/districts"): ALL,
    ("GET", "/departments"): ALL,
    ("POST", "/departments"): ADMIN,
    ("PUT", "/departments/{code}"): ADMIN,
    ("GET", "/enforcement-bodies"): ALL,
    ("POST", "/enforcement-bodies"): ADMIN,
    ("GET", "/items"): ALL,
    ("POST", "/items"): ADMIN,
    ("GET", "/items/{code}"): ALL,
    ("POST", "/items/{code}/versions"): ADMIN,
    ("POST", "/items/bulk"): ADMIN,
    ("GET", "/officers"): STAFF,
    ("POST", "/officers"): ADMIN,
    ("GET", "/officers/{officer_id}"): STAFF,
    ("PATCH", "/officers/{officer_id}"): ADMIN,
    ("POST", "/officers/{officer_id}/status"): ADMIN,
    ("POST", "/officers/bulk"): ADMIN,
    ("GET", "/enterprises"): STAFF,
    ("POST", "/enterprises"): ADMIN,
    ("GET", "/enterprises/{uscc}"): READERS,
    ("PATCH", "/enterprises/{uscc}"): ADMIN,
    ("POST", "/enterprises/bulk"): ADMIN,
    ("GET", "/enterprises/{uscc}/code"): READERS,
    ("GET", "/enterprises/{uscc}/code.{kind}"): READERS,
    ("POST", "/enterprises/{uscc}/code/reissue"): READERS,
    ("GET", "/enterprises/{uscc}/risk-class"): STAFF,
    ("GET", "/quiet-windows"): STAFF,
    ("POST", "/quiet-windows"): ADMIN,
    ("DELETE", "/quiet-windows/{window_id}"): ADMIN,
    ("POST", "/tasks"): frozenset({"officer", "admin"}),
    ("GET", "/tasks"): STAFF,
    ("GET", "/tasks/{task_id}"): STAFF,
    ("POST", "/tasks/{task_id}/approve"): frozenset({"officer", "supervisor"}),
    ("POST", "/tasks/{task_id}/reject"): frozenset({"officer", "supervisor"}),
    ("POST", "/tasks/{task_id}/complete"): frozenset({"officer", "admin"}),
    ("POST", "/tasks/{task_id}/cancel"): frozenset({"officer", "admin"}),
    ("GET", "/tasks/{task_id}/draw"): ALL,
    ("POST", "/tasks/{task_id}/draw"): frozenset({"supervisor"}),  # the supervisor enters the public value
    ("POST", "/tasks/{task_id}/draw/cancel"): frozenset({"officer", "supervisor"}),
    ("POST", "/visits/entry-codes"): OFFICER,
    ("GET", "/visits/entry-codes/keys"): ALL,
    ("POST", "/visits/check-in"): ENTERPRISE_ROLE,
    ("POST", "/visits/scan"): OFFICER,
    ("POST", "/visits/backfill"): OFFICER,
    ("GET", "/visits"): READERS,
    ("GET", "/visits/{visit_id}"): READERS,
    ("POST", "/visits/{visit_id}/outcomes"): OFFICER,
    ("POST", "/visits/{visit_id}/checkout"): OFFICER,
    ("POST", "/visits/{visit_id}/rating"): ENTERPRISE_ROLE,
    ("GET", "/ratings"): STAFF,
    ("GET", "/supervision/summary"): SUPERVISION,
    ("GET", "/supervision/frequency"): SUPERVISION,
    ("GET", "/supervision/over-cap"): SUPERVISION,
    ("GET", "/supervision/year-on-year"): SUPERVISION,
    ("GET", "/supervision/joint-share"): SUPERVISION,
    ("GET", "/supervision/refusals"): SUPERVISION,
    ("GET", "/supervision/overdue-approvals"): SUPERVISION,
    ("GET", "/refusals"): SUPERVISION,
}
KERNEL = re.compile(r"^/(diagnostics|audit|admin)/")

ROLES: dict[str, dict[str, str]] = {
    "officer": officer(SJ[0], "SJ"),
    "enterprise": enterprise(ENTERPRISE),
    "supervisor": supervisor("210102"),
    "integration": auth("integration", "client-12345", client="12345"),
    "admin": admin(),
}


def concrete(path: str) -> str:
    """Placeholders filled with ids of nothing (so an allowed call can only 404 or 422, never change data)."""
    values = {
        "{code}": "SJ-QQ-001" if path.startswith("/items") else "QQ",
        "{officer_id}": str(uuid.uuid4()),
        "{task_id}": str(uuid.uuid4()),
        "{visit_id}": str(uuid.uuid4()),
        "{window_id}": str(uuid.uuid4()),
        "{uscc}": make_uscc(123456),
        "{kind}": "png",
    }
    for placeholder, value in values.items():
        path = path.replace(placeholder, value)
    return path


async def test_every_endpoint_is_in_the_matrix(env: Env) -> None:
    paths = env.svc.app.openapi()["paths"]
    found = {
        (method.upper(), path.removeprefix(API))
        for path, operations in paths.items()
        if path.startswith(API) and not KERNEL.match(path.removeprefix(API))
        for method in operations
    }
    assert found == set(ALLOWED), {
        "missing from the matrix": found - set(ALLOWED),
        "gone": set(ALLOWED) - found,
    }


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_every_endpoint_for_every_role(env: Env, role: str) -> None:
    failures = []
    async with client(env.url) as http:
        for (method, path), allowed in sorted(ALLOWED.items()):
            response = await http.request(
                method, API + concrete(path), json={} if method != "GET" else None, headers=ROLES[role]
            )
            parsed = response.json() if response.headers.get("content-type", "").endswith("json") else None
            code = parsed.get("code") if isinstance(parsed, dict) else None
            if response.status_code >= 500:
                failures.append((method, path, response.status_code))
            elif role in allowed and code == "ROLE_FORBIDDEN":
                failures.append((method, path, "refused an allowed role"))
            elif role not in allowed and (response.status_code, code) != (403, "ROLE_FORBIDDEN"):
                failures.append((method, path, response.status_code, code))
    assert not failures, failures


async def test_someone_elses_objects_are_404(env: Env) -> None:
    async with client(env.url) as http:
        code = await entry_code(http, KEY_AREA_TASK)
        visit = ok(await check_in(http, code["code"]), 201)["visit"]
        vid = visit["visit_id"]
        task = KEY_AREA_TASK
        xf_officer = officer(XF[0], "XF")
        hunnan = supervisor("210112")  # 浑南区: neither the visit's district (和平区) nor any of the task's
        other_enterprise = enterprise(OTHER)
        officers = ok(await http.get(f"{API}/officers", params={"dept_code": "XF"}, headers=admin()))["items"]
        xf_id = officers[0]["officer_id"]
        cases: list[tuple[str, str, dict[str, str], Any]] = [
            ("GET", f"/visits/{vid}", other_enterprise, None),
            ("GET", f"/visits/{vid}", xf_officer, None),
            ("GET", f"/visits/{vid}", hunnan, None),
            (
                "POST",
                f"/visits/{vid}/outcomes",
                xf_officer,
                {"outcomes": [{"item_code": "SJ-SP-001", "outcome": "compliant"}]},
            ),
            ("POST", f"/visits/{vid}/checkout", xf_officer, None),
            ("POST", f"/visits/{vid}/rating", other_enterprise, {"stars": 1}),
            ("GET", f"/tasks/{task}", xf_officer, None),
            ("GET", f"/tasks/{task}", hunnan, None),
            ("POST", f"/tasks/{task}/approve", hunnan, None),
            ("POST", f"/tasks/{task}/complete", xf_officer, None),
            ("POST", f"/tasks/{task}/cancel", xf_officer, {"reason": "越权撤销"}),
            ("GET", f"/enterprises/{ENTERPRISE}", other_enterprise, None),
            ("GET", f"/enterprises/{ENTERPRISE}", hunnan, None),
            ("GET", f"/enterprises/{ENTERPRISE}/code", other_enterprise, None),
            ("GET", f"/enterprises/{ENTERPRISE}/code", officer(SJ[0], "SJ"), None),
            ("GET", f"/enterprises/{ENTERPRISE}/code.svg", supervisor(), None),
            ("POST", f"/enterprises/{ENTERPRISE}/code/reissue", other_enterprise, None),
            ("GET", f"/officers/{xf_id}", officer(SJ[0], "SJ"), None),
        ]
        for method, path, headers, body in cases:
            r = await http.request(method, API + path, json=body, headers=headers)
            assert r.status_code == 404, (method, path, r.status_code, r.text)
        # the owner and the visit's department do see it
        ok(await http.get(f"{API}/visits/{vid}", headers=enterprise(ENTERPRISE)))
        ok(await http.get(f"{API}/visits/{vid}", headers=officer(SJ[3], "SJ")))
        ok(await http.get(f"{API}/visits/{vid}", headers=supervisor("210102")))
