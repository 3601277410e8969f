"""Rectifications (整改) after a warning: the warned unit submits its measures; the supervisor closes,
reopens or withdraws. Who may act is checked before the rectification is loaded (services/risk/deps.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, calendar_store, clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.pagination import cursor_date, cursor_text, cursor_tuple
from services.risk import events
from services.risk.domain import rectification
from services.risk.domain.report import RiskConfigSet
from services.risk.models import Rectification
from services.risk.repository import rectifications as rect_repo
from services.risk.schemas import RectificationRead
from services.risk.views import rectification_read


def get_rectification(row: Rectification) -> RectificationRead:
    return rectification_read(row, clock.today())


async def list_rectifications(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    quarter: str | None,
    overdue: bool,
    after: Any,
    limit: int,
    pending: bool = False,
) -> list[RectificationRead]:
    """Rectifications ``scope`` may see, earliest deadline first, the pending last (``after``: the cursor's
    deadline and id); ``pending``: only those whose deadline waits for a calendar year."""
    today = clock.today()
    cursor = None if after is None else cursor_tuple(after, cursor_date, cursor_text)
    rows = await rect_repo.list_rectifications(
        session,
        scope,
        status=status,
        quarter=quarter,
        overdue_on=today if overdue else None,
        after=cursor,
        limit=limit,
        pending=pending,
    )
    return [rectification_read(r, today) for r in rows]


def cursor_key(item: RectificationRead) -> list[str]:
    """The lists' keyset cursor of an item: its deadline (pending last) and warning id."""
    return [(item.deadline or rect_repo.PENDING_KEY).isoformat(), str(item.warning_id)]


async def fill_in(session: AsyncSession, year: int, principal: Principal, *, config: RiskConfigSet) -> int:
    """Compute the rectifications' pending deadlines (a warning's first, or a reopening's) now that ``year``'s
    arrangement is entered (same transaction as the calendar write), each with the configuration in effect on
    the day its clock started; audited per rectification, and the unit told the date
    (risk.rectification.deadline_set) unless the warning was withdrawn. Returns how many got their deadline."""
    rows = await rect_repo.pending_rectifications(session)
    if not rows:
        return 0
    calendar = await calendar_store.load_calendar(session)
    done = 0
    for row in rows:
        r = rect_repo.to_domain(row)
        cfg = config.in_effect(rectification.clock_started(r)[0]).rectification
        completed = rectification.fill_in(
            r, config=cfg, calendar=calendar, config_on=lambda day: config.in_effect(day).rectification
        )
        if completed is None or completed.deadline is None:
            continue
        changed = {"deadline": completed.deadline, "submitted_late": completed.submitted_late}
        await rect_repo.update_rectification(session, row.warning_id, changed)
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="rectification.deadline_computed",
            entity_type="rectification",
            entity_id=str(row.warning_id),
            before={"calendar_year": year},
            after={"deadline": completed.deadline.isoformat(), "submitted_late": completed.submitted_late},
        )
        # a withdrawn warning asks nothing more of the unit: its deadline is kept, nobody is told
        if completed.status is not rectification.RectificationStatus.WITHDRAWN:
            outbox.add(session, events.rectification_deadline_set(row.warning_id, completed))
        done += 1
    return done


async def _transition(
    session: AsyncSession,
    *,
    row: Rectification,
    new: rectification.Rectification,
    principal: Principal,
    action: str,
    scope: Scope,
) -> RectificationRead:
    before = {"status": row.status, "deadline": None if row.deadline is None else row.deadline.isoformat()}
    await rect_repo.update_rectification(session, row.warning_id, rect_repo.values_of(new))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"rectification.{action}",
        entity_type="rectification",
        entity_id=str(row.warning_id),
        before=before,
        after={
            "status": new.status.value,
            "deadline": None if new.deadline is None else new.deadline.isoformat(),
            "note": new.history[-1].note,
        },
    )
    fresh = await rect_repo.readable_rectification(session, scope, row.warning_id)
    assert fresh is not None
    return rectification_read(fresh, clock.today())


async def submit(
    session: AsyncSession, *, row: Rectification, measures: str, principal: Principal, scope: Scope
) -> RectificationRead:
    """The unit reports its rectification measures (late submissions are accepted and marked)."""
    new = rectification.submit(
        rect_repo.to_domain(row), measures=measures, submitted_at=clock.now(), actor=principal.sub
    )
    return await _transition(session, row=row, new=new, principal=principal, action="submitted", scope=scope)


async def close(
    session: AsyncSession, *, row: Rectification, note: str, principal: Principal, scope: Scope
) -> RectificationRead:
    """The supervisor accepts the measures (销号)."""
    new = rectification.close(rect_repo.to_domain(row), closed_at=clock.now(), actor=principal.sub, note=note)
    return await _transition(session, row=row, new=new, principal=principal, action="closed", scope=scope)


async def reopen(
    session: AsyncSession,
    *,
    row: Rectification,
    reason: str,
    principal: Principal,
    scope: Scope,
    config: RiskConfigSet,
) -> RectificationRead:
    """The supervisor sends the measures back with a reason and a new deadline."""
    calendar = await calendar_store.load_calendar(session)
    new = rectification.reopen(
        rect_repo.to_domain(row),
        reason=reason,
        reopened_at=clock.now(),
        actor=principal.sub,
        config=config.in_effect(clock.today()).rectification,
        calendar=calendar,
    )
    return await _transition(session, row=row, new=new, principal=principal, action="reopened", scope=scope)


async def withdraw(
    session: AsyncSession, *, row: Rectification, reason: str, principal: Principal, scope: Scope
) -> RectificationRead:
    """The supervisor withdraws a warning issued in error."""
    new = rectification.withdraw(
        rect_repo.to_domain(row), reason=reason, withdrawn_at=clock.now(), actor=principal.sub
    )
    return await _transition(session, row=row, new=new, principal=principal, action="withdrawn", scope=scope)
