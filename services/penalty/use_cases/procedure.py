"""The lawful procedure's steps after filing (the rules: domain.procedure): investigation, notice and the
party's rights, reviews, the decision, delivery with 两书同达, execution, corrections and closure.

Each route hands its step the case row it loaded ``FOR UPDATE`` through the access rule.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import calendar_store, clock
from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import bridge
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import documents as docs
from services.penalty.domain import follow_ups as follow_up_rules
from services.penalty.domain import procedure as p
from services.penalty.errors import CreditNoticePending
from services.penalty.models import CreditNotice, Department, Document, PenaltyCase
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import acts, codec, documents, follow_ups, impact, supervision
from services.penalty.use_cases.cases import assessment_of
from services.penalty.use_cases.catalogue import snapshot
from services.penalty.use_cases.certificates import check_certificates, officer_signs
from services.penalty.use_cases.common import audit, department
from services.penalty.use_cases.timeline import apply, case_of, step, summary

_ASSESSMENT_MISSING = (
    "尚未依据裁量基准对本案进行裁量，请先完成裁量（行政处罚法 第三十四条）",
    "The case has not been assessed against its benchmark yet: assess it first (行政处罚法 第三十四条)",
)


def _on(value: date | None, today: date) -> date:
    return value or today


def _explanation(row: PenaltyCase) -> tuple[str, ...]:
    assessment = assessment_of(row)
    return bridge.explanation_lines(assessment) if assessment else ()


def _assessed(case: p.Case) -> p.AssessedPenalty:
    if case.assessment is None:
        raise p.AssessmentMissing(_ASSESSMENT_MISSING[0], detail_en=_ASSESSMENT_MISSING[1])
    return case.assessment


def _not_decided(case: p.Case) -> None:
    """A second decision is refused before a document number is spent on it."""
    if case.decision is not None:
        decision = case.decision
        raise p.AlreadyDecided(
            f"本案已于{decision.decided_on.isoformat()}作出决定（{decision.document_number}），不得重复作出决定",
            detail_en=f"The case was decided on {decision.decided_on.isoformat()} ({decision.document_number}) "
            "and cannot be decided again",
            extra={"state": case.state.value},
        )


def _facts(row: PenaltyCase, given: list[str] | None) -> list[str]:
    """The decision's facts: as given, else the notice's, else the filing's brief."""
    return given or documents.details_list(row, "notice_facts") or [str(row.details.get("facts_brief", ""))]


# --------------------------------------------------------------------------------------------------------
# Investigation and notice
# --------------------------------------------------------------------------------------------------------


async def start_investigation(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.InvestigationIn
) -> PenaltyCase:
    """调查取证 by at least two certified officers (第四十二条)."""
    officers = tuple(dict.fromkeys(body.officers or documents.details_list(row, "officers")))
    await check_certificates(session, officers, clock.today())
    updated = await step(
        session,
        principal=principal,
        row=row,
        action="investigation",
        build=lambda case, today: p.StartInvestigation(officers),
    )
    updated.details = {**updated.details, "officers": list(officers)}
    return updated


def _hearing_offered(assessed: p.AssessedPenalty, flags: bridge.ProposalFlags, body: s.NoticeIn) -> bool:
    """Whether the notice offers a hearing; refused when the law requires one and it is not offered."""
    hearing_needed = assessed.hearing_required or bool(flags.hearing_reasons)
    hearing_offered = hearing_needed if body.hearing_offered is None else body.hearing_offered
    if hearing_needed and not hearing_offered:
        why = "；".join(flags.hearing_reasons) or "裁量结果认定应当告知听证权利"
        raise p.NoticeIncomplete(
            f"告知书须载明要求听证的权利：{why}（行政处罚法 第六十三条、第六十四条）",
            detail_en=f"The notice must state the right to a hearing: {why} (行政处罚法 第六十三条、第六十四条)",
            errors=[{"field": "hearing_offered"}],
        )
    return hearing_offered


def _proposal_flags(
    row: PenaltyCase, case: p.Case, proposed: p.Penalty, config: d.AssessmentConfig
) -> bridge.ProposalFlags:
    """The proposal's own procedure flags (a fine may call for a hearing the assessment did not)."""
    facts = codec.decode(d.Facts, row.facts) if row.facts else None
    return bridge.flags_for(
        case.party.kind,
        proposed,
        config=config,
        illegal_gains_fen=(facts.base_amounts.get(cat.BaseKind.ILLEGAL_GAINS, 0) if facts else 0),
        illegal_property_fen=(facts.illegal_property_value_fen or 0) if facts else 0,
    )


