"""What anyone may read (一公开): published 双随机 tasks, their draws (recomputed, tampering detected) and,
after completion, their results with masked names; the catalogue in force."""

from __future__ import annotations

from services.inspection import models as m
from tests.inspection.helpers import (
    API,
    FOOD_ITEM,
    RANDOM_TASK,
    SJ,
    Env,
    check_in,
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
            assert [i["code"] for i in one["items"]] == ["SJ-DJ-001", "SJ-JG-001"] and one["enterprises"]
            assert one["draw_seed_commitment"] and len(one["draw_seed_commitment"]) == 64
            draw = ok(await http.get(f"/public/inspection/tasks/{RANDOM_TASK}/draw"))
            assert draw["verified"] and draw["recomputed_fingerprint"] == draw["fingerprint"]
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
                "seed": "公开结果测试-2026",
            }
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
            tid = task["task_id"]
            assert (
                await http.get(f"/public/inspection/tasks/{tid}")
            ).status_code == 404  # pending: not public
            draw = ok(
                await http.get(f"{API}/tasks/{tid}/draw", headers=officer(SJ[0], "SJ"))
            )  # the department sees it
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
                    headers=officer(a, "SJ"),
                )
            )
            ok(await http.post(f"{API}/visits/{visit['visit_id']}/checkout", headers=officer(a, "SJ")))
            ok(await http.post(f"{API}/tasks/{tid}/complete", headers=officer(SJ[0], "SJ")))
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
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
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
