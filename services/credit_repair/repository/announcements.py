"""The ``credit.publication.ended`` events of clean-up ends, published from the feed instead of the outbox.

A clean-up step writes its ends and their numbered feed entries and no outbox rows (repository.bulk): an
outbox row per end, with its three index entries, was three of the seven WAL records and about 1,080 of the
1,300 WAL bytes a step wrote per ended publication (docs/benchmarks/cleanup-plans.md, "Round five"). The
events are built here from what the step did write, and published through the service's relay
(``Relay.publish``: atomic batches, ``Nats-Msg-Id`` = event id).

**Exactly what the outbox published.** Each event is the envelope the step built in SQL before: id
``uuid3(END_EVENT_NAMESPACE, publication id)``, type, version, source, ``time`` = ``data.ended_at`` = the end's
``ended_at``, ``subject``, the step's request id (``cleanup_step.request_id``) and the contract's data, its keys
in the order of a ``jsonb`` value (so the bytes published are those the relay sent from the outbox row).

**At least once, nothing lost.** ``feed_announcement`` holds the last feed number done. The feed is numbered
in commit order (repository.deferred): once a reader sees number n it sees 1..n, so a cursor skips nothing.
A round locks the cursor row, reads the next entries, publishes the clean-up ends among them and moves the
cursor past what JetStream acknowledged, in one transaction: a crash before the commit publishes the same
events again under the same ids (the stream's duplicate window, then the consumers' inboxes, drop them).

**In order per publication.** A publication's earlier events (``credit.publication.started``) are outbox
rows. A round whose ends include a publication with an unpublished outbox row waits (the row was committed
before the end was: the step saw the publication), so a consumer never sees the end before the start.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.events import json_time
from services.credit_repair.repository.bulk import END_EVENT_NAMESPACE

END_TYPE = "credit.publication.ended"
SOURCE = "credit_repair"

_LOCK = sa.text("SELECT last_seq FROM feed_announcement WHERE id = 1 FOR UPDATE SKIP LOCKED")
# The next entries after the cursor, each with its clean-up end (kind 'ended', cleanup_run_id set: the sweep's
# and single ends have outbox rows) and the publication's facts; publication_key names the partition.
_NEXT = sa.text(
    "WITH f AS (SELECT seq, publication_id, kind FROM feed_entry WHERE seq > :after ORDER BY seq LIMIT :n) "
    "SELECT f.seq, e.publication_id, e.reason, e.ended_at, e.cleanup_run_id, k.seq AS publication_seq, "
    "p.record_id, p.case_id, p.party_uscc, p.department_code "
    "FROM f LEFT JOIN publication_end e ON f.kind = 'ended' AND e.publication_id = f.publication_id "
    "AND e.cleanup_run_id IS NOT NULL "
    "LEFT JOIN publication_key k ON k.id = e.publication_id "
    "LEFT JOIN publication p ON p.id = k.id AND p.starts_on = k.starts_on "
    "ORDER BY f.seq"
)
_STEPS = sa.text(
    "SELECT run_id, lo, request_id FROM cleanup_step WHERE run_id = ANY(CAST(:runs AS uuid[])) "
    "AND hi > :first AND lo <= :last ORDER BY lo"
)
_EARLIER_PENDING = sa.text(
    "SELECT count(*) FROM outbox WHERE published_at IS NULL AND subject = ANY(CAST(:subjects AS text[]))"
)
_ADVANCE = sa.text("UPDATE feed_announcement SET last_seq = :last WHERE id = 1")


@dataclass(frozen=True, slots=True)
class Announcement:
    """One event to publish: the relay's row shape (``id``, ``type``, ``envelope``), and its feed number."""

    id: uuid.UUID
    type: str
    envelope: dict[str, Any]
    feed_seq: int


@dataclass(frozen=True, slots=True)
class Batch:
    """The entries after the cursor: the clean-up ends among them, and the last feed number read."""

    after: int
    last_seq: int
    read: int
    announcements: list[Announcement]


