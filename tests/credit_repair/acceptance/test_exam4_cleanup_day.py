"""Fourth examiner's case: 信用松绑 on the very day a record's period under today's rules runs out.

Sources: SPEC §4 (clean-up runs apply the rules in force today and end publications that should no longer be
public: expired ones among them); docs/api/credit_repair.md §5 (`expired`: 超过公示期限 — under the record's own
or the current rules), §6a (停止公示日 = the first day no longer published); the sample's 2023 rule set (一般 up to
36 months) and the 2026-04 set (一般 up to 1 year), data/sample/credit_rules.json. Department XF is this file's
alone among the credit cases, so the run's counts are this case's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.credit_repair.acceptance.cases import API, decide, publication, record_of
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN
from tests.support.http import ok
from tests.support.stack import client, wait_for

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("working_calendar")]

W1 = "91210102MA5ELU4K42"  # 沈阳长青印刷包装有限公司


async def run(http: Any, request: dict[str, Any]) -> dict[str, Any]:
    started = ok(await http.post(f"{API}/cleanups", json=request, headers=ADMIN), 202)

    async def finished() -> Any:
        got = ok(await http.get(f"{API}/cleanups/{started['id']}", headers=ADMIN))
        return got if got["status"] in ("completed", "failed") else None

    got = dict(await wait_for(finished, timeout=30))
    assert got["status"] == "completed", got
    return got


class TestCleanupOnTheDay:
    async def test_one_year_under_todays_rules_ends_on_its_anniversary(self, credit: Credit) -> None:
        # 一般 decisions of 2025-12-06, 2025-12-07 and 2025-12-08 (the 2023 set: published to 2028-12-06/07/08).
        # Under today's set (一般 at most 1 year) their 停止公示日 are 2026-12-06, 2026-12-07 (today) and
        # 2026-12-08: the first two are no longer to be published today, the third is still public until
        # tomorrow. Dry run: 2 matched, both `expired`.
        days = (date(2025, 12, 6), date(2025, 12, 7), date(2025, 12, 8))
        ds = [(await decide(credit, party_uscc=W1, decided_on=d, department_code="XF"))[0] for d in days]
        async with client(credit.base) as http:
            request = {"dry_run": True, "department_codes": ["XF"]}
            dry = await run(http, request)
            assert (dry["matched"], dry["by_reason"]) == (2, {"expired": 2}), dry
            real = await run(http, {**request, "dry_run": False})
            assert real["matched"] == 2, real
        ended = [publication(await record_of(credit, d.case_id)) for d in ds]
        assert [p["active"] for p in ended] == [False, False, True], ended  # type: ignore[index]
