"""A supervision matter of the justice bureau holds its case open (issue #14): penalty keeps the matters risk
opened on a case (risk.supervision.matter_opened / matter_closed, through the service's declared consumers)
and refuses 结案 while one is open, naming it; the case read lists the open matters."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.common.contracts.risk import (
    SupervisionMatterClosed,
    SupervisionMatterDeadlineSet,
    SupervisionMatterOpened,
)
from services.common.db import transaction
from services.common.events import Event, make_envelope
from services.penalty import consumers
from tests.penalty.helpers import SJ_A, SJ_B, open_case
from tests.support.http import ok, problem
from tests.support.personas import officer, supervisor
from tests.support.stack import Running, client

AT = datetime(2026, 11, 16, 2, tzinfo=UTC)


async def apply(running: Running, *items: Event) -> None:
    subs = {s.subject: s for s in consumers.consumers.subscriptions(running.runtime.context)}
    for event in items:
        async with transaction(running.runtime.factory) as session:
            await subs[event.TYPE].handler(session, make_envelope(event, source="risk"), event)


def matter(case_id: str, matter_id: uuid.UUID, **kw: object) -> dict[str, object]:
    return {
        "matter_id": matter_id,
        "kind": "correction",
        "target_kind": "case",
        "target_id": uuid.UUID(case_id),
        "unit_code": "SJ-210102",
        "due_on": date(2026, 11, 23),
        "document_no": "沈司纠错〔2026〕1号",
        **kw,
    }


async def test_a_case_with_an_open_matter_cannot_close_until_it_is_closed(penalty: Running) -> None:
    async with client(penalty.url) as http:
        case = await open_case(http, who=SJ_A, partner=SJ_B)
        cid = case["id"]
        assert case["supervision_matters"] == []
        mid = uuid.uuid4()
        await apply(penalty, SupervisionMatterOpened(**matter(cid, mid), opened_at=AT))
        # a matter on a visit with the same id is not the case's
        await apply(
            penalty,
            SupervisionMatterOpened(
                **matter(cid, uuid.uuid4(), target_kind="visit", document_no="沈司纠错〔2026〕2号"),
                opened_at=AT,
            ),
        )
        read = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert read["supervision_matters"] == [
            {
                "matter_id": str(mid),
                "kind": "correction",
                "title": "纠错通知书 沈司纠错〔2026〕1号",
                "document_no": "沈司纠错〔2026〕1号",
                "due_on": "2026-11-23",
            }
        ]
        seen = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=supervisor("city")))
        assert [m["matter_id"] for m in seen["supervision_matters"]] == [str(mid)]

        close = {"reason": "not_established", "note": "经调查，违法事实不成立，撤销立案"}
        body = problem(
            await http.post(f"/api/v1/penalty/cases/{cid}/closure", json=close, headers=officer(**SJ_A)),
            409,
            "CASE_UNDER_SUPERVISION",
        )
        assert "纠错通知书 沈司纠错〔2026〕1号" in body["detail"] and "2026-11-23" in body["detail"]
        assert (
            ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))["state"] != "closed"
        )

        closed = SupervisionMatterClosed(**matter(cid, mid), closed_at=AT)
        await apply(penalty, closed, closed)  # a redelivery changes nothing
        read = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert read["supervision_matters"] == []
        done = ok(
            await http.post(f"/api/v1/penalty/cases/{cid}/closure", json=close, headers=officer(**SJ_A))
        )
        assert done["state"] == "closed"


async def test_a_closed_event_before_the_opened_one_leaves_the_matter_closed(penalty: Running) -> None:
    async with client(penalty.url) as http:
        cid = (await open_case(http, who=SJ_A, partner=SJ_B))["id"]
        mid = uuid.uuid4()
        await apply(
            penalty,
            SupervisionMatterClosed(**matter(cid, mid), closed_at=AT),
            SupervisionMatterOpened(**matter(cid, mid), opened_at=AT),
        )
        read = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert read["supervision_matters"] == []


async def test_a_matter_whose_deadline_is_pending_holds_the_case_all_the_same(penalty: Running) -> None:
    """Opened in the last weeks of December before the next year is entered, risk publishes ``due_on`` null
    (risk_0024): the case is held open and its refusal says the deadline is 待定."""
    async with client(penalty.url) as http:
        cid = (await open_case(http, who=SJ_A, partner=SJ_B))["id"]
        mid = uuid.uuid4()
        await apply(penalty, SupervisionMatterOpened(**matter(cid, mid, due_on=None), opened_at=AT))
        read = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert [(m["matter_id"], m["due_on"]) for m in read["supervision_matters"]] == [(str(mid), None)]
        close = {"reason": "not_established", "note": "经调查，违法事实不成立，撤销立案"}
        body = problem(
            await http.post(f"/api/v1/penalty/cases/{cid}/closure", json=close, headers=officer(**SJ_A)),
            409,
            "CASE_UNDER_SUPERVISION",
        )
        assert "答复期限待定" in body["detail"]
        await apply(penalty, SupervisionMatterClosed(**matter(cid, mid, due_on=None), closed_at=AT))
        assert (
            ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))["supervision_matters"]
            == []
        )


def deadline_set(case_id: str, matter_id: uuid.UUID, due_on: date) -> SupervisionMatterDeadlineSet:
    fields = {k: v for k, v in matter(case_id, matter_id).items() if k != "due_on"}
    return SupervisionMatterDeadlineSet(**fields, due_on=due_on, answered=False)  # type: ignore[arg-type]


async def test_a_pending_deadline_computed_in_risk_reaches_the_case(penalty: Running) -> None:
    """Risk enters 2027 and computes the matter's deadline (risk.supervision.matter_deadline_set): the case's
    copy gets the date, and the refusal to close names it instead of 待定."""
    async with client(penalty.url) as http:
        cid = (await open_case(http, who=SJ_A, partner=SJ_B))["id"]
        mid = uuid.uuid4()
        await apply(penalty, SupervisionMatterOpened(**matter(cid, mid, due_on=None), opened_at=AT))
        computed = deadline_set(cid, mid, date(2027, 1, 5))
        await apply(penalty, computed, computed)  # a redelivery changes nothing
        read = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert [(m["matter_id"], m["due_on"]) for m in read["supervision_matters"]] == [
            (str(mid), "2027-01-05")
        ]
        close = {"reason": "not_established", "note": "经调查，违法事实不成立，撤销立案"}
        body = problem(
            await http.post(f"/api/v1/penalty/cases/{cid}/closure", json=close, headers=officer(**SJ_A)),
            409,
            "CASE_UNDER_SUPERVISION",
        )
        assert "答复期限2027-01-05" in body["detail"] and "待定" not in body["detail"]

        # arriving before the opening (another durable consumer), the date is kept and the opening completes it
        other = uuid.uuid4()
        await apply(penalty, deadline_set(cid, other, date(2027, 1, 4)))
        await apply(penalty, SupervisionMatterOpened(**matter(cid, other, due_on=None), opened_at=AT))
        read = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
        assert {m["matter_id"]: m["due_on"] for m in read["supervision_matters"]} == {
            str(mid): "2027-01-05",
            str(other): "2027-01-04",
        }


async def test_a_reopened_matter_carries_its_new_deadline_to_the_case(penalty: Running) -> None:
    """The supervisor rejects the unit's answer and reopens the matter (risk.supervision.matter_deadline_set,
    ``reopened``): the case's copy takes the new date, or 待定 while that date is pending."""
    async with client(penalty.url) as http:
        cid = (await open_case(http, who=SJ_A, partner=SJ_B))["id"]
        mid = uuid.uuid4()
        await apply(
            penalty, SupervisionMatterOpened(**matter(cid, mid, due_on=date(2026, 12, 8)), opened_at=AT)
        )
        fields = {k: v for k, v in matter(cid, mid).items() if k != "due_on"}
        for due, shown in ((date(2026, 12, 18), "2026-12-18"), (None, None)):
            reopened = SupervisionMatterDeadlineSet(**fields, due_on=due, answered=False, reopened=True)  # type: ignore[arg-type]
            await apply(penalty, reopened)
            read = ok(await http.get(f"/api/v1/penalty/cases/{cid}", headers=officer(**SJ_A)))
            assert [(m["matter_id"], m["due_on"]) for m in read["supervision_matters"]] == [(str(mid), shown)]
