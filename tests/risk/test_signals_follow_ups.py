"""Overdue 责令改正 follow-ups in a unit's figures (issue #14 item 6): inspection.correction.follow_up_overdue,
counted once per follow-up in the quarter it was detected, with the drill-down; under the 2026.1 thresholds
(no such indicator) the colour is unchanged, so the reports of past quarters are reproduced as they were.

Events are applied through the service's own consumer, as in test_signals_refused_entries.py."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.common.contracts import inspection
from tests.risk.helpers import SUPERVISOR, apply, of_unit
from tests.support.stack import Running, client

DETECTED = date(2026, 8, 12)  # 2026Q3


def overdue(unit: str, follow_up: uuid.UUID | None = None) -> inspection.CorrectionFollowUpOverdue:
    return inspection.CorrectionFollowUpOverdue(
        follow_up_id=follow_up or uuid.uuid4(),
        visit_id=uuid.uuid4(),
        enterprise_uscc="91210102MA0P5QXX4Q",
        item_code="SJ-SP-001",
        ordered_on=date(2026, 7, 20),
        due_on=date(2026, 8, 10),
        detected_on=DETECTED,
        **of_unit(unit),
    )


@pytest.mark.asyncio(loop_scope="session")
class TestOverdueFollowUps:
    async def test_counted_once_each_with_evidence_and_no_colour_under_2026_1(self, risk: Running) -> None:
        unit = "SJ-210116"
        first = overdue(unit)
        await apply(risk, first, first.model_copy(), overdue(unit), overdue(unit))  # a replay counts once
        async with client(risk.url, headers=SUPERVISOR) as http:
            rep = (await http.get("/api/v1/risk/reports/2026Q3")).json()
            drill = (await http.get(f"/api/v1/risk/units/{unit}/quarters/2026Q3")).json()
        me = next(u for u in rep["units"] if u["unit_code"] == unit)
        assert me["figures"]["overdue_follow_ups"] == 3
        # 2026.1 has no overdue_follow_ups threshold: 3 of them colour nothing in 2026Q3
        assert me["colour"] == "none" and me["reasons"] == []
        assert len(drill["overdue_follow_ups"]) == 3
        assert str(first.follow_up_id) in {e["ref"] for e in drill["overdue_follow_ups"]}
        assert drill["overdue_follow_ups"][0]["domain"] == "行政检查"
        assert "SJ-SP-001" in drill["overdue_follow_ups"][0]["detail"]
