"""A first classification writes no outbox rows; its ``risk.enterprise.classified`` events are announced from
its classes (repository.announcements) through the kernel relay's publishing, on a real NATS server: the
envelopes the outbox carried (the kernel's, ids uuid3 of the announcement and the USCC), each once, again
under the same ids after a crash before the cursor moved, and never after a later class of the same
enterprise (its first event goes to the outbox ahead of the later one)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from services.common import clock, migrate, outbox
from services.common.bus import Bus
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedNats
from services.common.logs import request_id_var
from services.common.outbox import Relay
from services.risk import events
from services.risk.models import ClassAnnouncement, EnterpriseClass, RiskEnterprise, ViolationSignal
from services.risk.repository.announcements import Announcement
from services.risk.settings import RiskContext, RiskSettings
from services.risk.use_cases import announcements, classes
from tests.risk.helpers import TODAY, make_uscc
from tests.support.stack import Stack
from tests.support.streams import messages_about
from zhifa import cli

REQUEST_ID = "req-first-classification"
SUBJECT = "risk.enterprise.classified"


class Crash(Exception):
    """The worker dies after JetStream acknowledged the events, before the cursor's transaction commits."""


@asynccontextmanager
async def _database(stack: Stack) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    url = await stack.anew_database("risk")
    engine = create_engine(url, pool_size=4)
    try:
        yield url, session_factory(engine)
    finally:
        await engine.dispose()


def _context(url: str) -> RiskContext:
    return RiskContext.from_settings(RiskSettings(database_url=url))


async def _first_classification(
    factory: async_sessionmaker[AsyncSession], context: RiskContext, base: int, n: int
) -> list[str]:
    """``n`` enterprises, enterprise i with 3 * (i % 4) violations found ten days ago (classes differ), classified
    for the first time under ``REQUEST_ID``; their USCCs."""
    usccs = [make_uscc(base + i) for i in range(n)]
    async with transaction(factory) as s:
        await s.execute(sa.insert(RiskEnterprise), [{"uscc": u} for u in usccs])
        violations = [
            {"violation_id": uuid.uuid4(), "uscc": u, "found_on": TODAY - timedelta(days=10)}
            for i, u in enumerate(usccs)
            for _ in range(3 * (i % 4))
        ]
        await s.execute(sa.insert(ViolationSignal), violations)
    token = request_id_var.set(REQUEST_ID)
    try:
        async with transaction(factory) as s:
            counts = await classes.classify_enterprises(s, config=context.config)
    finally:
        request_id_var.reset(token)
    assert (counts.written, counts.emitted, counts.first) == (n, n, True)
    return usccs


