"""No-inspection periods (无事不扰): city-wide or for one enterprise; declared and withdrawn by
administrators, read by every entry (entry_rules.check_entry)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.auth import Principal
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.errors import InvalidQuietWindow, QuietWindowNotFound
from services.inspection.repository import registries as registry_repo
from services.inspection.use_cases.registries.enterprises import enterprise_not_found


async def list_quiet_windows(session: AsyncSession, *, uscc: str | None) -> list[s.QuietWindowRead]:
    return [views.quiet_window_read(w) for w in await registry_repo.list_quiet_windows(session, uscc)]


async def create_quiet_window(
    session: AsyncSession, *, principal: Principal, body: s.QuietWindowWrite
) -> s.QuietWindowRead:
    if body.ends_on < body.starts_on:
        raise InvalidQuietWindow(
            "无事不扰期的结束日期不能早于开始日期",
            detail_en="A quiet window cannot end before it starts",
        )
    if body.uscc and await registry_repo.get_enterprise(session, body.uscc) is None:
        raise enterprise_not_found(body.uscc)
    row = m.QuietWindow(
        window_id=uuid.uuid4(),
        uscc=body.uscc,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        reason=body.reason.strip(),
        created_by=principal.sub,
    )
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="quiet_window.created",
        entity_type="quiet_window",
        entity_id=str(row.window_id),
        after=body.model_dump(mode="json"),
    )
    return views.quiet_window_read(row)


async def delete_quiet_window(session: AsyncSession, *, principal: Principal, window_id: uuid.UUID) -> None:
    row = await registry_repo.get_quiet_window(session, window_id)
    if row is None:
        raise QuietWindowNotFound(
            f"无事不扰期 {window_id} 不存在", detail_en=f"There is no quiet window {window_id}"
        )
    before = {"uscc": row.uscc, "starts_on": row.starts_on, "ends_on": row.ends_on, "reason": row.reason}
    await session.delete(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="quiet_window.deleted",
        entity_type="quiet_window",
        entity_id=str(window_id),
        before=before,
    )
