"""What the acceptance journeys share: the people who call the platform, unique parties, and a penalty case
driven through the gateway's public API to its decision and its delivery (两书同达).

Every figure the journeys check is worked out by hand in the test that checks it; nothing here computes an
expected value. The clock of every service (one process) is pinned with ``pin`` to the day a step happens.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.common import clock
from tests.support.http import ok
from tests.support.personas import admin, enterprise, integration, officer, supervisor
from tests.support.stack import wait_for

ROOT = Path(__file__).resolve().parents[3]
YUAN = 100
CASES = "/api/v1/penalty/cases"
CREDIT = "/api/v1/credit"
RISK = "/api/v1/risk"

SUPERVISOR = supervisor("city")
ADMIN = admin("admin-acceptance")
CREDITCHINA = integration("creditchina")
RECONSIDERATION = integration("reconsideration")
COURT = integration("court")
HOTLINE = integration("12345")


def _sample_usccs() -> Iterator[tuple[str, str]]:
    document = json.loads((ROOT / "data" / "sample" / "enterprises.json").read_text(encoding="utf-8"))
    for item in document["items"]:
        if item["uscc"].startswith("91"):  # companies (法人): an organisation party
            yield item["uscc"], item["name"]


_PARTIES = _sample_usccs()


def new_party() -> tuple[str, str]:
    """A sample enterprise no other case of the session names: its record (初次违法), its class and its credit
    publications are its own test's."""
    return next(_PARTIES)


def pin(day: date, hour: int = 10) -> None:
    """Every service's clock reads ``day`` at ``hour`` o'clock China time (and keeps running from there)."""
    clock.set_offset(datetime.combine(day, time(hour), tzinfo=clock.CHINA) - datetime.now(UTC))


class Unit:
    """An enforcement unit (``<dept>-<district>``): two certified officers of the department in the district."""

    _certs = itertools.count(1)

    def __init__(self, dept: str, district: str) -> None:
        self.dept, self.district = dept, district
        self.code = f"{dept}-{district}"
        first, second = next(self._certs), next(self._certs)
        self.cert = f"辽A-79{first:05d}"
        self.partner_cert = f"辽A-79{second:05d}"
        self.headers = officer(self.cert, dept, district, name="甲执法")


def party_body(uscc: str, name: str) -> dict[str, Any]:
    return {
        "kind": "organisation",
        "name": name,
        "uscc": uscc,
        "address": "沈阳市和平区南京北街1号",
        "legal_representative": "于某某",
    }


async def decide(
    http: httpx.AsyncClient,
    unit: Unit,
    uscc: str,
    name: str,
    *,
    fine_fen: int = 75_000 * YUAN,
    code: str = "SY-SJ-0001",
    goods_value_fen: int = 5_000 * YUAN,
    extra_facts: dict[str, Any] | None = None,
    decision_extra: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """A general-procedure fine decided today (the violation 20 days before), the party having waived its
    statement. SY-SJ-0001 at a goods value of 5,000 元 (under 10,000 元): 50,000–100,000 元; the default split
    puts 一般 at 30–70 %: [65,000.00, 84,999.99] 元, 从轻 at 0–30 %: [50,000.00, 64,999.99] 元."""
    body = {
        "party": party_body(uscc, name),
        "benchmark_code": code,
        "procedure": "general",
        "facts_brief": "现场检查发现当事人经营超过保质期的食品。",
        "officers": [unit.partner_cert],
        "approved_by": "分管副局长",
    }
    cid = ok(await http.post(CASES, json=body, headers=unit.headers), 201)["id"]
    ok(await http.post(f"{CASES}/{cid}/investigation", json={}, headers=unit.headers))
    facts = {
        "violation_date": (clock.today() - timedelta(days=20)).isoformat(),
        "base_amounts": {"goods_value": goods_value_fen},
        **(extra_facts or {}),
    }
    ok(await http.post(f"{CASES}/{cid}/assessment", json=facts, headers=unit.headers))
    fine = {"kinds": ["fine"], "fine_fen": fine_fen}
    notice = {"facts": ["当事人经营超过保质期的食品。"], "proposed": fine}
    ok(await http.post(f"{CASES}/{cid}/notice", json=notice, headers=unit.headers))
    ok(await http.post(f"{CASES}/{cid}/waiver", json={"statement": True}, headers=unit.headers))
    decision = {"penalty": fine, **(decision_extra or {})}
    decided = ok(await http.post(f"{CASES}/{cid}/decision", json=decision, headers=unit.headers))
    return str(cid), decided


async def credit_notice(http: httpx.AsyncClient, cid: str, uscc: str) -> dict[str, Any]:
    """The 信用修复提示书 of the case, as the party reads it, once credit_repair has issued it."""

    async def notice() -> dict[str, Any] | None:
        r = await http.get(f"{CREDIT}/notices", params={"case_id": cid}, headers=enterprise(uscc))
        items = r.json()["items"] if r.status_code == 200 else []
        return items[0] if items else None

    return await wait_for(notice, timeout=30)  # type: ignore[no-any-return]


async def deliver(http: httpx.AsyncClient, unit: Unit, cid: str) -> dict[str, Any]:
    """Delivery of the decision, retried while the credit repair notice is on its way (两书同达)."""
    body = {"method": "direct", "recipient": "当事人法定代表人"}

    async def deliverable() -> dict[str, Any] | None:
        r = await http.post(f"{CASES}/{cid}/delivery", json=body, headers=unit.headers)
        if r.status_code == 409 and r.json().get("code") == "CREDIT_NOTICE_PENDING":
            return None
        return ok(r)  # type: ignore[no-any-return]

    return await wait_for(deliverable, timeout=30)  # type: ignore[no-any-return]


async def disclosure(http: httpx.AsyncClient, unit: Unit, cid: str) -> list[dict[str, Any]]:
    """The decision's publication records (GET /cases/{id}/disclosure, a list), oldest revision first."""
    records: list[dict[str, Any]] = ok(await http.get(f"{CASES}/{cid}/disclosure", headers=unit.headers))
    return sorted(records, key=lambda r: r["revision"])


async def credit_record(http: httpx.AsyncClient, record_id: str, uscc: str) -> dict[str, Any]:
    return ok(await http.get(f"{CREDIT}/records/{record_id}", headers=enterprise(uscc)))  # type: ignore[no-any-return]


async def public_credit(http: httpx.AsyncClient, uscc: str) -> list[dict[str, Any]]:
    r = ok(await http.get("/public/credit/publications", params={"uscc": uscc, "limit": "200"}))
    return r["items"]  # type: ignore[no-any-return]


async def public_decisions(http: httpx.AsyncClient, status: str = "published") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params = {"status": status, "limit": "200"}
    while True:
        page = ok(await http.get("/public/penalty/decisions", params=params))
        items += page["items"]
        if not page.get("next_cursor"):
            return items
        params["cursor"] = page["next_cursor"]


async def feed(http: httpx.AsyncClient, publication_id: str) -> list[dict[str, Any]]:
    """Every entry of the integration feed about one publication, in order."""
    mine: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "200"}
    while True:
        page = ok(await http.get(f"{CREDIT}/feed", params=params, headers=CREDITCHINA))
        mine += [i for i in page["items"] if i["publication_id"] == publication_id]
        if not page["has_more"]:
            return mine
        params["cursor"] = page["next_cursor"]


def dates(view: dict[str, Any]) -> dict[str, Any]:
    """The enforcement view's dates by key."""
    return {x["key"]: x["on"] for x in view["dates"]}


def enterprise_headers(uscc: str) -> dict[str, str]:
    return enterprise(uscc)
