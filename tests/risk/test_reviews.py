"""案卷评查 campaigns over the sample data (issue #14 item 2): the draw recomputed independently from the
revealed record, scores and findings per file, results per unit worked by hand, the 回避 rule, and the
requested supervision matter recorded on its finding."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from services.common.db import create_engine, session_factory, transaction
from services.risk import sample
from tests.risk.helpers import ADMIN, apply, of_unit, unit_officer
from tests.support import personas
from tests.support.contracts import decision_issued
from tests.support.stack import Running, client

API = "/api/v1/risk/reviews"
UNITS = ["CG-210104", "SJ-210102", "SJ-210103"]
SUP_102 = personas.supervisor("210102", sub="sup-102")
# The sheet's maxima: 主体10 事实15 证据20 程序20 适用法律10 裁量10 文书10 归档5 (= 100).
FULL = {
    "subject": 10,
    "facts": 15,
    "evidence": 20,
    "procedure": 20,
    "law": 10,
    "discretion": 10,
    "documents": 10,
    "archive": 5,
}
P95 = {**FULL, "archive": 0}  # 100 - 5 = 95
P72 = {**FULL, "evidence": 12, "procedure": 10, "discretion": 5, "documents": 5}  # 100 - 8 - 10 - 5 - 5 = 72
P55 = dict(zip(FULL, [10, 10, 10, 5, 5, 5, 5, 5], strict=True))  # 10+10+10+5+5+5+5+5 = 55

REVIEWERS = [
    # 沈河区市场监管局's reviewer reviews the others (never their own unit)
    {"id": "rev-sj-103", "name": "王评查", "unit_code": "SJ-210103", "units": ["SJ-210102", "CG-210104"]},
    {"id": "sup-city", "name": "市司法局监督员", "units": ["SJ-210103"]},
]


ONE_UNIT = {"unit_codes": ["SJ-210102"], "reviewers": [{**REVIEWERS[0], "units": ["SJ-210102"]}]}


def campaign(**over: Any) -> dict[str, Any]:
    return {
        "title": "2026年第三季度行政处罚案卷评查",
        "unit_codes": UNITS,
        "period_from": "2026-07-01",
        "period_to": "2026-09-30",
        "sample_size": 3,
        "reviewers": REVIEWERS,
        **over,
    }


@pytest.fixture(scope="module")
async def sampled(risk: Running) -> AsyncIterator[Running]:
    await sample.load(risk.settings.database_url)
    yield risk


async def _pool(running: Running) -> list[tuple[str, str]]:
    """The decided cases of the scope, read from the projection itself: (unit, case id)."""
    engine = create_engine(running.settings.database_url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            rows = await session.execute(
                sa.text(
                    "SELECT unit_code, case_id::text FROM risk_case WHERE unit_code = ANY(:units) "
                    "AND status IN ('issued', 'changed', 'revoked') "
                    "AND decided_on BETWEEN DATE '2026-07-01' AND DATE '2026-09-30'"
                ),
                {"units": UNITS},
            )
            return [(u, c) for u, c in rows.all()]
    finally:
        await engine.dispose()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_a_campaign_over_the_sample_data(sampled: Running) -> None:
    async with client(sampled.url, headers=ADMIN) as http:
        r = await http.post(API, json=campaign())
        assert r.status_code == 201, r.text
        created = r.json()
        review = created["id"]
        assert created["status"] == "committed" and created["status_label"] == "待抽取"
        assert len(created["draw"]["commitment"]) == 64 and created["draw"]["nonce"] is None
        assert created["scope_label"] == "3个执法单位 · 2026-07-01至2026-09-30 · 每单位抽取3件"

        # the draw (approval), with the value the public source published after the commitment
        r = await http.post(f"{API}/{review}/approve", json={"public_value": "03 07 12 19 25 31 09"})
        assert r.status_code == 200, r.text
        drawn = r.json()
        assert drawn["status"] == "drawn" and drawn["draw"]["seed"] is None  # not revealed yet
        pool = await _pool(sampled)
        per_unit = {u: sum(1 for v, _ in pool if v == u) for u in UNITS}
        assert drawn["total"] == sum(min(n, 3) for n in per_unit.values())
        files = (await http.get(f"{API}/{review}/files")).json()
        assert len(files) == drawn["total"]

        # scores: SJ-210102's three files 95, 72 and 55; everyone else's full marks
        sj102 = [f for f in files if f["unit_code"] == "SJ-210102"]
        assert len(sj102) == 3
        for f, points in zip(sj102, (P95, P72, P55), strict=True):
            findings = []
            if points is P55:
                findings = [
                    {
                        "dimension": "procedure",
                        "severity": "serious",
                        "text": "未告知当事人陈述、申辩权利即作出处罚决定",
                        "deduction": "P1",
                        "open_matter": True,
                        "matter_grounds": "行政处罚法第四十四条：处罚决定前未告知陈述申辩权利",
                    }
                ]
            r = await http.post(
                f"{API}/{review}/files/{f['id']}/scores",
                json={"reviewer_id": "rev-sj-103", "points": points, "findings": findings},
            )
            assert r.status_code == 200, r.text
        for f in files:
            if f["unit_code"] == "SJ-210102":
                continue
            reviewer = "sup-city" if f["unit_code"] == "SJ-210103" else "rev-sj-103"
            r = await http.post(
                f"{API}/{review}/files/{f['id']}/scores", json={"reviewer_id": reviewer, "points": FULL}
            )
            assert r.status_code == 200, r.text
            assert r.json()["total"] == 100 and r.json()["grade"] == "excellent"

        results = (await http.get(f"{API}/{review}/results")).json()
        assert (results["reviewed"], results["total"], results["matters_opened"]) == (
            drawn["total"],
            drawn["total"],
            1,
        )
        unit = next(u for u in results["units"] if u["unit_code"] == "SJ-210102")
        # mean (95 + 72 + 55) / 3 = 222 / 3 = 74.00; lowest 55; 95 and 72 reach 60 (合格), 55 does not;
        # 95 reaches 90 (优秀); the mean 74 is 合格
        assert unit == {
            "unit_code": "SJ-210102",
            "files": 3,
            "reviewed": 3,
            "mean": "74.00",
            "minimum": 55,
            "passed": 2,
            "failed": 1,
            "excellent": 1,
            "grade": "pass",
            "grade_label": "合格",
        }
        scored = [f for f in (await http.get(f"{API}/{review}/files")).json() if f["total"] == 55]
        finding = scored[0]["findings"][0]
        assert finding["matter_requested"] is True and finding["case_id"] == scored[0]["case_id"]
        # the finding opened a supervision matter (监督意见书) on the file's case, answerable by the unit
        matter = (await http.get(f"/api/v1/risk/supervision/matters/{finding['matter_id']}")).json()
        assert (matter["kind"], matter["target_kind"], matter["target_id"], matter["unit_code"]) == (
            "opinion",
            "case",
            scored[0]["case_id"],
            "SJ-210102",
        )
        assert matter["document_no"] == finding["matter_no"] and matter["status"] == "open"
        assert "行政处罚法第四十四条" in matter["grounds"] and "未告知当事人陈述" in matter["grounds"]
        assert matter["legal_basis"].startswith("行政处罚法第四十四条、第四十五条")
        own = (await http.get("/api/v1/risk/supervision/matters", headers=unit_officer("SJ-210102"))).json()
        assert finding["matter_id"] in {m["id"] for m in own["items"]}

        r = await http.post(f"{API}/{review}/complete")
        assert r.status_code == 200, r.text
        draw = r.json()["draw"]
        assert r.json()["status"] == "completed" and draw["revealed"]

        # completed on 2026-11-23: an input of 2026Q4's report (config 2026.5): the mean 74.00 is below the
        # yellow line 80 with 3 files (≥ 3), and 1 failed file reaches the yellow threshold 1
        live = (await http.get("/api/v1/risk/reports/2026Q4")).json()
        assert live["config_version"] == "2026.5"
        unit_102 = next(u for u in live["units"] if u["unit_code"] == "SJ-210102")
        rules = {x["rule"] for x in unit_102["reasons"]}
        assert {"REVIEW_MEAN_YELLOW", "REVIEW_FAILED_YELLOW"} <= rules
        assert unit_102["colour"] in ("yellow", "red")

    # Recompute the sample from the revealed record alone (commit-reveal-v1, case-file-rank-v1):
    nonce = bytes.fromhex(draw["nonce"])
    assert sha(nonce) == draw["commitment"]
    snapshot = draw["pool_snapshot"]
    expected_lines = ["zhifa-review-pool-v1", "sample_size\t3", *(f"unit\t{u}" for u in sorted(UNITS))]
    expected_lines += sorted(f"file\t{u}\t{c}" for u, c in pool)
    assert snapshot == "".join(line + "\n" for line in expected_lines)  # the pool is the projection's
    pool_hash = sha(snapshot.encode("utf-8"))
    assert pool_hash == draw["pool_hash"]
    seed = sha(nonce + bytes.fromhex(pool_hash) + draw["public_value"].encode("utf-8"))
    assert seed == draw["seed"]
    expected: set[tuple[str, str, int]] = set()
    for u in UNITS:
        ranked = sorted((sha(f"{seed}|{c}".encode()), c) for v, c in pool if v == u)
        expected |= {(u, c, i + 1) for i, (_, c) in enumerate(ranked[:3])}
    assert {(f["unit_code"], f["case_id"], f["rank"]) for f in files} == expected


async def test_a_reviewer_never_reviews_their_own_unit(sampled: Running) -> None:
    own = {"id": "rev-sj-102", "name": "李评查", "unit_code": "SJ-210102", "units": ["SJ-210102"]}
    async with client(sampled.url, headers=ADMIN) as http:
        r = await http.post(API, json=campaign(reviewers=[*REVIEWERS, own]))
        assert (r.status_code, r.json()["code"]) == (422, "REVIEW_INVALID"), r.text
        assert any("应当回避" in e["message"] for e in r.json()["errors"])
        # a unit without a reviewer is refused too
        r = await http.post(API, json=campaign(reviewers=REVIEWERS[:1]))
        assert (r.status_code, r.json()["code"]) == (422, "REVIEW_INVALID"), r.text


async def test_scores_follow_the_sheet_and_the_assignment(sampled: Running) -> None:
    async with client(sampled.url, headers=ADMIN) as http:
        review = (await http.post(API, json=campaign(**ONE_UNIT))).json()
        await http.post(f"{API}/{review['id']}/approve", json={"public_value": "x"})
        file = (await http.get(f"{API}/{review['id']}/files")).json()[0]
        url = f"{API}/{review['id']}/files/{file['id']}/scores"
        r = await http.post(url, json={"reviewer_id": "sup-city", "points": FULL})  # not assigned there
        assert (r.status_code, r.json()["code"]) == (403, "REVIEWER_NOT_ASSIGNED"), r.text
        r = await http.post(url, json={"reviewer_id": "rev-sj-103", "points": {**FULL, "archive": 6}})
        assert (r.status_code, r.json()["code"]) == (422, "REVIEW_SCORES_INVALID"), r.text
        missing = {k: v for k, v in FULL.items() if k != "law"}
        r = await http.post(url, json={"reviewer_id": "rev-sj-103", "points": missing})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "points.law", r.text
        r = await http.post(f"{API}/{review['id']}/complete")
        assert (r.status_code, r.json()["code"]) == (409, "REVIEW_STATE_CONFLICT"), r.text  # files unscored
        # a finding that opened a matter survives a re-scoring; the others are replaced
        findings = [
            {"dimension": "archive", "severity": "minor", "text": "目录不全", "deduction": "A2"},
            {
                "dimension": "facts",
                "severity": "major",
                "text": "违法所得认定不清",
                "open_matter": True,
                "matter_grounds": "事实不清",
                "matter_kind": "correction",
            },
        ]
        first = await http.post(url, json={"reviewer_id": "rev-sj-103", "points": FULL, "findings": findings})
        assert first.status_code == 200, first.text
        again = await http.post(url, json={"reviewer_id": "rev-sj-103", "points": P72})
        assert again.status_code == 200 and again.json()["total"] == 72, again.text
        kept = again.json()["findings"]
        assert [(f["text"], f["matter_no"][:6]) for f in kept] == [("违法所得认定不清", "沈司纠错〔2")]


async def test_units_see_the_campaigns_reviewing_them(sampled: Running) -> None:
    async with client(sampled.url) as http:
        await http.post(API, json=campaign(**ONE_UNIT), headers=ADMIN)
        own = (await http.get(API, headers=unit_officer("SJ-210102"))).json()["items"]
        other = (await http.get(API, headers=unit_officer("ST-210113"))).json()["items"]
        assert own and all("SJ-210102" in c["unit_codes"] for c in own)
        assert all("ST-210113" in c["unit_codes"] for c in other)
        # a district supervisor reviews their own district only
        r = await http.post(API, json=campaign(), headers=SUP_102)
        assert (r.status_code, r.json()["code"]) == (403, "REVIEW_OUTSIDE_SCOPE"), r.text


async def test_the_files_are_the_decided_cases_of_the_items_in_scope(sampled: Running) -> None:
    """penalty.decision.issued carries the benchmark item into risk's case projection; a campaign scoped to
    an item draws only that item's files, of the period, of the unit."""
    unit = "SJ-210199"
    await apply(
        sampled,
        *(
            decision_issued(**of_unit(unit), benchmark_code="SY-SJ-0007", decided_on=date(2026, 8, 1))
            for _ in range(3)
        ),
        decision_issued(**of_unit(unit), benchmark_code="SY-SJ-0001", decided_on=date(2026, 8, 1)),
        decision_issued(**of_unit(unit), benchmark_code="SY-SJ-0007", decided_on=date(2026, 10, 1)),  # after
    )
    body = campaign(
        unit_codes=[unit],
        item_codes=["SY-SJ-0007"],
        sample_size=10,
        reviewers=[{"id": "r", "name": "评查员", "units": [unit]}],
    )
    async with client(sampled.url, headers=ADMIN) as http:
        review = (await http.post(API, json=body)).json()
        drawn = (await http.post(f"{API}/{review['id']}/approve", json={"public_value": "7"})).json()
        files = (await http.get(f"{API}/{review['id']}/files")).json()
    assert drawn["total"] == 3
    assert {(f["unit_code"], f["item_code"], f["decided_on"]) for f in files} == {
        (unit, "SY-SJ-0007", "2026-08-01")
    }


