"""The sweep (use_cases.sweep, the ``sweep`` job and ``POST /admin/sweep``): publications end on the day their
maximum period has run, once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.credit_repair.models import Publication
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, YUAN, apply, end_of
from tests.support.contracts import decision_issued
from tests.support.stack import client


class TestSweep:
    async def test_ends_publications_at_their_maximum(self, credit: Credit, reset_clock: None) -> None:
        d = decision_issued(fine_fen=80_000 * YUAN, decided_on=clock.today() - timedelta(days=30))
        await apply(credit.factory, d)
        async with transaction(credit.factory) as s:
            pub = (await s.scalars(sa.select(Publication).where(Publication.case_id == d.case_id))).one()
        async with client(credit.base, headers=ADMIN) as http:
            before = (await http.post("/api/v1/credit/admin/sweep")).json()
            clock.set_offset(timedelta(days=(pub.max_ends_on - clock.today()).days))
            at_end = (await http.post("/api/v1/credit/admin/sweep")).json()
            again = (await http.post("/api/v1/credit/admin/sweep")).json()
        end = await end_of(credit.factory, pub.id)
        assert before["as_of"] < at_end["as_of"] == pub.max_ends_on.isoformat()
        assert end is not None and (end.reason, end.ended_on) == ("expired", pub.max_ends_on)
        assert at_end["ended"] >= 1 and again["ended"] == 0
