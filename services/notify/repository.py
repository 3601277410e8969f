"""Every query of the notify service. A notification is its recipient's only: every read is narrowed by
``own(recipient)`` (the one access rule of this service: no role, not even an administrator, reads another's
log through the API)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.notify.domain.mapping import Draft
from services.notify.domain.recipients import Recipient
from services.notify.models import (
    NotificationRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
    WebhookSecretRow,
    counter_t,
    notification_t,
    webhook_delivery_t,
    webhook_endpoint_t,
)

CHANNEL = "zhifa_notification"


def own(recipient: Recipient) -> sa.ColumnElement[bool]:
    return sa.and_(
        NotificationRow.recipient_kind == recipient.kind, NotificationRow.recipient_id == recipient.id
    )


_LOGGED = {
    name: sa.bindparam(name, type_=notification_t.c[name].type)
    for name in ("id", "recipient_kind", "recipient_id", "kind", "title", "body", "link")
    + ("source_event_id", "source_event_type")
}
_NOT_YET_LOGGED = ~sa.exists().where(
    notification_t.c.recipient_kind == _LOGGED["recipient_kind"],
    notification_t.c.recipient_id == _LOGGED["recipient_id"],
    notification_t.c.source_event_id == _LOGGED["source_event_id"],
)
#: The recipient's counter bumped (its row stays locked until the transaction ends: a recipient's numbers
#: commit in order) and the notification inserted with the new number, unless the recipient already has one
#: from this event: then neither. One statement, built once (three before: a lookup, the counter, the insert).
_NEXT_SEQ = (
    pg_insert(counter_t)
    .from_select(
        ["recipient_kind", "recipient_id", "last_seq"],
        sa.select(_LOGGED["recipient_kind"], _LOGGED["recipient_id"], sa.literal(1, sa.BigInteger)).where(
            _NOT_YET_LOGGED
        ),
    )
    .on_conflict_do_update(
        index_elements=[counter_t.c.recipient_kind, counter_t.c.recipient_id],
        set_={"last_seq": counter_t.c.last_seq + 1},
    )
    .returning(counter_t.c.last_seq)
    .cte("next_seq")
)
_LOG = (
    sa.insert(notification_t)
    .from_select(
        ["id", "recipient_kind", "recipient_id", "seq", "kind", "title", "body", "link"]
        + ["source_event_id", "source_event_type"],
        sa.select(
            _LOGGED["id"],
            _LOGGED["recipient_kind"],
            _LOGGED["recipient_id"],
            _NEXT_SEQ.c.last_seq,
            *(_LOGGED[name] for name in ("kind", "title", "body", "link")),
            _LOGGED["source_event_id"],
            _LOGGED["source_event_type"],
        ),
    )
    .returning(notification_t.c.seq, notification_t.c.created_at)
)


async def insert(
    session: AsyncSession, draft: Draft, source_event_id: uuid.UUID, source_event_type: str
) -> tuple[uuid.UUID, int, datetime] | None:
    """Log the notification with the recipient's next number, once per recipient and event: its id, number
    and ``created_at`` (the database's clock, as a log read returns it), or None when the recipient already
    has the event's."""
    notification_id = uuid.uuid4()
    row = (
        await session.execute(
            _LOG,
            {
                "id": notification_id,
                "recipient_kind": draft.recipient.kind,
                "recipient_id": draft.recipient.id,
                "kind": draft.kind,
                "title": draft.title,
                "body": draft.body,
                "link": draft.link,
                "source_event_id": source_event_id,
                "source_event_type": source_event_type,
            },
        )
    ).first()
    return None if row is None else (notification_id, int(row.seq), row.created_at)


_ANNOUNCE = sa.select(sa.func.pg_notify(CHANNEL, sa.bindparam("payload", type_=sa.Text)))  # built once
NOTIFY_MAX_BYTES = 7900  # PostgreSQL refuses a NOTIFY payload of 8000 bytes or more


def announcement(recipient: Recipient, seq: int, data: bytes | None) -> str:
    """``kind<TAB>seq<TAB>id[<TAB>data]``: ``data`` (the notification as the stream sends it, JSON) rides
    along when it fits, so that the stream need not read it back; without it the payload is a bare wake-up."""
    bare = f"{recipient.kind}\t{seq}\t{recipient.id}"
    if data is None:
        return bare
    full = f"{bare}\t{data.decode()}"
    return full if len(full.encode()) <= NOTIFY_MAX_BYTES else bare


async def announce(session: AsyncSession, recipient: Recipient, seq: int, data: bytes | None = None) -> None:
    """NOTIFY the streams' listeners, delivered at commit (and dropped with a rollback)."""
    await session.execute(_ANNOUNCE, {"payload": announcement(recipient, seq, data)})


def parse_announcement(payload: str) -> tuple[Recipient, int, bytes | None] | None:
    kind, _, rest = payload.partition("\t")
    seq, _, rest = rest.partition("\t")
    recipient_id, tab, data = rest.partition("\t")  # JSON escapes a tab: the first one ends the id
    if kind not in ("enterprise", "officer", "department") or not seq.isdigit():
        return None
    return Recipient(kind, recipient_id), int(seq), data.encode() if tab else None  # type: ignore[arg-type]


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


# ------------------------------------------------------------------------------------------------ webhooks

#: An endpoint (and its deliveries) is its integration client's: the client reads its own, an
#: administrator every one (services.common.access).
ENDPOINTS = Visibility(client=WebhookEndpointRow.client)


async def readable_endpoint(
    session: AsyncSession, scope: Scope, endpoint_id: uuid.UUID
) -> WebhookEndpointRow | None:
    statement = readable(
        sa.select(WebhookEndpointRow).where(WebhookEndpointRow.id == endpoint_id), scope, ENDPOINTS
    )
    return await session.scalar(statement)


async def endpoints(session: AsyncSession, scope: Scope) -> Sequence[WebhookEndpointRow]:
    statement = readable(sa.select(WebhookEndpointRow), scope, ENDPOINTS).order_by(
        WebhookEndpointRow.created_at
    )
    return (await session.scalars(statement)).all()


async def readable_delivery(
    session: AsyncSession, scope: Scope, delivery_id: uuid.UUID
) -> WebhookDeliveryRow | None:
    statement = readable(
        sa.select(WebhookDeliveryRow)
        .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
        .where(WebhookDeliveryRow.id == delivery_id),
        scope,
        ENDPOINTS,
    )
    return await session.scalar(statement)


async def add_endpoint(session: AsyncSession, row: WebhookEndpointRow, secret: str) -> None:
    session.add(row)
    await session.flush()
    session.add(WebhookSecretRow(endpoint_id=row.id, secret=secret))
    await session.flush()


async def secrets_in_force(session: AsyncSession, endpoint_id: uuid.UUID, at: datetime) -> list[str]:
    """The endpoint's secrets that still sign, newest first."""
    statement = (
        sa.select(WebhookSecretRow.secret)
        .where(
            WebhookSecretRow.endpoint_id == endpoint_id,
            sa.or_(WebhookSecretRow.expires_at.is_(None), WebhookSecretRow.expires_at > at),
        )
        .order_by(WebhookSecretRow.id.desc())
    )
    return list((await session.scalars(statement)).all())


async def rotate_secret(
    session: AsyncSession, endpoint_id: uuid.UUID, secret: str, old_until: datetime
) -> None:
    """The new secret signs from now on; the ones in force keep signing until ``old_until``."""
    await session.execute(
        sa.update(WebhookSecretRow)
        .where(
            WebhookSecretRow.endpoint_id == endpoint_id,
            sa.or_(WebhookSecretRow.expires_at.is_(None), WebhookSecretRow.expires_at > old_until),
        )
        .values(expires_at=old_until)
    )
    session.add(WebhookSecretRow(endpoint_id=endpoint_id, secret=secret))
    await session.flush()


_ENQUEUED = ("id", "endpoint_id", "event_id", "event_type", "subject", "event_time", "payload")

#: One delivery for every active endpoint subscribed to the event's type, once per endpoint and event, in one
#: statement (a lookup and a statement per endpoint before); built once, its parameters named after the
#: delivery's columns. A new delivery's id is the database's ``gen_random_uuid()`` (a version 4 UUID).
_ENQUEUE = (
    pg_insert(webhook_delivery_t)
    .from_select(
        list(_ENQUEUED),
        sa.select(
            sa.func.gen_random_uuid(),
            webhook_endpoint_t.c.id,
            *(sa.bindparam(name, type_=webhook_delivery_t.c[name].type) for name in _ENQUEUED[2:]),
        ).where(
            webhook_endpoint_t.c.active.is_(True),
            webhook_endpoint_t.c.event_types.contains(
                sa.bindparam("subscribed_type", type_=webhook_endpoint_t.c.event_types.type)
            ),
        ),
    )
    .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
    .returning(webhook_delivery_t.c.id)
)


async def enqueue(session: AsyncSession, values: dict[str, Any]) -> int:
    """Queue the event (``values``: the delivery's ``event_id``, ``event_type``, ``subject``, ``event_time``,
    ``payload``) for every active endpoint subscribed to its type; how many deliveries were new."""
    params = {**values, "subscribed_type": [values["event_type"]]}
    return len((await session.scalars(_ENQUEUE, params)).all())


async def claim_due(
    session: AsyncSession, now: datetime, lease_until: datetime, limit: int
) -> list[WebhookDeliveryRow]:
    """Due pending deliveries whose subject has no earlier pending delivery on the same endpoint (ordered per
    subject: a later event waits for the earlier), reserved until ``lease_until``."""
    earlier = sa.orm.aliased(WebhookDeliveryRow)
    waits = (
        sa.select(sa.literal(1))
        .where(
            earlier.endpoint_id == WebhookDeliveryRow.endpoint_id,
            earlier.subject == WebhookDeliveryRow.subject,
            earlier.seq < WebhookDeliveryRow.seq,
            earlier.status == "pending",
        )
        .exists()
    )
    statement = (
        sa.select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.next_attempt_at <= now, ~waits)
        .order_by(WebhookDeliveryRow.seq)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDeliveryRow)
    )
    rows = list((await session.scalars(statement)).all())
    for row in rows:
        row.next_attempt_at = lease_until
    await session.flush()
    return rows


