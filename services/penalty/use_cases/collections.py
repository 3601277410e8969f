"""On-the-spot collection of fines (当场收缴, 行政处罚法 第六十七条–第七十一条; the rules: domain.collection).

The officer records the collection with the official receipt's number (第七十条): the case records the
payment like any other (the fine is paid, ``penalty.fine.paid``), and the collection's own record follows the
money: handed to the agency within 2 working days of collection or, on water, of landing, and paid into the
designated bank within 2 working days of that (第七十一条, 第八十五条). A collection past either day is listed
for the department and its supervisors and published once per stage (``penalty.collection.overdue``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import calendar_store, clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.db import transaction
from services.common.workdays import CalendarNotCovered
from services.penalty import events
from services.penalty.domain import collection as dc
from services.penalty.domain import procedure as p
from services.penalty.models import PenaltyCase, SpotCollection
from services.penalty.repository import acts as repo
from services.penalty.schemas import collections as sc
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit
from services.penalty.use_cases.timeline import case_of, step


def _due(compute: Callable[[], date | None]) -> date | None:
    """A due day, or None while the statutory calendar does not cover it yet (it is set on the next step)."""
    try:
        return compute()
    except CalendarNotCovered:
        return None


def _allowed(case: p.Case, body: sc.CollectionIn) -> str:
    decision = case.decision
    penalty = case.current_penalty
    if decision is None or penalty is None or p.PenaltyKind.FINE not in penalty.kinds:
        raise dc.SpotCollectionNotAllowed(
            "本案没有罚款决定，无罚款可以当场收缴",
            detail_en="The case has no decision with a fine to collect",
        )
    return dc.check_allowed(
        ground=body.ground,
        simple_procedure=case.procedure is p.ProcedureKind.SIMPLE,
        fine_fen=case.fine_due_fen,
        reason=body.reason,
        area=body.area,
        party_requested=body.party_requested,
    )


async def collect(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: sc.CollectionIn
) -> sc.CollectionRead:
    """当场收缴: check the ground (第六十八条、第六十九条) and the receipt (第七十条), record the payment on the case
    and the collection with its hand-over due day (第七十一条)."""
    today, now = clock.today(), clock.now()
    cert = await officer_signs(session, principal, today)
    case = case_of(row)
    basis = _allowed(case, body)
    dc.require_receipt(body.receipt_no)
    receipt_no = body.receipt_no.strip()
    if await repo.receipt_taken(session, receipt_no):
        raise dc.ReceiptTaken(
            f"专用票据{receipt_no}已用于其他当场收缴记录",
            detail_en=f"Receipt {receipt_no} was used by another collection",
        )
    collected_on = body.collected_on or today
    if body.landed_on is not None:
        dc.check_step_date(
            body.landed_on, after=collected_on, after_label="收缴日期", today=today, label="抵岸日期"
        )
    amount = body.amount_fen if body.amount_fen is not None else case.fine_outstanding_fen
    assert case.decision is not None
    row = await step(
        session,
        principal=principal,
        row=row,
        action="payment",
        build=lambda _case, _today: p.RecordPayment(collected_on, amount, 0, f"当场收缴专用票据{receipt_no}"),
    )
    calendar = await calendar_store.load_calendar(session)
    collection = SpotCollection(
        id=uuid.uuid4(),
        case_id=row.id,
        dept_code=row.dept_code,
        district_code=row.district_code,
        decision_no=case.decision.document_number,
        ground=body.ground.value,
        area=body.area.value if body.area else None,
        reason=body.reason.strip(),
        basis=basis,
        party_requested=body.party_requested,
        amount_fen=amount,
        receipt_no=receipt_no,
        collected_on=collected_on,
        collected_by=principal.sub,
        collected_by_cert=cert,
        waterborne=body.waterborne,
        landed_on=body.landed_on if body.waterborne else None,
        handover_due_on=_due(
            lambda: dc.handover_due(collected_on, body.landed_on, body.waterborne, calendar)
        ),
        reported=[],
        created_at=now,
    )
    await repo.add_collection(session, collection)
    await _audit(session, principal, collection, "collected", None)
    return read(collection, today)


async def record_landing(
    session: AsyncSession, *, principal: Principal, row: SpotCollection, body: sc.LandingIn
) -> sc.CollectionRead:
    """抵岸: the 2 working days of a collection made on water run from the landing (第七十一条)."""
    today = clock.today()
    await officer_signs(session, principal, today)
    if not row.waterborne or row.landed_on is not None:
        raise dc.CollectionStepInvalid(
            "只有在水上收缴且尚未记录抵岸日期的罚款可以记录抵岸",
            detail_en="Only a waterborne collection not landed yet takes a landing",
        )
    dc.check_step_date(
        body.landed_on, after=row.collected_on, after_label="收缴日期", today=today, label="抵岸日期"
    )
    before = _state(row)
    calendar = await calendar_store.load_calendar(session)
    row.landed_on = body.landed_on
    row.handover_due_on = _due(lambda: dc.handover_due(row.collected_on, body.landed_on, True, calendar))
    await _audit(session, principal, row, "landed", before)
    return read(row, today)


async def record_handover(
    session: AsyncSession, *, principal: Principal, row: SpotCollection, body: sc.HandoverIn
) -> sc.CollectionRead:
    """交至行政机关 (第七十一条): the bank's 2 working days start."""
    today = clock.today()
    await officer_signs(session, principal, today)
    if row.handed_over_on is not None:
        raise dc.CollectionStepInvalid(
            f"该笔罚款已于{row.handed_over_on.isoformat()}交至行政机关",
            detail_en=f"Handed over on {row.handed_over_on.isoformat()} already",
        )
    if row.waterborne and row.landed_on is None:
        raise dc.CollectionStepInvalid(
            "在水上收缴的罚款，请先记录抵岸日期（行政处罚法 第七十一条）",
            detail_en="Record the landing of a waterborne collection first (第七十一条)",
        )
    day = body.handed_over_on or today
    start = row.landed_on if row.waterborne and row.landed_on else row.collected_on
    dc.check_step_date(day, after=start, after_label="收缴或抵岸日期", today=today, label="交款日期")
    before = _state(row)
    calendar = await calendar_store.load_calendar(session)
    if row.handover_due_on is None:  # the calendar did not cover it at collection
        row.handover_due_on = _due(
            lambda: dc.handover_due(row.collected_on, row.landed_on, row.waterborne, calendar)
        )
    row.handed_over_on = day
    row.handed_over_to = body.received_by
    row.banking_due_on = _due(lambda: dc.banking_due(day, calendar))
    await _audit(session, principal, row, "handed_over", before)
    return read(row, today)


