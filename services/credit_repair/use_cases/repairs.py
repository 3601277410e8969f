"""Credit repair (信用修复): an enterprise applies to end a publication early; the deciding department
accepts the application for review (受理) and decides it (谁认定谁修复)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.calendar_store import load_calendar
from services.credit_repair import events
from services.credit_repair.domain import repair as repair_domain
from services.credit_repair.domain.publication import Classification, Decision, Window
from services.credit_repair.domain.rules import (
    CreditClass,
    PartyKind,
    PenaltyKind,
    ProcedureKind,
    department_root,
)
from services.credit_repair.errors import (
    RecordNotFound,
    RepairAlreadyAccepted,
    RepairAlreadyDecided,
    RepairReviewerForbidden,
)
from services.credit_repair.models import CreditRecord, Publication, PublicationEnd, RepairApplication
from services.credit_repair.repository import deferred
from services.credit_repair.repository import publications as publication_repo
from services.credit_repair.repository import records as record_repo
from services.credit_repair.repository import repairs as repair_repo
from services.credit_repair.repository import rule_sets as rule_set_repo
from services.credit_repair.use_cases import records as record_cases
from services.credit_repair.use_cases.rule_sets import rule_set_today


def _domain_record(
    record: CreditRecord, publication: Publication | None, end: PublicationEnd | None
) -> repair_domain.CreditRecord:
    """The record as the repair rules see it."""
    decision = Decision(
        decision_no=record.decision_no,
        decision_date=record.decided_on,
        party_kind=PartyKind(record.party_kind),
        procedure=ProcedureKind(record.procedure),
        kinds=frozenset(PenaltyKind(k) for k in record.kinds),
        fine_fen=record.fine_fen,
        department_serious=record.serious,
        department_domain=record.domain_key,
        violation_kind=record.benchmark_code,
        restriction_months=record.restriction_months,
    )
    classification = Classification(
        credit_class=CreditClass(record.credit_class),
        published=record.published,
        reason=record.class_reason,
        rule_set_id=record.rule_set_id,
        min_months=record.min_months,
        max_months=record.max_months,
        never_early=record.never_early,
        never_early_kinds=frozenset(PenaltyKind(k) for k in record.never_early_kinds),
        platforms=tuple(record.platforms),
    )
    window = None
    if publication is not None:
        window = Window(
            start=publication.starts_on,
            minimum_end=publication.min_ends_on,
            maximum_end=publication.max_ends_on,
            early_end_allowed=publication.earliest_repair_on is not None,
        )
    return repair_domain.CreditRecord(
        record_id=str(record.id),
        subject_id=record.party_uscc or record.party_id_masked or "",
        decision=decision,
        classification=classification,
        window=window,
        fine_paid_fen=record.fine_fen if record.fully_performed else record.fine_paid_fen,
        publication_ended_on=end.ended_on if end is not None else None,
    )


async def _end(session: AsyncSession, publication: Publication | None) -> PublicationEnd | None:
    return await publication_repo.end_of(session, publication.id) if publication is not None else None


def _domain_application(app: RepairApplication) -> repair_domain.RepairApplication:
    return repair_domain.RepairApplication(
        application_id=str(app.id),
        record_id=str(app.record_id),
        subject_id=app.party_uscc,
        submitted_on=app.submitted_on,
        commitment_signed=True,
        violation_corrected=app.violation_corrected,
    )


def _deadlines(app: RepairApplication) -> repair_domain.ReviewDeadlines:
    return repair_domain.ReviewDeadlines(
        received_on=app.submitted_on,
        acceptance_due=app.acceptance_due,
        decision_due=app.decision_due,
        window_due=app.window_due,
        extended=app.extended,
        pending_year=app.deadlines_pending_year,
    )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


async def _others(session: AsyncSession, record: CreditRecord) -> list[repair_domain.OtherDecision]:
    if record.party_uscc is None:
        return []
    rows = await record_repo.other_decisions(session, record.party_uscc, record.case_id)
    return [repair_domain.OtherDecision(r.decision_no, r.decided_on, r.benchmark_code) for r in rows]


async def apply_for_repair(
    session: AsyncSession,
    principal: Principal,
    scope: Scope,
    *,
    record_id: uuid.UUID,
    commitment_text: str,
    commitment_accepted: bool,
    violation_corrected: bool,
    evidence_refs: Sequence[str],
) -> RepairApplication:
    """An enterprise applies to end the publication of its record early (信用修复)."""
    record = await record_repo.readable_record(session, scope, record_id, lock=True)
    if record is None or record.party_uscc is None:
        raise RecordNotFound.of(record_id)
    publication = await record_repo.publication_for_record(session, record.id, lock=True)
    now, today = clock.now(), clock.today()
    # The repair procedure (review deadlines, repeat-violation bar) follows the rules in force today; the
    # record keeps the class and periods it was given when it arose.
    rule_set = await rule_set_today(session, today)
    application_id = uuid.uuid4()
    candidate = repair_domain.RepairApplication(
        application_id=str(application_id),
        record_id=str(record.id),
        subject_id=record.party_uscc,
        submitted_on=today,
        commitment_signed=commitment_accepted and bool(commitment_text.strip()),
        violation_corrected=violation_corrected,
    )
    repair_domain.check_eligibility(
        _domain_record(record, publication, await _end(session, publication)),
        candidate,
        today,
        rule_set,
        open_application_ids=await repair_repo.open_application_ids(session, record.id),
        other_decisions=await _others(session, record),
    )
    assert publication is not None  # eligibility refuses an unpublished record
    # A deadline that runs into a year whose holiday arrangement is not entered is left pending (None), never
    # guessed, and the application is received: use_cases.calendar_deadlines computes it when the year is.
    deadlines = repair_domain.review_deadlines(today, rule_set, await load_calendar(session))
    app = RepairApplication(
        id=application_id,
        record_id=record.id,
        publication_id=publication.id,
        case_id=record.case_id,
        party_uscc=record.party_uscc,
        department_code=record.department_code,
        district_code=record.district_code,
        status="submitted",
        submitted_on=today,
        submitted_at=now,
        submitted_by=principal.sub,
        commitment_text=commitment_text.strip(),
        violation_corrected=violation_corrected,
        evidence_refs=list(evidence_refs),
        rule_set_id=rule_set.id,
        acceptance_due=deadlines.acceptance_due,
        decision_due=deadlines.decision_due,
        window_due=deadlines.window_due,
        deadlines_pending_year=deadlines.pending_year,
        extended=False,
        reasons=[],
    )
    session.add(app)
    await session.flush()
    deferred.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="repair.submitted",
        entity_type="repair_application",
        entity_id=str(app.id),
        after={"record_id": str(record.id), "evidence_refs": list(evidence_refs), "rule_set_id": rule_set.id},
    )
    await deferred.write_deferred_audit(session)
    return app


def _check_reviewable(principal: Principal, app: RepairApplication) -> None:
    """The caller may review the application (loaded and locked by deps.RepairAcceptanceDep or
    RepairDecisionDep) now: 谁认定谁修复: the department that made the finding (or an administrator) reviews,
    once."""
    reviewer = principal.role == "admin" or (
        principal.role == "officer"
        and principal.dept_code in (app.department_code, department_root(app.department_code))
    )
    if not reviewer:
        raise RepairReviewerForbidden(
            "只有作出处罚决定的部门可以审核信用修复申请",
            detail_en=f"Only the deciding department ({app.department_code}) reviews a repair application",
        )
    if app.status not in repair_repo.OPEN_STATUSES:
        raise RepairAlreadyDecided(
            f"信用修复申请 {app.id} 已办结（{app.status}）",
            detail_en=f"Repair application {app.id} has been decided ({app.status})",
        )


async def accept_for_review(
    session: AsyncSession, principal: Principal, app: RepairApplication, *, extended: bool
) -> RepairApplication:
    """Record that the department has accepted the application (受理); the decision period runs from here."""
    _check_reviewable(principal, app)
    if app.accepted_on is not None:
        raise RepairAlreadyAccepted(
            f"信用修复申请 {app.id} 已于{app.accepted_on}受理",
            detail_en=f"Repair application {app.id} was accepted for review on {app.accepted_on}",
        )
    today = clock.today()
    rule_set = await rule_set_repo.rule_set(session, app.rule_set_id)
    assert rule_set is not None
    deadlines = repair_domain.review_deadlines(
        app.submitted_on, rule_set, await load_calendar(session), accepted_on=today, extended=extended
    )
    before = {"status": app.status, "decision_due": _iso(app.decision_due)}
    app.status = "under_review"
    app.accepted_on = today
    app.extended = extended
    app.decision_due = deadlines.decision_due  # None while it runs into an uncovered year
    app.acceptance_due = app.acceptance_due or deadlines.acceptance_due
    app.window_due = app.window_due or deadlines.window_due
    app.deadlines_pending_year = deadlines.pending_year
    deferred.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="repair.accepted_for_review",
        entity_type="repair_application",
        entity_id=str(app.id),
        before=before,
        after={"status": app.status, "decision_due": _iso(app.decision_due), "extended": extended},
    )
    await deferred.write_deferred_audit(session)
    return app


async def decide_repair(
    session: AsyncSession,
    principal: Principal,
    app: RepairApplication,
    *,
    outcome: str,
    reasons: Sequence[str],
) -> RepairApplication:
    """The reviewer's decision; acceptance ends the publication at once (credit.publication.ended, repaired)."""
    _check_reviewable(principal, app)
    record = await record_repo.record(session, app.record_id, lock=True)
    assert record is not None
    publication = await record_repo.publication_for_record(session, record.id, lock=True)
    now, today = clock.now(), clock.today()
    rule_set = await rule_set_repo.rule_set(session, app.rule_set_id)
    assert rule_set is not None
    domain_app = _domain_application(app)
    eligibility = None
    review_outcome = repair_domain.ReviewOutcome(outcome)
    if review_outcome is repair_domain.ReviewOutcome.ACCEPTED:
        eligibility = repair_domain.assess_eligibility(
            _domain_record(record, publication, await _end(session, publication)),
            domain_app,
            today,
            rule_set,
            open_application_ids=[str(app.id)],
            other_decisions=await _others(session, record),
        )
    decision = repair_domain.decide_review(
        domain_app, review_outcome, reasons, today, _deadlines(app), eligibility=eligibility
    )
    before = {"status": app.status}
    app.decided_on = decision.decided_on
    app.decided_at = now
    app.reviewer = principal.sub
    app.outcome = decision.outcome.value
    app.reasons = list(decision.reasons)
    app.on_time = decision.on_time
    if decision.outcome is repair_domain.ReviewOutcome.ACCEPTED:
        assert publication is not None
        app.status = "repaired"
        publication.repaired_on = today
        await record_cases.end_publication(
            session, record, publication, reason="repaired", now=now, today=today
        )
        outbox.add(session, events.repair_completed(app, record, now))
    else:
        app.status = "rejected"
    deferred.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"repair.{app.status}",
        entity_type="repair_application",
        entity_id=str(app.id),
        before=before,
        after={"status": app.status, "reasons": app.reasons, "on_time": app.on_time},
    )
    await deferred.write_deferred_audit(session)
    return app


async def list_repairs(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    overdue: bool,
    before: str | None,
    limit: int,
) -> list[RepairApplication]:
    return await repair_repo.list_applications(
        session,
        scope,
        status=status,
        overdue_on=clock.today() if overdue else None,
        before=before,
        limit=limit,
    )
