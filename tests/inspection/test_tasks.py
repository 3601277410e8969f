"""Tasks (SPEC §2.2): the four kinds, approval before codes, the urgent complaint's 24 hours, completion,
and the public list and results of 双随机 tasks (一公开)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.contracts.risk import EnterpriseClassified
from services.common.db import transaction
from services.common.events import make_envelope
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
from tests.support.stack import client, wait_for


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


# ---------------------------------------------------------------------------------------------------------
# The 双随机 draw through the running service

SEED = "2026-11-沈阳市质量抽查-第3批-公开种子"


DISTRICT = "210188"


CLASSES = ["A"] * 20 + ["B"] * 10 + ["C"] * 5 + ["D"] * 2


CERTIFIED = [f"辽A-00900{n:02d}" for n in range(1, 7)]


def rank(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
async def usccs(env: Env) -> list[str]:
    """The QA department, its item and officers, and district 210188's classified enterprises."""
    async with client(env.url) as http:
        return await prepare(env, http)


async def prepare(env: Env, http: Any) -> list[str]:
    ok(
        await http.post(
            f"{API}/departments",
            json={"code": "QA", "name": "质量抽查", "authority": "沈阳市质量抽查中心"},
            headers=admin(),
        ),
        201,
    )
    item = {
        "code": "QA-CP-001",
        "name": "产品质量监督抽查",
        "dept_code": "QA",
        "level": "city",
        "legal_basis": [{"law": "产品质量法", "article": "第十五条", "title": "中华人民共和国产品质量法"}],
        "effective_from": "2026-01-01",
    }
    ok(await http.post(f"{API}/items", json=item, headers=admin()), 201)
    people: list[dict[str, Any]] = [
        {"name": f"抽查员{n}", "dept_code": "QA", "cert_no": cert, "valid_until": "2030-12-31"}
        for n, cert in enumerate(CERTIFIED, start=1)
    ]
    people += [
        {
            "name": "暂扣员",
            "dept_code": "QA",
            "cert_no": "辽A-0090099",
            "valid_until": "2030-12-31",
            "status": "suspended",
            "status_reason": "年度考核不合格",
        },
        {"name": "辅助员", "dept_code": "QA", "auxiliary": True},
    ]
    ok(await http.post(f"{API}/officers/bulk", json=people, headers=admin()))
    usccs = [make_uscc(5000 + n, DISTRICT) for n in range(len(CLASSES))]
    rows = [
        {"uscc": u, "name": f"沈阳抽查样本{n:02d}有限公司", "district_code": DISTRICT}
        for n, u in enumerate(usccs)
    ]
    ok(await http.post(f"{API}/enterprises/bulk", json=rows, headers=admin()))
    js = env.svc.runtime.bus.js
    for uscc, cls in zip(usccs, CLASSES, strict=True):
        event = EnterpriseClassified(
            uscc=uscc,
            risk_class=cls,
            previous_class=None,
            score=0,
            reasons=["测试"],
            classified_at=clock.now(),
            revision=1,
        )
        envelope = make_envelope(event, source="risk")
        await js.publish(
            event.TYPE, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.id)}
        )

    async def all_classified() -> bool:
        page = ok(
            await http.get(
                f"{API}/enterprises", params={"district_code": DISTRICT, "limit": 100}, headers=admin()
            )
        )
        return sum(1 for e in page["items"] if e["risk_class"]) == len(CLASSES)

    await wait_for(all_classified, timeout=30)
    return usccs


