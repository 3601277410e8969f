"""A little activity on top of the sample data, made through the gateway as users would: what the
supervisors' console shows beyond the loaded samples (visits in every mode, a rating with serious tags, a
credit clean-up dry run, a fine outside its tier).

Made over HTTP only (no service internals), so it keeps working while the services' insides change.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from services.common import clock, sample_identities
from services.common.devtokens import mint_dev_token

IDS = sample_identities.IDENTITIES


def bearer(identity: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(**identity)}"}


OFFICER = bearer(IDS["officer"])
ENTERPRISE = bearer(IDS["enterprise"])
SUPERVISOR = bearer(IDS["supervisor_city"])
# 交通运输 officers of the sample registry (data/sample/officers.json): two investigators and a reviewer.
JT = [
    {
        "role": "officer",
        "sub": f"officer-jt-{n}",
        "cert_no": cert,
        "dept_code": "JT",
        "district_code": "210100",
    }
    for n, cert in enumerate(("辽A-0041001", "辽A-0041003", "辽A-0041004"))
]
OUTSIDE_RANGE_PARTY = {  # a sample enterprise (data/sample/enterprises.json)
    "kind": "organisation",
    "name": "沈阳东陵客运有限公司",
    "uscc": "91210100MACQTKPQ79",
    "address": "辽宁省沈阳市铁西区沈辽路288号1层",
    "legal_representative": "于**",
}


def ok(r: httpx.Response, *status: int) -> Any:
    assert r.status_code in (status or (200, 201)), (r.request.url, r.status_code, r.text)
    return r.json()


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def visits(http: httpx.AsyncClient) -> dict[str, str]:
    """An entry-code visit completed and rated 2 stars with serious tags, an emergency visit, a back-fill."""
    task, uscc = sample_identities.KEY_AREA_TASK_ID, sample_identities.ENTERPRISE_USCC
    team = [sample_identities.PARTNER_CERT_NO]
    items = [sample_identities.DEMO_ITEM]
    code = ok(
        await http.post(
            "/api/v1/inspection/visits/entry-codes",
            json={"task_id": task, "enterprise_uscc": uscc, "officers": team, "item_codes": items},
            headers={**OFFICER, **key()},
        )
    )["code"]
    visit = ok(
        await http.post(
            "/api/v1/inspection/visits/check-in", json={"code": code}, headers={**ENTERPRISE, **key()}
        )
    )["visit"]["visit_id"]
    outcomes = {"outcomes": [{"item_code": items[0], "outcome": "compliant"}]}
    ok(await http.post(f"/api/v1/inspection/visits/{visit}/outcomes", json=outcomes, headers=OFFICER))
    ok(await http.post(f"/api/v1/inspection/visits/{visit}/checkout", json={}, headers=OFFICER))
    rating = {
        "stars": 2,
        "tags": ["扰企", "未出示证件"],
        "comment": "检查人员未出示证件，反复要求停产配合",
        "anonymous": False,
    }
    ok(await http.post(f"/api/v1/inspection/visits/{visit}/rating", json=rating, headers=ENTERPRISE))
    enterprise_code = ok(await http.get(f"/api/v1/inspection/enterprises/{uscc}/code", headers=ENTERPRISE))[
        "code"
    ]
    entered = (clock.now() - timedelta(hours=2)).isoformat()
    emergency = ok(
        await http.post(
            "/api/v1/inspection/visits/scan",
            json={
                "task_id": task,
                "enterprise_code": enterprise_code,
                "officers": team,
                "item_codes": items,
                "emergency": True,
                "started_at": entered,
                "reason": "群众举报现场存在食品安全紧急隐患，先行进入检查",
            },
            headers={**OFFICER, **key()},
        )
    )
    backfill = ok(
        await http.post(
            "/api/v1/inspection/visits/backfill",
            json={
                "task_id": task,
                "enterprise_uscc": uscc,
                "officers": team,
                "item_codes": items,
                "started_at": (clock.now() - timedelta(days=1)).isoformat(),
                "reason": "检查当日系统故障，无法生成检查码，事后补录",
            },
            headers={**OFFICER, **key()},
        )
    )
    return {"rated": visit, "emergency": emergency["visit_id"], "backfilled": backfill["visit_id"]}


async def cleanup_dry_run(http: httpx.AsyncClient) -> str:
    run = ok(await http.post("/api/v1/credit/cleanups", json={"dry_run": True}, headers=SUPERVISOR), 202)
    return str(run["id"])


async def outside_range_decision(http: httpx.AsyncClient) -> str:
    """SY-JT-0004 (道路运输条例 第六十九条第一款), 一般 tier of the sample catalogue (2,200–3,800 元), decided at
    1,500 元 with a written reason and legal review: a fine outside its tier, which 类案不同罚 flags."""
    lead, reviewer = bearer(JT[0]), bearer(JT[2])
    case = ok(
        await http.post(
            "/api/v1/penalty/cases",
            json={
                "party": OUTSIDE_RANGE_PARTY,
                "benchmark_code": "SY-JT-0004",
                "procedure": "general",
                "facts_brief": "路检发现营运客车未按规定进行二级维护。",
                "officers": [JT[1]["cert_no"]],
                "approved_by": "分管负责人",
            },
            headers={**lead, **key()},
        ),
        201,
    )
    cid = case["id"]
    facts = {"violation_date": (clock.today() - timedelta(days=10)).isoformat(), "harm": "minor"}
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/investigation", json={}, headers=lead))
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/assessment", json=facts, headers=lead))
    penalty = {"kinds": ["fine"], "fine_fen": 150_000}
    reason = "当事人系初次违法，已当场完成车辆二级维护，经法制审核同意低于档次幅度处罚。"
    review = {"passed": True, "opinion": "同意在档次幅度以下处罚。", "proposal": penalty}
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/legal-review", json=review, headers=reviewer))
    notice = {
        "facts": ["当事人的营运客车未按规定进行二级维护，超过维护周期。"],
        "evidence": ["现场检查笔录", "车辆技术档案"],
        "proposed": penalty,
        "outside_range_reason": reason,
    }
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/notice", json=notice, headers=lead))
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/waiver", json={"statement": True}, headers=lead))
    decision = {"penalty": penalty, "outside_range_reason": reason}
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/decision", json=decision, headers=lead))
    return str(cid)


async def make(http: httpx.AsyncClient) -> dict[str, Any]:
    return {
        "visits": await visits(http),
        "cleanup": await cleanup_dry_run(http),
        "outside_range_case": await outside_range_decision(http),
    }
