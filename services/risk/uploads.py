"""Bulk NDJSON intake in bounded memory, whatever the size of the upload (SPEC §5; issue #11, item 1).

How an upload goes:

1. The edge spools the body to a temporary file as it arrives (``services.common.streaming``) and hands it to
   the endpoint in 64 KiB pieces.
2. ``receive``: a body of at most ``intake_sync_max_bytes`` (1 MiB) is processed in the request, in its one
   transaction (all or nothing), and answered 200 with the figures. A larger body, or one sent with
   ``Prefer: respond-async``, is kept in pieces of ``intake_chunk_bytes`` with a queued upload row, in the
   request's transaction, and answered 202 with its status URL.
3. ``run_next`` (the worker's job, in every process with the worker role) claims the oldest queued upload with
   ``FOR UPDATE SKIP LOCKED`` and processes it batch by batch. A batch is at most ``intake_batch_size`` lines
   and ``intake_batch_bytes`` bytes, and one transaction: it stores the batch's good lines (one set-based
   INSERT), registers units and reclassifies the enterprises named, writes the rejected lines to the report
   and moves the upload's progress. The worker beats a heartbeat with every batch; an upload whose worker
   stopped (a restart, a crash) is taken over after ``intake_job_lease_s`` from the last committed line. One
   interrupted ``intake_job_max_attempts`` times is marked failed with what it stored so far (resending the
   file is safe: intake is idempotent on the external id). Nothing is dropped silently.

Memory: a batch (its input and the rows made from it), one piece of the body, the first
``intake_first_errors`` errors and one count per error code; nothing grows with the size of the upload.
The worker yields to the event loop every ``YIELD_EVERY`` lines, so the API in the same process keeps
answering.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit, clock
from services.common.auth import Principal
from services.common.db import transaction
from services.common.errors import Conflict, NotFound
from services.common.logs import request_id_var
from services.risk import repository as repo
from services.risk import service
from services.risk import upload_repository as urepo
from services.risk.domain import bulk, intake
from services.risk.domain.intake import IntakeKind, LineError
from services.risk.domain.report import RiskConfigSet
from services.risk.settings import RiskSettings

log = logging.getLogger(__name__)

YIELD_EVERY = 100  # lines parsed between two turns given to the event loop
REPORT_PAGE = 2000  # report lines read per query when the report is downloaded
PREFIX = "/api/v1/risk/intake/uploads"


class UploadNotFound(NotFound):
    code = "INTAKE_UPLOAD_NOT_FOUND"
    title = "批量上传不存在"
    title_en = "No such bulk upload"


class UploadNotFinished(Conflict):
    code = "INTAKE_UPLOAD_NOT_FINISHED"
    title = "批量上传尚未处理完毕"
    title_en = "The bulk upload is still being processed"


class LeaseLost(Exception):
    """Another worker took the upload over (this one was too slow to beat): stop without writing."""


@dataclass(frozen=True, slots=True)
class Limits:
    sync_max_bytes: int
    chunk_bytes: int
    batch_lines: int
    batch_bytes: int
    first_errors: int
    report_max: int
    lease_s: float
    max_attempts: int
    retention: timedelta

    @classmethod
    def of(cls, settings: RiskSettings) -> Limits:
        return cls(
            sync_max_bytes=settings.intake_sync_max_bytes,
            chunk_bytes=settings.intake_chunk_bytes,
            batch_lines=settings.intake_batch_size,
            batch_bytes=settings.intake_batch_bytes,
            first_errors=settings.intake_first_errors,
            report_max=settings.intake_report_max_errors,
            lease_s=settings.intake_job_lease_s,
            max_attempts=settings.intake_job_max_attempts,
            retention=timedelta(days=settings.intake_upload_retention_days),
        )


def _line_problem(line_no: int, code: str, message: str) -> dict[str, Any]:
    issue = intake.FieldIssue("external_id", code, message)
    return LineError(line_no, code, message, "external_id", (issue,)).as_problem()


class Processor:
    """Lines in, batches out: parses each line, keeps the current batch, and stores it on ``flush``."""

    def __init__(
        self,
        *,
        upload_id: uuid.UUID,
        kind: IntakeKind,
        client: str,
        now: datetime,
        config: RiskConfigSet,
        limits: Limits,
        progress: Mapping[str, Any] | None = None,
    ) -> None:
        done = progress or {}
        self.upload_id, self.kind, self.client, self.now = upload_id, kind, client, now
        self.config, self.limits = config, limits
        self.lines: int = done.get("lines", 0)
        self.stored: int = done.get("stored", 0)
        self.duplicates: int = done.get("duplicates", 0)
        self.report_lines: int = done.get("report_lines", 0)
        self.offset: int = done.get("bytes_processed", 0)
        self.line_no: int = done.get("line_no", 0)
        self.summary = bulk.ErrorSummary(
            limits.first_errors, done.get("first_errors", ()), done.get("errors_by_code", {})
        )
        self._rows: list[tuple[int, dict[str, Any]]] = []
        self._seen: dict[str, str] = {}
        self._errors: list[dict[str, Any]] = []
        self._batch_lines = 0
        self._batch_bytes = 0

    @property
    def full(self) -> bool:
        return self._batch_lines >= self.limits.batch_lines or self._batch_bytes >= self.limits.batch_bytes

    def take(self, line: bulk.Line) -> None:
        self.lines += 1
        self._batch_lines += 1
        self._batch_bytes += len(line.raw) + 1
        self.line_no, self.offset = line.number, line.end
        parsed = intake.parse_line(self.kind, line.number, line.raw, now=self.now)
        if isinstance(parsed, LineError):
            self._reject(parsed.as_problem())
            return
        row = service.intake_row(parsed.record, client=self.client, now=self.now, upload_id=self.upload_id)
        earlier = self._seen.get(row["external_id"])
        if earlier is None:
            self._seen[row["external_id"]] = row["body_hash"]
            self._rows.append((line.number, row))
        elif earlier == row["body_hash"]:
            self.duplicates += 1
        else:
            self._reject_duplicate(line.number, row["external_id"])

    def at_end(self, splitter: bulk.LineSplitter) -> None:
        """Past the last line (blank lines at the end included)."""
        self.offset, self.line_no = splitter.offset, splitter.number

    def _reject(self, problem: dict[str, Any]) -> None:
        self.summary.add(problem)
        if self.report_lines + len(self._errors) < self.limits.report_max:
            self._errors.append(bulk.bounded(problem))

    def _reject_duplicate(self, line_no: int, external_id: str) -> None:
        message = f"编号{external_id}在本批中重复出现且内容不同"
        self._reject(_line_problem(line_no, "INTAKE_DUPLICATE_EXTERNAL_ID", message))

    async def flush(self, session: AsyncSession) -> None:
        """Store the batch (good lines, their units and enterprises, the rejected lines), then forget it."""
        if self._rows:
            kind = self.kind.value
            inserted = await repo.insert_intake(session, kind, [row for _, row in self._rows])
            missing = [row["external_id"] for _, row in self._rows if row["external_id"] not in inserted]
            stored = await repo.existing_hashes(session, kind, missing) if missing else {}
            units: set[str] = set()
            usccs: set[str] = set()
            for line_no, row in self._rows:
                external_id = row["external_id"]
                if external_id in inserted:
                    self.stored += 1
                    units.add(row["unit_code"])
                    if row.get("uscc"):
                        usccs.add(row["uscc"])
                    continue
                body_hash, upload_id = stored.get(external_id, (None, None))
                if body_hash == row["body_hash"]:
                    self.duplicates += 1
                elif upload_id == self.upload_id:  # stored by an earlier batch of this very upload
                    self._reject_duplicate(line_no, external_id)
                else:
                    message = f"外部编号{external_id}已报送过内容不同的记录"
                    self._reject(_line_problem(line_no, service.IntakeConflict.code, message))
            await service.after_intake(session, units=units, usccs=usccs, config=self.config)
        if self._errors:
            await urepo.add_errors(session, self.upload_id, self._errors)
            self.report_lines += len(self._errors)
        self._rows, self._seen, self._errors = [], {}, []
        self._batch_lines = self._batch_bytes = 0

    def figures(self) -> dict[str, Any]:
        """The upload row's progress and figures after the last flush."""
        return {
            "bytes_processed": self.offset,
            "line_no": self.line_no,
            "lines": self.lines,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": self.summary.rejected,
            "errors_by_code": self.summary.by_code,
            "first_errors": self.summary.first(),
            "report_lines": self.report_lines,
        }


