"""Intake over HTTP: single JSON records and NDJSON uploads, idempotent on the external id."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.common.db import transaction
from tests.risk.helpers import ADMIN, COURT, HOTLINE, RECON, SUPERVISOR
from tests.support.stack import Running, client

USCC = "91110000600037341L"  # valid check digit
BAD_USCC = "91110000600037341A"  # same code, wrong check digit


def recon(external_id: str, **over: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "unit_code": "SJ-210102",
        "domain": "食品安全",
        "outcome": "revoked",
        "decided_on": "2026-08-18",
        "illegality": "procedure",
        **over,
    }


def lit(external_id: str, **over: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "unit_code": "SJ-210102",
        "domain": "食品安全",
        "result": "lost",
        "loss_type": "revoked",
        "decided_on": "2026-08-01",
        **over,
    }


def lead(external_id: str, **over: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "unit_code": "SJ-210103",
        "domain": "食品安全",
        "uscc": USCC,
        "category": "涉企执法",
        "text": "执法人员多次到店检查，影响经营",
        "received_at": "2026-08-05T09:30:00+08:00",
        **over,
    }


def ndjson(*records: Any) -> bytes:
    return (
        b"\n".join(r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode() for r in records)
        + b"\n"
    )


async def count(risk: Running, table: str) -> int:
    async with transaction(risk.runtime.factory) as s:
        return int(await s.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


class TestSingle:
    async def test_stored_then_replayed(self, risk: Running) -> None:
        async with client(risk.url, headers=RECON) as http:
            first = await http.post("/api/v1/risk/intake/reconsideration", json=recon("沈复决〔2026〕1号"))
            assert first.status_code == 201, first.text
            body = first.json()
            assert body["counts_as"] == "reconsideration_correction"
            assert body["event_date"] == "2026-08-18"
            again = await http.post("/api/v1/risk/intake/reconsideration", json=recon("沈复决〔2026〕1号"))
            assert again.status_code == 201
            assert again.json() == body  # the first response, unchanged
            assert again.headers["idempotent-replayed"] == "true"

    async def test_same_id_different_body_is_409(self, risk: Running) -> None:
        async with client(risk.url, headers=RECON) as http:
            r = await http.post("/api/v1/risk/intake/reconsideration", json=recon("沈复决〔2026〕2号"))
            assert r.status_code == 201
            r = await http.post(
                "/api/v1/risk/intake/reconsideration",
                json=recon("沈复决〔2026〕2号", outcome="upheld", illegality=None),
            )
        assert r.status_code == 409
        assert r.json()["code"] == "INTAKE_EXTERNAL_ID_CONFLICT"
        assert "沈复决〔2026〕2号" in r.json()["detail"]

    async def test_unknown_outcome_value(self, risk: Running) -> None:
        async with client(risk.url, headers=RECON) as http:
            r = await http.post(
                "/api/v1/risk/intake/reconsideration", json=recon("X-3", outcome="partially_won")
            )
        assert r.status_code == 422
        assert r.json()["code"] == "INTAKE_UNKNOWN_OUTCOME"
        assert "partially_won" in r.json()["detail"]

    async def test_chinese_alias_and_loss_type(self, risk: Running) -> None:
        async with client(risk.url, headers=COURT) as http:
            r = await http.post(
                "/api/v1/risk/intake/litigation", json=lit("(2026)辽0102行初1号", result="败诉")
            )
            assert r.status_code == 201, r.text
            assert r.json()["counts_as"] == "litigation_loss"
            r = await http.post(
                "/api/v1/risk/intake/litigation", json=lit("(2026)辽0102行初2号", loss_type=None)
            )
        assert r.status_code == 422
        assert r.json()["code"] == "INTAKE_LOSS_TYPE_REQUIRED"

    async def test_lead_with_invalid_uscc(self, risk: Running) -> None:
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post("/api/v1/risk/intake/complaints", json=lead("12345-9", uscc=BAD_USCC))
        assert r.status_code == 422
        assert r.json()["code"] == "INTAKE_INVALID_USCC"
        assert "校验位" in r.json()["detail"]

    async def test_lead_is_batched_by_beijing_week(self, risk: Running) -> None:
        async with client(risk.url, headers=HOTLINE) as http:
            # Sunday 2026-08-09 23:30 Beijing = 15:30 UTC, still ISO week 32 in Beijing
            r = await http.post(
                "/api/v1/risk/intake/complaints", json=lead("12345-1", received_at="2026-08-09T15:30:00Z")
            )
        assert r.status_code == 201, r.text
        assert r.json()["batch"] == "2026-W32"
        assert r.json()["event_date"] == "2026-08-09"

    async def test_future_date_and_bad_json(self, risk: Running) -> None:
        async with client(risk.url, headers=RECON) as http:
            r = await http.post(
                "/api/v1/risk/intake/reconsideration", json=recon("X-4", decided_on="2099-01-01")
            )
            assert r.status_code == 422 and r.json()["code"] == "INTAKE_DATE_IN_FUTURE"
            r = await http.post(
                "/api/v1/risk/intake/reconsideration",
                content=b"{not json",
                headers={"content-type": "application/json"},
            )
            assert r.status_code == 422 and r.json()["code"] == "INTAKE_BAD_JSON"

    async def test_unknown_kind_in_path(self, risk: Running) -> None:
        async with client(risk.url, headers=RECON) as http:
            r = await http.post("/api/v1/risk/intake/appeals", json=recon("X-5"))
        assert r.status_code == 422

    @pytest.mark.parametrize(
        ("headers", "path", "status", "code"),
        [
            (COURT, "reconsideration", 403, "INTAKE_CLIENT_NOT_ALLOWED"),
            (HOTLINE, "litigation", 403, "INTAKE_CLIENT_NOT_ALLOWED"),
            (SUPERVISOR, "reconsideration", 403, "ROLE_FORBIDDEN"),
            (ADMIN, "complaints", 403, "ROLE_FORBIDDEN"),
        ],
    )
    async def test_only_the_right_integration_client(
        self, risk: Running, headers: dict[str, str], path: str, status: int, code: str
    ) -> None:
        async with client(risk.url, headers=headers) as http:
            r = await http.post(f"/api/v1/risk/intake/{path}", json=recon("X-6"))
        assert r.status_code == status
        assert r.json()["code"] == code


class TestBulk:
    async def test_bad_lines_are_reported_good_lines_stored(self, risk: Running) -> None:
        body = ndjson(
            lead("B-1"),
            lead("B-2", uscc=BAD_USCC),  # line 2: invalid USCC
            b"{broken",  # line 3
            lead("B-3", received_at="2026-08-06T10:00:00"),  # line 4: naive time
            lead("B-1"),  # line 5: same record again -> duplicate, not an error
            lead("B-1", text="另一内容"),  # line 6: same id, other content
            lead("B-4", category=""),  # line 7
            lead("B-5"),
        )
        async with client(risk.url, headers=HOTLINE) as http:
            r = await http.post(
                "/api/v1/risk/intake/complaints/bulk",
                content=body,
                headers={"content-type": "application/x-ndjson"},
            )
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["lines"], report["stored"], report["duplicates"], report["rejected"]) == (8, 2, 1, 5)
        assert [(e["line"], e["code"]) for e in report["errors"]] == [
            (2, "INTAKE_INVALID_USCC"),
            (3, "INTAKE_BAD_JSON"),
            (4, "INTAKE_NAIVE_DATETIME"),
            (6, "INTAKE_DUPLICATE_EXTERNAL_ID"),
            (7, "INTAKE_INVALID_VALUE"),
        ]

    async def test_resending_an_upload_stores_nothing_twice(self, risk: Running) -> None:
        body = ndjson(*(recon(f"R-{i}") for i in range(30)))
        async with client(risk.url, headers=RECON) as http:
            first = (await http.post("/api/v1/risk/intake/reconsideration/bulk", content=body)).json()
            before = await count(risk, "external_outcome")
            second = (await http.post("/api/v1/risk/intake/reconsideration/bulk", content=body)).json()
        assert (first["stored"], first["duplicates"]) == (30, 0)
        assert (second["stored"], second["duplicates"], second["rejected"]) == (0, 30, 0)
        assert await count(risk, "external_outcome") == before

    async def test_conflict_with_a_stored_record_is_a_line_error(self, risk: Running) -> None:
        async with client(risk.url, headers=RECON) as http:
            await http.post("/api/v1/risk/intake/reconsideration", json=recon("C-1"))
            body = ndjson(recon("C-2"), recon("C-1", outcome="changed"))
            r = (await http.post("/api/v1/risk/intake/reconsideration/bulk", content=body)).json()
        assert r["stored"] == 1
        assert [(e["line"], e["code"]) for e in r["errors"]] == [(2, "INTAKE_EXTERNAL_ID_CONFLICT")]

    async def test_blank_lines_crlf_and_no_final_newline(self, risk: Running) -> None:
        a = json.dumps(lit("(2026)辽0102行初10号"), ensure_ascii=False).encode()
        b = json.dumps(lit("(2026)辽0102行初11号", result="won", loss_type=None), ensure_ascii=False).encode()
        body = a + b"\r\n\r\n   \n" + b  # lines 1, (2, 3 blank), 4
        async with client(risk.url, headers=COURT) as http:
            r = (await http.post("/api/v1/risk/intake/litigation/bulk", content=body)).json()
        assert (r["lines"], r["stored"], r["rejected"]) == (2, 2, 0)

    async def test_complaint_enterprise_is_classified(self, risk: Running) -> None:
        async with client(risk.url, headers=SUPERVISOR) as http:
            r = await http.get(f"/api/v1/risk/enterprises/{USCC}")
        assert r.status_code == 200, r.text
        # complaints from the tests above name USCC: 3 points each (no decay), capped at 15
        body = r.json()
        complaint = next(x for x in body["reasons"] if x["kind"] == "complaint")
        assert complaint["points"] == min(15, 3 * complaint["count"])


@pytest.mark.slow
async def test_a_hundred_thousand_lines(risk: Running) -> None:
    """100,000 lines in one upload (the issue's size): a job (202); all stored, one bad line reported."""
    n = 100_000
    lines = [
        json.dumps(
            recon(f"H-{i}", outcome=("revoked", "upheld")[i % 2], illegality=None), ensure_ascii=False
        ).encode()
        for i in range(n)
    ]
    lines[77_776] = b'{"external_id": "H-bad"}'
    async with httpx.AsyncClient(base_url=risk.url, headers=RECON, timeout=300) as http:
        r = await http.post("/api/v1/risk/intake/reconsideration/bulk", content=b"\n".join(lines))
        assert r.status_code == 202, r.text[:500]
        for _ in range(1200):
            body = (await http.get(r.headers["location"])).json()
            if body["state"] in ("done", "failed"):
                break
            await asyncio.sleep(0.25)
    assert body["state"] == "done", body
    assert (body["lines"], body["stored"], body["rejected"]) == (n, n - 1, 1)
    assert (body["errors"][0]["line"], body["errors"][0]["code"]) == (77_777, "INTAKE_MISSING_FIELD")
    assert await count(risk, "external_outcome") >= n - 1
