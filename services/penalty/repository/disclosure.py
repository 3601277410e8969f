"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — disclosure."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.penalty.models import (
    DecisionDisclosure,
    ImportedCase,
    PenaltyCase,
)

# --------------------------------------------------------------------------------------------------------
# 行政执法公示 (use_cases.disclosure)
# --------------------------------------------------------------------------------------------------------

#: Supervisors read the publication record of their district; officers their department's.
DISCLOSURES = Visibility(
    department_code=DecisionDisclosure.dept_code, district_code=DecisionDisclosure.district_code
)


async def disclosures_of(session: AsyncSession, case_id: uuid.UUID) -> list[DecisionDisclosure]:
    stmt = (
        sa.select(DecisionDisclosure)
        .where(DecisionDisclosure.case_id == case_id)
        .order_by(DecisionDisclosure.revision)
    )
    return list((await session.scalars(stmt)).all())


async def public_disclosure(session: AsyncSession, record_id: uuid.UUID) -> DecisionDisclosure | None:
    """A published or withdrawn record (never a pending or exempt one)."""
    stmt = sa.select(DecisionDisclosure).where(
        DecisionDisclosure.id == record_id, DecisionDisclosure.status.in_(("published", "withdrawn"))
    )
    return (await session.scalars(stmt)).one_or_none()


async def add_disclosure(session: AsyncSession, row: DecisionDisclosure) -> None:
    session.add(row)
    await session.flush()


