"""强制执行 of an unpaid fine (the rules and their articles: domain.enforcement): every date on the case
(``GET /cases/{id}/enforcement``), the 催告书 issued and delivered (行政强制法 第三十五条, 第三十八条), the
application to the court with its 强制执行申请书 (第五十三条 to 第五十五条), each department's coercive power
(第十三条, 第四十六条), and the scan that reports a missed window (``penalty.enforcement.window_missed``).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import calendar_store, clock, outbox
from services.common.auth import Principal
from services.common.db import transaction
from services.common.workdays import CalendarNotCovered, WorkingDayCalendar
from services.penalty import events, views
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import deadlines as dl
from services.penalty.domain import documents as docs
from services.penalty.domain import enforcement as en
from services.penalty.domain import enforcement_documents as edocs
from services.penalty.domain import procedure as p
from services.penalty.domain.errors import (
    EnforcementNotDue,
    EnforcementStepInvalid,
    EnforcementWindowClosed,
    InvalidDate,
)
from services.penalty.models import CaseEnforcement, PenaltyCase
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import codec, documents
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit, department
from services.penalty.use_cases.payment_plans import plan_in_force
from services.penalty.use_cases.timeline import case_of

log = logging.getLogger(__name__)

KINDS = (
    docs.DocumentKind.ENFORCEMENT_REMINDER.value,
    docs.DocumentKind.COURT_APPLICATION.value,
    docs.DocumentKind.ENFORCEMENT_DECISION.value,
)


def roller(calendar: WorkingDayCalendar) -> en.Roll:
    """A period's last day on a rest day or holiday moves to the next working day (民事诉讼法 第八十五条第三款);
    in a year the calendar does not cover yet, the day is kept (the date shown is then the earliest possible)."""

    def roll(day: date) -> date:
        try:
            return dl.roll_forward_to_working_day(day, calendar)
        except CalendarNotCovered:
            return day

    return roll


def working_days_after(calendar: WorkingDayCalendar) -> en.AfterWorkingDays:
    """The day ``n`` working days after a day (行政强制法 第六十九条: its periods of ten days or less are working
    days), or None in a year the calendar does not cover yet (the date is then unknown, never guessed)."""

    def after(day: date, n: int) -> date | None:
        try:
            return calendar.add_working_days(day, n)
        except CalendarNotCovered:
            return None

    return after


def facts_of(case: p.Case, enf: CaseEnforcement | None, *, power: bool) -> en.Facts:
    plan = plan_in_force(enf)
    first_overdue = None
    if plan is not None:
        unpaid = [i.due_on for i in plan.instalments if i.paid_on is None]
        first_overdue = min(unpaid) if unpaid else None
    return en.Facts(
        fine_fen=case.fine_due_fen,
        outstanding_fen=case.fine_outstanding_fen,
        delivered_on=case.delivery.delivered_on if case.delivery else None,
        payment_due=case.payment_due,
        first_overdue_due=first_overdue,
        deferred_until=case.deferrals[-1].new_due if case.deferrals else None,
        remedies=tuple(en.Remedy(r.source.value, r.filed_on, r.concluded_on) for r in case.remedies),
        coercive_power=power,
        reminder=codec.decode(en.Reminder, enf.reminder) if enf and enf.reminder else None,
        application=codec.decode(en.CourtApplication, enf.application) if enf and enf.application else None,
        reconsideration_first=case.procedure is p.ProcedureKind.SIMPLE,  # 行政复议法 第二十三条第一款第一项
    )


async def _power(session: AsyncSession, dept_code: str) -> bool:
    found = await repo.department_power(session, dept_code)
    return bool(found and found.coercive_power)


async def _schedule(
    session: AsyncSession, row: PenaltyCase, enf: CaseEnforcement | None, on: date
) -> tuple[p.Case, en.Facts, en.Schedule]:
    case = case_of(row)
    facts = facts_of(case, enf, power=await _power(session, row.dept_code))
    calendar = await calendar_store.load_calendar(session)
    return (
        case,
        facts,
        en.schedule(facts, on, after_working_days=working_days_after(calendar), roll=roller(calendar)),
    )


def _surcharge(case: p.Case, on: date) -> int:
    result = case.surcharge_on(on)
    return result.amount_fen if result else 0


async def enforcement_view(session: AsyncSession, row: PenaltyCase, on: date) -> s.EnforcementRead:
    enf = await repo.enforcement(session, row.id)
    case, facts, sched = await _schedule(session, row, enf, on)
    reminder = facts.reminder
    application = facts.application
    found = [views.document_ref(d) for d in await repo.case_documents(session, row.id) if d.kind in KINDS]
    return s.EnforcementRead(
        case_id=row.id,
        decision_no=case.decision.document_number if case.decision else None,
        on=on,
        stage=sched.stage.value,
        stage_label=en.STAGE_LABELS[sched.stage],
        coercive_power=facts.coercive_power,
        fine_fen=facts.fine_fen,
        outstanding_fen=facts.outstanding_fen,
        surcharge_fen=_surcharge(case, on),
        dates=[
            s.DateLineRead(key=x.key, label=x.label, on=x.on, article=x.article, note=x.note)
            for x in sched.dates
        ],
        reminder_from=sched.reminder_from,
        application_from=sched.application_from,
        application_until=sched.application_until,
        window_missed=sched.window_missed,
        reminder=s.ReminderRead(**codec.to_json(reminder), comply_by=reminder.comply_by)
        if reminder
        else None,
        application=s.CourtApplicationRead(**codec.to_json(application)) if application else None,
        documents=found,
        explanation=list(sched.explanation),
    )


def _in_enforcement(sched: en.Schedule) -> None:
    if sched.stage in (en.Stage.NONE, en.Stage.PERFORMED, en.Stage.PERFORMING):
        raise EnforcementNotDue(
            f"本案{en.STAGE_LABELS[sched.stage]}，尚未逾期不履行，不得催告（《中华人民共和国行政处罚法》第七十二条第一款）",
            detail_en="The decision is not in default: no reminder yet",
            extra={"stage": sched.stage.value},
        )
    if sched.stage is en.Stage.SUSPENDED:
        raise EnforcementNotDue(
            "当事人已申请复议或者提起诉讼，尚未终结，执行期间中止计算（《中华人民共和国行政处罚法》第七十三条第三款）",
            detail_en="A reconsideration or suit is open",
            extra={"stage": sched.stage.value},
        )


async def issue_reminder(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.ReminderIn, ctx: PenaltyContext
) -> PenaltyCase:
    """催告书 (行政强制法 第三十五条; before the court 第五十四条, with own power 第四十六条)."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    enf = await repo.enforcement_for_update(session, row.id, now)
    case, facts, sched = await _schedule(session, row, enf, today)
    _in_enforcement(sched)
    if facts.application is not None:
        raise EnforcementStepInvalid(
            "本案已申请强制执行，无须再催告", detail_en="Enforcement has been applied for already"
        )
    if facts.reminder is not None and facts.reminder.delivered_on is None:
        raise EnforcementStepInvalid(
            f"催告书{facts.reminder.number}尚未送达，请先送达",
            detail_en=f"Reminder {facts.reminder.number} has not been delivered yet",
        )
    if sched.reminder_from is None or today < sched.reminder_from:
        when = sched.reminder_from.isoformat() if sched.reminder_from else "复议、诉讼终结后"
        raise EnforcementNotDue(
            f"加处罚款尚未超过三十日，{when}起方可催告（《中华人民共和国行政强制法》第四十六条）",
            detail_en=f"The surcharge has not run for more than thirty days: a reminder from {when}",
            extra={"reminder_from": when},
        )
    dept = await department(session, row.dept_code)
    number = await documents.allocate(session, dept, docs.DocumentKind.ENFORCEMENT_REMINDER, ctx)
    decision, delivery, due = case.decision, case.delivery, case.payment_due
    assert decision is not None and delivery is not None and due is not None
    first_due = facts.first_overdue_due or due
    built = edocs.build_enforcement_reminder(
        number=number,
        agency=documents.agency(dept),
        party=documents.party(row),
        decision_no=decision.document_number,
        decided_on=decision.decided_on,
        delivered_on=delivery.delivered_on,
        payment_due=first_due,
        fine_fen=case.fine_due_fen,
        outstanding_fen=case.fine_outstanding_fen,
        surcharge_fen=_surcharge(case, today),
        surcharge_from=first_due + timedelta(days=1),
        compliance_days=body.compliance_days,
        coercive_power=facts.coercive_power,
        payment=docs.PaymentChannel(dept.bank, dept.account_name, dept.account_no),
        issued_on=today,
    )
    await documents.issue(session, row, built, today, ctx)
    enf.reminder = codec.to_json(en.Reminder(number, today, body.compliance_days))
    enf.updated_at = now
    await audit(
        session,
        principal,
        action="penalty.case.enforcement_reminder",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={"reminder": number, "compliance_days": body.compliance_days},
    )
    return row


