"""Examiner's cases: the correction rate and each colour at its threshold exactly and either side, and the
quarter's boundaries in China time.

Sources: seed 000 二(四) (quarterly 红黄蓝 warnings built on reconsideration corrections and litigation losses);
SPEC §5; the documented thresholds of version 2026.1 (docs/risk-model.md §2): red at a rate of at least twice
the city's with at least 20 decisions and 3 corrections; yellow at a rate above the city's with at least 20
decisions and 1 correction, or at 3 corrections; red at 8 complaints, yellow at 3. A quarter is a quarter of
the calendar in China (Asia/Shanghai): 2026-03-31 23:59 is 2026Q1, 2026-04-01 00:00 is 2026Q2.

Units (each quarter its own city):
  2026Q1  SJ-210102 20 decisions, 3 corrections (15.00 %); ST-210103 20, 0. City 3/40 = 7.50 %: the first
          is at exactly 2.00 times the city rate -> red.
  2026Q2  SJ-210102 20, 3 (15.00 %); ST-210103 33, 1 (3.03 %). City 4/53 = 7.547 %, twice it 15.094 % > 15.00 %
          -> not red by rate; above the city -> yellow (rate, and 3 corrections).
          XF-210104 8 complaints -> red; XF-210105 7 -> yellow; XF-210106 3 -> yellow; XF-210111 2 -> none.
  2026Q3  SJ-210102 19, 3 (15.79 %: rate not judged below 20 decisions) -> yellow on the count only;
          CG-210104 20, 1 (5.00 %); JT-210105 41, 0. City 4/80 = 5.00 %: CG-210104 is exactly at the city rate,
          not above it -> none.
  Complaints of WJ-210102: one at 2026-03-31 23:59 China time (Q1), one at 2026-04-01 00:00 (Q2).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from tests.risk.acceptance.cases import complaints, decisions, intake, recons, rules, units
from tests.support.stack import Running

pytestmark = pytest.mark.asyncio(loop_scope="session")

U1, U2, U7, U8 = "SJ-210102", "ST-210103", "CG-210104", "JT-210105"
C8, C7, C3, C2 = "XF-210104", "XF-210105", "XF-210106", "XF-210111"
EDGE = "WJ-210102"


@pytest.fixture(scope="module")
async def city(risk: Running) -> AsyncIterator[Running]:
    await decisions(risk, U1, 20, date(2026, 2, 10))
    await decisions(risk, U2, 20, date(2026, 3, 31))
    await decisions(risk, U1, 20, date(2026, 5, 10))
    await decisions(risk, U2, 33, date(2026, 4, 1))
    await decisions(risk, U1, 19, date(2026, 8, 10))
    await decisions(risk, U7, 20, date(2026, 7, 1))
    await decisions(risk, U8, 41, date(2026, 9, 30))
    await intake(
        risk,
        "reconsideration",
        recons("Q1", U1, 2, "2026-03-02")
        + recons("Q1e", U1, 1, "2026-03-31")
        + recons("Q2", U1, 3, "2026-06-30")
        + recons("Q2", U2, 1, "2026-05-20")
        + recons("Q3", U1, 3, "2026-09-30")
        + recons("Q3", U7, 1, "2026-07-20"),
    )
    spread = [f"2026-05-{d:02d}T10:00:00+08:00" for d in range(11, 19)]
    await intake(
        risk,
        "complaints",
        complaints("c8", C8, spread[:8])
        + complaints("c7", C7, spread[:7])
        + complaints("c3", C3, spread[:3])
        + complaints("c2", C2, spread[:2])
        + complaints("edge", EDGE, ["2026-03-31T23:59:00+08:00", "2026-04-01T00:00:00+08:00"]),
    )
    yield risk


class TestRate:
    async def test_exactly_twice_the_city_rate_is_red(self, city: Running) -> None:
        got = await units(city, "2026Q1")
        assert got[U1]["figures"]["correction_rate"] == "15.00%"
        assert got[U1]["colour"] == "red" and rules(got[U1])[0] == "RATE_RED", got[U1]
        assert got[U2]["colour"] == "none", got[U2]

    async def test_just_under_twice_is_yellow(self, city: Running) -> None:
        got = await units(city, "2026Q2")
        assert got[U1]["colour"] == "yellow", got[U1]
        assert "RATE_RED" not in rules(got[U1]) and "RATE_YELLOW" in rules(got[U1]), got[U1]
        assert got[U2]["colour"] == "none", got[U2]

    async def test_nineteen_decisions_are_not_judged_on_the_rate(self, city: Running) -> None:
        got = await units(city, "2026Q3")
        assert rules(got[U1]) == ["CORRECTIONS_YELLOW"], got[U1]
        assert got[U1]["colour"] == "yellow"

    async def test_exactly_the_city_rate_is_not_yellow(self, city: Running) -> None:
        got = await units(city, "2026Q3")
        assert got[U7]["figures"]["correction_rate"] == "5.00%"
        assert (got[U7]["colour"], got[U7]["reasons"]) == ("none", []), got[U7]
        assert got[U8]["colour"] == "none", got[U8]


class TestComplaints:
    async def test_eight_is_red_seven_yellow_three_yellow_two_none(self, city: Running) -> None:
        got = await units(city, "2026Q2")
        assert {u: (got[u]["figures"]["complaints"], got[u]["colour"]) for u in (C8, C7, C3, C2)} == {
            C8: (8, "red"),
            C7: (7, "yellow"),
            C3: (3, "yellow"),
            C2: (2, "none"),
        }


class TestQuarterBoundary:
    async def test_last_minute_of_march_and_first_of_april_china_time(self, city: Running) -> None:
        q1, q2 = await units(city, "2026Q1"), await units(city, "2026Q2")
        assert (q1[EDGE]["figures"]["complaints"], q2[EDGE]["figures"]["complaints"]) == (1, 1)

    async def test_a_reconsideration_of_the_thirty_first_of_march_is_q1(self, city: Running) -> None:
        # U1's Q1 corrections: two of 03-02 and one of 03-31; none of Q2's (06-30) leaks back
        q1 = await units(city, "2026Q1")
        assert q1[U1]["figures"]["reconsideration_corrections"] == 3, q1[U1]
