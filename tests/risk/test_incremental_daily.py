"""The daily reclassification in the service (issue #16 item 4): after a finished run under the same
configuration it reclassifies only the enterprises whose signals changed since that run's day, and leaves
the classes a full reclassification would (the SQL is compared with a full one in
tests/risk/domain/test_incremental_classes.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.risk.models import ClassificationRun, EnterpriseClass
from services.risk.use_cases import classes
from tests.risk.helpers import TODAY, apply, make_uscc, of_unit, pin
from tests.support.contracts import decision_issued
from tests.support.stack import Running

UNIT = "SJ-0102"


async def _run(risk: Running, *, incremental: bool) -> ClassificationRun:
    run_id = uuid.uuid4()
    async with transaction(risk.runtime.factory) as session:
        session.add(
            ClassificationRun(
                id=run_id,
                kind="daily" if incremental else "requested",
                run_on=clock.today(),
                status="running",
                requested_by="test",
            )
        )
    async with transaction(risk.runtime.factory) as session:
        await classes.execute_run(
            session, run_id=run_id, config=risk.runtime.context.config, incremental=incremental
        )
    async with transaction(risk.runtime.factory) as session:
        return await session.get_one(ClassificationRun, run_id)


async def _classes(risk: Running) -> dict[str, tuple[str, int]]:
    async with transaction(risk.runtime.factory) as session:
        rows = (
            await session.execute(
                sa.select(EnterpriseClass.uscc, EnterpriseClass.risk_class, EnterpriseClass.score)
            )
        ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


async def test_the_daily_run_is_incremental_and_equals_a_full_one(risk: Running) -> None:
    # A fresh 一般 penalty: 20 × (1095 − 0) // 1095 = 20 points -> B; one decided 1,094 days ago: 20 × 1 // 1095
    # = 0 points -> A.
    # A third decided 30 days ago scores 20 × (1095 − 30) // 1095 = 19 today and 20 × 1064 // 1095 = 19
    # tomorrow: its signals do not change, so the daily run does not look at it.
    fresh, old, steady = make_uscc(501), make_uscc(502), make_uscc(503)
    for uscc, decided in (
        (fresh, TODAY),
        (old, TODAY - timedelta(days=1094)),
        (steady, TODAY - timedelta(days=30)),
    ):
        await apply(
            risk,
            decision_issued(
                **of_unit(UNIT), decided_on=decided, party_uscc=uscc, case_id=uuid.uuid4(), revision=1
            ),
        )
    full = await _run(risk, incremental=False)
    assert full.status == "done"
    pin(TODAY + timedelta(days=1))
    try:
        daily = await _run(risk, incremental=True)
        after_daily = await _classes(risk)
        # the penalty decided 1,094 days ago leaves the 1,095-day window: 0 points -> A; the fresh one
        # decays to 20 × (1095 − 1) // 1095 = 21880 // 1095 = 19 points -> A (B from 20)
        assert after_daily[old] == ("A", 0)
        assert after_daily[fresh] == ("A", 19)
        assert after_daily[steady] == ("A", 19)
        assert (daily.enterprises, daily.written) == (2, 2)  # two candidates, both changed
        again = await _run(risk, incremental=False)  # a full run finds nothing left to change
    finally:
        pin()
    assert again.written == 0 and again.emitted == 0
