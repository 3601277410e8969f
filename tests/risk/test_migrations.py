"""The risk migrations: reversible, and the hand-written tables equal the models (alembic compare_metadata)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from services.common import migrate, partitions
from services.common.db import asyncpg_url
from services.risk.models import metadata
from tests.support.stack import Stack


async def _diff(url: str) -> list[Any]:
    engine = create_async_engine(asyncpg_url(url))
    try:
        async with engine.connect() as conn:

            def compare(sync_conn: Any) -> list[Any]:
                context = MigrationContext.configure(
                    sync_conn, opts={"compare_type": True, "include_name": partitions.include_name}
                )
                return list(compare_metadata(context, metadata))

            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


def _real(diff: list[Any]) -> list[Any]:
    """Differences other than Alembic's own version table (the views are not reported by autogenerate)."""
    return [d for d in diff if not (d[0] == "remove_table" and d[1].name == "alembic_version_risk")]


async def test_models_match_the_migrations(stack: Stack) -> None:
    url = await stack.anew_database("risk")
    diff = await _diff(url)
    assert _real(diff) == []


async def test_downgrade_and_upgrade_again(stack: Stack) -> None:
    url = await stack.anew_database("risk")
    await asyncio.to_thread(migrate.downgrade, "risk", url, "risk_0001")
    await asyncio.to_thread(migrate.upgrade, "risk", url)
    assert _real(await _diff(url)) == []


async def test_confirmed_outcomes_go_back_to_revoked_on_downgrade(stack: Stack) -> None:
    """risk_0023: a case confirmed illegal or void is out of the score's view as a revoked one is; the downgrade
    maps both back to ``revoked`` (the only status the previous CHECK allows for them) and they stay out."""
    url = await stack.anew_database("risk")
    insert = (
        "INSERT INTO risk_case (case_id, party_uscc, tier, decided_on, status) VALUES "
        "('00000000-0000-0000-0000-000000000001', '91210102MA0000001X', 'general', DATE '2026-11-02', 'issued'), "
        "('00000000-0000-0000-0000-000000000002', '91210102MA0000001X', 'general', DATE '2026-11-02', 'revoked'), "
        "('00000000-0000-0000-0000-000000000003', '91210102MA0000001X', 'general', DATE '2026-11-02', "
        "'confirmed_illegal'), "
        "('00000000-0000-0000-0000-000000000004', '91210102MA0000001X', 'general', DATE '2026-11-02', "
        "'confirmed_void')"
    )
    statuses = "SELECT right(case_id::text, 1), status FROM risk_case ORDER BY case_id"
    scored = "SELECT right(case_id::text, 1) FROM risk_penalty_signal ORDER BY case_id"
    engine = create_async_engine(asyncpg_url(url))
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(insert)
            assert (await conn.exec_driver_sql(scored)).all() == [("1",)]
        await asyncio.to_thread(migrate.downgrade, "risk", url, "risk_0022_evidence_pages")
        async with engine.begin() as conn:
            assert (await conn.exec_driver_sql(statuses)).all() == [
                ("1", "issued"),
                ("2", "revoked"),
                ("3", "revoked"),
                ("4", "revoked"),
            ]
            assert (await conn.exec_driver_sql(scored)).all() == [("1",)]
        await asyncio.to_thread(migrate.upgrade, "risk", url)
    finally:
        await engine.dispose()
    assert _real(await _diff(url)) == []


async def test_a_pending_matter_deadline_holds_the_downgrade_until_the_year_is_entered(stack: Stack) -> None:
    """risk_0024: ``supervision_matter.due_on`` (or ``rectification.deadline``) null (pending) cannot go back to NOT NULL without a guess: the
    downgrade refuses, naming the way out; once the deadline is computed it goes through."""
    url = await stack.anew_database("risk")
    insert = (
        "INSERT INTO supervision_matter (id, kind, target_kind, target_id, target_ref, unit_code, grounds, "
        "legal_basis, requested_action, deadline_working_days, due_on, status, opened_by, opened_at, opened_on, "
        "document_no, document_html) VALUES ('00000000-0000-0000-0000-000000000001', 'opinion', 'visit', "
        "'00000000-0000-0000-0000-000000000002', 'v', 'SJ-210102', 'g', 'b', 'a', 10, NULL, 'open', 'sup', "
        "TIMESTAMPTZ '2026-12-21 02:00+00', DATE '2026-12-21', '沈司监意〔2026〕1号', '')"
    )
    engine = create_async_engine(asyncpg_url(url))
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(insert)
        with pytest.raises(
            RuntimeError, match=r"1 supervision matter\(s\) and 0 rectification\(s\) wait for a year"
        ):
            await asyncio.to_thread(migrate.downgrade, "risk", url, "risk_0023_confirmed_outcomes")
        async with engine.begin() as conn:
            # 2027 entered with 2027-01-01 off: 10 working days after Mon 2026-12-21 end on Tue 2027-01-05
            await conn.exec_driver_sql("UPDATE supervision_matter SET due_on = DATE '2027-01-05'")
        await asyncio.to_thread(migrate.downgrade, "risk", url, "risk_0023_confirmed_outcomes")
        async with engine.begin() as conn:
            nullable = (
                "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'supervision_matter' "
            )
            assert (await conn.exec_driver_sql(nullable + "AND column_name = 'due_on'")).scalar() == "NO"
        await asyncio.to_thread(migrate.upgrade, "risk", url)
    finally:
        await engine.dispose()
    assert _real(await _diff(url)) == []
