"""penalty_0017_date_bounds (services/common/date_bounds.py): an officer's certificate stored as valid until
``infinity`` keeps its meaning as valid until 2199-12-31; a missed deadline's day or a calendar day out of
range stops the migration, naming the row by its primary key; afterwards the database refuses a day out of
range, a case's decision day included (a partitioned table: the constraint is its parent's), and its
constraints are those of the models."""

from __future__ import annotations

import asyncio

import pytest

from services.common import migrate
from services.penalty.models import metadata
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

BELOW = "penalty_0016_case_parts"
CASE = "00000000-0000-4000-8000-0000000000ca"
_CERTIFICATE = (
    "INSERT INTO officer_certificate (cert_no, officer_id, department_code, status, auxiliary, valid_until,"
    " changed_at, revision) VALUES ('{no}', '00000000-0000-4000-8000-000000000001', 'SJ', 'active', false,"
    " '{until}', '2026-11-16T09:30:00+08:00', 1)"
)


async def test_open_ended_certificates_repaired_and_days_out_of_range_refused(stack: Stack) -> None:
    url = await database_at(stack, "penalty", BELOW)
    await execute(
        url,
        _CERTIFICATE.format(no="LN-0001", until="infinity"),
        _CERTIFICATE.format(no="LN-0002", until="2028-06-30"),
    )
    # a missed deadline reported for a day that cannot be one: named by its whole primary key
    await execute(
        url,
        "INSERT INTO deadline_report (case_id, deadline, due_on, detected_on) VALUES"
        f" ('{CASE}', 'publication', 'infinity', '2026-11-16')",
    )
    with pytest.raises(RuntimeError) as refusal:
        await asyncio.to_thread(migrate.upgrade, "penalty", url)
    assert (
        f"deadline_report.due_on (refuse): (case_id, deadline, due_on) = ({CASE}, publication, infinity): infinity"
        in str(refusal.value)
    )
    assert await version(url, "penalty") == BELOW
    await execute(url, "DELETE FROM deadline_report")
    await refuses_while_a_calendar_day_is_out_of_range(url, "penalty", BELOW)

    await asyncio.to_thread(migrate.upgrade, "penalty", url)
    assert await version(url, "penalty") in migrate.heads("penalty")  # penalty_0017 and those after it
    assert await rows(
        url, "SELECT cert_no, CAST(valid_until AS text) FROM officer_certificate ORDER BY cert_no"
    ) == [("LN-0001", "2199-12-31"), ("LN-0002", "2028-06-30")]
    await calendar_day_refused(url)
    assert await refused(url, _CERTIFICATE.format(no="LN-0003", until="infinity"))
    assert await constraints_in_database(url) == constraints_in_models(metadata)
    assert await inherited_constraints(url) > 0  # each partition holds its parent's
    assert ("penalty_case", "ck_penalty_case_decided_on_in_range") in constraints_in_models(metadata)


async def test_downgrade_drops_the_constraints(stack: Stack) -> None:
    url = await stack.anew_database("penalty")
    await asyncio.to_thread(migrate.downgrade, "penalty", url, BELOW)
    assert await constraints_in_database(url) == set()
    assert await inherited_constraints(url) == 0
