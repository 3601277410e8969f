"""Supervision matters over HTTP (个案监督 and 提级办理, issue #14): open with a numbered document and a
working-day deadline, answer, close, reopen, escalation to the city, overdue marking, visibility.

The clock is pinned to Monday 2026-11-23 (tests/risk/conftest.py). Deadlines by hand on the 2026 calendar
(no holiday between 23 November and 7 December 2026):
  5 working days after Mon 11-23: Tue 24, Wed 25, Thu 26, Fri 27, Mon 30  → 2026-11-30
  10 working days after Mon 11-23: the five above, then Tue 12-01 … Fri 12-04 (4), Mon 12-07 → 2026-12-07
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from datetime import date, datetime
from typing import Any

from services.common.db import transaction
from services.risk import jobs
from services.risk.use_cases import matters as matter_cases
from tests.risk.helpers import HOTLINE, SUPERVISOR, pin, unit_officer
from tests.support import personas
from tests.support.outbox import envelopes
from tests.support.stack import Running, client

API = "/api/v1/risk/supervision/matters"
UNIT, OTHER = "SJ-210102", "CG-210104"
DISTRICT_102 = personas.supervisor("210102", sub="sup-102")
DISTRICT_104 = personas.supervisor("210104", sub="sup-104")


def body(target_kind: str, target_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "correction",
        "target_kind": target_kind,
        "target_id": target_id,
        "grounds": "当事人反映检查中未出示执法证件",
        "legal_basis": "《行政处罚法》第五十五条第一款",
        "requested_action": "核查执法人员出示证件情况并纠正",
        "deadline_working_days": 5,
        **extra,
    }


async def a_lead(risk: Running, n: int, unit: str = UNIT) -> str:
    record = {
        "external_id": f"MATTER-{n}",
        "unit_code": unit,
        "domain": "食品安全",
        "category": "执法态度",
        "text": "检查人员未出示证件",
        "received_at": "2026-11-20T09:00:00+08:00",
    }
    async with client(risk.url, headers=HOTLINE) as http:
        r = await http.post("/api/v1/risk/intake/complaints", content=json.dumps(record, ensure_ascii=False))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_a_correction_notice_on_a_lead_is_answered_and_closed(risk: Running) -> None:
    lead_id = await a_lead(risk, 1)
    async with client(risk.url) as http:
        r = await http.post(API, json=body("lead", lead_id), headers=SUPERVISOR)
        assert r.status_code == 201, r.text
        matter = r.json()
        # the unit is the lead's; the deadline 5 working days after Mon 2026-11-23 (module docstring)
        assert (matter["unit_code"], matter["target_ref"]) == (UNIT, "MATTER-1")
        assert matter["due_on"] == "2026-11-30"
        assert (matter["status"], matter["status_label"]) == ("open", "待答复")
        assert matter["title"] == "纠错通知书：12345热线线索 MATTER-1"
        assert matter["document_no"].startswith("沈司纠错〔2026〕")
        assert matter["supervision_level"] == "district"
        mid = matter["id"]

        opened = await envelopes(risk.runtime.factory, "risk.supervision.matter_opened", matter_id=mid)
        assert len(opened) == 1 and opened[0]["subject"] == lead_id
        assert opened[0]["data"]["due_on"] == "2026-11-30" and opened[0]["data"]["unit_code"] == UNIT

        # a supervisor does not answer for the unit; the unit does
        r = await http.post(
            f"{API}/{mid}/answer", json={"outcome": "explained", "text": "x"}, headers=SUPERVISOR
        )
        assert (r.status_code, r.json()["code"]) == (403, "SUPERVISION_MATTER_UNIT_ONLY")
        answer = {"outcome": "corrected", "text": "已核查", "corrected": "对两名执法人员批评教育并重新培训"}
        r = await http.post(f"{API}/{mid}/answer", json=answer, headers=unit_officer(UNIT))
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["answered_late"]) == ("answered", False)

        # the unit cannot close it; the supervisor does
        r = await http.post(f"{API}/{mid}/close", json={}, headers=unit_officer(UNIT))
        assert (r.status_code, r.json()["code"]) == (403, "SUPERVISION_MATTER_SUPERVISOR_ONLY")
        r = await http.post(f"{API}/{mid}/close", json={"note": "纠正到位"}, headers=SUPERVISOR)
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["closed_by"]) == ("closed", "sup-city")
        assert [h["to_status"] for h in r.json()["history"]] == ["open", "answered", "closed"]
        closed = await envelopes(risk.runtime.factory, "risk.supervision.matter_closed", matter_id=mid)
        assert len(closed) == 1 and closed[0]["subject"] == lead_id

        # a closed matter takes no answer
        r = await http.post(f"{API}/{mid}/answer", json=answer, headers=unit_officer(UNIT))
        assert (r.status_code, r.json()["code"]) == (409, "SUPERVISION_MATTER_INVALID_TRANSITION")

        audit = (await http.get(f"/api/v1/risk/audit/entities/matter/{mid}", headers=SUPERVISOR)).json()
        actions = [e["action"] for e in audit["items"]]
        assert actions == [
            "supervision.matter.opened",
            "supervision.matter.answered",
            "supervision.matter.closed",
        ]


async def test_documents_are_numbered_per_kind_and_year_and_render(risk: Running) -> None:
    target = str(uuid.uuid4())
    async with client(risk.url, headers=SUPERVISOR) as http:
        first = (await http.post(API, json=body("visit", target, unit_code=UNIT, kind="opinion"))).json()
        second = (await http.post(API, json=body("visit", target, unit_code=UNIT, kind="opinion"))).json()
        _, year, seq = matter_cases.m.parse_number(first["document_no"])
        assert first["document_no"] == f"沈司监意〔2026〕{seq}号" and year == 2026
        assert second["document_no"] == f"沈司监意〔2026〕{seq + 1}号"  # the next of the same kind and year
        html = await http.get(f"{API}/{first['id']}/documents/html")
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
        assert "行政执法监督意见书" in html.text and first["document_no"] in html.text
        assert "2026年11月30日" in html.text  # the deadline in the Chinese form
        pdf = await http.get(f"{API}/{first['id']}/documents/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # the Chinese font is embedded (font dictionaries may sit in compressed streams: inflate them)
        chunks = [pdf.content]
        for match in re.finditer(rb"stream\r?\n", pdf.content):
            try:
                chunks.append(zlib.decompressobj().decompress(pdf.content[match.end() :]))
            except zlib.error:
                continue
        assert re.search(rb"/FontName\s*/[A-Z]{6}\+Noto-Serif-CJK-SC", b"".join(chunks))
        again = await http.get(f"{API}/{first['id']}/documents/pdf")  # kept: the same bytes
        assert again.content == pdf.content
        r = await http.get(f"{API}/{first['id']}/documents/docx")
        assert r.status_code == 422


async def test_a_rejected_answer_reopens_with_a_new_deadline(risk: Running) -> None:
    target = str(uuid.uuid4())
    async with client(risk.url) as http:
        mid = (await http.post(API, json=body("visit", target, unit_code=UNIT), headers=SUPERVISOR)).json()[
            "id"
        ]
        explained = {"outcome": "explained", "text": "检查程序合法"}
        assert (
            await http.post(f"{API}/{mid}/answer", json=explained, headers=unit_officer(UNIT))
        ).status_code == 200
        reopen = {"reason": "说明不充分，未附执法记录仪视频", "deadline_working_days": 10}
        r = await http.post(f"{API}/{mid}/reopen", json=reopen, headers=SUPERVISOR)
        assert r.status_code == 200, r.text
        # 10 working days after Mon 2026-11-23 → 2026-12-07 (module docstring)
        assert (r.json()["status"], r.json()["due_on"], r.json()["reopen_count"]) == ("open", "2026-12-07", 1)
        r = await http.post(f"{API}/{mid}/reopen", json=reopen, headers=SUPERVISOR)
        assert (r.status_code, r.json()["code"]) == (409, "SUPERVISION_MATTER_INVALID_TRANSITION")


async def test_bad_input_is_refused_at_its_field(risk: Running) -> None:
    target = str(uuid.uuid4())
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.post(API, json=body("visit", target))  # a visit names its unit
        assert (r.status_code, r.json()["code"]) == (422, "SUPERVISION_MATTER_INPUT_INVALID")
        r = await http.post(API, json=body("visit", target, unit_code=UNIT, deadline_working_days=0))
        assert r.status_code == 422
        r = await http.post(API, json=body("visit", target, unit_code=UNIT, deadline_working_days="5"))
        assert r.status_code == 422
        lead_id = await a_lead(risk, 2)
        r = await http.post(API, json=body("lead", lead_id, unit_code=OTHER))  # not the lead's unit
        assert (r.status_code, r.json()["code"]) == (422, "SUPERVISION_MATTER_INPUT_INVALID")
        mid = (await http.post(API, json=body("visit", target, unit_code=UNIT))).json()["id"]
    async with client(risk.url, headers=unit_officer(UNIT)) as http:
        r = await http.post(f"{API}/{mid}/answer", json={"outcome": "corrected", "text": "已纠正"})
        assert (r.status_code, r.json()["code"]) == (422, "SUPERVISION_MATTER_INPUT_INVALID")
        # the body is judged before the matter: a bad body on an unknown matter is 422, not 404
        r = await http.post(f"{API}/{uuid.uuid4()}/answer", json={"outcome": "maybe", "text": "x"})
        assert r.status_code == 422


async def test_escalation_moves_supervision_to_the_city(risk: Running) -> None:
    target = str(uuid.uuid4())
    async with client(risk.url) as http:
        # the district supervisor of 210102 escalates (提级办理) a visit of its district's unit
        r = await http.post(
            API, json=body("visit", target, unit_code=UNIT, kind="escalation"), headers=DISTRICT_102
        )
        assert r.status_code == 201, r.text
        escalated = r.json()
        assert escalated["document_no"].startswith("沈司提级〔2026〕")
        assert (escalated["supervision_level"], escalated["level_decided_by"]) == ("city", "sup-102")
        assert escalated["level_decided_at"] is not None
        # a district supervisor can no longer open matters on it, nor act on them; they still see them
        r = await http.post(API, json=body("visit", target, unit_code=UNIT), headers=DISTRICT_102)
        assert (r.status_code, r.json()["code"]) == (403, "SUPERVISION_CITY_LEVEL")
        r = await http.post(API, json=body("visit", target, unit_code=UNIT), headers=SUPERVISOR)
        assert r.status_code == 201 and r.json()["supervision_level"] == "city"
        mid = escalated["id"]
        assert (await http.get(f"{API}/{mid}", headers=DISTRICT_102)).status_code == 200
        answer = {"outcome": "corrected", "text": "已整改", "corrected": "撤销违法检查结论"}
        assert (
            await http.post(f"{API}/{mid}/answer", json=answer, headers=unit_officer(UNIT))
        ).status_code == 200
        r = await http.post(f"{API}/{mid}/close", json={}, headers=DISTRICT_102)
        assert (r.status_code, r.json()["code"]) == (403, "SUPERVISION_CITY_LEVEL")
        r = await http.post(f"{API}/{mid}/close", json={}, headers=SUPERVISOR)
        assert r.status_code == 200 and r.json()["status"] == "closed"
        # another district's supervisor cannot open a matter on this unit: it looks absent
        r = await http.post(API, json=body("visit", str(uuid.uuid4()), unit_code=UNIT), headers=DISTRICT_104)
        assert (r.status_code, r.json()["code"]) == (404, "RISK_UNIT_NOT_FOUND")


async def test_a_unit_sees_only_its_own_matters(risk: Running) -> None:
    async with client(risk.url) as http:
        mine = (
            await http.post(API, json=body("visit", str(uuid.uuid4()), unit_code=UNIT), headers=SUPERVISOR)
        ).json()
        theirs = (
            await http.post(API, json=body("visit", str(uuid.uuid4()), unit_code=OTHER), headers=SUPERVISOR)
        ).json()
        assert (await http.get(f"{API}/{theirs['id']}", headers=unit_officer(UNIT))).status_code == 404
        assert (await http.get(f"{API}/{mine['id']}", headers=unit_officer(UNIT))).status_code == 200
        listed = (await http.get(API, headers=unit_officer(UNIT), params={"limit": 200})).json()["items"]
        assert {i["unit_code"] for i in listed} == {UNIT} and mine["id"] in {i["id"] for i in listed}
        # the supervisors' console lists one unit's matters with title, status label and deadline
        page = (await http.get(API, headers=SUPERVISOR, params={"unit_code": OTHER})).json()
        assert [i["id"] for i in page["items"]] == [theirs["id"]]
        assert {"title", "status_label", "due_on"} <= set(page["items"][0])
        # a district supervisor sees its district's units only
        r = await http.get(f"{API}/{mine['id']}", headers=DISTRICT_104)
        assert (r.status_code, r.json()["code"]) == (404, "SUPERVISION_MATTER_NOT_FOUND")


async def test_paging_walks_every_matter_once(risk: Running) -> None:
    async with client(risk.url, headers=SUPERVISOR) as http:
        for _ in range(3):
            await http.post(API, json=body("visit", str(uuid.uuid4()), unit_code="YJ-210105"))
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"unit_code": "YJ-210105", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await http.get(API, params=params)).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 3
        # a cursor that is not one of ours is refused, not ignored
        r = await http.get(API, params={"cursor": "eyJhIjoxfQ"})  # {"a":1}
        assert (r.status_code, r.json()["code"]) == (400, "INVALID_CURSOR")


async def test_the_job_marks_unanswered_matters_overdue_and_a_late_answer_is_late(risk: Running) -> None:
    """Opened Mon 2026-11-23 with 1 working day: the last day is Tue 11-24; on Wed 11-25 it is overdue."""
    async with client(risk.url, headers=SUPERVISOR) as http:
        mid = (
            await http.post(
                API, json=body("visit", str(uuid.uuid4()), unit_code=UNIT, deadline_working_days=1)
            )
        ).json()["id"]
    async with transaction(risk.runtime.factory) as session:
        await matter_cases.mark_overdue(session, today=date(2026, 11, 24))  # the last day: not yet
    async with client(risk.url, headers=SUPERVISOR) as http:
        assert (await http.get(f"{API}/{mid}")).json()["status"] == "open"
    pin(date(2026, 11, 25))
    try:
        await jobs.supervision_overdue(risk.runtime)  # the periodic job's round, on Wed 2026-11-25
        async with client(risk.url, headers=SUPERVISOR) as http:
            matter = (await http.get(f"{API}/{mid}")).json()
            assert (matter["status"], matter["status_label"]) == ("overdue", "逾期未答复")
            assert matter["days_overdue"] == 1  # last day Tue 11-24, today Wed 11-25
            assert matter["history"][-1]["to_status"] == "overdue"
            answer = {"outcome": "explained", "text": "人员出差，延误答复"}
            r = await http.post(f"{API}/{mid}/answer", json=answer, headers=unit_officer(UNIT))
    finally:
        pin()
        assert (r.json()["status"], r.json()["answered_late"]) == ("answered", True)


async def test_the_overdue_matter_turns_its_unit_yellow_with_the_reason(risk: Running) -> None:
    """After the previous test: one matter of SJ-210102 went overdue on 2026-11-25 (in 2026Q4, judged by the
    config version 2026.5, which keeps 2026.4's ``overdue_matters`` yellow threshold 1). 1 >= 1 → yellow; the unit's two
    12345 leads of this module stay under the complaints threshold 3."""
    async with client(risk.url, headers=SUPERVISOR) as http:
        rep = (await http.get("/api/v1/risk/reports/2026Q4")).json()
        unit = next(u for u in rep["units"] if u["unit_code"] == UNIT)
        assert unit["figures"]["overdue_matters"] == 1
        assert unit["colour"] == "yellow"
        reason = next(r for r in unit["reasons"] if r["rule"] == "OVERDUE_MATTERS_YELLOW")
        assert reason["text"] == "本季度监督事项逾期未答复或逾期答复1件，达到黄色预警阈值1件"
        drill = (await http.get(f"/api/v1/risk/units/{UNIT}/quarters/2026Q4")).json()
        assert [e["on"] for e in drill["overdue_matters"]] == ["2026-11-25"]
        assert "逾期" in drill["overdue_matters"][0]["detail"]
        # 2026Q3 is judged by 2026.1, which has no such indicator (and the matter is not in it anyway)
        q3 = (await http.get("/api/v1/risk/reports/2026Q3")).json()
        assert all(u["figures"]["overdue_matters"] == 0 for u in q3["units"])


async def test_an_overdue_matter_on_a_lead_counts_in_the_leads_domain(risk: Running) -> None:
    lead_id = await a_lead(risk, 3, unit=OTHER)
    async with client(risk.url, headers=SUPERVISOR) as http:
        r = await http.post(API, json=body("lead", lead_id, deadline_working_days=1))
        mid = r.json()["id"]
    async with transaction(risk.runtime.factory) as session:
        await matter_cases.mark_overdue(session, today=date(2026, 11, 25))
    async with client(risk.url, headers=SUPERVISOR) as http:
        drill = (await http.get(f"/api/v1/risk/units/{OTHER}/quarters/2026Q4")).json()
    assert [(e["ref"], e["domain"]) for e in drill["overdue_matters"]] == [(mid, "食品安全")]


async def test_the_matters_ledger(risk: Running) -> None:
    """监督事项台账 (issue #15 item 4): xlsx with Chinese headers, a row per matter the caller's list shows."""
    import io

    from openpyxl import load_workbook

    async with client(risk.url, headers=SUPERVISOR) as http:
        opened = (
            await http.post(
                API, json=body("visit", str(uuid.uuid4()), kind="escalation", unit_code="YJ-210105")
            )
        ).json()
        listed = (await http.get(API, params={"limit": 200})).json()["items"]
        city = await http.get("/api/v1/risk/ledgers/supervision-matters.xlsx")
        unit = await http.get("/api/v1/risk/ledgers/supervision-matters.xlsx", headers=unit_officer(UNIT))
        own = (await http.get(API, params={"limit": 200}, headers=unit_officer(UNIT))).json()["items"]
    assert city.status_code == 200 and city.headers["content-type"].endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(city.content)).active
    assert sheet is not None and sheet.title == "监督事项台账"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("文书编号", "监督方式", "提级办理", "监督层级", "监督事项")
    by_no = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_no) == {m["document_no"] for m in listed}  # the supervisor's list, every matter once
    row = by_no[opened["document_no"]]
    # opened Mon 2026-11-23 with 5 working days: Tue 24, Wed 25, Thu 26, Fri 27, Mon 30 → 2026-11-30
    assert row["答复截止日"] == datetime(2026, 11, 30, 0, 0)
    assert (row["监督方式"], row["提级办理"], row["监督层级"]) == ("提级办理", "是", "市级")
    assert (row["被监督单位"], row["办理状态"], row["逾期天数"]) == ("YJ-210105", "待答复", 0)
    assert row["下发时间"].date() == date(2026, 11, 23)  # China time, without an offset
    # the earlier test's matter, answered late on 2026-11-25 after its last day 11-24
    late = next(m for m in listed if m["answered_late"])
    assert by_no[late["document_no"]]["逾期答复"] == "是"
    assert by_no[late["document_no"]]["答复方式"] == "说明理由"
    unit_rows = list(load_workbook(io.BytesIO(unit.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert {r[0] for r in unit_rows[1:]} == {m["document_no"] for m in own}  # an officer: its unit's only
    assert {r[5] for r in unit_rows[1:]} == {UNIT}
