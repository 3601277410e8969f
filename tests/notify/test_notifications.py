"""The notification log: an event becomes its recipients' notifications once (whatever the redeliveries),
numbered per recipient; each caller pages through its own only, filters the unread, marks read."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.common.contracts import risk
from services.common.events import make_envelope
from tests.notify.conftest import Notify
from tests.notify.helpers import DEPT_HEAD, ENT_A, ENT_B, OFFICER, USCC_A, USCC_B, publish, visit_started
from tests.support import personas
from tests.support.http import problem
from tests.support.stack import client, wait_for

API = "/api/v1/notifications"


async def items(headers: dict[str, str], base: str, **params: str) -> list[dict[str, object]]:
    async with client(base, headers=headers) as http:
        r = await http.get(API, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_scan_at_the_door_notifies_the_enterprise_once(notify: Notify) -> None:
    event = visit_started(USCC_B)
    envelope = make_envelope(event, source="inspection")
    await publish(notify.js, event, envelope=envelope)

    async def arrived() -> list[dict[str, object]]:
        return await items(ENT_B, notify.base)

    [first] = await wait_for(arrived)
    assert first["title"] == "执法人员已扫码进入检查" and first["seq"] == 1
    assert "第五十五条" in str(first["body"]) and "辽A-0012340" in str(first["body"])
    assert first["link"] == f"/api/v1/inspection/visits/{event.visit_id}"
    assert first["read_at"] is None and first["source_event_type"] == "inspection.visit.started"
    # Published again (a new NATS message id, the same event): still one notification.
    await notify.js.publish(
        event.TYPE, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(uuid.uuid4())}
    )
    second = visit_started(USCC_B, mode="entry_code")
    await publish(notify.js, second)
    listed = await wait_for(lambda: _at_least(ENT_B, notify.base, 2))
    assert [n["seq"] for n in listed] == [2, 1]  # newest first, numbered per recipient without gaps
    engine = create_async_engine(notify.url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                sa.text("SELECT count(*) FROM notification WHERE source_event_id = :id"), {"id": envelope.id}
            )
    finally:
        await engine.dispose()
    assert count == 1


async def _at_least(headers: dict[str, str], base: str, n: int) -> list[dict[str, object]] | None:
    found = await items(headers, base)
    return found if len(found) >= n else None


async def test_each_reads_only_its_own_and_marks_read(notify: Notify) -> None:
    await publish(notify.js, visit_started(USCC_A))
    [mine] = await wait_for(lambda: _at_least(ENT_A, notify.base, 1))
    assert all(n["id"] != mine["id"] for n in await items(ENT_B, notify.base))
    assert await items(OFFICER, notify.base) == [] and await items(DEPT_HEAD, notify.base) == []
    async with client(notify.base, headers=ENT_B) as http:
        problem(await http.post(f"{API}/{mine['id']}/read"), 404, "NOTIFICATION_NOT_FOUND")
    async with client(notify.base, headers=ENT_A) as http:
        page = (await http.get(API, params={"unread": "true"})).json()
        assert page["unread"] == 1 and [n["id"] for n in page["items"]] == [mine["id"]]
        read = await http.post(f"{API}/{mine['id']}/read")
        assert read.status_code == 200 and read.json()["read_at"] is not None
        again = await http.post(f"{API}/{mine['id']}/read")
        assert again.json()["read_at"] == read.json()["read_at"]  # the first read counts
        page = (await http.get(API, params={"unread": "true"})).json()
        assert page == {"items": [], "next_cursor": None, "unread": 0}


async def test_read_all_and_paging(notify: Notify) -> None:
    uscc = "91210102MA0P5QXX4Q"
    headers = personas.enterprise(uscc, sub="ent-paging")
    for _ in range(5):
        await publish(notify.js, visit_started(uscc))
    await wait_for(lambda: _at_least(headers, notify.base, 5))
    async with client(notify.base, headers=headers) as http:
        first = (await http.get(API, params={"limit": 2})).json()
        second = (await http.get(API, params={"limit": 2, "cursor": first["next_cursor"]})).json()
        third = (await http.get(API, params={"limit": 2, "cursor": second["next_cursor"]})).json()
        seqs = [n["seq"] for p in (first, second, third) for n in p["items"]]
        assert seqs == [5, 4, 3, 2, 1] and third["next_cursor"] is None
        problem(await http.get(API, params={"cursor": "AAAA"}), 400, "INVALID_CURSOR")
        problem(await http.get(API, params={"unread": "maybe"}), 422, "VALIDATION_FAILED")
        marked = await http.post(f"{API}/read-all")
        assert marked.json() == {"marked": 5}
        assert (await http.post(f"{API}/read-all")).json() == {"marked": 0}
        assert (await http.get(API)).json()["unread"] == 0


async def test_a_matter_deadline_computed_in_risk_reaches_the_unit(notify: Notify) -> None:
    """Risk enters 2027 and computes a pending matter's deadline: the unit's log gets the date, once."""
    event = risk.SupervisionMatterDeadlineSet(
        matter_id=uuid.uuid4(),
        kind="correction",
        target_kind="case",
        target_id=uuid.uuid4(),
        unit_code="SJ-210102",
        # opened Mon 2026-12-21 with 10 working days; 2027 entered with 元旦 (Fri 01-01) off → Tue 2027-01-05
        due_on=date(2027, 1, 5),
        document_no="沈司纠错〔2026〕11号",
        answered=False,
    )
    envelope = await publish(notify.js, event)
    await publish(notify.js, event, envelope=envelope)  # redelivered: still one

    async def arrived() -> list[dict[str, object]] | None:
        kind = "risk.supervision.matter_deadline_set"
        found = [n for n in await items(DEPT_HEAD, notify.base) if n["source_event_type"] == kind]
        return found or None

    [note] = await wait_for(arrived)
    assert note["title"] == "监督事项答复期限：纠错通知书"
    assert "沈司纠错〔2026〕11号" in str(note["body"]) and "请于2027年1月5日前答复" in str(note["body"])
    assert note["link"] == f"/api/v1/risk/supervision/matters/{event.matter_id}"


async def test_a_rectification_deadline_computed_in_risk_reaches_the_unit(notify: Notify) -> None:
    """Risk enters 2027 and computes a pending rectification deadline: the unit's log gets the date, once."""
    event = risk.RectificationDeadlineSet(
        warning_id=uuid.uuid4(),
        unit_code="SJ-210102",
        quarter="2026Q4",
        # issued Tue 2027-01-05, red 15 working days: Wed 06 (1), Thu 07 (2), Fri 08 (3), Mon 11 (4), Tue 12 (5),
        # Wed 13 (6), Thu 14 (7), Fri 15 (8), Mon 18 (9), Tue 19 (10), Wed 20 (11), Thu 21 (12), Fri 22 (13),
        # Mon 25 (14), Tue 26 (15) → 2027-01-26
        due_on=date(2027, 1, 26),
        reopened=False,
    )
    envelope = await publish(notify.js, event)
    await publish(notify.js, event, envelope=envelope)  # redelivered: still one

    async def arrived() -> list[dict[str, object]] | None:
        kind = "risk.rectification.deadline_set"
        found = [n for n in await items(DEPT_HEAD, notify.base) if n["source_event_type"] == kind]
        return found or None

    [note] = await wait_for(arrived)
    assert note["title"] == "整改期限已确定" and "请于2027年1月26日前完成整改" in str(note["body"])
    assert note["link"] == f"/api/v1/risk/rectifications/{event.warning_id}"
