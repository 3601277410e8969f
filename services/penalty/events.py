"""What the penalty service publishes: one builder per contract of services/common/contracts/penalty.py
(``PUBLISHED``), each from the case row (its projections: party, department, district) and the procedure's
domain event that calls for it. The builders are pure: what a contract needs from elsewhere (the department's
name) is looked up by the use case that stages it (use_cases/publishing.py: the table from the procedure's
domain events to these builders, and the once-only report of a missed deadline). What penalty consumes is
declared in ``consumers``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from services.common.contracts import penalty as contracts
from services.common.events import Event
from services.penalty.domain import deadlines as dl
from services.penalty.domain import procedure as p
from services.penalty.models import PenaltyCase, PenaltyFollowUp, SpotCollection


def _party(row: PenaltyCase) -> dict[str, Any]:
    return {
        "party_kind": row.party_kind,
        "party_uscc": row.party_uscc,
        "party_id_masked": row.party_id_masked,
        "party_name": row.party_name,
    }


def case_opened(row: PenaltyCase, event: p.CaseFiled) -> contracts.CaseOpened:
    return contracts.CaseOpened(
        **_party(row),
        case_id=row.id,
        case_no=row.case_no,
        department_code=row.dept_code,
        district_code=row.district_code,
        domain=row.domain,
        benchmark_code=row.benchmark_code,
        source=row.source,
        violation_id=row.violation_id,
        opened_at=event.occurred_at,
    )


def decision_issued(
    row: PenaltyCase, event: p.DecisionIssued, department_name: str
) -> contracts.DecisionIssued:
    """A decision to penalise (不予行政处罚 publishes nothing: use_cases.publishing)."""
    assert event.benchmark_code is not None and event.benchmark_version is not None and event.tier
    return contracts.DecisionIssued(
        **_party(row),
        case_id=row.id,
        decision_no=event.document_number,
        department_code=row.dept_code,
        department_name=department_name,
        district_code=row.district_code,
        domain=row.domain,
        benchmark_code=event.benchmark_code,
        benchmark_version=event.benchmark_version,
        tier=event.tier,
        kinds=list(event.kinds),
        fine_fen=event.fine_fen,
        confiscation_fen=event.confiscation_fen,
        procedure=event.procedure.value,
        decided_on=event.decided_on,
        # The decision document's date: periods of publication count from it (SPEC §4); it binds
        # the party once delivered, which 两书同达 makes wait for the credit notice.
        effective_on=event.decided_on,
        serious=event.serious,
        outside_tier=event.outside_tier,
        revision=event.revision,
        restriction_months=event.restriction_months,
    )


def decision_revoked(
    row: PenaltyCase, event: p.DecisionRevoked | p.DecisionConfirmed
) -> contracts.DecisionRevoked:
    """A decision revoked, or confirmed illegal or void (the contract's ``outcome``): either way its
    publications end (行政处罚法 第四十八条第二款)."""
    if isinstance(event, p.DecisionConfirmed):
        on, outcome = event.confirmed_on, event.finding.value
    else:
        on, outcome = event.revoked_on, "revoked"
    return contracts.DecisionRevoked(
        case_id=row.id,
        decision_no=event.document_number,
        party_uscc=row.party_uscc,
        department_code=row.dept_code,
        district_code=row.district_code,
        source=event.source.value,
        reason=event.reason,
        revoked_on=on,
        revision=event.revision,
        outcome=outcome,
    )


def decision_changed(row: PenaltyCase, event: p.DecisionChanged) -> contracts.DecisionChanged:
    return contracts.DecisionChanged(
        case_id=row.id,
        decision_no=event.document_number,
        party_uscc=row.party_uscc,
        department_code=row.dept_code,
        district_code=row.district_code,
        source=event.source.value,
        reason=event.reason,
        kinds=list(event.kinds),
        fine_fen=event.fine_fen,
        changed_on=event.changed_on,
        revision=event.revision,
        restriction_months=event.restriction_months,
    )


def fine_paid(row: PenaltyCase, event: p.FinePaid) -> contracts.FinePaid:
    return contracts.FinePaid(
        case_id=row.id,
        decision_no=event.document_number,
        party_uscc=row.party_uscc,
        fine_fen=event.fine_fen,
        surcharge_fen=event.surcharge_fen,
        paid_on=event.paid_on,
        fully_performed=event.fully_performed,
    )


def deadline_missed(
    row: PenaltyCase, *, deadline: dl.DeadlineKind, due_on: date, detected_on: date
) -> contracts.DeadlineMissed:
    return contracts.DeadlineMissed(
        case_id=row.id,
        department_code=row.dept_code,
        district_code=row.district_code,
        deadline=deadline.value,
        due_on=due_on,
        detected_on=detected_on,
    )


def enforcement_window_missed(
    row: PenaltyCase, *, outstanding_fen: int, window_closed_on: date, detected_on: date
) -> contracts.EnforcementWindowMissed:
    """行政强制法 第五十三条's three months ran out without an application (use_cases.enforcement)."""
    return contracts.EnforcementWindowMissed(
        case_id=row.id,
        department_code=row.dept_code,
        district_code=row.district_code,
        decision_no=row.decision_no or "",
        outstanding_fen=outstanding_fen,
        window_closed_on=window_closed_on,
        detected_on=detected_on,
    )


#: What penalty publishes: each contract and its builder (staged by use_cases.publishing, for the procedure's
#: steps (use_cases.timeline) and the deadline scan (use_cases.deadlines)).
def collection_overdue(
    row: SpotCollection, *, stage: str, due_on: date, detected_on: date
) -> contracts.CollectionOverdue:
    """当场收缴的罚款 not handed over or not banked in time (行政处罚法 第七十一条): the department and its
    supervisors are told once per stage."""
    return contracts.CollectionOverdue(
        collection_id=row.id,
        case_id=row.case_id,
        decision_no=row.decision_no,
        department_code=row.dept_code,
        district_code=row.district_code,
        stage="handover" if stage == "handover" else "banking",
        amount_fen=row.amount_fen,
        receipt_no=row.receipt_no,
        collected_on=row.collected_on,
        due_on=due_on,
        detected_on=detected_on,
    )


def follow_up_overdue(row: PenaltyFollowUp, *, detected_on: date) -> contracts.CorrectionFollowUpOverdue:
    """责令改正 of a decision (第二十八条第一款) still unchecked after its deadline (issue #14 item 6)."""
    return contracts.CorrectionFollowUpOverdue(
        follow_up_id=row.id,
        case_id=row.case_id,
        decision_no=row.decision_no,
        party_uscc=row.party_uscc,
        department_code=row.dept_code,
        district_code=row.district_code,
        ordered_on=row.ordered_on,
        due_on=row.due_on,
        detected_on=detected_on,
    )


PUBLISHED: dict[type[Event], Callable[..., Event]] = {
    contracts.CaseOpened: case_opened,
    contracts.DecisionIssued: decision_issued,
    contracts.DecisionRevoked: decision_revoked,
    contracts.DecisionChanged: decision_changed,
    contracts.FinePaid: fine_paid,
    contracts.DeadlineMissed: deadline_missed,
    contracts.EnforcementWindowMissed: enforcement_window_missed,
    contracts.CollectionOverdue: collection_overdue,  # issue #17: 当场收缴 (第七十一条)
    contracts.CorrectionFollowUpOverdue: follow_up_overdue,  # issue #14 item 6: 责令改正 (第二十八条)
}
