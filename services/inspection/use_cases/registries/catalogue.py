"""The inspection item catalogue (行政检查事项清单), versioned: exactly one version of a code is in force on
any day; a revision closes the current version the day the new one starts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock
from services.common.auth import Principal
from services.common.pagination import Page, page_of
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.domain import registry
from services.inspection.errors import ItemExists, ItemNotFound, ItemVersionConflict
from services.inspection.repository import registries as registry_repo
from services.inspection.repository.rows import to_item
from services.inspection.use_cases import text_cursor


def item_from(
    body: s.ItemWrite | s.ItemRevision, code: str, dept_code: str, version: int = 1
) -> registry.InspectionItem:
    """The domain's item of a request (names and titles stripped)."""
    return registry.InspectionItem(
        code=code,
        name=body.name.strip(),
        dept_code=dept_code,
        legal_basis=tuple(registry.LegalRef(r.law, r.article, r.title.strip()) for r in body.legal_basis),
        level=registry.ItemLevel(body.level),
        enterprise_related=body.enterprise_related,
        key_area=body.key_area,
        on_site=body.on_site,
        version=version,
        effective_from=body.effective_from,
    )


def _item_row(item: registry.InspectionItem, by: str) -> m.InspectionItem:
    return m.InspectionItem(
        id=uuid.uuid4(),
        code=item.code,
        version=item.version,
        name=item.name,
        dept_code=item.dept_code,
        level=item.level.value,
        enterprise_related=item.enterprise_related,
        key_area=item.key_area,
        on_site=item.on_site,
        legal_basis=[{"law": r.law, "article": r.article, "title": r.title} for r in item.legal_basis],
        effective_from=item.effective_from,
        retired_on=item.retired_on,
        created_by=by,
    )


def _same_content(a: registry.InspectionItem, b: registry.InspectionItem) -> bool:
    keys = ("name", "dept_code", "legal_basis", "level", "enterprise_related", "key_area", "on_site")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _item_not_found(code: str) -> ItemNotFound:
    return ItemNotFound(f"检查事项 {code} 不存在", detail_en=f"There is no inspection item {code}")


async def list_items(
    session: AsyncSession,
    *,
    day: date | None,
    dept_code: str | None,
    key_area: bool | None,
    cursor: str | None,
    limit: int,
) -> Page[s.ItemRead]:
    """The catalogue in force on ``day`` (default today), one version per code."""
    rows = await registry_repo.items_in_force(
        session,
        day or clock.today(),
        dept_code=dept_code,
        key_area=key_area,
        after=text_cursor(cursor),
        limit=limit + 1,
    )
    return page_of([views.item_read(to_item(r)) for r in rows], limit, lambda i: i.code)


async def item_history(session: AsyncSession, code: str) -> list[s.ItemRead]:
    rows = await registry_repo.item_versions(session, [code])
    if not rows:
        raise _item_not_found(code)
    return [views.item_read(to_item(r)) for r in rows]


async def save_item(session: AsyncSession, principal: Principal, item: registry.InspectionItem) -> str:
    """Create version 1 or a new version of ``item``; returns created, updated or unchanged."""
    known = await registry_repo.department_names(session)
    registry.validate_item(item, known)
    history = await registry_repo.item_versions(session, [item.code])
    if not history:
        session.add(_item_row(item, principal.sub))
        await session.flush()
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="item.created",
            entity_type="inspection_item",
            entity_id=f"{item.code}@1",
            after=views.item_read(item).model_dump(mode="json"),
        )
        return "created"
    latest_row = history[-1]
    latest = to_item(latest_row)
    if (
        _same_content(latest, replace(item, dept_code=latest.dept_code))
        and latest.dept_code == item.dept_code
    ):
        return "unchanged"
    if item.dept_code != latest.dept_code:
        raise ItemVersionConflict(
            f"检查事项 {item.code} 属于{latest.dept_code}，不能改为{item.dept_code}",
            detail_en=f"Inspection item {item.code} belongs to {latest.dept_code}; it cannot move to "
            f"{item.dept_code}",
        )
    closed, new = registry.revise_item(latest, item)
    latest_row.retired_on = closed.retired_on
    session.add(_item_row(new, principal.sub))
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="item.revised",
        entity_type="inspection_item",
        entity_id=f"{new.code}@{new.version}",
        before=views.item_read(latest).model_dump(mode="json"),
        after=views.item_read(new).model_dump(mode="json"),
    )
    return "updated"


async def create_item(session: AsyncSession, *, principal: Principal, body: s.ItemWrite) -> s.ItemRead:
    if await registry_repo.latest_item(session, body.code) is not None:
        raise ItemExists(
            f"检查事项 {body.code} 已存在，修订请新增版本",
            detail_en=f"Inspection item {body.code} already exists; revise it with a new version",
        )
    item = item_from(body, body.code, body.dept_code)
    await save_item(session, principal, item)
    return views.item_read(item)


async def revise_item(
    session: AsyncSession, *, principal: Principal, code: str, body: s.ItemRevision
) -> s.ItemRead:
    latest = await registry_repo.latest_item(session, code)
    if latest is None:
        raise _item_not_found(code)
    item = item_from(body, code, latest.dept_code)
    outcome = await save_item(session, principal, item)
    if outcome == "unchanged":
        raise ItemVersionConflict(
            f"检查事项 {code} 的新版本与现行版本内容相同",
            detail_en=f"The new version of inspection item {code} is the same as the one in force",
        )
    return views.item_read(replace(item, version=latest.version + 1))