def end_event_id(publication_id: uuid.UUID) -> uuid.UUID:
    """The id of a clean-up end's event (as the SQL of repository.bulk computes it for the sweep)."""
    return uuid.uuid3(END_EVENT_NAMESPACE, str(publication_id))


def jsonb_ordered(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` with its keys in the order PostgreSQL keeps a ``jsonb`` object's (shorter keys first, then
    byte order), nested objects too: serialised, the bytes of the same envelope stored as ``jsonb``."""
    items = sorted(value.items(), key=lambda kv: (len(kv[0].encode()), kv[0].encode()))
    return {k: jsonb_ordered(v) if isinstance(v, dict) else v for k, v in items}


def end_envelope(
    *,
    publication_id: uuid.UUID,
    record_id: uuid.UUID,
    case_id: uuid.UUID,
    party_uscc: str | None,
    department_code: str,
    reason: str,
    ended_at: datetime,
    request_id: str | None,
) -> dict[str, Any]:
    """The envelope of ``credit.publication.ended`` (contracts.credit.PublicationEnded) for one end."""
    at = json_time(ended_at)
    subject = str(publication_id)
    data = {
        "publication_id": subject,
        "record_id": str(record_id),
        "case_id": str(case_id),
        "party_uscc": party_uscc,
        "department_code": department_code,
        "reason": reason,
        "ended_at": at,
    }
    envelope = {
        "id": str(end_event_id(publication_id)),
        "type": END_TYPE,
        "version": 1,
        "source": SOURCE,
        "time": at,
        "subject": subject,
        "request_id": request_id,
        "data": data,
    }
    return jsonb_ordered(envelope)


async def lock_cursor(session: AsyncSession) -> int | None:
    """The cursor, locked until commit; None while another worker holds it (it is announcing)."""
    value = await session.scalar(_LOCK)
    return None if value is None else int(value)


async def next_batch(session: AsyncSession, after: int, n: int) -> Batch:
    """The (at most ``n``) feed entries after ``after``, and the events of the clean-up ends among them."""
    rows = (await session.execute(_NEXT, {"after": after, "n": n})).all()
    ended = [r for r in rows if r.cleanup_run_id is not None]
    # each end's step (lo <= publication seq < hi), for the request id the step ran under
    los: dict[uuid.UUID, list[int]] = {}
    request_ids: dict[uuid.UUID, list[str | None]] = {}
    if ended:
        bounds = {
            "runs": sorted({r.cleanup_run_id for r in ended}),
            "first": min(r.publication_seq for r in ended),
            "last": max(r.publication_seq for r in ended),
        }
        for s in (await session.execute(_STEPS, bounds)).all():
            los.setdefault(s.run_id, []).append(int(s.lo))
            request_ids.setdefault(s.run_id, []).append(s.request_id)
    announcements = []
    for r in ended:
        step = bisect.bisect_right(los[r.cleanup_run_id], r.publication_seq) - 1  # its index
        envelope = end_envelope(
            publication_id=r.publication_id,
            record_id=r.record_id,
            case_id=r.case_id,
            party_uscc=r.party_uscc,
            department_code=r.department_code,
            reason=r.reason,
            ended_at=r.ended_at,
            request_id=request_ids[r.cleanup_run_id][step],
        )
        announcements.append(Announcement(end_event_id(r.publication_id), END_TYPE, envelope, int(r.seq)))
    last = int(rows[-1].seq) if rows else after
    return Batch(after, last, len(rows), announcements)


async def earlier_events_pending(session: AsyncSession, announcements: list[Announcement]) -> int:
    """How many outbox rows of the announced publications (their starts) are not yet published."""
    if not announcements:
        return 0
    subjects = [a.envelope["subject"] for a in announcements]
    return int(await session.scalar(_EARLIER_PENDING, {"subjects": subjects}) or 0)


async def advance(session: AsyncSession, last_seq: int) -> None:
    await session.execute(_ADVANCE, {"last": last_seq})