async def record_banking(
    session: AsyncSession, *, principal: Principal, row: SpotCollection, body: sc.BankingIn
) -> sc.CollectionRead:
    """缴付指定的银行 (第七十一条)."""
    today = clock.today()
    await officer_signs(session, principal, today)
    if row.handed_over_on is None or row.banked_on is not None:
        raise dc.CollectionStepInvalid(
            "罚款须先交至行政机关，且只能缴付银行一次",
            detail_en="The money is banked once, after it was handed over",
        )
    day = body.banked_on or today
    dc.check_step_date(
        day, after=row.handed_over_on, after_label="交款日期", today=today, label="缴付银行日期"
    )
    before = _state(row)
    if row.banking_due_on is None:
        calendar = await calendar_store.load_calendar(session)
        handed = row.handed_over_on
        row.banking_due_on = _due(lambda: dc.banking_due(handed, calendar))
    row.banked_on = day
    row.bank_receipt_no = body.bank_receipt_no
    await _audit(session, principal, row, "banked", before)
    return read(row, today)


# --------------------------------------------------------------------------------------------------------
# Reading and the overdue scan
# --------------------------------------------------------------------------------------------------------


def overdue_stage(row: SpotCollection, today: date) -> str | None:
    """The stage past its due day and not done on ``today`` (第七十一条), if any."""
    if row.handed_over_on is None and row.handover_due_on is not None and row.handover_due_on < today:
        return "handover"
    if row.banked_on is None and row.banking_due_on is not None and row.banking_due_on < today:
        return "banking"
    return None


def read(row: SpotCollection, today: date) -> sc.CollectionRead:
    late = []
    if row.handed_over_on and row.handover_due_on and row.handed_over_on > row.handover_due_on:
        late.append("handover")
    if row.banked_on and row.banking_due_on and row.banked_on > row.banking_due_on:
        late.append("banking")
    return sc.CollectionRead(
        id=row.id,
        case_id=row.case_id,
        decision_no=row.decision_no,
        department_code=row.dept_code,
        district_code=row.district_code,
        ground=row.ground,
        basis=row.basis,
        area=row.area,
        reason=row.reason,
        party_requested=row.party_requested,
        amount_fen=row.amount_fen,
        receipt_no=row.receipt_no,
        collected_on=row.collected_on,
        collected_by=row.collected_by,
        waterborne=row.waterborne,
        landed_on=row.landed_on,
        handover_due_on=row.handover_due_on,
        handed_over_on=row.handed_over_on,
        handed_over_to=row.handed_over_to,
        banking_due_on=row.banking_due_on,
        banked_on=row.banked_on,
        bank_receipt_no=row.bank_receipt_no,
        overdue=overdue_stage(row, today),
        late=late,
    )


async def case_collections(session: AsyncSession, *, row: PenaltyCase) -> list[sc.CollectionRead]:
    today = clock.today()
    return [read(x, today) for x in await repo.case_collections(session, row.id)]


async def overdue(session: AsyncSession, *, scope: Scope) -> list[sc.CollectionRead]:
    """Collections past a 第七十一条 due day, for the department and its supervisors."""
    today = clock.today()
    return [read(x, today) for x in await repo.overdue_collections(session, scope, today)]


async def report_overdue(session: AsyncSession, today: date) -> int:
    """Publish ``penalty.collection.overdue`` once per collection and stage; the number published."""
    published = 0
    for row in await repo.overdue_collections(session, None, today):
        stage = overdue_stage(row, today)
        if stage is None or stage in row.reported:
            continue
        due = row.handover_due_on if stage == "handover" else row.banking_due_on
        assert due is not None
        outbox.add(session, events.collection_overdue(row, stage=stage, due_on=due, detected_on=today))
        row.reported = [*row.reported, stage]
        published += 1
    await session.flush()
    return published


async def scan_overdue(factory: async_sessionmaker[AsyncSession]) -> int:
    """The job's run: one transaction."""
    async with transaction(factory) as session:
        return await report_overdue(session, clock.today())


def _state(row: SpotCollection) -> dict[str, object]:
    return {
        "landed_on": row.landed_on.isoformat() if row.landed_on else None,
        "handed_over_on": row.handed_over_on.isoformat() if row.handed_over_on else None,
        "banked_on": row.banked_on.isoformat() if row.banked_on else None,
    }


async def _audit(
    session: AsyncSession, principal: Principal, row: SpotCollection, what: str, before: object
) -> None:
    await session.flush()
    await audit(
        session,
        principal,
        action=f"penalty.collection.{what}",
        entity_type="spot_collection",
        entity_id=str(row.id),
        before=before,
        after={
            **_state(row),
            "case_id": str(row.case_id),
            "receipt_no": row.receipt_no,
            "amount_fen": row.amount_fen,
            "ground": row.ground,
        },
    )