async def test_the_review_scores_ledger(sampled: Running) -> None:
    """评查得分台账 (issue #15 item 4): the sample campaign's files with the points per dimension of its sheet,
    total, grade and findings, as xlsx with Chinese headers; a unit sees its own files, another unit none."""
    import io

    from openpyxl import load_workbook

    async with client(sampled.url, headers=ADMIN) as http:
        found = (await http.get(API)).json()["items"]
        review = next(c for c in found if c["title"] == sample.SAMPLE_REVIEW_TITLE)
        path = f"/api/v1/risk/ledgers/reviews/{review['id']}/scores.xlsx"
        files = (await http.get(f"{API}/{review['id']}/files")).json()
        city = await http.get(path)
        unit = await http.get(path, headers=unit_officer("SJ-210103"))
        stranger = await http.get(path, headers=unit_officer("ST-210113"))
    assert city.status_code == 200, city.text
    rows = list(load_workbook(io.BytesIO(city.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:7] == (
        "执法单位",
        "抽取序号",
        "处罚决定书文号",
        "案件编号",
        "裁量基准事项",
        "决定日期",
        "主体（10分）",
    )
    assert rows[0][7:17] == (
        "事实（15分）",
        "证据（20分）",
        "程序（20分）",
        "适用法律（10分）",
        "裁量（10分）",
        "文书（10分）",
        "归档（5分）",
        "总分",
        "等级",
        "评查人员",
    )
    assert len(rows) - 1 == len(files) == review["total"]
    by_total = {r[14]: dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[14] is not None}
    # the sample's scores: 10+15+18+20+10+8+9+5 = 95 (优秀, ≥ 90), 10+12+15+15+8+6+8+3 = 77 (合格, ≥ 60) and
    # 10+10+10+5+5+5+5+5 = 55 (不合格) with its finding
    assert set(by_total) == {95, 77, 55}
    top = by_total[95]
    assert (top["证据（20分）"], top["裁量（10分）"], top["文书（10分）"], top["等级"]) == (18, 8, 9, "优秀")
    assert (by_total[77]["等级"], by_total[55]["等级"]) == ("合格", "不合格")
    assert by_total[55]["发现问题"].startswith("程序·严重问题：未告知当事人陈述、申辩权利即作出处罚决定")
    assert by_total[55]["发现问题"].endswith("（P1）")
    scored = next(f for f in files if f["total"] == 95)
    assert (top["执法单位"], top["案件编号"], top["评查人员"]) == (
        scored["unit_code"],
        scored["case_id"],
        "sup-city",
    )
    unscored = [r for r in rows[1:] if r[14] is None]
    assert all(r[6] is None and r[15] is None for r in unscored)  # drawn, not yet scored: empty cells
    own = list(load_workbook(io.BytesIO(unit.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert len(own) > 1 and {r[0] for r in own[1:]} == {"SJ-210103"}  # a unit: its own files only
    assert (stranger.status_code, stranger.json()["code"]) == (404, "REVIEW_NOT_FOUND")
