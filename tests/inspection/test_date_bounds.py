"""inspection_0012_date_bounds (services/common/date_bounds.py): a quiet window stored open-ended as
``-infinity`` .. ``infinity`` (before the API bounded days) keeps its meaning as 1900-01-01 .. 2199-12-31;
a calendar day out of range stops the migration, naming it; afterwards the database refuses a day or a visit's
start out of range, as the API does, and its constraints are those of the models."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from services.common import migrate
from services.inspection.models import metadata
from tests.support.date_bounds import (
    calendar_day_refused,
    constraints_in_database,
    constraints_in_models,
    database_at,
    execute,
    inherited_constraints,
    refused,
    refuses_while_a_calendar_day_is_out_of_range,
    rows,
    version,
)
from tests.support.stack import Stack

BELOW = "inspection_0011_audit_parts"
WINDOW = uuid.UUID("00000000-0000-4000-8000-000000000001")


async def test_open_ended_windows_repaired_and_days_out_of_range_refused(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    url = await database_at(stack, "inspection", BELOW)
    await execute(
        url,
        "INSERT INTO quiet_window (window_id, uscc, starts_on, ends_on, reason, created_by) VALUES"
        f" ('{WINDOW}', NULL, '-infinity', 'infinity', '无事不扰', 'LN210102SJ001')",
    )
    await refuses_while_a_calendar_day_is_out_of_range(url, "inspection", BELOW)

    with caplog.at_level(logging.WARNING, logger="services.common.date_bounds"):
        await asyncio.to_thread(migrate.upgrade, "inspection", url)
    assert [r.getMessage() for r in caplog.records if r.name == "services.common.date_bounds"] == [
        "quiet_window.starts_on: 1 stored value(s) out of range (as infinity) set to 1900-01-01",
        "quiet_window.ends_on: 1 stored value(s) out of range (as infinity) set to 2199-12-31",
    ]
    assert await version(url, "inspection") in migrate.heads("inspection")  # through 0012 to the head
    assert await rows(url, "SELECT CAST(starts_on AS text), CAST(ends_on AS text) FROM quiet_window") == [
        ("1900-01-01", "2199-12-31")
    ]
    await calendar_day_refused(url)
    assert await refused(url, f"UPDATE quiet_window SET ends_on = 'infinity' WHERE window_id = '{WINDOW}'")
    assert await refused(
        url, f"UPDATE quiet_window SET starts_on = '1899-12-31' WHERE window_id = '{WINDOW}'"
    )
    assert await constraints_in_database(url) == constraints_in_models(metadata)
    assert await inherited_constraints(url) > 0  # each partition holds its parent's
    assert ("visit", "ck_visit_started_at_in_range") in constraints_in_models(metadata)


async def test_downgrade_drops_the_constraints(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    await asyncio.to_thread(migrate.downgrade, "inspection", url, BELOW)
    assert await constraints_in_database(url) == set()
    assert await inherited_constraints(url) == 0
    await execute(url, "INSERT INTO calendar_override (day, is_working_day) VALUES ('infinity', true)")
