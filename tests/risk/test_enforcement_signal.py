"""A missed court-application window (penalty.enforcement.window_missed, 行政强制法 第五十三条) counts as overdue
procedures (程序超期) of the unit, once per case, weighted by the configuration version in effect on the day it
was detected (risk_config.json: 2026.1 has no weight, so 1, and its quarters report as before; 2027.1: 2)."""

from __future__ import annotations

import uuid
from datetime import date

from services.common.contracts import penalty
from services.common.db import transaction
from services.risk.repository.reports import quarter_counts
from tests.risk.helpers import SUPERVISOR, apply, of_unit
from tests.support.stack import Running, client


def missed(unit: str, detected_on: date) -> penalty.EnforcementWindowMissed:
    return penalty.EnforcementWindowMissed(
        case_id=uuid.uuid4(),
        **of_unit(unit),
        decision_no="沈城管罚〔2026〕7号",
        outstanding_fen=500_000,
        window_closed_on=detected_on.replace(day=detected_on.day - 1),
        detected_on=detected_on,
    )


async def overdue(risk: Running, unit: str, first: date, last: date) -> int:
    async with transaction(risk.runtime.factory) as session:
        rows = await quarter_counts(session, first, last)
    return sum(r.figures.overdue_procedures for r in rows if r.unit_code == unit)


async def test_a_missed_window_is_an_overdue_procedure_of_the_unit(risk: Running) -> None:
    unit = "CG-210103"
    event = missed(unit, date(2026, 8, 15))
    await apply(risk, event, event)  # redelivered: still one
    async with client(risk.url, headers=SUPERVISOR) as http:
        drill = (await http.get(f"/api/v1/risk/units/{unit}/quarters/2026Q3")).json()
    found = [x for x in drill["overdue_procedures"] if x["ref"] == f"{event.case_id}:enforcement_window"]
    assert len(found) == 1 and "第五十三条" in found[0]["detail"]
    # 2026.1 (in effect on 2026-08-15) has no weight: 1
    assert await overdue(risk, unit, date(2026, 7, 1), date(2026, 9, 30)) == 1


async def test_the_weight_of_the_version_in_effect(risk: Running) -> None:
    unit = "CG-210104"
    # detected 2027-01-05, version 2027.1 (from 2027-01-01): enforcement_window_weight 2 → 2 overdue procedures
    await apply(risk, missed(unit, date(2027, 1, 5)))
    assert await overdue(risk, unit, date(2027, 1, 1), date(2027, 3, 31)) == 2
