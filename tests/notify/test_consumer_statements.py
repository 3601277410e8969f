"""What notify's consumer sends to PostgreSQL for one event (issue #16: the Python cost of each statement is
most of a consumer's CPU per event; docs/benchmarks/consumer-profile.md): the webhook queue is one statement
however many endpoints are subscribed, and the same rows as before, once per endpoint and event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from services.common.db import create_engine, session_factory, transaction
from services.common.events import make_envelope
from services.notify.use_cases import notifications, webhooks
from tests.notify.helpers import visit_started
from tests.support.stack import Stack


@pytest.fixture
async def factory(stack: Stack) -> AsyncIterator[Any]:
    engine = create_engine(await stack.anew_database("notify"), pool_size=2)
    try:
        yield engine, session_factory(engine)
    finally:
        await engine.dispose()


async def _endpoint(factory: Any, types: list[str], *, active: bool = True) -> uuid.UUID:
    endpoint_id = uuid.uuid4()
    async with transaction(factory) as session:
        await session.execute(
            sa.text(
                "INSERT INTO webhook_endpoint (id, client, url, event_types, active, created_by) "
                "VALUES (:id, '12345', 'https://hooks.example.test/in', :types, :active, 'admin-1')"
            ),
            {"id": endpoint_id, "types": types, "active": active},
        )
    return endpoint_id


async def test_the_webhook_queue_is_one_statement_for_every_subscribed_endpoint(factory: Any) -> None:
    engine, sessions = factory
    subscribed = {
        await _endpoint(sessions, ["inspection.visit.started"]),
        await _endpoint(sessions, ["risk.warning.issued", "inspection.visit.started"]),
    }
    await _endpoint(sessions, ["inspection.visit.started"], active=False)  # not queued: inactive
    await _endpoint(sessions, ["risk.warning.issued"])  # not queued: another type
    envelope = make_envelope(visit_started(), source="inspection")

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with transaction(sessions) as session:
            queued = await webhooks.enqueue(session, envelope)
        queued_statements = len(statements)
        async with transaction(sessions) as session:  # the same event again: nothing new
            again = await webhooks.enqueue(session, envelope)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)

    # two endpoints are active and subscribed to the type: two deliveries, in one statement (it was one lookup
    # and one insert per endpoint: three)
    assert (queued, queued_statements, again) == (2, 1, 0)
    async with transaction(sessions) as session:
        rows = (
            await session.execute(
                sa.text(
                    "SELECT endpoint_id, event_id, event_type, subject, event_time, payload, status, attempts "
                    "FROM webhook_delivery"
                )
            )
        ).all()
    assert {r.endpoint_id for r in rows} == subscribed and len(rows) == 2
    for row in rows:
        assert (row.event_id, row.event_type, row.subject, row.event_time) == (
            envelope.id,
            "inspection.visit.started",
            envelope.subject,
            envelope.time,
        )
        assert row.payload == envelope.model_dump(mode="json") and (row.status, row.attempts) == (
            "pending",
            0,
        )


async def test_a_notification_is_numbered_logged_and_announced_in_two_statements(factory: Any) -> None:
    """The recipient's number, the log row and the NOTIFY (a lookup, the counter, the insert and the NOTIFY
    before: four); the same event again logs nothing and leaves the counter where it was."""
    engine, sessions = factory
    uscc = "91210102MASTMT001"
    first, second = (make_envelope(visit_started(uscc), source="inspection") for _ in range(2))
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        recorded = []
        for envelope in (first, second, first):
            before = len(statements)
            async with transaction(sessions) as session:
                recorded.append(await notifications.record(session, envelope, visit_started(uscc)))
            recorded.append(len(statements) - before)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)

    # (new, statements) per call: the first event (log + NOTIFY), the second, the first again (the log only)
    assert recorded == [1, 2, 1, 2, 0, 1]
    async with transaction(sessions) as session:
        rows = (
            await session.execute(
                sa.text("SELECT seq, source_event_id FROM notification WHERE recipient_id = :u ORDER BY seq"),
                {"u": uscc},
            )
        ).all()
        last = await session.scalar(
            sa.text("SELECT last_seq FROM notification_counter WHERE recipient_id = :u"), {"u": uscc}
        )
    assert [(r.seq, r.source_event_id) for r in rows] == [(1, first.id), (2, second.id)] and last == 2