async def deliver_reminder(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.ReminderDeliveryIn
) -> PenaltyCase:
    """送达 of the 催告书, directly where possible (行政强制法 第三十八条), with its receipt (送达回证)."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    enf = await repo.enforcement_for_update(session, row.id, now)
    if enf.reminder is None:
        raise EnforcementStepInvalid("本案尚未制作催告书", detail_en="No reminder has been issued")
    reminder = codec.decode(en.Reminder, enf.reminder)
    if reminder.delivered_on is not None:
        raise EnforcementStepInvalid(
            f"催告书{reminder.number}已于{reminder.delivered_on.isoformat()}送达",
            detail_en=f"Reminder {reminder.number} was delivered on {reminder.delivered_on.isoformat()}",
        )
    delivered_on = body.delivered_on or today
    if not reminder.issued_on <= delivered_on <= today:
        raise InvalidDate(
            f"送达日期须在催告书制作日（{reminder.issued_on.isoformat()}）至今日之间",
            detail_en=f"The delivery date must lie between {reminder.issued_on.isoformat()} and today",
            errors=[{"field": "delivered_on"}],
        )
    if body.method is p.DeliveryMethod.ELECTRONIC:
        raise EnforcementStepInvalid(
            "催告书应当直接送达；无法直接送达的，依照民事诉讼法的有关规定送达（行政强制法 第三十八条）",
            detail_en="A reminder is delivered directly, not electronically (行政强制法 第三十八条)",
        )
    delivered = dataclasses.replace(
        reminder, delivered_on=delivered_on, method=body.method.value, recipient=body.recipient
    )
    enf.reminder = codec.to_json(delivered)
    enf.updated_at = now
    await audit(
        session,
        principal,
        action="penalty.case.enforcement_reminder_delivery",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={
            "reminder": reminder.number,
            "delivered_on": delivered_on.isoformat(),
            "method": body.method.value,
        },
    )
    return row


def _may_apply(sched: en.Schedule, facts: en.Facts, applied_on: date) -> None:
    if facts.coercive_power:
        raise EnforcementStepInvalid(
            "本机关具有行政强制执行权，经催告仍不履行的，依法自行作出强制执行决定，不向人民法院申请"
            "（《中华人民共和国行政强制法》第四十六条、第三十七条）",
            detail_en="The department has coercive power of its own: it decides enforcement itself (第四十六条, 第三十七条)",
        )
    _in_enforcement(sched)
    if facts.application is not None:
        raise EnforcementStepInvalid(
            f"本案已于{facts.application.applied_on.isoformat()}申请强制执行",
            detail_en=f"Enforcement was applied for on {facts.application.applied_on.isoformat()}",
        )
    if facts.reminder is None or facts.reminder.delivered_on is None:
        raise EnforcementStepInvalid(
            "申请人民法院强制执行前，应当催告当事人履行义务，催告书须已送达（《中华人民共和国行政强制法》第五十四条）",
            detail_en="A reminder must have been delivered before applying to the court (第五十四条)",
        )
    if sched.application_until is not None and applied_on > sched.application_until:
        raise EnforcementWindowClosed(
            f"申请期限已于{sched.application_until.isoformat()}届满（《中华人民共和国行政强制法》第五十三条）",
            detail_en=f"The period to apply ended on {sched.application_until.isoformat()}",
            extra={"application_until": sched.application_until.isoformat()},
        )
    if sched.application_from is None or applied_on < sched.application_from:
        when = sched.application_from.isoformat() if sched.application_from else "—"
        raise EnforcementNotDue(
            f"{when}起方可申请人民法院强制执行：复议、诉讼期限届满后，且催告书送达十日（工作日）后"
            "（《中华人民共和国行政强制法》第五十三条、第五十四条、第六十九条）",
            detail_en=f"The court may be applied to from {when}",
            extra={"application_from": when},
        )


async def apply_to_court(
    session: AsyncSession,
    *,
    principal: Principal,
    row: PenaltyCase,
    body: s.CourtApplicationIn,
    ctx: PenaltyContext,
) -> PenaltyCase:
    """申请人民法院强制执行 with the 强制执行申请书 (行政强制法 第五十三条至第五十五条)."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    applied_on = body.applied_on or today
    if applied_on > today:
        raise InvalidDate(
            "申请日期不得晚于今日",
            detail_en="The application date cannot be in the future",
            errors=[{"field": "applied_on"}],
        )
    enf = await repo.enforcement_for_update(session, row.id, now)
    case, facts, sched = await _schedule(session, row, enf, applied_on)
    _may_apply(sched, facts, applied_on)
    dept = await department(session, row.dept_code)
    court = body.court or dept.court
    number = await documents.allocate(session, dept, docs.DocumentKind.COURT_APPLICATION, ctx)
    decision, delivery, reminder = case.decision, case.delivery, facts.reminder
    assert decision is not None and delivery is not None and reminder is not None
    built = edocs.build_court_application(
        number=number,
        agency=documents.agency(dept),
        party=documents.party(row),
        court=court,
        decision_no=decision.document_number,
        decided_on=decision.decided_on,
        delivered_on=delivery.delivered_on,
        fine_fen=case.fine_due_fen,
        outstanding_fen=case.fine_outstanding_fen,
        surcharge_fen=_surcharge(case, applied_on),
        reminder=reminder,
        schedule=sched,
        applied_on=applied_on,
    )
    await documents.issue(session, row, built, today, ctx)
    enf.application = codec.to_json(en.CourtApplication(number, applied_on, court))
    enf.updated_at = now
    await audit(
        session,
        principal,
        action="penalty.case.court_application",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={"application": number, "court": court, "applied_on": applied_on.isoformat()},
    )
    return row


