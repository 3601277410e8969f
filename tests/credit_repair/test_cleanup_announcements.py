"""A clean-up step writes no outbox rows; its ``credit.publication.ended`` events are published from the feed
(repository.announcements) through the kernel relay's publishing, on a real NATS server: the same envelopes
the outbox carried (the kernel's, byte for byte as stored ``jsonb``, ids uuid3 of the publication ids), each
once, after the publication's earlier events, and again under the same ids after a crash before the cursor
moved (the stream's duplicate window drops the repeats)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock, outbox
from services.common.bus import Bus
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.logs import request_id_var
from services.common.outbox import Relay
from services.common.tables import outbox_t
from services.credit_repair import events
from services.credit_repair.domain import publication as pub_domain
from services.credit_repair.domain import rules
from services.credit_repair.models import CreditRecord, FeedCounter, Publication, PublicationEnd
from services.credit_repair.repository import announcements as announcements_repo
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.repository.announcements import Announcement
from services.credit_repair.use_cases import announcements
from tests.credit_repair.helpers import (
    RULES,
    add_pending_cleanup,
    database,
    ended_on_stream,
    insert,
    load_rules,
    run_pending_cleanup,
)
from tests.credit_repair.test_cleanups import random_record
from tests.support.stack import Stack

REQUEST_ID = "req-cleanup-announce"
SUBJECT = "credit.publication.ended"


class Crash(Exception):
    """The worker dies after JetStream acknowledged the events, before the cursor's transaction commits."""


async def _cleaned_up(stack: Stack, seed: int, n: int) -> tuple[str, list[uuid.UUID]]:
    """A database with ``n`` random publications, a clean-up run over them (steps of 100, two at a time,
    under ``REQUEST_ID``); the ids of those it ended."""
    url = await stack.anew_database("credit_repair")
    today = clock.today()
    current = rules.rule_set_for(rules.parse_rule_sets(RULES), today)
    rng = random.Random(seed)
    records = [random_record(rng, today) for _ in range(n)]
    async with database(url) as factory:
        await load_rules(factory)
        ids = await insert(factory, records)
        await add_pending_cleanup(factory, today, rule_set_id=current.id)
        await run_pending_cleanup(factory, REQUEST_ID)
    ended = [
        pid
        for pid, r in zip(ids, records, strict=True)
        if pub_domain.end_reason_for_cleanup(r, current, today)
    ]
    assert len(ended) >= 20
    return url, ended


async def _announce_all(factory: async_sessionmaker[AsyncSession], relay: Relay) -> None:
    while await announcements.announce_cleanup_ends(factory, relay.publish, batch_size=50):
        pass


