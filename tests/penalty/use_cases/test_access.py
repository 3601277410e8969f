"""The authorisation matrix: every case, document and lead endpoint × every role, on someone else's object.

A role the endpoint does not serve gets 403; a role it serves gets 404 for an object that is not its own
(officers of another department, another enterprise, a supervisor of another district), so ids cannot be
probed. Bodies are valid, so what answers is the access check and nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from services.common import clock
from services.common.contracts.inspection import ViolationFound
from services.common.db import transaction
from services.penalty.use_cases import leads
from tests.penalty.helpers import (
    CG_A,
    SJ_A,
    SJ_B,
    SUGGESTED_FEN,
    USCC_A,
    USCC_B,
    facts,
    to_decided,
)
from tests.support.personas import enterprise, officer, supervisor
from tests.support.stack import Running, auth, client

OFF, ENT, SUP, ADM, INT = "officer", "enterprise", "supervisor", "admin", "integration"
READ = {OFF, ENT, SUP, ADM}
INTERNAL = {OFF, SUP, ADM}
OFFICER = {OFF}
PARTY = {OFF, ENT}
PAYMENT = {OFF, INT}
FINE = {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    roles: frozenset[str]
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def E_(method: str, path: str, roles: set[str], body: dict[str, Any] | None = None) -> Endpoint:
    return Endpoint(method, path, frozenset(roles), body)


ENDPOINTS = [
    E_("GET", "/cases/{case}", READ),
    E_("GET", "/cases/{case}/steps", INTERNAL),
    E_("GET", "/cases/{case}/decision", READ),
    E_("POST", "/cases/{case}/assessment", OFFICER, facts()),
    E_("POST", "/cases/{case}/investigation", OFFICER, {}),
    E_("POST", "/cases/{case}/notice", OFFICER, {"facts": ["x"], "proposed": FINE}),
    E_("POST", "/cases/{case}/statements", PARTY, {"content": "x"}),
    E_("POST", "/cases/{case}/statements/review", OFFICER, {"opinion": "x", "adopted": False}),
    E_("POST", "/cases/{case}/waiver", PARTY, {"statement": True}),
    E_("POST", "/cases/{case}/hearing/request", PARTY, {}),
    E_("POST", "/cases/{case}/hearing/schedule", OFFICER, {"hearing_on": "2026-12-01", "presider": "x"}),
    E_("POST", "/cases/{case}/hearing/record", OFFICER, {"outcome": "held", "transcript_ref": "x"}),
    E_("POST", "/cases/{case}/hearing/withdraw", PARTY, {}),
    E_("POST", "/cases/{case}/legal-review", OFFICER, {"passed": True, "opinion": "x", "proposal": FINE}),
    E_(
        "POST",
        "/cases/{case}/collective-discussion",
        OFFICER,
        {"participants": ["a", "b"], "minutes_ref": "x", "conclusion": FINE},
    ),
    E_(
        "POST",
        "/cases/{case}/extension",
        OFFICER,
        {"new_limit": "2027-03-01", "approver": "x", "basis": "x", "reason": "x"},
    ),
    E_(
        "POST",
        "/cases/{case}/economic-impact",
        OFFICER,
        {"assessors": ["x"], "findings": "x", "mitigation_measures": ["x"]},
    ),
    E_("GET", "/cases/{case}/economic-impact", INTERNAL),
    E_("POST", "/cases/{case}/decision", OFFICER, {"penalty": FINE}),
    E_("POST", "/cases/{case}/no-penalty-decision", OFFICER, {}),
    E_("POST", "/cases/{case}/delivery", OFFICER, {"method": "direct", "recipient": "x"}),
    E_(
        "POST",
        "/cases/{case}/deferral",
        OFFICER,
        {"approved_by": "x", "new_due": "2027-01-01", "reason": "x"},
    ),
    E_("POST", "/cases/{case}/payments", PAYMENT, {"fine_fen": 100}),
    E_("POST", "/cases/{case}/execution", OFFICER, {"note": "x"}),
    E_(
        "POST",
        "/cases/{case}/remedies",
        OFFICER,
        {"source": "reconsideration", "filed_on": "2026-11-16", "reference": "x"},
    ),
    E_("POST", "/cases/{case}/remedies/conclude", OFFICER, {"upheld": True}),
    E_(
        "POST",
        "/cases/{case}/revocation",
        OFFICER,
        {"source": "self_correction", "reason": "x", "source_document": "x"},
    ),
    E_(
        "POST",
        "/cases/{case}/change",
        OFFICER,
        {"source": "self_correction", "reason": "x", "source_document": "x", "penalty": FINE},
    ),
    E_("POST", "/cases/{case}/publication", OFFICER, {}),
    E_("POST", "/cases/{case}/closure", OFFICER, {"reason": "performed", "note": "x"}),
    E_("GET", "/documents/{document}.html", READ),
    E_("GET", "/documents/{document}.pdf", READ),
    E_("GET", "/leads/{lead}", INTERNAL),
    E_("POST", "/leads/{lead}/confirm", OFFICER, {"benchmark_code": "SY-SJ-0004", "approved_by": "x"}),
    E_("POST", "/leads/{lead}/dismiss", OFFICER, {"note": "x"}),
]

# Someone else: an officer of another department, another enterprise, a supervisor of another district, an
# integration client (which reports payments for any case, so it is never "foreign" there).
FOREIGNERS = {
    OFF: officer(**CG_A),
    ENT: enterprise(USCC_B),
    SUP: supervisor("210199"),
    INT: auth("integration", "bank-1", client="feishui"),
}


@dataclass
class Objects:
    case: str
    document: str
    lead: str


@pytest.fixture(scope="module")
async def objects(penalty: Running) -> AsyncIterator[Objects]:
    async with client(penalty.url) as http:
        decided = await to_decided(http, who=SJ_A, partner=SJ_B, uscc=USCC_A)
    violation = ViolationFound(
        violation_id=uuid.uuid4(),
        visit_id=uuid.uuid4(),
        enterprise_uscc=USCC_A,
        enterprise_name="沈阳东陵客运有限公司",
        item_code="SJ-SP-001",
        item_name="检查",
        legal_basis="食品安全法",
        description="x",
        evidence_hashes=[],
        officer_cert_nos=[SJ_A["cert_no"], SJ_B["cert_no"]],
        department_code="SJ",
        district_code="210102",
        found_at=clock.now(),
    )
    async with transaction(penalty.runtime.factory) as session:
        await leads.record_violation(session, violation)
    lead = uuid.uuid5(uuid.NAMESPACE_URL, f"zhifa:lead:{violation.violation_id}")
    yield Objects(case=decided["id"], document=decided["documents"][-1]["id"], lead=str(lead))


CASES = [
    pytest.param(endpoint, role, id=f"{endpoint}-{role}")
    for endpoint in ENDPOINTS
    for role in FOREIGNERS
    if not (role == INT and endpoint.roles == frozenset(PAYMENT))
]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
async def test_someone_elses_object(
    penalty: Running, objects: Objects, endpoint: Endpoint, role: str
) -> None:
    path = "/api/v1/penalty" + endpoint.path.format(
        case=objects.case, document=objects.document, lead=objects.lead
    )
    async with client(penalty.url) as http:
        r = await http.request(endpoint.method, path, json=endpoint.body, headers=FOREIGNERS[role])
    expected = 404 if role in endpoint.roles else 403
    assert r.status_code == expected, r.text
    assert r.json()["code"] in (
        {"ROLE_FORBIDDEN"} if expected == 403 else {"CASE_NOT_FOUND", "DOCUMENT_NOT_FOUND", "LEAD_NOT_FOUND"}
    )


async def test_owners_see_their_objects(penalty: Running, objects: Objects) -> None:
    async with client(penalty.url) as http:
        responses = [
            await http.get(f"/api/v1/penalty/cases/{objects.case}", headers=officer(**SJ_B)),
            await http.get(f"/api/v1/penalty/cases/{objects.case}", headers=enterprise(USCC_A)),
            await http.get(f"/api/v1/penalty/cases/{objects.case}", headers=supervisor("210102")),
            await http.get(f"/api/v1/penalty/cases/{objects.case}", headers=supervisor("city")),
            await http.get(f"/api/v1/penalty/cases/{objects.case}", headers=auth("admin", "admin-1")),
            await http.get(f"/api/v1/penalty/leads/{objects.lead}", headers=officer(**SJ_B)),
        ]
        unauthenticated = await http.get(f"/api/v1/penalty/cases/{objects.case}")
        consistency = await http.get("/api/v1/penalty/consistency", headers=officer(**SJ_A))
    assert [r.status_code for r in responses] == [200] * 6
    assert unauthenticated.status_code == 401
    assert consistency.status_code == 403
