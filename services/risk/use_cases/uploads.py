"""Bulk NDJSON intake in bounded memory, whatever the size of the upload (SPEC §5; issue #11, item 1).

How an upload goes:

1. The edge spools the body to a temporary file as it arrives (``services.common.streaming``) and hands it to
   the endpoint in 64 KiB pieces.
2. ``receive``: a body of at most ``intake_sync_max_bytes`` (1 MiB) is processed in the request, in its one
   transaction (all or nothing), and answered 200 with the figures. A larger body, or one sent with
   ``Prefer: respond-async``, is kept in pieces of ``intake_chunk_bytes`` with a queued upload row, in the
   request's transaction, and answered 202 with its status URL.
3. The worker's job (services/risk/jobs.py, in every process with the worker role) claims the oldest queued
   upload with ``FOR UPDATE SKIP LOCKED`` and processes it batch by batch. A batch is at most
   ``intake_batch_size`` lines and ``intake_batch_bytes`` bytes, and one transaction: it stores the batch's
   good lines (one set-based INSERT), registers units and reclassifies the enterprises named, writes the
   rejected lines to the report and moves the upload's progress. The worker beats a heartbeat with every
   batch; an upload whose worker stopped (a restart, a crash) is taken over after ``intake_job_lease_s`` from
   the last committed line. One interrupted ``intake_job_max_attempts`` times is marked failed with what it
   stored so far (resending the file is safe: intake is idempotent on the external id). Nothing is dropped
   silently.

Memory: a batch (its input and the rows made from it), one piece of the body, the first
``intake_first_errors`` errors and one count per error code; nothing grows with the size of the upload.
The worker yields to the event loop every ``YIELD_EVERY`` lines, so the API in the same process keeps
answering.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit, clock
from services.common.auth import Principal
from services.common.db import transaction
from services.common.logs import request_id_var
from services.risk.domain import bulk, intake
from services.risk.domain.bulk import Limits
from services.risk.domain.intake import IntakeKind, LineError
from services.risk.domain.report import RiskConfigSet
from services.risk.errors import IntakeConflict, UploadNotFinished
from services.risk.models import IntakeUpload
from services.risk.repository import intake as intake_repo
from services.risk.repository import uploads as upload_repo
from services.risk.schemas import UploadRead
from services.risk.use_cases.intake import after_intake, check_client, intake_row
from services.risk.views import status_url, upload_read

YIELD_EVERY = 100  # lines parsed between two turns given to the event loop
REPORT_PAGE = 2000  # report lines read per query when the report is downloaded


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
        progress: IntakeUpload | None = None,
    ) -> None:
        self.upload_id, self.kind, self.client, self.now = upload_id, kind, client, now
        self.config, self.limits = config, limits
        self.lines: int = progress.lines if progress else 0
        self.stored: int = progress.stored if progress else 0
        self.duplicates: int = progress.duplicates if progress else 0
        self.report_lines: int = progress.report_lines if progress else 0
        self.offset: int = progress.bytes_processed if progress else 0
        self.line_no: int = progress.line_no if progress else 0
        self.summary = bulk.ErrorSummary(
            limits.first_errors,
            progress.first_errors if progress else (),
            progress.errors_by_code if progress else {},
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
        row = intake_row(parsed.record, client=self.client, now=self.now, upload_id=self.upload_id)
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
            inserted = await intake_repo.insert_intake(session, kind, [row for _, row in self._rows])
            missing = [row["external_id"] for _, row in self._rows if row["external_id"] not in inserted]
            stored = await intake_repo.existing_hashes(session, kind, missing) if missing else {}
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
                earlier = stored.get(external_id)
                if earlier is not None and earlier.body_hash == row["body_hash"]:
                    self.duplicates += 1
                elif earlier is not None and earlier.upload_id == self.upload_id:
                    # stored by an earlier batch of this very upload
                    self._reject_duplicate(line_no, external_id)
                else:
                    message = f"外部编号{external_id}已报送过内容不同的记录"
                    self._reject(_line_problem(line_no, IntakeConflict.code, message))
            await after_intake(session, units_named=units, usccs=usccs, config=self.config)
        if self._errors:
            await upload_repo.add_errors(session, self.upload_id, self._errors)
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


async def take_all(
    processor: Processor, lines: Iterable[bulk.Line], commit: Callable[[], Awaitable[None]]
) -> None:
    """Feed ``lines`` to ``processor``, committing each full batch, yielding to the event loop now and then."""
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
        await upload_repo.add_chunk(self.session, self.upload_id, self.count, data)
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
    grants: Mapping[str, Sequence[str]],
) -> tuple[UploadRead, bool]:
    """Take an upload: processed at once (returns its figures, False) or queued as a job (True)."""
    check_client(principal, kind, grants)
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
        await upload_repo.update_upload(session, upload_id, {"bytes": job.total, "chunks": job.count})
        return upload_read(await upload_repo.get_upload(session, upload_id)), True
    await upload_repo.insert_upload(
        session, {**values, "mode": "sync", "state": "running", "bytes": len(head), "started_at": now}
    )
    processor = Processor(
        upload_id=upload_id, kind=kind, client=client, now=now, config=config, limits=limits
    )
    splitter = bulk.LineSplitter()

    async def flush() -> None:
        await processor.flush(session)

    await take_all(processor, splitter.feed(bytes(head)), flush)
    await take_all(processor, splitter.finish(), flush)
    processor.at_end(splitter)
    await processor.flush(session)
    await upload_repo.update_upload(
        session, upload_id, {**processor.figures(), "state": "done", "finished_at": clock.now()}
    )
    row = await upload_repo.get_upload(session, upload_id)
    await audit_upload(session, row)
    return upload_read(row), False


async def _queue(session: AsyncSession, values: dict[str, Any], limits: Limits) -> _Pieces:
    await upload_repo.insert_upload(session, {**values, "mode": "async", "state": "queued"})
    return _Pieces(session, values["id"], limits.chunk_bytes)


async def audit_upload(session: AsyncSession, row: IntakeUpload) -> None:
    """An upload that stored something is in the audit chain, with its figures."""
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


def get_upload(row: IntakeUpload) -> UploadRead:
    return upload_read(row)


def ensure_finished(row: IntakeUpload) -> IntakeUpload:
    """The report of rejected lines is there once the upload is done (or failed)."""
    if row.state not in ("done", "failed"):
        raise UploadNotFinished(
            f"批量上传{row.id}尚在处理（已读取{row.bytes_processed}/{row.bytes}字节），完成后可下载错误报告",
            detail_en=f"The bulk upload {row.id} is still being processed ({row.bytes_processed} of {row.bytes} "
            "bytes read); its report can be downloaded once it is done",
            extra={"state": row.state, "status_url": status_url(row.id)},
        )
    return row


async def report_ndjson(
    factory: async_sessionmaker[AsyncSession], upload_id: uuid.UUID
) -> AsyncIterator[bytes]:
    """The report of rejected lines, one JSON object per line, read page by page (bounded memory).

    Each page is read in its own short read-only transaction, so a slow download holds nothing open."""
    after = 0
    while True:
        async with transaction(factory) as session:
            rows = await upload_repo.errors_after(session, upload_id, after, REPORT_PAGE)
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


# --------------------------------------------------------------------------------------------------- the job's steps


async def claim(session: AsyncSession, *, token: uuid.UUID, limits: Limits) -> IntakeUpload | None:
    """The oldest waiting upload (or one whose worker stopped), claimed for the worker holding ``token``."""
    return await upload_repo.claim_next(session, token=token, lease_s=limits.lease_s, at=clock.now())


async def read_piece(session: AsyncSession, upload: IntakeUpload, seq: int) -> bytes:
    return await upload_repo.get_chunk(session, upload.id, seq)


async def save_progress(
    session: AsyncSession, upload: IntakeUpload, token: uuid.UUID, processor: Processor
) -> bool:
    """Store the batch and the upload's progress; False when another worker took the upload over."""
    await processor.flush(session)
    return await upload_repo.update_claimed(session, upload.id, token, processor.figures())


