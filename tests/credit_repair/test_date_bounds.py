"""credit_repair_0008_date_bounds (services/common/date_bounds.py): rule sets stored open-ended (from
``-infinity``, until ``infinity``) keep their meaning from 1900-01-01, until 2199-12-31; a calendar day out of
range stops the migration, naming it; afterwards the database refuses a day out of range, a publication's
included (a partitioned table: the constraint is its parent's), and its constraints are those of the
models."""

from __future__ import annotations

import asyncio

from services.common import migrate
from services.credit_repair.models import metadata
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

BELOW = "credit_repair_0007_audit_parts"


async def test_open_ended_rule_sets_repaired_and_days_out_of_range_refused(stack: Stack) -> None:
    url = await database_at(stack, "credit_repair", BELOW)
    await execute(
        url,
        "INSERT INTO credit_rule_set (id, effective_from, effective_to, document, created_by) VALUES"
        " ('rules-old', '-infinity', '2025-12-31', '{}', 'admin'),"
        " ('rules-2026', '2026-01-01', 'infinity', '{}', 'admin')",
    )
    await refuses_while_a_calendar_day_is_out_of_range(url, "credit_repair", BELOW)

    await asyncio.to_thread(migrate.upgrade, "credit_repair", url)
    assert await version(url, "credit_repair") == "credit_repair_0010_pending_dues"
    assert await rows(
        url,
        "SELECT id, CAST(effective_from AS text), CAST(effective_to AS text) FROM credit_rule_set ORDER BY id",
    ) == [("rules-2026", "2026-01-01", "2199-12-31"), ("rules-old", "1900-01-01", "2025-12-31")]
    await calendar_day_refused(url)
    assert await refused(url, "UPDATE credit_rule_set SET effective_to = 'infinity' WHERE id = 'rules-2026'")
    assert await refused(
        url, "UPDATE credit_rule_set SET effective_from = '-infinity' WHERE id = 'rules-old'"
    )
    assert await constraints_in_database(url) == constraints_in_models(metadata)
    assert await inherited_constraints(url) > 0  # each partition holds its parent's
    assert ("publication", "ck_publication_max_ends_on_in_range") in constraints_in_models(metadata)


async def test_downgrade_drops_the_constraints(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    await asyncio.to_thread(migrate.downgrade, "credit_repair", url, BELOW)
    assert await constraints_in_database(url) == set()
    assert await inherited_constraints(url) == 0
