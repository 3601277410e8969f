"""What anyone may read (一公开): published 双随机 tasks, their draws (recomputed, tampering detected) and,
after completion, their results with masked names; the catalogue in force."""

from __future__ import annotations

import uuid

from services.inspection import models as m
from tests.inspection.helpers import (
    API,
    FOOD_ITEM,
    RANDOM_TASK,
    SJ,
    Env,
    check_in,
    draw_task,
    entry_code,
    new_task,
)
from tests.support.http import ok, problem
from tests.support.personas import officer, supervisor
from tests.support.stack import client


class TestPublic:
    async def test_published_random_tasks_draws_and_results(self, env: Env) -> None:
        async with client(env.url) as http:
            listed = ok(await http.get("/public/inspection/tasks"))
            ids = {t["task_id"] for t in listed["items"]}
            assert RANDOM_TASK in ids
            one = ok(await http.get(f"/public/inspection/tasks/{RANDOM_TASK}"))
            assert one["department"] == "市场监管" and one["authority"] == "沈阳市市场监督管理局"
            assert [i["code"] for i in one["items"]] == ["SJ-DJ-001", "SJ-JG-001"]
            assert one["enterprises"] == []  # approved, not completed: the targets are not public yet
            assert one["draw_commitment"] and len(one["draw_commitment"]) == 64 and one["draw_at"]
            draw = ok(await http.get(f"/public/inspection/tasks/{RANDOM_TASK}/draw"))
            (only,) = draw["draws"]
            assert only["status"] == "drawn" and only["commitment"] == one["draw_commitment"]
            assert draw["revealed"] is False and only["reveal"] is None and only["counts"]
            r = await http.get(f"/public/inspection/tasks/{RANDOM_TASK}/results")
            problem(r, 404, "RESULTS_NOT_PUBLISHED")
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
            }
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
            tid = task["task_id"]
            assert (
                await http.get(f"/public/inspection/tasks/{tid}")
            ).status_code == 404  # pending: not public
            ok(await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor()))
            await draw_task(http, tid)
            draw = ok(
                await http.get(f"{API}/tasks/{tid}/draw", headers=officer(SJ[0], "SJ"))
            )  # the department sees the inputs of its draw
            assert draw["draws"][0]["reveal"]["verified"]
            task = ok(await http.get(f"{API}/tasks/{tid}", headers=officer(SJ[0], "SJ")))
            member = task["enterprises"][0]
            a, b = member["assigned_cert_nos"]
            code = await entry_code(http, tid, uscc=member["uscc"], caller=a, others=[b], items=["SJ-DJ-001"])
            visit = ok(await check_in(http, code["code"], uscc=member["uscc"]), 201)["visit"]
            ok(
                await http.post(
                    f"{API}/visits/{visit['visit_id']}/outcomes",
                    json={"outcomes": [{"item_code": "SJ-DJ-001", "outcome": "compliant"}]},
                    headers=officer(a, "SJ"),
                )
            )
            ok(await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(a, "SJ")))
            ok(await http.post(f"{API}/tasks/{tid}/complete", headers=officer(SJ[0], "SJ")))
            results = ok(await http.get(f"/public/inspection/tasks/{tid}/results"))
            published = ok(await http.get(f"/public/inspection/tasks/{tid}"))
        assert len(published["enterprises"]) == len(task["enterprises"])  # completed: the targets are public
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
            }
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
            ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
            await draw_task(http, task["task_id"])
            ok(await http.post(f"{API}/tasks/{task['task_id']}/complete", headers=officer(SJ[0], "SJ")))
            honest = ok(await http.get(f"/public/inspection/tasks/{task['task_id']}/draw"))
            assert honest["draws"][0]["reveal"]["verified"] is True
            async with env.svc.runtime.factory() as session, session.begin():
                row = await session.get(m.TaskDraw, (uuid.UUID(task["task_id"]), 1))
                assert row is not None and row.record is not None
                record = dict(row.record)
                drawn = {a["uscc"] for a in record["assignments"]}
                other = next(p["uscc"] for p in record["pool"] if p["uscc"] not in drawn)
                record["assignments"] = [
                    dict(record["assignments"][0], uscc=other),
                    *record["assignments"][1:],
                ]
                row.record = record
            draw = ok(await http.get(f"/public/inspection/tasks/{task['task_id']}/draw"))
            assert draw["draws"][0]["reveal"]["verified"] is False
            async with env.svc.runtime.factory() as session, session.begin():
                row = await session.get(m.TaskDraw, (uuid.UUID(task["task_id"]), 1))
                assert row is not None
                row.record = dict(honest["draws"][0]["reveal"]["record"])
                row.public_value = "换了一个公开值"  # the seed no longer follows from the published inputs
            draw = ok(await http.get(f"/public/inspection/tasks/{task['task_id']}/draw"))
        assert draw["draws"][0]["reveal"]["verified"] is False

    async def test_the_catalogue_is_public(self, env: Env) -> None:
        async with client(env.url) as http:
            page = ok(await http.get("/public/inspection/items", params={"dept_code": "SJ", "limit": 200}))
        codes = [i["code"] for i in page["items"]]
        assert FOOD_ITEM in codes and all(c.startswith("SJ-") for c in codes) and codes == sorted(codes)
