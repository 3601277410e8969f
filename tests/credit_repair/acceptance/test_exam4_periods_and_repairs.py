"""Fourth examiner's cases: the first day a repair may be applied for after a month-end decision, a leap day
under a one-year minimum, repairs that are refused outright (not published, never early, already ended,
duplicate, decided twice), every unmet condition listed at once, a repair re-applied for after a rejection, a
change that makes a decision serious, and what the notice says.

Sources: SPEC §4 (一般 3 months to 1 year, 严重 1 to 3 years, periods from the decision document's date;
requirements: minimum period served, violation corrected, penalty fully performed including the fine, 信用承诺书;
严重 market-regulation decisions never ended early); 总局令第45号 第十四条; 行政处罚法 第四十八条第二款
("公开的行政处罚决定被依法变更、撤销、确认违法或者确认无效的，行政机关应当在三日内撤回行政处罚决定信息并公开说明理由");
民法典 第二百零二条 ("按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日");
docs/api/credit_repair.md §1 (a decision of 31 August 2026 is repairable from 30 November 2026), §2-3 (the
notice's requirements; the answer "names the first unmet condition and lists all of them in errors"; error
codes REPAIR_NOT_PUBLISHED, REPAIR_NEVER_EARLY, REPAIR_DUPLICATE, REPAIR_ALREADY_DECIDED). The sample's 2023 rule
set (data/sample/credit_rules.json) has 严重 at 12 to 36 months.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.credit_repair.acceptance.cases import (
    API,
    TODAY,
    YUAN,
    decide,
    paid,
    pin,
    publication,
    record_of,
    zh,
)
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import COMMITMENT, publish
from tests.support import personas
from tests.support.contracts import decision_changed, decision_revoked, fine_paid
from tests.support.http import ok, problem
from tests.support.stack import client, wait_for

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]

OFFICER_SJ = personas.officer("辽A-0100004", "SJ", "210102", sub="examiner4-sj")
# Enterprises of the sample data not used by the other files of this directory.
U1 = "91210106MAGWRFB38P"  # 沈阳嘉和酒店管理有限公司
U2 = "91210112MANU25WQ7Q"  # 沈阳盛京物流有限公司
U3 = "91210103MA4MPKEM4L"  # 沈阳嘉和机械制造有限公司
U4 = "91210114MAFJX3YM6T"  # 沈阳荣盛化工有限公司
U5 = "91210115MAQMGW041D"  # 沈阳广源超市有限公司
U6 = "91210103MAFQ8K1C0W"  # 沈阳润德物流有限公司
U7 = "91210103MAXUKAJK5N"  # 沈阳辽河物流有限公司
U8 = "91210103MAA3DRPYX3"  # 沈阳长青洗浴有限公司
U9 = "91210115MAC1408X2J"  # 沈阳润德食品有限公司


def body(record_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "commitment_text": COMMITMENT,
        "commitment_accepted": True,
        "violation_corrected": True,
        "evidence_refs": ["sha256:4e4e"],
        **kw,
    }


async def apply_for(credit: Credit, uscc: str, record_id: str, **kw: Any) -> Any:
    async with client(credit.base, headers=personas.enterprise(uscc, sub=f"examiner4-{uscc}")) as http:
        return await http.post(f"{API}/repairs", json=body(record_id, **kw))


async def review(credit: Credit, app_id: str, outcome: str, reasons: list[str] | None = None) -> Any:
    async with client(credit.base, headers=OFFICER_SJ) as http:
        ok(await http.post(f"{API}/repairs/{app_id}/acceptance", json={"extended": False}))
        decision: dict[str, Any] = {"outcome": outcome}
        if reasons is not None:
            decision["reasons"] = reasons
        return await http.post(f"{API}/repairs/{app_id}/decision", json=decision)


class TestFirstDayAfterAMonthEnd:
    """Decided Sunday 2026-08-30 (一般): the minimum of 3 months runs to the corresponding day 2026-11-30
    (November has a 30th). The docs' own example: 31 August -> 30 November (no 31st: the month's last day).
    So both decisions of the 30th and of the 31st are repairable from the same day, 2026-11-30."""

    async def test_on_the_29th_of_november_too_early(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=U1, decided_on=date(2026, 8, 30), pay=True)
        assert publication(record)["earliest_repair_on"] == "2026-11-30"  # type: ignore[index]
        pin(date(2026, 11, 29))
        try:
            r = await apply_for(credit, U1, record["id"])
        finally:
            pin()
        p = problem(r, 409, "REPAIR_TOO_EARLY")
        assert zh(date(2026, 11, 30)) in p["detail"], p

    async def test_on_the_30th_of_november_admissible(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=U2, decided_on=date(2026, 8, 31), pay=True)
        assert publication(record)["earliest_repair_on"] == "2026-11-30"  # type: ignore[index]
        pin(date(2026, 11, 30))
        try:
            app = ok(await apply_for(credit, U2, record["id"]), 201)
        finally:
            pin()
        assert app["submitted_on"] == "2026-11-30", app

    async def test_decided_on_the_last_day_of_november(self, credit: Credit) -> None:
        # 2026-11-30 + 3 months = 2027-02-30? no such day: February's last day, 2027-02-28 (2027 is no leap
        # year: 2027 / 4 = 506.75); + 1 year = 2027-11-30
        _, record = await decide(credit, party_uscc=U3, decided_on=date(2026, 11, 30))
        pub = publication(record)
        assert (pub["starts_on"], pub["earliest_repair_on"], pub["max_ends_on"]) == (  # type: ignore[index]
            "2026-11-30",
            "2027-02-28",
            "2027-11-30",
        ), pub


class TestLeapDayOneYearMinimum:
    async def test_serious_decided_on_a_leap_day(self, credit: Credit) -> None:
        # marked serious on Thursday 2024-02-29 (the 2023 set: 严重 12 to 36 months). + 12 months = 2025-02-29?
        # 2025 has no 29 February: 2025-02-28. + 36 months = 2027-02-29? 2027 has none: 2027-02-28.
        _, record = await decide(credit, party_uscc=U3, serious=True, decided_on=date(2024, 2, 29))
        pub = publication(record)
        assert (record["credit_class"], pub["earliest_repair_on"], pub["max_ends_on"]) == (  # type: ignore[index]
            "serious",
            "2025-02-28",
            "2027-02-28",
        ), record


class TestRefusedOutright:
    async def test_an_unpublished_decision_needs_no_repair(self, credit: Credit) -> None:
        # 警告 alone: 轻微, not published -> nothing to repair
        _, record = await decide(credit, party_uscc=U4, kinds=["warning"], decided_on=date(2026, 6, 1))
        problem(await apply_for(credit, U4, record["id"]), 409, "REPAIR_NOT_PUBLISHED")

    async def test_a_revoked_licence_of_market_regulation_is_never_early(self, credit: Credit) -> None:
        # 吊销许可证件 by SJ, decided 2025-06-02 (18 months ago, past the 12-month minimum of any set): still never
        # ended early (总局令第45号 第十四条) — refused with REPAIR_NEVER_EARLY, fine paid or not
        _, record = await decide(
            credit, party_uscc=U4, kinds=["revoke_licence"], decided_on=date(2025, 6, 2), pay=True
        )
        assert publication(record)["earliest_repair_on"] is None, record  # type: ignore[index]
        problem(await apply_for(credit, U4, record["id"]), 409, "REPAIR_NEVER_EARLY")

    async def test_a_revoked_decision_is_no_longer_published(self, credit: Credit) -> None:
        d, record = await decide(credit, party_uscc=U5, decided_on=date(2026, 6, 1), pay=True)
        await publish(credit.js, decision_revoked(d, revoked_on=TODAY))

        async def ended() -> Any:
            pub = publication(await record_of(credit, d.case_id))
            return pub if pub and pub["active"] is False else None

        await wait_for(ended)
        problem(await apply_for(credit, U5, record["id"]), 409, "REPAIR_NOT_PUBLISHED")

    async def test_a_second_application_while_the_first_is_open(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=U6, decided_on=date(2026, 6, 1), pay=True)
        ok(await apply_for(credit, U6, record["id"]), 201)
        problem(await apply_for(credit, U6, record["id"]), 409, "REPAIR_DUPLICATE")


class TestEveryConditionListed:
    async def test_too_early_and_unpaid_both_named(self, credit: Credit) -> None:
        # decided 2026-10-12: earliest 2027-01-12 (after today); 80,000.00 yuan unpaid. The first condition
        # names the date; errors list both.
        _, record = await decide(credit, party_uscc=U7, decided_on=date(2026, 10, 12))
        p = problem(await apply_for(credit, U7, record["id"]), 409, "REPAIR_TOO_EARLY")
        codes = [e.get("code") for e in p.get("errors", [])]
        assert "REPAIR_TOO_EARLY" in codes and "REPAIR_FINE_UNPAID" in codes, p
        assert zh(date(2027, 1, 12)) in p["detail"], p

    async def test_paid_after_the_refusal_then_admissible(self, credit: Credit) -> None:
        d, record = await decide(credit, party_uscc=U7, decided_on=date(2026, 6, 3))
        problem(await apply_for(credit, U7, record["id"]), 409, "REPAIR_FINE_UNPAID")
        await paid(credit, d)
        ok(await apply_for(credit, U7, record["id"]), 201)

    async def test_paid_in_two_instalments(self, credit: Credit) -> None:
        # 80,000.00 yuan paid in two parts (行政处罚法 第六十六条第二款 分期缴纳; docs/api/penalty.md §9: each part
        # "is recorded as a fine payment, so the last one executes the decision"): 50,000.00, then 30,000.00.
        # After the first, 80,000.00 - 50,000.00 = 30,000.00 is owed; after the second, 50,000.00 + 30,000.00 =
        # 80,000.00 is paid in full.
        d, record = await decide(credit, party_uscc=U8, decided_on=date(2026, 6, 3))
        await paid(credit, d, fine_fen=50_000 * YUAN)
        p = problem(await apply_for(credit, U8, record["id"]), 409, "REPAIR_FINE_UNPAID")
        assert "30,000.00元" in p["detail"], p
        await publish(credit.js, fine_paid(d, fine_fen=30_000 * YUAN, fully_performed=True))

        async def settled() -> Any:
            rec = await record_of(credit, d.case_id)
            return rec if rec.get("paid_fen", rec.get("fine_paid_fen")) == 80_000 * YUAN else None

        await wait_for(settled)
        ok(await apply_for(credit, U8, record["id"]), 201)


class TestAfterTheReview:
    async def test_rejected_stays_published_and_may_apply_again(self, credit: Credit) -> None:
        d, record = await decide(credit, party_uscc=U9, decided_on=date(2026, 6, 4), pay=True)
        app = ok(await apply_for(credit, U9, record["id"]), 201)
        rejected = ok(await review(credit, app["id"], "rejected", ["整改证明材料不完整"]))
        assert rejected["status"] == "rejected", rejected
        pub = publication(await record_of(credit, d.case_id))
        assert pub is not None and pub["active"] is True, pub
        ok(await apply_for(credit, U9, record["id"]), 201)

    async def test_decided_twice(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=U1, decided_on=date(2026, 6, 4), pay=True)
        app = ok(await apply_for(credit, U1, record["id"]), 201)
        ok(await review(credit, app["id"], "accepted"))
        async with client(credit.base, headers=OFFICER_SJ) as http:
            r = await http.post(
                f"{API}/repairs/{app['id']}/decision", json={"outcome": "rejected", "reasons": ["复核"]}
            )
        problem(r, 409, "REPAIR_ALREADY_DECIDED")

    async def test_a_repaired_record_cannot_be_repaired_again(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=U2, decided_on=date(2026, 6, 5), pay=True)
        app = ok(await apply_for(credit, U2, record["id"]), 201)
        ok(await review(credit, app["id"], "accepted"))
        problem(await apply_for(credit, U2, record["id"]), 409, "REPAIR_NOT_PUBLISHED")


class TestChangedToSerious:
    async def test_a_fine_changed_to_revocation_of_the_licence(self, credit: Credit) -> None:
        # 80,000 yuan decided 2026-09-01 (一般); changed today to 吊销许可证件 (严重, market regulation): the changed
        # record counts from 2026-09-01: maximum 3 years -> 2029-09-01; never ended early (no earliest date)
        d, _ = await decide(credit, party_uscc=U5, decided_on=date(2026, 9, 1))
        await publish(credit.js, decision_changed(d, kinds=["revoke_licence"], fine_fen=0, changed_on=TODAY))
        changed = await record_of(credit, d.case_id, revision=2)
        pub = publication(changed)
        assert changed["credit_class"] == "serious" and pub is not None, changed
        assert (pub["starts_on"], pub["earliest_repair_on"], pub["max_ends_on"]) == (
            "2026-09-01",
            None,
            "2029-09-01",
        ), pub


class TestNoticeText:
    async def test_requirements_name_the_period_the_date_and_the_fine(self, credit: Credit) -> None:
        # decided 2026-11-30: 最短公示期3个月, earliest 2027-02-28; fine 80,000.00 yuan
        d, _ = await decide(credit, party_uscc=U6, decided_on=date(2026, 11, 30))
        async with client(credit.base, headers=personas.enterprise(U6)) as http:

            async def found() -> Any:
                items = ok(await http.get(f"{API}/notices", params={"case_id": str(d.case_id)}))["items"]
                return items or None

            [notice] = await wait_for(found)
        text = "".join(notice["requirements"])
        assert "3个月" in text and zh(date(2027, 2, 28)) in text and "80,000.00元" in text, notice
        assert (notice["earliest_repair_date"], notice["maximum_end"]) == ("2027-02-28", "2027-11-30"), notice

    async def test_serious_notice_names_one_year(self, credit: Credit) -> None:
        # marked serious, decided 2026-06-01: minimum 1 year -> 2027-06-01, maximum 3 years -> 2029-06-01
        d, _ = await decide(credit, party_uscc=U8, serious=True, decided_on=date(2026, 6, 1))
        async with client(credit.base, headers=personas.enterprise(U8)) as http:

            async def found() -> Any:
                items = ok(await http.get(f"{API}/notices", params={"case_id": str(d.case_id)}))["items"]
                return items or None

            [notice] = await wait_for(found)
        text = "".join(notice["requirements"])
        assert "1年" in text and zh(date(2027, 6, 1)) in text, notice
        assert (notice["earliest_repair_date"], notice["maximum_end"]) == ("2027-06-01", "2029-06-01"), notice


class TestSeriousMinimumUnderTheOldRules:
    """A 严重 decision not of the never-early kinds (a fine the department marked serious) may be repaired once
    its minimum has run: 12 months under the 2023 set. Decided 2025-12-07: 2025-12-07 + 12 months = 2026-12-07,
    today: admissible. Decided 2025-12-08: earliest 2026-12-08, tomorrow: too early."""

    async def test_on_the_anniversary(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=U9, serious=True, decided_on=date(2025, 12, 7), pay=True)
        assert publication(record)["earliest_repair_on"] == "2026-12-07", record  # type: ignore[index]
        ok(await apply_for(credit, U9, record["id"]), 201)

    async def test_the_day_before_the_anniversary(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=U3, serious=True, decided_on=date(2025, 12, 8), pay=True)
        p = problem(await apply_for(credit, U3, record["id"]), 409, "REPAIR_TOO_EARLY")
        assert zh(date(2026, 12, 8)) in p["detail"], p


class TestPersonDetained:
    async def test_detention_is_general_and_the_person_masked(self, credit: Credit) -> None:
        # 行政拘留 of a natural person (no USCC), decided 2026-10-20: 一般 (docs/api/credit_repair.md §1), published
        # from 2026-10-20, earliest repair 2027-01-20, at most to 2027-10-20; the public list names no one in full
        d, record = await decide(
            credit,
            party_uscc=None,
            party_name="李明",
            kinds=["detention"],
            decided_on=date(2026, 10, 20),
            department_code="XF",
        )
        pub = publication(record)
        assert (record["credit_class"], pub["earliest_repair_on"], pub["max_ends_on"]) == (  # type: ignore[index]
            "general",
            "2027-01-20",
            "2027-10-20",
        ), record
        async with client(credit.base) as http:
            items = ok(
                await http.get("/public/credit/publications", params={"department_code": "XF", "limit": 200})
            )["items"]
        mine = [i for i in items if i.get("decision_no") == d.decision_no]
        assert mine and "李明" not in str(mine), mine


class TestNoticeDocument:
    """SPEC §4: the notice states "what is published and where, from when, the earliest repair date, the path
    (online application), the requirements (...), and the review deadline". A market-regulation decision is
    published on 国家企业信用信息公示系统 and 信用中国 (the rule set's platforms by domain)."""

    async def test_the_html_says_where_from_when_until_when_and_how(self, credit: Credit) -> None:
        # decided 2026-11-16: published from 2026年11月16日, repair from 2027年2月16日, at most until 2027年11月16日;
        # the department decides acceptance within 3 working days
        d, _ = await decide(credit, party_uscc=U4, decided_on=date(2026, 11, 16))
        async with client(credit.base, headers=personas.enterprise(U4)) as http:

            async def found() -> Any:
                items = ok(await http.get(f"{API}/notices", params={"case_id": str(d.case_id)}))["items"]
                return items or None

            [notice] = await wait_for(found)
            r = await http.get(f"{API}/notices/{notice['id']}/html")
        assert r.status_code == 200, r.text
        html = r.text
        for needed in (
            d.decision_no,
            notice["notice_no"],
            "信用中国",
            zh(date(2026, 11, 16)),
            zh(date(2027, 2, 16)),
            zh(date(2027, 11, 16)),
            "信用承诺",
            "3个工作日",
            "80,000.00元",
        ):
            assert needed in html, needed
