"""The quarterly report through HTTP: a fixture city of six units worked by hand, publication (idempotent,
risk.warning.issued per warned unit), district scope, drill-down, heat table, CSV, and the rectification loop.

Decisions arrive through the service's penalty.decision.issued consumer; outcomes and complaints through
the intake endpoints. Quarter: 2026Q3 (1 July – 30 September 2026), closed on the day these tests run.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest

from services.common.inbox import parse
from services.common.pagination import encode_cursor
from tests.risk.helpers import (
    ADMIN,
    COURT,
    HOTLINE,
    RECON,
    SUPERVISOR,
    TODAY,
    apply,
    of_unit,
    pin,
    unit_officer,
)
from tests.support import personas
from tests.support.contracts import decision_issued
from tests.support.http import problem
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

A, B, C, D, E, F = "SJ-210102", "ST-210103", "CG-210104", "YJ-210105", "SJ-210106", "SJ-210111"
Q = "2026Q3"


def losses_cursor(drill: dict[str, Any]) -> str:
    """A cursor of the litigation losses' list (a day, an external id and an id), made as the server makes one."""
    loss = drill["litigation_losses"][0]
    return encode_cursor([loss["on"], loss["ref"], "00000000-0000-0000-0000-000000000000"])


def jl(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def recon(
    n: int, unit: str, domain: str, outcome: str = "revoked", day: str = "2026-08-10"
) -> dict[str, Any]:
    return {
        "external_id": f"沈复决〔2026〕{n}号",
        "unit_code": unit,
        "domain": domain,
        "outcome": outcome,
        "decided_on": day,
    }


def lit(n: int, unit: str, domain: str, result: str = "lost", day: str = "2026-09-01") -> dict[str, Any]:
    record = {
        "external_id": f"(2026)辽01行终{n}号",
        "unit_code": unit,
        "domain": domain,
        "result": result,
        "decided_on": day,
    }
    if result == "lost":
        record["loss_type"] = "revoked"
    return record


def lead(n: int, unit: str, at: str = "2026-07-15T10:00:00+08:00") -> dict[str, Any]:
    return {
        "external_id": f"12345-{n}",
        "unit_code": unit,
        "domain": "食品安全",
        "category": "执法态度",
        "text": "反映执法人员态度问题",
        "received_at": at,
    }


@pytest.fixture(scope="module")
async def city(risk: Running) -> AsyncIterator[Running]:
    """Seed the fixture city once for the module.

    unit  domain    decisions  recon.corrections  litigation losses  complaints
    A     食品安全      150            0                  1
    A     广告           50            0                  1
    B     大气污染       50            3                  0
    C     市容环卫       30            2                  1
    D     安全生产       10            2                  1
    E     食品安全        0            0                  1
    F     食品安全        0            0                  0               8
    Noise that must not count: upheld and dismissed reconsiderations, a won and a withdrawn suit, decisions
    and a complaint dated in 2026Q2.
    """
    day = date(2026, 8, 3)
    events = [
        decision_issued(**of_unit(A), domain="食品安全", decided_on=day, party_uscc=None) for _ in range(150)
    ]
    events += [
        decision_issued(**of_unit(A), domain="广告", decided_on=day, party_uscc=None) for _ in range(50)
    ]
    events += [
        decision_issued(**of_unit(B), domain="大气污染", decided_on=day, party_uscc=None) for _ in range(50)
    ]
    events += [
        decision_issued(**of_unit(C), domain="市容环卫", decided_on=day, party_uscc=None) for _ in range(30)
    ]
    events += [
        decision_issued(**of_unit(D), domain="安全生产", decided_on=day, party_uscc=None) for _ in range(10)
    ]
    events += [
        decision_issued(**of_unit(A), domain="食品安全", decided_on=date(2026, 6, 30), party_uscc=None)
        for _ in range(40)
    ]  # 2026Q2
    await apply(risk, *events)
    recons = [recon(i, B, "大气污染") for i in range(1, 4)]
    recons += [recon(i, C, "市容环卫", "changed") for i in range(4, 6)]
    recons += [recon(i, D, "安全生产", "confirmed_illegal") for i in range(6, 8)]
    recons += [recon(8, A, "食品安全", "upheld"), recon(9, A, "食品安全", "dismissed")]
    lits = [
        lit(1, A, "食品安全"),
        lit(2, A, "广告"),
        lit(3, C, "市容环卫"),
        lit(4, D, "安全生产"),
        lit(5, E, "食品安全"),
        lit(6, B, "大气污染", "won"),
        lit(7, B, "大气污染", "withdrawn"),
        lit(8, A, "食品安全", day="2026-06-29"),
    ]
    leads = [lead(i, F) for i in range(1, 9)] + [lead(9, F, "2026-06-30T23:00:00+08:00")]
    async with client(risk.url) as http:
        for path, headers, body in (
            ("reconsideration", RECON, jl(*recons)),
            ("litigation", COURT, jl(*lits)),
            ("complaints", HOTLINE, jl(*leads)),
        ):
            r = await http.post(f"/api/v1/risk/intake/{path}/bulk", content=body, headers=headers)
            assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    yield risk


async def report(running: Running, quarter: str = Q, headers: dict[str, str] = SUPERVISOR) -> dict[str, Any]:
    async with client(running.url, headers=headers) as http:
        r = await http.get(f"/api/v1/risk/reports/{quarter}")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def by_unit(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["unit_code"]: u for u in rep["units"]}


class TestHandWorkedReport:
    async def test_city_figures(self, city: Running) -> None:
        rep = await report(city)
        decisions = 150 + 50 + 50 + 30 + 10  # 290; the 40 of 2026Q2 are outside
        corrections = (3 + 2 + 2) + (2 + 1 + 1 + 1)  # recon 7 + losses 5 = 12
        assert rep["city"]["figures"]["decisions"] == decisions == 290
        assert rep["city"]["figures"]["corrections"] == corrections == 12
        assert rep["city"]["figures"]["complaints"] == 8  # the 9th lead was received in 2026Q2
        # 12 / 290 = 0.0413793... -> 4.14%
        assert rep["city"]["figures"]["correction_rate"] == "4.14%"
        # active units: A, B, C, D decided; E lost without deciding; F neither -> 5
        # losses 2 + 0 + 1 + 1 + 1 = 5 -> average 5 / 5 = 1.00
        assert rep["city"]["active_units"] == 5
        assert rep["city"]["average_losses"] == "1.00"
        assert rep["provisional"] is False and rep["published"] in (False, True)

    async def test_colours_and_lamp(self, city: Running) -> None:
        units = by_unit(await report(city))
        # red line 2 x 4.14% = 8.28%; yellow above 4.14%; rate judged from 20 decisions
        # A: (1+1)/200 = 1.00%                       -> none; 2 losses > average 1.00 -> lit
        # B: 3/50 = 6.00% > 4.14%; 3 corrections >= 3 -> yellow (rate and count)
        # C: 3/30 = 10.00% >= 8.28%, 3 corrections    -> red
        # D: 10 decisions (< 20): 3 corrections >= 3  -> yellow by count only
        # E: 1 loss, no decisions                     -> none; 1 loss is not above 1.00 -> not lit
        # F: 8 complaints >= 8                        -> red
        expected = {
            A: ("none", True),
            B: ("yellow", False),
            C: ("red", False),
            D: ("yellow", False),
            E: ("none", False),
            F: ("red", False),
        }
        assert {code: (u["colour"], u["lamp"]) for code, u in units.items()} == expected
        assert [r["rule"] for r in units[B]["reasons"]] == ["RATE_YELLOW", "CORRECTIONS_YELLOW"]
        assert [r["rule"] for r in units[D]["reasons"]] == ["CORRECTIONS_YELLOW"]
        assert units[C]["reasons"][0]["text"] == (
            # 10% / (12/290) = 29/12 = 2.4166... -> 2.42倍
            "纠错率10.00%（复议纠错2件、诉讼败诉1件，共3件／处罚决定30件），为全市纠错率4.14%的2.42倍，"
            "达到红色预警线（全市纠错率的2倍，处罚决定不少于20件且纠错不少于3件）"
        )
        assert units[A]["lamp_reason"]["text"] == (
            "本季度行政诉讼败诉2件，超过全市平均值1.00件（全市败诉5件／纳入统计单位5个），亮灯警示"
        )
        assert units[F]["reasons"][0]["text"] == "本季度12345投诉8件，达到红色预警阈值8件"
        assert units[A]["district_code"] == "210102"

    async def test_domains_judge_the_rate_only(self, city: Running) -> None:
        domains = {d["domain"]: d for d in (await report(city))["domains"]}
        # 食品安全: 150 decisions, corrections A 1 + E 1 = 2 -> 1.33% -> none (F's complaints do not colour domains)
        # 广告 1/50 = 2.00% -> none; 大气污染 3/50 = 6.00% -> yellow; 市容环卫 3/30 = 10.00% -> red;
        # 安全生产: 10 decisions < 20 -> not judged -> none
        assert domains["食品安全"]["figures"]["correction_rate"] == "1.33%"
        colours = {name: d["colour"] for name, d in domains.items()}
        assert colours == {
            "食品安全": "none",
            "广告": "none",
            "大气污染": "yellow",
            "市容环卫": "red",
            "安全生产": "none",
        }

    async def test_district_supervisor_sees_only_the_district(self, city: Running) -> None:
        rep = await report(city, headers=personas.supervisor("210104", sub="sup-104"))
        assert [u["unit_code"] for u in rep["units"]] == [C]
        assert {c["unit_code"] for c in rep["cells"]} == {C}
        assert rep["city"]["figures"]["decisions"] == 290  # the city rate is still the city's

    async def test_future_quarter_and_bad_quarter(self, city: Running) -> None:
        async with client(city.url, headers=SUPERVISOR) as http:
            r = await http.get("/api/v1/risk/reports/2099Q1")
            assert r.status_code == 422 and r.json()["code"] == "RISK_QUARTER_IN_FUTURE"
            r = await http.post("/api/v1/risk/reports/2099Q1/publish")
            assert r.status_code == 422 and r.json()["code"] == "RISK_QUARTER_IN_FUTURE"
            r = await http.get("/api/v1/risk/reports/2026Q5")
            assert r.status_code == 422
            r = await http.post("/api/v1/risk/reports/2026Q4/publish")  # today 2026-11-23: still running
            assert r.status_code == 409 and r.json()["code"] == "RISK_QUARTER_NOT_CLOSED"

    async def test_drill_down_lists_the_cases(self, city: Running) -> None:
        async with client(city.url, headers=SUPERVISOR) as http:
            r = await http.get(f"/api/v1/risk/units/{C}/quarters/{Q}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["assessment"]["colour"] == "red"
        assert len(body["decisions"]) == 30
        assert sorted(e["ref"] for e in body["reconsideration_corrections"]) == [
            "沈复决〔2026〕4号",
            "沈复决〔2026〕5号",
        ]
        assert [e["ref"] for e in body["litigation_losses"]] == ["(2026)辽01行终3号"]
        assert body["complaints"] == []

    async def test_drill_down_pages_every_list(self, city: Running) -> None:
        """A's 200 decisions of 2026Q3 (150 食品安全, 50 广告): the first 7 in the drill-down with their total
        and a cursor, the rest page by page from the list's own endpoint, in the drill-down's order (day, case
        id), each once; the lists are counted in SQL whatever the page."""
        drill, evidence = (
            f"/api/v1/risk/units/{A}/quarters/{Q}",
            f"/api/v1/risk/units/{A}/quarters/{Q}/evidence",
        )
        async with client(city.url, headers=SUPERVISOR) as http:
            whole = (await http.get(drill, params={"limit": 200})).json()
            first = (await http.get(drill, params={"limit": 7})).json()
            pages, cursor = [first["decisions"]], first["next_cursors"]["decisions"]
            while cursor:
                page = (
                    await http.get(f"{evidence}/decisions", params={"cursor": cursor, "limit": 50})
                ).json()
                pages.append(page["items"])
                cursor = page["next_cursor"]
            from_start = (await http.get(f"{evidence}/decisions", params={"limit": 3})).json()
            losses = (await http.get(f"{evidence}/litigation_losses")).json()
            foreign = await http.get(f"{evidence}/decisions", params={"cursor": losses_cursor(first)})
            unparseable = await http.get(f"{evidence}/decisions", params={"cursor": "bm90IG91cnM"})
            unknown = await http.get(f"{evidence}/cases")
            too_many = await http.get(drill, params={"limit": 201})
        totals = whole["evidence_totals"]
        assert (totals["decisions"], totals["litigation_losses"], totals["complaints"], totals["visits"]) == (
            200,
            2,
            0,
            0,
        )
        assert first["evidence_totals"] == totals and len(whole["decisions"]) == 200
        assert whole["next_cursors"] == dict.fromkeys(totals)  # every list complete at 200 a page
        assert [len(p) for p in pages] == [7, 50, 50, 50, 43]
        assert [e for p in pages for e in p] == whole["decisions"]
        assert len({e["ref"] for e in whole["decisions"]}) == 200
        assert from_start == {"items": whole["decisions"][:3], "next_cursor": from_start["next_cursor"]}
        assert losses == {"items": whole["litigation_losses"], "next_cursor": None}
        assert (first["assessment"], first["cells"]) == (whole["assessment"], whole["cells"])
        problem(foreign, 400, "INVALID_CURSOR")  # another list's key: a day and an external id, no case id
        problem(unparseable, 400, "INVALID_CURSOR")
        assert (unknown.status_code, too_many.status_code) == (422, 422)

    async def test_drill_down_judges_the_unit_as_the_report_does(self, city: Running) -> None:
        async with client(city.url, headers=SUPERVISOR) as http:
            rep = (await http.get(f"/api/v1/risk/reports/{Q}")).json()
            drills = {
                u: (await http.get(f"/api/v1/risk/units/{u}/quarters/{Q}")).json() for u in (A, B, C, D, E, F)
            }
        for u, drill in drills.items():
            assert drill["assessment"] == next(x for x in rep["units"] if x["unit_code"] == u), u
            assert drill["cells"] == [x for x in rep["cells"] if x["unit_code"] == u], u

    async def test_drill_down_scope(self, city: Running) -> None:
        async with client(city.url) as http:
            own = await http.get(f"/api/v1/risk/units/{C}/quarters/{Q}", headers=unit_officer(C))
            other = await http.get(f"/api/v1/risk/units/{B}/quarters/{Q}", headers=unit_officer(C))
            district = await http.get(
                f"/api/v1/risk/units/{B}/quarters/{Q}", headers=personas.supervisor("210104", sub="s")
            )
            unknown = await http.get(f"/api/v1/risk/units/XX-999999/quarters/{Q}", headers=SUPERVISOR)
        assert own.status_code == 200
        assert (other.status_code, district.status_code, unknown.status_code) == (404, 404, 404)

    async def test_a_malformed_unit_code_is_refused_before_any_lookup(self, city: Running) -> None:
        # the unit's path segment keeps its shape (letters, digits, . _ -; at most 64): 422, not 404
        async with client(city.url, headers=SUPERVISOR) as http:
            spaced = await http.get(f"/api/v1/risk/units/SJ%20210102/quarters/{Q}")
            long = await http.get(f"/api/v1/risk/units/{'S' * 65}/quarters/{Q}")
        problem(spaced, 422, "VALIDATION_FAILED")
        problem(long, 422, "VALIDATION_FAILED")

    async def test_heat_table_and_csv(self, city: Running) -> None:
        async with client(city.url, headers=SUPERVISOR) as http:
            heat = (await http.get(f"/api/v1/risk/reports/{Q}/heat")).json()
            r = await http.get(f"/api/v1/risk/reports/{Q}/export.csv")
        row = next(x for x in heat["rows"] if x["domain"] == "市容环卫")
        assert row["colour"] == "red" and row["cells"] == [
            {"unit_code": C, "colour": "red", "decisions": 30, "corrections": 3, "correction_rate": "10.00%"}
        ]
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["层级", "执法单位代码", "执法单位"]
        # 6 units + 5 domains + 7 cells (A has two domains)
        assert len(rows) == 1 + 6 + 5 + 7
        c_row = next(x for x in rows if x[0] == "单位" and x[1] == C)
        assert c_row[9] == "10.00%" and c_row[15] == "红色预警"


class TestPublication:
    async def test_publish_issues_warnings_once(self, city: Running) -> None:
        async with client(city.url, headers=SUPERVISOR) as http:
            first = await http.post(f"/api/v1/risk/reports/{Q}/publish")
            second = await http.post(f"/api/v1/risk/reports/{Q}/publish")
        assert first.status_code == 200, first.text
        one, two = first.json(), second.json()
        assert one["newly_published"] is True and two["newly_published"] is False
        # warned: C red, F red, B yellow, D yellow, A lit only
        assert {(w["unit_code"], w["colour"], w["lamp"]) for w in one["warnings"]} == {
            (C, "red", False),
            (F, "red", False),
            (B, "yellow", False),
            (D, "yellow", False),
            (A, "none", True),
        }
        assert one["warnings"] == two["warnings"]
        rows = await envelopes(city.runtime.factory, "risk.warning.issued")
        assert len(rows) == 5  # nothing new the second time
        parsed = [parse(json.dumps(env).encode())[1] for env in rows]
        red_c = next(e for e in parsed if e.unit_code == C)  # type: ignore[attr-defined]
        assert red_c.colour == "red" and red_c.reasons[0].startswith("纠错率10.00%")  # type: ignore[attr-defined]
        lit_a = next(e for e in parsed if e.unit_code == A)  # type: ignore[attr-defined]
        assert lit_a.colour == "none" and lit_a.lit is True  # type: ignore[attr-defined]
        # Published Monday 2026-11-23 (Beijing). Deadlines in working days after that day, no holiday until
        # 2027: red 15 -> 11-24..27 (4), 11-30..12-04 (9), 12-07..12-11 (14), 12-14 (15) = 2026-12-14;
        # yellow 20 and lit-only 20 -> 12-15..12-18 (19), 12-21 (20) = 2026-12-21.
        deadlines = {w["unit_code"]: w["deadline"] for w in one["warnings"]}
        assert deadlines == {
            C: "2026-12-14",
            F: "2026-12-14",
            B: "2026-12-21",
            D: "2026-12-21",
            A: "2026-12-21",
        }
        assert red_c.rectification_due_on == date(2026, 12, 14)  # type: ignore[attr-defined]

    async def test_published_report_is_the_snapshot(self, city: Running) -> None:
        rep = await report(city)
        assert rep["published"] is True and rep["published_at"] is not None
        assert by_unit(rep)[C]["colour"] == "red"
        # a late outcome does not change what was published
        async with client(city.url, headers=RECON) as http:
            r = await http.post("/api/v1/risk/intake/reconsideration", json=recon(99, E, "食品安全"))
            assert r.status_code == 201
        assert by_unit(await report(city))[E]["figures"]["reconsideration_corrections"] == 0

    async def test_next_quarter_shows_improvement(self, city: Running) -> None:
        rep = await report(city, quarter="2026Q4")
        follow = {f["unit_code"]: f for f in rep["follow_up"]}
        assert set(follow) == {A, B, C, D, F}
        assert follow[C]["improved"] is True and follow[C]["previous"]["colour"] == "red"
        assert "上季度红色预警，本季度无预警，有所好转" in follow[C]["text"]


class TestRectification:
    async def warning_of(self, city: Running, unit: str) -> str:
        async with client(city.url, headers=SUPERVISOR) as http:
            items = (
                await http.get("/api/v1/risk/rectifications", params={"quarter": Q, "limit": 200})
            ).json()
        return next(i["warning_id"] for i in items["items"] if i["unit_code"] == unit)

    async def test_unit_reads_only_its_own(self, city: Running) -> None:
        wid_c = await self.warning_of(city, C)
        async with client(city.url) as http:
            mine = await http.get(f"/api/v1/risk/rectifications/{wid_c}", headers=unit_officer(C))
            theirs = await http.get(f"/api/v1/risk/rectifications/{wid_c}", headers=unit_officer(B))
            listed = (await http.get("/api/v1/risk/rectifications", headers=unit_officer(B))).json()
            submit = await http.post(
                f"/api/v1/risk/rectifications/{wid_c}/submit",
                json={"measures": "冒充"},
                headers=unit_officer(B),
            )
            far = await http.get(
                f"/api/v1/risk/rectifications/{wid_c}", headers=personas.supervisor("210102", sub="s")
            )
            ent = await http.get(
                f"/api/v1/risk/rectifications/{wid_c}",
                headers=personas.enterprise("91210102MA0P5QXX4Q", sub="e"),
            )
        assert mine.status_code == 200 and mine.json()["status"] == "pending"
        assert (theirs.status_code, submit.status_code, far.status_code) == (404, 404, 404)
        assert ent.status_code == 403
        assert [i["unit_code"] for i in listed["items"]] == [B]

    async def test_submit_reopen_submit_close(self, city: Running) -> None:
        wid = await self.warning_of(city, C)
        async with client(city.url) as http:
            r = await http.post(f"/api/v1/risk/rectifications/{wid}/close", json={}, headers=SUPERVISOR)
            assert r.status_code == 409 and r.json()["code"] == "RECTIFICATION_NOT_SUBMITTED"
            r = await http.post(
                f"/api/v1/risk/rectifications/{wid}/submit",
                json={"measures": "重新培训程序规定"},
                headers=unit_officer(C),
            )
            assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
            r = await http.post(f"/api/v1/risk/rectifications/{wid}/close", json={}, headers=unit_officer(C))
            assert r.status_code == 403  # a unit cannot close its own rectification
            r = await http.post(
                f"/api/v1/risk/rectifications/{wid}/reopen", json={"reason": "措施不具体"}, headers=SUPERVISOR
            )
            assert r.status_code == 200 and r.json()["status"] == "reopened" and r.json()["reopen_count"] == 1
            r = await http.post(
                f"/api/v1/risk/rectifications/{wid}/submit",
                json={"measures": "逐案复查并建立审核清单"},
                headers=unit_officer(C),
            )
            assert r.json()["status"] == "submitted"
            r = await http.post(
                f"/api/v1/risk/rectifications/{wid}/close", json={"note": "销号"}, headers=SUPERVISOR
            )
            assert r.status_code == 200 and r.json()["status"] == "closed"
            assert [h["to_status"] for h in r.json()["history"]] == [
                "pending",
                "submitted",
                "reopened",
                "submitted",
                "closed",
            ]
            r = await http.post(
                f"/api/v1/risk/rectifications/{wid}/submit",
                json={"measures": "再次"},
                headers=unit_officer(C),
            )
            assert r.status_code == 409 and r.json()["code"] == "RECTIFICATION_CLOSED"

    async def test_overdue_list(self, city: Running) -> None:
        wid_f = await self.warning_of(city, F)
        async with client(city.url, headers=SUPERVISOR) as http:
            before = (await http.get("/api/v1/risk/rectifications/overdue")).json()["items"]
            assert wid_f not in [i["warning_id"] for i in before]
            pin(TODAY + timedelta(days=40))  # beyond every deadline (at most 20 working days)
            try:
                after = (await http.get("/api/v1/risk/rectifications/overdue")).json()["items"]
            finally:
                pin()
        overdue = {i["unit_code"]: i for i in after}
        assert C not in overdue  # closed
        assert overdue[F]["overdue"] is True and overdue[F]["days_overdue"] > 0
        assert {A, B, D, F} <= set(overdue)

    async def test_withdraw_needs_a_reason(self, city: Running) -> None:
        wid = await self.warning_of(city, D)
        async with client(city.url, headers=ADMIN) as http:
            r = await http.post(f"/api/v1/risk/rectifications/{wid}/withdraw", json={"reason": "  "})
            assert r.status_code == 422
            r = await http.post(f"/api/v1/risk/rectifications/{wid}/withdraw", json={"reason": "源数据有误"})
            assert r.status_code == 200 and r.json()["status"] == "withdrawn"


class TestOverview:
    async def test_city_overview(self, city: Running) -> None:
        async with client(city.url, headers=SUPERVISOR) as http:
            r = await http.get(f"/api/v1/risk/overview/{Q}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["units"] == {"red": 2, "yellow": 2, "blue": 0, "none": 2}
        assert body["lit_units"] == [A]
        assert [u["unit_code"] for u in body["warned_units"]] == [C, F, B, D, A]
        assert body["rectifications"]["closed"] >= 1
