"""Examiner's cases: a campaign's results rounded half up at the third decimal and their quarterly colour,
judged only by what the HTTP API answers.

Sources: docs/api/supervision.md §4 ("``mean`` (two decimals, half up)", "the ``grade`` of the mean"; "the files of
campaigns completed in the quarter colour their unit — mean below 60 red, below 80 yellow (at least 3 files);
3 failed files red, 1 yellow").

XZ-210105 and HB-210106 decided 8 cases each in 2026Q3; sample size 8 draws all of them.
  XZ-210105: seven files 60 and one 61: 481 / 8 = 60.125 -> "60.13" (half up; half even would give 60.12);
             no file fails; mean >= 60 and < 80: yellow by the mean.
  HB-210106: seven files 60 and one 59: 479 / 8 = 59.875 -> "59.88", grade 不合格 (below 60); 1 failed file;
             mean < 60: red.
Completed Monday 2026-11-23, in 2026Q4.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from tests.risk.acceptance.cases import API, decisions
from tests.risk.helpers import SUPERVISOR, pin
from tests.support.http import ok
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

R = f"{API}/reviews"
U1, U2 = "XZ-210105", "HB-210106"
P60 = {
    "subject": 10,
    "facts": 15,
    "evidence": 20,
    "procedure": 15,
    "law": 0,
    "discretion": 0,
    "documents": 0,
    "archive": 0,
}
P61 = {**P60, "law": 1}
P59 = {**P60, "procedure": 14}


async def post(risk: Running, path: str, body: Any) -> Any:
    async with client(risk.url, headers=SUPERVISOR) as http:
        return await http.post(path, json=body)


async def get(risk: Running, path: str) -> Any:
    async with client(risk.url, headers=SUPERVISOR) as http:
        return await http.get(path)


@pytest.fixture(scope="module")
async def completed(risk: Running) -> AsyncIterator[dict[str, Any]]:
    await decisions(risk, U1, 8, date(2026, 8, 10))
    await decisions(risk, U2, 8, date(2026, 8, 11))
    body = {
        "title": "2026年第三季度行政处罚案卷评查（全量）",
        "unit_codes": [U1, U2],
        "item_codes": [],
        "period_from": "2026-07-01",
        "period_to": "2026-09-30",
        "sample_size": 8,
        "reviewers": [{"id": "sup-city", "name": "市司法局监督员", "units": [U1, U2]}],
        "draw_at": "2026-11-23T09:00:00+08:00",
    }
    pin(date(2026, 11, 20))
    try:
        created = ok(await post(risk, R, body), 201)
    finally:
        pin()
    rid = created["id"]
    ok(await post(risk, f"{R}/{rid}/approve", {"public_value": "11 22"}))
    files = ok(await get(risk, f"{R}/{rid}/files"))
    assert len(files) == 16
    for unit, odd in ((U1, P61), (U2, P59)):
        mine = sorted((f for f in files if f["unit_code"] == unit), key=lambda f: f["rank"])
        for i, f in enumerate(mine):
            ok(await post(risk, f"{R}/{rid}/files/{f['id']}/scores", {"points": odd if i == 0 else P60}))
    ok(await post(risk, f"{R}/{rid}/complete", {}))
    yield dict(ok(await get(risk, f"{R}/{rid}/results")))


async def test_means_rounded_half_up(completed: dict[str, Any]) -> None:
    units = {u["unit_code"]: u for u in completed["units"]}
    assert (units[U1]["mean"], units[U1]["minimum"], units[U1]["failed"], units[U1]["grade"]) == (
        "60.13",
        60,
        0,
        "pass",
    ), units[U1]
    assert (units[U2]["mean"], units[U2]["minimum"], units[U2]["failed"], units[U2]["grade"]) == (
        "59.88",
        59,
        1,
        "fail",
    ), units[U2]


async def test_the_colours_of_q4(risk: Running, completed: dict[str, Any]) -> None:
    rep = ok(await get(risk, f"{API}/reports/2026Q4"))
    rows = {u["unit_code"]: u for u in rep["units"] if u["unit_code"] in (U1, U2)}
    rules = {k: sorted(r["rule"] for r in v["reasons"]) for k, v in rows.items()}
    assert (rows[U1]["colour"], rows[U2]["colour"]) == ("yellow", "red"), rules
    assert "REVIEW_MEAN_YELLOW" in rules[U1] and not any(r.startswith("REVIEW_FAILED") for r in rules[U1]), (
        rules
    )
    assert "REVIEW_MEAN_RED" in rules[U2] and "REVIEW_FAILED_YELLOW" in rules[U2], rules


async def test_the_drill_down_of_a_unit_known_by_its_files_only(
    risk: Running, completed: dict[str, Any]
) -> None:
    drill = ok(await get(risk, f"{API}/units/{U2}/quarters/2026Q4"))
    assert (drill["assessment"]["colour"], drill["assessment"]["reasons"][0]["rule"]) == (
        "red",
        "REVIEW_MEAN_RED",
    ), drill


U3, U4 = "CG-210107", "ZJ-210109"
P50 = {**P60, "procedure": 5}
P100 = {
    "subject": 10,
    "facts": 15,
    "evidence": 20,
    "procedure": 20,
    "law": 10,
    "discretion": 10,
    "documents": 10,
    "archive": 5,
}


async def test_few_files_and_failed_files(risk: Running, completed: dict[str, Any]) -> None:
    """CG-210107: 2 files of 50: the mean (50.00) is not judged under 3 files; 2 failed files: yellow.
    ZJ-210109: 59, 59, 59, 100: 277 / 4 = 69.25, yellow by the mean; 3 failed files: red."""
    await decisions(risk, U3, 2, date(2026, 9, 1))
    await decisions(risk, U4, 4, date(2026, 9, 2))
    body = {
        "title": "2026年第三季度行政处罚案卷评查（补充）",
        "unit_codes": [U3, U4],
        "item_codes": [],
        "period_from": "2026-07-01",
        "period_to": "2026-09-30",
        "sample_size": 4,
        "reviewers": [{"id": "sup-city", "name": "市司法局监督员", "units": [U3, U4]}],
        "draw_at": "2026-11-23T09:00:00+08:00",
    }
    pin(date(2026, 11, 20))
    try:
        rid = ok(await post(risk, R, body), 201)["id"]
    finally:
        pin()
    ok(await post(risk, f"{R}/{rid}/approve", {"public_value": "33"}))
    files = ok(await get(risk, f"{R}/{rid}/files"))
    plan = {U3: [P50, P50], U4: [P59, P59, P59, P100]}
    for unit, scores in plan.items():
        mine = sorted((f for f in files if f["unit_code"] == unit), key=lambda f: f["rank"])
        for f, p in zip(mine, scores, strict=True):
            ok(await post(risk, f"{R}/{rid}/files/{f['id']}/scores", {"points": p}))
    ok(await post(risk, f"{R}/{rid}/complete", {}))
    res = {u["unit_code"]: u for u in ok(await get(risk, f"{R}/{rid}/results"))["units"]}
    assert (res[U3]["mean"], res[U3]["failed"], res[U4]["mean"], res[U4]["failed"]) == (
        "50.00",
        2,
        "69.25",
        3,
    ), res
    rep = ok(await get(risk, f"{API}/reports/2026Q4"))
    rows = {u["unit_code"]: u for u in rep["units"] if u["unit_code"] in (U3, U4)}
    rules = {k: sorted(r["rule"] for r in v["reasons"]) for k, v in rows.items()}
    assert (rows[U3]["colour"], rules[U3]) == ("yellow", ["REVIEW_FAILED_YELLOW"]), rules
    assert (rows[U4]["colour"], rules[U4]) == ("red", ["REVIEW_FAILED_RED", "REVIEW_MEAN_YELLOW"]), rules


async def test_rescoring_keeps_the_findings_matter(risk: Running, completed: dict[str, Any]) -> None:
    """One file of SY-210111 scored 50 with a finding asking for a matter, then re-scored 61 without findings (the
    finding that opened a matter survives), then again with the finding (another matter): 2 matters opened; the
    total is the last one recorded, 61 -> 合格."""
    unit = "SY-210111"
    await decisions(risk, unit, 1, date(2026, 9, 3))
    body = {
        "title": "2026年第三季度行政处罚案卷评查（单件）",
        "unit_codes": [unit],
        "item_codes": [],
        "period_from": "2026-07-01",
        "period_to": "2026-09-30",
        "sample_size": 1,
        "reviewers": [{"id": "sup-city", "name": "市司法局监督员", "units": [unit]}],
        "draw_at": "2026-11-23T09:00:00+08:00",
    }
    pin(date(2026, 11, 20))
    try:
        rid = ok(await post(risk, R, body), 201)["id"]
    finally:
        pin()
    ok(await post(risk, f"{R}/{rid}/approve", {"public_value": "8"}))
    (f,) = ok(await get(risk, f"{R}/{rid}/files"))
    finding = {
        "dimension": "procedure",
        "severity": "serious",
        "deduction": "P1",
        "text": "未告知陈述申辩权利",
        "open_matter": True,
        "matter_grounds": "行政处罚法第四十四条",
        "matter_deadline_working_days": 3,
    }
    path = f"{R}/{rid}/files/{f['id']}/scores"
    first = ok(await post(risk, path, {"points": P50, "findings": [finding]}))
    opened = first["findings"][0]["matter_id"]
    again = ok(await post(risk, path, {"points": P61, "findings": []}))
    assert [x["matter_id"] for x in again["findings"]] == [opened], again
    assert (again["total"], again["grade_label"]) == (61, "合格")
    third = ok(await post(risk, path, {"points": P61, "findings": [finding]}))
    ids = {x["matter_id"] for x in third["findings"]}
    assert opened in ids and len(ids) == 2, third
    res = ok(await get(risk, f"{R}/{rid}/results"))
    assert res["matters_opened"] == 2, res
    # the matter: 3 working days from Mon 2026-11-23 -> Thu 2026-11-26
    m = ok(await get(risk, f"{API}/supervision/matters/{opened}"))
    assert (m["unit_code"], m["due_on"]) == (unit, "2026-11-26"), m
