"""Examiner's cases: how publication ends (revocation, the maximum period, the clean-up), the public and
integration feeds, and what each role may not do.

Sources: 行政处罚法 第四十八条第二款 (a decision changed, revoked, confirmed illegal or void: its publication
is withdrawn within three days); SPEC §4 (ends at the maximum period, clean-up runs with a dry run and a report
by reason, the public feed masked); seed 000 二(二)3 (the clean-up of 超公示期限 records: 信用松绑); docs/api/
credit_repair.md §4-6.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from tests.credit_repair.acceptance.cases import API, TODAY, YUAN, decide, publication, record_of
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, SUPERVISOR_CITY, USCC_A, USCC_B, publish
from tests.support import personas
from tests.support.contracts import decision_issued, decision_revoked
from tests.support.http import ok, problem
from tests.support.stack import client, wait_for

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]


async def ended(credit: Credit, case_id: Any) -> dict[str, Any]:
    async def done() -> Any:
        pub = publication(await record_of(credit, case_id))
        return pub if pub and pub["active"] is False else None

    return dict(await wait_for(done))


class TestRevocation:
    @pytest.mark.parametrize("outcome", ["revoked", "confirmed_illegal", "confirmed_void"])
    async def test_ends_within_three_days(self, credit: Credit, outcome: str) -> None:
        d, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 10, 9))
        assert publication(record)["active"] is True  # type: ignore[index]
        await publish(credit.js, decision_revoked(d, outcome=outcome, revoked_on=TODAY))
        pub = await ended(credit, d.case_id)
        assert pub["end_reason"] == outcome, pub
        assert TODAY <= date.fromisoformat(pub["ended_on"]) <= TODAY + timedelta(days=3), pub

    async def test_revocation_arriving_before_its_decision(self, credit: Credit) -> None:
        d = decision_issued(party_uscc=USCC_B, decided_on=date(2026, 10, 12), benchmark_code="SY-SJ-EXRV")
        await publish(credit.js, decision_revoked(d, revoked_on=TODAY))
        await asyncio.sleep(0.5)
        await publish(credit.js, d)

        async def settled() -> Any:
            async with client(credit.base, headers=ADMIN) as http:
                items = ok(await http.get(f"{API}/records", params={"case_id": str(d.case_id)}))["items"]
            if not items:
                return None
            pub = publication(items[-1])
            return items[-1] if pub is None or pub["active"] is False else None

        record = await wait_for(settled)
        async with client(credit.base) as http:
            public = ok(await http.get("/public/credit/publications", params={"uscc": USCC_B, "limit": 200}))
        assert d.decision_no not in [i.get("decision_no") for i in public["items"]], record


class TestSweep:
    """The sample's 2023 rule set publishes 一般 for at most 36 months: a decision of 2023-12-05 reached its
    maximum on 2026-12-05, before today (2026-12-07); one of 2023-12-08 reaches it on 2026-12-08. The
    maximum's day is the 停止公示日, the first day no longer published (docs/api/credit_repair.md §6a): one of
    2023-12-07 is off publication today."""

    async def test_the_maximum_period_ends_publication(self, credit: Credit) -> None:
        old, _ = await decide(credit, party_uscc=USCC_A, decided_on=date(2023, 12, 5), department_code="CG")
        young, _ = await decide(credit, party_uscc=USCC_A, decided_on=date(2023, 12, 8), department_code="CG")
        due, _ = await decide(credit, party_uscc=USCC_A, decided_on=date(2023, 12, 7), department_code="CG")
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post(f"{API}/admin/sweep")
            assert r.status_code in (200, 202), r.text
        pub = await ended(credit, old.case_id)
        assert pub["end_reason"] == "expired", pub
        pub = await ended(credit, due.case_id)
        assert (pub["end_reason"], pub["ended_on"]) == ("expired", "2026-12-07"), pub
        still = publication(await record_of(credit, young.case_id))
        assert still is not None and still["active"] is True, still


class TestCleanup:
    """信用松绑 under the rules in force today: a 一般 decision of 2025-06-02 (the 2023 set: up to 36 months) has
    been public longer than today's 一般 maximum of 1 year (2026-06-02 < 2026-12-07): reason `expired`. One of
    2026-03-02 (today's maximum 2027-03-02) stays. Department WJ is this case's alone."""

    async def test_dry_run_then_real_run(self, credit: Credit) -> None:
        stale, _ = await decide(credit, party_uscc=USCC_B, decided_on=date(2025, 6, 2), department_code="WJ")
        fresh, _ = await decide(credit, party_uscc=USCC_B, decided_on=date(2026, 3, 2), department_code="WJ")
        request = {"dry_run": True, "department_codes": ["WJ"]}
        async with client(credit.base) as http:
            dry = await self.run(http, request, SUPERVISOR_CITY)
            assert (dry["matched"], dry["by_reason"], dry["by_department"]) == (
                1,
                {"expired": 1},
                {"WJ": 1},
            ), dry
            assert publication(await record_of(credit, stale.case_id))["active"] is True  # type: ignore[index]
            real = await self.run(http, {**request, "dry_run": False}, ADMIN)
            assert (real["matched"], real["by_reason"]) == (1, {"expired": 1}), real
            again = await self.run(http, {**request, "dry_run": False}, ADMIN)
            assert again["matched"] == 0, again
        pub = publication(await record_of(credit, stale.case_id))
        assert pub is not None and pub["active"] is False and pub["end_reason"] == "cleanup_expired", pub
        assert publication(await record_of(credit, fresh.case_id))["active"] is True  # type: ignore[index]

    @staticmethod
    async def run(http: Any, request: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        started = ok(await http.post(f"{API}/cleanups", json=request, headers=headers), 202)

        async def finished() -> Any:
            run = ok(await http.get(f"{API}/cleanups/{started['id']}", headers=headers))
            return run if run["status"] in ("completed", "failed") else None

        run = dict(await wait_for(finished, timeout=30))
        assert run["status"] == "completed", run
        return run

    async def test_a_supervisor_may_only_dry_run(self, credit: Credit) -> None:
        async with client(credit.base, headers=SUPERVISOR_CITY) as http:
            r = await http.post(f"{API}/cleanups", json={"dry_run": False})
        problem(r, 403, "CLEANUP_DRY_RUN_ONLY")

    async def test_an_enterprise_may_not_clean_up(self, credit: Credit) -> None:
        async with client(credit.base, headers=personas.enterprise(USCC_A)) as http:
            r = await http.post(f"{API}/cleanups", json={"dry_run": True})
        problem(r, 403, "ROLE_FORBIDDEN")

    async def test_unknown_reason(self, credit: Credit) -> None:
        async with client(credit.base, headers=ADMIN) as http:
            r = await http.post(f"{API}/cleanups", json={"dry_run": True, "reasons": ["too_old"]})
        problem(r, 422, "VALIDATION_FAILED")


class TestFeeds:
    async def test_public_list_masks_a_person(self, credit: Credit) -> None:
        # a natural person fined 6,000 yuan: 一般, published; the public sees 王** and no identifier
        d, record = await decide(
            credit, party_uscc=None, party_name="王小明", fine_fen=6_000 * YUAN, decided_on=date(2026, 11, 30)
        )
        assert record["published"] is True, record
        async with client(credit.base) as http:
            page = ok(await http.get("/public/credit/publications", params={"limit": 200}))
        mine = [i for i in page["items"] if i.get("decision_no") == d.decision_no]
        assert len(mine) == 1, page
        text = str(mine[0])
        assert "王小明" not in text and "210102********1234" not in text and "王**" in text, mine

    async def test_public_list_refuses_a_bad_uscc(self, credit: Credit) -> None:
        bad = USCC_A[:-1] + ("0" if USCC_A[-1] != "0" else "1")
        async with client(credit.base) as http:
            problem(
                await http.get("/public/credit/publications", params={"uscc": bad}), 422, "VALIDATION_FAILED"
            )

    async def test_integration_feed_has_start_then_end(self, credit: Credit) -> None:
        d, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 11, 16))
        await publish(credit.js, decision_revoked(d, revoked_on=TODAY))
        await ended(credit, d.case_id)
        pub_id = publication(record)["id"]  # type: ignore[index]
        kinds: list[tuple[str, Any]] = []
        async with client(credit.base, headers=personas.integration("creditchina")) as http:
            cursor = None
            while True:
                params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
                page = ok(await http.get(f"{API}/feed", params=params))
                kinds += [(i["kind"], i["reason"]) for i in page["items"] if i["publication_id"] == pub_id]
                if not page["has_more"]:
                    break
                cursor = page["next_cursor"]
        assert kinds == [("started", None), ("ended", "revoked")], kinds

    async def test_feed_needs_the_credit_platforms_scope(self, credit: Credit) -> None:
        async with client(credit.base, headers=personas.integration("12345")) as http:
            problem(await http.get(f"{API}/feed"), 403, "CLIENT_SCOPE_FORBIDDEN")
        async with client(credit.base, headers=personas.integration("creditchina")) as http:
            problem(await http.get(f"{API}/feed", params={"cursor": "zzzz"}), 400, "INVALID_CURSOR")

    async def test_enterprise_sees_only_its_own_record(self, credit: Credit) -> None:
        _, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 11, 17))
        async with client(credit.base, headers=personas.enterprise(USCC_B)) as http:
            problem(await http.get(f"{API}/records/{record['id']}"), 404, "CREDIT_RECORD_NOT_FOUND")
            problem(await http.get(f"{API}/records/not-a-uuid"), 422, "VALIDATION_FAILED")


class TestArrivingExpired:
    """A decision that arrives after its maximum period has already run (a 一般 decision of 2023-12-01 under
    the 2023 set: at most until 2026-12-01, before today 2026-12-07) is not shown to the public as current,
    sweep or no sweep: SPEC §4, "every published record leaves publication exactly when the rules say"."""

    async def test_not_listed_as_current(self, credit: Credit) -> None:
        d, record = await decide(
            credit, party_uscc=USCC_B, decided_on=date(2023, 12, 1), department_code="JT"
        )
        async with client(credit.base) as http:
            page = ok(await http.get("/public/credit/publications", params={"uscc": USCC_B, "limit": 200}))
        assert d.decision_no not in [i.get("decision_no") for i in page["items"]], (record, page)


class TestDistrictScope:
    async def test_a_district_supervisor_sees_only_the_district(self, credit: Credit) -> None:
        # the decision is of district 210102; a supervisor of 210103 gets 404, the city's sees it
        _, record = await decide(credit, party_uscc=USCC_A, decided_on=date(2026, 11, 18))
        async with client(credit.base) as http:
            other = await http.get(
                f"{API}/records/{record['id']}", headers=personas.supervisor("210103", sub="s-103")
            )
            problem(other, 404, "CREDIT_RECORD_NOT_FOUND")
            ok(await http.get(f"{API}/records/{record['id']}", headers=SUPERVISOR_CITY))


class TestCleanupKeepsLongRestrictions:
    """总局令第45号 第十三条第三款: a restriction longer than three years is published for its term. A 限制从业 of
    60 months decided 2023-06-01 is published until 2028-06-01; today's rules (严重 at most 36 months, which alone
    would have ended it on 2026-06-01) keep the same clause, so a clean-up today has nothing to end. A 36-month one
    decided 2023-06-02 has run its term (2026-06-02) and is ended as expired. Department YJ is this case's alone."""

    async def test_dry_run_matches_only_the_spent_one(self, credit: Credit) -> None:
        long, _ = await decide(
            credit,
            party_uscc=USCC_A,
            kinds=["employment_ban"],
            restriction_months=60,
            decided_on=date(2023, 6, 1),
            department_code="YJ",
        )
        spent, _ = await decide(
            credit,
            party_uscc=USCC_A,
            kinds=["employment_ban"],
            restriction_months=36,
            decided_on=date(2023, 6, 2),
            department_code="YJ",
        )
        assert publication(await record_of(credit, long.case_id))["max_ends_on"] == "2028-06-01"  # type: ignore[index]
        async with client(credit.base) as http:
            run = await TestCleanup.run(http, {"dry_run": True, "department_codes": ["YJ"]}, ADMIN)
        assert (run["matched"], run["by_reason"]) == (1, {"expired": 1}), run
