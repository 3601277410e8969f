"""A decided case's reads on a day at the ends of the calendar (``?on=``) answer, never a 500: the query's day is
any ISO date (services/penalty/deps.py ``SurchargeDay``), and tests/test_cursors.py's probe reaches these
routes only up to the case lookup (its databases are empty)."""

from __future__ import annotations

import pytest

from tests.penalty.helpers import SJ_A, to_decided
from tests.support.personas import admin
from tests.support.stack import Running, client

API = "/api/v1/penalty"


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01"])
async def test_a_decided_cases_reads_on_the_last_and_first_day(penalty: Running, on: str) -> None:
    wrong = []
    async with client(penalty.url) as http:
        case_id = (await to_decided(http, who=SJ_A))["id"]
        for read in ("surcharge", "payment-plan", "enforcement"):
            r = await http.get(f"{API}/cases/{case_id}/{read}", params={"on": on}, headers=admin())
            if r.status_code >= 500 or (r.status_code >= 400 and r.status_code != 422):
                wrong.append(f"{read}?on={on}: {r.status_code} {r.text[:300]}")
    assert not wrong, "\n".join(wrong)