async def public_disclosures(
    session: AsyncSession,
    *,
    status: str,
    department: str | None,
    decided_from: date | None,
    decided_to: date | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> Sequence[DecisionDisclosure]:
    """Published (or withdrawn) records, newest decision first."""
    stmt = sa.select(DecisionDisclosure).where(DecisionDisclosure.status == status)
    if department:
        stmt = stmt.where(DecisionDisclosure.dept_code == department)
    if decided_from:
        stmt = stmt.where(DecisionDisclosure.decided_on >= decided_from)
    if decided_to:
        stmt = stmt.where(DecisionDisclosure.decided_on <= decided_to)
    if after is not None:
        stmt = stmt.where(sa.tuple_(DecisionDisclosure.decided_on, DecisionDisclosure.id) < sa.tuple_(*after))
    stmt = stmt.order_by(DecisionDisclosure.decided_on.desc(), DecisionDisclosure.id.desc())
    return (await session.scalars(stmt.limit(limit + 1))).all()


def _supervised(
    scope: Scope, *, decided_from: date, decided_to: date, department: str | None, rule: str | None
) -> sa.Select[Any]:
    stmt = readable(sa.select(DecisionDisclosure), scope, DISCLOSURES).where(
        DecisionDisclosure.decided_on >= decided_from, DecisionDisclosure.decided_on <= decided_to
    )
    if department:
        stmt = stmt.where(DecisionDisclosure.dept_code == department)
    if rule:
        stmt = stmt.where(DecisionDisclosure.rule == rule)
    return stmt


async def disclosure_counts(
    session: AsyncSession,
    scope: Scope,
    *,
    decided_from: date,
    decided_to: date,
    department: str | None,
    rule: str | None,
    today: date,
) -> Sequence[Any]:
    """Per department and month of decision: on time, late, overdue, pending, unknown, not due (set-based;
    the same classification as domain.disclosure.timeliness)."""
    d = _supervised(
        scope, decided_from=decided_from, decided_to=decided_to, department=department, rule=rule
    ).subquery()
    published = d.c.published_on.is_not(None)
    not_due = sa.and_(~published, d.c.status.in_(("exempt", "superseded")))
    known = sa.and_(~not_due, d.c.due_on.is_not(None))
    month = sa.func.to_char(d.c.decided_on, "YYYY-MM").label("period")

    def count(cond: Any) -> Any:
        return sa.func.count().filter(cond)

    stmt = (
        sa.select(
            d.c.dept_code,
            month,
            count(sa.and_(known, published, d.c.published_on <= d.c.due_on)).label("on_time"),
            count(sa.and_(known, published, d.c.published_on > d.c.due_on)).label("late"),
            count(sa.and_(known, ~published, d.c.due_on < today)).label("overdue"),
            count(sa.and_(known, ~published, d.c.due_on >= today)).label("pending"),
            count(sa.and_(~not_due, d.c.due_on.is_(None))).label("unknown"),
            count(sa.and_(not_due, d.c.exempt_ground.is_not(None))).label("exempt"),
        )
        .group_by(d.c.dept_code, month)
        .order_by(d.c.dept_code, month)
    )
    return (await session.execute(stmt)).all()


async def late_disclosures(
    session: AsyncSession,
    scope: Scope,
    *,
    decided_from: date,
    decided_to: date,
    department: str | None,
    today: date,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> Sequence[DecisionDisclosure]:
    """Published after the deadline, still unpublished past it, or withdrawn after the 第四十八条 limit."""
    stmt = _supervised(
        scope, decided_from=decided_from, decided_to=decided_to, department=department, rule=None
    )
    late_publication = sa.and_(
        DecisionDisclosure.due_on.is_not(None),
        sa.or_(
            DecisionDisclosure.published_on > DecisionDisclosure.due_on,
            sa.and_(
                DecisionDisclosure.published_on.is_(None),
                DecisionDisclosure.status == "pending",
                DecisionDisclosure.due_on < today,
            ),
        ),
    )
    late_withdrawal = sa.and_(
        DecisionDisclosure.withdraw_by.is_not(None),
        sa.or_(
            DecisionDisclosure.withdrawn_on > DecisionDisclosure.withdraw_by,
            sa.and_(DecisionDisclosure.withdrawn_on.is_(None), DecisionDisclosure.withdraw_by < today),
        ),
    )
    stmt = stmt.where(sa.or_(late_publication, late_withdrawal))
    if after is not None:
        stmt = stmt.where(sa.tuple_(DecisionDisclosure.decided_on, DecisionDisclosure.id) < sa.tuple_(*after))
    stmt = stmt.order_by(DecisionDisclosure.decided_on.desc(), DecisionDisclosure.id.desc())
    return (await session.scalars(stmt.limit(limit + 1))).all()


async def cases_to_disclose(
    session: AsyncSession, *, decided_since: date | None, limit: int
) -> Sequence[uuid.UUID]:
    """Decided cases whose publication record is behind their latest step (none yet: cases decided before
    this table, imported ones), and cases with a record whose deadline is still unknown."""
    latest = (
        sa.select(sa.func.max(DecisionDisclosure.case_version))
        .where(DecisionDisclosure.case_id == PenaltyCase.id)
        .scalar_subquery()
    )
    unknown = sa.exists().where(
        DecisionDisclosure.case_id == PenaltyCase.id,
        DecisionDisclosure.status == "pending",
        DecisionDisclosure.due_on.is_(None),
    )
    # a decision imported with its case was the former system's to publish; a change made here is not
    imported_as_is = sa.exists().where(
        ImportedCase.case_id == PenaltyCase.id,
        ImportedCase.decision_imported,
        ImportedCase.case_revision == PenaltyCase.revision,
    )
    stmt = sa.select(PenaltyCase.id).where(
        PenaltyCase.decided_on.is_not(None),
        sa.or_(latest.is_(None), latest < PenaltyCase.revision, unknown),
        ~imported_as_is,
    )
    if decided_since is not None:
        stmt = stmt.where(PenaltyCase.decided_on >= decided_since)
    return (await session.scalars(stmt.order_by(PenaltyCase.id).limit(limit))).all()


async def overdue_pending_disclosures(session: AsyncSession, today: date) -> Sequence[DecisionDisclosure]:
    """Records still to be published after their deadline (each reported once as a missed deadline)."""
    stmt = sa.select(DecisionDisclosure).where(
        DecisionDisclosure.status == "pending", DecisionDisclosure.due_on < today
    )
    return (await session.scalars(stmt)).all()
