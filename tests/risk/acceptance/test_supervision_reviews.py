"""Examiner's cases: case-file review (案卷评查), bulletins (通报) and the ledgers (台账), judged only by what the
HTTP API answers.

Sources: docs/api/supervision.md §4 (a campaign draws per unit the first ``sample_size`` files, all when fewer; the
default sheet 主体10 事实15 证据20 程序20 适用法律10 裁量10 文书10 归档5 = 100; 合格 at 60, 优秀 at 90; results per
unit: mean two decimals half up, minimum, passed/failed/excellent; 回避), §5 (numbers 沈司执监通〔2026〕N号 per year
from 1 without gaps, units default to the source's, a district supervisor names its district's units only) and
§6 (the ledgers' Chinese columns); 辽政办发〔2023〕18号 二(四)16 (每年至少集中组织一次行政执法案卷评查活动).

Files: SJ-210102 decided 5 cases in 2026Q3 and 1 on 2026-10-05 (outside the period); CG-210104 decided 2 in Q3.
A campaign of sample size 3 draws 3 + 2 = 5 files.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import openpyxl
import pytest

from tests.risk.acceptance.cases import API, decisions
from tests.risk.helpers import SUPERVISOR, pin, unit_officer
from tests.support import personas
from tests.support.http import ok, problem
from tests.support.stack import Running, client

pytestmark = pytest.mark.asyncio(loop_scope="session")

R = f"{API}/reviews"
A, B = "SJ-210102", "CG-210104"
DIMENSIONS = {
    "subject": 10,
    "facts": 15,
    "evidence": 20,
    "procedure": 20,
    "law": 10,
    "discretion": 10,
    "documents": 10,
    "archive": 5,
}
assert sum(DIMENSIONS.values()) == 100


def points(total: int) -> dict[str, int]:
    """Full marks in the sheet's order until ``total`` is reached, 0 after: e.g. 60 = 10+15+20+15+0+0+0+0."""
    out, left = {}, total
    for code, full in DIMENSIONS.items():
        out[code] = min(full, left)
        left -= out[code]
    assert sum(out.values()) == total
    return out


def campaign(**extra: Any) -> dict[str, Any]:
    return {
        "title": "2026年第三季度行政处罚案卷评查",
        "unit_codes": [A, B],
        "item_codes": [],
        "period_from": "2026-07-01",
        "period_to": "2026-09-30",
        "sample_size": 3,
        "reviewers": [{"id": "sup-city", "name": "市司法局监督员", "units": [A, B]}],
        "draw_at": "2026-11-23T09:00:00+08:00",
        **extra,
    }


async def post(risk: Running, path: str, body: Any, headers: dict[str, str] = SUPERVISOR) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.post(path, json=body)


async def get(risk: Running, path: str, headers: dict[str, str] = SUPERVISOR, **params: Any) -> Any:
    async with client(risk.url, headers=headers) as http:
        return await http.get(path, params=params)


@pytest.fixture(scope="module")
async def drawn(risk: Running) -> AsyncIterator[dict[str, Any]]:
    for day in (date(2026, 7, 1), date(2026, 8, 14), date(2026, 9, 30)):
        await decisions(risk, A, 1, day)
    await decisions(risk, A, 2, date(2026, 9, 1))
    await decisions(risk, A, 1, date(2026, 10, 5))
    await decisions(risk, B, 2, date(2026, 7, 15))
    pin(date(2026, 11, 20))
    try:
        created = ok(await post(risk, R, campaign()), 201)
    finally:
        pin()
    approved = ok(await post(risk, f"{R}/{created['id']}/approve", {"public_value": "03 07 12 19 25 31 09"}))
    files = ok(await get(risk, f"{R}/{created['id']}/files"))
    yield {"created": created, "approved": approved, "files": files}