async def _cursor(factory: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """(announced up to, feed numbered up to)."""
    async with transaction(factory) as s:
        announced = int(await s.scalar(sa.text("SELECT last_seq FROM feed_announcement WHERE id = 1")) or 0)
        last = await s.get_one(FeedCounter, 1)
        return announced, last.last


async def _kernel_envelope(
    factory: async_sessionmaker[AsyncSession], publication_id: uuid.UUID
) -> dict[str, Any]:
    """The envelope ``outbox.add`` stages for the same end (not written; its id is random)."""
    async with transaction(factory) as s:
        publication = (await s.scalars(sa.select(Publication).where(Publication.id == publication_id))).one()
        record = await s.get_one(CreditRecord, publication.record_id)
        end = await s.get_one(PublicationEnd, publication_id)
        token = request_id_var.set(REQUEST_ID)
        try:
            staged = outbox.add(
                s, events.publication_ended(record, publication, end.reason, end.ended_at), at=end.ended_at
            )
        finally:
            request_id_var.reset(token)
        outbox.take_staged(s)
        return dict(json.loads(staged.model_dump_json()))


async def _as_jsonb(factory: async_sessionmaker[AsyncSession], body: bytes) -> bytes:
    """``body`` stored as ``jsonb`` and read back as the relay reads an outbox row (orjson), serialised again."""
    async with transaction(factory) as s:
        text = await s.scalar(sa.text("SELECT CAST(CAST(:b AS jsonb) AS text)"), {"b": body.decode()})
    return orjson.dumps(orjson.loads(str(text)))


async def test_a_clean_up_is_announced_from_the_feed_as_the_outbox_did(
    stack: Stack, nats_server: EmbeddedNats, bus: Bus
) -> None:
    url, ended = await _cleaned_up(stack, 25, 300)
    subjects = {str(i) for i in ended}
    async with database(url) as factory:
        async with transaction(factory) as s:  # the sweep's ends keep their outbox rows: not announced again
            await s.execute(
                sa.update(Publication)
                .where(Publication.id.not_in(ended))
                .values(max_ends_on=clock.today() - timedelta(days=1))
            )
            swept = await bulk_repo.sweep_expired(s, today=clock.today(), now=clock.now())
        async with transaction(factory) as s:
            rows = await s.scalar(
                sa.select(sa.func.count()).select_from(outbox_t).where(outbox_t.c.type == SUBJECT)
            )
            cleanup_rows = await s.scalar(
                sa.select(sa.func.count())
                .select_from(outbox_t)
                .where(outbox_t.c.type == SUBJECT, outbox_t.c.subject.in_(subjects))
            )
        assert cleanup_rows == 0  # no outbox row per clean-up end
        assert rows and swept
        relay = Relay(service="credit_repair", factory=factory, bus=bus, database_url=url)
        try:
            await _announce_all(factory, relay)
        finally:
            await relay.close()
        announced, numbered = await _cursor(factory)
        assert announced == numbered
        published = await ended_on_stream(nats_server.url, subjects)
        assert sorted(uuid.UUID(m) for m, _ in published) == sorted(
            uuid.uuid3(bulk_repo.END_EVENT_NAMESPACE, str(i)) for i in ended
        )
        for msg_id, body in published:
            envelope = json.loads(body)
            assert envelope["id"] == msg_id
            kernel = await _kernel_envelope(factory, uuid.UUID(envelope["subject"]))
            assert {**envelope, "id": kernel["id"]} == kernel  # the kernel's ids are random; ours uuid3
            assert envelope["request_id"] == REQUEST_ID and envelope["data"]["reason"].startswith("cleanup_")
            assert body == await _as_jsonb(factory, body)  # the bytes of the envelope as an outbox row

        # zhifa outbox replay: the clean-up ends are published again (the sweep's ends are outbox rows)
        assert await announcements.replay(factory, clock.now() - timedelta(days=1)) == len(ended)
        assert (await _cursor(factory))[0] == 0
        relay = Relay(service="credit_repair", factory=factory, bus=bus, database_url=url)
        sent: list[str | None] = []

        async def publish(rows: Sequence[Announcement]) -> list[str | None]:
            sent.extend(await relay.publish(rows))
            return sent[-len(rows) :]

        try:
            while await announcements.announce_cleanup_ends(factory, publish, batch_size=50):
                pass
        finally:
            await relay.close()
        assert len(sent) == len(ended) and all(sent)
        assert await _cursor(factory) == (numbered, numbered)
        assert await announcements.replay(factory, clock.now() + timedelta(days=1)) == 0  # nothing since then


async def test_a_crash_before_the_cursor_moves_publishes_again_under_the_same_ids(
    stack: Stack, nats_server: EmbeddedNats, bus: Bus
) -> None:
    url, ended = await _cleaned_up(stack, 26, 300)
    subjects = {str(i) for i in ended}
    async with database(url) as factory:
        relay = Relay(service="credit_repair", factory=factory, bus=bus, database_url=url)
        acked: list[str | None] = []

        async def publish_then_crash(rows: Sequence[Announcement]) -> list[str | None]:
            acked.extend(await relay.publish(rows))
            raise Crash

        before = await _cursor(factory)
        with pytest.raises(Crash):
            await announcements.announce_cleanup_ends(factory, publish_then_crash, batch_size=10_000)
        assert acked and all(acked)  # every event reached the stream ...
        assert await _cursor(factory) == before  # ... and the cursor did not move
        assert len(await ended_on_stream(nats_server.url, subjects)) == len(ended)

        async def half_acknowledged(rows: Sequence[Announcement]) -> list[str | None]:
            sent = await relay.publish(rows)
            return [s if i < len(rows) // 2 else None for i, s in enumerate(sent)]

        assert not await announcements.announce_cleanup_ends(factory, half_acknowledged, batch_size=10_000)
        announced, numbered = await _cursor(factory)
        assert before[0] < announced < numbered  # stopped before the first unacknowledged end
        await _announce_all(factory, relay)
        await relay.close()
        assert (await _cursor(factory))[0] == numbered
        published = await ended_on_stream(nats_server.url, subjects)
        assert len(published) == len(ended)  # three publications of each event, one message each
        assert {m for m, _ in published} == {
            str(uuid.uuid3(bulk_repo.END_EVENT_NAMESPACE, s)) for s in subjects
        }


async def test_an_end_waits_for_its_publications_earlier_events(
    stack: Stack, nats_server: EmbeddedNats, bus: Bus
) -> None:
    url, ended = await _cleaned_up(stack, 27, 300)
    subjects = {str(i) for i in ended}
    async with database(url) as factory:
        async with transaction(factory) as s:  # the start of one ended publication is still in the outbox
            started = outbox.add(
                s,
                events.publication_started(
                    await s.get_one(
                        CreditRecord,
                        (
                            await s.scalars(
                                sa.select(Publication.record_id).where(Publication.id == ended[0])
                            )
                        ).one(),
                    ),
                    (await s.scalars(sa.select(Publication).where(Publication.id == ended[0]))).one(),
                    pub_domain.Window(clock.today(), clock.today(), clock.today(), True),
                ),
            )
        relay = Relay(service="credit_repair", factory=factory, bus=bus, database_url=url)
        try:
            before = await _cursor(factory)
            assert not await announcements.announce_cleanup_ends(factory, relay.publish, batch_size=10_000)
            assert await _cursor(factory) == before
            assert await ended_on_stream(nats_server.url, subjects) == []
            async with transaction(factory) as s:
                await s.execute(
                    sa.update(outbox_t).where(outbox_t.c.id == started.id).values(published_at=clock.now())
                )
            await _announce_all(factory, relay)
        finally:
            await relay.close()
        assert len(await ended_on_stream(nats_server.url, subjects)) == len(ended)


async def test_a_round_reads_the_ends_of_its_own_entries_only(stack: Stack) -> None:
    url, ended = await _cleaned_up(stack, 28, 3000)
    async with database(url) as factory:
        async with transaction(factory) as s:
            await s.execute(sa.text("ANALYZE"))
        async with transaction(factory) as s:
            batch = await announcements_repo.next_batch(s, 0, 100)
            # rows of publication_end read by sequential scans, and entries of its key read, in this transaction
            scanned = await s.scalar(
                sa.text("SELECT pg_stat_get_xact_tuples_returned(CAST('publication_end' AS regclass))")
            )
            probed = await s.scalar(
                sa.text("SELECT pg_stat_get_xact_tuples_returned(CAST('pk_publication_end' AS regclass))")
            )
    assert batch.read == 100 and len(batch.announcements) == 100
    # one probe per entry of the round: 100 ends, not the whole table's (a hash join read all of them)
    assert len(ended) > 2000 and scanned == 0 and probed == 100, (scanned, probed)
