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

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from services.common import clock
from services.common.contracts.risk import EnterpriseClassified
from services.common.events import make_envelope
from tests.inspection.helpers import API, Env, admin, make_uscc, officer, ok, supervisor
from tests.support.stack import client, wait_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

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


async def test_the_draw_is_reproducible_from_the_published_seed(env: Env, usccs: list[str]) -> None:
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


async def test_the_same_seed_and_pool_give_the_same_draw(env: Env, usccs: list[str]) -> None:
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
                f"{API}/tasks", json={**body, "seed": SEED + "-另一批"}, headers=officer(CERTIFIED[2], "QA")
            ),
            201,
        )
    assert first["draw_fingerprint"] == second["draw_fingerprint"]
    assert first["draw_seed_commitment"] == second["draw_seed_commitment"]
    assert {e["uscc"] for e in first["enterprises"]} != {e["uscc"] for e in other["enterprises"]}