class TestCampaign:
    async def test_created_committed(self, drawn: dict[str, Any]) -> None:
        c = drawn["created"]
        assert (c["status"], c["status_label"], c["reviewed"], c["total"]) == ("committed", "待抽取", 0, 0), c
        assert c["scope_label"] == "2个执法单位 · 2026-07-01至2026-09-30 · 每单位抽取3件", c
        assert len(c["draw"]["commitment"]) == 64 and c["draw"]["revealed"] is False

    async def test_the_sample_per_unit(self, drawn: dict[str, Any]) -> None:
        # A: 5 files in the period (the 2026-10-05 one is outside), 3 drawn; B: 2 files, both drawn
        files = drawn["files"]
        per_unit = {u: sorted(f["rank"] for f in files if f["unit_code"] == u) for u in (A, B)}
        assert per_unit == {A: [1, 2, 3], B: [1, 2]}, files
        assert drawn["approved"]["total"] == 5

    @pytest.mark.parametrize(
        ("change", "code", "status"),
        [
            (
                {"reviewers": [{"id": "rev-1", "name": "王评查", "unit_code": A, "units": [A, B]}]},
                "REVIEW_INVALID",
                422,
            ),
            ({"reviewers": [{"id": "sup-city", "name": "监督员", "units": [A]}]}, "REVIEW_INVALID", 422),
            ({"sample_size": 0}, None, 422),
            ({"period_from": "2026-10-01", "period_to": "2026-09-30"}, None, 422),
        ],
    )
    async def test_refused_campaigns(
        self, risk: Running, change: dict[str, Any], code: str | None, status: int
    ) -> None:
        r = await post(risk, R, campaign(**change))
        if code:
            problem(r, status, code)
        else:
            assert r.status_code == status and r.headers["content-type"].startswith(
                "application/problem+json"
            ), r.text

    async def test_a_sheet_not_summing_to_100(self, risk: Running) -> None:
        sheet = {
            "pass_mark": 60,
            "excellent_mark": 90,
            "dimensions": [
                {"code": "all", "name": "全部", "points": 99, "articles": "第四十条", "deductions": []}
            ],
        }
        r = await post(risk, R, campaign(sheet=sheet))
        assert r.status_code == 422 and r.status_code != 500, r.text

    async def test_a_district_supervisor_outside_their_district(self, risk: Running) -> None:
        r = await post(risk, R, campaign(), personas.supervisor("210102", sub="sup-102"))
        problem(r, 403, "REVIEW_OUTSIDE_SCOPE")