async def _take_all(processor: Processor, lines: Iterable[bulk.Line], commit: Any) -> None:
    for count, line in enumerate(lines, start=1):
        processor.take(line)
        if processor.full:
            await commit()
        if count % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let the API of this process answer in between


# --------------------------------------------------------------------------------------------------- receiving


class _Pieces:
    """The body of a job written in pieces of ``size`` bytes."""

    def __init__(self, session: AsyncSession, upload_id: uuid.UUID, size: int) -> None:
        self.session, self.upload_id, self.size = session, upload_id, size
        self.buffer = bytearray()
        self.count = 0
        self.total = 0

    async def write(self, data: bytes) -> None:
        self.buffer += data
        self.total += len(data)
        while len(self.buffer) >= self.size:
            await self._put(bytes(self.buffer[: self.size]))
            del self.buffer[: self.size]

    async def close(self) -> None:
        if self.buffer:
            await self._put(bytes(self.buffer))
            self.buffer.clear()

    async def _put(self, data: bytes) -> None:
        await urepo.add_chunk(self.session, self.upload_id, self.count, data)
        self.count += 1


async def receive(
    session: AsyncSession,
    *,
    kind: IntakeKind,
    pieces: AsyncIterator[bytes],
    principal: Principal,
    config: RiskConfigSet,
    limits: Limits,
    respond_async: bool,
) -> tuple[dict[str, Any], bool]:
    """Take an upload: processed at once (returns its figures, False) or queued as a job (True)."""
    now = clock.now()
    upload_id = uuid.uuid4()
    client = principal.client or ""
    values: dict[str, Any] = {
        "id": upload_id,
        "kind": kind.value,
        "client": client,
        "requested_by": principal.sub,
        "requested_role": principal.role,
        "request_id": request_id_var.get(),
        "chunk_bytes": limits.chunk_bytes,
        "created_at": now,
    }
    head = bytearray()
    job: _Pieces | None = None
    async for piece in pieces:
        if job is not None:
            await job.write(piece)
            continue
        head += piece
        if not bulk.answered_at_once(
            len(head), sync_max_bytes=limits.sync_max_bytes, respond_async=respond_async
        ):
            job = await _queue(session, values, limits)
            await job.write(bytes(head))
            head = bytearray()
    if job is None and respond_async:  # an empty body sent as a job
        job = await _queue(session, values, limits)
    if job is not None:
        await job.close()
        await urepo.update_upload(session, upload_id, {"bytes": job.total, "chunks": job.count})
        return upload_read(await urepo.get_upload(session, upload_id)), True
    await urepo.insert_upload(
        session, {**values, "mode": "sync", "state": "running", "bytes": len(head), "started_at": now}
    )
    processor = Processor(
        upload_id=upload_id, kind=kind, client=client, now=now, config=config, limits=limits
    )
    splitter = bulk.LineSplitter()

    async def flush() -> None:
        await processor.flush(session)

    await _take_all(processor, splitter.feed(bytes(head)), flush)
    await _take_all(processor, splitter.finish(), flush)
    processor.at_end(splitter)
    await processor.flush(session)
    await urepo.update_upload(
        session, upload_id, {**processor.figures(), "state": "done", "finished_at": clock.now()}
    )
    row = await urepo.get_upload(session, upload_id)
    await _audit(session, row)
    return upload_read(row), False