def _notice_command(
    row: PenaltyCase,
    body: s.NoticeIn,
    *,
    number: str,
    version: cat.BenchmarkVersion,
    proposed: p.Penalty,
    assessed: p.AssessedPenalty,
    hearing_offered: bool,
    served_on: date,
) -> p.Notify:
    reasons = [*_explanation(row), *body.reasons]
    if body.outside_range_reason.strip():
        reasons.append(f"拟作出的罚款超出裁量档次幅度的理由：{body.outside_range_reason.strip()}")
    return p.Notify(
        document_number=number,
        facts="\n".join(body.facts),
        reasons=tuple(reasons),
        basis=documents.basis_text(version),
        proposed=proposed,
        benchmark_code=assessed.benchmark_code,
        served_on=served_on,
        hearing_offered=hearing_offered,
        statement_working_days=body.statement_working_days,
        outside_range_reason=body.outside_range_reason,
        renotice_reason=body.renotice_reason,
        new_evidence=body.new_evidence,
    )


async def _notice_documents(
    session: AsyncSession,
    row: PenaltyCase,
    body: s.NoticeIn,
    ctx: PenaltyContext,
    *,
    dept: Department,
    number: str,
    version: cat.BenchmarkVersion,
    notice: p.NoticeRecord,
    source: str,
    filed_on: date,
    served_on: date,
) -> None:
    """行政处罚告知书, and 听证告知书 when a hearing is offered; the notice's facts and evidence are kept for
    the decision."""
    evidence = [*documents.details_list(row, "evidence"), *body.evidence]
    row.details = {**row.details, "notice_facts": list(body.facts), "evidence": evidence}
    built = documents.penalty_notice(
        number=number,
        dept=dept,
        row=row,
        version=version,
        notice=notice,
        facts=body.facts,
        evidence=evidence,
        source=source,
        filed_on=filed_on,
        statement_working_days=body.statement_working_days,
        assessment=assessment_of(row),
    )
    await documents.store(session, row, built, served_on, ctx)
    if notice.hearing_offered:
        hearing_number = await documents.allocate(session, dept, docs.DocumentKind.HEARING_NOTICE, ctx)
        built = documents.hearing_notice(
            number=hearing_number, dept=dept, row=row, version=version, notice=notice
        )
        await documents.store(session, row, built, served_on, ctx)


async def notify(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.NoticeIn, ctx: PenaltyContext
) -> PenaltyCase:
    """告知 (第四十四条): check the proposal's own procedure flags, number the notice, issue the documents."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    before = summary(row)
    case = case_of(row)
    assessed = _assessed(case)
    published = await snapshot(session, ctx)
    version = published.version(assessed.benchmark_code, assessed.benchmark_version)
    proposed = body.proposed.domain()
    p.validate_penalty(proposed)
    flags = _proposal_flags(row, case, proposed, published.config)
    hearing_offered = _hearing_offered(assessed, flags, body)
    calendar = await calendar_store.load_calendar(session)
    upgraded = bridge.with_flags(assessed, flags)
    if upgraded != assessed:
        case = (
            await apply(
                session,
                row=row,
                case=case,
                command=p.RecordAssessment(upgraded),
                principal=principal,
                action="assessment_flags",
                now=now,
                calendar=calendar,
            )
        ).case
    dept = await department(session, row.dept_code)
    number = await documents.allocate(session, dept, docs.DocumentKind.PENALTY_NOTICE, ctx)
    served_on = body.served_on or today
    notice_command = _notice_command(
        row,
        body,
        number=number,
        version=version,
        proposed=proposed,
        assessed=upgraded,
        hearing_offered=hearing_offered,
        served_on=served_on,
    )
    transition = await apply(
        session,
        row=row,
        case=case,
        command=notice_command,
        principal=principal,
        action="notice",
        now=now,
        calendar=calendar,
    )
    notice = transition.case.notice
    assert notice is not None
    await _notice_documents(
        session,
        row,
        body,
        ctx,
        dept=dept,
        number=number,
        version=version,
        notice=notice,
        source=published.title,
        filed_on=case.filed_on,
        served_on=served_on,
    )
    await audit(
        session,
        principal,
        action="penalty.case.notice",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**summary(row), "notice": number, "proposed": proposed.describe()},
    )
    return row


# --------------------------------------------------------------------------------------------------------
# The party's rights, reviews, the time limit
# --------------------------------------------------------------------------------------------------------


async def record_statement(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.StatementIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="statement",
        party_may=True,
        build=lambda case, today: p.RecordStatement(body.content, _on(body.received_on, today)),
    )


async def review_statements(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.StatementReviewIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="statement_review",
        build=lambda case, today: p.ReviewStatements(body.opinion, body.adopted),
    )


async def waive_rights(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.WaiverIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="waiver",
        party_may=True,
        build=lambda case, today: p.WaiveRights(body.statement, body.hearing, _on(body.declared_on, today)),
    )


async def request_hearing(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.HearingRequestIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="hearing_request",
        party_may=True,
        build=lambda case, today: p.RequestHearing(_on(body.requested_on, today)),
    )


def _investigator_names(row: PenaltyCase, case: p.Case) -> frozenset[str]:
    """The names of the case's investigators known from their own steps on it (``officer_names``)."""
    names: dict[str, str] = row.details.get("officer_names", {})
    return frozenset(names[cert] for cert in case.officers if names.get(cert))


