"""The authorisation matrix of the credit_repair service (tests/support/authz.py, services.common.access through
the repository's VISIBILITY rules and deps' loaders): every operation of its OpenAPI document × every persona,
and every record, notice and repair × someone else's (404 with the object's code, never 403). Reads of one's
own objects and the role-gated lists answer exactly 200. What the matrix cannot say stays here as explicit
tests: which objects the lists show, an application for someone else's record, the supervisors' dry runs, the
English not-found texts.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

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
from tests.support.authz import Case, Expect, Matrix, Open, Owned, Persona, check, document, parameters
from tests.support.http import problem
from tests.support.stack import client

API = "/api/v1/credit"
EN = {"Accept-Language": "en"}

pytestmark = pytest.mark.usefixtures("working_calendar")


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
ROLE_OF = {
    "owner": "enterprise",
    "other_enterprise": "enterprise",
    "officer_sj": "officer",
    "officer_st": "officer",
    "supervisor_city": "supervisor",
    "supervisor_other": "supervisor",
    "integration": "integration",
    "admin": "admin",
}
PERSONAS = [
    *(
        Persona(name, ROLE_OF[name], headers, client="creditchina" if name == "integration" else None)
        for name, headers in ROLES.items()
    ),
    Persona("anonymous", None, {}),
]
# enterprise A's record, notice and repair (decided by SJ in district 210102) are seen by A, SJ's officers,
# the city's supervisors and the administrator
SEERS = frozenset({"owner", "officer_sj", "supervisor_city", "admin"})
READERS = frozenset({"admin", "enterprise", "supervisor", "officer"})
# expected status per role: reading one of enterprise A's objects (the matrix asserts it on READ_PATHS, the
# lists test below that the lists agree)
READ = {name: 200 if name in SEERS else 403 if name == "integration" else 404 for name in ROLES}
READ_PATHS = [
    "/records/{record_id}",
    "/notices/{notice_id}",
    "/notices/{notice_id}/html",
    "/notices/{notice_id}/pdf",
    "/repairs/{repair_id}",
]
EVERYONE = READERS | {"integration"}

# Who may call what (the document's x-zhifa-roles, pinned: a new operation or a changed role fails here).
ROLES_TABLE: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("PUT", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("GET", "/admin/clock"): frozenset({"admin"}),
    ("PUT", "/admin/clock"): frozenset({"admin"}),
    ("GET", "/admin/dead-letters"): frozenset({"admin"}),
    ("GET", "/admin/deadlines/pending"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/discard"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/retry"): frozenset({"admin"}),
    ("GET", "/admin/outbox"): frozenset({"admin"}),
    ("POST", "/admin/sweep"): frozenset({"admin"}),
    ("GET", "/audit/verify"): frozenset({"admin", "supervisor"}),
    ("GET", "/audit/entities/{kind}/{entity_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/cleanups"): frozenset({"admin", "supervisor"}),
    ("POST", "/cleanups"): frozenset({"admin", "supervisor"}),
    ("GET", "/cleanups/{cleanup_id}"): frozenset({"admin", "supervisor"}),
    ("POST", "/cleanups/{cleanup_id}/resume"): frozenset({"admin"}),
    ("POST", "/diagnostics/ping"): frozenset({"admin"}),
    ("GET", "/diagnostics/pings"): frozenset({"admin"}),
    ("GET", "/feed"): frozenset({"admin", "supervisor", "integration"}),
    ("GET", "/notices"): READERS,
    ("GET", "/notices/{notice_id}"): READERS,
    ("GET", "/notices/{notice_id}/html"): READERS,
    ("GET", "/notices/{notice_id}/pdf"): READERS,
    ("GET", "/records"): READERS,
    ("GET", "/ledgers/publications.xlsx"): READERS,
    ("GET", "/records/{record_id}"): READERS,
    ("GET", "/repairs"): READERS,
    ("POST", "/repairs"): frozenset({"enterprise"}),
    ("GET", "/repairs/overdue"): frozenset({"admin", "supervisor", "officer"}),
    ("GET", "/repairs/{repair_id}"): READERS,
    ("POST", "/repairs/{repair_id}/acceptance"): frozenset({"admin", "officer"}),
    ("POST", "/repairs/{repair_id}/decision"): frozenset({"admin", "officer"}),
    ("GET", "/rule-sets"): EVERYONE,
    ("POST", "/rule-sets"): frozenset({"admin"}),
    ("GET", "/rule-sets/{rule_set_id}"): EVERYONE,
}
PUBLIC = ["/public/credit/publications"]
PUBLIC += ["/public/credit/audit/checkpoints", "/public/credit/audit/keys"]


def op(method: str, path: str) -> tuple[str, str]:
    return method, path if path.startswith("/public/") else API + path


def exactly_200(names: frozenset[str] | set[str]) -> dict[str, Expect]:
    return {name: Expect("200") for name in names}


STAFF_GATE = {"officer_sj", "officer_st", "supervisor_city", "supervisor_other", "admin"}
SUPERVISION = {"supervisor_city", "supervisor_other", "admin"}
MATRIX = Matrix(
    document("credit_repair"),
    PERSONAS,
    values={
        # one object's audit trail follows the object's own access rule
        "kind": Open("record"),
        "entity_id": Owned("{record_id}", SEERS, "AUDIT_ENTITY_NOT_FOUND"),
        "record_id": Owned("{record_id}", SEERS, "CREDIT_RECORD_NOT_FOUND"),
        "notice_id": Owned("{notice_id}", SEERS, "CREDIT_NOTICE_NOT_FOUND"),
        "repair_id": Owned("{repair_id}", SEERS, "REPAIR_NOT_FOUND"),
        "cleanup_id": Open("{cleanup_id}"),
        "rule_set_id": Open("shenyang-credit-2026-04"),
        "year": Open("2026"),
        "dead_letter_id": Owned("999999999", frozenset(), "DEAD_LETTER_NOT_FOUND"),
    },
    # the shared repair, the rule sets, the records (sweep, clean-up), the clock and the calendar must
    # survive the matrix: these are sent only to the callers that must be refused
    destructive=frozenset(
        {
            op("POST", "/repairs/{repair_id}/decision"),
            op("POST", "/repairs/{repair_id}/acceptance"),
            op("POST", "/rule-sets"),
            op("POST", "/cleanups"),
            op("POST", "/admin/sweep"),
            op("PUT", "/admin/clock"),
            op("PUT", "/admin/calendar/{year}"),
        }
    ),
    bodies={
        op("POST", "/repairs/{repair_id}/decision"): {"outcome": "rejected", "reasons": ["材料不全"]},
        op("POST", "/rule-sets"): {"rule_set": {}},
        op("POST", "/cleanups"): {"dry_run": True},
    },
    overrides={
        **{op("GET", path): exactly_200(SEERS) for path in READ_PATHS},
        op("GET", "/feed"): exactly_200({"integration", "supervisor_city", "admin"}),
        op("GET", "/cleanups"): exactly_200(SUPERVISION),
        op("GET", "/cleanups/{cleanup_id}"): exactly_200(SUPERVISION),
        op("GET", "/rule-sets"): exactly_200(set(ROLES)),
        op("GET", "/rule-sets/{rule_set_id}"): exactly_200(set(ROLES)),
        op("GET", "/repairs/overdue"): exactly_200(STAFF_GATE),
        # the admin may resume a clean-up, but this run is not a failed one
        op("POST", "/cleanups/{cleanup_id}/resume"): {"admin": Expect("409", "CLEANUP_NOT_RESUMABLE")},
    },
)


def test_every_operation_is_in_the_matrix() -> None:
    """The document's operations and roles are exactly the pinned table, every path parameter has a value,
    and every override names a documented operation: a new endpoint cannot be missed."""
    pinned = {op(m, p): roles for (m, p), roles in ROLES_TABLE.items()}
    pinned |= {op("GET", p): frozenset({"public"}) for p in PUBLIC}
    assert MATRIX.roles() == pinned
    assert MATRIX.undeclared() == []
    assert MATRIX.unknown_overrides() == []


@pytest.fixture(scope="module")
async def cleanup_id(credit: Credit) -> str:
    async with client(credit.base, headers=ADMIN) as http:
        r = await http.post("/api/v1/credit/cleanups", json={"dry_run": True})
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize("case", parameters(MATRIX))
async def test_matrix(credit: Credit, objects: Objects, cleanup_id: str, case: Case) -> None:
    ids = {**{k: str(v) for k, v in objects.__dict__.items()}, "cleanup_id": cleanup_id}
    async with client(credit.base) as http:
        failure = await check(http, case, ids)
    assert failure is None, failure


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


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
async def test_applying_for_someone_elses_record(credit: Credit, objects: Objects, role: str) -> None:
    """The record is named in the body, not the path: another enterprise gets 404, every other role 403."""
    async with client(credit.base, headers=ROLES[role]) as http:
        r = await http.post(f"{API}/repairs", json=repair_body(objects.record_id))
    assert r.status_code == (404 if role == "other_enterprise" else 403), (role, r.text)


async def test_supervisors_may_only_dry_run(credit: Credit) -> None:
    async with client(credit.base, headers=SUPERVISOR_CITY) as http:
        r = await http.post("/api/v1/credit/cleanups", json={"dry_run": False})
    problem(r, 403, "CLEANUP_DRY_RUN_ONLY")


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
