"""The one write path of a case: rebuild the pure ``Case`` from its row, apply a command of the procedure,
write the new ``Case`` and its projections back to the same row, append the step to the case's timeline,
publish the integration events its domain events call for, and append the audit entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import calendar_store, clock
from services.common.auth import Principal
from services.common.workdays import WorkingDayCalendar
from services.penalty import repository as repo
from services.penalty.domain import procedure as p
from services.penalty.errors import OfficerRequired
from services.penalty.models import CaseStep, PenaltyCase
from services.penalty.use_cases import codec, disclosure
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit
from services.penalty.use_cases.publishing import publish


def case_of(row: PenaltyCase) -> p.Case:
    """The pure procedure case kept in the row."""
    return codec.decode(p.Case, row.domain_case)


def summary(row: PenaltyCase) -> dict[str, Any]:
    """What the audit entries of a step record before and after it."""
    return {"state": row.state, "revision": row.revision}


def _remember_officer(row: PenaltyCase, principal: Principal) -> None:
    if principal.role == "officer" and principal.cert_no and principal.name:
        names = dict(row.details.get("officer_names", {}))
        if names.get(principal.cert_no) != principal.name:
            names[principal.cert_no] = principal.name
            row.details = {**row.details, "officer_names": names}


def _project(row: PenaltyCase, case: p.Case, now: datetime) -> None:
    row.state = case.state.value
    row.procedure = case.procedure.value
    row.revision = case.version
    row.domain_case = codec.to_json(case)
    row.updated_at = now
    if case.assessment is not None:
        row.benchmark_code = case.assessment.benchmark_code
        row.benchmark_version = case.assessment.benchmark_version
        row.tier = case.assessment.tier
    if case.decision is not None:
        row.decision_no = case.decision.document_number
        row.decided_on = case.decision.decided_on
        row.serious = case.decision.serious
    row.deadlines_unknown_year = case.decision.deadlines_unknown_year if case.decision else None
    row.fine_fen = case.fine_due_fen


def _event_json(event: p.DomainEvent) -> dict[str, Any]:
    return {"type": event.event_type, **codec.to_json(event)}


async def save(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    transition: p.Transition,
    principal: Principal,
    action: str,
    now: datetime,
    disclose: bool = True,
) -> None:
    """Write a transition: the row's projections, a timeline step, the integration events, and (unless
    ``disclose`` is false: a case imported with its historic dates) the decision's publication."""
    _project(row, transition.case, now)
    _remember_officer(row, principal)
    seq = await repo.next_step_seq(session, row.id)
    await repo.add_step(
        session,
        CaseStep(
            case_id=row.id,
            case_opened_at=row.opened_at,  # its case's year's partition (penalty_0016)
            seq=seq,
            action=action,
            state=transition.case.state.value,
            actor=principal.sub,
            actor_role=principal.role,
            at=now,
            events=[_event_json(e) for e in transition.events],
        ),
    )
    for event in transition.events:
        await publish(session, row, event)
    # 行政执法公示 (use_cases.disclosure): published at delivery; the case records the day it happened
    if (
        disclose
        and await disclosure.follow(session, row, principal=principal, now=now)
        and transition.case.published_on is None
    ):
        publication = p.RecordPublication(clock.local_date(now), "")
        await apply(
            session,
            row=row,
            case=case_of(row),
            command=publication,
            principal=principal,
            action="publication",
            now=now,
        )


async def apply(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    case: p.Case,
    command: p.Command,
    principal: Principal,
    action: str,
    now: datetime,
    calendar: WorkingDayCalendar | None = None,
) -> p.Transition:
    """Apply ``command`` to ``case`` (the row's) under the working-day calendar, and save the result."""
    cal = calendar or await calendar_store.load_calendar(session)
    transition = p.handle(case, command, now=now, calendar=cal)
    await save(session, row=row, transition=transition, principal=principal, action=action, now=now)
    return transition


Build = Callable[[p.Case, date], p.Command]


async def step(
    session: AsyncSession,
    *,
    principal: Principal,
    row: PenaltyCase,
    action: str,
    build: Build,
    party_may: bool = False,
) -> PenaltyCase:
    """Authorise, apply ``build(case, today)`` to the case as a command, save, audit."""
    today, now = clock.today(), clock.now()
    if principal.role == "officer":
        await officer_signs(session, principal, today)
    elif not (party_may and principal.role == "enterprise"):
        raise OfficerRequired("该操作须由持证执法人员办理", detail_en="A certified officer must do this")
    before = summary(row)
    case = case_of(row)
    command = build(case, today)
    await apply(session, row=row, case=case, command=command, principal=principal, action=action, now=now)
    await audit(
        session,
        principal,
        action=f"penalty.case.{action}",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after=summary(row),
    )
    return row