class TestScores:
    async def test_grade_boundaries(self, risk: Running, drawn: dict[str, Any]) -> None:
        rid = drawn["created"]["id"]
        a_files = sorted((f for f in drawn["files"] if f["unit_code"] == A), key=lambda f: f["rank"])
        b_files = sorted((f for f in drawn["files"] if f["unit_code"] == B), key=lambda f: f["rank"])
        expected = {90: "优秀", 60: "合格", 59: "不合格", 89: "合格", 61: "合格"}
        for f, total in zip(a_files + b_files, (90, 60, 59, 89, 61), strict=True):
            got = ok(await post(risk, f"{R}/{rid}/files/{f['id']}/scores", {"points": points(total)}))
            assert (got["total"], got["grade_label"]) == (total, expected[total]), got

    async def test_refused_scores(self, risk: Running, drawn: dict[str, Any]) -> None:
        rid, fid = drawn["created"]["id"], drawn["files"][0]["id"]
        over = {**points(60), "subject": 11}
        problem(
            await post(risk, f"{R}/{rid}/files/{fid}/scores", {"points": over}), 422, "REVIEW_SCORES_INVALID"
        )
        missing = {k: v for k, v in points(60).items() if k != "archive"}
        problem(
            await post(risk, f"{R}/{rid}/files/{fid}/scores", {"points": missing}),
            422,
            "REVIEW_SCORES_INVALID",
        )
        body = {"reviewer_id": "rev-nobody", "points": points(60)}
        problem(await post(risk, f"{R}/{rid}/files/{fid}/scores", body), 403, "REVIEWER_NOT_ASSIGNED")

    async def test_results_per_unit(self, risk: Running, drawn: dict[str, Any]) -> None:
        rid = drawn["created"]["id"]
        res = ok(await get(risk, f"{R}/{rid}/results"))
        units = {u["unit_code"]: u for u in res["units"]}
        # A: 90 + 60 + 59 = 209 / 3 = 69.666… -> "69.67"; minimum 59; 90 and 60 pass, 59 fails; 90 excellent
        a = units[A]
        assert (
            a["files"],
            a["reviewed"],
            a["mean"],
            a["minimum"],
            a["passed"],
            a["failed"],
            a["excellent"],
        ) == (
            3,
            3,
            "69.67",
            59,
            2,
            1,
            1,
        ), a
        assert a["grade"] == "pass"
        # B: 89 + 61 = 150 / 2 = "75.00"; minimum 61; both pass, none excellent (89 < 90)
        b = units[B]
        assert (b["mean"], b["minimum"], b["passed"], b["failed"], b["excellent"], b["grade"]) == (
            "75.00",
            61,
            2,
            0,
            0,
            "pass",
        ), b

    async def test_a_unit_sees_only_its_own(self, risk: Running, drawn: dict[str, Any]) -> None:
        rid = drawn["created"]["id"]
        mine = ok(await get(risk, f"{R}/{rid}/files", unit_officer(B)))
        assert {f["unit_code"] for f in mine} == {B}, mine
        other = await get(risk, f"{R}/{rid}", unit_officer("ST-210105"))
        problem(other, 404, "REVIEW_NOT_FOUND")


class TestFindingsAndCompletion:
    async def test_a_finding_opens_a_matter_and_the_campaign_completes(
        self, risk: Running, drawn: dict[str, Any]
    ) -> None:
        rid = drawn["created"]["id"]
        f = next(f for f in drawn["files"] if f["unit_code"] == A and f["rank"] == 3)
        finding = {
            "dimension": "procedure",
            "severity": "serious",
            "deduction": "P1",
            "text": "未告知当事人陈述、申辩权利即作出处罚决定",
            "open_matter": True,
            "matter_grounds": "行政处罚法第四十四条",
        }
        got = ok(
            await post(
                risk, f"{R}/{rid}/files/{f['id']}/scores", {"points": points(59), "findings": [finding]}
            )
        )
        fd = got["findings"][0]
        assert fd["matter_requested"] is True and fd["matter_no"] == "沈司监意〔2026〕1号", fd
        # default 15 working days from Mon 2026-11-23 -> Mon 2026-12-14
        m = ok(await get(risk, f"{API}/supervision/matters/{fd['matter_id']}"))
        assert (m["kind"], m["unit_code"], m["due_on"], m["deadline_working_days"]) == (
            "opinion",
            A,
            "2026-12-14",
            15,
        ), m
        done = ok(await post(risk, f"{R}/{rid}/complete", {}))
        assert done["draw"]["revealed"] is True and done["draw"]["seed"], done
        res = ok(await get(risk, f"{R}/{rid}/results"))
        assert res["matters_opened"] == 1, res
        # the ledger of scores: the sheet's columns headed with their points, one row per file
        r = await get(risk, f"{API}/ledgers/reviews/{rid}/scores.xlsx")
        assert r.status_code == 200, r.text
        rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        header = [c for c in rows[0] if c is not None]
        assert header[:6] == [
            "执法单位",
            "抽取序号",
            "处罚决定书文号",
            "案件编号",
            "裁量基准事项",
            "决定日期",
        ], header
        assert header[6:14] == [
            "主体（10分）",
            "事实（15分）",
            "证据（20分）",
            "程序（20分）",
            "适用法律（10分）",
            "裁量（10分）",
            "文书（10分）",
            "归档（5分）",
        ], header
        assert header[14:] == ["总分", "等级", "评查人员", "评查时间", "发现问题", "监督事项文书"], header
        body = [row for row in rows[1:] if any(c is not None for c in row)]
        assert len(body) == 5
        assert sorted(int(row[14]) for row in body) == [59, 60, 61, 89, 90]

    async def test_completing_with_an_unscored_file(self, risk: Running) -> None:
        pin(date(2026, 11, 20))
        try:
            c = ok(
                await post(
                    risk,
                    R,
                    campaign(unit_codes=[B], reviewers=[{"id": "sup-city", "name": "x", "units": [B]}]),
                ),
                201,
            )
        finally:
            pin()
        ok(await post(risk, f"{R}/{c['id']}/approve", {"public_value": "7"}))
        problem(await post(risk, f"{R}/{c['id']}/complete", {}), 409, "REVIEW_STATE_CONFLICT")


