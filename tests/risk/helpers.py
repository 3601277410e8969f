"""Helpers of the risk service tests: events applied through the service's own consumer handlers (the
NATS path is covered by tests/e2e), contract builders and tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from services.common import clock
from services.common.contracts import inspection, penalty
from services.common.db import transaction
from services.common.events import Event, make_envelope
from services.common.inbox import Subscription
from services.risk import events
from tests.support.stack import Running, auth

# The service clock of these tests (conftest pins it for every module): Monday 2026-11-23, 10:00 in China.
# 2026Q3 has ended, 2026Q4 is running, and every deadline of 20 working days stays inside 2026, the last year
# the statutory calendar package covers, whatever day the suite runs.
TODAY = date(2026, 11, 23)


def pin(day: date = TODAY, hour: int = 10) -> None:
    """Make the service clock read ``day`` at ``hour`` o'clock in China (it keeps running from there)."""
    clock.set_offset(datetime.combine(day, time(hour), tzinfo=clock.CHINA) - datetime.now(UTC))


def handlers(running: Running) -> dict[str, Subscription]:
    return {s.subject: s for s in events.subscriptions(running.app.state.risk_config)}


async def apply(running: Running, *items: Event) -> None:
    """Apply events through the consumer handlers, each in its own transaction (as the inbox runner does)."""
    subs = handlers(running)
    for event in items:
        envelope = make_envelope(event, source=event.TYPE.split(".")[0])
        async with transaction(running.runtime.factory) as session:
            await subs[event.TYPE].handler(session, envelope, event)


def decision(
    unit: str,
    domain: str,
    decided_on: date,
    *,
    uscc: str | None = None,
    tier: str = "一般",
    case_id: uuid.UUID | None = None,
    revision: int = 1,
    outside_tier: bool = False,
) -> penalty.DecisionIssued:
    dept, _, district = unit.partition("-")
    return penalty.DecisionIssued(
        party_kind="organisation" if uscc else "individual",
        party_uscc=uscc,
        party_id_masked=None if uscc else "2101**********1234",
        party_name="测试当事人",
        case_id=case_id or uuid.uuid4(),
        decision_no=f"沈{dept}罚〔2026〕{uuid.uuid4().int % 10000}号",
        department_code=dept,
        department_name=dept,
        district_code=district,
        domain=domain,
        benchmark_code="B-1",
        benchmark_version=1,
        tier=tier,  # type: ignore[arg-type]
        kinds=["罚款"],
        fine_fen=100_000,
        confiscation_fen=0,
        procedure="general",
        decided_on=decided_on,
        effective_on=decided_on,
        serious=False,
        outside_tier=outside_tier,
        revision=revision,
    )


def refusal(unit: str, at: datetime) -> inspection.EntryRefused:
    dept, _, district = unit.partition("-")
    return inspection.EntryRefused(
        refusal_id=uuid.uuid4(),
        code="ENTRY_NO_TASK",
        task_id=None,
        enterprise_uscc=None,
        department_code=dept,
        district_code=district,
        officer_cert_nos=["辽A-0100001"],
        detail="无检查任务",
        refused_at=at,
    )


def officer(unit: str) -> dict[str, str]:
    dept, _, district = unit.partition("-")
    return auth("officer", f"officer-{unit}", dept_code=dept, district_code=district)


SUPERVISOR = auth("supervisor", "sup-city", scope="city")
ADMIN = auth("admin", "admin-1")


def integration(client: str) -> dict[str, str]:
    return auth("integration", f"client-{client}", client=client)


COURT = integration("court")
RECON = integration("reconsideration")
HOTLINE = integration("12345")


def q3(month: int, day: int) -> date:
    return date(2026, month, day)


def any_of(items: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(i for i in items if all(i.get(k) == v for k, v in match.items()))


def make_uscc(n: int) -> str:
    """A valid 统一社会信用代码 (check digit computed by python-stdnum) for enterprise number ``n``."""
    from stdnum.cn import uscc

    body = f"91210102MA{n:07d}"
    return body + uscc.calc_check_digit(body)
