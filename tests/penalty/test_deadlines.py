"""Missed deadlines: the periodic scan publishes each missed deadline of a case once."""

from __future__ import annotations

from datetime import date

from services.penalty.use_cases.deadlines import scan_deadlines
from tests.penalty.helpers import pin_clock, to_decided
from tests.support.outbox import envelopes
from tests.support.stack import Running, client


async def test_missed_deadlines_are_published_once(penalty: Running) -> None:
    async with client(penalty.url) as http:
        decided = await to_decided(http)
    cid = decided["id"]
    # decided Mon 2026-11-16; delivery due Wed 11-25 (7 working days); on Thu 11-26 it is overdue
    pin_clock(date(2026, 11, 26))
    await scan_deadlines(penalty.runtime.factory)
    await scan_deadlines(penalty.runtime.factory)
    missed = await envelopes(
        penalty.runtime.factory, "penalty.deadline.missed", case_id=cid, deadline="delivery"
    )
    assert [e["data"] for e in missed] == [
        {
            "case_id": cid,
            "department_code": "SJ",
            "district_code": "210102",
            "deadline": "delivery",
            "due_on": "2026-11-25",
            "detected_on": "2026-11-26",
        }
    ]
    # publication (seed 003: 7 working days) is overdue the same day
    assert (
        len(
            await envelopes(
                penalty.runtime.factory, "penalty.deadline.missed", case_id=cid, deadline="publication"
            )
        )
        == 1
    )
