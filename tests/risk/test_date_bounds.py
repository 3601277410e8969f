"""risk_0018_date_bounds (services/common/date_bounds.py): a supervision member's term stored open-ended as
``-infinity`` .. ``infinity`` keeps its meaning as 1900-01-01 .. 2199-12-31; a calendar day out of range stops
the migration, naming it; afterwards the database refuses a day out of range, and a review campaign's draw
time from the end of 2199 in UTC on (the API's bound: 2200-01-01 07:59:59+08:00 is still 2199 in UTC), and its
constraints are those of the models."""

from __future__ import annotations

import asyncio

from services.common import migrate
from services.risk.models import metadata
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

BELOW = "risk_0017_class_fillfactor"
MEMBER = "00000000-0000-4000-8000-000000000001"
_CAMPAIGN = (
    "INSERT INTO review_campaign (id, title, year, unit_codes, district_codes, item_codes, period_from, period_to,"
    " sample_size, sheet, reviewers, status, starts_on, created_by, nonce, commitment, public_source, draw_at,"
    " algorithm) VALUES (gen_random_uuid(), '案卷评查', 2199, '{{}}', '{{}}', '{{}}', '2199-01-01', '2199-12-31', 1,"
    " '{{}}', '[]', 'committed', '2199-12-31', 'LN210100RK001', '\\x00', 'c', 's', '{draw_at}', 'sha256')"
)


async def test_open_ended_terms_repaired_and_days_out_of_range_refused(stack: Stack) -> None:
    url = await database_at(stack, "risk", BELOW)
    await execute(
        url,
        "INSERT INTO risk_supervision_member (id, name, background, term_start, term_end) VALUES"
        f" ('{MEMBER}', '张三', '人大代表', '-infinity', 'infinity')",
    )
    await refuses_while_a_calendar_day_is_out_of_range(url, "risk", BELOW)

    await asyncio.to_thread(migrate.upgrade, "risk", url, "risk_0018_date_bounds")  # not a later head
    assert await version(url, "risk") == "risk_0018_date_bounds"
    assert await rows(
        url, "SELECT CAST(term_start AS text), CAST(term_end AS text) FROM risk_supervision_member"
    ) == [("1900-01-01", "2199-12-31")]
    await calendar_day_refused(url)
    assert await refused(
        url, f"UPDATE risk_supervision_member SET term_end = '2200-01-01' WHERE id = '{MEMBER}'"
    )
    # the last moment of 2199 in UTC, written in China time, is the API's last instant; the next one is not
    await execute(url, _CAMPAIGN.format(draw_at="2200-01-01T07:59:59.999999+08:00"))
    assert await refused(url, _CAMPAIGN.format(draw_at="2200-01-01T08:00:00+08:00"))
    assert await refused(url, _CAMPAIGN.format(draw_at="infinity"))
    assert await refused(url, _CAMPAIGN.format(draw_at="1900-01-01T07:59:59+08:00"))
    assert await constraints_in_database(url) == constraints_in_models(metadata)


async def test_downgrade_drops_the_constraints(stack: Stack) -> None:
    url = await stack.anew_database("risk")
    await asyncio.to_thread(migrate.downgrade, "risk", url, BELOW)
    assert await constraints_in_database(url) == set()
    assert await inherited_constraints(url) == 0
