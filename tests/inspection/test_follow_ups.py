"""责令改正 follow-up through the running service (issue #14 item 6): an order to correct with a deadline creates
a follow-up due at the deadline; the department lists its follow-ups (due / overdue / done); the result closes
it — "not corrected" (only after the deadline, with evidence) is a violation found, a penalty lead as any
violation of a visit; an overdue one is published once as inspection.correction.follow_up_overdue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.common import clock
from services.common.db import transaction
from services.inspection.domain import follow_ups as fu
from services.inspection.domain import visits
from services.inspection.use_cases import follow_ups
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
)
from tests.support.http import ok, problem
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import client

EVIDENCE = "ab" * 32
SJ0 = officer(SJ[0], "SJ")


@pytest.fixture
def travel() -> Iterator[Any]:
    def to(days: int) -> None:
        clock.set_offset(timedelta(days=days))

    try:
        yield to
    finally:
        clock.reset()


async def ordered_visit(http: httpx.AsyncClient, days: int, requirement: str) -> dict[str, Any]:
    """A completed visit that ordered FOOD_ITEM corrected within ``days``."""
    code = await entry_code(http, KEY_AREA_TASK, caller=SJ[0], others=[SJ[1]])
    visit = ok(await check_in(http, code["code"]), 201)["visit"]
    outcome = {
        "item_code": FOOD_ITEM,
        "outcome": "ordered_to_correct",
        "description": requirement,
        "correction_deadline": str(clock.today() + timedelta(days=days)),
    }
    ok(
        await http.post(
            f"{API}/visits/{visit['visit_id']}/outcomes", json={"outcomes": [outcome]}, headers=SJ0
        )
    )
    ok(await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=SJ0))
    return dict(visit)


async def listed(http: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    return list(
        ok(await http.get(f"{API}/follow-ups", params={"limit": 200, **params}, headers=headers))["items"]
    )


async def publish(env: Env) -> int:
    async with transaction(env.svc.runtime.factory) as session:
        return await follow_ups.publish_overdue(session)


class TestFollowUp:
    async def test_due_overdue_published_once_and_not_corrected_becomes_a_lead(
        self, env: Env, travel: Any
    ) -> None:
        async with client(env.url) as http:
            visit = await ordered_visit(http, 10, "补建进货查验记录台账")
            fid = str(fu.follow_up_id(visit["visit_id"], FOOD_ITEM))
            due_on = str(clock.today() + timedelta(days=10))
            due = {f["follow_up_id"]: f for f in await listed(http, SJ0, state="due")}
            assert fid in due, due
            assert (due[fid]["due_on"], due[fid]["state"], due[fid]["requirement"]) == (
                due_on,
                "due",
                "补建进货查验记录台账",
            )
            assert fid not in {f["follow_up_id"] for f in await listed(http, SJ0, overdue="true")}
            # another department neither lists nor reads it
            assert fid not in {f["follow_up_id"] for f in await listed(http, officer(XF[0], "XF"))}
            problem(
                await http.get(f"{API}/follow-ups/{fid}", headers=officer(XF[0], "XF")),
                404,
                "FOLLOW_UP_NOT_FOUND",
            )
            result = f"{API}/follow-ups/{fid}/result"
            early = {
                "corrected": False,
                "checked_on": str(clock.today()),
                "notes": "未改正",
                "evidence_sha256": [EVIDENCE],
            }
            body = problem(await http.post(result, json=early, headers=SJ0), 409, "FOLLOW_UP_CONFLICT")
            assert due_on in body["detail"]  # not corrected only after the deadline
            await publish(env)  # not overdue yet: nothing published for it
            assert fid not in {
                e["data"]["follow_up_id"] for e in await env.events("inspection.correction.follow_up_overdue")
            }

            travel(11)  # the deadline was yesterday
            overdue = {f["follow_up_id"]: f for f in await listed(http, supervisor(), overdue="true")}
            assert overdue[fid]["state"] == "overdue"
            assert await publish(env) >= 1
            await publish(env)  # a second run publishes nothing again for it
            published = [
                e
                for e in await env.events("inspection.correction.follow_up_overdue")
                if e["data"]["follow_up_id"] == fid
            ]
            assert len(published) == 1
            assert {
                k: published[0]["data"][k] for k in ("visit_id", "item_code", "department_code", "due_on")
            } == {
                "visit_id": visit["visit_id"],
                "item_code": FOOD_ITEM,
                "department_code": "SJ",
                "due_on": due_on,
            }
            assert published[0]["data"]["detected_on"] == str(clock.today())

            checked = str(clock.today())
            no_evidence = {"corrected": False, "checked_on": checked, "notes": "仍未建立台账"}
            problem(await http.post(result, json=no_evidence, headers=SJ0), 409, "FOLLOW_UP_CONFLICT")
            problem(
                await http.post(
                    result, json={**no_evidence, "evidence_sha256": [EVIDENCE]}, headers=supervisor()
                ),
                403,
                "ROLE_FORBIDDEN",
            )
            closed = ok(
                await http.post(result, json={**no_evidence, "evidence_sha256": [EVIDENCE]}, headers=SJ0)
            )
            problem(
                await http.post(result, json={**no_evidence, "evidence_sha256": [EVIDENCE]}, headers=SJ0),
                409,
                "FOLLOW_UP_CONFLICT",
            )
            done = {f["follow_up_id"] for f in await listed(http, admin(), state="done")}
        assert (closed["status"], closed["state"], closed["checked_on"], closed["closed_by"]) == (
            "not_corrected",
            "done",
            checked,
            SJ[0],
        )
        assert fid in done
        violation_id = str(visits.violation_id(fu.violation_key(closed["follow_up_id"])))
        assert closed["violation_id"] == violation_id
        leads = [
            e
            for e in await env.events("inspection.violation.found")
            if e["data"]["violation_id"] == violation_id
        ]
        assert len(leads) == 1
        data = leads[0]["data"]
        assert (data["visit_id"], data["item_code"], data["enterprise_uscc"], data["evidence_hashes"]) == (
            visit["visit_id"],
            FOOD_ITEM,
            ENTERPRISE,
            [EVIDENCE],
        )
        assert data["description"].startswith(f"责令改正逾期未改正（改正期限{due_on}")

    async def test_corrected_closes_it_without_a_lead(self, env: Env) -> None:
        async with client(env.url) as http:
            visit = await ordered_visit(http, 5, "更换过期灭菌设备")
            fid = str(fu.follow_up_id(visit["visit_id"], FOOD_ITEM))
            result = f"{API}/follow-ups/{fid}/result"
            problem(
                await http.post(
                    result,
                    json={
                        "corrected": True,
                        "checked_on": str(clock.today() + timedelta(days=1)),
                        "notes": "已改正",
                    },
                    headers=SJ0,
                ),
                409,
                "FOLLOW_UP_CONFLICT",
            )
            closed = ok(
                await http.post(
                    result,
                    json={
                        "corrected": True,
                        "checked_on": str(clock.today()),
                        "notes": "已更换",
                        "visit_id": visit["visit_id"],
                    },
                    headers=SJ0,
                )
            )
            read = ok(await http.get(f"{API}/follow-ups/{fid}", headers=supervisor("210102")))
        assert (closed["status"], closed["violation_id"], closed["result_visit_id"]) == (
            "corrected",
            None,
            visit["visit_id"],
        )
        assert read == closed
