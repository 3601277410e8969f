"""Tasks (SPEC §2.2): the four kinds, approval before codes, the urgent complaint's 24 hours, completion,
and the public list and results of 双随机 tasks (一公开)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.inspection import models as m
from services.inspection import service
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    RANDOM_TASK,
    SJ,
    XF,
    Env,
    admin,
    check_in,
    entry_code,
    make_uscc,
    new_task,
    officer,
    ok,
    refused,
    supervisor,
)
from tests.support.stack import client

pytestmark = pytest.mark.asyncio(loop_scope="session")


def problem(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


class TestKinds:
    async def test_invalid_tasks_are_422_with_every_problem(self, env: Env) -> None:
        async with client(env.url) as http:
            cases = [
                {"kind": "joint", "lead_dept": "SJ", "item_codes": [FOOD_ITEM], "enterprises": [ENTERPRISE]},
                {
                    "kind": "complaint",
                    "lead_dept": "SJ",
                    "item_codes": [FOOD_ITEM],
                    "enterprises": [ENTERPRISE],
                },
                {
                    "kind": "key_area",
                    "lead_dept": "SJ",
                    "item_codes": ["SJ-JG-001"],
                    "enterprises": [ENTERPRISE],
                },
                {
                    "kind": "random",
                    "lead_dept": "SJ",
                    "item_codes": [],
                    "pool": {"district_codes": ["210102"]},
                },
                {
                    "kind": "key_area",
                    "lead_dept": "SJ",
                    "item_codes": [FOOD_ITEM],
                    "enterprises": [make_uscc(777)],
                },
                {
                    "kind": "key_area",
                    "lead_dept": "SJ",
                    "item_codes": [FOOD_ITEM],
                    "enterprises": [ENTERPRISE],
                    "urgent": True,
                },
                {
                    "kind": "key_area",
                    "lead_dept": "SJ",
                    "item_codes": ["XF-JD-001"],
                    "enterprises": [ENTERPRISE],
                },
            ]
            for body in cases:
                r = await http.post(f"{API}/tasks", json={"title": "无效任务", **body}, headers=officer())
                assert r.status_code == 422, (body, r.text)
                assert r.json()["code"] in ("INVALID_TASK", "VALIDATION_FAILED"), r.text

    async def test_an_officer_creates_tasks_for_their_own_department_only(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "kind": "key_area",
                "title": "越权",
                "lead_dept": "SJ",
                "item_codes": [FOOD_ITEM],
                "enterprises": [ENTERPRISE],
            }
            assert problem(await http.post(f"{API}/tasks", json=body, headers=officer(XF[0], "XF"))) == (
                403,
                "NOT_YOUR_DEPARTMENT",
            )

    async def test_joint_task_counts_for_each_department_and_is_visible_to_both(self, env: Env) -> None:
        async with client(env.url) as http:
            joint = await new_task(http, kind="joint", dept_codes=["XF"], items=[FOOD_ITEM, "XF-JD-002"])
            assert joint["dept_codes"] == ["SJ", "XF"] and joint["status"] == "approved"
            seen = ok(await http.get(f"{API}/tasks/{joint['task_id']}", headers=officer(XF[0], "XF")))
            assert seen["enterprises"][0]["uscc"] == ENTERPRISE
            assert (
                await http.get(f"{API}/tasks/{joint['task_id']}", headers=officer("辽A-0052001", "YJ"))
            ).status_code == 404

    async def test_random_task_is_drawn_with_groups_of_two_certified_officers(self, env: Env) -> None:
        async with client(env.url) as http:
            task = ok(await http.get(f"{API}/tasks/{RANDOM_TASK}", headers=officer()))
        assert task["kind"] == "random" and task["draw_algorithm"] == "sha256-rank-v1"
        certified = set(SJ) | {"辽A-0012347", "辽A-0012348", "辽A-0012349", "辽A-0012350"}
        for member in task["enterprises"]:
            assert len(member["assigned_cert_nos"]) == 2 and set(member["assigned_cert_nos"]) <= certified
        assert task["district_codes"] == ["210102"]

    async def test_only_the_drawn_group_may_enter_for_a_random_task(self, env: Env) -> None:
        async with client(env.url) as http:
            task = ok(await http.get(f"{API}/tasks/{RANDOM_TASK}", headers=officer()))
            member = task["enterprises"][0]
            first, second = member["assigned_cert_nos"]
            outsider = next(c for c in SJ if c not in member["assigned_cert_nos"])
            r = await http.post(
                f"{API}/visits/entry-codes",
                json={
                    "task_id": RANDOM_TASK,
                    "enterprise_uscc": member["uscc"],
                    "officers": [outsider],
                    "item_codes": ["SJ-DJ-001"],
                },
                headers=officer(first),
            )
            detail = (await refused(env, r, "OFFICER_OUT_OF_AUTHORITY"))["detail"]
            assert "随机选派" in detail
            code = await entry_code(
                http, RANDOM_TASK, uscc=member["uscc"], caller=first, others=[second], items=["SJ-DJ-001"]
            )
            assert code["officer_cert_nos"] == [first, second]


class TestApproval:
    async def test_codes_need_approval_by_someone_else(self, env: Env) -> None:
        async with client(env.url) as http:
            task = await new_task(http, approve=False)
            tid = task["task_id"]
            assert task["status"] == "pending_approval"
            assert problem(await http.post(f"{API}/tasks/{tid}/approve", headers=officer())) == (
                403,
                "APPROVAL_NOT_ALLOWED",
            )
            head_of_other = officer(XF[0], "XF", dept_head=True)
            assert (await http.post(f"{API}/tasks/{tid}/approve", headers=head_of_other)).status_code == 404
            creator_as_head = officer(SJ[0], dept_head=True)  # the creator, now claiming to be the head
            r = await http.post(f"{API}/tasks/{tid}/approve", headers=creator_as_head)
            assert problem(r) == (403, "APPROVAL_NOT_ALLOWED") and "本人" in r.json()["detail"]
            assert (
                await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor("210103"))
            ).status_code == 404
            approved = ok(
                await http.post(f"{API}/tasks/{tid}/approve", headers=officer(SJ[2], dept_head=True))
            )
            assert approved["status"] == "approved" and approved["approved_by"] == f"officer-{SJ[2]}"
            assert problem(await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor())) == (
                409,
                "TASK_STATE_CONFLICT",
            )
            await entry_code(http, tid)

    async def test_reject_and_cancel_need_a_reason(self, env: Env) -> None:
        async with client(env.url) as http:
            task = await new_task(http, approve=False)
            tid = task["task_id"]
            assert problem(
                await http.post(f"{API}/tasks/{tid}/reject", json={"reason": " "}, headers=supervisor())
            ) == (422, "INVALID_TASK")
            rejected = ok(
                await http.post(
                    f"{API}/tasks/{tid}/reject",
                    json={"reason": "检查事项与企业经营范围不符"},
                    headers=supervisor(),
                )
            )
            assert (
                rejected["status"] == "rejected" and rejected["status_reason"] == "检查事项与企业经营范围不符"
            )
            other = await new_task(http)
            r = await http.post(
                f"{API}/tasks/{other['task_id']}/cancel",
                json={"reason": "企业已注销"},
                headers=officer(XF[0], "XF"),
            )
            assert r.status_code == 404
            cancelled = ok(
                await http.post(
                    f"{API}/tasks/{other['task_id']}/cancel", json={"reason": "企业已注销"}, headers=officer()
                )
            )
            assert cancelled["status"] == "cancelled"
            await refused(
                env,
                await http.post(
                    f"{API}/visits/entry-codes",
                    json={
                        "task_id": other["task_id"],
                        "enterprise_uscc": ENTERPRISE,
                        "officers": [SJ[1]],
                        "item_codes": [FOOD_ITEM],
                    },
                    headers=officer(),
                ),
                "TASK_NOT_APPROVED",
            )

    async def test_urgent_complaint_inspects_first_and_is_flagged_after_24_hours(self, env: Env) -> None:
        async with client(env.url) as http:
            task = await new_task(
                http, kind="complaint", approve=False, urgent=True, lead_id="12345-2026-1123-0042"
            )
            tid = task["task_id"]
            assert task["approval_due_at"] and not task["approval_overdue"]
            code = await entry_code(http, tid)  # before approval, within the window
            ok(await check_in(http, code["code"]), 201)
            clock.set_offset(timedelta(hours=25))
            try:
                async with transaction(env.svc.runtime.factory) as session:
                    flagged = await service.flag_overdue_approvals(session, cfg=env.svc.app.state.inspection)
                assert flagged >= 1
                late = await http.post(
                    f"{API}/visits/entry-codes",
                    json={
                        "task_id": tid,
                        "enterprise_uscc": ENTERPRISE,
                        "officers": [SJ[1]],
                        "item_codes": [FOOD_ITEM],
                    },
                    headers=officer(),
                )
                assert "24小时" in (await refused(env, late, "TASK_NOT_APPROVED"))["detail"]
                overdue = ok(await http.get(f"{API}/supervision/overdue-approvals", headers=supervisor()))
                assert tid in {t["task_id"] for t in overdue}
                approved = ok(await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor()))
                assert (
                    approved["status"] == "approved" and approved["approval_overdue"] is True
                )  # stays flagged
            finally:
                clock.reset()
        flagged_at = await env.scalar(sa.select(m.Task.approval_overdue_at).where(m.Task.task_id == tid))
        assert flagged_at is not None


class TestPublic:
    async def test_published_random_tasks_draws_and_results(self, env: Env) -> None:
        async with client(env.url) as http:
            listed = ok(await http.get("/public/inspection/tasks"))
            ids = {t["task_id"] for t in listed["items"]}
            assert RANDOM_TASK in ids
            one = ok(await http.get(f"/public/inspection/tasks/{RANDOM_TASK}"))
            assert one["department"] == "市场监管" and one["authority"] == "沈阳市市场监督管理局"
            assert [i["code"] for i in one["items"]] == ["SJ-DJ-001", "SJ-JG-001"] and one["enterprises"]
            assert one["draw_seed_commitment"] and len(one["draw_seed_commitment"]) == 64
            draw = ok(await http.get(f"/public/inspection/tasks/{RANDOM_TASK}/draw"))
            assert draw["verified"] and draw["recomputed_fingerprint"] == draw["fingerprint"]
            r = await http.get(f"/public/inspection/tasks/{RANDOM_TASK}/results")
            assert problem(r) == (404, "RESULTS_NOT_PUBLISHED")
            key_area = await new_task(http)
            assert (await http.get(f"/public/inspection/tasks/{key_area['task_id']}")).status_code == 404

    async def test_results_after_completion_with_masked_names(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "kind": "random",
                "title": "公开结果测试批次",
                "lead_dept": "SJ",
                "item_codes": ["SJ-DJ-001"],
                "pool": {"district_codes": ["210105"]},
                "seed": "公开结果测试-2026",
            }
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer()), 201)
            tid = task["task_id"]
            assert (
                await http.get(f"/public/inspection/tasks/{tid}")
            ).status_code == 404  # pending: not public
            draw = ok(await http.get(f"{API}/tasks/{tid}/draw", headers=officer()))  # the department sees it
            assert draw["verified"]
            ok(await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor()))
            member = task["enterprises"][0]
            a, b = member["assigned_cert_nos"]
            code = await entry_code(http, tid, uscc=member["uscc"], caller=a, others=[b], items=["SJ-DJ-001"])
            visit = ok(await check_in(http, code["code"], uscc=member["uscc"]), 201)["visit"]
            ok(
                await http.post(
                    f"{API}/visits/{visit['visit_id']}/outcomes",
                    json={"outcomes": [{"item_code": "SJ-DJ-001", "outcome": "compliant"}]},
                    headers=officer(a),
                )
            )
            ok(await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(a)))
            ok(await http.post(f"{API}/tasks/{tid}/complete", headers=officer()))
            results = ok(await http.get(f"/public/inspection/tasks/{tid}/results"))
        rows = {r["enterprise_uscc"]: r for r in results["rows"]}
        done = rows[member["uscc"]]
        assert done["inspected"] and done["result"] == "未发现问题"
        assert all(name.endswith("*") and len(name) >= 2 and "*" not in name[0] for name in done["officers"])
        assert {r["result"] for u, r in rows.items() if u != member["uscc"]} <= {"未检查"}

    async def test_a_tampered_stored_draw_no_longer_verifies(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "kind": "random",
                "title": "篡改检测",
                "lead_dept": "SJ",
                "item_codes": ["SJ-DJ-001"],
                "pool": {"district_codes": ["210104"]},
                "seed": "篡改检测-2026-种子",
            }
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer()), 201)
            ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
            async with env.svc.runtime.factory() as session, session.begin():
                row = await session.get(m.Task, task["task_id"])
                assert row is not None and row.draw_record is not None
                record = dict(row.draw_record)
                drawn = {a["uscc"] for a in record["assignments"]}
                other = next(p["uscc"] for p in record["pool"] if p["uscc"] not in drawn)
                record["assignments"] = [
                    dict(record["assignments"][0], uscc=other),
                    *record["assignments"][1:],
                ]
                row.draw_record = record
            draw = ok(await http.get(f"/public/inspection/tasks/{task['task_id']}/draw"))
        assert draw["verified"] is False

    async def test_the_catalogue_is_public(self, env: Env) -> None:
        async with client(env.url) as http:
            page = ok(await http.get("/public/inspection/items", params={"dept_code": "SJ", "limit": 200}))
        codes = [i["code"] for i in page["items"]]
        assert FOOD_ITEM in codes and all(c.startswith("SJ-") for c in codes) and codes == sorted(codes)


async def test_admin_is_no_approver(env: Env) -> None:
    async with client(env.url) as http:
        task = await new_task(http, approve=False, creator=admin())
        assert problem(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=admin())) == (
            403,
            "ROLE_FORBIDDEN",
        )
