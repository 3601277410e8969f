"""The 双随机 draw nobody can steer (issue #13, commit-reveal-v1; docs/api/inspection.md "The draw protocol"):
no caller-chosen seed, a commitment published at approval and honoured at the reveal, no draw without the
public value, every draw (cancelled ones with their reason) in the public record, nothing about targets,
classes or officers public before the task ends, and the documented recomputations (Python and shell) giving
exactly what was drawn — on the documentation's own example and on real draws made through the API."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from services.common import clock
from services.common.contracts.risk import EnterpriseClassified
from services.common.events import make_envelope
from services.inspection import models as m
from services.inspection.domain import sampling
from services.inspection.schemas import TaskCreate
from tests.inspection.helpers import API, SJ, Env, draw_task, entry_code, make_uscc, new_task
from tests.support.http import ok, problem
from tests.support.personas import admin, officer, supervisor
from tests.support.stack import client, wait_for

DOC = Path(__file__).resolve().parents[2] / "docs" / "api" / "inspection.md"
PUBLIC_VALUE = "2026141期 03 07 12 19 25 31 + 08"

DISTRICT = "210188"
# 37 enterprises classified by the risk service (through NATS, as in production): 20 A, 10 B, 5 C, 2 D.
CLASSES = ["A"] * 20 + ["B"] * 10 + ["C"] * 5 + ["D"] * 2
CERTIFIED = [f"辽A-00900{n:02d}" for n in range(1, 7)]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rank(text: str) -> str:
    return sha(text.encode("utf-8"))


def doc_block(marker: str) -> str:
    """The fenced block that follows ``<!-- marker -->`` in docs/api/inspection.md."""
    found = re.search(rf"<!-- {re.escape(marker)} -->\n```[a-z]*\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert found, marker
    return found.group(1)


def documented_python() -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(doc_block("recompute.py"), str(DOC), "exec"), namespace)  # the documented code, as published
    return namespace["recompute"]


def documented_shell(tmp: Path, nonce: str, value: str, snapshot: str) -> list[str]:
    script = doc_block("recompute.sh")
    script = re.sub(r"^NONCE=.*$", f"NONCE={shlex.quote(nonce)}", script, count=1, flags=re.M)
    script = re.sub(r"^VALUE=.*$", f"VALUE={shlex.quote(value)}", script, count=1, flags=re.M)
    (tmp / "pool.txt").write_bytes(snapshot.encode("utf-8"))
    (tmp / "recompute.sh").write_text(script, "utf-8")
    done = subprocess.run(
        ["bash", "recompute.sh"], cwd=tmp, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.splitlines()


class TestTheDocumentedExample:
    """The worked example of the documentation, recomputed three ways: the service's domain code, the documented
    Python and the documented shell script — each must print exactly the documented values."""

    def test_the_example_values_are_what_all_three_compute(self, tmp_path: Path) -> None:
        snapshot = doc_block("example-snapshot")
        assert "\t" in snapshot and snapshot.endswith("\n")
        nonce = bytes(range(32))
        expected = doc_block("example-values").splitlines()

        # The service's own code, from the snapshot's parsed inputs.
        inputs = sampling.parse_snapshot(snapshot)
        digest = sampling.pool_hash(snapshot)
        seed = sampling.derive_seed(nonce, digest, PUBLIC_VALUE)
        drawn = sampling.recompute({**inputs, "seed": seed, "algorithm": sampling.ALGORITHM_V1})
        service = [f"commitment {sampling.commitment(nonce)}", f"pool_hash {digest}", f"seed {seed}"]
        service += [f"enterprise {a.uscc} {' '.join(a.officers)}" for a in drawn.assignments]
        assert service == expected
        # Quotas by hand (the documentation's arithmetic): A ceil(1×5%)=1, B ceil(2×20%)=1, C ceil(2×60%)=2,
        # D ceil(1×100%)=1 → 5 enterprises.
        assert {q.risk_class: q.drawn for q in drawn.quotas} == {"A": 1, "B": 1, "C": 2, "D": 1}
        # The commitment and the seed by hashlib alone: SHA-256 of the 32 nonce bytes; of nonce, the pool hash's
        # 32 raw bytes and the value's UTF-8.
        assert expected[0] == f"commitment {sha(nonce)}"
        assert (
            expected[2]
            == f"seed {sha(nonce + bytes.fromhex(sha(snapshot.encode())) + PUBLIC_VALUE.encode())}"
        )

        # The documented Python, fed what the public record would carry.
        recompute = documented_python()
        record = {
            "commitment": sha(nonce),
            "public_value": PUBLIC_VALUE,
            "reveal": {"nonce": nonce.hex(), "pool_snapshot": snapshot},
        }
        assert [f"enterprise {u} {' '.join(g)}" for u, g in recompute(record)] == expected[3:]

        # The documented shell script, as published (its own NONCE and VALUE lines are the example's).
        assert documented_shell(tmp_path, nonce.hex(), PUBLIC_VALUE, snapshot) == expected

    def test_a_wrong_nonce_is_caught_by_the_documented_python(self) -> None:
        recompute = documented_python()
        record = {
            "commitment": sha(bytes(range(32))),
            "public_value": PUBLIC_VALUE,
            "reveal": {"nonce": bytes(range(1, 33)).hex(), "pool_snapshot": doc_block("example-snapshot")},
        }
        with pytest.raises(AssertionError, match="committed"):
            recompute(record)


# ---------------------------------------------------------------------------------------------------------
# Through the running service


@pytest.fixture(scope="module")
async def usccs(env: Env) -> list[str]:
    """The QA department, its item and six certified officers (plus one suspended and one auxiliary), and
    district 210188's 37 classified enterprises."""
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
    made = [make_uscc(5000 + n, DISTRICT) for n in range(len(CLASSES))]
    rows = [
        {"uscc": u, "name": f"沈阳抽查样本{n:02d}有限公司", "district_code": DISTRICT}
        for n, u in enumerate(made)
    ]
    ok(await http.post(f"{API}/enterprises/bulk", json=rows, headers=admin()))
    js = env.svc.runtime.bus.js
    for uscc, cls in zip(made, CLASSES, strict=True):
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
    return made


