"""两书同达: every penalty decision is delivered together with its 信用修复提示书 (SPEC §3.3, §4; seed 000 "推行
行政处罚决定书和信用修复提示书“两书同达”"), and the notice states the class, the periods, the earliest repair date
and the review deadline the rules give.

Classes (SPEC §4, seed 000 "企业罚款5万元以下"): a fine on an organisation of at most 50,000 元 is 轻微 (not
published); above it 一般 (published, minimum 3 months, maximum 1 year); a decision the department marks
serious is 严重 (minimum 1 year, maximum 3 years). Periods count from the decision date; a month without the
corresponding day ends on its last day.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.acceptance.journeys import (
    CASES,
    CREDIT,
    YUAN,
    Unit,
    credit_notice,
    credit_record,
    decide,
    deliver,
    enterprise_headers,
    new_party,
    pin,
    public_credit,
)
from tests.support.http import ok
from tests.support.platform import Platform
from tests.support.stack import client

pytestmark = pytest.mark.slow
UNIT = Unit("SJ", "210104")


async def test_a_general_decision_is_delivered_only_with_its_notice(platform: Platform) -> None:
    """Decided and delivered Mon 2026-08-31, 75,000.00 元: 一般 (75,000 > 50,000); published from 08-31; three
    months later is 11-31, which does not exist → 11-30; one year later 2027-08-31."""
    uscc, name = new_party()
    pin(date(2026, 8, 31))
    async with client(platform.gateway.url) as http:
        cid, decided = await decide(http, UNIT, uscc, name)
        n = await credit_notice(http, cid, uscc)
        assert (n["credit_class"], n["class_label"], n["published"]) == ("general", "一般失信信息", True)
        assert n["decision_no"] == decided["decision"]["number"]
        assert n["publication_start"] == "2026-08-31"
        assert n["earliest_repair_date"] == "2026-11-30"
        assert n["maximum_end"] == "2027-08-31"
        # the requirements: the minimum period, the correction, the whole fine (surcharge included), the commitment
        text = "".join(n["requirements"])
        assert "2026年11月30日" in text and "75,000.00元" in text and "加处的罚款" in text
        assert "承诺" in text
        # the review deadline: 3 working days to accept (the rule set's reported figure)
        assert "3个工作日" in n["review"]

        delivered = await deliver(http, UNIT, cid)
        assert delivered["case"]["state"] == "delivered"
        assert delivered["decision_document"]["number"] == decided["decision"]["number"]
        assert delivered["credit_notice"]["notice_no"] == n["notice_no"]
        assert delivered["credit_notice"]["document_url"].endswith(f"/notices/{n['id']}/pdf")

        view = ok(await http.get(f"{CASES}/{cid}/decision", headers=enterprise_headers(uscc)))
        assert view["both_documents_ready"] is True
        assert view["decision_document"]["number"] == decided["decision"]["number"]
        assert view["credit_notice"]["notice_no"] == n["notice_no"]
        for url in (view["decision_document"]["html_url"], n["html_url"]):
            page = await http.get(url, headers=enterprise_headers(uscc))
            assert page.status_code == 200
        notice_html = (await http.get(n["html_url"], headers=enterprise_headers(uscc))).text
        assert n["notice_no"] in notice_html and decided["decision"]["number"] in notice_html


async def test_another_enterprise_sees_neither_document(platform: Platform) -> None:
    uscc, name = new_party()
    other, _ = new_party()
    pin(date(2026, 8, 31))
    async with client(platform.gateway.url) as http:
        cid, _decided = await decide(http, UNIT, uscc, name)
        n = await credit_notice(http, cid, uscc)
        await deliver(http, UNIT, cid)
        r = await http.get(f"{CASES}/{cid}/decision", headers=enterprise_headers(other))
        assert r.status_code == 404
        r = await http.get(f"{CREDIT}/notices/{n['id']}/html", headers=enterprise_headers(other))
        assert r.status_code == 404
        r = await http.get(f"{CREDIT}/notices", params={"case_id": cid}, headers=enterprise_headers(other))
        assert r.status_code == 404 or r.json()["items"] == []


async def test_a_fine_of_exactly_50000_yuan_is_minor_and_not_published(platform: Platform) -> None:
    """One mitigation of 第三十二条 puts the case in 从轻, [50,000.00, 64,999.99] 元; 50,000.00 元 is within seed
    000's "企业罚款5万元以下" (以下 includes the figure in Chinese legal drafting): 轻微, not published; still
    delivered with its notice, which says so."""
    uscc, name = new_party()
    pin(date(2026, 9, 1))
    async with client(platform.gateway.url) as http:
        cid, _ = await decide(
            http, UNIT, uscc, name, fine_fen=50_000 * YUAN, extra_facts={"mitigations": ["eliminated_harm"]}
        )
        n = await credit_notice(http, cid, uscc)
        assert (n["credit_class"], n["published"]) == ("minor", False)
        assert n["earliest_repair_date"] is None
        delivered = await deliver(http, UNIT, cid)
        assert delivered["credit_notice"]["notice_no"] == n["notice_no"]
        record = await credit_record(http, n["record_id"], uscc)
        assert record["publication"] is None or record["publication"]["active"] is False
        assert await public_credit(http, uscc) == []


async def test_a_fine_one_fen_above_50000_yuan_is_general_and_published(platform: Platform) -> None:
    uscc, name = new_party()
    pin(date(2026, 9, 1))
    async with client(platform.gateway.url) as http:
        cid, _ = await decide(
            http,
            UNIT,
            uscc,
            name,
            fine_fen=50_000 * YUAN + 1,
            extra_facts={"mitigations": ["eliminated_harm"]},
        )
        n = await credit_notice(http, cid, uscc)
        assert (n["credit_class"], n["published"]) == ("general", True)
        # Tue 2026-09-01 + 3 months = 12-01; + 1 year = 2027-09-01
        assert (n["earliest_repair_date"], n["maximum_end"]) == ("2026-12-01", "2027-09-01")
        await deliver(http, UNIT, cid)
        record = await credit_record(http, n["record_id"], uscc)
        assert [p["id"] for p in await public_credit(http, uscc)] == [record["publication"]["id"]]


async def test_a_decision_marked_serious_is_published_one_to_three_years(platform: Platform) -> None:
    """Decided Mon 2026-11-30, marked serious by the department: 严重, repairable from 2027-11-30 (1 year), at
    most until 2029-11-30 (3 years)."""
    uscc, name = new_party()
    pin(date(2026, 11, 30))
    async with client(platform.gateway.url) as http:
        cid, _ = await decide(http, UNIT, uscc, name, decision_extra={"serious": True})
        n = await credit_notice(http, cid, uscc)
        assert (n["credit_class"], n["published"]) == ("serious", True)
        assert (n["earliest_repair_date"], n["maximum_end"]) == ("2027-11-30", "2029-11-30")
        await deliver(http, UNIT, cid)


async def test_the_minimum_period_of_a_month_end_decision_ends_on_the_last_day(platform: Platform) -> None:
    """Decided Mon 2026-11-30, 一般: three months later is 2027-02-30, which does not exist → 2027-02-28."""
    uscc, name = new_party()
    pin(date(2026, 11, 30))
    async with client(platform.gateway.url) as http:
        cid, _ = await decide(http, UNIT, uscc, name)
        n = await credit_notice(http, cid, uscc)
        assert (n["earliest_repair_date"], n["maximum_end"]) == ("2027-02-28", "2027-11-30")
