"""A fine nobody pays, end to end through the gateway with the real penalty and credit repair services on real
NATS: decision received 2026-03-02 → not paid by 03-17 → 催告书 (行政强制法 第三十五条, 第五十四条) issued and
delivered 03-18 → the application to the court refused before the window (第五十三条) → on 09-03, the first
day of the window, the 强制执行申请书 (第五十五条); every document rendered as HTML and as PDF.

The dates, by hand: 60 days for reconsideration from 03-02 end on 05-01, a holiday, so 05-06 (行政复议法 第二十条,
民事诉讼法 第八十五条); six months to sue end on 09-02 (行政诉讼法 第四十六条); the window runs from 09-03 to three
months after 09-02, 12-02.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from services.common import clock
from services.common.embedded import EmbeddedNats
from tests.penalty.helpers import SJ_A, USCC_A, pin_clock
from tests.penalty.test_enforcement import decided_case
from tests.support.http import ok, problem
from tests.support.personas import enterprise, officer
from tests.support.platform import Platform, running_platform
from tests.support.stack import Stack, client, wait_for

PENALTY = "/api/v1/penalty"
OFFICER = officer(**SJ_A)
PARTY = enterprise(USCC_A)


@pytest.fixture(scope="module")
async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
    async with running_platform(
        stack,
        ("penalty", "credit_repair"),
        nats=nats_server,
        gateway=True,
        settings={"penalty": {"deadline_scan_enabled": False}},
    ) as running:
        yield running


@pytest.mark.slow
async def test_unpaid_decision_to_the_court(platform: Platform) -> None:
    pin_clock(date(2026, 3, 2))
    try:
        async with client(platform.gateway.url) as http:
            decided = await decided_case(http, date(2026, 3, 2))
            cid = decided["id"]
            body = {"method": "direct", "recipient": "当事人法定代表人"}

            async def deliverable() -> dict[str, Any] | None:
                r = await http.post(f"{PENALTY}/cases/{cid}/delivery", json=body, headers=OFFICER)
                if r.status_code == 409:
                    return None  # 两书同达: the credit repair notice is on its way (credit.notice.issued)
                return ok(r)  # type: ignore[no-any-return]

            await wait_for(deliverable, timeout=30)
            view = ok(await http.get(f"{PENALTY}/cases/{cid}/enforcement", headers=PARTY))
            dates = {x["key"]: x["on"] for x in view["dates"]}
            assert (dates["reconsideration_ends"], dates["litigation_ends"]) == ("2026-05-06", "2026-09-02")
            assert (dates["window_opens"], dates["window_closes"]) == ("2026-09-03", "2026-12-02")

            # nobody pays by 03-17: the decision is in default from 03-18 (行政处罚法 第七十二条第一款)
            pin_clock(date(2026, 3, 18))
            view = ok(
                await http.post(f"{PENALTY}/cases/{cid}/enforcement/reminder", json={}, headers=OFFICER), 201
            )
            assert view["stage"] == "reminded"
            delivery = {"method": "direct", "recipient": "当事人法定代表人"}
            path = f"{PENALTY}/cases/{cid}/enforcement/reminder/delivery"
            view = ok(await http.post(path, json=delivery, headers=OFFICER))
            assert view["application_from"] == "2026-09-03"

            # too early: the party's periods have not run out (第五十三条)
            pin_clock(date(2026, 6, 1))
            r = await http.post(
                f"{PENALTY}/cases/{cid}/enforcement/court-application", json={}, headers=OFFICER
            )
            problem(r, 409, "ENFORCEMENT_NOT_DUE")

            pin_clock(date(2026, 9, 3))
            path = f"{PENALTY}/cases/{cid}/enforcement/court-application"
            view = ok(await http.post(path, json={}, headers=OFFICER), 201)
            assert view["stage"] == "applied" and view["application"]["court"]
            documents = {d["kind"]: d for d in view["documents"]}
            assert set(documents) == {"enforcement_reminder", "court_application"}
            reminder_html = (
                await http.get(documents["enforcement_reminder"]["html_url"], headers=PARTY)
            ).text
            assert "催告书" in reminder_html and "陈述和申辩" in reminder_html  # 第三十五条第四项
            application_html = (
                await http.get(documents["court_application"]["html_url"], headers=OFFICER)
            ).text
            assert "强制执行申请书" in application_html and "第五十五条" in application_html
            for doc in documents.values():
                pdf = await http.get(doc["pdf_url"], headers=OFFICER)
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    finally:
        clock.reset()
