"""Queries of the registries: districts, departments and enforcement bodies, the item catalogue, officers,
enterprises and their risk classes, quiet windows.

Who sees which officer or enterprise is said once per kind (``OFFICER``, ``ENTERPRISE``) and applied by the
same condition to a single object and to a list (services.common.access).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Condition, Scope, Visibility, readable
from services.inspection import models as m
from services.inspection.domain import registry
from services.inspection.repository.rows import to_item


def _everyone(_: str) -> Condition:
    return sa.true()


#: Officers: an officer sees their department; every supervisor (city or district) and admins see all.
OFFICER = Visibility(department_code=m.Officer.dept_code, district_code=_everyone)
#: Enterprises: itself; every officer (any enterprise may be inspected); a supervisor their district.
ENTERPRISE = Visibility(
    uscc=m.Enterprise.uscc, department_code=_everyone, district_code=m.Enterprise.district_code
)

# ---------------------------------------------------------------------------------------------------------
# Districts, departments, enforcement bodies


async def list_districts(session: AsyncSession) -> Sequence[m.District]:
    return (await session.scalars(sa.select(m.District).order_by(m.District.code))).all()


async def upsert_districts(session: AsyncSession, rows: list[dict[str, str]]) -> None:
    if rows:
        stmt = pg_insert(m.District).values(rows)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["code"], set_={"name": stmt.excluded.name, "kind": stmt.excluded.kind}
            )
        )


async def list_departments(session: AsyncSession) -> Sequence[m.Department]:
    return (await session.scalars(sa.select(m.Department).order_by(m.Department.code))).all()


async def get_department(session: AsyncSession, code: str) -> m.Department | None:
    return await session.get(m.Department, code)


async def department_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(sa.select(m.Department.code, m.Department.name))
    return dict(rows.all())


async def list_bodies(session: AsyncSession, dept_code: str | None) -> Sequence[m.EnforcementBody]:
    query = sa.select(m.EnforcementBody).order_by(m.EnforcementBody.code)
    if dept_code:
        query = query.where(m.EnforcementBody.dept_code == dept_code)
    return (await session.scalars(query)).all()


async def get_body(session: AsyncSession, code: str) -> m.EnforcementBody | None:
    return await session.get(m.EnforcementBody, code)


# ---------------------------------------------------------------------------------------------------------
# Inspection items


async def item_versions(session: AsyncSession, codes: Iterable[str]) -> list[m.InspectionItem]:
    """Every version of the given item codes."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    query = sa.select(m.InspectionItem).where(m.InspectionItem.code.in_(wanted))
    return list(
        (await session.scalars(query.order_by(m.InspectionItem.code, m.InspectionItem.version))).all()
    )


async def catalogue_for(session: AsyncSession, codes: Iterable[str]) -> registry.Catalogue:
    return registry.Catalogue(to_item(r) for r in await item_versions(session, codes))


async def items_in_force(
    session: AsyncSession,
    day: date,
    *,
    dept_code: str | None = None,
    key_area: bool | None = None,
    after: str | None = None,
    limit: int = 1000,
) -> list[m.InspectionItem]:
    query = sa.select(m.InspectionItem).where(
        m.InspectionItem.effective_from <= day,
        sa.or_(m.InspectionItem.retired_on.is_(None), m.InspectionItem.retired_on > day),
    )
    if dept_code:
        query = query.where(m.InspectionItem.dept_code == dept_code)
    if key_area is not None:
        query = query.where(m.InspectionItem.key_area.is_(key_area))
    if after:
        query = query.where(m.InspectionItem.code > after)
    return list((await session.scalars(query.order_by(m.InspectionItem.code).limit(limit))).all())


async def latest_item(session: AsyncSession, code: str) -> m.InspectionItem | None:
    query = sa.select(m.InspectionItem).where(m.InspectionItem.code == code)
    return await session.scalar(query.order_by(m.InspectionItem.version.desc()).limit(1))


# ---------------------------------------------------------------------------------------------------------
# Officers


async def get_officer(session: AsyncSession, officer_id: uuid.UUID) -> m.Officer | None:
    return await session.get(m.Officer, officer_id)


async def readable_officer(session: AsyncSession, scope: Scope, officer_id: uuid.UUID) -> m.Officer | None:
    """The officer, if ``scope`` may see them."""
    query = sa.select(m.Officer).where(m.Officer.officer_id == officer_id)
    return await session.scalar(readable(query, scope, OFFICER))


async def officer_by_cert(session: AsyncSession, cert_no: str) -> m.Officer | None:
    return await session.scalar(sa.select(m.Officer).where(m.Officer.cert_no == cert_no))


async def department_officers(session: AsyncSession, dept_code: str) -> list[m.Officer]:
    query = sa.select(m.Officer).where(m.Officer.dept_code == dept_code).order_by(m.Officer.officer_id)
    return list((await session.scalars(query)).all())


