"""What a transaction writes last, and why: audit entries and numbered feed entries.

**The feed in commit order.** Integrations read every start and end of publication through a cursor. A
cursor over a sequence or identity column can skip a row: a transaction that took number 7 may commit after
the one that took number 8, and a reader who saw 8 resumes after it. Here numbers are handed out from the
single row of ``feed_counter`` *at commit*: per-row changes stage their feed entries on the session
(``stage_feed``) and a ``before_commit`` hook numbers and inserts them; bulk ends (repository.bulk) number
theirs in the statement that ends them, as the transaction's last write. The counter's row lock is held
until commit, so a transaction that numbers after another also commits after it, and every reader who sees
number n already sees 1..n-1. The price is that feed writers commit one after another for the moment of
numbering (milliseconds per transaction; the duration of the inserts for a clean-up step).

Lock order, to keep deadlocks impossible: case advisory lock → record and publication rows → notice
counter → audit chain → feed counter. Use cases defer their audit entries to the end of the transaction
(``defer_audit``/``write_deferred_audit``) for that reason.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.common import audit

FEED_PENDING_KEY = "credit_feed_pending"
AUDIT_PENDING_KEY = "credit_audit_pending"


def defer_audit(session: AsyncSession, **entry: Any) -> None:
    """Queue an audit entry; ``write_deferred_audit`` appends them as the transaction's last step before
    commit, so the audit chain's lock is taken after the notice counter (see the lock order above)."""
    session.info.setdefault(AUDIT_PENDING_KEY, []).append(entry)


async def write_deferred_audit(session: AsyncSession) -> None:
    for entry in session.info.pop(AUDIT_PENDING_KEY, []):
        await audit.append(session, **entry)


def stage_feed(
    session: AsyncSession, publication_id: uuid.UUID, kind: str, reason: str | None, at: datetime
) -> None:
    """Queue a feed entry; it is numbered and inserted when the transaction commits."""
    session.info.setdefault(FEED_PENDING_KEY, []).append((publication_id, kind, reason, at))


_FEED_INSERT = sa.text(
    "WITH x AS (SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:kinds AS text[]), CAST(:reasons AS text[]), "
    "CAST(:ats AS timestamptz[])) WITH ORDINALITY AS x(publication_id, kind, reason, at, ord)), "
    "c AS (UPDATE feed_counter SET last = last + :n WHERE id = 1 RETURNING last - :n AS base) "
    "INSERT INTO feed_entry (seq, publication_id, kind, reason, occurred_at) "
    "SELECT c.base + x.ord, x.publication_id, x.kind, x.reason, x.at FROM x CROSS JOIN c"
)


@sa.event.listens_for(Session, "before_commit")
def _number_feed_entries(session: Session) -> None:
    pending: list[tuple[uuid.UUID, str, str | None, datetime]] = session.info.pop(FEED_PENDING_KEY, [])
    if not pending:
        return
    session.execute(
        _FEED_INSERT,
        {
            "ids": [p[0] for p in pending],
            "kinds": [p[1] for p in pending],
            "reasons": [p[2] for p in pending],
            "ats": [p[3] for p in pending],
            "n": len(pending),
        },
    )


@sa.event.listens_for(Session, "after_rollback")
def _drop_feed_entries(session: Session) -> None:
    session.info.pop(FEED_PENDING_KEY, None)
    session.info.pop(AUDIT_PENDING_KEY, None)
