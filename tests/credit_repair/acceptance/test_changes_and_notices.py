"""Examiner's cases: changed decisions, month ends and a leap day, the notice served with every decision
(两书同达), the extended review and the overdue list.

Sources: SPEC §4 (a notice with every decision; for unpublished decisions a notice saying so; periods from
the decision's date; an application decided within the configured working days, flagged when overdue);
行政处罚法 第四十八条第二款 (a changed decision's publication withdrawn within three days); docs/api/
credit_repair.md §2-4 (a changed decision classed anew, its periods still from the original date; 7 working
days to decide, +10 when extended). Month arithmetic: the corresponding day, or the month's last day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.credit_repair.acceptance.cases import API, TODAY, YUAN, decide, pin, publication, record_of
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, COMMITMENT, USCC_A, USCC_B, USCC_C, publish
from tests.support import personas
from tests.support.contracts import decision_changed
from tests.support.http import ok
from tests.support.stack import client, wait_for

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]

OFFICER_SJ = personas.officer("辽A-0100002", "SJ", "210102", sub="examiner-sj-2")


async def notices(credit: Credit, case_id: Any, n: int = 1) -> list[dict[str, Any]]:
    async with client(credit.base, headers=ADMIN) as http:

        async def found() -> Any:
            items = ok(await http.get(f"{API}/notices", params={"case_id": str(case_id)}))["items"]
            return items if len(items) >= n else None

        return list(await wait_for(found))


class TestChangedDecision:
    async def test_changed_to_a_smaller_fine(self, credit: Credit) -> None:
        # 80,000 yuan decided 2026-09-01 (一般, published); changed today to 30,000 (轻微): the original
        # publication is withdrawn (reason changed) today, and the changed decision is not published.
        d, first = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 9, 1))
        await publish(credit.js, decision_changed(d, fine_fen=30_000 * YUAN, changed_on=TODAY))
        changed = await record_of(credit, d.case_id, revision=2)
        assert changed["credit_class"] == "minor" and changed["published"] is False, changed
        old = publication(await record_of(credit, d.case_id, revision=1))
        assert old is not None and (old["active"], old["end_reason"]) == (False, "changed"), old
        assert date.fromisoformat(old["ended_on"]) <= TODAY + timedelta(days=3), old
        assert len(await notices(credit, d.case_id, 2)) == 2

    async def test_changed_fine_keeps_the_original_date(self, credit: Credit) -> None:
        # changed today to 60,000 (still 一般): periods from 2026-09-01 -> earliest 2026-12-01, max 2027-09-01
        d, _ = await decide(credit, party_uscc=USCC_B, decided_on=date(2026, 9, 1))
        await publish(credit.js, decision_changed(d, fine_fen=60_000 * YUAN, changed_on=TODAY))
        changed = await record_of(credit, d.case_id, revision=2)
        pub = publication(changed)
        assert pub is not None, changed
        assert (pub["starts_on"], pub["earliest_repair_on"], pub["max_ends_on"]) == (
            "2026-09-01",
            "2026-12-01",
            "2027-09-01",
        ), pub


class TestCalendarEdges:
    async def test_month_end(self, credit: Credit) -> None:
        # 2026-05-31 + 3 months = 2026-08-31; + 1 year = 2027-05-31
        _, record = await decide(credit, party_uscc=USCC_C, decided_on=date(2026, 5, 31))
        pub = publication(record)
        assert (pub["earliest_repair_on"], pub["max_ends_on"]) == ("2026-08-31", "2027-05-31"), pub  # type: ignore[index]

    async def test_leap_day_under_the_old_rules(self, credit: Credit) -> None:
        # 2024-02-29 (the 2023 set, 一般 up to 36 months): + 3 months = 2024-05-29; + 36 months = 2027-02-28
        _, record = await decide(credit, party_uscc=USCC_C, decided_on=date(2024, 2, 29))
        pub = publication(record)
        assert (pub["earliest_repair_on"], pub["max_ends_on"]) == ("2024-05-29", "2027-02-28"), pub  # type: ignore[index]


class TestNotice:
    async def test_published_decision(self, credit: Credit) -> None:
        d, _ = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 11, 2))
        [notice] = await notices(credit, d.case_id)
        assert (
            notice["published"],
            notice["publication_start"],
            notice["earliest_repair_date"],
            notice["maximum_end"],
        ) == (
            True,
            "2026-11-02",
            "2027-02-02",
            "2027-11-02",
        ), notice
        assert notice["decision_no"] == d.decision_no and notice["notice_no"].startswith(
            "沈市监信修提〔2026〕"
        )

    async def test_unpublished_decision_gets_a_notice_saying_so(self, credit: Credit) -> None:
        d, _ = await decide(credit, party_uscc=USCC_A, kinds=["warning"], decided_on=date(2026, 11, 2))
        [notice] = await notices(credit, d.case_id)
        assert notice["published"] is False and notice["earliest_repair_date"] is None, notice

    async def test_numbers_without_gaps(self, credit: Credit) -> None:
        first, _ = await decide(credit, party_uscc=USCC_B, decided_on=date(2026, 11, 3), department_code="JT")
        second, _ = await decide(
            credit, party_uscc=USCC_B, decided_on=date(2026, 11, 3), department_code="JT"
        )
        [a], [b] = await notices(credit, first.case_id), await notices(credit, second.case_id)

        def number(no: str) -> int:
            return int(no.rsplit("〕", 1)[1].rstrip("号"))

        assert number(b["notice_no"]) == number(a["notice_no"]) + 1, (a["notice_no"], b["notice_no"])


class TestReviewDeadlines:
    async def test_extended_review(self, credit: Credit) -> None:
        # accepted Monday 2026-12-07 with an extension: 7 + 10 = 17 working days -> 8, 9, 10, 11, 14, 15,
        # 16, 17, 18, 21, 22, 23, 24, 25, 28, 29, 30 -> Wednesday 2026-12-30
        _, record = await decide(credit, party_uscc=USCC_B, decided_on=date(2026, 7, 6), pay=True)
        body = {"record_id": record["id"], "commitment_text": COMMITMENT, "commitment_accepted": True}
        async with client(credit.base) as http:
            app = ok(await http.post(f"{API}/repairs", json=body, headers=personas.enterprise(USCC_B)), 201)
            got = ok(
                await http.post(
                    f"{API}/repairs/{app['id']}/acceptance", json={"extended": True}, headers=OFFICER_SJ
                )
            )
        assert (got["accepted_on"], got["decision_due"], got["extended"]) == (
            "2026-12-07",
            "2026-12-30",
            True,
        ), got

    async def test_overdue_acceptance(self, credit: Credit) -> None:
        # submitted Monday 2026-12-07, to be accepted by Thursday 2026-12-10 (8, 9, 10): on the 10th it is in
        # time, on Friday the 11th it is overdue
        _, record = await decide(credit, party_uscc=USCC_C, decided_on=date(2026, 7, 7), pay=True)
        body = {"record_id": record["id"], "commitment_text": COMMITMENT, "commitment_accepted": True}
        async with client(credit.base) as http:
            app = ok(await http.post(f"{API}/repairs", json=body, headers=personas.enterprise(USCC_C)), 201)
            assert app["acceptance_due"] == "2026-12-10", app
            try:
                pin(date(2026, 12, 10))
                on_time = ok(
                    await http.get(f"{API}/repairs/overdue", headers=OFFICER_SJ, params={"limit": 200})
                )
                pin(date(2026, 12, 11))
                late = ok(await http.get(f"{API}/repairs/overdue", headers=OFFICER_SJ, params={"limit": 200}))
            finally:
                pin()
        assert app["id"] not in [i["id"] for i in on_time["items"]], on_time
        [mine] = [i for i in late["items"] if i["id"] == app["id"]]
        assert mine["overdue_stage"] == "acceptance", mine
