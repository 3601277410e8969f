"""The daily run's search for enterprises never classified (issue #16 item 4): every service path classifies an
enterprise in the transaction that registers it, and every finished run classifies every enterprise it can
see, so an incremental run looks for unclassified enterprises only among those first seen since the last
finished run's transaction start (``classification_run.snapshot_at``) less ``NEW_ENTERPRISE_MARGIN`` (one
day): a registering transaction that began before that run and committed after it is still found."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.risk.models import ClassificationRun, EnterpriseClass, RiskEnterprise
from services.risk.use_cases import classes
from tests.risk.helpers import make_uscc
from tests.support.stack import Running


async def _run(risk: Running, *, incremental: bool) -> ClassificationRun:
    run_id = uuid.uuid4()
    async with transaction(risk.runtime.factory) as session:
        session.add(
            ClassificationRun(
                id=run_id, kind="requested", run_on=clock.today(), status="running", requested_by="test"
            )
        )
    async with transaction(risk.runtime.factory) as session:
        await classes.execute_run(
            session, run_id=run_id, config=risk.runtime.context.config, incremental=incremental
        )
    async with transaction(risk.runtime.factory) as session:
        return await session.get_one(ClassificationRun, run_id)


async def _register(risk: Running, first_seen: dict[str, datetime], *, classify: bool) -> None:
    """Enterprises inserted as a bulk or seed insert does (``classify`` False) or as the service paths do."""
    async with transaction(risk.runtime.factory) as session:
        await session.execute(
            sa.insert(RiskEnterprise), [{"uscc": u, "first_seen_at": at} for u, at in first_seen.items()]
        )
        if classify:
            await classes.classify_enterprises(
                session, config=risk.runtime.context.config, usccs=list(first_seen)
            )


async def _classified(risk: Running) -> set[str]:
    async with transaction(risk.runtime.factory) as session:
        return set((await session.scalars(sa.select(EnterpriseClass.uscc))).all())


async def test_never_classified_enterprises_are_searched_since_the_last_run(risk: Running) -> None:
    during = make_uscc(701)
    # A bulk insert's transaction begins (its now(), the enterprise's first_seen_at, is fixed here) ...
    async with risk.runtime.factory() as bulk:
        await bulk.execute(sa.insert(RiskEnterprise).values(uscc=during))
        # ... and a full run starts, classifies what it sees and finishes while the insert is uncommitted.
        full = await _run(risk, incremental=False)
        await bulk.commit()
    assert full.status == "done" and full.snapshot_at is not None
    s = full.snapshot_at
    assert during not in await _classified(risk)  # the run could not see it

    old_unclassified, old_classified = make_uscc(702), make_uscc(703)
    edge_out, edge_in = make_uscc(704), make_uscc(705)
    late_unclassified, late_classified = make_uscc(706), make_uscc(707)
    recent_classified = make_uscc(708)
    # Unclassified (as only a bulk or seed insert leaves them), first seen relative to the run's start S:
    await _register(
        risk,
        {
            old_unclassified: s - timedelta(days=3),  # before S − 1 day: not searched
            edge_out: s - timedelta(hours=25),  # S − 25 h < S − 24 h: not searched
            edge_in: s - timedelta(hours=23),  # S − 23 h ≥ S − 24 h: searched
            late_unclassified: s + timedelta(minutes=1),  # after the run: searched
        },
        classify=False,
    )
    # Classified in their registering transaction (as the service paths do): never candidates.
    await _register(
        risk,
        {
            old_classified: s - timedelta(days=3),
            recent_classified: s - timedelta(hours=2),
            late_classified: s + timedelta(minutes=1),
        },
        classify=True,
    )

    daily = await _run(risk, incremental=True)
    # No signals at all, so the only candidates are the unclassified enterprises first seen at or after
    # S − 1 day: `during` (first seen just before S, committed after it), edge_in (S − 23 h) and
    # late_unclassified (S + 1 min): 3. old_unclassified (S − 3 days) and edge_out (S − 25 h) are not looked at.
    assert daily.status == "done" and daily.enterprises == 3
    found = await _classified(risk)
    assert {during, edge_in, late_unclassified} <= found
    assert old_unclassified not in found and edge_out not in found
    assert {old_classified, recent_classified, late_classified} <= found


async def test_a_last_run_without_its_start_searches_every_enterprise(risk: Running) -> None:
    """Runs finished before risk_0013 recorded no ``snapshot_at``: the search is not bounded after them."""
    older, oldest = make_uscc(709), make_uscc(710)
    await _register(
        risk,
        {older: datetime(2024, 1, 1, tzinfo=clock.CHINA), oldest: datetime(2020, 1, 1, tzinfo=clock.CHINA)},
        classify=False,
    )
    async with transaction(risk.runtime.factory) as session:
        await session.execute(sa.update(ClassificationRun).values(snapshot_at=None))
    daily = await _run(risk, incremental=True)
    assert daily.status == "done"
    assert {older, oldest} <= await _classified(risk)