async def list_officers(
    session: AsyncSession,
    scope: Scope,
    *,
    dept_code: str | None,
    status: str | None,
    after: str | None,
    limit: int,
) -> list[m.Officer]:
    query = readable(sa.select(m.Officer), scope, OFFICER)
    if dept_code:
        query = query.where(m.Officer.dept_code == dept_code)
    if status:
        query = query.where(m.Officer.status == status)
    if after:
        query = query.where(m.Officer.officer_id > uuid.UUID(after))
    return list((await session.scalars(query.order_by(m.Officer.officer_id).limit(limit))).all())


async def officers_expiring(session: AsyncSession, day: date) -> list[m.Officer]:
    """Active certificates whose validity ended before ``day`` (to be marked expired)."""
    query = sa.select(m.Officer).where(
        m.Officer.status == "active", m.Officer.valid_until.is_not(None), m.Officer.valid_until < day
    )
    return list((await session.scalars(query.order_by(m.Officer.officer_id).with_for_update())).all())


# ---------------------------------------------------------------------------------------------------------
# Enterprises and their risk classes


async def get_enterprise(session: AsyncSession, uscc: str) -> m.Enterprise | None:
    return await session.scalar(sa.select(m.Enterprise).where(m.Enterprise.uscc == uscc))


async def readable_enterprise(session: AsyncSession, scope: Scope, uscc: str) -> m.Enterprise | None:
    """The enterprise, if ``scope`` may see it."""
    query = sa.select(m.Enterprise).where(m.Enterprise.uscc == uscc)
    return await session.scalar(readable(query, scope, ENTERPRISE))


async def enterprises_by_uscc(session: AsyncSession, usccs: Iterable[str]) -> dict[str, m.Enterprise]:
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    rows = (await session.scalars(sa.select(m.Enterprise).where(m.Enterprise.uscc.in_(wanted)))).all()
    return {r.uscc: r for r in rows}


async def list_enterprises(
    session: AsyncSession,
    scope: Scope,
    *,
    district_code: str | None,
    industry: str | None,
    name: str | None,
    after: str | None,
    limit: int,
) -> list[m.Enterprise]:
    query = readable(sa.select(m.Enterprise), scope, ENTERPRISE)
    if district_code:
        query = query.where(m.Enterprise.district_code == district_code)
    if industry:
        query = query.where(m.Enterprise.industry == industry)
    if name:
        query = query.where(m.Enterprise.name.contains(name, autoescape=True))
    if after:
        query = query.where(m.Enterprise.uscc > after)
    return list((await session.scalars(query.order_by(m.Enterprise.uscc).limit(limit))).all())


async def enterprise_pool(
    session: AsyncSession, district_codes: Sequence[str], industries: Sequence[str]
) -> list[tuple[str, str | None]]:
    """(USCC, risk class or None) of every enterprise matching the 双随机 pool filter."""
    query = sa.select(m.Enterprise.uscc, m.EnterpriseClass.risk_class).outerjoin(
        m.EnterpriseClass, m.EnterpriseClass.uscc == m.Enterprise.uscc
    )
    if district_codes:
        query = query.where(m.Enterprise.district_code.in_(list(district_codes)))
    if industries:
        query = query.where(m.Enterprise.industry.in_(list(industries)))
    return [(u, c) for u, c in (await session.execute(query.order_by(m.Enterprise.uscc))).all()]


async def risk_class(session: AsyncSession, uscc: str) -> str | None:
    return await session.scalar(sa.select(m.EnterpriseClass.risk_class).where(m.EnterpriseClass.uscc == uscc))


async def get_enterprise_class(session: AsyncSession, uscc: str) -> m.EnterpriseClass | None:
    return await session.get(m.EnterpriseClass, uscc)


async def risk_classes(session: AsyncSession, usccs: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    query = sa.select(m.EnterpriseClass.uscc, m.EnterpriseClass.risk_class).where(
        m.EnterpriseClass.uscc.in_(wanted)
    )
    return dict((await session.execute(query)).all())


async def apply_classification(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Keep the newest classification: a higher revision, or the same revision classified later."""
    insert = pg_insert(m.EnterpriseClass).values(**values)
    current = m.EnterpriseClass.__table__.c
    stmt = insert.on_conflict_do_update(
        index_elements=["uscc"],
        set_={k: insert.excluded[k] for k in values if k != "uscc"} | {"received_at": sa.func.now()},
        where=sa.or_(
            current.revision < insert.excluded.revision,
            sa.and_(
                current.revision == insert.excluded.revision,
                current.classified_at < insert.excluded.classified_at,
            ),
        ),
    ).returning(current.uscc)
    return (await session.scalar(stmt)) is not None


# ---------------------------------------------------------------------------------------------------------
# Quiet windows


async def list_quiet_windows(session: AsyncSession, uscc: str | None) -> list[m.QuietWindow]:
    query = sa.select(m.QuietWindow)
    if uscc:
        query = query.where(m.QuietWindow.uscc == uscc)
    return list(
        (await session.scalars(query.order_by(m.QuietWindow.starts_on, m.QuietWindow.window_id))).all()
    )


async def get_quiet_window(session: AsyncSession, window_id: uuid.UUID) -> m.QuietWindow | None:
    return await session.get(m.QuietWindow, window_id)
