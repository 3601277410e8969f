"""Every query of the notify service. A notification is its recipient's only: every read is narrowed by
``own(recipient)`` (the one access rule of this service: no role, not even an administrator, reads another's
log through the API)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.domain.mapping import Draft
from services.notify.domain.recipients import Recipient
from services.notify.models import NotificationRow, counter_t, notification_t

CHANNEL = "zhifa_notification"


def own(recipient: Recipient) -> sa.ColumnElement[bool]:
    return sa.and_(
        NotificationRow.recipient_kind == recipient.kind, NotificationRow.recipient_id == recipient.id
    )


async def exists(session: AsyncSession, recipient: Recipient, source_event_id: uuid.UUID) -> bool:
    found = await session.scalar(
        sa.select(sa.literal(1)).where(own(recipient), NotificationRow.source_event_id == source_event_id)
    )
    return found is not None


async def next_seq(session: AsyncSession, recipient: Recipient) -> int:
    """The recipient's next number; the counter row stays locked until the transaction ends."""
    statement = (
        pg_insert(counter_t)
        .values(recipient_kind=recipient.kind, recipient_id=recipient.id, last_seq=1)
        .on_conflict_do_update(
            index_elements=[counter_t.c.recipient_kind, counter_t.c.recipient_id],
            set_={"last_seq": counter_t.c.last_seq + 1},
        )
        .returning(counter_t.c.last_seq)
    )
    return int((await session.execute(statement)).scalar_one())


async def insert(
    session: AsyncSession, draft: Draft, seq: int, source_event_id: uuid.UUID, source_event_type: str
) -> uuid.UUID:
    notification_id = uuid.uuid4()
    await session.execute(
        sa.insert(notification_t).values(
            id=notification_id,
            recipient_kind=draft.recipient.kind,
            recipient_id=draft.recipient.id,
            seq=seq,
            kind=draft.kind,
            title=draft.title,
            body=draft.body,
            link=draft.link,
            source_event_id=source_event_id,
            source_event_type=source_event_type,
        )
    )
    return notification_id


async def announce(session: AsyncSession, recipient: Recipient, seq: int) -> None:
    """NOTIFY the streams' listeners, delivered at commit (and dropped with a rollback)."""
    payload = f"{recipient.kind}\t{seq}\t{recipient.id}"
    await session.execute(sa.select(sa.func.pg_notify(CHANNEL, payload)))


def parse_announcement(payload: str) -> tuple[Recipient, int] | None:
    kind, _, rest = payload.partition("\t")
    seq, _, recipient_id = rest.partition("\t")
    if kind not in ("enterprise", "officer", "department") or not seq.isdigit():
        return None
    return Recipient(kind, recipient_id), int(seq)  # type: ignore[arg-type]


async def get(
    session: AsyncSession, recipient: Recipient, notification_id: uuid.UUID
) -> NotificationRow | None:
    return await session.scalar(
        sa.select(NotificationRow).where(own(recipient), NotificationRow.id == notification_id)
    )


async def page(
    session: AsyncSession, recipient: Recipient, *, unread: bool, before_seq: int | None, limit: int
) -> Sequence[NotificationRow]:
    """Newest first, ``limit`` rows below ``before_seq``."""
    statement = sa.select(NotificationRow).where(own(recipient))
    if unread:
        statement = statement.where(NotificationRow.read_at.is_(None))
    if before_seq is not None:
        statement = statement.where(NotificationRow.seq < before_seq)
    return (await session.scalars(statement.order_by(NotificationRow.seq.desc()).limit(limit))).all()


async def after(
    session: AsyncSession, recipient: Recipient, seq: int, limit: int
) -> Sequence[NotificationRow]:
    """Oldest first, ``limit`` rows after ``seq`` (what a stream sends next)."""
    statement = (
        sa.select(NotificationRow)
        .where(own(recipient), NotificationRow.seq > seq)
        .order_by(NotificationRow.seq)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def last_seq(session: AsyncSession, recipient: Recipient) -> int:
    found = await session.scalar(
        sa.select(counter_t.c.last_seq).where(
            counter_t.c.recipient_kind == recipient.kind, counter_t.c.recipient_id == recipient.id
        )
    )
    return int(found or 0)


async def mark_read(session: AsyncSession, row: NotificationRow, at: datetime) -> bool:
    """Mark one read (the first time only); True when it was unread."""
    if row.read_at is not None:
        return False
    row.read_at = at
    await session.flush()
    return True


async def mark_all_read(session: AsyncSession, recipient: Recipient, at: datetime) -> list[NotificationRow]:
    rows = (
        await session.scalars(
            sa.update(NotificationRow)
            .where(own(recipient), NotificationRow.read_at.is_(None))
            .values(read_at=at)
            .returning(NotificationRow)
        )
    ).all()
    return list(rows)


async def unread_count(session: AsyncSession, recipient: Recipient) -> int:
    return int(
        await session.scalar(
            sa.select(sa.func.count())
            .select_from(NotificationRow)
            .where(own(recipient), NotificationRow.read_at.is_(None))
        )
        or 0
    )