async def _queue(session: AsyncSession, values: dict[str, Any], limits: Limits) -> _Pieces:
    await urepo.insert_upload(session, {**values, "mode": "async", "state": "queued"})
    return _Pieces(session, values["id"], limits.chunk_bytes)


async def _audit(session: AsyncSession, row: Any) -> None:
    if not row.stored:
        return
    await audit.append(
        session,
        actor=row.requested_by,
        actor_role=row.requested_role,
        action=f"intake.{row.kind}.bulk",
        entity_type="intake_upload",
        entity_id=str(row.id),
        after={
            "kind": row.kind,
            "client": row.client,
            "bytes": row.bytes,
            "lines": row.lines,
            "stored": row.stored,
            "duplicates": row.duplicates,
            "rejected": row.rejected,
        },
    )


# --------------------------------------------------------------------------------------------------- reading


def upload_read(row: Any) -> dict[str, Any]:
    status_url = f"{PREFIX}/{row.id}"
    first = list(row.first_errors)
    return {
        "id": row.id,
        "kind": row.kind,
        "state": row.state,
        "mode": row.mode,
        "bytes": row.bytes,
        "bytes_processed": row.bytes_processed,
        "lines": row.lines,
        "stored": row.stored,
        "duplicates": row.duplicates,
        "rejected": row.rejected,
        "errors": first,
        "errors_truncated": row.rejected > len(first),
        "errors_by_code": dict(row.errors_by_code),
        "report_lines": row.report_lines,
        "report_truncated": row.rejected > row.report_lines,
        "status_url": status_url,
        "report_url": f"{status_url}/errors" if row.rejected else None,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "attempts": row.attempts,
        "error": row.error,
    }


