"""Shared helpers of the examiner's acceptance cases of the penalty service: legal rules worked by hand from the statutes
(/work/shared/legal) and checked only through the public HTTP API, as an outside examiner would.

The service, its database and the sample catalogue come from tests/penalty/conftest.py (``penalty``), the clock
is pinned there to Monday 2026-11-16 10:00 China time. This module adds what the cases share: a what-if
assessment, a person as a party, and a case driven to a given step through the API only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.penalty.helpers import SJ_A, SJ_B, YUAN, party, pin_clock
from tests.support.http import ok
from tests.support.personas import officer

CASES = "/api/v1/penalty/cases"

# 居民身份证号 with valid check digits (GB 11643), one per person so that no case finds another's decision in
# the party's record (初次违法 / 再次违法 come from the record).
ID_WANG = "21010519840819157X"
PERSON_IDS = [
    "210102199001010015",
    "210102199202020025",
    "210102199303030038",
    "210102199404040040",
    "210102199505050053",
    "210102199606060066",
    "210102199707070079",
    "210102199808080081",
]
# 统一社会信用代码 with valid check digits (GB 32100), one per enterprise for the same reason.
ENTERPRISES = [
    "91210100MA0ACC001X",
    "91210100MA0ACC0021",
    "91210100MA0ACC0034",
    "91210100MA0ACC0047",
    "91210100MA0ACC005A",
    "91210100MA0ACC006D",
    "91210100MA0ACC007G",
    "91210100MA0ACC008K",
    "91210100MA0ACC009N",
    "91210100MA0ACC00AR",
]

# Officers of the fire brigade (消防救援) and of transport (交通运输).
XF_A = {"cert_no": "辽A-7200011", "dept": "XF", "district": "210100", "name": "周消防"}
XF_B = {"cert_no": "辽A-7200012", "dept": "XF", "district": "210100", "name": "吴消防"}
JT_A = {"cert_no": "辽A-7300011", "dept": "JT", "district": "210100", "name": "孙交通"}
ST_A = {"cert_no": "辽A-7400011", "dept": "ST", "district": "210100", "name": "冯生态"}
JT_B = {"cert_no": "辽A-7300012", "dept": "JT", "district": "210100", "name": "郑交通"}


DAY = "2026-10-27"  # the catalogue cases' act, 20 days before the pinned today (Mon 2026-11-16)


def yuan(amount: str) -> int:
    """Fen of a yuan amount written as text ("27500.00"), without floats."""
    whole, _, cents = amount.partition(".")
    return int(whole) * YUAN + int((cents + "00")[:2])


def person(name: str = "王某", id_number: str = ID_WANG) -> dict[str, Any]:
    return {"kind": "individual", "name": name, "id_number": id_number, "address": "沈阳市和平区南京北街1号"}


async def assess(
    http: httpx.AsyncClient,
    code: str,
    *,
    who: dict[str, str] = SJ_A,
    party_type: str = "organisation",
    **facts: Any,
) -> dict[str, Any]:
    """The stateless what-if assessment (POST /benchmarks/{code}/assess), expected to answer 200."""
    body = {"party_type": party_type, **facts}
    r = await http.post(f"/api/v1/penalty/benchmarks/{code}/assess", json=body, headers=officer(**who))
    return ok(r)  # type: ignore[no-any-return]


def tier_range(a: dict[str, Any]) -> tuple[int, int]:
    return a["penalty"]["tier_range"]["low_fen"], a["penalty"]["tier_range"]["high_fen"]


def legal_range(a: dict[str, Any]) -> tuple[int, int]:
    return a["penalty"]["legal_range"]["low_fen"], a["penalty"]["legal_range"]["high_fen"]


async def open_case(
    http: httpx.AsyncClient,
    *,
    code: str,
    who: dict[str, str] = SJ_A,
    partner: dict[str, str] = SJ_B,
    the_party: dict[str, Any] | None = None,
    procedure: str = "general",
    facts_brief: str = "现场检查发现当事人的违法行为。",
    **extra: Any,
) -> str:
    body = {
        "party": the_party or party(),
        "benchmark_code": code,
        "procedure": procedure,
        "facts_brief": facts_brief,
        "officers": [partner["cert_no"]],
        "approved_by": "分管副局长",
        **extra,
    }
    if procedure == "simple":
        body.setdefault("place", "沈阳市和平区某小区3号楼")
    case = ok(await http.post(CASES, json=body, headers=officer(**who)), 201)
    return str(case["id"])


async def step(
    http: httpx.AsyncClient, cid: str, name: str, body: dict[str, Any], who: dict[str, str] = SJ_A
) -> httpx.Response:
    return await http.post(f"{CASES}/{cid}/{name}", json=body, headers=officer(**who))


async def decided_general(
    http: httpx.AsyncClient,
    *,
    code: str = "SY-SJ-0004",
    facts: dict[str, Any],
    fine_fen: int,
    who: dict[str, str] = SJ_A,
    partner: dict[str, str] = SJ_B,
    the_party: dict[str, Any] | None = None,
    extra_penalty: dict[str, Any] | None = None,
    waive_hearing: bool = False,
    reviewer: dict[str, str] | None = None,
) -> str:
    """A general-procedure case filed, investigated, assessed, notified, the statement (and with
    ``waive_hearing`` the hearing) waived, reviewed by ``reviewer`` (法制审核) when given, and decided today
    with ``fine_fen``."""
    cid = await open_case(http, code=code, who=who, partner=partner, the_party=the_party)
    ok(await step(http, cid, "investigation", {}, who))
    ok(await step(http, cid, "assessment", facts, who))
    proposed = {"kinds": ["fine"], "fine_fen": fine_fen, **(extra_penalty or {})}
    ok(await step(http, cid, "notice", {"facts": ["当事人的违法事实。"], "proposed": proposed}, who))
    waiver = {"statement": True, "hearing": True} if waive_hearing else {"statement": True}
    ok(await step(http, cid, "waiver", waiver, who))
    if reviewer is not None:
        review = {"passed": True, "opinion": "事实清楚，程序合法，裁量适当。", "proposal": proposed}
        ok(await step(http, cid, "legal-review", review, reviewer))
    ok(await step(http, cid, "decision", {"penalty": proposed}, who))
    return cid


def on(day: date) -> None:
    """Move the service's clock to ``day`` 10:00 China time."""
    pin_clock(day)


def kinds(a: dict[str, Any]) -> set[str]:
    """The penalty kinds an assessment proposes."""
    return {k["kind"] for k in a["penalty"]["kinds"]}


def allowed(a: dict[str, Any]) -> set[str]:
    """The penalty kinds an assessment allows."""
    return {k["kind"] for k in a["penalty"]["allowed_kinds"]}


def tier_and_suggestion(a: dict[str, Any]) -> tuple[str, int, int, int]:
    """The tier, its range in fen and the suggested fine."""
    low, high = tier_range(a)
    return a["penalty"]["tier_key"], low, high, a["penalty"]["suggested_fine_fen"]
