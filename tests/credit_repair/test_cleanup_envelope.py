"""The events a clean-up step's ends are announced with (from the feed, repository.announcements) and the
outbox rows the daily sweep builds in SQL are the kernel's envelopes: field by field what ``outbox.add``
writes for the same ``credit.publication.ended`` event (the contract's consumers in
risk, notify and penalty read them), each with a deterministic id, uuid3 of the publication's id, so a
step run again after a crash announces each end under the same id."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from services.common import clock, outbox
from services.common.contracts.credit import PublicationEnded
from services.common.db import transaction
from services.common.events import Envelope
from services.common.inbox import parse
from services.common.logs import request_id_var
from services.common.tables import outbox_t
from services.credit_repair import events
from services.credit_repair.domain import publication as pub_domain
from services.credit_repair.domain import rules
from services.credit_repair.models import CreditRecord, Publication, PublicationEnd
from services.credit_repair.repository import bulk as bulk_repo
from tests.credit_repair.helpers import (
    RULES,
    add_pending_cleanup,
    announced,
    database,
    insert,
    load_rules,
    run_pending_cleanup,
)
from tests.credit_repair.test_cleanups import random_record
from tests.support.stack import Stack

REQUEST_ID = "req-cleanup-envelope"


def _expected_id(publication_id: uuid.UUID) -> uuid.UUID:
    # RFC 4122 §4.3 name-based id, computed by Python's uuid module (not by the SQL under test)
    return uuid.uuid3(bulk_repo.END_EVENT_NAMESPACE, str(publication_id))


async def _rows_and_kernel_envelopes(factory: Any, ids: list[uuid.UUID]) -> list[tuple[Any, dict[str, Any]]]:
    """Each SQL-built outbox row beside the envelope the kernel stages for the same end."""
    async with transaction(factory) as s:
        rows = (
            await s.execute(
                sa.select(outbox_t).where(
                    outbox_t.c.type == "credit.publication.ended",
                    outbox_t.c.subject.in_([str(i) for i in ids]),
                )
            )
        ).all()
    return await _with_kernel_envelopes(factory, rows)


async def _announced_and_kernel_envelopes(factory: Any) -> list[tuple[Any, dict[str, Any]]]:
    """Each clean-up end's announced event (repository.announcements), in the shape of an outbox row, beside
    the envelope the kernel stages for the same end."""
    rows = [
        SimpleNamespace(
            id=uuid.UUID(a.id), type=a.type, version=1, subject=a.envelope["subject"], envelope=a.envelope
        )
        for a in await announced(factory)
    ]
    return await _with_kernel_envelopes(factory, rows)


async def _with_kernel_envelopes(factory: Any, rows: Sequence[Any]) -> list[tuple[Any, dict[str, Any]]]:
    out = []
    async with transaction(factory) as s:
        for row in rows:
            # the primary key is (id, starts_on): the publication is partitioned by year (credit_repair_0006)
            publication = (
                await s.scalars(sa.select(Publication).where(Publication.id == uuid.UUID(row.subject)))
            ).one()
            record = await s.get_one(CreditRecord, publication.record_id)
            end = await s.get_one(PublicationEnd, publication.id)
            event = events.publication_ended(record, publication, end.reason, end.ended_at)
            token = request_id_var.set(REQUEST_ID)
            try:
                staged = outbox.add(s, event, at=end.ended_at)
            finally:
                request_id_var.reset(token)
            out.append((row, json.loads(staged.model_dump_json())))
        outbox.take_staged(s)  # compared, not written
    return out


def _assert_same(row: Any, kernel: dict[str, Any]) -> None:
    sql = dict(row.envelope)
    assert (row.type, row.version, row.subject) == ("credit.publication.ended", 1, kernel["subject"])
    assert set(sql) == set(kernel) == set(Envelope.model_fields)
    for field in ("type", "version", "source", "time", "subject", "request_id", "data"):
        assert sql[field] == kernel[field], field
    assert sql["request_id"] == REQUEST_ID and sql["source"] == "credit_repair"
    publication_id = uuid.UUID(kernel["subject"])
    assert uuid.UUID(sql["id"]) == row.id == _expected_id(publication_id)
    envelope, parsed = parse(json.dumps(sql).encode())
    assert isinstance(parsed, PublicationEnded) and envelope.id == row.id
    assert parsed.publication_id == publication_id


async def test_a_clean_up_steps_announced_events_are_the_kernels_envelopes(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    today = clock.today()
    current = rules.rule_set_for(rules.parse_rule_sets(RULES), today)
    rng = random.Random(16)
    records = [
        r
        for r in (random_record(rng, today) for _ in range(300))
        if pub_domain.end_reason_for_cleanup(r, current, today)
    ]
    assert len(records) >= 20
    async with database(url) as factory:
        await load_rules(factory)
        ids = await insert(factory, records)
        await add_pending_cleanup(factory, today, rule_set_id=current.id)
        await run_pending_cleanup(factory, REQUEST_ID)
        async with transaction(factory) as s:  # no outbox row per end: the feed is announced instead
            assert not await s.scalar(sa.select(sa.func.count()).select_from(outbox_t))
        pairs = await _announced_and_kernel_envelopes(factory)
    assert sorted(uuid.UUID(row.subject) for row, _ in pairs) == sorted(ids)
    for row, kernel in pairs:
        _assert_same(row, kernel)


async def test_the_sweeps_outbox_rows_are_the_kernels_envelopes(stack: Stack) -> None:
    url = await stack.anew_database("credit_repair")
    today = clock.today()
    rng = random.Random(17)
    records = [random_record(rng, today) for _ in range(40)]
    async with database(url) as factory:
        await load_rules(factory)
        ids = await insert(factory, records)
        async with transaction(factory) as s:  # every maximum period has run
            await s.execute(sa.update(Publication).values(max_ends_on=today - timedelta(days=1)))
        token = request_id_var.set(REQUEST_ID)
        try:
            async with transaction(factory) as s:
                ended = await bulk_repo.sweep_expired(s, today=today, now=clock.now())
        finally:
            request_id_var.reset(token)
        pairs = await _rows_and_kernel_envelopes(factory, ids)
    assert ended == len(records) == len(pairs)
    for row, kernel in pairs:
        _assert_same(row, kernel)
