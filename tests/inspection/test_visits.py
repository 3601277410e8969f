"""During and after the visit (SPEC §2.4): outcomes, checkout and its events, the rating and its anonymity,
the lists of each role, and the supervisors' frequency views (with hand-counted expectations)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.common.tables import audit_t
from services.inspection import models as m
from services.inspection.use_cases import entry
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    KEY_AREA_TASK,
    SJ,
    XF,
    Env,
    check_in,
    entry_code,
    new_task,
)
from tests.support.http import ok
from tests.support.personas import admin, enterprise, officer, supervisor
from tests.support.stack import client

EVIDENCE = ["a3" * 32, "0f" * 32]


async def started_visit(http: Any, items: list[str] | None = None, uscc: str = ENTERPRISE) -> dict[str, Any]:
    if items is not None and items != [FOOD_ITEM]:
        task = await new_task(http, items=items, enterprises=[uscc])
        code = await entry_code(http, task["task_id"], uscc=uscc, items=items)
    else:
        code = await entry_code(http, KEY_AREA_TASK, uscc=uscc)
    return dict(ok(await check_in(http, code["code"], uscc=uscc), 201)["visit"])


class TestOutcomesAndCheckout:
    async def test_violation_found_carries_what_the_penalty_service_needs(self, env: Env) -> None:
        items = [FOOD_ITEM, "SJ-SP-007", "SJ-SP-011"]
        async with client(env.url) as http:
            visit = await started_visit(http, items)
            outcomes = {
                "outcomes": [
                    {"item_code": FOOD_ITEM, "outcome": "compliant"},
                    {
                        "item_code": "SJ-SP-007",
                        "outcome": "violation",
                        "description": "未按规定查验出厂检验记录，抽查3批次均无记录",
                        "evidence_sha256": [e.upper() for e in EVIDENCE],
                    },
                    {
                        "item_code": "SJ-SP-011",
                        "outcome": "ordered_to_correct",
                        "description": "补建食品安全自查记录",
                        "correction_deadline": str(clock.today() + timedelta(days=15)),
                    },
                ]
            }
            recorded = ok(
                await http.post(
                    f"{API}/visits/{visit['visit_id']}/outcomes", json=outcomes, headers=officer(SJ[1], "SJ")
                )
            )
            assert [o["outcome"] for o in recorded["outcomes"]] == [
                "compliant",
                "violation",
                "ordered_to_correct",
            ]
            assert recorded["outcomes"][1]["evidence_sha256"] == EVIDENCE  # normalised to lower case
            done = ok(
                await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(SJ[0], "SJ"))
            )
        assert done["status"] == "completed" and done["rating_due_at"]
        completed = await env.events("inspection.visit.completed", visit_id=visit["visit_id"])
        assert len(completed) == 1
        assert completed[0]["data"]["outcomes"] == {
            "compliant": 1,
            "violation": 1,
            "ordered_to_correct": 1,
            "educated": 0,
        }
        found = await env.events("inspection.violation.found", visit_id=visit["visit_id"])
        assert len(found) == 1  # one per violating item
        data = found[0]["data"]
        assert {k: data[k] for k in data if k not in ("violation_id", "found_at")} == {
            "visit_id": visit["visit_id"],
            "enterprise_uscc": ENTERPRISE,
            "enterprise_name": "沈阳广源食品有限公司",
            "item_code": "SJ-SP-007",
            "item_name": "对食品生产企业出厂检验记录制度落实情况的检查",
            "legal_basis": data["legal_basis"],
            "description": "未按规定查验出厂检验记录，抽查3批次均无记录",
            "evidence_hashes": EVIDENCE,
            "officer_cert_nos": [SJ[0], SJ[1]],
            "department_code": "SJ",
            "district_code": "210102",
        }
        assert data["legal_basis"].startswith("《中华人民共和国食品安全法》")
        assert found[0]["subject"] == data["violation_id"]

    async def test_checkout_needs_every_outcome_and_an_officer_of_the_visit(self, env: Env) -> None:
        async with client(env.url) as http:
            visit = await started_visit(http)
            r = await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(SJ[0], "SJ"))
            assert (r.status_code, r.json()["code"]) == (409, "OUTCOMES_MISSING")
            stranger = await http.post(
                f"{API}/visits/{visit['visit_id']}/outcomes",
                json={"outcomes": [{"item_code": FOOD_ITEM, "outcome": "compliant"}]},
                headers=officer(SJ[4], "SJ"),  # same department, not at this visit
            )
            assert (stranger.status_code, stranger.json()["code"]) == (403, "OFFICER_NOT_IN_VISIT")
            other_dept = await http.post(
                f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(XF[0], "XF")
            )
            assert other_dept.status_code == 404
            bad = await http.post(
                f"{API}/visits/{visit['visit_id']}/outcomes",
                json={
                    "outcomes": [{"item_code": FOOD_ITEM, "outcome": "violation", "description": "无证据"}]
                },
                headers=officer(SJ[0], "SJ"),
            )
            assert (bad.status_code, bad.json()["code"]) == (422, "INVALID_OUTCOME")
            wrong_item = await http.post(
                f"{API}/visits/{visit['visit_id']}/outcomes",
                json={"outcomes": [{"item_code": "SJ-SP-002", "outcome": "compliant"}]},
                headers=officer(SJ[0], "SJ"),
            )
            assert (wrong_item.status_code, wrong_item.json()["code"]) == (422, "ITEM_NOT_IN_VISIT")
            ok(
                await http.post(
                    f"{API}/visits/{visit['visit_id']}/outcomes",
                    json={
                        "outcomes": [
                            {
                                "item_code": FOOD_ITEM,
                                "outcome": "educated",
                                "description": "讲解许可证公示要求",
                            }
                        ]
                    },
                    headers=officer(SJ[0], "SJ"),
                )
            )
            ok(await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(SJ[0], "SJ")))
            again = await http.post(
                f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(SJ[0], "SJ")
            )
            assert (again.status_code, again.json()["code"]) == (409, "VISIT_NOT_IN_PROGRESS")


async def completed_visit(http: Any) -> dict[str, Any]:
    visit = await started_visit(http)
    ok(
        await http.post(
            f"{API}/visits/{visit['visit_id']}/outcomes",
            json={"outcomes": [{"item_code": FOOD_ITEM, "outcome": "compliant"}]},
            headers=officer(SJ[0], "SJ"),
        )
    )
    return dict(
        ok(await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(SJ[0], "SJ")))
    )


class TestRating:
    async def test_rating_within_seven_days_once(self, env: Env) -> None:
        async with client(env.url) as http:
            open_visit = await started_visit(http)
            r = await http.post(
                f"{API}/visits/{open_visit['visit_id']}/rating",
                json={"stars": 5},
                headers=enterprise(ENTERPRISE),
            )
            assert (r.status_code, r.json()["code"]) == (409, "VISIT_NOT_COMPLETED")
            visit = await completed_visit(http)
            rating = {"stars": 4, "tags": ["规范", "高效"], "comment": "出示证件，检查有序"}
            rated = ok(
                await http.post(
                    f"{API}/visits/{visit['visit_id']}/rating", json=rating, headers=enterprise(ENTERPRISE)
                )
            )
            assert rated["rating"]["stars"] == 4 and rated["rating"]["tags"] == ["规范", "高效"]
            r = await http.post(
                f"{API}/visits/{visit['visit_id']}/rating", json=rating, headers=enterprise(ENTERPRISE)
            )
            assert (r.status_code, r.json()["code"]) == (409, "ALREADY_RATED")
            r = await http.post(
                f"{API}/visits/{visit['visit_id']}/rating", json=rating, headers=officer(SJ[0], "SJ")
            )
            assert r.status_code == 403
            r = await http.post(
                f"{API}/visits/{visit['visit_id']}/rating", json={"stars": 6}, headers=enterprise(ENTERPRISE)
            )
            assert r.status_code == 422
            r = await http.post(
                f"{API}/visits/{visit['visit_id']}/rating",
                json={"stars": 3, "tags": ["好"]},
                headers=enterprise(ENTERPRISE),
            )
            assert r.status_code == 422
        events = await env.events("inspection.visit.rated", visit_id=visit["visit_id"])
        assert (
            len(events) == 1 and events[0]["data"]["stars"] == 4 and events[0]["data"]["anonymous"] is False
        )

    async def test_rating_window_closes_after_seven_days(self, env: Env) -> None:
        async with client(env.url) as http:
            visit = await completed_visit(http)
            clock.set_offset(timedelta(days=7, minutes=1))
            try:
                r = await http.post(
                    f"{API}/visits/{visit['visit_id']}/rating",
                    json={"stars": 2},
                    headers=enterprise(ENTERPRISE),
                )
            finally:
                clock.reset()
        assert (r.status_code, r.json()["code"]) == (409, "RATING_WINDOW_CLOSED")

    async def test_anonymous_rating_is_hidden_from_the_department_not_from_supervisors(
        self, env: Env
    ) -> None:
        async with client(env.url) as http:
            visit = await completed_visit(http)
            rating = {
                "stars": 1,
                "tags": ["索要财物"],
                "comment": "检查人员暗示购买指定产品",
                "anonymous": True,
            }
            ok(
                await http.post(
                    f"{API}/visits/{visit['visit_id']}/rating", json=rating, headers=enterprise(ENTERPRISE)
                )
            )
            as_officer = ok(await http.get(f"{API}/visits/{visit['visit_id']}", headers=officer(SJ[0], "SJ")))
            assert as_officer["rating"] is None and as_officer["rating_due_at"] is not None  # looks unrated
            as_supervisor = ok(await http.get(f"{API}/visits/{visit['visit_id']}", headers=supervisor()))
            assert (
                as_supervisor["rating"]["stars"] == 1
                and as_supervisor["rating"]["rated_by"] == f"ent-{ENTERPRISE}"
            )
            as_enterprise = ok(
                await http.get(f"{API}/visits/{visit['visit_id']}", headers=enterprise(ENTERPRISE))
            )
            assert as_enterprise["rating"]["anonymous"] is True
            dept = ok(await http.get(f"{API}/ratings", headers=officer(SJ[0], "SJ"), params={"limit": 200}))
            mine = [r for r in dept["items"] if r["comment"] == rating["comment"]]
            assert len(mine) == 1 and mine[0]["visit_id"] is None and mine[0]["enterprise_uscc"] is None
            assert mine[0]["rated_by"] is None
            sup = ok(await http.get(f"{API}/ratings", headers=supervisor(), params={"limit": 200}))
            seen = [r for r in sup["items"] if r["comment"] == rating["comment"]]
            assert seen[0]["visit_id"] == visit["visit_id"] and seen[0]["enterprise_uscc"] == ENTERPRISE


class TestLists:
    async def test_each_role_sees_its_own(self, env: Env) -> None:
        async with client(env.url) as http:
            visit = await started_visit(http)
            mine = ok(await http.get(f"{API}/visits", headers=officer(SJ[1], "SJ"), params={"limit": 200}))
            assert visit["visit_id"] in {v["visit_id"] for v in mine["items"]}
            assert all(SJ[1] in [o["cert_no"] for o in v["officers"]] for v in mine["items"])
            not_mine = ok(
                await http.get(f"{API}/visits", headers=officer(SJ[5], "SJ"), params={"limit": 200})
            )
            assert visit["visit_id"] not in {v["visit_id"] for v in not_mine["items"]}
            dept = ok(
                await http.get(
                    f"{API}/visits",
                    headers=officer(SJ[5], "SJ"),
                    params={"scope": "department", "limit": 200},
                )
            )
            assert visit["visit_id"] in {v["visit_id"] for v in dept["items"]}
            xf = ok(
                await http.get(f"{API}/visits", headers=officer(XF[0], "XF"), params={"scope": "department"})
            )
            assert visit["visit_id"] not in {v["visit_id"] for v in xf["items"]}
            heping = ok(await http.get(f"{API}/visits", headers=supervisor("210102"), params={"limit": 200}))
            assert all(v["district_code"] == "210102" for v in heping["items"]) and heping["items"]
            shenhe = ok(await http.get(f"{API}/visits", headers=supervisor("210103"), params={"limit": 200}))
            assert visit["visit_id"] not in {v["visit_id"] for v in shenhe["items"]}
            r = await http.get(f"{API}/visits/{visit['visit_id']}", headers=supervisor("210103"))
            assert r.status_code == 404

    async def test_cursor_pagination_walks_every_visit_once(self, env: Env) -> None:
        async with client(env.url) as http:
            seen: list[str] = []
            cursor = None
            while True:
                params: dict[str, Any] = {"limit": 3}
                if cursor:
                    params["cursor"] = cursor
                page = ok(await http.get(f"{API}/visits", headers=enterprise(ENTERPRISE), params=params))
                seen += [v["visit_id"] for v in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            everything = ok(
                await http.get(f"{API}/visits", headers=enterprise(ENTERPRISE), params={"limit": 200})
            )
            assert seen == [v["visit_id"] for v in everything["items"]] and len(set(seen)) == len(seen)
            r = await http.get(
                f"{API}/visits", headers=enterprise(ENTERPRISE), params={"cursor": "not-a-cursor"}
            )
            assert (r.status_code, r.json()["code"]) == (400, "INVALID_CURSOR")


class TestAuditOfVisits:
    async def test_the_auditor_appends_every_visit_start_to_the_chain(self, env: Env) -> None:
        async with client(env.url) as http:
            visit = await started_visit(http)
            async with transaction(env.svc.runtime.factory) as session:
                await entry.audit_visit_starts(session)
            report = ok(await http.get(f"{API}/audit/verify", headers=admin()))
        assert report["valid"] is True
        visit_id = uuid.UUID(visit["visit_id"])
        # out of the auditor's queue, and the visit's row is the check-in's own version: the audit wrote
        # nothing to it (its xmin is still the check-in's transaction, which wrote visit_key's row too)
        assert await env.scalar(sa.select(sa.func.count()).where(m.VisitUnaudited.visit_id == visit_id)) == 0
        versions = await env.rows(
            sa.select(sa.text("visit.xmin::text"), sa.text("visit_key.xmin::text"))
            .select_from(m.Visit)
            .join(m.VisitKey, m.VisitKey.visit_id == m.Visit.visit_id)
            .where(m.Visit.visit_id == visit_id)
        )
        assert len(versions) == 1 and versions[0][0] == versions[0][1]

        entries = await env.rows(
            sa.select(audit_t.c.action, audit_t.c.actor).where(
                audit_t.c.entity_type == "visit", audit_t.c.entity_id == visit["visit_id"]
            )
        )
        assert entries == [("visit.started.entry_code", f"ent-{ENTERPRISE}")]

    async def test_batches_interleaved_with_single_appends_keep_one_valid_chain(self, env: Env) -> None:
        async with client(env.url) as http:
            first = [await started_visit(http) for _ in range(3)]
            ok(
                await http.post(
                    f"{API}/quiet-windows",
                    json={"starts_on": "2027-01-01", "ends_on": "2027-01-02", "reason": "元旦"},
                    headers=admin(),
                ),
                201,
            )
            second = [await started_visit(http) for _ in range(2)]
            async with transaction(env.svc.runtime.factory) as session:
                await entry.audit_visit_starts(session)  # whatever the service's own auditor has not done yet
            report = ok(await http.get(f"{API}/audit/verify", headers=admin()))
        assert report["valid"] is True
        ids = [v["visit_id"] for v in first + second]
        seqs = await env.rows(
            sa.select(audit_t.c.entity_id, audit_t.c.seq, audit_t.c.request_id).where(
                audit_t.c.entity_id.in_(ids)
            )
        )
        assert {e for e, _, _ in seqs} == set(ids) and all(
            rid for _, _, rid in seqs
        )  # the check-in's request id