class TestBulletinsAndLedger:
    async def test_numbers_units_and_scope(self, risk: Running, drawn: dict[str, Any]) -> None:
        rid = drawn["created"]["id"]
        body = {
            "title": "2026年第三季度案卷评查情况",
            "text": "评查发现问题。\n请整改。",
            "source_kind": "review",
            "source_id": rid,
            "public": False,
        }
        first = ok(await post(risk, f"{API}/bulletins", body), 201)
        assert first["number"] == "沈司执监通〔2026〕1号" and sorted(first["unit_codes"]) == sorted([A, B]), (
            first
        )
        matters = ok(await get(risk, f"{API}/supervision/matters", limit=50))["items"]
        mbody = {
            **body,
            "title": "逾期未答复情况",
            "source_kind": "matter",
            "source_id": matters[0]["id"],
            "public": True,
        }
        second = ok(await post(risk, f"{API}/bulletins", mbody), 201)
        assert (second["number"], second["unit_codes"]) == ("沈司执监通〔2026〕2号", [A]), second
        r = await post(
            risk,
            f"{API}/bulletins",
            {**body, "unit_codes": [A]},
            personas.supervisor("210104", sub="sup-104"),
        )
        problem(r, 403, "BULLETIN_OUTSIDE_SCOPE")  # the campaign reviews CG-210104: visible to 210104
        seen_b = [b["id"] for b in ok(await get(risk, f"{API}/bulletins", unit_officer(B)))["items"]]
        assert first["id"] in seen_b and second["id"] not in seen_b
        public = [b["id"] for b in ok(await get(risk, "/public/risk/bulletins", {}))["items"]]
        assert second["id"] in public and first["id"] not in public
        r = await post(risk, f"{API}/bulletins", {**body, "source_kind": "matter", "source_id": rid})
        problem(r, 422, "BULLETIN_INVALID")

    async def test_the_matters_ledger_columns(self, risk: Running, drawn: dict[str, Any]) -> None:
        r = await get(risk, f"{API}/ledgers/supervision-matters.xlsx")
        assert r.status_code == 200, r.text
        rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        header = [c for c in rows[0] if c is not None]
        assert header == [
            "文书编号",
            "监督方式",
            "提级办理",
            "监督层级",
            "监督事项",
            "被监督单位",
            "监督对象",
            "监督事由",
            "法律依据",
            "监督要求",
            "下发时间",
            "答复期限（工作日）",
            "答复截止日",
            "办理状态",
            "逾期天数",
            "答复时间",
            "逾期答复",
            "答复方式",
            "答复内容",
            "纠正情况",
            "办结时间",
            "退回次数",
        ], header
        body = [dict(zip(header, row, strict=False)) for row in rows[1:] if any(c is not None for c in row)]
        assert len(body) == 1
        row = body[0]
        assert (
            row["文书编号"],
            row["监督方式"],
            row["提级办理"],
            row["被监督单位"],
            row["答复期限（工作日）"],
        ) == (
            "沈司监意〔2026〕1号",
            "监督意见书",
            "否",
            A,
            15,
        ), row
        assert str(row["答复截止日"])[:10] == "2026-12-14" and row["逾期天数"] in (0, "0"), row
        mine = await get(risk, f"{API}/ledgers/supervision-matters.xlsx", unit_officer(B))
        rows_b = list(openpyxl.load_workbook(io.BytesIO(mine.content)).active.iter_rows(values_only=True))
        assert [row for row in rows_b[1:] if any(c is not None for c in row)] == []


