"""The supervisors' views (SPEC §2.4) through the running service: visits per enterprise and department,
over-cap enterprises, year on year, the joint share and the summary (expected counts worked by hand), and
the refused entries by code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.common import clock
from services.inspection import models as m
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    KEY_AREA_TASK,
    SJ,
    Env,
    make_uscc,
    new_task,
)
from tests.support.http import ok
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import client


class TestSupervision:
    """Frequency views over a district of their own (210199) so the counts are known exactly."""

    async def seed(self, env: Env) -> list[str]:
        """Four enterprises of district 210199 and a hand-made history of visits (last year and this year)."""
        usccs = [make_uscc(9000 + n, "210199") for n in range(4)]
        async with client(env.url) as http:
            rows = [
                {"uscc": u, "name": f"沈阳统计样本{n}号有限公司", "district_code": "210199"}
                for n, u in enumerate(usccs)
            ]
            ok(await http.post(f"{API}/enterprises/bulk", json=rows, headers=admin()))
            task = await new_task(http, enterprises=usccs)
        year = clock.today().year
        this_year = datetime(year, 3, 1, 2, tzinfo=UTC)
        last_year = datetime(year - 1, 3, 1, 2, tzinfo=UTC)
        # (enterprise, kind, departments, mode, when)
        history = [
            (0, "random", ["SJ"], "entry_code", this_year),
            (0, "random", ["SJ"], "backfilled", this_year + timedelta(days=30)),  # a second capped SJ visit
            (0, "joint", ["SJ", "XF"], "entry_code", this_year + timedelta(days=60)),
            (1, "joint", ["SJ", "XF"], "enterprise_code", this_year),
            (1, "complaint", ["SJ"], "emergency", this_year + timedelta(days=5)),
            (2, "key_area", ["XF"], "entry_code", this_year),
            (0, "random", ["SJ"], "entry_code", last_year),
            (1, "random", ["SJ"], "entry_code", last_year),
            (2, "random", ["SJ"], "entry_code", last_year),
            (3, "random", ["XF"], "entry_code", last_year),
            (3, "joint", ["SJ", "XF"], "entry_code", last_year),
            (2, "random", ["XF"], "entry_code", last_year),
        ]
        async with env.svc.runtime.factory() as session, session.begin():
            for n, kind, depts, mode, when in history:
                session.add(
                    m.Visit(
                        visit_id=uuid.uuid4(),
                        task_id=uuid.UUID(task["task_id"]),
                        task_kind=kind,
                        uscc=usccs[n],
                        district_code="210199",
                        mode=mode,
                        status="completed",
                        started_at=when,
                        recorded_at=when,
                        completed_at=when,
                        reason="",
                        dept_codes=depts,
                        cert_nos=[SJ[0], SJ[1]],
                        officers=[],
                        accompanying=[],
                        item_codes=[FOOD_ITEM],
                        items=[],
                        started_by="history",
                    )
                )
        return usccs

    async def test_frequency_views(self, env: Env) -> None:
        usccs = await self.seed(env)
        year = clock.today().year
        scope = supervisor("210199")
        async with client(env.url) as http:
            rows = ok(await http.get(f"{API}/supervision/frequency", headers=scope, params={"year": year}))[
                "items"
            ]
            got = {(r["enterprise_uscc"], r["dept_code"]): (r["visits"], r["capped_visits"]) for r in rows}
            # enterprise 0: SJ random ×2 + joint → SJ 3 visits, all capped; XF 1 (the joint)
            # enterprise 1: joint (SJ, XF) capped; complaint (SJ) exempt → SJ 2 visits / 1 capped, XF 1/1
            # enterprise 2: key-area XF, exempt → XF 1/0
            assert got == {
                (usccs[0], "SJ"): (3, 3),
                (usccs[0], "XF"): (1, 1),
                (usccs[1], "SJ"): (2, 1),
                (usccs[1], "XF"): (1, 1),
                (usccs[2], "XF"): (1, 0),
            }
            over = ok(await http.get(f"{API}/supervision/over-cap", headers=scope, params={"year": year}))
            # cap 1 per department: enterprise 0 has 3 capped SJ visits; enterprise total cap 4 not exceeded (3)
            assert [
                (o["enterprise_uscc"], o["scope"], o["dept_code"], o["count"], o["limit"]) for o in over
            ] == [(usccs[0], "department", "SJ", 3, 1)]
            yoy = {
                r["dept_code"]: r
                for r in ok(
                    await http.get(f"{API}/supervision/year-on-year", headers=scope, params={"year": year})
                )
            }
            # SJ: last year 0,1,2 random + 3 joint = 4; this year 3 + 2 = 5 → +1, +250‰ = +25.0%
            assert (yoy["SJ"]["previous"], yoy["SJ"]["current"], yoy["SJ"]["text"]) == (4, 5, "+25.0%")
            # XF: last year 3 random, 3 joint, 2 random = 3; this year 0 joint, 1 joint, 2 key-area = 3 → 持平
            assert (yoy["XF"]["previous"], yoy["XF"]["current"], yoy["XF"]["text_zh"]) == (3, 3, "持平")
            # All visits (a joint visit once): last year 6, this year 6 → 0
            assert (yoy["*"]["previous"], yoy["*"]["current"]) == (6, 6)
            share = ok(await http.get(f"{API}/supervision/joint-share", headers=scope, params={"year": year}))
            # 2 joint of 6 visits this year = 333.3‰ → 333 (half away from zero) = 33.3%
            assert (share["joint"], share["total"], share["permille"], share["text"]) == (2, 6, 333, "33.3%")
            summary = ok(await http.get(f"{API}/supervision/summary", headers=scope, params={"year": year}))
            assert summary["visits"] == 6 and summary["over_cap"] == 1 and summary["scope"] == "210199"
            assert {r["mode"]: r["count"] for r in summary["by_mode"]} == {
                "entry_code": 3,
                "enterprise_code": 1,
                "emergency": 1,
                "backfilled": 1,
            }
            # another district's supervisor sees none of it; officers and enterprises are not supervisors
            other = ok(
                await http.get(
                    f"{API}/supervision/frequency", headers=supervisor("210103"), params={"year": year}
                )
            )
            assert not [r for r in other["items"] if r["enterprise_uscc"] in usccs]
            assert (
                await http.get(f"{API}/supervision/summary", headers=officer(SJ[0], "SJ"))
            ).status_code == 403

    async def test_refusals_by_code(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "task_id": KEY_AREA_TASK,
                "enterprise_uscc": ENTERPRISE,
                "officers": [],
                "item_codes": [FOOD_ITEM],
            }
            assert (
                await http.post(f"{API}/visits/entry-codes", json=body, headers=officer(SJ[0], "SJ"))
            ).status_code == 403
            counts = ok(await http.get(f"{API}/supervision/refusals", headers=supervisor()))
            row = next(r for r in counts if r["code"] == "TOO_FEW_OFFICERS")
            assert row["count"] >= 1 and row["title"] == "在场持证执法人员少于两人"
            listed = ok(
                await http.get(
                    f"{API}/refusals", headers=supervisor("210102"), params={"code": "TOO_FEW_OFFICERS"}
                )
            )
            assert listed["items"] and all(r["district_code"] == "210102" for r in listed["items"])
        stored = await env.scalar(sa.select(sa.func.count()).select_from(m.EntryRefusal))
        assert stored >= 1
