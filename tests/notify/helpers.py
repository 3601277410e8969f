"""Identities and events of the notify service tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import orjson

from services.common.contracts import inspection, risk
from services.common.events import Envelope, Event, make_envelope
from services.common.registry import by_subject
from tests.support import personas

USCC_A = "91210102MALF0FGQ49"  # 沈阳广源食品有限公司 (the sample enterprise)
USCC_B = "91210100MACQTKPQ79"
ENT_A = personas.enterprise(USCC_A, sub="ent-a")
ENT_B = personas.enterprise(USCC_B, sub="ent-b")
OFFICER = personas.officer("辽A-0012340", "SJ", "210102", sub="off-1")
DEPT_HEAD = personas.officer("辽A-0012342", "SJ", "210102", sub="head-1", dept_head=True)
SUPERVISOR = personas.supervisor("city", sub="sup-city")
INTEGRATION = personas.integration("12345", sub="client-12345")
ADMIN = personas.admin("admin-1")


def visit_started(
    uscc: str = USCC_A,
    *,
    mode: str = "enterprise_code",
    at: datetime | None = None,
    visit_id: uuid.UUID | None = None,
) -> inspection.VisitStarted:
    return inspection.VisitStarted(
        visit_id=visit_id or uuid.uuid4(),
        task_id=uuid.uuid4(),
        task_kind="key_area",
        enterprise_uscc=uscc,
        department_codes=["SJ"],
        district_code="210102",
        officer_cert_nos=["辽A-0012340", "辽A-0012341"],
        item_codes=["SJ-SP-001"],
        mode=mode,  # type: ignore[arg-type]
        started_at=at or datetime(2026, 12, 6, 6, 5, tzinfo=UTC),
    )


async def publish(js: Any, event: Event, *, envelope: Envelope | None = None) -> Envelope:
    """Publish ``event`` on JetStream as its producer's relay would."""
    env = envelope or make_envelope(event, source=by_subject(event.TYPE).name)
    await js.publish(
        event.TYPE, orjson.dumps(env.model_dump(mode="json")), headers={"Nats-Msg-Id": str(env.id)}
    )
    return env


def warning(unit: str = "SJ-210102") -> risk.WarningIssued:
    return risk.WarningIssued(
        warning_id=uuid.uuid4(),
        quarter="2026Q3",
        unit_code=unit,
        domain=None,
        colour="yellow",
        lit=False,
        reasons=["行政复议纠错率高于全市平均"],
        rectification_due_on=date(2026, 12, 31),
        issued_at=datetime(2026, 12, 6, tzinfo=UTC),
    )