async def schedule_hearing(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.HearingScheduleIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="hearing_schedule",
        build=lambda case, today: p.ScheduleHearing(
            _on(body.notified_on, today), body.hearing_on, body.presider, _investigator_names(row, case)
        ),
    )


async def record_hearing(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.HearingRecordIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="hearing_record",
        build=lambda case, today: p.RecordHearing(
            _on(body.held_on, today), body.outcome, body.transcript_ref
        ),
    )


async def withdraw_hearing(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.HearingWithdrawIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="hearing_withdraw",
        party_may=True,
        build=lambda case, today: p.WithdrawHearing(_on(body.withdrawn_on, today)),
    )


async def record_legal_review(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.LegalReviewIn
) -> PenaltyCase:
    reviewer = principal.cert_no or principal.sub
    return await step(
        session,
        principal=principal,
        row=row,
        action="legal_review",
        build=lambda case, today: p.RecordLegalReview(
            reviewer, body.passed, body.opinion, _on(body.reviewed_on, today), body.proposal.domain()
        ),
    )


async def record_collective_discussion(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.CollectiveDiscussionIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="collective_discussion",
        build=lambda case, today: p.RecordCollectiveDiscussion(
            _on(body.held_on, today), tuple(body.participants), body.minutes_ref, body.conclusion.domain()
        ),
    )


async def extend_time_limit(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.ExtensionIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="extension",
        build=lambda case, today: p.ExtendTimeLimit(body.new_limit, body.approver, body.basis, body.reason),
    )


# --------------------------------------------------------------------------------------------------------
# Decisions and delivery
# --------------------------------------------------------------------------------------------------------


async def record_decided(
    session: AsyncSession, row: PenaltyCase, assessed: p.AssessedPenalty, decision: p.DecisionRecord
) -> None:
    """The decided case's narrow copy the consistency report reads (类案不同罚, SPEC §3.4)."""
    assert decision.penalty is not None
    facts_key = bridge.facts_key(codec.decode(d.Facts, row.facts)) if row.facts else "unknown"
    await repo.upsert_decided(
        session,
        {
            "case_id": row.id,
            "dept_code": row.dept_code,
            "district_code": row.district_code,
            "benchmark_code": assessed.benchmark_code,
            "benchmark_version": assessed.benchmark_version,
            "tier": assessed.tier,
            "tier_low_fen": assessed.min_fen,
            "tier_high_fen": assessed.max_fen,
            "fine_fen": decision.penalty.fine_fen,
            "has_fine": p.PenaltyKind.FINE in decision.penalty.kinds,
            "facts_key": facts_key,
            "decided_on": decision.decided_on,
            "active": True,
        },
    )


