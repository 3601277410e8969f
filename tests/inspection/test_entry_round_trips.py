"""The check-in hot path's round trips to PostgreSQL (issue #16): every statement of a check-in's transaction,
as the driver sends it, counted on the connection that served it.

A check-in is BEGIN sent with the enterprise's lock (one message), the facts, ONE statement that consumes the
code, writes the visit (queued for the auditor) and its ``inspection.visit.started`` outbox row, and COMMIT
with the relay's wake-up after it (``COMMIT; NOTIFY zhifa_outbox``, one message). Before issue #16 the outbox row and the NOTIFY were two more statements sent at commit (seven round
trips), and BEGIN was a round trip of its own (five).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from asyncpg.prepared_stmt import PreparedStatement

from services.common.tables import outbox_t
from services.inspection.repository import entry as entry_repo
from tests.inspection.helpers import ENTERPRISE, KEY_AREA_TASK, Env, check_in, entry_code, refused
from tests.support.http import ok
from tests.support.personas import admin
from tests.support.stack import Stack, client

Logged = list[tuple[int, str]]  # (connection, statement) in the order the driver sent them


@contextlib.asynccontextmanager
async def statements(env: Env) -> AsyncIterator[Logged]:
    """Every statement the driver sends meanwhile, in order, by connection: SQLAlchemy's (prepared statements),
    the repository's driver-level ones, and the transaction's BEGIN and COMMIT."""
    logged: Logged = []

    def on_connection(method: Any) -> Any:
        async def logging(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            logged.append((id(self), query))
            return await method(self, query, *args, **kwargs)

        return logging

    def on_statement(method: Any) -> Any:
        async def logging(self: Any, *args: Any, **kwargs: Any) -> Any:
            logged.append((id(self._connection), self._query))
            return await method(self, *args, **kwargs)

        return logging

    with pytest.MonkeyPatch.context() as patch:
        for name in ("execute", "fetch", "fetchval", "fetchrow"):
            patch.setattr(asyncpg.Connection, name, on_connection(getattr(asyncpg.Connection, name)))
        for name in ("fetch", "fetchval", "fetchrow", "executemany"):
            patch.setattr(PreparedStatement, name, on_statement(getattr(PreparedStatement, name)))
        yield logged


def transaction_of(logged: Logged, marker: str) -> list[str]:
    """The statements of the one transaction (BEGIN … COMMIT) that contains a statement with ``marker``."""
    for key in dict.fromkeys(k for k, q in logged if marker in q):
        queries = [q.strip() for k, q in logged if k == key]
        at = next(i for i, q in enumerate(queries) if marker in q)
        start = max(i for i, q in enumerate(queries[: at + 1]) if q.upper().startswith("BEGIN"))
        end = next(i for i, q in enumerate(queries) if i > at and q.upper().startswith("COMMIT"))
        return queries[start : end + 1]
    raise AssertionError(f"no statement with {marker!r} among {len(logged)}")


def _words(queries: list[str]) -> Iterator[str]:
    return (" ".join(q.split())[:60] for q in queries)


class TestCheckInRoundTrips:
    async def test_a_check_in_is_four_round_trips_with_its_event_in_the_visit_statement(
        self, env: Env
    ) -> None:
        woken: asyncio.Queue[str] = asyncio.Queue()
        listener = await asyncpg.connect(
            env.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        )
        try:
            await listener.add_listener("zhifa_outbox", lambda *a: woken.put_nowait(a[2]))
            async with client(env.url) as http:
                code = await entry_code(http, KEY_AREA_TASK)
                while not woken.empty():  # the code's own event
                    woken.get_nowait()
                async with statements(env) as logged:
                    visit = ok(await check_in(http, code["code"]), 201)["visit"]
            assert await asyncio.wait_for(woken.get(), 5) == "zhifa_outbox"  # the relay is still woken
        finally:
            await listener.close()
        queries = transaction_of(logged, "EXECUTE zhifa_lock_enterprise")
        # BEGIN with the enterprise's lock; the facts; the code, the visit, its event and the wake-up; COMMIT
        assert len(queries) == 4, list(_words(queries))
        begin = " ".join(queries[0].split())
        assert begin == f"BEGIN; EXECUTE zhifa_lock_enterprise('{ENTERPRISE}')", begin
        assert "'enterprise'" in queries[1]  # the enterprise's row is read with the facts
        write = queries[2]
        assert "INSERT INTO visit" in write and "UPDATE entry_code" in write
        assert (
            "INSERT INTO outbox" in write
        )  # (the visit is queued for the auditor by inspection_0013's trigger)
        # the relay's wake-up after the COMMIT, in its message: not inside the transaction, whose commit would
        # then hold PostgreSQL's NOTIFY lock through its WAL flush (no two check-ins sharing an fsync)
        assert "pg_notify" not in write and "NOTIFY" not in write
        assert queries[3] == "COMMIT; NOTIFY zhifa_outbox", queries[3]
        events = await env.rows(
            sa.select(outbox_t.c.type, outbox_t.c.envelope).where(outbox_t.c.subject == visit["visit_id"])
        )
        assert [e.type for e in events] == ["inspection.visit.started"]
        assert events[0].envelope["data"]["visit_id"] == visit["visit_id"]
        assert events[0].envelope["source"] == "inspection"

    async def test_an_unregistered_enterprise_is_refused_on_the_one_message_lock_and_rolled_back(
        self, env: Env
    ) -> None:
        """A USCC of 18 digits and capitals that no enterprise has: the one message (BEGIN and the lock) finds
        no row, the request is refused and recorded, and its transaction is rolled back on the connection it
        began on; a USCC that could not be a literal (a quote in it) takes the prepared lock instead."""
        unregistered, odd = "91210100000000000X", "9121'0100000000000"
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            async with statements(env) as logged:
                await refused(
                    env, await check_in(http, code["code"], uscc=unregistered), "CODE_WRONG_ENTERPRISE"
                )
            key = next(k for k, q in logged if "EXECUTE zhifa_lock_enterprise" in q)
            queries = [" ".join(q.split()) for k, q in logged if k == key]  # on the request's connection
            lock = next(i for i, q in enumerate(queries) if "EXECUTE zhifa_lock_enterprise" in q)
            assert queries[lock] == f"BEGIN; EXECUTE zhifa_lock_enterprise('{unregistered}')", queries[lock]
            assert queries[lock + 1] == "ROLLBACK", queries[lock:]
            async with statements(env) as logged:
                await refused(env, await check_in(http, code["code"], uscc=odd), "CODE_WRONG_ENTERPRISE")
            assert not any(odd in q for _, q in logged)  # never written into a statement
            assert any(
                q.startswith("SELECT uscc") and q.endswith("= $1 FOR NO KEY UPDATE") for _, q in logged
            )
            ok(await check_in(http, code["code"]), 201)  # the code is still good for its enterprise


class TestCheckInWithoutTheSession:
    """The check-in's transaction runs on a connection of the engine's pool that the edge offers the request,
    without SQLAlchemy's session, ``Connection`` and commit around it (issue #16 item 1: ~0.15 ms of CPU a
    check-in); the edge commits it, or rolls it back, and returns the connection to the pool."""

    @staticmethod
    @contextlib.contextmanager
    def sqlalchemy_transactions() -> Iterator[list[int]]:
        """The driver connections on which SQLAlchemy began a transaction meanwhile (by ``id``)."""
        begun: list[int] = []

        def on_begin(conn: sa.Connection) -> None:
            begun.append(id(conn.connection.driver_connection))

        sa.event.listen(sa.Engine, "begin", on_begin)
        try:
            yield begun
        finally:
            sa.event.remove(sa.Engine, "begin", on_begin)

    async def test_a_check_in_commits_on_its_pooled_connection_and_gives_it_back(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            with self.sqlalchemy_transactions() as begun:
                async with statements(env) as logged:
                    visit = ok(await check_in(http, code["code"]), 201)["visit"]
        key = next(k for k, q in logged if "EXECUTE zhifa_lock_enterprise" in q)
        assert key not in begun  # no SQLAlchemy transaction on the check-in's connection
        queries = transaction_of(logged, "EXECUTE zhifa_lock_enterprise")
        assert len(queries) == 4 and queries[-1] == "COMMIT; NOTIFY zhifa_outbox", list(_words(queries))
        on_it = [q for k, q in logged if k == key]
        assert on_it[-1] == queries[-1]  # nothing after it: the connection went back to the pool idle
        stored = await env.scalar(
            sa.text(f"SELECT count(*) FROM visit WHERE visit_id = '{visit['visit_id']}'")
        )
        assert stored == 1

    async def test_a_refused_check_in_rolls_back_and_gives_the_connection_back(self, env: Env) -> None:
        async with client(env.url) as http:
            code = await entry_code(http, KEY_AREA_TASK)
            ok(await check_in(http, code["code"]), 201)
            with self.sqlalchemy_transactions() as begun:
                async with statements(env) as logged:
                    await refused(env, await check_in(http, code["code"]), "CODE_USED", status=409)
        key = next(k for k, q in logged if "EXECUTE zhifa_lock_enterprise" in q)
        assert key not in begun
        on_it = [" ".join(q.split())[:40] for k, q in logged if k == key]
        assert on_it[-1] == "ROLLBACK", on_it  # refused after the facts (the code was used): rolled back


class TestEntryPlans:
    async def test_the_officers_are_found_by_their_indexes_not_by_reading_the_whole_roll(
        self, stack: Stack
    ) -> None:
        """The facts find the code's officers and companions through officer's indexes on a city's roll (here
        2,000 officers more than the sample's), not by reading every officer: a companion's id compared as
        text matched no index, and the scan was 1.1 ms of the facts' 1.2 ms at 5,000 officers
        (docs/benchmarks/checkin-postgres.md)."""
        url = await stack.anew_sample_database("inspection")
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            await conn.execute(
                "INSERT INTO officer (officer_id, name, dept_code, cert_no, status, valid_until, auxiliary)"
                " SELECT gen_random_uuid(), 'officer ' || i, 'SJ', 'T-' || i, 'active', DATE '2030-12-31', false"
                " FROM generate_series(1, 2000) i"
            )
            await conn.execute("ANALYZE officer")
            # planned without values (the parameters are bound, as NULL, only to satisfy the protocol)
            explain = "EXPLAIN (GENERIC_PLAN, FORMAT JSON) " + entry_repo._ENTRY_FACTS
            plan = json.loads(await conn.fetchval(explain, *[None] * 9))
        finally:
            await conn.close()

        def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
            yield node
            for child in node.get("Plans", []):
                yield from nodes(child)

        reads = [n["Node Type"] for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "officer"]
        assert reads == ["Bitmap Heap Scan"]  # over a BitmapOr of uq_officer_cert_no and pk_officer (twice)
        below = [n.get("Index Name") for n in nodes(plan[0]["Plan"]) if n["Node Type"] == "Bitmap Index Scan"]
        assert below.count("pk_officer") == 2 and "uq_officer_cert_no" in below


class TestOutboxAtCommit:
    async def test_staged_events_and_the_relays_wake_up_are_one_statement(self, env: Env) -> None:
        """Any service's write: the outbox rows staged by ``outbox.add`` and the NOTIFY go in one statement."""
        async with client(env.url) as http:
            async with statements(env) as logged:
                ping = ok(
                    await http.post(
                        "/api/v1/inspection/diagnostics/ping", json={"note": "round trips"}, headers=admin()
                    ),
                    202,
                )
        outbox = [q for _, q in logged if "outbox" in q and "INSERT" in q.upper()]
        notify = [q for _, q in logged if "NOTIFY" in q.upper() and "LISTEN" not in q.upper()]
        assert len(outbox) == 1 and notify == outbox, (outbox, notify)
        stored = await env.scalar(sa.select(outbox_t.c.type).where(outbox_t.c.id == ping["event_id"]))
        assert stored == "inspection.diagnostic.ping"
