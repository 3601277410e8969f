"""Who sees what (services.common.access through the repository's VISIBILITY rules and deps' loaders): every
object endpoint × role × someone else's object, the lists, the writes, the role gates."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from services.common.db import transaction
from services.credit_repair.models import RepairNotice
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import (
    ADMIN,
    ENT_A,
    ENT_B,
    INTEGRATION,
    OFFICER_SJ,
    OFFICER_ST,
    SUPERVISOR_CITY,
    SUPERVISOR_OTHER,
    published_record,
    repair_body,
)
from tests.support.http import problem
from tests.support.stack import client

EN = {"Accept-Language": "en"}

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]


@dataclass
class Objects:
    record_id: uuid.UUID
    notice_id: uuid.UUID
    repair_id: uuid.UUID


@pytest.fixture(scope="module")
async def objects(credit: Credit) -> AsyncIterator[Objects]:
    """A record, its notice and a repair application of enterprise A, decided by SJ in district 210102."""
    record = await published_record(credit, benchmark_code="SY-SJ-0999")
    async with transaction(credit.factory) as s:
        notice_id = (
            await s.scalars(sa.select(RepairNotice.id).where(RepairNotice.record_id == record.id))
        ).one()
    async with client(credit.base, headers=ENT_A) as http:
        r = await http.post("/api/v1/credit/repairs", json=repair_body(record.id))
        assert r.status_code == 201, r.text
    yield Objects(record.id, notice_id, uuid.UUID(r.json()["id"]))


ROLES = {
    "owner": ENT_A,
    "other_enterprise": ENT_B,
    "officer_sj": OFFICER_SJ,
    "officer_st": OFFICER_ST,
    "supervisor_city": SUPERVISOR_CITY,
    "supervisor_other": SUPERVISOR_OTHER,
    "integration": INTEGRATION,
    "admin": ADMIN,
}

# expected status per role: reading one of enterprise A's objects
READ = {
    "owner": 200,
    "other_enterprise": 404,
    "officer_sj": 200,
    "officer_st": 404,
    "supervisor_city": 200,
    "supervisor_other": 404,
    "integration": 403,
    "admin": 200,
}
READ_PATHS = [
    "/api/v1/credit/records/{record_id}",
    "/api/v1/credit/notices/{notice_id}",
    "/api/v1/credit/notices/{notice_id}/html",
    "/api/v1/credit/notices/{notice_id}/pdf",
    "/api/v1/credit/repairs/{repair_id}",
]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", READ_PATHS)
async def test_reading_someone_elses_object(credit: Credit, objects: Objects, path: str, role: str) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.get(path.format(**objects.__dict__))
    assert r.status_code == READ[role], (role, path, r.text)


LIST_PATHS = ["/api/v1/credit/records", "/api/v1/credit/notices", "/api/v1/credit/repairs"]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", LIST_PATHS)
async def test_lists_show_only_what_the_caller_may_see(
    credit: Credit, objects: Objects, path: str, role: str
) -> None:
    own = {
        "/api/v1/credit/records": objects.record_id,
        "/api/v1/credit/notices": objects.notice_id,
        "/api/v1/credit/repairs": objects.repair_id,
    }[path]
    async with client(credit.base, headers=ROLES[role]) as http:
        ids: list[str] = []
        cursor = None
        while True:
            r = await http.get(path, params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            if r.status_code != 200:
                break
            ids += [i["id"] for i in r.json()["items"]]
            cursor = r.json()["next_cursor"]
            if not cursor:
                break
    if READ[role] == 403:
        assert r.status_code == 403
    else:
        assert (str(own) in ids) == (READ[role] == 200), (role, path)


# Writes: (method, path, body, expected status per role). A role that may call the endpoint but not on
# this object gets 404; a role that may never call it 403.
def _decision_body() -> dict[str, Any]:
    return {"outcome": "rejected", "reasons": ["材料不全"]}


WRITES: list[tuple[str, str, dict[str, int]]] = [
    (
        "/api/v1/credit/repairs/{repair_id}/decision",
        "decision",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_st": 404,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
    (
        "/api/v1/credit/repairs/{repair_id}/acceptance",
        "acceptance",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_st": 404,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
    (
        "/api/v1/credit/repairs",
        "apply",
        {
            "other_enterprise": 404,
            "officer_sj": 403,
            "officer_st": 403,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
            "admin": 403,
        },
    ),
    (
        "/api/v1/credit/rule-sets",
        "rules",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_sj": 403,
            "officer_st": 403,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
    (
        "/api/v1/credit/cleanups",
        "cleanup",
        {"owner": 403, "other_enterprise": 403, "officer_sj": 403, "officer_st": 403, "integration": 403},
    ),
    (
        "/api/v1/credit/admin/sweep",
        "sweep",
        {
            "owner": 403,
            "other_enterprise": 403,
            "officer_sj": 403,
            "officer_st": 403,
            "supervisor_city": 403,
            "supervisor_other": 403,
            "integration": 403,
        },
    ),
]


# Only the callers who must be refused: the permitted ones are exercised by the functional tests.
@pytest.mark.parametrize(
    ("path", "kind", "expected", "role"),
    [(path, kind, expected, role) for path, kind, expected in WRITES for role in ROLES if role in expected],
    ids=[f"{kind}-{role}" for _, kind, expected in WRITES for role in ROLES if role in expected],
)
async def test_writes_on_someone_elses_object(
    credit: Credit, objects: Objects, path: str, kind: str, expected: dict[str, int], role: str
) -> None:
    payload: dict[str, Any] = {
        "decision": _decision_body(),
        "acceptance": {},
        "apply": repair_body(objects.record_id),
        "rules": {"rule_set": {}},
        "cleanup": {"dry_run": True},
        "sweep": {},
    }[kind]
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.post(path.format(**objects.__dict__), json=payload)
    assert r.status_code == expected[role], (role, kind, r.text)


@pytest.mark.parametrize(
    ("role", "status"),
    [("integration", 200), ("supervisor_city", 200), ("admin", 200), ("owner", 403), ("officer_sj", 403)],
)
async def test_feed_readers(credit: Credit, role: str, status: int) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.get("/api/v1/credit/feed")
    assert r.status_code == status


GATES = {
    # path: roles that may call it (everyone else: 403)
    "/api/v1/credit/cleanups": {"supervisor_city", "supervisor_other", "admin"},
    "/api/v1/credit/cleanups/{cleanup_id}": {"supervisor_city", "supervisor_other", "admin"},
    "/api/v1/credit/rule-sets": set(ROLES),
    "/api/v1/credit/rule-sets/shenyang-credit-2026-04": set(ROLES),
    "/api/v1/credit/repairs/overdue": {
        "officer_sj",
        "officer_st",
        "supervisor_city",
        "supervisor_other",
        "admin",
    },
}


@pytest.fixture(scope="module")
async def cleanup_id(credit: Credit) -> str:
    async with client(credit.base, headers=ADMIN) as http:
        r = await http.post("/api/v1/credit/cleanups", json={"dry_run": True})
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", list(GATES))
async def test_role_gates(credit: Credit, cleanup_id: str, path: str, role: str) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.get(path.format(cleanup_id=cleanup_id))
    assert r.status_code == (200 if role in GATES[path] else 403), (role, path, r.text)


@pytest.mark.parametrize("role", list(ROLES))
async def test_only_the_admin_resumes_a_cleanup(credit: Credit, cleanup_id: str, role: str) -> None:
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.post(f"/api/v1/credit/cleanups/{cleanup_id}/resume", json={})
    # the admin may, but the run is not a failed one
    expected = (409, "CLEANUP_NOT_RESUMABLE") if role == "admin" else (403, "ROLE_FORBIDDEN")
    assert (r.status_code, r.json()["code"]) == expected


async def test_supervisors_may_only_dry_run(credit: Credit) -> None:
    async with client(credit.base, headers=SUPERVISOR_CITY) as http:
        r = await http.post("/api/v1/credit/cleanups", json={"dry_run": False})
    problem(r, 403, "CLEANUP_DRY_RUN_ONLY")


async def test_overdue_list_is_for_staff(credit: Credit) -> None:
    async with client(credit.base, headers=ENT_A) as http:
        r = await http.get("/api/v1/credit/repairs/overdue")
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("path", "code", "english"),
    [
        ("/api/v1/credit/records/{id}", "CREDIT_RECORD_NOT_FOUND", "There is no credit record {id}"),
        ("/api/v1/credit/notices/{id}", "CREDIT_NOTICE_NOT_FOUND", "There is no credit repair notice {id}"),
        (
            "/api/v1/credit/notices/{id}/pdf",
            "CREDIT_NOTICE_NOT_FOUND",
            "There is no credit repair notice {id}",
        ),
        ("/api/v1/credit/repairs/{id}", "REPAIR_NOT_FOUND", "There is no repair application {id}"),
        ("/api/v1/credit/cleanups/{id}", "CLEANUP_NOT_FOUND", "There is no clean-up run {id}"),
        (
            "/api/v1/credit/rule-sets/no-such-set",
            "CREDIT_RULESET_NOT_FOUND",
            "There is no credit-repair rule set no-such-set",
        ),
    ],
)
async def test_not_found_in_english(credit: Credit, path: str, code: str, english: str) -> None:
    missing = uuid.uuid4()
    async with client(credit.base, headers=ADMIN | EN) as http:
        r = await http.get(path.format(id=missing))
    assert (r.status_code, r.json()["code"]) == (404, code)
    assert r.json()["detail"] == english.format(id=missing)
