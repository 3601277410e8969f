"""Contract factories: one function per event contract, named after it, keyword-only with defaults, so a
test names only what it is about (``decision_issued(party_uscc=..., tier="从重")``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from services.common.contracts import inspection, penalty


def decision_issued(
    *,
    case_id: uuid.UUID | None = None,
    party_uscc: str | None = None,
    department_code: str = "SJ",
    district_code: str = "210102",
    domain: str = "食品安全",
    decided_on: date = date(2026, 8, 3),
    tier: str = "一般",
    revision: int = 1,
    outside_tier: bool = False,
    **fields: Any,
) -> penalty.DecisionIssued:
    """A decision of ``department_code`` in ``district_code``; an organisation's when ``party_uscc`` is given,
    else a natural person's (masked)."""
    values: dict[str, Any] = {
        "party_kind": "organisation" if party_uscc else "individual",
        "party_uscc": party_uscc,
        "party_id_masked": None if party_uscc else "2101**********1234",
        "party_name": "测试当事人",
        "case_id": case_id or uuid.uuid4(),
        "decision_no": f"沈{department_code}罚〔2026〕{uuid.uuid4().int % 10000}号",
        "department_code": department_code,
        "department_name": department_code,
        "district_code": district_code,
        "domain": domain,
        "benchmark_code": "B-1",
        "benchmark_version": 1,
        "tier": tier,
        "kinds": ["罚款"],
        "fine_fen": 100_000,
        "confiscation_fen": 0,
        "procedure": "general",
        "decided_on": decided_on,
        "effective_on": decided_on,
        "serious": False,
        "outside_tier": outside_tier,
        "revision": revision,
    }
    return penalty.DecisionIssued(**{**values, **fields})


def entry_refused(
    *,
    department_code: str | None = "SJ",
    district_code: str | None = "210102",
    refused_at: datetime | None = None,
    code: str = "ENTRY_NO_TASK",
    detail: str = "无检查任务",
    **fields: Any,
) -> inspection.EntryRefused:
    """An entry refused to officers of ``department_code`` (a fresh refusal id, no task, no enterprise)."""
    values: dict[str, Any] = {
        "refusal_id": uuid.uuid4(),
        "code": code,
        "task_id": None,
        "enterprise_uscc": None,
        "department_code": department_code,
        "district_code": district_code,
        "officer_cert_nos": ["辽A-0100001"],
        "detail": detail,
        "refused_at": refused_at or datetime(2026, 8, 3, 2, tzinfo=UTC),
    }
    return inspection.EntryRefused(**{**values, **fields})
