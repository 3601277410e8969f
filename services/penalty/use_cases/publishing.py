"""What the penalty service publishes: the table from the procedure's domain events to the integration
contracts other services consume (services/common/contracts/penalty.py). A domain event without an entry
stays on the case's timeline only.

Each builder receives the case row (its projections: party, department, district) and the domain event, and
stages its contract in the outbox of the step's own transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import outbox
from services.common.contracts import penalty as contracts
from services.penalty import repository as repo
from services.penalty.domain import deadlines as dl
from services.penalty.domain import procedure as p
from services.penalty.models import PenaltyCase
from services.penalty.use_cases.common import department

Builder = Callable[[AsyncSession, PenaltyCase, Any], Awaitable[None]]


def _party(row: PenaltyCase) -> dict[str, Any]:
    return {
        "party_kind": row.party_kind,
        "party_uscc": row.party_uscc,
        "party_id_masked": row.party_id_masked,
        "party_name": row.party_name,
    }


async def case_opened(session: AsyncSession, row: PenaltyCase, event: p.CaseFiled) -> None:
    outbox.add(
        session,
        contracts.CaseOpened(
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
        ),
    )


async def decision_issued(session: AsyncSession, row: PenaltyCase, event: p.DecisionIssued) -> None:
    if event.outcome is not p.DecisionOutcome.PENALTY:
        return  # 不予行政处罚: no penalty to class or publish (see docs/api/penalty.md)
    dept = await department(session, row.dept_code)
    assert event.benchmark_code is not None and event.benchmark_version is not None and event.tier
    outbox.add(
        session,
        contracts.DecisionIssued(
            **_party(row),
            case_id=row.id,
            decision_no=event.document_number,
            department_code=row.dept_code,
            department_name=dept.name,
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
        ),
    )


async def decision_revoked(session: AsyncSession, row: PenaltyCase, event: p.DecisionRevoked) -> None:
    outbox.add(
        session,
        contracts.DecisionRevoked(
            case_id=row.id,
            decision_no=event.document_number,
            party_uscc=row.party_uscc,
            department_code=row.dept_code,
            district_code=row.district_code,
            source=event.source.value,
            reason=event.reason,
            revoked_on=event.revoked_on,
            revision=event.revision,
        ),
    )


async def decision_changed(session: AsyncSession, row: PenaltyCase, event: p.DecisionChanged) -> None:
    outbox.add(
        session,
        contracts.DecisionChanged(
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
        ),
    )


async def fine_paid(session: AsyncSession, row: PenaltyCase, event: p.FinePaid) -> None:
    outbox.add(
        session,
        contracts.FinePaid(
            case_id=row.id,
            decision_no=event.document_number,
            party_uscc=row.party_uscc,
            fine_fen=event.fine_fen,
            surcharge_fen=event.surcharge_fen,
            paid_on=event.paid_on,
            fully_performed=event.fully_performed,
        ),
    )


async def report_deadline(
    session: AsyncSession, row: PenaltyCase, *, deadline: dl.DeadlineKind, due_on: date, detected_on: date
) -> bool:
    """Publish ``penalty.deadline.missed`` once per (case, deadline, due date); True when it was new."""
    fresh = await repo.record_deadline_report(
        session, case_id=row.id, deadline=deadline.value, due_on=due_on, detected_on=detected_on
    )
    if fresh:
        outbox.add(
            session,
            contracts.DeadlineMissed(
                case_id=row.id,
                department_code=row.dept_code,
                district_code=row.district_code,
                deadline=deadline.value,
                due_on=due_on,
                detected_on=detected_on,
            ),
        )
    return fresh


async def deadline_missed(session: AsyncSession, row: PenaltyCase, event: p.DeadlineMissed) -> None:
    await report_deadline(
        session, row, deadline=event.deadline, due_on=event.due_on, detected_on=event.detected_on
    )


#: Domain event → the builder of the contract it publishes.
PUBLISHES: dict[type[p.DomainEvent], Builder] = {
    p.CaseFiled: case_opened,
    p.DecisionIssued: decision_issued,
    p.DecisionRevoked: decision_revoked,
    p.DecisionChanged: decision_changed,
    p.FinePaid: fine_paid,
    p.DeadlineMissed: deadline_missed,
}


async def publish(session: AsyncSession, row: PenaltyCase, event: p.DomainEvent) -> None:
    """Stage the contract ``event`` calls for, if any (a subclass publishes as its nearest listed class)."""
    for kind in type(event).__mro__:
        builder = PUBLISHES.get(kind)
        if builder is not None:
            await builder(session, row, event)
            return
