"""Helpers of the penalty service tests: the identities they use, the pinned clock, and a case driven through
the API. Headers come from tests.support.personas (``officer(**SJ_A)``), responses are read with
tests.support.http, outbox rows with tests.support.outbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.common import clock
from tests.support.http import ok
from tests.support.personas import officer

SAMPLE_CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "sample" / "benchmarks.json"
TODAY = date(2026, 11, 16)  # a Monday; no holiday within three weeks
YUAN = 100

# Real sample enterprises (valid USCC check digits).
USCC_A = "91210100MACQTKPQ79"  # 沈阳东陵客运有限公司
USCC_B = "91210100MAWELQKM0Q"  # 沈阳东方化工产品经营有限公司
USCC_C = "91210105MAEGA39K0F"  # 沈阳聚丰印刷包装有限公司

# Officers, as the keyword arguments of tests.support.personas.officer.
SJ_A = {"cert_no": "辽A-7000001", "dept": "SJ", "district": "210102", "name": "张执法"}
SJ_B = {"cert_no": "辽A-7000002", "dept": "SJ", "district": "210102", "name": "李执法"}
SJ_C = {"cert_no": "辽A-7000003", "dept": "SJ", "district": "210102", "name": "王审核"}
CG_A = {"cert_no": "辽A-7100001", "dept": "CG", "district": "210103", "name": "赵城管"}
CG_B = {"cert_no": "辽A-7100002", "dept": "CG", "district": "210103", "name": "钱城管"}


def pin_clock(day: date = TODAY, hour: int = 10) -> None:
    """Make the service clock read ``day`` at ``hour`` o'clock in China (it keeps running from there)."""
    target = datetime.combine(day, time(hour), tzinfo=clock.CHINA)
    clock.set_offset(target - datetime.now(UTC))


def party(uscc: str = USCC_A, name: str = "沈阳东陵客运有限公司") -> dict[str, Any]:
    return {
        "kind": "organisation",
        "name": name,
        "uscc": uscc,
        "address": "沈阳市铁西区沈辽路288号",
        "legal_representative": "于某某",
    }


# What a lead's confirmation adds about the enterprise: its 住所 and 法定代表人, both printed on the 决定书
# (行政处罚法 第五十九条第一款第一项).
LEAD_PARTY = {"party_address": "沈阳市铁西区北二中路6号", "legal_representative": "刘某某"}


async def open_case(
    http: httpx.AsyncClient,
    *,
    who: dict[str, str] = SJ_A,
    partner: dict[str, str] = SJ_B,
    code: str = "SY-SJ-0004",
    uscc: str = USCC_A,
    procedure: str = "general",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "party": party(uscc),
        "benchmark_code": code,
        "procedure": procedure,
        "facts_brief": "现场检查发现当事人销售无标签的预包装食品。",
        "officers": [partner["cert_no"]],
        "approved_by": "分管副局长",
        **extra,
    }
    return ok(await http.post("/api/v1/penalty/cases", json=body, headers=officer(**who)), 201)  # type: ignore[no-any-return]


# SY-SJ-0004 (食品安全法 第一百二十五条第一款): goods value 3,000 元 < 10,000 元, so the fixed range
# 5,000–50,000 元 applies. Default split of a range (SPEC §3.1): 一般 = 30–70 %:
#   low  = 5,000 + 45,000 × 30 % = 18,500 元;  next tier starts at 5,000 + 45,000 × 70 % = 36,500 元
#   tier range [18,500.00, 36,499.99]; suggested = midpoint (18,500 + 36,499.99) / 2 = 27,499.995 → 27,500 元
GOODS_VALUE_FEN = 3_000 * YUAN
ORDINARY_LOW_FEN = 18_500 * YUAN
ORDINARY_HIGH_FEN = 36_500 * YUAN - 1
SUGGESTED_FEN = 27_500 * YUAN


def facts(**extra: Any) -> dict[str, Any]:
    return {
        "violation_date": (TODAY - timedelta(days=20)).isoformat(),
        "base_amounts": {"goods_value": GOODS_VALUE_FEN},
        **extra,
    }


async def to_assessed(http: httpx.AsyncClient, *, who: dict[str, str] = SJ_A, **open_kw: Any) -> str:
    case = await open_case(http, who=who, **open_kw)
    cid = case["id"]
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/investigation", json={}, headers=officer(**who)))
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/assessment", json=facts(), headers=officer(**who)))
    return str(cid)


