"""The authorisation matrix of the inspection service (SPEC §1.5, §8; tests/support/authz.py): every operation of
its OpenAPI document × every persona, and every object in the path × someone else's. A role that has no
business with an operation gets 403 ROLE_FORBIDDEN; someone else's object answers 404 with the object's code,
never 403, so ids cannot be probed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from services.inspection.domain.follow_ups import follow_up_id
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    KEY_AREA_TASK,
    OTHER,
    RANDOM_TASK,
    SJ,
    XF,
    Env,
    check_in,
    entry_code,
)
from tests.inspection.test_follow_ups import ordered_visit
from tests.support.authz import Case, Expect, Matrix, Open, Owned, Persona, check, document, parameters
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
    ("GET", "/enterprises/{uscc}/poster.pdf"): READERS,
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
    ("GET", "/ledgers/visits.xlsx"): READERS,
    ("GET", "/visits/{visit_id}"): READERS,
    ("GET", "/items/bulk/template.xlsx"): ADMIN,
    ("GET", "/officers/bulk/template.xlsx"): ADMIN,
    ("GET", "/enterprises/bulk/template.xlsx"): ADMIN,
    ("GET", "/visits/{visit_id}/documents/inspection-record.html"): READERS,
    ("GET", "/visits/{visit_id}/documents/inspection-record.pdf"): READERS,
    ("GET", "/visits/{visit_id}/documents/correction-order.html"): READERS,
    ("GET", "/visits/{visit_id}/documents/correction-order.pdf"): READERS,
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
    # Officers' qualifications (issue #14 item 5)
    ("GET", "/officers/{officer_id}/trainings"): STAFF,
    ("POST", "/officers/{officer_id}/trainings"): STAFF,
    ("GET", "/officers/{officer_id}/training-summary"): STAFF,
    ("POST", "/trainings/bulk"): STAFF,
    ("POST", "/trainings/bulk.xlsx"): STAFF,
    ("GET", "/officers/{officer_id}/exams"): STAFF,
    ("POST", "/officers/{officer_id}/exams"): STAFF,
    ("POST", "/officers/{officer_id}/retraining"): STAFF,
    ("GET", "/officers/{officer_id}/appraisals"): STAFF,
    ("POST", "/officers/{officer_id}/appraisals"): STAFF,
    # 责令改正 follow-ups (issue #14 item 6)
    ("GET", "/follow-ups"): STAFF,
    ("GET", "/follow-ups/{follow_up_id}"): STAFF,
    ("POST", "/follow-ups/{follow_up_id}/result"): OFFICER,
}
KERNEL: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/admin/calendar/{year}"): ADMIN,
    ("PUT", "/admin/calendar/{year}"): ADMIN,
    ("GET", "/admin/clock"): ADMIN,
    ("PUT", "/admin/clock"): ADMIN,
    ("GET", "/admin/dead-letters"): ADMIN,
    ("POST", "/admin/dead-letters/{dead_letter_id}/discard"): ADMIN,
    ("POST", "/admin/dead-letters/{dead_letter_id}/retry"): ADMIN,
    ("GET", "/admin/outbox"): ADMIN,
    ("GET", "/audit/verify"): SUPERVISION,
    ("GET", "/audit/entities/{kind}/{entity_id}"): SUPERVISION | frozenset({"officer"}),
    ("POST", "/diagnostics/ping"): ADMIN,
    ("GET", "/diagnostics/pings"): ADMIN,
}
PUBLIC = [
    "/public/inspection/items",
    "/public/inspection/tasks",
    "/public/inspection/tasks/{task_id}",
    "/public/inspection/tasks/{task_id}/draw",
    "/public/inspection/tasks/{task_id}/results",
    "/public/inspection/visits/entry-codes/keys",
    "/public/inspection/audit/checkpoints",
    "/public/inspection/audit/keys",
    "/public/inspection/officers/{cert_no}",  # the certificate lookup (issue #14 item 5)
]

PERSONAS = [
    Persona("officer", "officer", officer(SJ[0], "SJ")),  # 市场监管, the visit's and the task's department
    Persona("officer_xf", "officer", officer(XF[0], "XF")),  # 消防救援
    Persona("enterprise", "enterprise", enterprise(ENTERPRISE)),  # 和平区, the visit's enterprise
    Persona("enterprise_other", "enterprise", enterprise(OTHER)),
    Persona("supervisor", "supervisor", supervisor("210102")),  # 和平区
    Persona("supervisor_city", "supervisor", supervisor()),
    Persona("supervisor_hunnan", "supervisor", supervisor("210112")),  # neither the visit's nor the task's
    Persona(
        "integration", "integration", auth("integration", "client-12345", client="12345"), client="12345"
    ),
    Persona("admin", "admin", admin()),
    Persona("anonymous", None, {}),
]
EVERYONE = frozenset(p.name for p in PERSONAS)


def op(method: str, path: str) -> tuple[str, str]:
    return method, path if path.startswith("/public/") else API + path


VISIT_SEERS = frozenset({"enterprise", "officer", "supervisor", "supervisor_city", "admin"})
TASK_SEERS = frozenset({"officer", "supervisor", "supervisor_city", "admin"})
ENTERPRISE_SEERS = EVERYONE - {"enterprise_other", "supervisor_hunnan"}
CODE_SEERS = frozenset({"enterprise", "admin"})
OFFICER_SEERS = EVERYONE - {"officer"}
FOLLOW_UP_SEERS = frozenset({"officer", "supervisor", "supervisor_city", "admin"})  # SJ, 和平区
MATRIX = Matrix(
    document("inspection"),
    PERSONAS,
    values={
        # one object's audit trail follows the object's own access rule
        (API + "/audit/entities/{kind}/{entity_id}", "kind"): Open("visit"),
        "entity_id": Owned("{visit_id}", VISIT_SEERS, "AUDIT_ENTITY_NOT_FOUND"),
        "visit_id": Owned("{visit_id}", VISIT_SEERS, "VISIT_NOT_FOUND"),
        "task_id": Owned(KEY_AREA_TASK, TASK_SEERS, "TASK_NOT_FOUND"),
        "uscc": Owned(ENTERPRISE, ENTERPRISE_SEERS, "ENTERPRISE_NOT_FOUND"),
        **{
            (API + path, "uscc"): Owned(ENTERPRISE, CODE_SEERS, "ENTERPRISE_NOT_FOUND")
            for path in (
                "/enterprises/{uscc}/code",
                "/enterprises/{uscc}/code.{kind}",
                "/enterprises/{uscc}/poster.pdf",
                "/enterprises/{uscc}/code/reissue",
            )
        },
        # the draw and the public pages show only published 双随机 tasks: the sample's random task
        **{
            (path, "task_id"): Open(RANDOM_TASK)
            for path in (
                API + "/tasks/{task_id}/draw",
                "/public/inspection/tasks/{task_id}",
                "/public/inspection/tasks/{task_id}/draw",
                "/public/inspection/tasks/{task_id}/results",
            )
        },
        "kind": Open("svg"),
        "officer_id": Owned("{officer_id}", OFFICER_SEERS, "OFFICER_NOT_FOUND"),
        "cert_no": Open(XF[0]),
        "follow_up_id": Owned("{follow_up_id}", FOLLOW_UP_SEERS, "FOLLOW_UP_NOT_FOUND"),
        "code": Open("SJ-SP-001"),
        (API + "/departments/{code}", "code"): Open("SJ"),
        "window_id": Owned("00000000-0000-0000-0000-000000000000", frozenset(), "QUIET_WINDOW_NOT_FOUND"),
        "year": Open("2026"),
        "dead_letter_id": Owned("999999999", frozenset(), "DEAD_LETTER_NOT_FOUND"),
    },
    # the sample data's tasks, the clock and the calendar must survive the matrix
    destructive=frozenset(
        {
            op("POST", "/tasks/{task_id}/cancel"),
            op("POST", "/tasks/{task_id}/complete"),
            op("POST", "/tasks/{task_id}/reject"),
            op("PUT", "/admin/clock"),
            op("PUT", "/admin/calendar/{year}"),
            op("POST", "/officers/{officer_id}/retraining"),  # suspends the certificate
            op("POST", "/follow-ups/{follow_up_id}/result"),  # closes the follow-up
        }
    ),
    overrides={
        # the draw itself loads the random task through the access rule: a supervisor of a district the task
        # does not touch cannot see it (the GET of the draw is open: it shows the public record)
        op("POST", "/tasks/{task_id}/draw"): {"supervisor_hunnan": Expect("404", "TASK_NOT_FOUND")},
        # approval is for the lead department's head or a supervisor whose district covers all of the task
        # (a use-case rule): the key-area task spans 和平区 and 皇姑区
        op("POST", "/tasks/{task_id}/approve"): {
            "officer": Expect("403", "APPROVAL_NOT_ALLOWED"),
            "supervisor": Expect("403", "APPROVAL_NOT_ALLOWED"),
        },
        # public to anyone, but the sample's random task is not completed, so its results are not out yet
        op("GET", "/public/inspection/tasks/{task_id}/results"): {
            name: Expect("404", "RESULTS_NOT_PUBLISHED") for name in EVERYONE
        },
        # qualifications are recorded by a head of department (dept_head claim), a supervisor or an admin: the
        # 消防救援 officer sees the 消防救援 officer but holds no dept_head claim
        op("POST", "/officers/{officer_id}/trainings"): {"officer_xf": Expect("403", "DEPT_HEAD_REQUIRED")},
        op("POST", "/officers/{officer_id}/exams"): {"officer_xf": Expect("403", "DEPT_HEAD_REQUIRED")},
        op("POST", "/officers/{officer_id}/retraining"): {"officer_xf": Expect("403", "DEPT_HEAD_REQUIRED")},
        op("POST", "/officers/{officer_id}/appraisals"): {"officer_xf": Expect("403", "DEPT_HEAD_REQUIRED")},
        # the matrix's visit ordered nothing corrected: those who see it get 409, not a document
        **{
            op("GET", f"/visits/{{visit_id}}/documents/correction-order.{fmt}"): {
                name: Expect("409", "NO_CORRECTION_ORDERED") for name in VISIT_SEERS
            }
            for fmt in ("html", "pdf")
        },
        # the enterprise is visible but has no risk class yet (risk has published none)
        op("GET", "/enterprises/{uscc}/risk-class"): {
            name: Expect("404", "ENTERPRISE_NOT_CLASSIFIED")
            for name in ("officer", "officer_xf", "supervisor", "supervisor_city", "admin")
        },
    },
    bodies={
        op("POST", "/officers/{officer_id}/trainings"): {
            "course": "越权登记",
            "hours": 1,
            "held_on": "2026-01-05",
            "provider": "沈阳市司法局",
        },
        op("POST", "/officers/{officer_id}/exams"): {
            "kind": "quiz",
            "held_on": "2026-01-05",
            "passed": True,
            "examiner": "越权登记",
        },
        op("POST", "/officers/{officer_id}/retraining"): {"reason": "越权暂扣", "return_date": "2099-01-01"},
        op("POST", "/officers/{officer_id}/appraisals"): {
            "appraised_on": "2026-01-05",
            "appraiser": "越权登记",
            "rating": "合格",
        },
        op("POST", "/follow-ups/{follow_up_id}/result"): {
            "corrected": True,
            "checked_on": "2026-01-05",
            "notes": "越权登记",
        },
        op("POST", "/visits/{visit_id}/outcomes"): {
            "outcomes": [{"item_code": "SJ-SP-001", "outcome": "compliant"}]
        },
        op("POST", "/visits/{visit_id}/rating"): {"stars": 1},
        op("POST", "/tasks/{task_id}/cancel"): {"reason": "越权撤销"},
        op("POST", "/tasks/{task_id}/draw"): {"public_value": "越权抽取"},
        op("POST", "/tasks/{task_id}/draw/cancel"): {"reason": "越权撤销抽取"},
    },
)


def test_every_endpoint_is_in_the_matrix() -> None:
    """The document's operations and roles are exactly the pinned table (ALLOWED, the kernel's, the public
    ones), every path parameter has a value, and every override names a documented operation."""
    pinned = {op(m, p): roles for (m, p), roles in (ALLOWED | KERNEL).items()}
    pinned |= {op("GET", p): frozenset({"public"}) for p in PUBLIC}
    assert MATRIX.roles() == pinned
    assert MATRIX.undeclared() == []
    assert MATRIX.unknown_overrides() == []


@pytest.fixture(scope="module")
async def objects(env: Env) -> AsyncIterator[dict[str, str]]:
    async with client(env.url) as http:
        code = await entry_code(http, KEY_AREA_TASK)
        visit = ok(await check_in(http, code["code"]), 201)["visit"]
        officers = ok(await http.get(f"{API}/officers", params={"dept_code": "XF"}, headers=admin()))["items"]
        follow_up = await ordered_visit(http, 10, "补建进货查验记录台账")
    yield {
        "visit_id": visit["visit_id"],
        "officer_id": officers[0]["officer_id"],
        "follow_up_id": str(follow_up_id(follow_up["visit_id"], "SJ-SP-001")),
    }


@pytest.mark.parametrize("case", parameters(MATRIX))
async def test_matrix(env: Env, objects: dict[str, str], case: Case) -> None:
    async with client(env.url) as http:
        failure = await check(http, case, objects)
    assert failure is None, failure


async def test_the_owner_and_the_visits_department_see_it(env: Env, objects: dict[str, str]) -> None:
    """Exactly 200 for the visit's enterprise, an officer of its department who was not there, its district's
    supervisor (the matrix: someone else's visit is 404 VISIT_NOT_FOUND)."""
    vid = objects["visit_id"]
    async with client(env.url) as http:
        ok(await http.get(f"{API}/visits/{vid}", headers=enterprise(ENTERPRISE)))
        ok(await http.get(f"{API}/visits/{vid}", headers=officer(SJ[3], "SJ")))
        ok(await http.get(f"{API}/visits/{vid}", headers=supervisor("210102")))


@pytest.mark.parametrize(
    ("path", "persona"),
    [
        (path, persona)
        for path in ("/tasks/{task_id}/cancel", "/tasks/{task_id}/complete", "/tasks/{task_id}/reject")
        for persona in PERSONAS
        if persona.role in ALLOWED[("POST", path)]
    ],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
async def test_the_destructive_task_actions_admit_their_roles(env: Env, path: str, persona: Persona) -> None:
    """The matrix does not send these to the sample's task for the roles they admit; on a task that does not
    exist the role gate still lets them through (no ROLE_FORBIDDEN, no 5xx)."""
    async with client(env.url) as http:
        r = await http.post(API + path.format(task_id=uuid.uuid4()), json={}, headers=dict(persona.headers))
    assert r.status_code < 500, r.text
    assert r.json().get("code") != "ROLE_FORBIDDEN", r.text
