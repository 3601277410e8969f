"""Enterprise classes: the outbox rows classification writes set-based, in SQL, are exactly the kernel's
envelopes (issue #12, item 3) — the rows ``outbox.add`` + ``make_envelope`` write for the same event, field by
field, and a consumer's ``inbox.parse`` reads them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa

from services.common import outbox
from services.common.db import transaction
from services.common.events import Envelope
from services.common.inbox import parse
from services.common.logs import request_id_var
from services.risk import events
from services.risk.models import EnterpriseClass
from services.risk.repository import classes as class_repo
from services.risk.use_cases import classes
from tests.risk.helpers import make_uscc
from tests.support.stack import Running

OUTBOX_ROW = sa.text(
    "SELECT id, type, version, subject, envelope, published_at FROM outbox WHERE subject = :s ORDER BY seq"
)


async def _outbox_rows(session: Any, subject: str) -> list[Any]:
    """Read in the transaction that wrote the rows: the running relay cannot have published them yet."""
    return list((await session.execute(OUTBOX_ROW, {"s": subject})).all())


async def test_the_sql_outbox_row_is_the_kernels_envelope(risk: Running) -> None:
    uscc = make_uscc(4242)
    token = request_id_var.set("req-envelope-test")
    try:
        async with transaction(risk.runtime.factory) as session:
            await class_repo.ensure_enterprises(session, [uscc])
            counts = await classes.classify_enterprises(
                session, config=risk.runtime.context.config, usccs=[uscc]
            )
            [by_sql] = await _outbox_rows(session, uscc)
    finally:
        request_id_var.reset(token)
    assert (counts.written, counts.emitted) == (1, 1)  # a first classification: class A, from no class

    # The same event, built from the stored class by the contract's builder, staged by the kernel.
    async with transaction(risk.runtime.factory) as session:
        stored = await session.get_one(EnterpriseClass, uscc)
    event = events.enterprise_classified(stored, previous_class=None)
    token = request_id_var.set("req-envelope-test")
    try:
        async with transaction(risk.runtime.factory) as session:
            staged = outbox.add(session, event, at=stored.classified_at)
    finally:
        request_id_var.reset(token)
    async with transaction(risk.runtime.factory) as session:  # the kernel writes its rows as it commits
        by_kernel_row = next(r for r in await _outbox_rows(session, uscc) if r.id == staged.id)
    by_sql_row = by_sql

    # the columns
    # (the SQL row was read before its commit; the kernel's may already be published by the running relay)
    assert isinstance(by_sql_row.id, uuid.UUID) and by_sql_row.published_at is None
    assert isinstance(by_kernel_row.id, uuid.UUID)
    assert (
        (by_sql_row.type, by_sql_row.version, by_sql_row.subject)
        == (
            by_kernel_row.type,
            by_kernel_row.version,
            by_kernel_row.subject,
        )
        == ("risk.enterprise.classified", 1, uscc)
    )
    # the envelope, field by field (the ids differ: each event has its own)
    sql_json, kernel_json = dict(by_sql_row.envelope), dict(by_kernel_row.envelope)
    assert set(sql_json) == set(kernel_json) == set(Envelope.model_fields)
    assert uuid.UUID(sql_json["id"]) == by_sql_row.id and uuid.UUID(kernel_json["id"]) == by_kernel_row.id
    for field in ("type", "version", "source", "time", "subject", "request_id", "data"):
        assert sql_json[field] == kernel_json[field], field
    assert sql_json["source"] == "risk" and sql_json["request_id"] == "req-envelope-test"
    assert sql_json["data"] == event.model_dump(mode="json")
    # the kernel's models and a consumer read it
    assert Envelope.model_validate(sql_json) == Envelope.model_validate(kernel_json).model_copy(
        update={"id": by_sql_row.id}
    )
    envelope, parsed = parse(json.dumps(sql_json).encode())
    assert envelope.id == by_sql_row.id and parsed == event
