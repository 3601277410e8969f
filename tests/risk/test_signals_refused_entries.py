"""Refused entries in a unit's figures (issue #11, item 4): only the officers' attempts count, once each.

Events are applied through the service's own consumer (the NATS path and the inspection side are in
tests/e2e/test_refusal_attribution.py). Quarter 2026Q3; the unit's figures read from the report over HTTP.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from services.common import clock
from services.common.contracts import inspection
from tests.risk.helpers import SUPERVISOR, apply, of_unit
from tests.support.contracts import entry_refused
from tests.support.stack import Running, client

AT = datetime(2026, 8, 12, 10, tzinfo=clock.CHINA)


def refused_as(unit: str, code: str, **fields: object) -> inspection.EntryRefused:
    return entry_refused(**of_unit(unit), refused_at=AT, code=code, **fields)


async def refused_entries(risk: Running, unit: str) -> int:
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.get("/api/v1/risk/reports/2026Q3")
    assert r.status_code == 200, r.text
    units = {u["unit_code"]: u for u in r.json()["units"]}
    return int(units[unit]["figures"]["refused_entries"]) if unit in units else 0


@pytest.mark.asyncio(loop_scope="session")
class TestCounting:
    async def test_old_events_without_the_fields_are_still_consumed(self, risk: Running) -> None:
        unit = "SJ-210111"
        old = [refused_as(unit, "CODE_USED") for _ in range(51)]
        old += [refused_as(unit, "CODE_INVALID") for _ in range(4)]
        old += [refused_as(unit, "TOO_FEW_OFFICERS") for _ in range(2)]
        assert all(e.counts_against_unit is None and e.attempt_ref is None for e in old)
        await apply(risk, *old)
        assert await refused_entries(risk, unit) == 2  # the two TOO_FEW_OFFICERS refusals only

    async def test_one_attempt_counts_once_distinct_attempts_each(self, risk: Running) -> None:
        unit = "SJ-210112"
        code_id = str(uuid.uuid4())
        same = [
            refused_as(unit, "CODE_WRONG_ENTERPRISE", counts_against_unit=True, attempt_ref=code_id)
            for _ in range(5)
        ]
        distinct = [refused_as(unit, "TOO_FEW_OFFICERS", counts_against_unit=True) for _ in range(3)]
        replays = [
            refused_as(unit, "CODE_USED", counts_against_unit=False, attempt_ref=str(uuid.uuid4()))
            for _ in range(51)
        ]
        await apply(risk, *same, *distinct, *replays)
        assert await refused_entries(risk, unit) == 1 + 3

    async def test_the_producers_judgement_is_followed(self, risk: Running) -> None:
        unit = "SJ-210113"
        stated = [
            refused_as(unit, "TOO_FEW_OFFICERS", counts_against_unit=False),  # producer says: not theirs
            refused_as(unit, "CODE_USED", counts_against_unit=True),  # producer says: theirs
        ]
        await apply(risk, *stated)
        assert await refused_entries(risk, unit) == 1

    async def test_a_replayed_event_counts_once(self, risk: Running) -> None:
        unit = "SJ-210114"
        event = refused_as(unit, "CERT_SUSPENDED", counts_against_unit=True)
        await apply(
            risk, event, event.model_copy(), event.model_copy(update={"refused_at": AT + timedelta(1)})
        )
        assert await refused_entries(risk, unit) == 1
