"""A missed court-application window (penalty.enforcement.window_missed, 行政强制法 第五十三条) counts as one
overdue procedure (程序超期) of the unit in its quarterly report, once per case."""

from __future__ import annotations

import uuid
from datetime import date

from services.common.contracts import penalty
from tests.risk.helpers import SUPERVISOR, apply, of_unit
from tests.support.stack import Running, client


async def test_a_missed_window_is_an_overdue_procedure_of_the_unit(risk: Running) -> None:
    unit = "CG-210103"
    case = uuid.uuid4()
    missed = penalty.EnforcementWindowMissed(
        case_id=case,
        **of_unit(unit),
        decision_no="沈城管罚〔2026〕7号",
        outstanding_fen=500_000,
        window_closed_on=date(2026, 8, 14),
        detected_on=date(2026, 8, 15),
    )
    await apply(risk, missed, missed)  # redelivered: still one
    async with client(risk.url, headers=SUPERVISOR) as http:
        drill = (await http.get(f"/api/v1/risk/units/{unit}/quarters/2026Q3")).json()
    found = [x for x in drill["overdue_procedures"] if x["ref"] == f"{case}:enforcement_window"]
    assert len(found) == 1 and "第五十三条" in found[0]["detail"]
