"""通报 (issue #14 item 7): numbered per year, issued from a warning, a completed review campaign or a matter,
read by the units concerned, public ones without a token, HTML and a PDF with the CJK fonts embedded."""

from __future__ import annotations

import json
import re
import uuid
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common import documents
from tests.risk.helpers import ADMIN, HOTLINE, unit_officer
from tests.support import personas
from tests.support.stack import Running, client

API = "/api/v1/risk"
UNIT = "CG-210104"
LEAD = {
    "unit_code": UNIT,
    "domain": "市容环卫",
    "category": "执法态度",
    "text": "投诉",
    "received_at": "2026-08-04T10:00:00+08:00",
}


@pytest.fixture(scope="module")
async def warning_id(risk: Running) -> AsyncIterator[str]:
    """2026Q3 published with CG-210104 red (8 complaints ≥ red_complaints 8)."""
    body = b"".join(
        json.dumps({**LEAD, "external_id": f"B-{i}"}, ensure_ascii=False).encode() + b"\n" for i in range(8)
    )
    async with client(risk.url) as http:
        assert (
            await http.post(f"{API}/intake/complaints/bulk", content=body, headers=HOTLINE)
        ).status_code < 300
        published = (await http.post(f"{API}/reports/2026Q3/publish", headers=ADMIN)).json()
    yield next(w["id"] for w in published["warnings"] if w["unit_code"] == UNIT)


MATTER = {
    "kind": "opinion",
    "target_kind": "visit",
    "target_id": str(uuid.UUID(int=7)),
    "unit_code": UNIT,
    "grounds": "检查中未出示执法证件",
    "legal_basis": "行政处罚法第四十二条",
    "requested_action": "说明情况并整改",
    "deadline_working_days": 5,
}


def inflated(pdf: bytes) -> bytes:
    """The PDF with every stream inflated (font dictionaries may sit in compressed object streams)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            chunks.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"".join(chunks)


def bulletin(source_id: str, **over: Any) -> dict[str, Any]:
    return {
        "title": "2026年第三季度行政执法风险预警情况",
        "text": "经季度研判，该单位12345投诉量居全市前列。\n请于规定期限内整改并报送整改情况。",
        "source_kind": "quarter_colour",
        "source_id": source_id,
        **over,
    }


async def test_issued_from_a_warning_numbered_and_read_by_the_unit(risk: Running, warning_id: str) -> None:
    async with client(risk.url) as http:
        r = await http.post(f"{API}/bulletins", json=bulletin(warning_id), headers=ADMIN)
        assert r.status_code == 201, r.text
        first = r.json()
        second = (await http.post(f"{API}/bulletins", json=bulletin(warning_id), headers=ADMIN)).json()
        # the series of the year, from 1, in issue order
        assert (first["number"], second["number"]) == ("沈司执监通〔2026〕1号", "沈司执监通〔2026〕2号")
        assert first["unit_codes"] == [UNIT] and first["source_label"] == "季度风险预警"

        html = (await http.get(first["html_url"], headers=ADMIN)).text
        assert "沈司执监通〔2026〕1号" in html and "2026年第三季度风险预警" in html and "红色预警" in html
        assert "2026年11月23日" in html  # issued on the pinned day

        own = (await http.get(f"{API}/bulletins", headers=unit_officer(UNIT))).json()["items"]
        assert {b["number"] for b in own} >= {first["number"], second["number"]}
        other = unit_officer("SJ-210102")
        assert (await http.get(f"{API}/bulletins", headers=other)).json()["items"] == []
        r = await http.get(f"{API}/bulletins/{first['id']}", headers=other)
        assert (r.status_code, r.json()["code"]) == (404, "BULLETIN_NOT_FOUND")

        pdf = await http.get(first["pdf_url"], headers=unit_officer(UNIT))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert documents.cjk_font_available(), f"install the Debian package {documents.CJK_FONT_PACKAGE}"
        assert re.search(rb"/FontName\s*/[A-Z]{6}\+Noto-Serif-CJK-SC", inflated(pdf.content)), "no CJK font"


async def test_public_bulletins_need_no_token(risk: Running, warning_id: str) -> None:
    async with client(risk.url) as http:
        public = (
            await http.post(f"{API}/bulletins", json=bulletin(warning_id, public=True), headers=ADMIN)
        ).json()
        private = (await http.post(f"{API}/bulletins", json=bulletin(warning_id), headers=ADMIN)).json()
        listed = (await http.get("/public/risk/bulletins")).json()["items"]
        assert public["id"] in {b["id"] for b in listed} and private["id"] not in {b["id"] for b in listed}
        assert "issuer_name" not in listed[0]
        r = await http.get(f"/public/risk/bulletins/{public['id']}/pdf")
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        r = await http.get(f"/public/risk/bulletins/{private['id']}/pdf")
        assert (r.status_code, r.json()["code"]) == (404, "BULLETIN_NOT_FOUND")


async def test_the_source_must_exist_and_be_a_result(risk: Running, warning_id: str) -> None:
    async with client(risk.url, headers=ADMIN) as http:
        r = await http.post(f"{API}/bulletins", json=bulletin(str(uuid.uuid4())))
        assert (r.status_code, r.json()["code"]) == (422, "BULLETIN_INVALID"), r.text
        # a review campaign that is not completed is no result yet
        review = {
            "title": "评查",
            "unit_codes": [UNIT],
            "period_from": "2026-07-01",
            "period_to": "2026-09-30",
            "sample_size": 1,
            "reviewers": [{"id": "r", "name": "评查员", "units": [UNIT]}],
        }
        created = (await http.post(f"{API}/reviews", json=review)).json()
        r = await http.post(f"{API}/bulletins", json=bulletin(created["id"], source_kind="review"))
        assert (r.status_code, r.json()["code"]) == (422, "BULLETIN_INVALID"), r.text
        # a supervision matter: the units default to the matter's
        r = await http.post(f"{API}/bulletins", json=bulletin(str(uuid.uuid4()), source_kind="matter"))
        assert (r.status_code, r.json()["code"]) == (422, "BULLETIN_INVALID"), r.text
        opened = await http.post(f"{API}/supervision/matters", json=MATTER)
        assert opened.status_code == 201, opened.text
        matter = bulletin(opened.json()["id"], source_kind="matter")
        r = await http.post(f"{API}/bulletins", json=matter)
        assert r.status_code == 201, r.text
        assert (r.json()["source_label"], r.json()["unit_codes"]) == ("个案监督", [UNIT])
        assert opened.json()["document_no"] in (await http.get(r.json()["html_url"])).text
        # (a matter of SJ-210102, district 210102, registers that unit here)
        other = {**MATTER, "unit_code": "SJ-210102", "target_id": str(uuid.UUID(int=8))}
        assert (await http.post(f"{API}/supervision/matters", json=other)).status_code == 201
    # a district supervisor bulletins their own district's units only, from what they can see
    async with client(risk.url, headers=personas.supervisor("210102", sub="sup-102")) as http:
        r = await http.post(f"{API}/bulletins", json=matter)
        assert (r.status_code, r.json()["code"]) == (422, "BULLETIN_INVALID"), r.text  # another district's
    async with client(risk.url, headers=personas.supervisor("210104", sub="sup-104")) as http:
        r = await http.post(f"{API}/bulletins", json={**matter, "unit_codes": ["SJ-210102"]})
        assert (r.status_code, r.json()["code"]) == (403, "BULLETIN_OUTSIDE_SCOPE"), r.text
