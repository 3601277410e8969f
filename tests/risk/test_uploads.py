"""Bulk NDJSON uploads with a bounded report (issue #11, item 1): the response carries the first errors and
the counts per code, the full per-line report is a downloadable file, and a large upload (or one sent with
``Prefer: respond-async``) is a background job: 202 with a status URL that shows its progress.

The service here answers synchronously up to 64 KiB (the default is 1 MiB), so the size rule is exercised
with small bodies. The body of 3,000 complaint lines is built so that every figure can be counted by hand:

  line i (1-based)    what                            code
  i % 3 == 1          a good lead (external id U-i)   —                        1,000 lines
  i % 3 == 2          ``{broken``                     INTAKE_BAD_JSON          1,000 lines
  i % 6 == 3          a lead without ``text``         INTAKE_MISSING_FIELD       500 lines
  i % 6 == 0          a lead with a wrong USCC        INTAKE_INVALID_USCC        500 lines

Rejected: 2,000. The first 100 errors are the lines i % 3 != 1 in order: 2, 3, 5, 6, ..., 149, 150 (50 pairs).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from tests.risk.helpers import ADMIN, COURT, HOTLINE, SUPERVISOR, make_uscc
from tests.support.stack import Running, Stack, client, running_service

SYNC_MAX = 64 * 1024
BULK_MAX = 2 * 1024 * 1024  # this service's body limit for .../bulk (64 MiB by default)
N = 3000
GOOD = [i for i in range(1, N + 1) if i % 3 == 1]
BAD = [i for i in range(1, N + 1) if i % 3 != 1]
BY_CODE = {"INTAKE_BAD_JSON": 1000, "INTAKE_MISSING_FIELD": 500, "INTAKE_INVALID_USCC": 500}
BAD_USCC = make_uscc(5)[:-1] + ("0" if make_uscc(5)[-1] != "0" else "1")


@pytest.fixture(scope="module")
async def risk(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Running]:
    url = await stack.anew_database("risk")
    async with running_service(
        "risk",
        database_url=url,
        nats_url=nats_server.url,
        daily_job_enabled=False,
        job_interval_s=0.2,
        intake_sync_max_bytes=SYNC_MAX,
        intake_batch_size=100,
        bulk_max_body_bytes=BULK_MAX,
    ) as running:
        yield running


def lead(i: int, prefix: str, **over: Any) -> dict[str, Any]:
    return {
        "external_id": f"{prefix}-{i}",
        "unit_code": "SJ-210102",
        "domain": "食品安全",
        "uscc": make_uscc(i % 7),
        "category": "涉企执法",
        "text": "执法人员多次到店检查",
        "received_at": "2026-08-05T09:30:00+08:00",
        **over,
    }


def body(prefix: str = "U", n: int = N) -> bytes:
    lines = []
    for i in range(1, n + 1):
        if i % 3 == 1:
            record: Any = lead(i, prefix)
        elif i % 3 == 2:
            record = None
        elif i % 6 == 3:
            record = {k: v for k, v in lead(i, prefix).items() if k != "text"}
        else:
            record = lead(i, prefix, uscc=BAD_USCC)
        lines.append(b"{broken" if record is None else json.dumps(record, ensure_ascii=False).encode())
    return b"\n".join(lines) + b"\n"


async def until_finished(http: httpx.AsyncClient, url: str, timeout: float = 60) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        r = await http.get(url)
        assert r.status_code == 200, r.text
        if r.json()["state"] in ("done", "failed"):
            return r.json()  # type: ignore[no-any-return]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} not finished after {timeout}s")


def first_hundred(errors: list[dict[str, Any]]) -> list[int]:
    return [e["line"] for e in errors]


async def report_lines(http: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    r = await http.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["content-disposition"]
    return [json.loads(line) for line in r.content.splitlines()]


class TestSmallUploadIsAnsweredAtOnce:
    async def test_capped_errors_counts_per_code_and_the_report_file(self, risk: Running) -> None:
        small = body("S", 300)  # ~30 KiB: under the 64 KiB of this service
        assert len(small) < SYNC_MAX
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=small)
            assert r.status_code == 200, r.text
            done = r.json()
            # 300 lines: 100 good; bad 200 = 100 BAD_JSON + 50 MISSING_FIELD + 50 INVALID_USCC
            assert (done["state"], done["mode"]) == ("done", "sync")
            assert (done["lines"], done["stored"], done["duplicates"], done["rejected"]) == (300, 100, 0, 200)
            assert done["errors_by_code"] == {
                "INTAKE_BAD_JSON": 100,
                "INTAKE_MISSING_FIELD": 50,
                "INTAKE_INVALID_USCC": 50,
            }
            assert len(done["errors"]) == 100 and done["errors_truncated"] is True
            assert first_hundred(done["errors"]) == BAD[:100]
            assert done["errors"][-1]["line"] == 150
            assert (done["report_lines"], done["report_truncated"]) == (200, False)
            status = await http.get(done["status_url"])
            assert status.status_code == 200 and status.json()["rejected"] == 200
            report = await report_lines(http, done["report_url"])
        assert [e["line"] for e in report] == [i for i in range(1, 301) if i % 3 != 1]
        assert report[0] == {**done["errors"][0]}
        assert {e["code"] for e in report if e["line"] % 3 == 2} == {"INTAKE_BAD_JSON"}

    async def test_clean_upload_has_no_report(self, risk: Running) -> None:
        clean = b"\n".join(json.dumps(lead(i, "C"), ensure_ascii=False).encode() for i in range(5))
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=clean)
        assert r.status_code == 200, r.text
        done = r.json()
        assert (done["stored"], done["rejected"], done["errors"], done["errors_by_code"]) == (5, 0, [], {})
        assert done["report_url"] is None and done["errors_truncated"] is False


class TestLargeUploadIsAJob:
    async def test_202_status_url_progress_and_report(self, risk: Running) -> None:
        large = body("U")  # about 470 KiB: over 64 KiB
        assert len(large) > SYNC_MAX
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=large)
            assert r.status_code == 202, r.text
            accepted = r.json()
            assert r.headers["location"] == accepted["status_url"]
            assert accepted["status_url"] == f"/api/v1/risk/intake/uploads/{accepted['id']}"
            assert accepted["state"] in ("queued", "running") and accepted["mode"] == "async"
            assert accepted["bytes"] == len(large)
            done = await until_finished(http, accepted["status_url"])
            assert done["state"] == "done", done
            assert done["bytes_processed"] == len(large)
            assert (done["lines"], done["stored"], done["duplicates"], done["rejected"]) == (N, 1000, 0, 2000)
            assert done["errors_by_code"] == BY_CODE
            assert first_hundred(done["errors"]) == BAD[:100]
            assert done["errors_truncated"] is True
            report = await report_lines(http, done["report_url"])
        assert [e["line"] for e in report] == BAD
        assert sum(1 for e in report if e["code"] == "INTAKE_INVALID_USCC") == 500
        async with transaction(risk.runtime.factory) as s:
            stored = await s.scalar(
                sa.text("SELECT count(*) FROM complaint_lead WHERE external_id LIKE 'U-%'")
            )
        assert stored == len(GOOD) == 1000

    async def test_prefer_respond_async_and_a_resend_stores_nothing_twice(self, risk: Running) -> None:
        again = body("U", 30)  # lines already stored by the test above: 10 good ones
        async with client(risk.url, headers={**HOTLINE, "Prefer": "respond-async"}) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=again)
            assert r.status_code == 202, r.text
            assert r.headers["preference-applied"] == "respond-async"
            done = await until_finished(http, r.headers["location"])
        assert (done["lines"], done["stored"], done["duplicates"], done["rejected"]) == (30, 0, 10, 20)

    async def test_same_id_twice_in_one_upload_across_batches(self, risk: Running) -> None:
        # the same external id with another content far apart in one file is a line error of that file
        lines = [json.dumps(lead(1, "D"), ensure_ascii=False).encode()]
        lines += [json.dumps(lead(i, "D"), ensure_ascii=False).encode() for i in range(2, 400)]
        lines.append(json.dumps(lead(1, "D", text="另一内容"), ensure_ascii=False).encode())
        lines.append(json.dumps(lead(2, "D"), ensure_ascii=False).encode())  # identical again: a duplicate
        async with client(risk.url, headers={**HOTLINE, "Prefer": "respond-async"}) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=b"\n".join(lines))
            done = await until_finished(http, r.headers["location"])
        assert (done["lines"], done["stored"], done["duplicates"], done["rejected"]) == (401, 399, 1, 1)
        assert [(e["line"], e["code"]) for e in done["errors"]] == [(400, "INTAKE_DUPLICATE_EXTERNAL_ID")]

    async def test_idempotency_key_replays_the_first_answer(self, risk: Running) -> None:
        headers = {**HOTLINE, "Prefer": "respond-async", "Idempotency-Key": "bulk-upload-1"}
        payload = body("K", 60)
        async with client(risk.url, headers=headers) as http:
            first = await http.post("/api/v1/risk/intake/complaints/bulk", content=payload)
            second = await http.post("/api/v1/risk/intake/complaints/bulk", content=payload)
            other = await http.post("/api/v1/risk/intake/complaints/bulk", content=payload + b"\n{}")
        assert first.status_code == second.status_code == 202
        assert second.headers.get("idempotent-replayed") == "true"
        assert second.json()["id"] == first.json()["id"]
        assert other.status_code == 422 and other.json()["code"] == "IDEMPOTENCY_KEY_MISMATCH"


class TestWhoSeesAnUpload:
    async def test_only_the_uploading_client_and_admin(self, risk: Running) -> None:
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=body("W", 9))
        done = r.json()
        async with client(risk.url) as http:
            for headers, status in ((HOTLINE, 200), (ADMIN, 200), (COURT, 404), (SUPERVISOR, 403), ({}, 401)):
                for url in (done["status_url"], done["report_url"]):
                    got = await http.get(url, headers=headers)
                    assert got.status_code == status, (headers, url, got.text)
            missing = await http.get(
                f"/api/v1/risk/intake/uploads/{'0' * 8}-0000-4000-8000-{'0' * 12}", headers=ADMIN
            )
        assert missing.status_code == 404 and missing.json()["code"] == "INTAKE_UPLOAD_NOT_FOUND"


class TestTheEdge:
    async def test_over_the_bulk_limit_is_413_and_nothing_is_kept(self, risk: Running) -> None:
        async def pieces() -> AsyncIterator[bytes]:  # no Content-Length: the limit is enforced as it arrives
            for _ in range(3):
                yield b"garbage\n" * (BULK_MAX // 16)

        async with transaction(risk.runtime.factory) as s:
            before = await s.scalar(sa.text("SELECT count(*) FROM intake_upload"))
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=pieces())
        assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"
        async with transaction(risk.runtime.factory) as s:
            assert await s.scalar(sa.text("SELECT count(*) FROM intake_upload")) == before

    async def test_a_nul_anywhere_in_a_bulk_body_is_refused(self, risk: Running) -> None:
        bad = body("N", 600) + json.dumps(lead(1, "N", text="空\u0000字符")).encode()
        assert len(bad) > SYNC_MAX
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post("/api/v1/risk/intake/complaints/bulk", content=bad)
        assert r.status_code == 422 and r.json()["code"] == "NUL_CHARACTER"
