"""Helpers of the examiner's risk cases: decisions arrive as penalty.decision.issued through the service's
declared consumer (what the inbox runner calls), outcomes and complaints through the intake API; everything is
judged by what the HTTP API answers."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tests.risk.helpers import COURT, HOTLINE, RECON, SUPERVISOR, apply, of_unit
from tests.support.contracts import decision_issued
from tests.support.http import ok
from tests.support.stack import Running, client

API = "/api/v1/risk"


def jl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


async def decisions(risk: Running, unit: str, n: int, day: date, domain: str = "市场监管") -> None:
    await apply(
        risk,
        *[decision_issued(**of_unit(unit), domain=domain, decided_on=day, party_uscc=None) for _ in range(n)],
    )


async def intake(risk: Running, kind: str, records: list[dict[str, Any]]) -> None:
    headers = {"reconsideration": RECON, "litigation": COURT, "complaints": HOTLINE}[kind]
    if not records:
        return
    async with client(risk.url) as http:
        r = await http.post(f"{API}/intake/{kind}/bulk", content=jl(records), headers=headers)
    body = ok(r)
    assert body["rejected"] == 0 and body["stored"] == len(records), body


def recons(tag: str, unit: str, n: int, day: str, domain: str = "市场监管") -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"沈复决〔{tag}〕{unit}-{i}号",
            "unit_code": unit,
            "domain": domain,
            "outcome": "revoked",
            "decided_on": day,
            "illegality": "procedure",
        }
        for i in range(n)
    ]


def losses(tag: str, unit: str, n: int, day: str, domain: str = "市场监管") -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"({tag})辽01行终{unit}-{i}号",
            "unit_code": unit,
            "domain": domain,
            "result": "lost",
            "loss_type": "revoked",
            "decided_on": day,
        }
        for i in range(n)
    ]


def complaints(tag: str, unit: str, times: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"12345-{tag}-{unit}-{i}",
            "unit_code": unit,
            "domain": "市场监管",
            "category": "执法态度",
            "text": "反映执法人员态度问题",
            "received_at": at,
        }
        for i, at in enumerate(times)
    ]


async def units(
    risk: Running, quarter: str, headers: dict[str, str] = SUPERVISOR
) -> dict[str, dict[str, Any]]:
    async with client(risk.url, headers=headers) as http:
        report = ok(await http.get(f"{API}/reports/{quarter}"))
    return {u["unit_code"]: u for u in report["units"]}


def rules(unit: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in unit["reasons"]]
