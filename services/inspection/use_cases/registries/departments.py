"""Districts (read only), departments and their enforcement bodies (执法主体); written by administrators."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock
from services.common.auth import Principal
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.errors import DepartmentExists, DepartmentNotFound, EnforcementBodyExists
from services.inspection.repository import registries as registry_repo


async def list_districts(session: AsyncSession) -> list[s.DistrictRead]:
    return [views.district_read(d) for d in await registry_repo.list_districts(session)]


async def list_departments(session: AsyncSession) -> list[s.DepartmentRead]:
    return [views.department_read(d) for d in await registry_repo.list_departments(session)]


def department_not_found(code: str) -> DepartmentNotFound:
    return DepartmentNotFound(f"部门“{code}”不存在", detail_en=f"There is no department {code}")


async def create_department(
    session: AsyncSession, *, principal: Principal, body: s.DepartmentWrite
) -> s.DepartmentRead:
    if await registry_repo.get_department(session, body.code) is not None:
        raise DepartmentExists(
            f"部门代码“{body.code}”已存在", detail_en=f"Department code {body.code} already exists"
        )
    row = m.Department(code=body.code, name=body.name, authority=body.authority)
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="department.created",
        entity_type="department",
        entity_id=body.code,
        after=body.model_dump(),
    )
    return views.department_read(row)


async def update_department(
    session: AsyncSession, *, principal: Principal, code: str, body: s.DepartmentUpdate
) -> s.DepartmentRead:
    row = await registry_repo.get_department(session, code)
    if row is None:
        raise department_not_found(code)
    before = {"name": row.name, "authority": row.authority}
    row.name, row.authority, row.updated_at = body.name, body.authority, clock.now()
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="department.updated",
        entity_type="department",
        entity_id=code,
        before=before,
        after=body.model_dump(),
    )
    return views.department_read(row)


async def list_bodies(session: AsyncSession, dept_code: str | None) -> list[s.EnforcementBodyRead]:
    return [views.body_read(b) for b in await registry_repo.list_bodies(session, dept_code)]


async def create_body(
    session: AsyncSession, *, principal: Principal, body: s.EnforcementBodyWrite
) -> s.EnforcementBodyRead:
    if await registry_repo.get_department(session, body.dept_code) is None:
        raise department_not_found(body.dept_code)
    if await registry_repo.get_body(session, body.code) is not None:
        raise EnforcementBodyExists(
            f"执法主体编码“{body.code}”已存在", detail_en=f"Enforcement body code {body.code} already exists"
        )
    row = m.EnforcementBody(**body.model_dump())
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="enforcement_body.created",
        entity_type="enforcement_body",
        entity_id=body.code,
        after=body.model_dump(),
    )
    return views.body_read(row)