QA_OFFICER = officer(CERTIFIED[0], "QA")


async def qa_task(http: Any, title: str, **approval: Any) -> dict[str, Any]:
    """A QA random task over district 210188, approved (its draw committed), not drawn."""
    body = {
        "kind": "random",
        "title": title,
        "lead_dept": "QA",
        "item_codes": ["QA-CP-001"],
        "pool": {"district_codes": [DISTRICT]},
    }
    task = ok(await http.post(f"{API}/tasks", json=body, headers=QA_OFFICER), 201)
    assert task["enterprises"] == [] and task["draw_commitment"] is None
    kwargs = {"json": approval} if approval else {}
    return dict(ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor(), **kwargs)))


class TestNoSeedIsChosen:
    async def test_a_caller_supplied_seed_is_refused_and_nothing_is_created(self, env: Env) -> None:
        async with client(env.url) as http:
            for seed in ("2026-我选的种子-让某企业不被抽中", None, 42):
                body = {
                    "kind": "random",
                    "title": f"自选种子 {seed}",
                    "lead_dept": "SJ",
                    "item_codes": ["SJ-DJ-001"],
                    "pool": {"district_codes": ["210102"]},
                    "seed": seed,
                }
                r = await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ"))
                assert problem(r, 422, "DRAW_SEED_NOT_ACCEPTED")["detail"]
        titles = await env.rows(sa.select(m.Task.title).where(m.Task.title.like("自选种子%")))
        assert titles == []

    def test_the_task_schema_no_longer_offers_a_seed(self) -> None:
        assert "seed" not in TaskCreate.model_json_schema(mode="validation")["properties"]


