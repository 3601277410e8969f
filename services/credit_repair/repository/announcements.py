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
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import db
from services.common.events import json_time
from services.credit_repair.repository.bulk import END_EVENT_NAMESPACE

END_TYPE = "credit.publication.ended"
SOURCE = "credit_repair"

_LOCK = sa.text("SELECT last_seq FROM feed_announcement WHERE id = 1 FOR UPDATE SKIP LOCKED")
# The round's reads run straight on the session's asyncpg connection (``db.driver_connection``), as driver statements:
# SQLAlchemy's execution and result machinery cost about 4 µs of Python per row of ``_NEXT`` (10 columns, a
# million rows per clean-up), more than building and serialising the event (docs/benchmarks/cleanup-plans.md).
# The next entries after the cursor, each with its clean-up end (kind 'ended', cleanup_run_id set: the sweep's
# and single ends have outbox rows) and the publication's facts; publication_key names the partition. The
# lateral sub-selects (``OFFSET 0``: not pulled up into joins) probe the keys per entry: as a join, the planner
# hashed a sequential scan of every end for each round (29,000 ends read for 1,000 entries at 30,000; at
# 1,000,000 a round would read a million, and a clean-up's events a million rounds' worth); and the publication
# is probed in its key's partition only (run-time pruning on ``k.starts_on``), not in every year's.
_NEXT = (
    "WITH f AS (SELECT seq, publication_id, kind FROM feed_entry WHERE seq > $1 ORDER BY seq LIMIT $2) "
    "SELECT f.seq, x.* FROM f LEFT JOIN LATERAL ("
    "SELECT CAST(e.publication_id AS text) AS publication_id, e.reason, e.ended_at, e.cleanup_run_id, "
    "k.seq AS publication_seq, CAST(p.record_id AS text) AS record_id, CAST(p.case_id AS text) AS case_id, "
    "p.party_uscc, p.department_code "
    "FROM publication_end e JOIN publication_key k ON k.id = e.publication_id "
    "CROSS JOIN LATERAL (SELECT * FROM publication p WHERE p.id = k.id AND p.starts_on = k.starts_on OFFSET 0) p "
    "WHERE f.kind = 'ended' AND e.publication_id = f.publication_id AND e.cleanup_run_id IS NOT NULL OFFSET 0"
    ") x ON true ORDER BY f.seq"
)
_STEPS = (
    "SELECT run_id, lo, request_id FROM cleanup_step WHERE run_id = ANY(CAST($1 AS uuid[])) "
    "AND hi > $2 AND lo <= $3 ORDER BY lo"
)
_EARLIER_PENDING = (
    "SELECT count(*) FROM outbox WHERE published_at IS NULL AND subject = ANY(CAST($1 AS text[]))"
)
_ADVANCE = sa.text("UPDATE feed_announcement SET last_seq = :last WHERE id = 1")


class Announcement(NamedTuple):
    """One event to publish: the relay's row shape (``id``, ``type``, ``envelope``), and its feed number (a
    tuple: a frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, a million a run)."""

    id: str
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


_NAMESPACE = END_EVENT_NAMESPACE.bytes
# The variant's hex digit (RFC 4122: the top two bits of byte 8 are 10) for each digit of the MD5's
_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def end_event_id(publication_id: str) -> str:
    """The id of a clean-up end's event, ``str(uuid3(END_EVENT_NAMESPACE, publication_id))`` (RFC 4122 §4.3,
    as the SQL of repository.bulk computes it for the sweep), without building a ``UUID`` (a million a run):
    the MD5's hex digits, the version digit ``3`` and the variant digit set in the text."""
    x = hashlib.md5(_NAMESPACE + publication_id.encode(), usedforsecurity=False).hexdigest()
    return f"{x[:8]}-{x[8:12]}-3{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:]}"


async def lock_cursor(session: AsyncSession) -> int | None:
    """The cursor, locked until commit; None while another worker holds it (it is announcing)."""
    value = await session.scalar(_LOCK)
    return None if value is None else int(value)