def _may_decide(sched: en.Schedule, facts: en.Facts, decided_on: date) -> None:
    if not facts.coercive_power:
        raise EnforcementStepInvalid(
            "本机关没有行政强制执行权，应当申请人民法院强制执行（《中华人民共和国行政强制法》第十三条第二款、第五十三条）",
            detail_en="The department has no coercive power of its own: it applies to the court (第十三条, 第五十三条)",
        )
    _in_enforcement(sched)
    if facts.application is not None:
        raise EnforcementStepInvalid(
            f"本案已于{facts.application.applied_on.isoformat()}作出强制执行决定",
            detail_en=f"Enforcement was decided on {facts.application.applied_on.isoformat()}",
        )
    if facts.reminder is None or facts.reminder.delivered_on is None:
        raise EnforcementStepInvalid(
            "作出强制执行决定前，应当催告当事人履行义务，催告书须已送达（《中华人民共和国行政强制法》第三十五条、第四十六条）",
            detail_en="A reminder must have been delivered before deciding enforcement (第三十五条, 第四十六条)",
        )
    if sched.application_from is None or decided_on < sched.application_from:
        when = sched.application_from.isoformat() if sched.application_from else "—"
        raise EnforcementNotDue(
            f"催告书载明的履行期限届满后，{when}起方可作出强制执行决定（《中华人民共和国行政强制法》第三十七条）",
            detail_en=f"Enforcement may be decided from {when}, after the reminder's period",
            extra={"application_from": when},
        )


