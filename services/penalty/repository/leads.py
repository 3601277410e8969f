"""Every query of the penalty service, one module per topic; functions take the caller's session and never commit. Which cases, documents and leads a caller may read is said once per kind (CASES, DOCUMENTS, LEADS: services.common.access) and applied by the same queries to a single object and to a list — leads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.penalty.models import (
    CreditNotice,
    Lead,
    OfficerCertificate,
)

# --------------------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------------------


async def insert_lead(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a lead unless one exists for the violation; True when inserted."""
    stmt = pg_insert(Lead).values(**values).on_conflict_do_nothing(index_elements=["violation_id"])
    result = await session.execute(stmt.returning(Lead.id))
    return result.scalar_one_or_none() is not None


#: Leads are internal: the department they were found for, the district's supervisor, the city.
LEADS = Visibility(department_code=Lead.department_code, district_code=Lead.district_code)


async def readable_lead(session: AsyncSession, scope: Scope, lead_id: uuid.UUID) -> Lead | None:
    stmt = readable(sa.select(Lead).where(Lead.id == lead_id), scope, LEADS)
    return (await session.scalars(stmt)).one_or_none()


async def lockable_lead(session: AsyncSession, scope: Scope, lead_id: uuid.UUID) -> Lead | None:
    """The lead, locked for this transaction's confirmation or dismissal, when the caller may see it."""
    stmt = readable(sa.select(Lead).where(Lead.id == lead_id), scope, LEADS)
    return (await session.scalars(stmt.with_for_update())).one_or_none()


async def list_leads(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Lead]:
    stmt = readable(sa.select(Lead), scope, LEADS)
    if status is not None:
        stmt = stmt.where(Lead.status == status)
    if after is not None:
        stmt = stmt.where(sa.tuple_(Lead.found_at, Lead.id) < sa.tuple_(*after))
    stmt = stmt.order_by(Lead.found_at.desc(), Lead.id.desc()).limit(limit + 1)
    return (await session.scalars(stmt)).all()


# --------------------------------------------------------------------------------------------------------
# Projections
# --------------------------------------------------------------------------------------------------------


async def certificate(session: AsyncSession, cert_no: str) -> OfficerCertificate | None:
    return await session.get(OfficerCertificate, cert_no)


async def upsert_certificate(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep the newest revision of a certificate (events may arrive out of order)."""
    stmt = pg_insert(OfficerCertificate).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "cert_no"}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["cert_no"],
            set_=update,
            where=sa.or_(
                OfficerCertificate.revision < stmt.excluded.revision,
                sa.and_(
                    OfficerCertificate.revision == stmt.excluded.revision,
                    OfficerCertificate.changed_at < stmt.excluded.changed_at,
                ),
            ),
        )
    )


async def credit_notice(session: AsyncSession, case_id: uuid.UUID) -> CreditNotice | None:
    return await session.get(CreditNotice, case_id)


async def upsert_credit_notice(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep the newest notice of a case (by issue time)."""
    stmt = pg_insert(CreditNotice).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "case_id"}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["case_id"], set_=update, where=CreditNotice.issued_at < stmt.excluded.issued_at
        )
    )
