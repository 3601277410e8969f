"""Every service's audit checkpoints, verified and kept by the supervisors' service (issue #13).

A checkpoint is kept only when it is signed by a key the configuration lists for the service that published
it (``audit_checkpoint_keys_file``) and names that service. A forged one, or a second checkpoint of the same
entry with another hash (a rewritten chain signed again), is refused: dead-lettered at once with the reason,
where administrators see it (``GET /api/v1/risk/admin/dead-letters``), never stored as if it were true.
"""

from __future__ import annotations

import logging
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit_api import CheckpointRead
from services.common.checkpoints import Checkpoint
from services.common.contracts.audit import CheckpointSigned
from services.common.inbox import PoisonMessage
from services.common.pagination import Page, cursor_int, decode_cursor, page_of
from services.risk.models import ReceivedCheckpoint
from services.risk.repository import checkpoints as repo

log = logging.getLogger(__name__)


class CheckpointRefused(PoisonMessage):
    """A checkpoint risk will not keep (forged, misattributed, or contradicting a kept one)."""


async def receive(
    session: AsyncSession,
    event: CheckpointSigned,
    *,
    source: str,
    event_id: uuid.UUID,
    keys: dict[str, dict[str, Ed25519PublicKey]],
) -> ReceivedCheckpoint:
    """Verify and keep one checkpoint published by ``source``; idempotent for the same checkpoint."""
    checkpoint = Checkpoint(
        event.service, event.seq, event.hash, event.entry_at, event.signed_at, event.kid, event.signature
    )
    if event.service != source:
        raise _refused(f"checkpoint names service {event.service!r} but was published by {source!r}")
    if not checkpoint.verifies_with(keys.get(source, {})):
        raise _refused(
            f"{source} checkpoint {event.seq}: the signature does not verify with key {event.kid!r}"
        )
    kept = await repo.get(session, source, event.seq)
    if kept is not None:
        if kept.hash != event.hash:
            raise _refused(
                f"{source} checkpoint {event.seq} has hash {event.hash}, but {kept.hash} was signed for the "
                "same entry before: the chain was rewritten"
            )
        return kept
    row = ReceivedCheckpoint(
        service=source,
        seq=event.seq,
        hash=event.hash,
        entry_at=event.entry_at,
        signed_at=event.signed_at,
        kid=event.kid,
        signature=event.signature,
        event_id=event_id,
    )
    repo.add(session, row)
    return row


def _refused(reason: str) -> CheckpointRefused:
    log.error("audit checkpoint refused: %s", reason)
    return CheckpointRefused(reason)


async def listing(
    session: AsyncSession, service: str, *, limit: int, cursor: str | None
) -> Page[CheckpointRead]:
    """The checkpoints kept for ``service``, newest first."""
    before = decode_cursor(cursor)
    if before is not None:
        before = cursor_int(before)  # a seq past bigint failed in the database: a 500
    rows = await repo.page(session, service, limit=limit, before_seq=before)
    items = [CheckpointRead.model_validate(r, from_attributes=True) for r in rows]
    return page_of(items, limit, key=lambda c: c.seq)