async def record_attempt(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    *,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    outcome: dict[str, Any],
) -> None:
    session.add(
        WebhookAttemptRow(
            delivery_id=delivery_id, status_code=status_code, error=error, duration_ms=duration_ms
        )
    )
    await session.execute(
        sa.update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.id == delivery_id)
        .values(attempts=WebhookDeliveryRow.attempts + 1, **outcome)
    )


async def deliveries(
    session: AsyncSession,
    endpoint_id: uuid.UUID | None,
    status: str | None,
    before_seq: int | None,
    limit: int,
) -> Sequence[WebhookDeliveryRow]:
    statement = sa.select(WebhookDeliveryRow)
    if endpoint_id is not None:
        statement = statement.where(WebhookDeliveryRow.endpoint_id == endpoint_id)
    if status is not None:
        statement = statement.where(WebhookDeliveryRow.status == status)
    if before_seq is not None:
        statement = statement.where(WebhookDeliveryRow.seq < before_seq)
    return (await session.scalars(statement.order_by(WebhookDeliveryRow.seq.desc()).limit(limit))).all()


async def attempts(session: AsyncSession, delivery_id: uuid.UUID) -> Sequence[WebhookAttemptRow]:
    statement = sa.select(WebhookAttemptRow).where(WebhookAttemptRow.delivery_id == delivery_id)
    return (await session.scalars(statement.order_by(WebhookAttemptRow.id))).all()


async def requeue(session: AsyncSession, delivery: WebhookDeliveryRow, now: datetime) -> None:
    delivery.status, delivery.next_attempt_at, delivery.created_at = "pending", now, now
    await session.flush()


async def replay(
    session: AsyncSession, endpoint_id: uuid.UUID, since: datetime, until: datetime, now: datetime
) -> int:
    """Send again every delivery of the endpoint whose event happened in [since, until) (the same
    ``webhook-id``: a receiver that has it can drop it)."""
    result = await session.execute(
        sa.update(WebhookDeliveryRow)
        .where(
            WebhookDeliveryRow.endpoint_id == endpoint_id,
            WebhookDeliveryRow.event_time >= since,
            WebhookDeliveryRow.event_time < until,
        )
        .values(status="pending", next_attempt_at=now, created_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
