"""The ``risk.enterprise.classified`` events of a first classification, announced from the classes it wrote
instead of its outbox rows.

A first classification (every enterprise, ``enterprise_class`` empty) writes every class and, before, one
outbox row per class: at 5,000,000 enterprises ~74 of the statement's 137 s and 67 % of its WAL
(docs/benchmarks/risk-first-plans.md). It now writes the classes and one ``class_announcement`` row (risk_0019);
the ``announce-classes`` job publishes the events afterwards through the service's relay (``Relay.publish``:
atomic batches, ``Nats-Msg-Id`` = event id), from the classes by a cursor over the USCC.

**The same events.** Each event is the envelope the outbox row carried (``classes.envelope_sql``, the same
SQL): type, version, source, ``time`` = ``data.classified_at`` = the run's time, subject = USCC, the run's
request id, class, ``previous_class`` null, score, reason texts, revision 1. What changes: the id was random
(``gen_random_uuid()``); it is now ``uuid3(announcement id, uscc)``, so a round published again carries the
same ids. The events reach NATS after the run's commit, at the job's pace, not with it.

**What is announced.** The classes of the run are the rows whose ``classified_at`` is still the run's time
(every row of a first classification carries it; any later write of a row sets its own transaction's time).
A row rewritten since had its first event written to the outbox by the run that rewrote it (below), so the
cursor skips it.

**At least once, nothing skipped.** A round locks the announcement row, reads the next classes by USCC after
``after_uscc``, publishes them and moves the cursor past what JetStream acknowledged (stopping before the
first refused one), in one transaction; a crash before the commit publishes the same events again under the
same ids (the stream's duplicate window, then the consumers' inboxes, drop them). The set announced is fixed
when the run commits (no class carries its time afterwards but its own), so an order by USCC skips nothing.

**In order per enterprise.** A later classification of an enterprise (incremental, through the outbox) must
not reach consumers before the first one's event. Every classification first locks the pending announcements
(``pending``: ``FOR SHARE``, a full run ``FOR UPDATE``; the announcing round holds ``FOR UPDATE`` while it
publishes, so the two wait for each other, one round at most), and writes into the outbox, ahead of its own
rows, the first-run events of its enterprises still unannounced (``take_over``; a full run takes over every
one and closes the announcement). The relay publishes outbox rows in their order. An enterprise taken over
but not rewritten is announced again later under the same id (a duplicate, dropped as above).

``zhifa outbox replay --service risk`` rewinds the announcements of first classifications made since the
given time (``rewind``). The migration's downgrade refuses while one is not done.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import outbox
from services.common.contracts.risk import EnterpriseClassified
from services.risk.repository.classes import envelope_sql

EVENT_TYPE = EnterpriseClassified.TYPE

#: ``uuid3(announcement id, uscc)`` in SQL: the MD5 of the namespace's bytes and the name, version 3, RFC variant.
_EVENT_ID = (
    "CAST(encode(set_byte(set_byte(h.md5, 6, (get_byte(h.md5, 6) & 15) | 48), 8, "
    "(get_byte(h.md5, 8) & 63) | 128), 'hex') AS uuid)"
)


def _events_sql(*, subset: bool, limit: bool) -> str:
    """The first-run events still to announce of announcement ``:ns`` (its time ``:at``) after ``:after``, in
    USCC order: (event_id, uscc, envelope); ``subset``: of the USCCs ``:usccs`` only; ``limit``: among the
    USCCs ``:keys`` (a round's keys, ``_KEYS``)."""
    among = " AND c.uscc = ANY(CAST(:usccs AS text[]))" if subset else ""
    among += " AND c.uscc = ANY(CAST(:keys AS text[]))" if limit else ""
    return f"""SELECT ev.event_id, ev.uscc, {envelope_sql("ev")} AS envelope
FROM (
    SELECT {_EVENT_ID} AS event_id, c.uscc, c.class, CAST(NULL AS text) AS previous_class, c.score,
           c.reason_texts, c.revision
    FROM enterprise_class c
    CROSS JOIN LATERAL (
        SELECT decode(md5(CAST(:ns AS bytea) || convert_to(c.uscc, 'UTF8')), 'hex') AS md5
    ) h
    WHERE c.uscc > :after AND c.classified_at = :at{among}
    ORDER BY c.uscc
) ev"""


# A round's keys: the next ``:n`` USCCs of the primary key after the cursor, whatever their time (an index-only
# range scan). Filtering by the run's time in the same scan let the planner sort every class per round when the
# table's statistics were those of the empty table the run started from (2 s a round at 5 M).
_KEYS = sa.text("SELECT uscc FROM enterprise_class WHERE uscc > :after ORDER BY uscc LIMIT :n")
_BATCH = sa.text(
    f"WITH b AS ({_events_sql(subset=False, limit=True)}) "
    "SELECT event_id, uscc, CAST(envelope AS text) FROM b ORDER BY uscc"
)
_TAKE_OVER = {
    subset: sa.text(
        "INSERT INTO outbox (id, type, version, subject, envelope) "
        "SELECT t.event_id, CAST(:event_type AS text), CAST(:event_version AS integer), t.uscc, t.envelope "
        f"FROM ({_events_sql(subset=subset, limit=False)}) t ORDER BY t.uscc"
    )
    for subset in (False, True)
}
_PENDING = "SELECT id, classified_at, at_text, request_id, after_uscc FROM class_announcement WHERE NOT done"
_LOCK_ANNOUNCING = sa.text("SELECT pg_try_advisory_xact_lock(hashtextextended('risk-class-announcement', 0))")


@dataclass(frozen=True, slots=True)
class Pending:
    """A first classification not yet wholly announced."""

    id: uuid.UUID
    classified_at: datetime
    at_text: str
    request_id: str | None
    after_uscc: str

    def params(self) -> dict[str, Any]:
        return {
            "ns": self.id.bytes,
            "at": self.classified_at,
            "at_text": self.at_text,
            "request_id": self.request_id,
            "after": self.after_uscc,
            "event_type": EVENT_TYPE,
            "event_version": EnterpriseClassified.VERSION,
        }


@dataclass(frozen=True, slots=True)
class Announcement:
    """One event to publish: the relay's row shape (``id``, ``type``, ``envelope``) and its USCC."""

    id: str
    type: str
    envelope: dict[str, Any]
    uscc: str


async def create(session: AsyncSession, *, at: datetime, at_text: str, request_id: str | None) -> uuid.UUID:
    """The announcement of the first classification this transaction wrote (its classes carry ``at``)."""
    announcement_id = uuid.uuid4()
    await session.execute(
        sa.text(
            "INSERT INTO class_announcement (id, classified_at, at_text, request_id) "
            "VALUES (:id, :at, :at_text, :request_id)"
        ),
        {"id": announcement_id, "at": at, "at_text": at_text, "request_id": request_id},
    )
    return announcement_id


async def pending(session: AsyncSession, *, exclusive: bool) -> list[Pending]:
    """The announcements not done, locked until commit (``exclusive``: ``FOR UPDATE``, else ``FOR SHARE``)."""
    lock = "UPDATE" if exclusive else "SHARE"
    rows = await session.execute(sa.text(f"{_PENDING} ORDER BY classified_at FOR {lock}"))
    return [Pending(*r) for r in rows.all()]


async def take_over(
    session: AsyncSession, announcements: Sequence[Pending], usccs: Sequence[str] | None
) -> int:
    """Write into the outbox the unannounced first-run events of ``usccs`` (None: of every enterprise, and the
    announcements are closed): a classification does it before writing its own rows, so its events follow
    them. Returns how many."""
    written = 0
    for a in announcements:
        params = a.params()
        if usccs is not None:
            params["usccs"] = sorted(set(usccs))
        result = await session.execute(_TAKE_OVER[usccs is not None], params)
        written += int(getattr(result, "rowcount", 0) or 0)
        if usccs is None:
            await session.execute(
                sa.text("UPDATE class_announcement SET done = true WHERE id = :id"), {"id": a.id}
            )
    if written:
        await session.execute(sa.text(f"NOTIFY {outbox.NOTIFY_CHANNEL}"))
    return written


async def lock_next(session: AsyncSession) -> Pending | None:
    """The oldest announcement not done, locked for this round; None when there is none or another worker
    is announcing."""
    if not await session.scalar(_LOCK_ANNOUNCING):
        return None
    row = (await session.execute(sa.text(f"{_PENDING} ORDER BY classified_at LIMIT 1 FOR UPDATE"))).first()
    return None if row is None else Pending(*row)


@dataclass(frozen=True, slots=True)
class Batch:
    """A round's keys (how many, the last) and the events among them."""

    scanned: int
    last_key: str | None
    announcements: list[Announcement]


async def next_batch(session: AsyncSession, announcement: Pending, n: int) -> Batch:
    """The next ``n`` USCCs after the cursor, and the events of ``announcement`` among them, in USCC order."""
    keys = list((await session.scalars(_KEYS, {"after": announcement.after_uscc, "n": n})).all())
    if not keys:
        return Batch(0, None, [])
    rows = await session.execute(_BATCH, {**announcement.params(), "keys": keys})
    found = [Announcement(str(i), EVENT_TYPE, orjson.loads(env), uscc) for i, uscc, env in rows.all()]
    return Batch(len(keys), keys[-1], found)


async def advance(session: AsyncSession, announcement: Pending, after_uscc: str, *, done: bool) -> None:
    await session.execute(
        sa.text("UPDATE class_announcement SET after_uscc = :after, done = :done WHERE id = :id"),
        {"id": announcement.id, "after": after_uscc, "done": done},
    )


_REWIND = sa.text(
    "WITH a AS (SELECT id, classified_at FROM class_announcement WHERE classified_at >= :since FOR UPDATE), "
    "again AS (SELECT count(*) AS n FROM a JOIN class_announcement x ON x.id = a.id "
    "JOIN enterprise_class c ON c.classified_at = a.classified_at "
    "WHERE x.done OR c.uscc <= x.after_uscc), "
    "moved AS (UPDATE class_announcement x SET after_uscc = '', done = false FROM a WHERE x.id = a.id) "
    "SELECT n FROM again"
)


async def rewind(session: AsyncSession, since: datetime) -> int:
    """Announce again the first classifications made at or after ``since`` (``zhifa outbox replay``): their
    cursors go back to the start; returns how many events are published again."""
    return int(await session.scalar(_REWIND, {"since": since}) or 0)
