"""notify_0008_date_bounds (services/common/date_bounds.py): notify's own timestamps are the server's clock,
its one column of days is the kernel's calendar: a calendar day out of range stops the migration, naming it;
afterwards the database refuses one, and its constraints are those of the models."""

from __future__ import annotations

import asyncio

from services.common import migrate
from services.notify.models import metadata
from tests.support.date_bounds import (
    calendar_day_refused,
    constraints_in_database,
    constraints_in_models,
    database_at,
    refuses_while_a_calendar_day_is_out_of_range,
    version,
)
from tests.support.stack import Stack

BELOW = "notify_0007_audit_parts"


async def test_calendar_days_out_of_range_refused(stack: Stack) -> None:
    url = await database_at(stack, "notify", BELOW)
    await refuses_while_a_calendar_day_is_out_of_range(url, "notify", BELOW)

    await asyncio.to_thread(migrate.upgrade, "notify", url)
    assert await version(url, "notify") == "notify_0008_date_bounds"
    await calendar_day_refused(url)
    assert (
        await constraints_in_database(url)
        == constraints_in_models(metadata)
        == {("calendar_override", "ck_calendar_override_day_in_range")}
    )