class TestDrawAndLateScores:
    async def test_no_draw_before_draw_at(self, risk: Running) -> None:
        # draw_at Tuesday 2026-11-24 10:00 China; today is Monday 2026-11-23
        c = ok(
            await post(
                risk,
                R,
                campaign(
                    unit_codes=[B],
                    reviewers=[{"id": "sup-city", "name": "x", "units": [B]}],
                    draw_at="2026-11-24T10:00:00+08:00",
                ),
            ),
            201,
        )
        r = await post(risk, f"{R}/{c['id']}/approve", {"public_value": "5"})
        assert r.status_code in (409, 422) and r.headers["content-type"].startswith(
            "application/problem+json"
        ), r.text
        assert ok(await get(risk, f"{R}/{c['id']}"))["status"] == "committed"

    async def test_no_score_after_completion(self, risk: Running, drawn: dict[str, Any]) -> None:
        # runs after TestFindingsAndCompletion completed the campaign: the scores are final
        rid, fid = drawn["created"]["id"], drawn["files"][0]["id"]
        assert ok(await get(risk, f"{R}/{rid}"))["status"] == "completed"
        r = await post(risk, f"{R}/{rid}/files/{fid}/scores", {"points": points(100)})
        problem(r, 409, "REVIEW_STATE_CONFLICT")


class TestBulletinDocuments:
    async def test_a_bulletin_not_public_is_not_served_to_the_public(
        self, risk: Running, drawn: dict[str, Any]
    ) -> None:
        listed = ok(await get(risk, f"{API}/bulletins"))["items"]
        for b in listed:
            html = await get(risk, f"{API}/bulletins/{b['id']}/html")
            assert html.status_code == 200 and b["number"] in html.text and "沈阳市司法局" in html.text
            public = await get(risk, f"/public/risk/bulletins/{b['id']}/pdf", {})
            if b["public"]:
                assert public.status_code == 200 and public.content.startswith(b"%PDF")
            else:
                assert public.status_code == 404, public.status_code
        assert {b["public"] for b in listed} == {True, False}


class TestMoreRefusals:
    async def test_the_body_is_judged_before_the_lookup(self, risk: Running) -> None:
        # a body malformed in itself is a 422 even for a campaign that does not exist (a dimension unknown to the
        # sheet needs the campaign's sheet: that one is judged after the lookup, the product's reading)
        r = await post(risk, f"{R}/{uuid.uuid4()}/files/{uuid.uuid4()}/scores", {"points": "all"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (
            r.text
        )
        r = await post(risk, f"{R}/{uuid.uuid4()}/files/{uuid.uuid4()}/scores", {"points": points(60)})
        assert r.status_code == 404, r.text

    async def test_the_ledger_of_a_campaign_not_reviewing_the_unit(
        self, risk: Running, drawn: dict[str, Any]
    ) -> None:
        rid = drawn["created"]["id"]
        r = await get(risk, f"{API}/ledgers/reviews/{rid}/scores.xlsx", unit_officer("ST-210105"))
        problem(r, 404, "REVIEW_NOT_FOUND")
        mine = await get(risk, f"{API}/ledgers/reviews/{rid}/scores.xlsx", unit_officer(B))
        rows = list(openpyxl.load_workbook(io.BytesIO(mine.content)).active.iter_rows(values_only=True))
        assert {row[0] for row in rows[1:] if any(c is not None for c in row)} == {B}
