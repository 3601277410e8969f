"""Bulk intake uploads: the upload, its body in pieces, the report of rejected lines. An upload is seen by the
integration client that sent it (and city-wide by an administrator)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope, Visibility, readable
from services.risk.models import IntakeUpload, IntakeUploadChunk, IntakeUploadError, table_of

upload_t = table_of(IntakeUpload)
chunk_t = table_of(IntakeUploadChunk)
error_t = table_of(IntakeUploadError)

UPLOAD_VISIBILITY = Visibility(client=IntakeUpload.client)


async def insert_upload(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(upload_t).values(**values))


def _one(upload_id: uuid.UUID) -> sa.Select[IntakeUpload]:
    # a re-read after an update sees the update (the session may hold the row from before)
    return (
        sa.select(IntakeUpload).where(IntakeUpload.id == upload_id).execution_options(populate_existing=True)
    )


async def get_upload(session: AsyncSession, upload_id: uuid.UUID) -> IntakeUpload:
    return (await session.scalars(_one(upload_id))).one()


async def readable_upload(session: AsyncSession, scope: Scope, upload_id: uuid.UUID) -> IntakeUpload | None:
    return (await session.scalars(readable(_one(upload_id), scope, UPLOAD_VISIBILITY))).first()


async def update_upload(session: AsyncSession, upload_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(upload_t).where(upload_t.c.id == upload_id).values(**values))


async def update_claimed(
    session: AsyncSession, upload_id: uuid.UUID, token: uuid.UUID, values: dict[str, Any]
) -> bool:
    """Update an upload this worker still holds (False: the lease was lost to another worker)."""
    result = await session.execute(
        sa.update(upload_t)
        .where(upload_t.c.id == upload_id, upload_t.c.claimed_by == token, upload_t.c.state == "running")
        .values(**values, heartbeat_at=sa.func.now())
        .returning(upload_t.c.id)
    )
    return result.first() is not None


async def add_chunk(session: AsyncSession, upload_id: uuid.UUID, seq: int, data: bytes) -> None:
    await session.execute(sa.insert(chunk_t).values(upload_id=upload_id, seq=seq, data=data))


async def get_chunk(session: AsyncSession, upload_id: uuid.UUID, seq: int) -> bytes:
    data = await session.scalar(
        sa.select(chunk_t.c.data).where(chunk_t.c.upload_id == upload_id, chunk_t.c.seq == seq)
    )
    if data is None:
        raise LookupError(f"upload {upload_id} has no piece {seq}")
    return bytes(data)


async def delete_chunks(session: AsyncSession, upload_id: uuid.UUID) -> None:
    await session.execute(sa.delete(chunk_t).where(chunk_t.c.upload_id == upload_id))


async def add_errors(session: AsyncSession, upload_id: uuid.UUID, problems: Sequence[dict[str, Any]]) -> None:
    if not problems:
        return
    await session.execute(
        sa.insert(error_t),
        [
            {
                "upload_id": upload_id,
                "line": p["line"],
                "code": p["code"],
                "field": p["field"],
                "detail": p["detail"],
                "issues": p["issues"],
            }
            for p in problems
        ],
    )


class ReportLine(NamedTuple):
    line: int
    code: str
    field: str | None
    detail: str
    issues: list[Any]


async def errors_after(
    session: AsyncSession, upload_id: uuid.UUID, after: int, limit: int
) -> list[ReportLine]:
    """Report lines after line ``after``, in line order (keyset pages)."""
    query = (
        sa.select(error_t.c.line, error_t.c.code, error_t.c.field, error_t.c.detail, error_t.c.issues)
        .where(error_t.c.upload_id == upload_id, error_t.c.line > after)
        .order_by(error_t.c.line)
        .limit(limit)
    )
    return [ReportLine(*r) for r in (await session.execute(query)).all()]


async def claim_next(
    session: AsyncSession, *, token: uuid.UUID, lease_s: float, at: datetime
) -> IntakeUpload | None:
    """The oldest queued upload, or a running one whose worker has not beaten for ``lease_s`` seconds (the
    database's clock), claimed for this worker with ``FOR UPDATE SKIP LOCKED``: replicas never share one."""
    stale = sa.func.now() - sa.func.make_interval(0, 0, 0, 0, 0, 0, lease_s)
    candidate = (
        sa.select(upload_t.c.id)
        .where(
            sa.or_(
                upload_t.c.state == "queued",
                sa.and_(upload_t.c.state == "running", upload_t.c.heartbeat_at < stale),
            )
        )
        .order_by(upload_t.c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = await session.scalars(
        sa.update(IntakeUpload)
        .where(IntakeUpload.id == candidate)
        .values(
            state="running",
            claimed_by=token,
            heartbeat_at=sa.func.now(),
            attempts=IntakeUpload.attempts + 1,
            started_at=sa.func.coalesce(IntakeUpload.started_at, at),
        )
        .returning(IntakeUpload),
        execution_options={"synchronize_session": False},
    )
    return claimed.first()


async def delete_finished_before(session: AsyncSession, before: datetime) -> int:
    """Forget uploads finished before ``before`` (their pieces and reports go with them)."""
    result = await session.execute(
        sa.delete(upload_t)
        .where(upload_t.c.state.in_(("done", "failed")), upload_t.c.created_at < before)
        .returning(upload_t.c.id)
    )
    return len(result.all())