async def _outbox_events(factory: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with transaction(factory) as s:
        rows = await s.execute(
            sa.text("SELECT envelope FROM outbox WHERE type = :t ORDER BY seq"), {"t": SUBJECT}
        )
        return [r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in rows.all()]


async def _announcement(factory: async_sessionmaker[AsyncSession]) -> ClassAnnouncement:
    async with transaction(factory) as s:
        return (await s.scalars(sa.select(ClassAnnouncement))).one()


async def _announce_all(factory: async_sessionmaker[AsyncSession], publish: announcements.Publish) -> None:
    while await announcements.announce_classes(factory, publish, batch_size=7):
        pass


async def _kernel_envelope(factory: async_sessionmaker[AsyncSession], uscc: str) -> dict[str, Any]:
    """The envelope ``outbox.add`` stages for the first classification of ``uscc`` (not written; random id)."""
    async with transaction(factory) as s:
        stored = await s.get_one(EnterpriseClass, uscc)
        token = request_id_var.set(REQUEST_ID)
        try:
            staged = outbox.add(
                s, events.enterprise_classified(stored, previous_class=None), at=stored.classified_at
            )
        finally:
            request_id_var.reset(token)
        outbox.take_staged(s)
        return dict(json.loads(staged.model_dump_json()))


async def _on_stream(nats_url: str, usccs: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """(Nats-Msg-Id, envelope) of every ``risk.enterprise.classified`` message about ``usccs``, stream order."""
    return [
        (msg_id, json.loads(body)) for msg_id, body in await messages_about(nats_url, "RISK", SUBJECT, usccs)
    ]


async def test_a_first_classification_is_announced_as_the_outbox_did(
    stack: Stack, nats_server: EmbeddedNats, bus: Bus
) -> None:
    async with _database(stack) as (url, factory):
        usccs = await _first_classification(factory, _context(url), 100, 40)
        assert await _outbox_events(factory) == []  # no outbox row per class
        announcement = await _announcement(factory)
        assert (announcement.after_uscc, announcement.done, announcement.request_id) == (
            "",
            False,
            REQUEST_ID,
        )
        relay = Relay(service="risk", factory=factory, bus=bus, database_url=url)
        try:
            await _announce_all(factory, relay.publish)
        finally:
            await relay.close()
        announcement = await _announcement(factory)
        assert (announcement.after_uscc, announcement.done) == (max(usccs), True)
        published = await _on_stream(nats_server.url, set(usccs))
        assert sorted(m for m, _ in published) == sorted(str(uuid.uuid3(announcement.id, u)) for u in usccs)
        assert [e["subject"] for _, e in published] == sorted(usccs)  # in USCC order, each once
        for msg_id, envelope in published:
            assert envelope["id"] == msg_id
            kernel = await _kernel_envelope(factory, envelope["subject"])
            assert {**envelope, "id": kernel["id"]} == kernel  # the kernel's ids are random; ours uuid3
        assert {e["data"]["risk_class"] for _, e in published} == {
            "A",
            "B",
            "C",
        }  # 0, 3 and 6 or 9 violations
        assert all(e["data"]["revision"] == 1 and e["request_id"] == REQUEST_ID for _, e in published)

        # zhifa outbox replay: the cursor goes back; published again under the same ids, one message each
        assert await announcements.replay(factory, clock.now() - timedelta(days=1)) == len(usccs)
        announcement = await _announcement(factory)
        assert (announcement.after_uscc, announcement.done) == ("", False)
        sent: list[str | None] = []
        relay = Relay(service="risk", factory=factory, bus=bus, database_url=url)

        async def publish(rows: Sequence[Announcement]) -> list[str | None]:
            sent.extend(await relay.publish(rows))
            return sent[-len(rows) :]

        try:
            await _announce_all(factory, publish)
        finally:
            await relay.close()
        assert sorted(s for s in sent if s) == sorted(m for m, _ in published)
        assert (await _announcement(factory)).done
        assert len(await _on_stream(nats_server.url, set(usccs))) == len(usccs)
        assert await announcements.replay(factory, clock.now() + timedelta(days=1)) == 0  # none since then


async def test_a_crash_or_a_half_acknowledged_round_leaves_one_message_per_class(
    stack: Stack, nats_server: EmbeddedNats, bus: Bus
) -> None:
    async with _database(stack) as (url, factory):
        usccs = await _first_classification(factory, _context(url), 200, 30)
        relay = Relay(service="risk", factory=factory, bus=bus, database_url=url)
        acked: list[str | None] = []

        async def publish_then_crash(rows: Sequence[Announcement]) -> list[str | None]:
            acked.extend(await relay.publish(rows))
            raise Crash

        async def half_acknowledged(rows: Sequence[Announcement]) -> list[str | None]:
            sent = await relay.publish(rows)  # every one reaches the stream; the second half is reported lost
            return [s if i < len(rows) // 2 else None for i, s in enumerate(sent)]

        try:
            with pytest.raises(Crash):
                await announcements.announce_classes(factory, publish_then_crash, batch_size=20)
            assert len(acked) == 20 and all(acked)  # reached the stream ...
            assert (await _announcement(factory)).after_uscc == ""  # ... and the cursor did not move
            assert not await announcements.announce_classes(factory, half_acknowledged, batch_size=20)
            assert (await _announcement(factory)).after_uscc == sorted(usccs)[9]  # before the first lost one
            await _announce_all(factory, relay.publish)
        finally:
            await relay.close()
        assert (await _announcement(factory)).done
        published = await _on_stream(nats_server.url, set(usccs))
        assert sorted(e["subject"] for _, e in published) == sorted(usccs)  # one message per class


async def test_a_later_class_never_overtakes_the_first_runs_announcement(
    stack: Stack, nats_server: EmbeddedNats, bus: Bus
) -> None:
    async with _database(stack) as (url, factory):
        context = _context(url)
        usccs = await _first_classification(factory, context, 300, 12)
        announcement = await _announcement(factory)
        relay = Relay(service="risk", factory=factory, bus=bus, database_url=url)
        try:
            assert await announcements.announce_classes(factory, relay.publish, batch_size=5)  # 5 announced
            early, late = usccs[0], usccs[8]  # class A (no violation); one announced, one not yet
            async with transaction(factory) as s:  # new signals: both reclassified at once, incrementally
                await s.execute(
                    sa.insert(ViolationSignal),
                    [
                        {"violation_id": uuid.uuid4(), "uscc": u, "found_on": TODAY}
                        for u in (early, late)
                        for _ in range(6)
                    ],
                )
                await classes.classify_enterprises(s, config=context.config, usccs=[early, late])
            rows = await _outbox_events(factory)
            # the late one's first event (its announcement's id) goes ahead of the new classes; not the early one's
            assert (rows[0]["subject"], rows[0]["data"]["revision"]) == (late, 1)
            assert rows[0]["id"] == str(uuid.uuid3(announcement.id, late))
            assert sorted((e["subject"], e["data"]["revision"]) for e in rows[1:]) == sorted(
                [(early, 2), (late, 2)]
            )
            while await relay.drain_once():
                pass
            await _announce_all(factory, relay.publish)
        finally:
            await relay.close()
        assert (await _announcement(factory)).done
        published = await _on_stream(nats_server.url, set(usccs))
        per_enterprise: dict[str, list[int]] = {}
        for _, e in published:
            per_enterprise.setdefault(e["subject"], []).append(e["data"]["revision"])
        assert per_enterprise == {u: [1, 2] if u in (early, late) else [1] for u in usccs}


async def test_a_full_run_takes_the_unannounced_events_over(
    stack: Stack, nats_server: EmbeddedNats, bus: Bus
) -> None:
    async with _database(stack) as (url, factory):
        context = _context(url)
        usccs = await _first_classification(factory, context, 400, 10)
        announcement = await _announcement(factory)
        relay = Relay(service="risk", factory=factory, bus=bus, database_url=url)
        try:
            assert await announcements.announce_classes(factory, relay.publish, batch_size=4)
            async with transaction(factory) as s:
                await s.execute(
                    sa.insert(ViolationSignal),
                    [
                        {"violation_id": uuid.uuid4(), "uscc": sorted(usccs)[-1], "found_on": TODAY}
                        for _ in range(6)
                    ],
                )
                counts = await classes.classify_enterprises(
                    s, config=context.config
                )  # every enterprise again
            assert (counts.written, counts.first) == (1, False)
            rows = await _outbox_events(factory)
            assert [(e["subject"], e["data"]["revision"]) for e in rows] == [
                *[(u, 1) for u in sorted(usccs)[4:]],
                (sorted(usccs)[-1], 2),
            ]
            assert rows[0]["id"] == str(uuid.uuid3(announcement.id, sorted(usccs)[4]))
            assert (await _announcement(factory)).done
            assert not await announcements.announce_classes(factory, relay.publish, batch_size=4)
            while await relay.drain_once():
                pass
        finally:
            await relay.close()
        published = await _on_stream(nats_server.url, set(usccs))
        assert [e["subject"] for _, e in published].count(sorted(usccs)[-1]) == 2
        assert (
            sorted({e["subject"] for _, e in published}) == sorted(usccs) and len(published) == len(usccs) + 1
        )


async def test_a_downgrade_refuses_while_a_first_classification_is_unannounced(stack: Stack) -> None:
    async with _database(stack) as (url, factory):
        await _first_classification(factory, _context(url), 500, 3)
        with pytest.raises(RuntimeError, match="not yet announced"):
            await asyncio.to_thread(migrate.downgrade, "risk", url, "risk_0018_date_bounds")
        async with transaction(factory) as s:
            await s.execute(sa.text("UPDATE class_announcement SET done = true"))
        await asyncio.to_thread(migrate.downgrade, "risk", url, "risk_0018_date_bounds")
        await asyncio.to_thread(migrate.upgrade, "risk", url)


async def test_zhifa_outbox_replay_rewinds_the_announcement(
    stack: Stack, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _database(stack) as (url, factory):
        usccs = await _first_classification(factory, _context(url), 600, 5)
        relay = Relay(service="risk", factory=factory, bus=bus, database_url=url)
        try:
            await _announce_all(factory, relay.publish)
        finally:
            await relay.close()
        assert (await _announcement(factory)).done
        monkeypatch.setenv("ZHIFA_RISK_DATABASE_URL", url)
        since = (clock.now() - timedelta(hours=1)).isoformat()
        result = await asyncio.to_thread(
            CliRunner().invoke, cli.app, ["outbox", "replay", "--service", "risk", "--since", since]
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"risk: {len(usccs)} events marked")  # no outbox row: the 5 classes
        announcement = await _announcement(factory)
        assert (announcement.after_uscc, announcement.done) == ("", False)
