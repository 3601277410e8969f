"""Tasks (SPEC §2.2): the four kinds, approval before codes, the urgent complaint's 24 hours, completion,
and the public list and results of 双随机 tasks (一公开)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from services.common import clock
from services.common.db import transaction
from services.inspection import models as m
from services.inspection.use_cases import tasks
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    RANDOM_TASK,
    SJ,
    XF,
    Env,
    check_in,
    entry_code,
    make_uscc,
    new_task,
    refused,
)
from tests.support.http import ok, problem
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import client


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
                {  # a 双随机 draw is not a visit the enterprise asked for (caps and quiet periods would lapse)
                    "kind": "random",
                    "lead_dept": "SJ",
                    "item_codes": ["SJ-DJ-001"],
                    "pool": {"district_codes": ["210102"]},
                    "requested_by_enterprise": True,
                },
            ]
            for body in cases:
                r = await http.post(
                    f"{API}/tasks", json={"title": "无效任务", **body}, headers=officer(SJ[0], "SJ")
                )
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
            problem(
                await http.post(f"{API}/tasks", json=body, headers=officer(XF[0], "XF")),
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
            task = ok(await http.get(f"{API}/tasks/{RANDOM_TASK}", headers=officer(SJ[0], "SJ")))
        assert task["kind"] == "random" and task["draw_algorithm"] == "sha256-rank-v1"
        certified = set(SJ) | {"辽A-0012347", "辽A-0012348", "辽A-0012349", "辽A-0012350"}
        for member in task["enterprises"]:
            assert len(member["assigned_cert_nos"]) == 2 and set(member["assigned_cert_nos"]) <= certified
        assert task["district_codes"] == ["210102"]

    async def test_only_the_drawn_group_may_enter_for_a_random_task(self, env: Env) -> None:
        async with client(env.url) as http:
            task = ok(await http.get(f"{API}/tasks/{RANDOM_TASK}", headers=officer(SJ[0], "SJ")))
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
                headers=officer(first, "SJ"),
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
            problem(
                await http.post(f"{API}/tasks/{tid}/approve", headers=officer(SJ[0], "SJ")),
                403,
                "APPROVAL_NOT_ALLOWED",
            )
            head_of_other = officer(XF[0], "XF", dept_head=True)
            assert (await http.post(f"{API}/tasks/{tid}/approve", headers=head_of_other)).status_code == 404
            creator_as_head = officer(SJ[0], "SJ", dept_head=True)  # the creator, now claiming to be the head
            r = await http.post(f"{API}/tasks/{tid}/approve", headers=creator_as_head)
            problem(r, 403, "APPROVAL_NOT_ALLOWED")
            assert "本人" in r.json()["detail"]
            assert (
                await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor("210103"))
            ).status_code == 404
            approved = ok(
                await http.post(f"{API}/tasks/{tid}/approve", headers=officer(SJ[2], "SJ", dept_head=True))
            )
            assert approved["status"] == "approved" and approved["approved_by"] == f"officer-{SJ[2]}"
            problem(
                await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor()),
                409,
                "TASK_STATE_CONFLICT",
            )
            await entry_code(http, tid)

    async def test_reject_and_cancel_need_a_reason(self, env: Env) -> None:
        async with client(env.url) as http:
            task = await new_task(http, approve=False)
            tid = task["task_id"]
            problem(
                await http.post(f"{API}/tasks/{tid}/reject", json={"reason": " "}, headers=supervisor()),
                422,
                "INVALID_TASK",
            )
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
                    f"{API}/tasks/{other['task_id']}/cancel",
                    json={"reason": "企业已注销"},
                    headers=officer(SJ[0], "SJ"),
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
                    headers=officer(SJ[0], "SJ"),
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
                    flagged = await tasks.flag_overdue_approvals(session, ctx=env.svc.runtime.context)
                assert flagged >= 1
                late = await http.post(
                    f"{API}/visits/entry-codes",
                    json={
                        "task_id": tid,
                        "enterprise_uscc": ENTERPRISE,
                        "officers": [SJ[1]],
                        "item_codes": [FOOD_ITEM],
                    },
                    headers=officer(SJ[0], "SJ"),
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


async def test_admin_is_no_approver(env: Env) -> None:
    async with client(env.url) as http:
        task = await new_task(http, approve=False, creator=admin())
        problem(
            await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=admin()), 403, "ROLE_FORBIDDEN"
        )
