"""Rows and domain values of the penalty service → its response models (schemas), in one place."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import pydantic_core

from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import acts, bridge, history
from services.penalty.domain import deadlines as dl
from services.penalty.domain import discretion as d
from services.penalty.domain import follow_ups as fu
from services.penalty.domain import procedure as p
from services.penalty.models import (
    BenchmarkVersionRow,
    CaseStep,
    CreditNotice,
    Department,
    Document,
    EconomicImpactAssessment,
    FactContest,
    Lead,
    PenaltyCase,
    PenaltyFollowUp,
)
from services.penalty.schemas.follow_ups import FollowUpRead


def case_url(case_id: uuid.UUID) -> str:
    return f"/api/v1/penalty/cases/{case_id}"


def document_url(document_id: uuid.UUID, ext: str) -> str:
    return f"/api/v1/penalty/documents/{document_id}.{ext}"


# --------------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------------


def version_read(row: BenchmarkVersionRow) -> s.BenchmarkVersionRead:
    detail = dict(row.body)
    detail["status"] = row.status
    detail["effective_to"] = row.effective_to.isoformat() if row.effective_to else None
    return s.BenchmarkVersionRead(
        code=row.code,
        version=row.version,
        status=row.status,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        approving_document=row.approving_document,
        department_code=row.department_code,
        department_name=str(detail.get("department_name", "")),
        domain=row.domain,
        violation_name=row.violation_name,
        first_violation_allowed=bool(detail.get("first_violation_allowed", False)),
        detail=detail,
    )


def admin_version_read(row: BenchmarkVersionRow) -> s.BenchmarkAdminRead:
    return s.BenchmarkAdminRead(
        **version_read(row).model_dump(),
        drafted_by=row.drafted_by,
        drafted_at=row.drafted_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        published_by=row.published_by,
        published_at=row.published_at,
    )


def department_read(dept: Department) -> s.DepartmentRead:
    return s.DepartmentRead.model_validate(dept, from_attributes=True)


# --------------------------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------------------------

_OUTCOME_LABELS = {
    d.Outcome.LIMITATION_EXPIRED: "超过追责期限，不再给予行政处罚",
    d.Outcome.NO_PENALTY: "不予行政处罚",
    d.Outcome.CORRECTION_ONLY: "责令改正，不予处罚",
    d.Outcome.FIRST_VIOLATION_WAIVER: "首违不罚：可以不予行政处罚",
    d.Outcome.PENALTY: "给予行政处罚",
}


# The assessment's read model from plain data: one validation of the whole tree by pydantic-core is cheaper
# than a model per step, citation and kind; and the what-if route (issue #16) skips the models altogether,
# serialising the same data straight to the JSON ``AssessmentRead.model_dump_json`` would give (byte for
# byte: tests/penalty/test_views_assessment.py, and bench_assessment's seeded bodies).


def _range(r: d.FenRange | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"low_fen": r.low, "high_fen": r.high, "text": d.range_text(r, closed=True)}


def _proposal(pp: d.PenaltyProposal) -> dict[str, Any]:
    return {
        "tier": bridge.TIER_NAMES[pp.tier],
        "tier_key": pp.tier.value,
        "legal_range": _range(pp.legal_range),
        "tier_range": _range(pp.tier_range),
        "suggested_fine_fen": pp.suggested_fine_fen,
        "fine_optional": pp.fine_optional,
        "kinds": [{"kind": k.value, "label": k.label} for k in pp.kinds],
        "allowed_kinds": [{"kind": k.value, "label": k.label} for k in pp.allowed_kinds],
        "escalations": [e.label for e in pp.escalations],
    }


def _step(step: d.Step) -> dict[str, Any]:
    return {
        "rule": step.rule,
        "text": step.text,
        "citations": [
            {
                "law": c.law,
                "article": c.article,
                "benchmark_code": c.benchmark_code,
                "benchmark_version": c.benchmark_version,
                "text": c.render(),
            }
            for c in step.citations
        ],
    }


def assessment_data(a: d.Assessment) -> dict[str, Any]:
    """``AssessmentRead``'s fields, in its order, as plain data (``record``: none, a what-if's)."""
    lim = a.limitation
    return {
        "benchmark_code": a.code,
        "benchmark_version": a.version,
        "outcome": a.outcome.value,
        "outcome_label": _OUTCOME_LABELS[a.outcome],
        "limitation": {
            "years": lim.years,
            "starts_on": lim.starts_on,
            "last_day": lim.last_day,
            "measured_on": lim.measured_on,
            "expired": lim.expired,
        },
        "penalty": _proposal(a.penalty) if a.penalty is not None else None,
        "first_violation_eligible": a.first_violation_eligible,
        "education_required": a.education_required,
        "guardian_order": a.guardian_order,
        "coercive_measures_excluded": a.coercive_measures_excluded,
        "simple_procedure_allowed": a.simple_procedure_allowed,
        "hearing_required": a.hearing_required,
        "hearing_reasons": list(a.hearing_reasons),
        "legal_review_required": a.legal_review_required,
        "legal_review_reasons": list(a.legal_review_reasons),
        "collective_discussion_required": a.collective_discussion_required,
        "collective_discussion_reasons": list(a.collective_discussion_reasons),
        "economic_impact_assessment_required": a.economic_impact_assessment_required,
        "economic_impact_reasons": list(a.economic_impact_reasons),
        "steps": [_step(step) for step in a.steps],
        "explanation": a.explanation(),
        "record": None,
    }


def assessment_read(a: d.Assessment) -> s.AssessmentRead:
    return s.AssessmentRead.model_validate(assessment_data(a))


def assessment_json(a: d.Assessment) -> bytes:
    """The JSON of ``assessment_read(a)`` (``model_dump_json``), serialised from the data without the models."""
    return pydantic_core.to_json(assessment_data(a))


# --------------------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------------------


def lead_read(lead: Lead, suggestions: list[str] | None = None) -> s.LeadRead:
    read = s.LeadRead.model_validate(lead, from_attributes=True)
    read.suggested_benchmarks = suggestions or []
    read.act_id = acts.inspection_act_id(lead.visit_id, lead.enterprise_uscc, lead.item_code)  # 第二十九条
    return read


# --------------------------------------------------------------------------------------------------------
# Cases and documents
# --------------------------------------------------------------------------------------------------------


def document_ref(document: Document) -> s.DocumentRef:
    return s.DocumentRef(
        id=document.id,
        kind=document.kind,
        title=document.title,
        number=document.number,
        issued_on=document.issued_on,
        html_url=document_url(document.id, "html"),
        pdf_url=document_url(document.id, "pdf"),
    )


def credit_notice_read(notice: CreditNotice | None) -> s.CreditNoticeRead | None:
    if notice is None:
        return None
    return s.CreditNoticeRead.model_validate(notice, from_attributes=True)


def _kinds(penalty: p.Penalty | None) -> list[s.KindRead]:
    if penalty is None:
        return []
    return [s.KindRead(kind=k.value, label=k.label) for k in sorted(penalty.kinds, key=p.kind_order)]


def decision_summary(case: p.Case, today: date) -> s.DecisionSummary | None:
    decision = case.decision
    if decision is None:
        return None
    penalty = case.current_penalty
    surcharge = case.surcharge_on(today)
    return s.DecisionSummary(
        number=decision.document_number,
        outcome=decision.outcome.value,
        decided_on=decision.decided_on,
        kinds=_kinds(penalty),
        fine_fen=penalty.fine_fen if penalty else 0,
        confiscation_fen=penalty.confiscation_fen if penalty else 0,
        terms=penalty.terms if penalty else "",
        restriction_months=penalty.restriction_months if penalty else None,
        outside_tier=decision.outside_tier,
        serious=decision.serious,
        delivery_due=decision.delivery_due,
        publish_by=decision.publish_by,
        deadlines_unknown=decision.deadlines_unknown or None,
        delivered_on=case.delivery.delivered_on if case.delivery else None,
        payment_due=case.payment_due,
        fine_paid_fen=case.fine_paid_fen,
        fine_outstanding_fen=case.fine_outstanding_fen,
        surcharge_today_fen=surcharge.amount_fen if surcharge else 0,
    )


def _party(row: PenaltyCase, *, own_officer: bool) -> s.PartyRead:
    return s.PartyRead(
        kind=row.party_kind,
        name=row.party_name,
        uscc=row.party_uscc,
        id_masked=row.party_id_masked,
        id_number=row.party_id_number if own_officer else None,
        address=row.party_address,
        legal_representative=row.party_legal_rep,
    )


def _deadline(item: dl.DeadlineItem) -> s.DeadlineRead:
    return s.DeadlineRead(
        deadline=item.kind.value,
        level=item.level.value,
        due_on=item.due_on,
        days_left=item.days_left,
        article=item.article,
        message=item.message,
        surcharge_fen=item.surcharge_fen,
    )


def case_read(
    row: PenaltyCase,
    *,
    case: p.Case,
    assessment: d.Assessment | None,
    documents: Sequence[Document],
    notice: CreditNotice | None,
    principal: Principal,
    today: date,
    supervision: Sequence[s.SupervisionMatterRef] = (),
) -> s.CaseRead:
    """The case as ``principal`` may read it: the procedural record for the administration only, the
    party's identity number for the officers of the case's department only."""
    internal = principal.role in ("officer", "supervisor", "admin")
    own_officer = principal.role == "officer" and principal.dept_code == row.dept_code
    return s.CaseRead(
        id=row.id,
        case_no=row.case_no,
        state=row.state,
        state_label=p.STATE_LABELS[case.state],
        procedure=row.procedure,
        source=row.source,
        dept_code=row.dept_code,
        district_code=row.district_code,
        domain=row.domain,
        party=_party(row, own_officer=own_officer),
        summary=row.summary,
        benchmark_code=row.benchmark_code,
        benchmark_version=row.benchmark_version,
        tier=row.tier,
        filed_on=case.filed_on,
        decision_limit=case.decision_limit,
        violation_id=row.violation_id,
        lead_id=row.lead_id,
        decision=decision_summary(case, today),
        deadlines=[_deadline(i) for i in dl.deadline_status(case, today)],
        documents=[document_ref(x) for x in documents],
        credit_notice=credit_notice_read(notice),
        revision=row.revision,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        procedure_record=row.domain_case if internal else None,
        assessment=assessment_read(assessment) if assessment is not None else None,
        supervision_matters=list(supervision) if internal else [],
    )


def case_summary(row: PenaltyCase) -> s.CaseSummaryRead:
    return s.CaseSummaryRead(
        id=row.id,
        case_no=row.case_no,
        state=row.state,
        state_label=p.STATE_LABELS[p.CaseState(row.state)],
        procedure=row.procedure,
        dept_code=row.dept_code,
        district_code=row.district_code,
        party_name=row.party_name,
        party_uscc=row.party_uscc,
        summary=row.summary,
        benchmark_code=row.benchmark_code,
        tier=row.tier,
        decision_no=row.decision_no,
        decided_on=row.decided_on,
        fine_fen=row.fine_fen,
        opened_at=row.opened_at,
    )


def step_read(step: CaseStep) -> s.StepReadOut:
    return s.StepReadOut.model_validate(step, from_attributes=True)


def record_facts_read(r: history.RecordFacts) -> s.RecordFactsRead:
    return s.RecordFactsRead(
        period_months=r.period_months,
        period_source=r.period_source,
        window_start=r.window_start,
        window_end=r.window_end,
        identified=r.identified,
        first_offence=r.derived_first_offence,
        repeated=r.derived_repeated,
        relied_on=[
            s.PriorDecisionRead(case_id=x.case_id, decision_no=x.decision_no, decided_on=x.decided_on)
            for x in r.relied_on
        ],
        contests=[
            s.ContestRead(fact=c.fact.value, derived=r.derived(c.fact), value=c.value, reason=c.reason)
            for c in r.contests
        ],
    )


def contested_fact_flag(row: FactContest) -> s.ContestedFactFlag:
    return s.ContestedFactFlag(
        case_id=row.case_id,
        dept_code=row.dept_code,
        district_code=row.district_code,
        benchmark_code=row.benchmark_code,
        fact=row.fact,
        derived=row.derived,
        claimed=row.claimed,
        reason=row.reason,
        relied_on=[s.PriorDecisionRead.model_validate(x) for x in row.relied_on],
        officer=row.officer,
        contested_at=row.contested_at,
        link=case_url(row.case_id),
    )


def economic_impact_read(row: EconomicImpactAssessment) -> s.EconomicImpactRead:
    return s.EconomicImpactRead.model_validate(row, from_attributes=True)


def unknown_deadlines_read(row: PenaltyCase, case: p.Case) -> s.UnknownDeadlinesRead:
    assert row.deadlines_unknown_year is not None
    return s.UnknownDeadlinesRead(
        case_id=row.id,
        case_no=row.case_no,
        dept_code=row.dept_code,
        decision_no=row.decision_no,
        decided_on=row.decided_on,
        year=row.deadlines_unknown_year,
        reason=case.decision.deadlines_unknown if case.decision else "",
    )


# --------------------------------------------------------------------------------------------------------
# Consistency
# --------------------------------------------------------------------------------------------------------


def _links(ids: Sequence[uuid.UUID]) -> list[str]:
    return [case_url(i) for i in ids]


def outside_range_flag(r: repo.OutsideRange) -> s.OutsideRangeFlag:
    return s.OutsideRangeFlag(
        benchmark_code=r.benchmark_code,
        tier=r.tier,
        district_code=r.district_code,
        dept_code=r.dept_code,
        fine_fen=r.fine_fen,
        tier_low_fen=r.tier_low_fen,
        tier_high_fen=r.tier_high_fen,
        case_ids=[r.case_id],
        links=_links([r.case_id]),
    )


def position_flag(r: repo.DistrictPosition) -> s.PositionFlag:
    return s.PositionFlag(
        benchmark_code=r.benchmark_code,
        tier=r.tier,
        district_code=r.district_code,
        district_cases=r.n,
        district_median_bp=round(r.district_median),
        city_cases=r.city_n,
        city_median_bp=round(r.city_median),
        difference_bp=round(r.district_median - r.city_median),
        case_ids=list(r.case_ids),
        links=_links(r.case_ids),
    )


def same_facts_flag(r: repo.SameFacts) -> s.SameFactsFlag:
    return s.SameFactsFlag(
        benchmark_code=r.benchmark_code,
        facts_key=r.facts_key,
        cases=r.n,
        tiers=list(r.tiers),
        districts=list(r.districts),
        case_ids=list(r.case_ids),
        links=_links(r.case_ids),
    )


def totals(rows: Sequence[Any]) -> int:
    """The complete count a flag query carries on each of its (limited) rows."""
    return int(rows[0].total) if rows else 0


# 责令改正 follow-up of a decision (issue #14 item 6)


def follow_up_read(row: PenaltyFollowUp, today: date) -> FollowUpRead:
    return FollowUpRead.model_validate(
        {
            **{c: getattr(row, c) for c in FollowUpRead.model_fields if c != "state"},
            "state": fu.state(row.status, row.due_on, today).value,
        }
    )
