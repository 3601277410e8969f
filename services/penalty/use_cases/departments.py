"""The enforcement departments: names, document abbreviations, remedy bodies and payment channel, as their
documents print them (configured by an administrator)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.use_cases.common import audit


async def list_departments(session: AsyncSession) -> list[s.DepartmentRead]:
    return [views.department_read(x) for x in await repo.departments(session)]


async def put_department(
    session: AsyncSession, *, principal: Principal, code: str, body: s.DepartmentIn
) -> s.DepartmentRead:
    existing = await repo.department(session, code)
    before = views.department_read(existing).model_dump() if existing else None
    await repo.upsert_department(session, {"code": code, **body.model_dump()})
    await session.flush()
    dept = await repo.department(session, code)
    assert dept is not None
    await session.refresh(dept)
    after = views.department_read(dept)
    await audit(
        session,
        principal,
        action="penalty.department.set",
        entity_type="department",
        entity_id=code,
        before=before,
        after=after.model_dump(),
    )
    return after
