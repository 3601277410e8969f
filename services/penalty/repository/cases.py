"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, partitions
from services.common.access import Scope, Visibility, readable
from services.common.clock import local_date
from services.penalty.models import (
    CaseKey,
    CaseStep,
    DecidedCase,
    EconomicImpactAssessment,
    FactContest,
    PenaltyCase,
)

# --------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------

#: Officers see their department's cases, an enterprise the cases against it, a district supervisor the
#: district's; a city supervisor and an administrator every case (SPEC §1.5).
CASES = Visibility(
    uscc=PenaltyCase.party_uscc,
    department_code=PenaltyCase.dept_code,
    district_code=PenaltyCase.district_code,
)
#: Payments: the revenue system and the banks (integration clients holding the payments scope) report
#: payments for any case.
PAYABLE_CASES = replace(CASES, client=lambda _client: sa.true())


def _by_id(case_id: uuid.UUID) -> sa.Select[PenaltyCase]:
    """The case ``case_id``, read in the one year's partition its ``case_key`` row names (penalty_0016: the
    ``opened_at`` of the key, an InitPlan, prunes the partitions at run time; the primary key's index of that
    year is read, the others' not at all)."""
    opened_at = sa.select(CaseKey.opened_at).where(CaseKey.id == case_id).scalar_subquery()
    return sa.select(PenaltyCase).where(PenaltyCase.id == case_id, PenaltyCase.opened_at == opened_at)


async def readable_case(session: AsyncSession, scope: Scope, case_id: uuid.UUID) -> PenaltyCase | None:
    stmt = readable(_by_id(case_id), scope, CASES)
    return (await session.scalars(stmt)).one_or_none()


async def lockable_case(session: AsyncSession, scope: Scope, case_id: uuid.UUID) -> PenaltyCase | None:
    """The case, locked for this transaction's procedure step, when the caller may see it (the row lock is
    the case's row in its year's partition, as before the partitioning)."""
    stmt = readable(_by_id(case_id), scope, CASES)
    return (await session.scalars(stmt.with_for_update(of=PenaltyCase))).one_or_none()


async def payable_case(session: AsyncSession, scope: Scope, case_id: uuid.UUID) -> PenaltyCase | None:
    """The case, locked, when the caller may report a payment for it."""
    stmt = readable(_by_id(case_id), scope, PAYABLE_CASES)
    return (await session.scalars(stmt.with_for_update(of=PenaltyCase))).one_or_none()


async def get_case(session: AsyncSession, case_id: uuid.UUID, *, lock: bool = False) -> PenaltyCase | None:
    """Any case, whoever asks (the sample loader; not for requests)."""
    stmt = _by_id(case_id)
    if lock:
        stmt = stmt.with_for_update(of=PenaltyCase)
    return (await session.scalars(stmt)).one_or_none()


async def case_by_violation(session: AsyncSession, violation_id: uuid.UUID) -> PenaltyCase | None:
    """The case opened for a violation: ``violation_id`` is unique on ``case_key`` (across every year)."""
    case_id = sa.select(CaseKey.id).where(CaseKey.violation_id == violation_id).scalar_subquery()
    opened_at = sa.select(CaseKey.opened_at).where(CaseKey.violation_id == violation_id).scalar_subquery()
    stmt = sa.select(PenaltyCase).where(PenaltyCase.id == case_id, PenaltyCase.opened_at == opened_at)
    return (await session.scalars(stmt)).one_or_none()


async def ensure_case_year(session: AsyncSession, opened_at: datetime) -> None:
    """The year of ``opened_at`` has its partitions of ``penalty_case`` and ``case_step`` (penalty_0016) after
    this. The kernel job keeps the system clock's year and the next, so a case filed now costs no catalogue
    lookup; a case carrying another year (an imported case filed years ago, a moved clock: ``clock.now()``
    minus its offset is the system clock) has them created first, as the owner (``zhifa_create_partition``)."""
    this = partitions.period_start("year", local_date(clock.now() - clock.offset()))
    year = partitions.period_start("year", local_date(opened_at))
    if year in (this, partitions.next_period("year", this)):
        return
    for table in ("penalty_case", "case_step"):
        await partitions.ensure_partition(session, table, opened_at)


async def add_case(session: AsyncSession, row: PenaltyCase) -> None:
    await ensure_case_year(session, row.opened_at)
    session.add(row)
    await session.flush()


def _steps_of(case_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """The steps of ``case_id``, in its year's partition only (``case_opened_at`` is its case's ``opened_at``)."""
    opened_at = sa.select(CaseKey.opened_at).where(CaseKey.id == case_id).scalar_subquery()
    return sa.and_(CaseStep.case_id == case_id, CaseStep.case_opened_at == opened_at)


async def next_step_seq(session: AsyncSession, case_id: uuid.UUID) -> int:
    current = await session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(CaseStep.seq), 0)).where(_steps_of(case_id))
    )
    return int(current or 0) + 1


async def add_step(session: AsyncSession, row: CaseStep) -> None:
    session.add(row)
    await session.flush()


async def steps(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseStep]:
    return (await session.scalars(sa.select(CaseStep).where(_steps_of(case_id)).order_by(CaseStep.seq))).all()