async def decide(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.DecisionIn, ctx: PenaltyContext
) -> PenaltyCase:
    """作出行政处罚决定: the number is taken from the department's counter in this transaction."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    before = summary(row)
    case = case_of(row)
    if case.procedure is p.ProcedureKind.SIMPLE:
        await check_certificates(session, case.officers, today)
    assessed = _assessed(case)
    published = await snapshot(session, ctx)
    version = published.version(assessed.benchmark_code, assessed.benchmark_version)
    dept = await department(session, row.dept_code)
    _not_decided(case)
    if body.correction is not None:  # 限期改正 (第二十八条第一款): refused before a number is spent
        follow_up_rules.check_deadline(body.correction.deadline, today)
    await acts.refuse_second_fine(session, row=row, penalty=body.penalty.domain())  # 第二十九条
    await impact.require_before_decision(
        session, row=row, penalty=body.penalty.domain(), config=published.config
    )
    number = await documents.allocate(session, dept, docs.DocumentKind.PENALTY_DECISION, ctx)
    facts = _facts(row, body.facts)
    reasons = [*_explanation(row), *body.reasons]
    if body.outside_range_reason.strip():
        reasons.append(f"罚款超出裁量档次幅度的理由：{body.outside_range_reason.strip()}")
    transition = await apply(
        session,
        row=row,
        case=case,
        command=p.Decide(
            document_number=number,
            penalty=body.penalty.domain(),
            facts="\n".join(facts),
            reasons=tuple(reasons),
            basis=documents.basis_text(version),
            outside_range_reason=body.outside_range_reason,
            serious=body.serious,
        ),
        principal=principal,
        action="decision",
        now=now,
    )
    decided = transition.case
    built = documents.penalty_decision(
        number=number,
        dept=dept,
        row=row,
        version=version,
        case=decided,
        facts=facts,
        evidence=body.evidence if body.evidence is not None else documents.details_list(row, "evidence"),
        defence=body.defence,
        source=published.title,
        place=body.place or str(row.details.get("place", "")),
        assessment=assessment_of(row),
        confiscated=body.confiscated(),
    )
    if body.confiscated_items:  # kept with the case (the document is stored as issued)
        row.details = {**row.details, "confiscated_items": [i.model_dump() for i in body.confiscated_items]}
    await documents.store(session, row, built, today, ctx)
    decision = decided.decision
    assert decision is not None and decision.penalty is not None
    await record_decided(session, row, assessed, decision)
    if body.correction is not None:  # issue #14 item 6: checked again at its deadline
        await follow_ups.order_correction(
            session, row=row, decision_no=number, correction=body.correction, decided_on=decision.decided_on
        )
    await audit(
        session,
        principal,
        action="penalty.case.decision",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**summary(row), "decision": number, "penalty": decision.penalty.describe()},
    )
    return row


async def decide_no_penalty(
    session: AsyncSession,
    *,
    principal: Principal,
    row: PenaltyCase,
    body: s.NoPenaltyDecisionIn,
    ctx: PenaltyContext,
) -> PenaltyCase:
    """不予行政处罚决定 (第五十七条第一款第二项、第三项), with the education 第三十三条第三款 requires."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    before = summary(row)
    case = case_of(row)
    assessed = _assessed(case)
    published = await snapshot(session, ctx)
    version = published.version(assessed.benchmark_code, assessed.benchmark_version)
    assessment = assessment_of(row)
    basis = documents.no_penalty_basis(assessment)
    if basis == (documents.FACTS_NOT_ESTABLISHED,) and not any(r.strip() for r in body.reasons):
        # The engine's explanation argues for a penalty: it cannot be the reason not to impose one.
        raise p.ReasonRequired(
            "本案裁量结论为给予行政处罚，作出不予行政处罚决定须在reasons中载明违法事实不能成立的理由"
            "（行政处罚法 第五十七条第一款第三项；沈法治办发〔2020〕7号 三（八）3）",
            detail_en="The assessment found a violation to be punished: a decision not to penalise must state in "
            "`reasons` why the facts are not established (行政处罚法 art. 57(1)(3))",
        )
    p.check_education(
        required=assessment is not None and assessment.education_required, education=body.education
    )
    dept = await department(session, row.dept_code)
    _not_decided(case)
    number = await documents.allocate(session, dept, docs.DocumentKind.NO_PENALTY_DECISION, ctx)
    facts = _facts(row, body.facts)
    transition = await apply(
        session,
        row=row,
        case=case,
        command=p.DecideNoPenalty(
            document_number=number,
            facts="\n".join(facts),
            reasons=(*_explanation(row), *body.reasons),
            basis=docs.cite_all(basis),
        ),
        principal=principal,
        action="no_penalty_decision",
        now=now,
    )
    built = documents.no_penalty_decision(
        number=number,
        dept=dept,
        row=row,
        version=version,
        case=transition.case,
        facts=facts,
        evidence=body.evidence if body.evidence is not None else documents.details_list(row, "evidence"),
        basis=basis,
        education=body.education,
    )
    await documents.store(session, row, built, today, ctx)
    await audit(
        session,
        principal,
        action="penalty.case.no_penalty_decision",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**summary(row), "decision": number},
    )
    return row