async def finish(session: AsyncSession, upload: IntakeUpload, token: uuid.UUID, processor: Processor) -> bool:
    """Store the last batch and mark the upload done; False when another worker took the upload over."""
    await processor.flush(session)
    finished = {**processor.figures(), "state": "done", "finished_at": clock.now(), "error": None}
    if not await upload_repo.update_claimed(session, upload.id, token, finished):
        return False
    await upload_repo.delete_chunks(session, upload.id)
    await audit_upload(session, await upload_repo.get_upload(session, upload.id))
    return True


async def give_up(session: AsyncSession, upload: IntakeUpload, token: uuid.UUID, reason: str) -> None:
    """Mark the upload failed, keeping what it stored (resending the file is safe)."""
    await upload_repo.update_claimed(
        session, upload.id, token, {"state": "failed", "finished_at": clock.now(), "error": reason}
    )
    await upload_repo.delete_chunks(session, upload.id)
    await audit_upload(session, await upload_repo.get_upload(session, upload.id))


async def release(session: AsyncSession, upload: IntakeUpload, token: uuid.UUID, error: str) -> None:
    """Put a failed attempt back in the queue for the next one."""
    await upload_repo.update_claimed(
        session, upload.id, token, {"state": "queued", "claimed_by": None, "error": error}
    )


async def purge(session: AsyncSession, limits: Limits) -> int:
    """Forget finished uploads older than the retention (their reports with them)."""
    return await upload_repo.delete_finished_before(session, clock.now() - limits.retention)