async def to_notified(
    http: httpx.AsyncClient, *, fine_fen: int = SUGGESTED_FEN, who: dict[str, str] = SJ_A, **open_kw: Any
) -> str:
    cid = await to_assessed(http, who=who, **open_kw)
    notice = {
        "facts": ["当事人销售无标签的预包装食品30袋。"],
        "proposed": {"kinds": ["fine"], "fine_fen": fine_fen},
    }
    ok(await http.post(f"/api/v1/penalty/cases/{cid}/notice", json=notice, headers=officer(**who)))
    return cid


async def to_decided(
    http: httpx.AsyncClient, *, fine_fen: int = SUGGESTED_FEN, who: dict[str, str] = SJ_A, **open_kw: Any
) -> dict[str, Any]:
    cid = await to_notified(http, fine_fen=fine_fen, who=who, **open_kw)
    ok(
        await http.post(
            f"/api/v1/penalty/cases/{cid}/waiver", json={"statement": True}, headers=officer(**who)
        )
    )
    decision = {"penalty": {"kinds": ["fine"], "fine_fen": fine_fen}}
    return ok(await http.post(f"/api/v1/penalty/cases/{cid}/decision", json=decision, headers=officer(**who)))  # type: ignore[no-any-return]


def new_id() -> str:
    return str(uuid.uuid4())


# A benchmark whose penalty includes a restriction with a term (test data, not in the sample catalogue): the
# persons responsible under 化妆品监督管理条例 第六十五条 (备案时提供虚假资料，情节严重的) are fined and barred for 5
# years ("5年内禁止其从事化妆品生产经营活动", a 限制从业 of 行政处罚法 第九条第四项). The regulation fines 1 to 2 times
# the person's income of the previous year; the test benchmark uses a fixed range of 5,000–50,000 元 so that
# its ordinary tier is the one worked out above for SY-SJ-0004: [18,500.00, 36,499.99] 元, suggested 27,500 元.
RESTRICTION_CODE = "SY-SJ-9065"
RESTRICTION_BENCHMARK: dict[str, Any] = {
    "code": RESTRICTION_CODE,
    "version": 1,
    "status": "published",
    "effective_from": "2024-01-01",
    "effective_to": None,
    "approving_document": "测试用裁量基准（非正式）",
    "department_code": "SJ",
    "department_name": "沈阳市市场监督管理局",
    "domain": "化妆品",
    "violation_name": "化妆品备案时提供虚假资料，情节严重的（直接责任人员）",
    "party_types": ["individual"],
    "interests": ["life_health"],
    "violated": [
        {"law": "化妆品监督管理条例", "article": "第六十五条", "excerpt": "备案时提供虚假资料的"},
    ],
    "punishing": [
        {
            "law": "化妆品监督管理条例",
            "article": "第六十五条",
            "excerpt": "对违法单位的法定代表人或者主要负责人、直接负责的主管人员和其他直接责任人员处以其上一年度"
            "从本单位取得收入的1倍以上2倍以下罚款，5年内禁止其从事化妆品生产经营活动",
        }
    ],
    "kinds": ["fine", "restrict_employment"],
    "fine": {"shape": "range", "min_fen": 5_000 * YUAN, "max_fen": 50_000 * YUAN},
    "escalations": [],
    "tiers": [
        {"tier": "mitigated", "conditions": "具有两项以上依法应当从轻或者减轻的情节且无从重情节"},
        {"tier": "lighter", "conditions": "具有《行政处罚法》第三十二条所列情形之一"},
        {"tier": "ordinary", "conditions": "不具有从轻、减轻、从重情节，或者从轻与从重情节相抵"},
        {"tier": "heavier", "conditions": "一年内因同一违法行为受过行政处罚"},
    ],
    "lists": {},
    "first_violation_allowed": False,
}


def catalogue_with_restriction() -> str:
    """The sample catalogue (JSON) with ``RESTRICTION_BENCHMARK`` added."""
    document = json.loads(SAMPLE_CATALOGUE.read_text())
    document["versions"].append(RESTRICTION_BENCHMARK)
    return json.dumps(document, ensure_ascii=False)