async def visible_upload(session: AsyncSession, upload_id: uuid.UUID, principal: Principal) -> Any:
    """The upload if the caller sent it (same integration client) or is an administrator; 404 otherwise."""
    row = await urepo.get_upload(session, upload_id)
    if row is None or (principal.role != "admin" and row.client != principal.client):
        raise UploadNotFound(f"批量上传{upload_id}不存在")
    return row


async def get_upload(session: AsyncSession, *, upload_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
    return upload_read(await visible_upload(session, upload_id, principal))


async def finished_upload(session: AsyncSession, *, upload_id: uuid.UUID, principal: Principal) -> Any:
    row = await visible_upload(session, upload_id, principal)
    if row.state not in ("done", "failed"):
        raise UploadNotFinished(
            f"批量上传{upload_id}尚在处理（已读取{row.bytes_processed}/{row.bytes}字节），完成后可下载错误报告",
            extra={"state": row.state, "status_url": f"{PREFIX}/{upload_id}"},
        )
    return row


async def report_ndjson(
    factory: async_sessionmaker[AsyncSession], upload_id: uuid.UUID
) -> AsyncIterator[bytes]:
    """The report of rejected lines, one JSON object per line, read page by page (bounded memory)."""
    after = 0
    while True:
        async with transaction(factory) as session:
            rows = await urepo.errors_after(session, upload_id, after, REPORT_PAGE)
        if not rows:
            return
        yield b"".join(
            orjson.dumps(
                {"line": r.line, "code": r.code, "field": r.field, "detail": r.detail, "issues": r.issues}
            )
            + b"\n"
            for r in rows
        )
        after = rows[-1].line


# --------------------------------------------------------------------------------------------------- the job


async def run_next(
    factory: async_sessionmaker[AsyncSession], *, config: RiskConfigSet, limits: Limits
) -> uuid.UUID | None:
    """Claim and process the oldest waiting upload (or one whose worker stopped); returns its id."""
    token = uuid.uuid4()
    async with transaction(factory) as session:
        row = await urepo.claim_next(session, token=token, lease_s=limits.lease_s, at=clock.now())
    if row is None:
        return None
    context = request_id_var.set(row.request_id)
    try:
        if row.attempts > limits.max_attempts:
            await _give_up(
                factory, row, token, f"处理中断{row.attempts - 1}次，已停止；已保存的记录保留，可重新上传"
            )
            return row.id  # type: ignore[no-any-return]
        try:
            await _process(factory, row, token, config, limits)
        except LeaseLost:
            log.warning("upload %s was taken over by another worker", row.id)
        except Exception as exc:
            log.exception("upload %s failed (attempt %d)", row.id, row.attempts)
            if row.attempts >= limits.max_attempts:
                await _give_up(factory, row, token, f"处理失败：{exc!r}"[:2000])
            else:
                async with transaction(factory) as session:
                    await urepo.update_claimed(
                        session,
                        row.id,
                        token,
                        {"state": "queued", "claimed_by": None, "error": repr(exc)[:2000]},
                    )
    finally:
        request_id_var.reset(context)
    return row.id  # type: ignore[no-any-return]


async def _give_up(
    factory: async_sessionmaker[AsyncSession], row: Any, token: uuid.UUID, reason: str
) -> None:
    log.error("upload %s marked failed: %s", row.id, reason)
    async with transaction(factory) as session:
        await urepo.update_claimed(
            session, row.id, token, {"state": "failed", "finished_at": clock.now(), "error": reason}
        )
        await urepo.delete_chunks(session, row.id)
        await _audit(session, await urepo.get_upload(session, row.id))


async def _process(
    factory: async_sessionmaker[AsyncSession],
    row: Any,
    token: uuid.UUID,
    config: RiskConfigSet,
    limits: Limits,
) -> None:
    processor = Processor(
        upload_id=row.id,
        kind=IntakeKind(row.kind),
        client=row.client,
        now=clock.now(),
        config=config,
        limits=limits,
        progress=row._mapping,
    )
    splitter = bulk.LineSplitter(offset=row.bytes_processed, number=row.line_no)
    first, skip = divmod(row.bytes_processed, row.chunk_bytes)
    log.info(
        "upload %s: processing from byte %d of %d (attempt %d)",
        row.id,
        row.bytes_processed,
        row.bytes,
        row.attempts,
    )

    async def commit() -> None:
        async with transaction(factory) as session:
            await processor.flush(session)
            if not await urepo.update_claimed(session, row.id, token, processor.figures()):
                raise LeaseLost

    for seq in range(first, row.chunks):
        async with transaction(factory) as session:
            piece = await urepo.get_chunk(session, row.id, seq)
        if skip:
            piece, skip = piece[skip:], 0
        await _take_all(processor, splitter.feed(piece), commit)
    await _take_all(processor, splitter.finish(), commit)
    processor.at_end(splitter)
    async with transaction(factory) as session:
        await processor.flush(session)
        finished = {**processor.figures(), "state": "done", "finished_at": clock.now(), "error": None}
        if not await urepo.update_claimed(session, row.id, token, finished):
            raise LeaseLost
        await urepo.delete_chunks(session, row.id)
        await _audit(session, await urepo.get_upload(session, row.id))
    log.info(
        "upload %s done: %d lines, %d stored, %d duplicates, %d rejected",
        row.id,
        processor.lines,
        processor.stored,
        processor.duplicates,
        processor.summary.rejected,
    )


async def purge(factory: async_sessionmaker[AsyncSession], limits: Limits) -> int:
    """Forget finished uploads older than the retention (their reports with them)."""
    async with transaction(factory) as session:
        return await urepo.delete_finished_before(session, clock.now() - limits.retention)