async def decide_enforcement(
    session: AsyncSession,
    *,
    principal: Principal,
    row: PenaltyCase,
    body: s.EnforcementDecisionIn,
    ctx: PenaltyContext,
) -> PenaltyCase:
    """行政强制执行决定 of an agency with its own power (行政强制法 第四十六条, 第三十七条)."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    decided_on = body.decided_on or today
    carried_out_on = body.carried_out_on or decided_on
    if decided_on > today or carried_out_on < decided_on:
        raise InvalidDate(
            "决定日期不得晚于今日，执行时间不得早于决定日期",
            detail_en="The decision date cannot be in the future, nor the enforcement before it",
            errors=[{"field": "decided_on"}],
        )
    enf = await repo.enforcement_for_update(session, row.id, now)
    case, facts, sched = await _schedule(session, row, enf, decided_on)
    _may_decide(sched, facts, decided_on)
    dept = await department(session, row.dept_code)
    power = await repo.department_power(session, row.dept_code)
    number = await documents.allocate(session, dept, docs.DocumentKind.ENFORCEMENT_DECISION, ctx)
    decision, reminder = case.decision, facts.reminder
    assert decision is not None and reminder is not None
    built = edocs.build_enforcement_decision(
        number=number,
        agency=documents.agency(dept),
        party=documents.party(row),
        decision_no=decision.document_number,
        decided_on=decision.decided_on,
        outstanding_fen=case.fine_outstanding_fen,
        surcharge_fen=_surcharge(case, decided_on),
        reminder=reminder,
        basis=power.basis if power else "",
        method=body.method,
        carried_out_on=carried_out_on,
        reconsideration_body=dept.reconsideration_body,
        court=dept.court,
        issued_on=today,
    )
    await documents.issue(session, row, built, today, ctx)
    enf.application = codec.to_json(en.CourtApplication(number, decided_on, ""))
    enf.updated_at = now
    await audit(
        session,
        principal,
        action="penalty.case.enforcement_decision",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={"decision": number, "method": body.method, "decided_on": decided_on.isoformat()},
    )
    return row


# --------------------------------------------------------------------------------------------------------
# Departments' coercive power; the window scan
# --------------------------------------------------------------------------------------------------------


def power_read(dept_code: str, power: bool, basis: str) -> s.DepartmentPowerRead:
    text = (
        f"具有行政强制执行权（{basis}）：加处罚款超过三十日，经催告仍不履行的，可以强制执行（行政强制法 第四十六条）"
        if power
        else "没有行政强制执行权：催告后申请人民法院强制执行（行政强制法 第十三条第二款、第五十三条、第五十四条）"
    )
    return s.DepartmentPowerRead(dept_code=dept_code, coercive_power=power, basis=basis, explanation=text)


async def department_power(session: AsyncSession, dept_code: str) -> s.DepartmentPowerRead:
    await department(session, dept_code)
    found = await repo.department_power(session, dept_code)
    return power_read(dept_code, bool(found and found.coercive_power), found.basis if found else "")


async def set_department_power(
    session: AsyncSession, *, principal: Principal, dept_code: str, body: s.DepartmentPowerIn
) -> s.DepartmentPowerRead:
    """行政强制法 第十三条: 行政强制执行由法律设定 — a department has the power only where a law grants it, so
    the grant names that law."""
    await department(session, dept_code)
    if body.coercive_power and not body.basis.strip():
        raise EnforcementStepInvalid(
            "须载明设定行政强制执行权的法律（《中华人民共和国行政强制法》第十三条）",
            detail_en="Name the law granting the coercive power (行政强制法 第十三条)",
            errors=[{"field": "basis"}],
        )
    before = await department_power(session, dept_code)
    await repo.set_department_power(
        session,
        dept_code=dept_code,
        coercive_power=body.coercive_power,
        basis=body.basis.strip(),
        actor=principal.sub,
        now=clock.now(),
    )
    after = power_read(dept_code, body.coercive_power, body.basis.strip())
    await audit(
        session,
        principal,
        action="penalty.department.enforcement_power",
        entity_type="department",
        entity_id=dept_code,
        before=before.model_dump(),
        after=after.model_dump(),
    )
    return after


async def scan_windows(factory: async_sessionmaker[AsyncSession], today: date | None = None) -> int:
    """Report each case whose court-application window (行政强制法 第五十三条) closed unused, once."""
    day = today or clock.today()
    reported = 0
    async with transaction(factory) as session:
        for row in await repo.window_scan_cases(session):
            enf = await repo.enforcement(session, row.id)
            _, facts, sched = await _schedule(session, row, enf, day)
            if not sched.window_missed or sched.application_until is None:
                continue
            enf = await repo.enforcement_for_update(session, row.id, clock.now())
            enf.window_missed_reported_on = day
            outbox.add(
                session,
                events.enforcement_window_missed(
                    row,
                    outstanding_fen=facts.outstanding_fen,
                    window_closed_on=sched.application_until,
                    detected_on=day,
                ),
            )
            reported += 1
    if reported:
        log.info("reported %d missed enforcement windows", reported)
    return reported
