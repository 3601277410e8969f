"""Examiner's cases: a unit red and lit at once, the reopened rectification, and the next quarter's follow-up
of the units warned (整改落实—考核闭环).

Sources: seed 000 二(四) (数据研判—风险预警—整改落实—考核闭环); docs/api/risk.md §3-4 (follow_up lists the units
warned in the previous quarter with this quarter's colour and their rectification status); docs/risk-model.md §3
(red 15, lit 20 working days, red and lit the stricter 15; reopened: 10 working days from the reopening day).

2026Q2: ST-210105 lost 6 suits without deciding (6 corrections: red) and CG-210106 decided 20 cases and lost
none: active units 2, losses 6, average 3.00, ST-210105 (6) is lit too. SJ-210104: 6 reconsideration
corrections (red; not active, not lit).
Published Monday 2026-11-23: both red deadlines 15 working days -> Monday 2026-12-14.
2026Q3: SJ-210104 has no record at all; ST-210105 decided one case.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from tests.risk.acceptance.cases import API, decisions, intake, losses, recons
from tests.risk.helpers import SUPERVISOR, unit_officer
from tests.support.http import ok
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

RED_LIT, ACTIVE, RED = "ST-210105", "CG-210106", "SJ-210104"


@pytest.fixture(scope="module")
async def warned(risk: Running) -> AsyncIterator[dict[str, dict[str, Any]]]:
    await decisions(risk, ACTIVE, 20, date(2026, 5, 6))
    await intake(risk, "litigation", losses("FU", RED_LIT, 6, "2026-06-01"))
    await intake(risk, "reconsideration", recons("FU", RED, 6, "2026-06-02"))
    await decisions(risk, RED_LIT, 1, date(2026, 8, 6))
    async with client(risk.url, headers=SUPERVISOR) as http:
        body = ok(await http.post(f"{API}/reports/2026Q2/publish"))
    yield {w["unit_code"]: w for w in body["warnings"]}


class TestRedAndLit:
    async def test_the_stricter_deadline(self, warned: dict[str, dict[str, Any]]) -> None:
        assert (warned[RED_LIT]["colour"], warned[RED_LIT]["lamp"], warned[RED_LIT]["deadline"]) == (
            "red",
            True,
            "2026-12-14",
        ), warned[RED_LIT]
        assert (warned[RED]["colour"], warned[RED]["lamp"], warned[RED]["deadline"]) == (
            "red",
            False,
            "2026-12-14",
        )
        assert ACTIVE not in warned


class TestReopen:
    async def test_ten_working_days_from_the_reopening(
        self, risk: Running, warned: dict[str, dict[str, Any]]
    ) -> None:
        # reopened Monday 2026-11-23: 24, 25, 26, 27, 30 Nov, 1, 2, 3, 4, 7 Dec -> 2026-12-07
        wid = warned[RED_LIT]["id"]
        async with client(risk.url) as http:
            ok(
                await http.post(
                    f"{API}/rectifications/{wid}/submit",
                    json={"measures": "逐案分析败诉原因，修订执法程序规定"},
                    headers=unit_officer(RED_LIT),
                )
            )
            got = ok(
                await http.post(
                    f"{API}/rectifications/{wid}/reopen",
                    json={"reason": "措施未落实到具体案件"},
                    headers=SUPERVISOR,
                )
            )
        assert (got["status"], got["deadline"]) == ("reopened", "2026-12-07"), got


class TestFollowUp:
    async def test_every_unit_warned_last_quarter_is_followed(
        self, risk: Running, warned: dict[str, dict[str, Any]]
    ) -> None:
        async with client(risk.url, headers=SUPERVISOR) as http:
            report = ok(await http.get(f"{API}/reports/2026Q3"))
        follow = {f["unit_code"]: f for f in report["follow_up"]}
        assert set(follow) == {RED_LIT, RED}, report["follow_up"]
        assert follow[RED]["colour"] == "none", follow[RED]