class TestCommitDrawReveal:
    """A QA task: 20 A, 10 B, 5 C, 2 D with ratios A 5 %, B 20 %, C 60 %, D 100 %, rounding up —
    A ceil(1.0) = 1, B ceil(2.0) = 2, C ceil(3.0) = 3, D ceil(2.0) = 2 → 8 enterprises; six certified officers
    (the suspended one and the auxiliary are not in the pool) → 6 // 2 = 3 groups."""

    async def test_commit_at_approval_draw_with_the_public_value_reveal_at_completion(
        self, env: Env, usccs: list[str], tmp_path: Path
    ) -> None:
        async with client(env.url) as http:
            approved = await qa_task(http, "2026年第3批产品质量双随机抽查")
            tid = approved["task_id"]
            commitment = approved["draw_commitment"]
            assert re.fullmatch(r"[0-9a-f]{64}", commitment) and approved["enterprises"] == []

            # Committed, not drawn: the public record has the commitment and the schedule, nothing else.
            before = ok(await http.get(f"/public/inspection/tasks/{tid}/draw"))
            (first,) = before["draws"]
            assert first["status"] == "committed" and first["commitment"] == commitment
            assert first["public_value"] is None and first["counts"] == [] and first["reveal"] is None
            assert (
                ok(await http.get(f"{API}/tasks/{tid}/draw", headers=QA_OFFICER))["draws"][0]["reveal"]
                is None
            )

            await draw_task(http, tid, PUBLIC_VALUE)
            task = ok(await http.get(f"{API}/tasks/{tid}", headers=QA_OFFICER))
            assert task["enterprise_count"] == 8 and task["draw_commitment"] == commitment
            ok(await http.post(f"{API}/tasks/{tid}/complete", headers=QA_OFFICER))
            public = ok(await http.get(f"/public/inspection/tasks/{tid}/draw"))

        assert public["revealed"] is True and public["task_status"] == "completed"
        (done,) = public["draws"]
        reveal = done["reveal"]
        nonce = bytes.fromhex(reveal["nonce"])
        # The commitment published at approval is SHA-256 of the nonce revealed now.
        assert len(nonce) == 32 and sha(nonce) == commitment == done["commitment"]
        assert done["public_value"] == PUBLIC_VALUE and reveal["verified"] is True
        # The seed by hashlib alone, from the published values.
        assert reveal["pool_hash"] == sha(reveal["pool_snapshot"].encode("utf-8"))
        seed = sha(nonce + bytes.fromhex(reveal["pool_hash"]) + PUBLIC_VALUE.encode("utf-8"))
        assert reveal["seed"] == seed

        # Which enterprises, by hand: per class, the lowest SHA-256(seed | USCC); officers ranked by
        # SHA-256(seed | "officer" | certificate), cut into pairs; enterprises take the groups in turn.
        by_class: dict[str, list[str]] = {}
        for uscc, cls in zip(usccs, CLASSES, strict=True):
            by_class.setdefault(cls, []).append(uscc)
        take = {"A": 1, "B": 2, "C": 3, "D": 2}
        expected = [
            u
            for cls, us in by_class.items()
            for u in sorted(us, key=lambda u: rank(f"{seed}|{u}"))[: take[cls]]
        ]
        expected.sort(key=lambda u: rank(f"{seed}|{u}"))
        ranked = sorted(CERTIFIED, key=lambda c: rank(f"{seed}|officer|{c}"))
        groups = [ranked[0:2], ranked[2:4], ranked[4:6]]
        hand = [(u, groups[i % 3]) for i, u in enumerate(expected)]
        assigned = [(e["uscc"], e["assigned_cert_nos"]) for e in task["enterprises"]]
        assert sorted(assigned) == sorted(hand)
        counts = {c["risk_class"]: (c["pool_size"], c["drawn"]) for c in done["counts"]}
        assert counts == {"A": (20, 1), "B": (10, 2), "C": (5, 3), "D": (2, 2)}

        # The documented recomputations, run on the real published record, give exactly the drawn targets.
        assert documented_python()(done) == hand
        lines = documented_shell(tmp_path, reveal["nonce"], done["public_value"], reveal["pool_snapshot"])
        assert lines[:3] == [f"commitment {commitment}", f"pool_hash {reveal['pool_hash']}", f"seed {seed}"]
        assert lines[3:] == [f"enterprise {u} {' '.join(g)}" for u, g in hand]

    async def test_no_draw_without_the_public_value_nor_before_its_time_nor_by_the_department(
        self, env: Env, usccs: list[str]
    ) -> None:
        async with client(env.url) as http:
            task = await qa_task(http, "无公开值不得抽取")
            tid = task["task_id"]
            url = f"{API}/tasks/{tid}/draw"
            problem(await http.post(url, json={}, headers=supervisor()), 422, "VALIDATION_FAILED")
            problem(
                await http.post(url, json={"public_value": ""}, headers=supervisor()),
                422,
                "VALIDATION_FAILED",
            )
            problem(
                await http.post(url, json={"public_value": "  \t "}, headers=supervisor()),
                422,
                "DRAW_PUBLIC_VALUE_REQUIRED",
            )
            # The department being supervised does not make the draw.
            assert (await http.post(url, json={"public_value": "1"}, headers=QA_OFFICER)).status_code == 403
            still = ok(await http.get(f"{API}/tasks/{tid}", headers=QA_OFFICER))
            assert still["enterprises"] == [] and still["draw_fingerprint"] is None
            # Not before the published time.
            later = (clock.now() + timedelta(hours=2)).isoformat()
            scheduled = await qa_task(http, "定时抽取", draw_at=later, public_source="双色球下一期开奖号码")
            public = ok(await http.get(f"/public/inspection/tasks/{scheduled['task_id']}/draw"))
            assert public["draws"][0]["public_source"] == "双色球下一期开奖号码"
            r = await http.post(
                f"{API}/tasks/{scheduled['task_id']}/draw",
                json={"public_value": "1 2 3"},
                headers=supervisor(),
            )
            problem(r, 409, "DRAW_NOT_DUE")
            # Drawn once; a second draw needs a cancellation with a reason.
            await draw_task(http, tid)
            problem(
                await http.post(url, json={"public_value": "再抽一次"}, headers=supervisor()),
                409,
                "DRAW_STATE_CONFLICT",
            )

    async def test_only_a_random_task_takes_a_draw_schedule(self, env: Env) -> None:
        async with client(env.url) as http:
            task = await new_task(http, approve=False)
            r = await http.post(
                f"{API}/tasks/{task['task_id']}/approve",
                json={"public_source": "双色球下一期开奖号码"},
                headers=supervisor(),
            )
            problem(r, 422, "INVALID_TASK")
            approved = ok(await http.post(f"{API}/tasks/{task['task_id']}/approve", headers=supervisor()))
            assert approved["draw_commitment"] is None
            assert (await http.get(f"/public/inspection/tasks/{task['task_id']}/draw")).status_code == 404

    async def test_a_random_task_cannot_be_completed_undrawn(self, env: Env, usccs: list[str]) -> None:
        async with client(env.url) as http:
            task = await qa_task(http, "未抽取不得办结")
            r = await http.post(f"{API}/tasks/{task['task_id']}/complete", headers=QA_OFFICER)
            problem(r, 409, "DRAW_NOT_DONE")


