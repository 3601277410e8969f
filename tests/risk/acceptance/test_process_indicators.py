"""Examiner's cases: the process indicators of a unit (refused scan-to-enter attempts, poor ratings) at their
thresholds, and what does not count.

Sources: SPEC §5 (refused entry attempts and poor visit ratings among a unit's figures); seed 000 一(一)1 三
(扫码入企 "从根本上杜绝乱检查行为": a refused entry is the signal of 乱检查); docs/risk-model.md §2 (ratings of at
most 2 stars are poor; refused entries yellow 3, red 10; low ratings yellow 5, red 15; a used code presented
again by the enterprise that used it is not an officers' attempt). Quarter 2026Q3.

  SJ-210111: 3 refusals TOO_FEW_OFFICERS (3 attempts) + 4 CODE_USED (not attempts)  -> 3 -> yellow
  ST-210111: 2 refusals QUIET_PERIOD                                                -> 2 -> none
  CG-210111: 5 ratings of 2 stars                                                   -> 5 -> yellow
  JT-210111: 4 ratings of 1 star and 6 of 3 stars                                   -> 4 -> none
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.common.contracts.inspection import VisitRated
from tests.risk.acceptance.cases import units
from tests.risk.helpers import apply
from tests.support.contracts import entry_refused
from tests.support.stack import Running

pytestmark = pytest.mark.asyncio(loop_scope="session")

REFUSED, FEW, RATED, MIXED = "SJ-210111", "ST-210111", "CG-210111", "JT-210111"
AT = datetime(2026, 8, 3, 2, tzinfo=UTC)


def rated(unit: str, stars: int) -> VisitRated:
    return VisitRated(
        visit_id=uuid.uuid4(),
        enterprise_uscc="91210100MACQTKPQ79",
        department_codes=[unit.split("-")[0]],
        district_code=unit.split("-")[1],
        stars=stars,
        tags=["扰企"] if stars <= 2 else ["规范"],
        anonymous=False,
        rated_at=AT,
    )


@pytest.fixture(scope="module")
async def city(risk: Running) -> AsyncIterator[Running]:
    events = [
        entry_refused(department_code="SJ", district_code="210111", code="TOO_FEW_OFFICERS", refused_at=AT)
        for _ in range(3)
    ]
    events += [
        entry_refused(
            department_code="SJ",
            district_code="210111",
            code="CODE_USED",
            refused_at=AT,
            counts_against_unit=False,
            attempt_ref=str(uuid.uuid4()),
        )
        for _ in range(4)
    ]
    events += [
        entry_refused(department_code="ST", district_code="210111", code="QUIET_PERIOD", refused_at=AT)
        for _ in range(2)
    ]
    events += [rated(RATED, 2) for _ in range(5)]
    events += [rated(MIXED, 1) for _ in range(4)] + [rated(MIXED, 3) for _ in range(6)]
    await apply(risk, *events)
    yield risk


class TestRefusedEntries:
    async def test_three_attempts_are_yellow_used_codes_do_not_count(self, city: Running) -> None:
        got = await units(city, "2026Q3")
        assert (got[REFUSED]["figures"]["refused_entries"], got[REFUSED]["colour"]) == (3, "yellow"), got[
            REFUSED
        ]
        assert (got[FEW]["figures"]["refused_entries"], got[FEW]["colour"]) == (2, "none"), got[FEW]


class TestRatings:
    async def test_five_poor_ratings_are_yellow_three_stars_are_not_poor(self, city: Running) -> None:
        got = await units(city, "2026Q3")
        assert (got[RATED]["figures"]["low_ratings"], got[RATED]["colour"]) == (5, "yellow"), got[RATED]
        assert (got[MIXED]["figures"]["low_ratings"], got[MIXED]["colour"]) == (4, "none"), got[MIXED]
