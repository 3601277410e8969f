"""The authorisation matrix of the penalty service (tests/support/authz.py): every operation of its OpenAPI
document × every persona, and every case, document and lead × someone else's.

A role the operation does not serve gets 403 ROLE_FORBIDDEN (an integration client without the payments scope
403 CLIENT_SCOPE_FORBIDDEN); a role it serves gets 404 with the object's code for an object that is not its own
(officers of another department, another enterprise, a supervisor of another district), so ids cannot be
probed. Bodies are valid, so what answers is the access check and nothing else; the writes on the shared case
and lead are sent only to the callers that must be refused (the functional tests drive them).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common import clock
from services.common.contracts.inspection import ViolationFound
from services.common.db import transaction
from services.penalty.models import PenaltyFollowUp, SpotCollection
from services.penalty.use_cases import leads
from tests.penalty.helpers import CG_A, SJ_A, SJ_B, SUGGESTED_FEN, USCC_A, USCC_B, facts, to_decided
from tests.support.authz import Case, Expect, Matrix, Open, Owned, Persona, check, document, parameters
from tests.support.personas import admin, enterprise, integration, officer, supervisor
from tests.support.stack import Running, client

API = "/api/v1/penalty"
FINE = {"kinds": ["fine"], "fine_fen": SUGGESTED_FEN}

PERSONAS = [
    Persona("officer_own", "officer", officer(**SJ_B)),  # the case's second officer, same department
    Persona("officer_other", "officer", officer(**CG_A)),  # another department
    Persona("enterprise_own", "enterprise", enterprise(USCC_A)),  # the party
    Persona("enterprise_other", "enterprise", enterprise(USCC_B)),
    Persona("supervisor_district", "supervisor", supervisor("210102")),  # the case's district
    Persona("supervisor_city", "supervisor", supervisor("city")),
    Persona("supervisor_other", "supervisor", supervisor("210199")),
    Persona("integration_payment", "integration", integration("payment"), client="payment"),
    Persona("integration", "integration", integration("feishui", sub="bank-1"), client="feishui"),
    Persona("admin", "admin", admin("admin-1")),
    Persona("anonymous", None, {}),
]
CASE_SEERS = frozenset(
    {
        "officer_own",
        "enterprise_own",
        "supervisor_district",
        "supervisor_city",
        "admin",
        "integration_payment",
    }
)
LEAD_SEERS = frozenset({"officer_own", "supervisor_district", "supervisor_city", "admin"})
ALL = frozenset({"officer", "enterprise", "supervisor", "admin"})

# Who may call what (the document's x-zhifa-roles, pinned: a new operation or a changed role fails here).
ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/admin/benchmarks"): frozenset({"admin"}),
    ("POST", "/admin/benchmarks/drafts"): frozenset({"admin"}),
    ("GET", "/admin/benchmarks/export"): frozenset({"admin"}),
    ("POST", "/admin/benchmarks/import"): frozenset({"admin"}),
    ("DELETE", "/admin/benchmarks/{code}/versions/{version}"): frozenset({"admin"}),
    ("POST", "/admin/benchmarks/{code}/versions/{version}/approve"): frozenset({"admin"}),
    ("POST", "/admin/benchmarks/{code}/versions/{version}/publish"): frozenset({"admin"}),
    ("GET", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("PUT", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("GET", "/admin/catalogue"): frozenset({"admin"}),
    ("PUT", "/admin/catalogue"): frozenset({"admin"}),
    ("GET", "/admin/clock"): frozenset({"admin"}),
    ("PUT", "/admin/clock"): frozenset({"admin"}),
    ("GET", "/admin/dead-letters"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/discard"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/retry"): frozenset({"admin"}),
    ("PUT", "/admin/departments/{code}"): frozenset({"admin"}),
    ("GET", "/admin/outbox"): frozenset({"admin"}),
    ("GET", "/audit/verify"): frozenset({"supervisor", "admin"}),
    ("GET", "/audit/entities/{kind}/{entity_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/benchmarks/{code}/assess"): ALL,
    ("GET", "/cases"): ALL,
    ("GET", "/ledgers/cases.xlsx"): ALL,
    ("POST", "/cases"): frozenset({"officer"}),
    ("GET", "/cases/{case_id}"): ALL,
    ("POST", "/cases/{case_id}/assessment"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/change"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/closure"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/collective-discussion"): frozenset({"officer"}),
    ("GET", "/cases/{case_id}/decision"): ALL,
    ("POST", "/cases/{case_id}/decision"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/deferral"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/delivery"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/execution"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/extension"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/hearing/record"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/hearing/request"): frozenset({"enterprise", "officer"}),
    ("POST", "/cases/{case_id}/hearing/schedule"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/hearing/withdraw"): frozenset({"enterprise", "officer"}),
    ("POST", "/cases/{case_id}/investigation"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/legal-review"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/no-penalty-decision"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/notice"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/payments"): frozenset({"officer", "integration"}),
    ("POST", "/cases/{case_id}/publication"): frozenset({"officer"}),
    ("GET", "/cases/{case_id}/surcharge"): ALL,
    ("POST", "/cases/{case_id}/economic-impact"): frozenset({"officer"}),
    ("GET", "/cases/{case_id}/economic-impact"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/admin/deadlines/unknown"): frozenset({"admin"}),
    ("POST", "/imports/cases"): frozenset({"admin", "integration"}),
    ("POST", "/imports/cases.xlsx"): frozenset({"admin", "integration"}),
    ("GET", "/imports/cases/template.xlsx"): frozenset({"admin", "integration"}),
    ("GET", "/cases/{case_id}/disclosure"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/cases/{case_id}/disclosure/exception"): frozenset({"officer"}),
    ("GET", "/disclosure/rate"): frozenset({"supervisor", "admin"}),
    ("GET", "/disclosure/late"): frozenset({"supervisor", "admin"}),
    ("POST", "/cases/{case_id}/remedies"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/remedies/conclude"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/revocation"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/confirmation"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/statements"): frozenset({"enterprise", "officer"}),
    ("POST", "/cases/{case_id}/statements/review"): frozenset({"officer"}),
    ("GET", "/cases/{case_id}/steps"): frozenset({"supervisor", "officer", "admin"}),
    ("POST", "/cases/{case_id}/waiver"): frozenset({"enterprise", "officer"}),
    ("GET", "/consistency"): frozenset({"supervisor", "admin"}),
    ("GET", "/departments"): ALL,
    ("POST", "/diagnostics/ping"): frozenset({"admin"}),
    ("GET", "/diagnostics/pings"): frozenset({"admin"}),
    ("GET", "/documents/{document_id}.html"): ALL,
    ("GET", "/documents/{document_id}.pdf"): ALL,
    ("GET", "/leads"): frozenset({"supervisor", "officer", "admin"}),
    ("GET", "/leads/{lead_id}"): frozenset({"supervisor", "officer", "admin"}),
    ("POST", "/leads/{lead_id}/confirm"): frozenset({"officer"}),
    ("POST", "/leads/{lead_id}/dismiss"): frozenset({"officer"}),
    # issue #17: one act, one fine (行政处罚法 第二十九条)
    ("GET", "/acts/{act_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/cases/{case_id}/act"): frozenset({"officer", "supervisor", "admin"}),
    # issue #17: on-the-spot collection (第六十八条–第七十一条)
    ("POST", "/cases/{case_id}/collections"): frozenset({"officer"}),
    ("GET", "/cases/{case_id}/collections"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/collections/overdue"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/collections/{collection_id}/landing"): frozenset({"officer"}),
    ("POST", "/collections/{collection_id}/handover"): frozenset({"officer"}),
    ("POST", "/collections/{collection_id}/banking"): frozenset({"officer"}),
}
# after the decision: deferral and instalments, enforcement (issue #17)
ROLES |= {
    ("GET", "/cases/{case_id}/payment-plan"): ALL,
    ("POST", "/cases/{case_id}/payment-plan/application"): frozenset({"enterprise", "officer"}),
    ("POST", "/cases/{case_id}/payment-plan/decision"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/payment-plan/payments"): frozenset({"officer", "integration"}),
    ("GET", "/cases/{case_id}/enforcement"): ALL,
    ("POST", "/cases/{case_id}/enforcement/reminder"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/enforcement/reminder/delivery"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/enforcement/court-application"): frozenset({"officer"}),
    ("POST", "/cases/{case_id}/enforcement/decision"): frozenset({"officer"}),
    ("GET", "/departments/{code}/enforcement"): frozenset({"officer", "supervisor", "admin"}),
    ("PUT", "/admin/departments/{code}/enforcement"): frozenset({"admin"}),
}
# 责令改正 follow-ups of decisions (issue #14 item 6)
ROLES |= {
    ("GET", "/follow-ups"): frozenset({"officer", "supervisor", "admin"}),
    ("GET", "/follow-ups/{follow_up_id}"): frozenset({"officer", "supervisor", "admin"}),
    ("POST", "/follow-ups/{follow_up_id}/result"): frozenset({"officer"}),
}
PUBLIC = ["/public/penalty/benchmarks", "/public/penalty/benchmarks/{code}"]
PUBLIC += ["/public/penalty/audit/checkpoints", "/public/penalty/audit/keys"]
PUBLIC += ["/public/penalty/catalogue.csv", "/public/penalty/catalogue.json"]
PUBLIC += ["/public/penalty/decisions", "/public/penalty/decisions/{record_id}"]


def op(method: str, path: str) -> tuple[str, str]:
    return method, path if path.startswith("/public/") else API + path


# Valid bodies of the writes on the case and the lead (the hand-written matrix's).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    op("POST", "/cases/{case_id}/assessment"): facts(),
    op("POST", "/cases/{case_id}/investigation"): {},
    op("POST", "/cases/{case_id}/notice"): {"facts": ["x"], "proposed": FINE},
    op("POST", "/cases/{case_id}/statements"): {"content": "x"},
    op("POST", "/cases/{case_id}/statements/review"): {"opinion": "x", "adopted": False},
    op("POST", "/cases/{case_id}/waiver"): {"statement": True},
    op("POST", "/cases/{case_id}/hearing/request"): {},
    op("POST", "/cases/{case_id}/hearing/schedule"): {"hearing_on": "2026-12-01", "presider": "x"},
    op("POST", "/cases/{case_id}/hearing/record"): {"outcome": "held", "transcript_ref": "x"},
    op("POST", "/cases/{case_id}/hearing/withdraw"): {},
    op("POST", "/cases/{case_id}/legal-review"): {"passed": True, "opinion": "x", "proposal": FINE},
    op("POST", "/cases/{case_id}/collective-discussion"): {
        "participants": ["a", "b"],
        "minutes_ref": "x",
        "conclusion": FINE,
    },
    op("POST", "/cases/{case_id}/extension"): {
        "new_limit": "2027-03-01",
        "approver": "x",
        "basis": "x",
        "reason": "x",
    },
    op("POST", "/cases/{case_id}/decision"): {"penalty": FINE},
    op("POST", "/cases/{case_id}/no-penalty-decision"): {},
    op("POST", "/cases/{case_id}/delivery"): {"method": "direct", "recipient": "x"},
    op("POST", "/cases/{case_id}/deferral"): {"approved_by": "x", "new_due": "2027-01-01", "reason": "x"},
    op("POST", "/cases/{case_id}/payments"): {"fine_fen": 100},
    op("POST", "/cases/{case_id}/execution"): {"note": "x"},
    op("POST", "/cases/{case_id}/remedies"): {
        "source": "reconsideration",
        "filed_on": "2026-11-16",
        "reference": "x",
    },
    op("POST", "/cases/{case_id}/remedies/conclude"): {"upheld": True},
    op("POST", "/cases/{case_id}/revocation"): {
        "source": "self_correction",
        "reason": "x",
        "source_document": "x",
    },
    op("POST", "/cases/{case_id}/change"): {
        "source": "self_correction",
        "reason": "x",
        "source_document": "x",
        "penalty": FINE,
    },
    op("POST", "/cases/{case_id}/confirmation"): {
        "source": "litigation",
        "finding": "confirmed_illegal",
        "reason": "x",
        "source_document": "x",
    },
    op("POST", "/cases/{case_id}/publication"): {},
    op("POST", "/cases/{case_id}/economic-impact"): {
        "assessors": ["x"],
        "findings": "x",
        "mitigation_measures": ["x"],
    },
    op("POST", "/cases/{case_id}/disclosure/exception"): {
        "ground": "trade_secret",
        "reason": "涉及当事人的配方工艺，属于商业秘密",
    },
    op("POST", "/cases/{case_id}/closure"): {"reason": "performed", "note": "x"},
    op("POST", "/leads/{lead_id}/confirm"): {
        "benchmark_code": "SY-SJ-0004",
        "approved_by": "x",
        "party_address": "沈阳市",
        "legal_representative": "x",
    },
    op("POST", "/leads/{lead_id}/dismiss"): {"note": "x"},
    op("POST", "/cases/{case_id}/collections"): {"ground": "small_fine", "receipt_no": "x"},
    op("POST", "/collections/{collection_id}/landing"): {"landed_on": "2026-11-16"},
    op("POST", "/collections/{collection_id}/handover"): {"received_by": "x"},
    op("POST", "/collections/{collection_id}/banking"): {"bank_receipt_no": "x"},
}
# after the decision (issue #17)
BODIES |= {
    op("POST", "/cases/{case_id}/payment-plan/application"): {
        "kind": "instalments",
        "reasons": "x",
        "evidence": ["x"],
    },
    op("POST", "/cases/{case_id}/payment-plan/decision"): {
        "approved": False,
        "approved_by": "x",
        "reasons": "x",
    },
    op("POST", "/cases/{case_id}/payment-plan/payments"): {"instalment": 1},
    op("POST", "/cases/{case_id}/enforcement/reminder"): {},
    op("POST", "/cases/{case_id}/enforcement/reminder/delivery"): {"method": "direct", "recipient": "x"},
    op("POST", "/cases/{case_id}/enforcement/court-application"): {},
    op("POST", "/cases/{case_id}/enforcement/decision"): {"method": "划拨存款"},
}
BODIES |= {op("POST", "/follow-ups/{follow_up_id}/result"): {"result": "corrected", "note": "x"}}
SEEN = {"officer_own", "enterprise_own", "supervisor_district", "supervisor_city", "admin"}

MATRIX = Matrix(
    document("penalty"),
    PERSONAS,
    values={
        # one object's audit trail follows the object's own access rule
        "kind": Open("case"),
        "entity_id": Owned("{case_id}", CASE_SEERS, "AUDIT_ENTITY_NOT_FOUND"),
        "case_id": Owned("{case_id}", CASE_SEERS, "CASE_NOT_FOUND"),
        "document_id": Owned("{document_id}", CASE_SEERS, "DOCUMENT_NOT_FOUND"),
        "lead_id": Owned("{lead_id}", LEAD_SEERS, "LEAD_NOT_FOUND"),
        "act_id": Owned("{act_id}", LEAD_SEERS, "ACT_NOT_FOUND"),  # internal, like leads
        "collection_id": Owned("{collection_id}", LEAD_SEERS, "COLLECTION_NOT_FOUND"),
        "follow_up_id": Owned("{follow_up_id}", LEAD_SEERS, "PENALTY_FOLLOW_UP_NOT_FOUND"),  # internal
        "code": Open("SY-SJ-0004"),
        (API + "/admin/departments/{code}", "code"): Open("SJ"),
        (API + "/admin/departments/{code}/enforcement", "code"): Open("SJ"),
        (API + "/departments/{code}/enforcement", "code"): Open("SJ"),
        "version": Open("1"),
        "year": Open("2026"),
        "dead_letter_id": Owned("999999999", frozenset(), "DEAD_LETTER_NOT_FOUND"),
        # a public record nobody published: everyone, with or without a token, gets the same 404
        "record_id": Owned(str(uuid.UUID(int=1)), frozenset(), "PUBLIC_DECISION_NOT_FOUND"),
    },
    # the writes on the shared case and lead are sent only where they must be refused; the catalogue, the
    # clock and the calendar must survive the matrix
    destructive=frozenset(
        set(BODIES)
        | {
            op("PUT", "/admin/catalogue"),
            op("PUT", "/admin/clock"),
            op("PUT", "/admin/calendar/{year}"),
            op("DELETE", "/admin/benchmarks/{code}/versions/{version}"),
            op("POST", "/admin/benchmarks/{code}/versions/{version}/approve"),
            op("POST", "/admin/benchmarks/{code}/versions/{version}/publish"),
            op("POST", "/admin/benchmarks/import"),
            op("PUT", "/admin/departments/{code}"),
            op("PUT", "/admin/departments/{code}/enforcement"),
        }
    ),
    bodies=BODIES,
    overrides={
        # the owners read their case exactly, and the case's officer its lead
        op("GET", "/cases/{case_id}"): {name: Expect("200") for name in SEEN},
        op("GET", "/leads/{lead_id}"): {"officer_own": Expect("200")},
    },
)


def test_every_operation_is_in_the_matrix() -> None:
    """The document's operations and roles are exactly the pinned table, every path parameter has a value,
    and every override names a documented operation: a new endpoint cannot be missed."""
    pinned = {op(m, p): roles for (m, p), roles in ROLES.items()}
    pinned |= {op("GET", p): frozenset({"public"}) for p in PUBLIC}
    assert MATRIX.roles() == pinned
    assert MATRIX.undeclared() == []
    assert MATRIX.unknown_overrides() == []


@pytest.fixture(scope="module")
async def objects(penalty: Running) -> AsyncIterator[dict[str, str]]:
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
    async with client(penalty.url) as http:
        act = (await http.get(f"{API}/cases/{decided['id']}/act", headers=officer(**SJ_B))).json()
    collection = (
        uuid.uuid4()
    )  # a fine collected on the spot for the case (the functional tests make real ones)
    async with transaction(penalty.runtime.factory) as session:
        session.add(
            SpotCollection(
                id=collection,
                case_id=uuid.UUID(decided["id"]),
                dept_code="SJ",
                district_code="210102",
                decision_no=decided["decision"]["number"],
                ground="remote_area",
                basis="x",
                amount_fen=100,
                receipt_no=f"authz-{collection}",
                collected_on=clock.today(),
                collected_by="x",
                collected_by_cert=SJ_B["cert_no"],
                reported=[],
                created_at=clock.now(),
            )
        )
    follow_up = uuid.uuid4()  # the decision's 责令改正 (the functional tests decide with one)
    async with transaction(penalty.runtime.factory) as session:
        session.add(
            PenaltyFollowUp(
                id=follow_up,
                case_id=uuid.UUID(decided["id"]),
                decision_no=decided["decision"]["number"],
                dept_code="SJ",
                district_code="210102",
                party_name="沈阳东陵客运有限公司",
                party_uscc=USCC_A,
                content="x",
                ordered_on=clock.today(),
                due_on=clock.today(),
            )
        )
    yield {
        "follow_up_id": str(follow_up),
        "case_id": decided["id"],
        "document_id": decided["documents"][-1]["id"],
        "lead_id": str(lead),
        "act_id": act["id"],
        "collection_id": str(collection),
    }


@pytest.mark.parametrize("case", parameters(MATRIX))
async def test_matrix(penalty: Running, objects: dict[str, str], case: Case) -> None:
    async with client(penalty.url) as http:
        failure = await check(http, case, objects)
    assert failure is None, failure