class TestDraw:
    """The 双随机 draw through the running service, checked by hand.

    A department of its own (QA) with six certified officers, one suspended and one auxiliary; a district of its
    own (210188) with 37 enterprises classified by the risk service (through NATS, as in production): 20 A,
    10 B, 5 C, 2 D. With the default ratios A 5 %, B 20 %, C 60 %, D 100 %, rounding up:

        A: ceil(20 × 5 %)  = ceil(1.0) = 1
        B: ceil(10 × 20 %) = ceil(2.0) = 2
        C: ceil(5 × 60 %)  = ceil(3.0) = 3
        D: ceil(2 × 100 %) = ceil(2.0) = 2          → 8 enterprises

    and the six certified officers make 6 // 2 = 3 groups. Which enterprises and which officers is recomputed
    here with hashlib alone, from the published seed, exactly as anyone reading the public record would.
    """

    async def test_the_draw_is_reproducible_from_the_published_seed(self, env: Env, usccs: list[str]) -> None:
        async with client(env.url) as http:
            body = {
                "kind": "random",
                "title": "2026年第3批产品质量双随机抽查",
                "lead_dept": "QA",
                "item_codes": ["QA-CP-001"],
                "pool": {"district_codes": [DISTRICT]},
                "seed": SEED,
            }
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(CERTIFIED[0], "QA")), 201)
            ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
            public = ok(await http.get(f"/public/inspection/tasks/{task['task_id']}/draw"))

        # Counts per class, by hand (module docstring): 1 + 2 + 3 + 2 = 8.
        quotas = {q["risk_class"]: (q["pool_size"], q["drawn"]) for q in public["record"]["quotas"]}
        assert quotas == {"A": (20, 1), "B": (10, 2), "C": (5, 3), "D": (2, 2)}
        assert task["enterprise_count"] == 8

        # Which ones: per class, the lowest SHA-256(seed | USCC).
        by_class: dict[str, list[str]] = {}
        for uscc, cls in zip(usccs, CLASSES, strict=True):
            by_class.setdefault(cls, []).append(uscc)
        take = {"A": 1, "B": 2, "C": 3, "D": 2}
        expected = [
            u
            for cls, members in by_class.items()
            for u in sorted(members, key=lambda u: rank(f"{SEED}|{u}"))[: take[cls]]
        ]
        expected.sort(key=lambda u: rank(f"{SEED}|{u}"))  # assignment order: by rank key across classes

        # Officers: the six certified ones (the suspended and the auxiliary are not in the pool), ranked by
        # SHA-256(seed | "officer" | certificate), cut into pairs; enterprises take the groups in turn.
        ranked = sorted(CERTIFIED, key=lambda c: rank(f"{SEED}|officer|{c}"))
        groups = [ranked[0:2], ranked[2:4], ranked[4:6]]
        assert public["record"]["officer_pool"] == sorted(CERTIFIED)
        assert public["record"]["officer_groups"] == groups
        assignments = {e["uscc"]: e["assigned_cert_nos"] for e in task["enterprises"]}
        assert assignments == {u: groups[i % 3] for i, u in enumerate(expected)}

        assert public["verified"] is True and public["record"]["seed"] == SEED
        assert public["record"]["seed_commitment"] == hashlib.sha256(SEED.encode("utf-8")).hexdigest()
        assert public["record"]["algorithm"] == "sha256-rank-v1"

    async def test_the_same_seed_and_pool_give_the_same_draw(self, env: Env, usccs: list[str]) -> None:
        async with client(env.url) as http:
            body = {
                "kind": "random",
                "title": "复核抽取",
                "lead_dept": "QA",
                "item_codes": ["QA-CP-001"],
                "pool": {"district_codes": [DISTRICT]},
                "seed": SEED,
            }
            first = ok(await http.post(f"{API}/tasks", json=body, headers=officer(CERTIFIED[1], "QA")), 201)
            second = ok(await http.post(f"{API}/tasks", json=body, headers=officer(CERTIFIED[2], "QA")), 201)
            other = ok(
                await http.post(
                    f"{API}/tasks",
                    json={**body, "seed": SEED + "-另一批"},
                    headers=officer(CERTIFIED[2], "QA"),
                ),
                201,
            )
        assert first["draw_fingerprint"] == second["draw_fingerprint"]
        assert first["draw_seed_commitment"] == second["draw_seed_commitment"]
        assert {e["uscc"] for e in first["enterprises"]} != {e["uscc"] for e in other["enterprises"]}
