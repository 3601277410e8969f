"""A repair application is never refused because next year's holiday arrangement is missing: applying is the
party's right (国办发〔2025〕22号, 《信用修复管理办法》). The review deadlines (3 working days to accept, 7 to
decide from acceptance, 10 for the 信用中国 window) of an application of late December run into January; until
the State Council's arrangement for that year is entered they are pending: the application is received, the
deadlines it cannot compute are null with a note, the administrator sees it in a list, the overdue list skips
it, and entering the year computes them in the same transaction.

Own module, without the ``working_calendar`` fixture: the module's database must not have 2027 entered.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import migrate
from services.common.db import transaction
from services.common.workdays import PACKAGE_YEARS
from tests.credit_repair.acceptance.cases import pin
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, ENT_A, OFFICER_SJ, published_record, repair_body
from tests.support.http import ok, problem
from tests.support.stack import client

pytestmark = pytest.mark.asyncio(loop_scope="session")

API = "/api/v1/credit"
NOTE = "2027年节假日安排未录入，期限待定"


def _dues(app: dict[str, Any]) -> tuple[Any, ...]:
    return (app["acceptance_due"], app["decision_due"], app["window_due"], app["deadlines_pending"])


async def _not_null(credit: Credit) -> list[str]:
    async with transaction(credit.factory) as s:
        rows = await s.execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'repair_application'"
                " AND column_name LIKE '%_due' AND is_nullable = 'NO' ORDER BY column_name"
            )
        )
        return [r[0] for r in rows]


async def test_application_received_with_pending_deadlines_then_computed(
    credit: Credit, reset_clock: None
) -> None:
    assert 2026 in PACKAGE_YEARS and 2027 not in PACKAGE_YEARS  # the premise of the test
    pin(date(2026, 12, 21))  # a Monday
    first = await published_record(credit)
    async with client(credit.base) as http:
        applied = await http.post(f"{API}/repairs", json=repair_body(first.id), headers=ENT_A)
        assert applied.status_code == 201, applied.text
        a = applied.json()
        # acceptance, 3 working days after Mon 21 Dec: Tue 22 (1), Wed 23 (2), Thu 24 (3): known.
        # decision, 7 after Thu 24: Fri 25, Mon 28, Tue 29, Wed 30, Thu 31 (5), then 2027: pending;
        # 信用中国, 10 after Mon 21: 22, 23, 24, 25, 28, 29, 30, 31 (8), then 2027: pending.
        assert _dues(a) == ("2026-12-24", None, None, True)
        assert a["deadlines_note"] == NOTE and a["overdue_stage"] is None

        listed = ok(await http.get(f"{API}/admin/deadlines/pending", headers=ADMIN))
        assert [r["id"] for r in listed] == [a["id"]]
        problem(await http.get(f"{API}/admin/deadlines/pending", headers=OFFICER_SJ), 403, "ROLE_FORBIDDEN")

        # Accepted on its last day, Thu 24 Dec: the decision, 7 working days from there, is still pending.
        pin(date(2026, 12, 24))
        accepted = ok(await http.post(f"{API}/repairs/{a['id']}/acceptance", json={}, headers=OFFICER_SJ))
        assert accepted["status"] == "under_review" and accepted["accepted_on"] == "2026-12-24"
        assert _dues(accepted) == ("2026-12-24", None, None, True)

        # Wed 30 Dec: acceptance, Thu 31 (1) then 2027: every deadline pending; decided (rejected) on the 31st
        # while its deadline is unknown: neither on time nor late yet.
        pin(date(2026, 12, 30))
        second = await published_record(credit)
        b = (await http.post(f"{API}/repairs", json=repair_body(second.id), headers=ENT_A)).json()
        assert _dues(b) == (None, None, None, True), b
        pin(date(2026, 12, 31))
        rejected = ok(
            await http.post(
                f"{API}/repairs/{b['id']}/decision",
                json={"outcome": "rejected", "reasons": ["整改证明材料不完整"]},
                headers=OFFICER_SJ,
            )
        )
        assert (rejected["status"], rejected["on_time"], rejected["deadlines_pending"]) == (
            "rejected",
            None,
            True,
        )

        # Wed 6 Jan 2027, 2027 still not entered: nothing is taken for overdue.
        pin(date(2027, 1, 6))
        overdue = ok(await http.get(f"{API}/repairs/overdue", headers=OFFICER_SJ))["items"]
        assert a["id"] not in [r["id"] for r in overdue]
        assert ok(await http.get(f"{API}/repairs/{a['id']}", headers=OFFICER_SJ))["overdue_stage"] is None
        listed = ok(await http.get(f"{API}/admin/deadlines/pending", headers=ADMIN))
        assert [r["id"] for r in listed] == [a["id"], b["id"]]

        # The schema cannot go back while deadlines are pending (they could not be NOT NULL without a guess).
        with pytest.raises(RuntimeError, match="2 repair application"):
            await asyncio.to_thread(
                migrate.downgrade, "credit_repair", credit.url, "credit_repair_0009_end_announce"
            )

        # The arrangement for 2027: 元旦 on Friday 2027-01-01 is a day off.
        body = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days_off": ["2027-01-01"]}
        ok(await http.put(f"{API}/admin/calendar/2027", json=body, headers=ADMIN))

        # First: decision, 7 working days after Thu 2026-12-24: Fri 25 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4),
        # Thu 31 (5), Fri 2027-01-01 off (元旦), Mon 01-04 (6), Tue 01-05 (7) -> 2027-01-05.
        # 信用中国, 10 after Mon 2026-12-21: 22 (1), 23, 24, 25 (4), 28, 29, 30, 31 (8), 01-01 off,
        # Mon 01-04 (9), Tue 01-05 (10) -> 2027-01-05.
        got = ok(await http.get(f"{API}/repairs/{a['id']}", headers=OFFICER_SJ))
        assert _dues(got) == ("2026-12-24", "2027-01-05", "2027-01-05", False)
        assert got["deadlines_note"] is None
        # Today, Wed 6 Jan, the decision is a day overdue and listed as such.
        assert got["overdue_stage"] == "decision"
        overdue = ok(await http.get(f"{API}/repairs/overdue", headers=OFFICER_SJ))["items"]
        assert a["id"] in [r["id"] for r in overdue]

        # Second: acceptance, 3 after Wed 2026-12-30: Thu 31 (1), 01-01 off, Mon 01-04 (2), Tue 01-05 (3);
        # decision, 7 after Tue 01-05: 6, 7, 8 (3), Mon 11, 12, 13, 14 (7) -> 2027-01-14;
        # 信用中国, 10 after Wed 2026-12-30: 31 (1), 01-04 (2), 5, 6, 7, 8 (6), 11, 12, 13, 14 (10) -> 2027-01-14.
        # Decided Thu 2026-12-31 <= 2027-01-14: on time.
        got = ok(await http.get(f"{API}/repairs/{b['id']}", headers=OFFICER_SJ))
        assert _dues(got) == ("2027-01-05", "2027-01-14", "2027-01-14", False)
        assert got["on_time"] is True

        assert ok(await http.get(f"{API}/admin/deadlines/pending", headers=ADMIN)) == []

    # Audited per application, in the calendar write's transaction.
    async with transaction(credit.factory) as s:
        audited = await s.execute(
            sa.text(
                "SELECT entity_id, before ->> 'decision_due', after ->> 'decision_due', actor_role"
                " FROM audit_entry WHERE action = 'repair.deadlines_computed' ORDER BY seq"
            )
        )
        assert [tuple(r) for r in audited] == [
            (a["id"], None, "2027-01-05", "admin"),
            (b["id"], None, "2027-01-14", "admin"),
        ]

    # Nothing pending: the schema goes back (the deadlines NOT NULL again) and forward.
    await asyncio.to_thread(migrate.downgrade, "credit_repair", credit.url, "credit_repair_0009_end_announce")
    assert await _not_null(credit) == ["acceptance_due", "decision_due", "window_due"]
    await asyncio.to_thread(migrate.upgrade, "credit_repair", credit.url)
    assert await _not_null(credit) == []