class TestCancelAndRedraw:
    async def test_a_cancelled_draw_and_its_redraw_are_both_in_the_public_record_with_the_reason(
        self, env: Env, usccs: list[str]
    ) -> None:
        reason = "抽取名录误含已注销企业，经监督人员同意重新抽取"
        async with client(env.url) as http:
            task = await qa_task(http, "撤销重抽公开")
            tid = task["task_id"]
            await draw_task(http, tid, "第一次的公开值")
            first = ok(await http.get(f"{API}/tasks/{tid}", headers=QA_OFFICER))
            cancel = f"{API}/tasks/{tid}/draw/cancel"
            problem(await http.post(cancel, json={}, headers=QA_OFFICER), 422, "VALIDATION_FAILED")
            problem(await http.post(cancel, json={"reason": "   "}, headers=QA_OFFICER), 422, "INVALID_TASK")
            other = officer(SJ[0], "SJ")
            assert (await http.post(cancel, json={"reason": reason}, headers=other)).status_code == 404
            staff = ok(await http.post(cancel, json={"reason": reason}, headers=QA_OFFICER))
            assert [d["status"] for d in staff["draws"]] == ["cancelled", "committed"]
            withdrawn = ok(await http.get(f"{API}/tasks/{tid}", headers=QA_OFFICER))
            assert (
                withdrawn["enterprises"] == []
                and withdrawn["draw_commitment"] == staff["draws"][1]["commitment"]
            )

            await draw_task(http, tid, "第二次的公开值")
            second = ok(await http.get(f"{API}/tasks/{tid}", headers=QA_OFFICER))
            public = ok(await http.get(f"/public/inspection/tasks/{tid}/draw"))
            listed = ok(await http.get(f"/public/inspection/tasks/{tid}"))
            assert listed["draw_commitment"] == public["draws"][1]["commitment"]

            one, two = public["draws"]
            assert (one["seq"], one["status"], one["public_value"]) == (1, "cancelled", "第一次的公开值")
            assert one["cancel_reason"] == reason and one["cancelled_at"] and one["drawn_at"]
            assert (two["seq"], two["status"], two["public_value"]) == (2, "drawn", "第二次的公开值")
            assert reason in two["reason"] and two["commitment"] != one["commitment"]
            assert public["revealed"] is False and one["reveal"] is None and two["reveal"] is None
            for entry in (one, two):
                assert sum(c["drawn"] for c in entry["counts"]) == 8

            ok(await http.post(f"{API}/tasks/{tid}/complete", headers=QA_OFFICER))
            revealed = ok(await http.get(f"/public/inspection/tasks/{tid}/draw"))
        recompute = documented_python()
        one, two = revealed["draws"]
        assert one["reveal"]["verified"] and two["reveal"]["verified"]
        assert recompute(one) == [(e["uscc"], e["assigned_cert_nos"]) for e in _in_rank_order(first, one)]
        assert sorted(recompute(two)) == sorted(
            (e["uscc"], e["assigned_cert_nos"]) for e in second["enterprises"]
        )
        assert sha(bytes.fromhex(one["reveal"]["nonce"])) == one["commitment"]

    async def test_a_draw_in_use_cannot_be_redrawn(self, env: Env) -> None:
        async with client(env.url) as http:
            body = {
                "kind": "random",
                "title": "已签发检查码不得重抽",
                "lead_dept": "SJ",
                "item_codes": ["SJ-DJ-001"],
                "pool": {"district_codes": ["210102"]},
            }
            task = ok(await http.post(f"{API}/tasks", json=body, headers=officer(SJ[0], "SJ")), 201)
            tid = task["task_id"]
            ok(await http.post(f"{API}/tasks/{tid}/approve", headers=supervisor()))
            await draw_task(http, tid)
            member = ok(await http.get(f"{API}/tasks/{tid}", headers=supervisor()))["enterprises"][0]
            a, b = member["assigned_cert_nos"]
            await entry_code(http, tid, uscc=member["uscc"], caller=a, others=[b], items=["SJ-DJ-001"])
            r = await http.post(
                f"{API}/tasks/{tid}/draw/cancel", json={"reason": "想换一批"}, headers=supervisor()
            )
            problem(r, 409, "DRAW_STATE_CONFLICT")
            # Cancelling the whole task cancels its draw with the task's reason, and reveals it.
            ok(
                await http.post(
                    f"{API}/tasks/{tid}/cancel",
                    json={"reason": "上级统一部署，本批次取消"},
                    headers=officer(SJ[0], "SJ"),
                )
            )
            public = ok(await http.get(f"/public/inspection/tasks/{tid}/draw"))
        (only,) = public["draws"]
        assert only["status"] == "cancelled" and "上级统一部署" in only["cancel_reason"]
        assert public["revealed"] is True and only["reveal"]["verified"] is True