async def deliver(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.DeliveryIn
) -> tuple[PenaltyCase, Document, CreditNotice | None]:
    """送达 with 两书同达: only once the credit repair notice for the case has arrived."""
    await officer_signs(session, principal, clock.today())
    case = case_of(row)
    notice = await repo.credit_notice(session, row.id)
    if case.decision is not None and case.decision.outcome is p.DecisionOutcome.PENALTY and notice is None:
        number = case.decision.document_number
        raise CreditNoticePending(
            f"两书同达：行政处罚决定书{number}须与信用修复提示书一并送达，信用修复提示书尚未生成，请稍后重试",
            detail_en=f"Decision {number} must be delivered together with the credit repair notice (两书同达), "
            "which has not been issued yet: retry later",
            extra={"decision_no": number},
        )
    row = await step(
        session,
        principal=principal,
        row=row,
        action="delivery",
        build=lambda case, today: p.Deliver(
            _on(body.delivered_on, today), body.method, body.recipient, body.electronic_consent
        ),
    )
    document = await documents.decision_document(session, row)
    return row, document, notice


# --------------------------------------------------------------------------------------------------------
# Execution, corrections, publication, closure
# --------------------------------------------------------------------------------------------------------


async def grant_deferral(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.DeferralIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="deferral",
        build=lambda case, today: p.GrantDeferral(body.approved_by, body.new_due, body.reason),
    )


async def record_payment(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.PaymentIn
) -> PenaltyCase:
    """缴纳罚款, reported by an officer or by the revenue system (integration)."""
    today, now = clock.today(), clock.now()
    if principal.role == "officer":
        await officer_signs(session, principal, today)
    before = summary(row)
    await apply(
        session,
        row=row,
        case=case_of(row),
        command=p.RecordPayment(
            _on(body.paid_on, today), body.fine_fen, body.surcharge_fen, body.receipt_ref
        ),
        principal=principal,
        action="payment",
        now=now,
    )
    await audit(
        session,
        principal,
        action="penalty.case.payment",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**summary(row), "paid_fen": body.fine_fen, "surcharge_fen": body.surcharge_fen},
    )
    return row


async def record_execution(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.ExecutionIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="execution",
        build=lambda case, today: p.RecordExecution(_on(body.executed_on, today), body.note),
    )


async def file_remedy(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.RemedyIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="remedy",
        build=lambda case, today: p.FileRemedy(body.source, body.filed_on, body.reference),
    )


async def conclude_remedy(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.RemedyConcludeIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="remedy_concluded",
        build=lambda case, today: p.ConcludeRemedy(_on(body.concluded_on, today), body.upheld),
    )


async def revoke(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.RevocationIn
) -> PenaltyCase:
    row = await step(
        session,
        principal=principal,
        row=row,
        action="revocation",
        build=lambda case, today: p.Revoke(
            body.source, body.reason, body.source_document, _on(body.effective_on, today)
        ),
    )
    await repo.update_decided(session, row.id, active=False)
    return row


async def change(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.ChangeIn
) -> PenaltyCase:
    penalty = body.penalty.domain()
    await acts.refuse_second_fine(session, row=row, penalty=penalty)  # 第二十九条
    row = await step(
        session,
        principal=principal,
        row=row,
        action="change",
        build=lambda case, today: p.Change(
            body.source,
            body.reason,
            body.source_document,
            _on(body.effective_on, today),
            penalty,
            body.contrary_third_party_request,
        ),
    )
    await repo.update_decided(
        session, row.id, fine_fen=penalty.fine_fen, has_fine=p.PenaltyKind.FINE in penalty.kinds
    )
    return row


async def confirm_unlawful(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.ConfirmationIn
) -> PenaltyCase:
    """确认违法 or 确认无效: a void decision's fine no longer stands (like a revoked one); one confirmed
    illegal keeps its obligations (行政诉讼法 第七十四条)."""
    row = await step(
        session,
        principal=principal,
        row=row,
        action="confirmation",
        build=lambda case, today: p.ConfirmUnlawful(
            body.source, body.finding, body.reason, body.source_document, _on(body.effective_on, today)
        ),
    )
    if body.finding is p.Finding.CONFIRMED_VOID:
        await repo.update_decided(session, row.id, active=False)
    return row


async def record_publication(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.PublicationIn
) -> PenaltyCase:
    return await step(
        session,
        principal=principal,
        row=row,
        action="publication",
        build=lambda case, today: p.RecordPublication(
            body.published_on if body.published_on or body.exempt_reason else today, body.exempt_reason
        ),
    )


async def close(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.CloseIn
) -> PenaltyCase:
    await supervision.ensure_closable(session, row)  # issue #14: no 结案 while a supervision matter is open
    return await step(
        session,
        principal=principal,
        row=row,
        action="closure",
        build=lambda case, today: p.Close(body.reason, body.note),
    )