async def list_cases(
    session: AsyncSession,
    scope: Scope,
    *,
    state: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[PenaltyCase]:
    """Up to ``limit + 1`` cases ``scope`` may see, newest first (keyset on ``(opened_at, id)``), read in the
    recent years first (``partitions.newest_first``): a page this year fills plans this year's partition only
    (penalty_case is partitioned by the China year of ``opened_at``, penalty_0016)."""
    stmt = readable(sa.select(PenaltyCase), scope, CASES)
    if state is not None:
        stmt = stmt.where(PenaltyCase.state == state)
    if after is not None:
        # the plain bound prunes the years after the cursor; a row comparison alone is not used for pruning
        stmt = stmt.where(PenaltyCase.opened_at <= after[0])
        stmt = stmt.where(sa.tuple_(PenaltyCase.opened_at, PenaltyCase.id) < sa.tuple_(*after))
    stmt = stmt.order_by(PenaltyCase.opened_at.desc(), PenaltyCase.id.desc())

    async def fetch(window: list[sa.ColumnElement[bool]], n: int) -> Sequence[PenaltyCase]:
        return (await session.scalars(stmt.where(*window).limit(n))).all()

    spec = partitions.spec_of("penalty_case")
    newest = None if after is None else after[0]
    return await partitions.newest_first(spec, PenaltyCase.opened_at, fetch, newest=newest, limit=limit + 1)


async def open_case_ids(session: AsyncSession, *, after: uuid.UUID | None, limit: int) -> Sequence[uuid.UUID]:
    stmt = sa.select(PenaltyCase.id).where(PenaltyCase.state != "closed")
    if after is not None:
        stmt = stmt.where(PenaltyCase.id > after)
    return (await session.scalars(stmt.order_by(PenaltyCase.id).limit(limit))).all()


class PartyDecision(NamedTuple):
    case_id: uuid.UUID
    decision_no: str
    decided_on: date
    benchmark_code: str
    case_no: str
    penalised: bool  # a penalty decision (else 不予行政处罚)


async def party_decisions(
    session: AsyncSession,
    *,
    uscc: str | None,
    id_number: str | None,
    benchmark_code: str,
    start: date,
    end: date,
    exclude: uuid.UUID,
) -> list[PartyDecision]:
    """The party's decisions (penalty and 不予处罚; not revoked, not void) for the item dated in [start, end]: its
    decision history (domain.history). Imported cases are penalty_case rows like live ones."""
    if uscc:
        key = PenaltyCase.party_uscc == uscc
    elif id_number:
        key = PenaltyCase.party_id_number == id_number
    else:
        return []
    stmt = (
        sa.select(
            PenaltyCase.id,
            PenaltyCase.decision_no,
            PenaltyCase.decided_on,
            PenaltyCase.benchmark_code,
            PenaltyCase.case_no,
            DecidedCase.case_id.is_not(None).label("penalised"),
        )
        .outerjoin(DecidedCase, DecidedCase.case_id == PenaltyCase.id)
        .where(
            key,
            PenaltyCase.benchmark_code == benchmark_code,
            PenaltyCase.decision_no.is_not(None),
            PenaltyCase.decided_on.between(start, end),
            PenaltyCase.state.not_in(("revoked", "void")),  # 确认无效: no legal effect from the start
            PenaltyCase.id != exclude,
        )
        .order_by(PenaltyCase.decided_on, PenaltyCase.id)
    )
    return [
        PartyDecision(
            r.id, r.decision_no or "", r.decided_on, r.benchmark_code or "", r.case_no, bool(r.penalised)
        )
        for r in await session.execute(stmt)
    ]


async def replace_contests(session: AsyncSession, case_id: uuid.UUID, rows: Sequence[FactContest]) -> None:
    """The case's contests of its last assessment: earlier ones stay, inactive (the history)."""
    await session.execute(sa.update(FactContest).where(FactContest.case_id == case_id).values(active=False))
    session.add_all(rows)
    await session.flush()


async def active_contests(
    session: AsyncSession, *, district: str | None, limit: int
) -> tuple[int, Sequence[FactContest]]:
    """Contested record facts of the cases' last assessments, newest first (consistency report)."""
    where: list[sa.ColumnElement[bool]] = [FactContest.active.is_(True)]
    if district is not None:
        where.append(FactContest.district_code == district)
    total = int(await session.scalar(sa.select(sa.func.count()).select_from(FactContest).where(*where)) or 0)
    stmt = sa.select(FactContest).where(*where).order_by(FactContest.contested_at.desc(), FactContest.id)
    return total, (await session.scalars(stmt.limit(limit))).all()


async def add_economic_impact(session: AsyncSession, row: EconomicImpactAssessment) -> None:
    session.add(row)
    await session.flush()


async def economic_impacts(session: AsyncSession, case_id: uuid.UUID) -> Sequence[EconomicImpactAssessment]:
    stmt = sa.select(EconomicImpactAssessment).where(EconomicImpactAssessment.case_id == case_id)
    return (await session.scalars(stmt.order_by(EconomicImpactAssessment.recorded_at))).all()


async def cases_with_unknown_deadlines(
    session: AsyncSession, *, year: int | None = None, lock: bool = False
) -> Sequence[PenaltyCase]:
    """Decided cases whose deadlines wait for a year's statutory calendar (oldest decision first)."""
    stmt = sa.select(PenaltyCase).where(PenaltyCase.deadlines_unknown_year.is_not(None))
    if year is not None:
        stmt = stmt.where(PenaltyCase.deadlines_unknown_year == year)
    stmt = stmt.order_by(PenaltyCase.decided_on, PenaltyCase.id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).all()
