"""Overdue 责令改正 follow-ups of penalty decisions (行政处罚法 第二十八条第一款; issue #14 item 6):
penalty.correction.follow_up_overdue becomes the same ``overdue_follow_up`` unit signal as the inspection event,
counted once per follow-up in the quarter it was detected, together with the inspection ones.

Events are applied through the service's own consumer, as in test_signals_follow_ups.py."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.common.contracts import penalty
from tests.risk.helpers import SUPERVISOR, apply, of_unit
from tests.risk.test_signals_follow_ups import overdue as inspection_overdue
from tests.support.stack import Running, client

DETECTED = date(2026, 8, 12)  # 2026Q3


def overdue(unit: str) -> penalty.CorrectionFollowUpOverdue:
    return penalty.CorrectionFollowUpOverdue(
        follow_up_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        decision_no="沈市监罚〔2026〕88号",
        party_uscc="91210102MA0P5QXX4Q",
        ordered_on=date(2026, 7, 20),
        due_on=date(2026, 8, 10),
        detected_on=DETECTED,
        **of_unit(unit),
    )


@pytest.mark.asyncio(loop_scope="session")
class TestPenaltyOverdueFollowUps:
    async def test_counted_once_each_with_the_inspection_ones(self, risk: Running) -> None:
        unit = "SJ-210117"
        first = overdue(unit)
        # two penalty follow-ups (one replayed) + one inspection follow-up = 3 overdue follow-ups
        await apply(risk, first, first.model_copy(), overdue(unit), inspection_overdue(unit))
        async with client(risk.url, headers=SUPERVISOR) as http:
            rep = (await http.get("/api/v1/risk/reports/2026Q3")).json()
            drill = (await http.get(f"/api/v1/risk/units/{unit}/quarters/2026Q3")).json()
        me = next(u for u in rep["units"] if u["unit_code"] == unit)
        assert me["figures"]["overdue_follow_ups"] == 3
        mine = next(e for e in drill["overdue_follow_ups"] if e["ref"] == str(first.follow_up_id))
        assert "沈市监罚〔2026〕88号" in mine["detail"] and "第二十八条第一款" in mine["detail"]