async def next_batch(session: AsyncSession, after: int, n: int) -> Batch:
    """The (at most ``n``) feed entries after ``after``, and the events of the clean-up ends among them."""
    raw = await db.driver_connection(session)
    rows = await raw.fetch(_NEXT, after, n)
    ended = [r for r in rows if r[4] is not None]  # those with a clean-up end
    # each end's step (lo <= publication seq < hi), for the request id the step ran under
    los: dict[uuid.UUID, list[int]] = {}
    request_ids: dict[uuid.UUID, list[str | None]] = {}
    if ended:
        runs = sorted({r[4] for r in ended})
        seqs = [r[5] for r in ended]
        for run_id, lo, request_id in await raw.fetch(_STEPS, runs, min(seqs), max(seqs)):
            los.setdefault(run_id, []).append(int(lo))
            request_ids.setdefault(run_id, []).append(request_id)
    announcements = []
    # a step's ends share their time: its text is written once per run of equal times (``!=`` of two times of
    # the driver's one UTC zone compares their fields; a dict's hash of an aware time cost a microsecond)
    prev_at: datetime | None = None
    at = ""
    for (
        seq,
        publication_id,
        reason,
        ended_at,
        run_id,
        publication_seq,
        record_id,
        case_id,
        uscc,
        dept,
    ) in ended:
        if ended_at != prev_at:
            prev_at, at = ended_at, json_time(ended_at)
        step = bisect.bisect_right(los[run_id], publication_seq) - 1  # its index
        event_id = end_event_id(publication_id)
        # The envelope of ``credit.publication.ended`` (contracts.credit.PublicationEnded), its keys in the order
        # of a ``jsonb`` object's (shorter first, then byte order: the bytes the relay sent from an outbox row,
        # tests/credit_repair/test_cleanup_announcements.py); ``ended_at`` as ``json_time`` writes it. Written
        # out in the loop: a function with nine keyword arguments cost a call per end (a million a run).
        envelope = {
            "id": event_id,
            "data": {
                "reason": reason,
                "case_id": case_id,
                "ended_at": at,
                "record_id": record_id,
                "party_uscc": uscc,
                "publication_id": publication_id,
                "department_code": dept,
            },
            "time": at,
            "type": END_TYPE,
            "source": SOURCE,
            "subject": publication_id,
            "version": 1,
            "request_id": request_ids[run_id][step],
        }
        announcements.append(Announcement(event_id, END_TYPE, envelope, seq))
    last = int(rows[-1][0]) if rows else after
    return Batch(after, last, len(rows), announcements)


async def earlier_events_pending(session: AsyncSession, announcements: list[Announcement]) -> int:
    """How many outbox rows of the announced publications (their starts) are not yet published."""
    if not announcements:
        return 0
    subjects = [a.envelope["subject"] for a in announcements]
    return int(await (await db.driver_connection(session)).fetchval(_EARLIER_PENDING, subjects) or 0)


async def advance(session: AsyncSession, last_seq: int) -> None:
    await session.execute(_ADVANCE, {"last": last_seq})


_REWIND = sa.text(
    "WITH first AS (SELECT min(seq) AS seq FROM feed_entry WHERE occurred_at >= :since), "
    "c AS (SELECT last_seq FROM feed_announcement WHERE id = 1 FOR UPDATE), "
    "again AS (SELECT count(*) AS n FROM feed_entry f JOIN publication_end e ON e.publication_id = f.publication_id "
    "CROSS JOIN first CROSS JOIN c WHERE f.kind = 'ended' AND e.cleanup_run_id IS NOT NULL "
    "AND f.seq >= first.seq AND f.seq <= c.last_seq), "
    "moved AS (UPDATE feed_announcement SET last_seq = first.seq - 1 FROM first "
    "WHERE id = 1 AND first.seq IS NOT NULL AND last_seq >= first.seq) "
    "SELECT n FROM again"
)


async def rewind(session: AsyncSession, since: datetime) -> int:
    """Move the cursor back before the first feed entry at or after ``since`` (``zhifa outbox replay``): the
    clean-up ends announced since then are published again; returns how many."""
    return int(await session.scalar(_REWIND, {"since": since}) or 0)
