"""The HTTP edge of every service: problem details for bad input, Idempotency-Key, transactions."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from types import FrameType
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from services.common.contracts.diagnostics import PINGS
from services.common.db import plain_dsn, transaction
from services.common.edge import NUL_IN_JSON, has_nul
from services.common.events import make_envelope
from services.common.tables import dead_letter_t, diagnostic_ping_t, idempotency_t, outbox_t
from tests.support.stack import Running, Stack, auth, client, running_service

PING = "/api/v1/inspection/diagnostics/ping"


@pytest.fixture(scope="module")
async def service(stack: Stack) -> AsyncIterator[Running]:
    db = await stack.anew_database("inspection")
    # NATS unreachable on purpose: writes must still succeed into the outbox.
    async with running_service(
        "inspection", database_url=db, nats_url="nats://127.0.0.1:1", max_body_bytes=4096
    ) as svc:
        yield svc


async def outbox_count(service: Running) -> int:
    async with transaction(service.runtime.factory) as s:
        return int(await s.scalar(sa.select(sa.func.count()).select_from(outbox_t)) or 0)


class TestBadInput:
    async def test_malformed_json(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(PING, content=b'{"note": ', headers={"content-type": "application/json"})
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["code"] == "VALIDATION_FAILED" and body["type"] == "/errors/VALIDATION_FAILED"
        assert body["request_id"] == r.headers["x-request-id"]

    async def test_wrong_type(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(PING, json={"note": 12})
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["body", "note"]
        assert r.json()["errors"][0]["message"] == "应为字符串"

    async def test_english_on_request(self, service: Running) -> None:
        async with client(service.url, headers={**auth("admin"), "Accept-Language": "en-US"}) as http:
            r = await http.post(PING, json={"note": 12})
        assert r.json()["title"] == "Validation failed"

    async def test_oversized_body(self, service: Running) -> None:
        before = await outbox_count(service)
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(PING, json={"note": "大" * 5000})
        assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"
        assert await outbox_count(service) == before

    async def test_oversized_chunked_body(self, service: Running) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"x" * 1000

        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(PING, content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413

    async def test_unknown_path_and_method(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            r404 = await http.get("/api/v1/inspection/nothing-here")
            r405 = await http.delete(PING)
        assert r404.status_code == 404 and r404.headers["content-type"] == "application/problem+json"
        assert r405.status_code == 405 and r405.json()["code"] == "METHOD_NOT_ALLOWED"

    async def test_nul_character_is_refused_not_a_database_error(self, service: Running) -> None:
        before = await outbox_count(service)
        async with client(service.url, headers=auth("admin")) as http:
            escaped = await http.post(
                PING, content=b'{"note": "a\\u0000b"}', headers={"content-type": "application/json"}
            )
            literal = await http.post(
                PING, content=b'{"note": "a\\\\u0000b"}', headers={"content-type": "application/json"}
            )
        assert escaped.status_code == 422 and escaped.json()["code"] == "NUL_CHARACTER"
        assert literal.status_code == 202  # an escaped backslash followed by "u0000" is ordinary text
        assert await outbox_count(service) == before + 1

    async def test_only_an_xlsx_upload_to_an_xlsx_path_may_carry_nul_bytes(self, service: Running) -> None:
        # A workbook is a zip archive (NUL bytes throughout); the exemption is for ``.xlsx`` paths only, so
        # naming the xlsx media type on another route does not smuggle a NUL into a JSON string.
        xlsx = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(PING, content=b'{"note": "a\x00b"}', headers=xlsx)
        assert r.status_code == 422 and r.json()["code"] == "NUL_CHARACTER"

    async def test_a_body_without_a_nul_candidate_is_not_searched_by_the_pattern(
        self, service: Running
    ) -> None:
        # NUL_IN_JSON costs ~50 ns a byte (20-28 µs on a what-if's body): it runs only on a body holding the NUL
        # byte or the text \u0000, which every match holds. Counted through the interpreter's profile hook,
        # which sees each C call in this thread (the service serves on the test's event loop).
        calls: list[str] = []

        def count(frame: FrameType, event: str, arg: Any) -> None:
            if event == "c_call" and getattr(arg, "__self__", None) is NUL_IN_JSON:
                calls.append(arg.__name__)

        # escapes of other characters, an escaped backslash, the text u0000: 180 characters (limit 200)
        clean = b'{"note": "' + b"\\u6d4b\\u8bd5 a\\\\b 0000 u0000 " * 10 + b'"}'
        async with client(service.url, headers=auth("admin")) as http:
            sys.setprofile(count)
            try:
                ok = await http.post(PING, content=clean, headers={"content-type": "application/json"})
                searched_clean = len(calls)
                bad = await http.post(
                    PING, content=b'{"note": "a\\\\\\u0000b"}', headers={"content-type": "application/json"}
                )
            finally:
                sys.setprofile(None)
        assert ok.status_code == 202 and searched_clean == 0
        assert bad.status_code == 422 and bad.json()["code"] == "NUL_CHARACTER" and calls == ["search"]

    async def test_a_clean_bulk_body_is_not_searched_by_the_pattern(self, service: Running) -> None:
        # The same for a bulk body, spooled piece by piece: the pattern ran over every piece (~3.5 s of CPU for
        # a 64 MiB upload); it runs only on a window holding a candidate, and still finds an escape cut in two.
        calls: list[str] = []

        def count(frame: FrameType, event: str, arg: Any) -> None:
            if event == "c_call" and getattr(arg, "__self__", None) is NUL_IN_JSON:
                calls.append(arg.__name__)

        line = b'{"code": "SJ-SP-001", "name": "\\u6d4b a\\\\b u0000", "dept_code": "SJ"}\n'
        clean = line * 4000  # ~300 KB: several pieces on the socket
        ndjson = {"content-type": "application/x-ndjson"}
        bulk = "/api/v1/inspection/items/bulk"
        async with client(service.url, headers=auth("admin")) as http:
            sys.setprofile(count)
            try:
                ok = await http.post(bulk, content=clean, headers=ndjson)
                searched_clean = len(calls)
                bad = await http.post(bulk, content=clean + b'{"name": "a\\u0000"}\n', headers=ndjson)
            finally:
                sys.setprofile(None)
        assert ok.json().get("code") != "NUL_CHARACTER" and searched_clean == 0, (ok.text, searched_clean)
        assert bad.status_code == 422 and bad.json()["code"] == "NUL_CHARACTER"
        assert calls and set(calls) == {"search"}

    @pytest.mark.parametrize(
        ("body", "nul"),
        [
            (b'{"a": "b"}', False),
            (b"", False),
            (b'{"a": "a\x00b"}', True),  # the byte itself
            (b'{"a": "a\\u0000b"}', True),  # the escape
            (b'{"a": "\\u00001"}', True),  # the escape, then a digit
            (b'{"a": "a\\\\u0000b"}', False),  # an escaped backslash, then the text u0000
            (b'{"a": "a\\\\\\u0000b"}', True),  # an escaped backslash, then the escape
            (b'{"a": "a\\\\\\\\u0000b"}', False),  # two escaped backslashes, then text
            (b'{"a": "\\u000"}', False),  # not an escape of NUL
            (b'{"a": "\\U0000"}', False),  # not a JSON escape (upper-case U)
        ],
    )
    def test_has_nul_agrees_with_the_pattern(self, body: bytes, nul: bool) -> None:
        assert has_nul(body) is nul
        assert (NUL_IN_JSON.search(body) is not None) is nul

    async def test_out_of_range_path_integer(self, service: Running) -> None:
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.get("/api/v1/inspection/admin/calendar/27783660616593776312320")
        assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED"

    async def test_request_id_is_propagated(self, service: Running) -> None:
        async with client(service.url) as http:
            r = await http.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"


class TestIdempotency:
    async def test_retry_returns_first_response_and_creates_once(self, service: Running) -> None:
        before = await outbox_count(service)
        headers = {**auth("admin"), "Idempotency-Key": "retry-1"}
        async with client(service.url, headers=headers) as http:
            first = await http.post(PING, json={"note": "一次"})
            second = await http.post(PING, json={"note": "一次"})
        assert first.status_code == second.status_code == 202
        assert first.json() == second.json()
        assert second.headers.get("idempotent-replayed") == "true"
        assert await outbox_count(service) == before + 1

    async def test_same_key_different_body_is_422(self, service: Running) -> None:
        headers = {**auth("admin"), "Idempotency-Key": "retry-2"}
        async with client(service.url, headers=headers) as http:
            assert (await http.post(PING, json={"note": "甲"})).status_code == 202
            r = await http.post(PING, json={"note": "乙"})
        assert r.status_code == 422 and r.json()["code"] == "IDEMPOTENCY_KEY_MISMATCH"

    async def test_keys_are_scoped_to_the_caller(self, service: Running) -> None:
        before = await outbox_count(service)
        async with client(service.url) as http:
            a = await http.post(
                PING, json={"note": "x"}, headers={**auth("admin", "a"), "Idempotency-Key": "k"}
            )
            b = await http.post(
                PING, json={"note": "x"}, headers={**auth("admin", "b"), "Idempotency-Key": "k"}
            )
        assert a.json()["event_id"] != b.json()["event_id"]
        assert await outbox_count(service) == before + 2

    async def test_in_flight_duplicate_is_409(self, service: Running) -> None:
        # Hold the key's lock as a first request still in progress would.
        conn = await asyncpg.connect(plain_dsn(service.settings.database_url))
        try:
            await conn.execute("BEGIN")
            await conn.fetchval(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "admin:admin-test\x1fslow"
            )
            async with client(service.url, headers={**auth("admin"), "Idempotency-Key": "slow"}) as http:
                r = await http.post(PING, json={"note": "慢"})
            assert r.status_code == 409 and r.json()["code"] == "IDEMPOTENCY_IN_FLIGHT"
        finally:
            await conn.close()
        async with client(service.url, headers={**auth("admin"), "Idempotency-Key": "slow"}) as http:
            assert (await http.post(PING, json={"note": "慢"})).status_code == 202

    async def test_concurrent_duplicates_create_once(self, service: Running) -> None:
        before = await outbox_count(service)
        headers = {**auth("admin"), "Idempotency-Key": "burst"}
        async with client(service.url, headers=headers) as http:
            results = await asyncio.gather(*(http.post(PING, json={"note": "并发"}) for _ in range(10)))
        codes = sorted(r.status_code for r in results)
        assert set(codes) <= {202, 409}
        assert await outbox_count(service) == before + 1
        created = {r.json()["event_id"] for r in results if r.status_code == 202}
        assert len(created) == 1

    async def test_stored_response_expires(self, service: Running) -> None:
        headers = {**auth("admin"), "Idempotency-Key": "old"}
        async with client(service.url, headers=headers) as http:
            first = await http.post(PING, json={"note": "旧"})
            async with transaction(service.runtime.factory) as s:
                await s.execute(
                    sa.update(idempotency_t)
                    .where(idempotency_t.c.key == "old")
                    .values(expires_at=sa.func.now() - sa.text("interval '1 second'"))
                )
            again = await http.post(PING, json={"note": "旧"})
        assert again.status_code == 202 and again.json()["event_id"] != first.json()["event_id"]


class TestNatsDown:
    """The service's NATS is unreachable (the fixture points it at port 1)."""

    async def test_writes_still_succeed_into_the_outbox(self, service: Running) -> None:
        before = await outbox_count(service)
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(PING, json={"note": "总线中断"})
        assert r.status_code == 202 and await outbox_count(service) == before + 1

    async def test_a_dead_letter_is_retried_without_nats(self, service: Running) -> None:
        """Retrying re-runs the consuming handler in this service (it may not publish into the producer's
        stream), so it works while NATS is down: the dead-lettered ping from penalty is applied here."""
        ping = PINGS["penalty"](ping_id=uuid.uuid4(), origin="penalty", note="死信重试")
        envelope = make_envelope(ping, source="penalty")
        async with transaction(service.runtime.factory) as s:
            dead_id = await s.scalar(
                sa.insert(dead_letter_t)
                .values(
                    consumer="inspection-ping-from-penalty",
                    event_id=str(envelope.id),
                    nats_subject=ping.TYPE,
                    payload=envelope.model_dump_json(),
                    error="boom",
                    deliveries=8,
                )
                .returning(dead_letter_t.c.id)
            )
        async with client(service.url, headers=auth("admin")) as http:
            r = await http.post(
                f"/api/v1/inspection/admin/dead-letters/{dead_id}/retry", json={"note": "重试"}
            )
        assert r.status_code == 200, r.text
        async with transaction(service.runtime.factory) as s:
            applied = await s.scalar(
                sa.select(sa.func.count())
                .select_from(diagnostic_ping_t)
                .where(diagnostic_ping_t.c.event_id == envelope.id)
            )
        assert applied == 1


class TestRequestMetrics:
    async def test_requests_are_counted_by_route_template_and_status_each_time(
        self, service: Running
    ) -> None:
        from prometheus_client import REGISTRY

        def value(name: str, **labels: str) -> float:
            return REGISTRY.get_sample_value(name, {"service": "inspection", **labels}) or 0.0

        refused = {"method": "POST", "route": PING, "status": "422"}
        before = value("zhifa_http_requests_total", **refused)
        timed = value("zhifa_http_request_duration_seconds_count", route=PING)
        async with client(service.url, headers=auth("admin")) as http:
            for _ in range(3):
                assert (await http.post(PING, json={"note": 12})).status_code == 422
            assert (await http.post(PING, json={"note": "ok"})).status_code < 300
        # 3 refusals under one label set (the kept child counts each), 4 timings of the route
        assert value("zhifa_http_requests_total", **refused) == before + 3
        assert value("zhifa_http_request_duration_seconds_count", route=PING) == timed + 4
