"""The notification log: record what an event tells its recipients (the consumers' one path), page through
it, mark read."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, outbox
from services.common.auth import Principal
from services.common.events import Envelope, Event
from services.common.pagination import cursor_int, decode_cursor, encode_cursor
from services.notify import events, repository, views
from services.notify.domain import mapping
from services.notify.domain.recipients import Recipient
from services.notify.models import NotificationRow
from services.notify.schemas import NotificationPage, NotificationRead, ReadAllResult


async def record(session: AsyncSession, envelope: Envelope, event: Event) -> int:
    """Record the notifications ``event`` makes, each once per recipient, and announce them at commit;
    returns how many were new."""
    recorded = 0
    for draft in mapping.drafts(event):
        logged = await repository.insert(session, draft, envelope.id, envelope.type)
        if logged is None:
            continue
        notification_id, seq, created_at = logged
        row = NotificationRow(
            id=notification_id,
            recipient_kind=draft.recipient.kind,
            recipient_id=draft.recipient.id,
            seq=seq,
            kind=draft.kind,
            title=draft.title,
            body=draft.body,
            link=draft.link,
            source_event_id=envelope.id,
            source_event_type=envelope.type,
            created_at=created_at,
            read_at=None,
        )  # as a log read returns it: the announcement carries it to the streams (use_cases/stream.py)
        await repository.announce(session, draft.recipient, seq, views.sse_data(row))
        recorded += 1
    return recorded


async def list_page(
    session: AsyncSession, recipient: Recipient, *, unread: bool, cursor: str | None, limit: int
) -> NotificationPage:
    key = decode_cursor(cursor)
    # a seq past bigint failed in the database: a 500
    before = None if not cursor else cursor_int(key)
    rows = list(await repository.page(session, recipient, unread=unread, before_seq=before, limit=limit + 1))
    next_cursor = encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None
    return NotificationPage(
        items=[views.notification_read(r) for r in rows[:limit]],
        next_cursor=next_cursor,
        unread=await repository.unread_count(session, recipient),
    )


async def mark_read(session: AsyncSession, row: NotificationRow, principal: Principal) -> NotificationRead:
    at = clock.now()
    if await repository.mark_read(session, row, at):
        outbox.add(session, events.notification_read(row, at))
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="notification.read",
            entity_type="notification",
            entity_id=str(row.id),
            after={"read_at": at.isoformat(), "source_event_id": str(row.source_event_id)},
        )
    return views.notification_read(row)


async def mark_all_read(session: AsyncSession, recipient: Recipient, principal: Principal) -> ReadAllResult:
    at = clock.now()
    rows = await repository.mark_all_read(session, recipient, at)
    for row in rows:
        outbox.add(session, events.notification_read(row, at))
    if rows:
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="notification.read_all",
            entity_type="recipient",
            entity_id=str(recipient),
            after={"read_at": at.isoformat(), "notifications": [str(r.id) for r in rows]},
        )
    return ReadAllResult(marked=len(rows))