def _in_rank_order(task: dict[str, Any], entry: dict[str, Any]) -> list[dict[str, Any]]:
    order = [a["uscc"] for a in entry["reveal"]["record"]["assignments"]]
    members = {e["uscc"]: e for e in task["enterprises"]}
    assert set(order) == set(members)
    return [members[u] for u in order]


class TestNothingLeaksBeforeTheEnd:
    async def test_an_approved_drawn_task_shows_no_target_class_or_officer_in_public(
        self, env: Env, usccs: list[str]
    ) -> None:
        async with client(env.url) as http:
            task = await qa_task(http, "公开前不泄露抽取结果")
            tid = task["task_id"]
            await draw_task(http, tid)
            drawn = ok(await http.get(f"{API}/tasks/{tid}", headers=QA_OFFICER))
            assert len(drawn["enterprises"]) == 8
            listed = ok(await http.get("/public/inspection/tasks", params={"limit": 100}))["items"]
            raw = [
                (await http.get(f"/public/inspection/tasks/{tid}/draw")).text,
                (await http.get(f"/public/inspection/tasks/{tid}")).text,
                json.dumps(next(t for t in listed if t["task_id"] == tid), ensure_ascii=False),
            ]
            async with env.svc.runtime.factory() as session:
                row = await session.get(m.TaskDraw, (uuid.UUID(tid), 1))
                assert row is not None and row.seed is not None and row.pool_hash is not None
                secrets_ = [row.nonce.hex(), row.seed, row.pool_hash]
        names = [f"沈阳抽查样本{n:02d}有限公司" for n in range(len(CLASSES))]
        for text in raw:
            assert tid in text
            for uscc in usccs:  # no USCC of the pool, drawn or not
                assert uscc not in text
            for name in names:
                assert name not in text
            assert "辽A-" not in text  # no certificate number
            assert '"uscc"' not in text and "assignments" not in text and "officer" not in text
            for value in secrets_:
                assert value not in text
        body = json.loads(raw[0])
        assert body["revealed"] is False and body["draws"][0]["reveal"] is None
        assert [c["risk_class"] for c in body["draws"][0]["counts"]] == ["A", "B", "C", "D"]
