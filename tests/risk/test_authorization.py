"""The authorisation matrix of the risk service (tests/support/authz.py): every operation of its OpenAPI
document × every persona, and every object in the path × someone else's. A role the operation does not admit
gets 403 ROLE_FORBIDDEN, someone else's object 404 with the object's code (never 403, so ids cannot be
probed), and the action-level refusals inside the use cases (only city supervisors publish, transfer and
reclassify; only the unit answers, only supervisors decide) are the overrides below.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from services.common.contracts import inspection
from tests.risk.helpers import ADMIN, HOTLINE, apply, make_uscc, of_unit, unit_officer
from tests.support import personas
from tests.support.authz import (
    Case,
    Expect,
    Matrix,
    Open,
    Owned,
    Persona,
    check,
    document,
    parameters,
)
from tests.support.contracts import decision_issued
from tests.support.stack import Running, client

API = "/api/v1/risk"
UNIT, OTHER = "CG-210104", "SJ-210102"  # the objects belong to UNIT (district 210104)
USCC = make_uscc(77)

PERSONAS = [
    Persona("officer_own", "officer", unit_officer(UNIT)),
    Persona("officer_other", "officer", unit_officer(OTHER)),
    Persona("enterprise", "enterprise", personas.enterprise(make_uscc(78), sub="ent")),
    Persona("enterprise_own", "enterprise", personas.enterprise(USCC, sub="ent-own")),
    Persona("supervisor_city", "supervisor", personas.supervisor("city", sub="sup-city")),
    Persona("supervisor_district", "supervisor", personas.supervisor("210104", sub="sup-104")),
    Persona("supervisor_other", "supervisor", personas.supervisor("210102", sub="sup-102")),
    Persona("integration", "integration", HOTLINE, client="12345"),
    Persona("admin", "admin", ADMIN),
    Persona("anonymous", None, {}),
]
SUPERVISORS = frozenset({"supervisor_city", "supervisor_district", "supervisor_other", "admin"})
UNIT_SEERS = frozenset({"officer_own", "supervisor_city", "supervisor_district", "admin"})
ANYONE = frozenset(p.name for p in PERSONAS)

# Who may call what (the document's x-zhifa-roles, pinned: a new operation or a changed role fails here).
ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("PUT", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("GET", "/admin/clock"): frozenset({"admin"}),
    ("PUT", "/admin/clock"): frozenset({"admin"}),
    ("GET", "/admin/dead-letters"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/discard"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/retry"): frozenset({"admin"}),
    ("GET", "/admin/outbox"): frozenset({"admin"}),
    ("GET", "/audit/verify"): frozenset({"supervisor", "admin"}),
    ("GET", "/audit/entities/{kind}/{entity_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/config"): frozenset({"supervisor", "admin"}),
    ("POST", "/diagnostics/ping"): frozenset({"admin"}),
    ("GET", "/diagnostics/pings"): frozenset({"admin"}),
    ("GET", "/enterprises"): frozenset({"supervisor", "admin"}),
    ("POST", "/enterprises/reclassify"): frozenset({"supervisor", "admin"}),
    ("GET", "/enterprises/reclassify/{run_id}"): frozenset({"supervisor", "admin"}),
    ("GET", "/enterprises/{uscc}"): frozenset({"officer", "enterprise", "supervisor", "admin"}),
    ("GET", "/intake/uploads/{upload_id}"): frozenset({"integration", "admin"}),
    ("GET", "/intake/uploads/{upload_id}/errors"): frozenset({"integration", "admin"}),
    ("POST", "/intake/{kind}"): frozenset({"integration"}),
    ("POST", "/intake/{kind}/bulk"): frozenset({"integration"}),
    ("GET", "/leads"): frozenset({"officer", "supervisor", "admin", "integration"}),
    ("GET", "/leads/overdue"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/leads/pending"): frozenset({"supervisor", "admin"}),
    ("GET", "/leads/transfers"): frozenset({"supervisor", "admin"}),
    ("POST", "/leads/transfers"): frozenset({"supervisor", "admin"}),
    ("GET", "/leads/{lead_id}"): frozenset({"officer", "supervisor", "admin", "integration"}),
    ("POST", "/leads/{lead_id}/answer"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/leads/{lead_id}/close"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/leads/{lead_id}/return"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/overview/{quarter}"): frozenset({"supervisor", "admin"}),
    ("GET", "/rectifications"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/ledgers/rectifications.xlsx"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/ledgers/leads.xlsx"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/rectifications/overdue"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/rectifications/{warning_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/rectifications/{warning_id}/close"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/rectifications/{warning_id}/reopen"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/rectifications/{warning_id}/submit"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/rectifications/{warning_id}/withdraw"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/reports/{quarter}"): frozenset({"supervisor", "admin"}),
    ("GET", "/reports/{quarter}/export.csv"): frozenset({"supervisor", "admin"}),
    ("GET", "/reports/{quarter}/heat"): frozenset({"supervisor", "admin"}),
    ("POST", "/reports/{quarter}/publish"): frozenset({"supervisor", "admin"}),
    ("GET", "/units/{unit_code}/quarters/{quarter}"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/units/{unit_code}/quarters/{quarter}/evidence/{kind}"): frozenset(
        {"officer", "supervisor", "admin"}
    ),
    # 案卷评查 (issue #14 item 2)
    ("GET", "/reviews"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/reviews"): frozenset({"supervisor", "admin"}),
    ("GET", "/reviews/{review_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/reviews/{review_id}/approve"): frozenset({"supervisor", "admin"}),
    ("POST", "/reviews/{review_id}/complete"): frozenset({"supervisor", "admin"}),
    ("GET", "/reviews/{review_id}/files"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/reviews/{review_id}/files/{file_id}/scores"): frozenset({"supervisor", "admin"}),
    ("GET", "/reviews/{review_id}/results"): frozenset({"officer", "supervisor", "admin"}),
    # 通报 (issue #14 item 7)
    ("GET", "/bulletins"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/bulletins"): frozenset({"supervisor", "admin"}),
    ("GET", "/bulletins/{bulletin_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/bulletins/{bulletin_id}/html"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/bulletins/{bulletin_id}/pdf"): frozenset({"officer", "supervisor", "admin"}),
    # complaints (issue #14 item 3)
    ("GET", "/complaints"): frozenset({"officer", "enterprise", "supervisor", "admin"}),
    ("POST", "/complaints"): frozenset({"enterprise"}),
    ("GET", "/complaints/{complaint_id}"): frozenset({"officer", "enterprise", "supervisor", "admin"}),
    ("POST", "/complaints/{complaint_id}/forward"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/complaints/{complaint_id}/reply"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/complaints/{complaint_id}/conclude"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/complaints/{complaint_id}/answer"): frozenset({"officer", "supervisor", "admin"}),
    # 监督员 and 联系点 (issue #14 item 4)
    ("GET", "/supervision-members"): frozenset({"supervisor", "admin"}),
    ("POST", "/supervision-members"): frozenset({"supervisor", "admin"}),
    ("GET", "/supervision-members/{member_id}"): frozenset({"supervisor", "admin"}),
    ("PUT", "/supervision-members/{member_id}"): frozenset({"supervisor", "admin"}),
    ("GET", "/supervision-members/{member_id}/invitations"): frozenset({"supervisor", "admin"}),
    ("POST", "/supervision-members/{member_id}/invitations"): frozenset({"supervisor", "admin"}),
    ("GET", "/contact-points"): frozenset({"supervisor", "admin"}),
    ("POST", "/contact-points"): frozenset({"supervisor", "admin"}),
    ("GET", "/contact-points/{point_id}"): frozenset({"enterprise", "supervisor", "admin"}),
    ("PUT", "/contact-points/{point_id}"): frozenset({"supervisor", "admin"}),
    ("POST", "/contact-points/{point_id}/observations"): frozenset({"enterprise", "supervisor", "admin"}),
    # supervision matters (issue #14)
    ("GET", "/supervision/matters"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/supervision/matters"): frozenset({"supervisor", "admin"}),
    ("GET", "/supervision/matters/{matter_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/supervision/matters/{matter_id}/answer"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/supervision/matters/{matter_id}/close"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/supervision/matters/{matter_id}/reopen"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/supervision/matters/{matter_id}/documents/{kind}"): frozenset(
        {"officer", "supervisor", "admin"}
    ),
    # 台账 of supervision matters and of a campaign's scores (issue #15 item 4)
    ("GET", "/ledgers/supervision-matters.xlsx"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/ledgers/reviews/{review_id}/scores.xlsx"): frozenset({"officer", "supervisor", "admin"}),
}


def op(method: str, path: str) -> tuple[str, str]:
    return method, path if path.startswith("/public/") else API + path


# The audit chain's public face (no token): every service's checkpoints and keys, and the checkpoints risk
# keeps of every service.
PUBLIC = ["/public/risk/audit/checkpoints", "/public/risk/audit/keys", "/public/risk/checkpoints/{service}"]
# Public bulletins (公开通报): the list and each one's PDF.
PUBLIC += ["/public/risk/bulletins", "/public/risk/bulletins/{bulletin_id}/pdf"]
# Anyone may complain (issue #14): a filing token, the complaint, the answer read with number and secret.
PUBLIC_POST = ["/public/risk/complaints/tokens", "/public/risk/complaints", "/public/risk/complaints/lookup"]
COMPLAINT_SUPERVISOR_ONLY = Expect("403", "COMPLAINT_SUPERVISOR_ONLY")


CITY_ONLY = Expect("403", "RISK_CITY_SCOPE_REQUIRED")
RECT_SUPERVISOR_ONLY = Expect("403", "RECTIFICATION_SUPERVISOR_ONLY")
LEAD_SUPERVISOR_ONLY = Expect("403", "LEAD_SUPERVISOR_ONLY")
CITY = {"supervisor_district": CITY_ONLY, "supervisor_other": CITY_ONLY}
MATTER_SUPERVISOR_ONLY = Expect("403", "SUPERVISION_MATTER_SUPERVISOR_ONLY")
MATTER = {
    "kind": "opinion",
    "target_kind": "visit",
    "target_id": "6f1d9b1e-3c55-4c1e-9a43-0e6f3b7c2a10",
    "unit_code": UNIT,
    "grounds": "检查程序不规范",
    "legal_basis": "《行政处罚法》第五十五条",
    "requested_action": "说明情况",
    "deadline_working_days": 5,
}
LEAD = {
    "external_id": "M-x",
    "unit_code": UNIT,
    "domain": "市容环卫",
    "category": "执法态度",
    "text": "投诉",
    "received_at": "2026-08-04T10:00:00+08:00",
}

REVIEW = {
    "title": "案卷评查",
    "unit_codes": [UNIT],
    "period_from": "2026-07-01",
    "period_to": "2026-09-30",
    "sample_size": 2,
    "reviewers": [{"id": "rev-1", "name": "评查员", "units": [UNIT]}],
}
MEMBER = {
    "name": "钱律师",
    "background": "律师",
    "district_code": "210104",
    "term_start": "2026-01-01",
    "term_end": "2028-12-31",
}
POINT = {
    "kind": "enterprise",
    "name": "沈阳矩阵有限公司",
    "uscc": USCC,
    "address": "沈阳市沈河区某路1号",
    "district_code": "210104",
    "term_start": "2026-01-01",
    "term_end": "2027-12-31",
}

MATRIX = Matrix(
    document("risk"),
    PERSONAS,
    values={
        # one object's audit trail follows the object's own access rule
        (API + "/audit/entities/{kind}/{entity_id}", "kind"): Open("lead"),
        "service": Open("penalty"),
        "entity_id": Owned("{lead_id}", UNIT_SEERS, "AUDIT_ENTITY_NOT_FOUND"),
        "warning_id": Owned("{warning_id}", UNIT_SEERS, "RECTIFICATION_NOT_FOUND"),
        # the 12345 client brought the leads in: it reads them (and is refused every action by its role)
        "lead_id": Owned("{lead_id}", UNIT_SEERS | {"integration"}, "LEAD_NOT_FOUND"),
        "run_id": Open("{run_id}"),
        "upload_id": Open("{upload_id}"),
        "uscc": Owned(
            USCC,
            frozenset({"officer_own", "officer_other", "enterprise_own", *UNIT_SEERS}),
            "ENTERPRISE_NOT_FOUND",
        ),
        "unit_code": Owned(UNIT, UNIT_SEERS, "RISK_UNIT_NOT_FOUND"),
        "quarter": Open("2026Q3"),
        "kind": Open("complaints"),
        "year": Open("2026"),
        "dead_letter_id": Owned("999999999", frozenset(), "DEAD_LETTER_NOT_FOUND"),
        "review_id": Owned("{review_id}", UNIT_SEERS, "REVIEW_NOT_FOUND"),
        "file_id": Owned("{file_id}", UNIT_SEERS, "REVIEW_FILE_NOT_FOUND"),
        "bulletin_id": Owned("{bulletin_id}", UNIT_SEERS, "BULLETIN_NOT_FOUND"),
        # the fixture's bulletin is public: anyone reads its PDF at the public path
        ("/public/risk/bulletins/{bulletin_id}/pdf", "bulletin_id"): Open("{bulletin_id}"),
        # filed by enterprise_own about UNIT and forwarded to it: the unit sees it from then on
        # a 监督员 and a 联系点 of district 210104 (the contact point is enterprise_own)
        "member_id": Owned(
            "{member_id}",
            frozenset({"supervisor_city", "supervisor_district", "admin"}),
            "SUPERVISION_MEMBER_NOT_FOUND",
        ),
        "point_id": Owned(
            "{point_id}",
            frozenset({"supervisor_city", "supervisor_district", "admin", "enterprise_own"}),
            "CONTACT_POINT_NOT_FOUND",
        ),
        "complaint_id": Owned("{complaint_id}", UNIT_SEERS | {"enterprise_own"}, "COMPLAINT_NOT_FOUND"),
        "matter_id": Owned("{matter_id}", UNIT_SEERS, "SUPERVISION_MATTER_NOT_FOUND"),
        (API + "/supervision/matters/{matter_id}/documents/{kind}", "kind"): Open("html"),
    },
    # the pinned clock and the calendar must survive the matrix (closing or withdrawing the shared objects
    # is fine: whatever their state, a later call still gets past the access checks, with a 409 at most)
    destructive=frozenset({op("PUT", "/admin/clock"), op("PUT", "/admin/calendar/{year}")}),
    bodies={
        op("POST", "/intake/{kind}"): LEAD,
        op("POST", "/rectifications/{warning_id}/submit"): {"measures": "措施"},
        op("POST", "/rectifications/{warning_id}/reopen"): {"reason": "不足"},
        op("POST", "/rectifications/{warning_id}/withdraw"): {"reason": "误发"},
        op("POST", "/leads/{lead_id}/answer"): {"text": "答复"},
        op("POST", "/leads/{lead_id}/return"): {"reason": "不足"},
        op("POST", "/reviews/{review_id}/approve"): {"public_value": "2"},
        op("POST", "/reviews/{review_id}/files/{file_id}/scores"): {
            "reviewer_id": "rev-1",
            "points": {"subject": 10, "facts": 15, "evidence": 20, "procedure": 20, "law": 10},
        },
        op("PUT", "/supervision-members/{member_id}"): MEMBER,
        op("POST", "/supervision-members/{member_id}/invitations"): {
            "target_kind": "visit",
            "target_id": "v-1",
            "on_date": "2026-11-25",
        },
        op("PUT", "/contact-points/{point_id}"): POINT,
        op("POST", "/contact-points/{point_id}/observations"): {
            "subject_kind": "department",
            "unit_code": UNIT,
            "category": "其他",
            "text": "观察",
        },
        op("POST", "/complaints/{complaint_id}/forward"): {"note": "请核查"},
        op("POST", "/complaints/{complaint_id}/reply"): {"text": "已核查"},
        op("POST", "/complaints/{complaint_id}/conclude"): {
            "finding": "unsubstantiated",
            "conclusion": "不属实",
        },
        op("POST", "/complaints/{complaint_id}/answer"): {"text": "答复"},
        op("POST", "/supervision/matters"): MATTER,
        op("POST", "/supervision/matters/{matter_id}/answer"): {"outcome": "explained", "text": "说明"},
        op("POST", "/supervision/matters/{matter_id}/reopen"): {"reason": "不足", "deadline_working_days": 5},
    },
    overrides={
        # a district supervisor opens matters on its district's units only (another district's looks absent)
        op("POST", "/supervision/matters"): {"supervisor_other": Expect("404", "RISK_UNIT_NOT_FOUND")},
        op("POST", "/supervision/matters/{matter_id}/answer"): {
            s: Expect("403", "SUPERVISION_MATTER_UNIT_ONLY")
            for s in ("supervisor_city", "supervisor_district", "supervisor_other")
        },
        **{
            op("POST", f"/supervision/matters/{{matter_id}}/{action}"): {
                "officer_own": MATTER_SUPERVISOR_ONLY,
                "officer_other": MATTER_SUPERVISOR_ONLY,
            }
            for action in ("close", "reopen")
        },
        op("POST", "/reports/{quarter}/publish"): CITY,
        op("POST", "/supervision-members"): CITY,
        op("PUT", "/supervision-members/{member_id}"): CITY,
        op("POST", "/contact-points"): CITY,
        op("PUT", "/contact-points/{point_id}"): CITY,
        op("POST", "/leads/transfers"): CITY,
        op("POST", "/enterprises/reclassify"): CITY,
        # only the unit answers (and the administrator): supervisors are refused before the object check
        op("POST", "/rectifications/{warning_id}/submit"): {
            s: Expect("403", "RECTIFICATION_UNIT_ONLY")
            for s in ("supervisor_city", "supervisor_district", "supervisor_other")
        },
        op("POST", "/leads/{lead_id}/answer"): {
            s: Expect("403", "LEAD_UNIT_ONLY")
            for s in ("supervisor_city", "supervisor_district", "supervisor_other")
        },
        # only supervisors decide: officers are refused, their own unit's or not
        **{
            op("POST", f"/rectifications/{{warning_id}}/{action}"): {
                "officer_own": RECT_SUPERVISOR_ONLY,
                "officer_other": RECT_SUPERVISOR_ONLY,
            }
            for action in ("reopen", "close", "withdraw")
        },
        # only the bureau forwards, concludes and answers; only the unit replies
        **{
            op("POST", f"/complaints/{{complaint_id}}/{action}"): {
                "officer_own": COMPLAINT_SUPERVISOR_ONLY,
                "officer_other": COMPLAINT_SUPERVISOR_ONLY,
            }
            for action in ("forward", "conclude", "answer")
        },
        op("POST", "/complaints/{complaint_id}/reply"): {
            s: Expect("403", "COMPLAINT_UNIT_ONLY")
            for s in ("supervisor_city", "supervisor_district", "supervisor_other")
        },
        **{
            op("POST", f"/leads/{{lead_id}}/{action}"): {
                "officer_own": LEAD_SUPERVISOR_ONLY,
                "officer_other": LEAD_SUPERVISOR_ONLY,
            }
            for action in ("return", "close")
        },
    },
)


def test_every_operation_is_in_the_matrix() -> None:
    """The document's operations and roles are exactly the pinned table, every path parameter has a value,
    and every override names a documented operation: a new endpoint cannot be missed."""
    pinned = {op(m, p): roles for (m, p), roles in ROLES.items()}
    pinned |= {op("GET", p): frozenset({"public"}) for p in PUBLIC}
    pinned |= {op("POST", p): frozenset({"public"}) for p in PUBLIC_POST}
    assert MATRIX.roles() == pinned
    assert MATRIX.undeclared() == []
    assert MATRIX.unknown_overrides() == []
    assert {p.name for p in PERSONAS} == ANYONE


@pytest.fixture(scope="module")
async def objects(risk: Running) -> AsyncIterator[dict[str, str]]:
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
        json.dumps({**LEAD, "external_id": f"M-{i}"}, ensure_ascii=False).encode() + b"\n"
        for i in range(8)  # 8 complaints: red
    )
    async with client(risk.url) as http:
        r = await http.post(f"{API}/intake/complaints/bulk", content=body, headers=HOTLINE)
        assert r.json()["stored"] == 8
        upload = r.json()["id"]
        published = (await http.post(f"{API}/reports/2026Q3/publish", headers=ADMIN)).json()
        await http.post(f"{API}/leads/transfers", json={"batch": "2026-W32"}, headers=ADMIN)
        leads = (await http.get(f"{API}/leads", headers=ADMIN)).json()["items"]
        run = (await http.post(f"{API}/enterprises/reclassify", json={}, headers=ADMIN)).json()
        review = (await http.post(f"{API}/reviews", json=REVIEW, headers=ADMIN)).json()
        await http.post(f"{API}/reviews/{review['id']}/approve", json={"public_value": "1"}, headers=ADMIN)
        files = (await http.get(f"{API}/reviews/{review['id']}/files", headers=ADMIN)).json()
        bulletin = {
            "title": "风险预警情况",
            "text": "通报",
            "source_kind": "quarter_colour",
            "source_id": published["warnings"][0]["id"],
            "public": True,
        }
        issued = (await http.post(f"{API}/bulletins", json=bulletin, headers=ADMIN)).json()
        complaint = {
            "subject_kind": "department",
            "unit_code": UNIT,
            "category": "重复检查",
            "text": "一月三次",
        }
        own = personas.enterprise(USCC, sub="ent-own")
        filed = (await http.post(f"{API}/complaints", json=complaint, headers=own)).json()
        await http.post(f"{API}/complaints/{filed['id']}/forward", json={}, headers=ADMIN)
        member = (await http.post(f"{API}/supervision-members", json=MEMBER, headers=ADMIN)).json()
        point = (await http.post(f"{API}/contact-points", json=POINT, headers=ADMIN)).json()
        matter = (await http.post(f"{API}/supervision/matters", json=MATTER, headers=ADMIN)).json()
    yield {
        "bulletin_id": issued["id"],
        "review_id": review["id"],
        "file_id": files[0]["id"],
        "matter_id": matter["id"],
        "warning_id": published["warnings"][0]["id"],
        "lead_id": leads[0]["id"],
        "run_id": run["id"],
        "upload_id": upload,
        "complaint_id": filed["id"],
        "member_id": member["id"],
        "point_id": point["id"],
    }


@pytest.mark.parametrize("case", parameters(MATRIX))
async def test_matrix(risk: Running, objects: dict[str, str], case: Case) -> None:
    async with client(risk.url) as http:
        failure = await check(http, case, objects)
    assert failure is None, failure


async def test_bulk_intake_with_a_valid_body_is_for_the_hotline_only(risk: Running) -> None:
    """The matrix sends ``{}`` to the NDJSON bulk intake; here a valid line, as the hand-written matrix did."""
    line = json.dumps(LEAD, ensure_ascii=False).encode()
    async with client(risk.url) as http:
        for persona in PERSONAS:
            r = await http.post(f"{API}/intake/complaints/bulk", content=line, headers=dict(persona.headers))
            if persona.name == "integration":
                assert r.status_code not in (401, 403, 404) and r.status_code < 500, r.text
            else:
                want = ("401", "TOKEN_MISSING") if persona.role is None else ("403", "ROLE_FORBIDDEN")
                assert (str(r.status_code), r.json()["code"]) == want, (persona.name, r.text)


async def test_unknown_objects_are_404(objects: dict[str, str], risk: Running) -> None:
    async with client(risk.url, headers=ADMIN) as http:
        for path in (
            f"/rectifications/{uuid.uuid4()}",
            f"/leads/{uuid.uuid4()}",
            f"/enterprises/reclassify/{uuid.uuid4()}",
            f"/intake/uploads/{uuid.uuid4()}",
            f"/intake/uploads/{uuid.uuid4()}/errors",
            f"/reviews/{uuid.uuid4()}",
            f"/bulletins/{uuid.uuid4()}",
            f"/complaints/{uuid.uuid4()}",
            f"/supervision-members/{uuid.uuid4()}",
            f"/contact-points/{uuid.uuid4()}",
            f"/supervision/matters/{uuid.uuid4()}",
        ):
            assert (await http.get(API + path)).status_code == 404
