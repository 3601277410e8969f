"""The documents of a visit (issue #15 item 5): 现场检查笔录 and 责令改正通知书 as HTML and A4 PDF with the CJK
font embedded, read by whoever reads the visit; and their layout: long strings wrap inside the type area."""

from __future__ import annotations

import re
import uuid
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.common import checkpoints, clock, documents, seal
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.use_cases import documents as visit_documents
from services.inspection.use_cases.registries import enterprises
from tests.inspection.helpers import (
    API,
    ENTERPRISE,
    FOOD_ITEM,
    KEY_AREA_TASK,
    OTHER,
    SJ,
    Env,
    check_in,
    entry_code,
)
from tests.support import pages
from tests.support.http import ok, problem
from tests.support.personas import enterprise, officer, supervisor
from tests.support.stack import client

SJ0 = officer(SJ[0], "SJ")
EVIDENCE = "ab" * 32
REQUIREMENT = "冷藏柜温度记录缺失，应建立并保存温度记录"


def inflated(pdf: bytes) -> bytes:
    """The PDF with every stream inflated (font dictionaries may sit in compressed object streams)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            chunks.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"".join(chunks)


async def visit_with(http: httpx.AsyncClient, outcome: dict[str, Any] | None) -> str:
    """A completed visit of ENTERPRISE by SJ[0] and SJ[1], with ``outcome`` recorded for FOOD_ITEM."""
    code = await entry_code(http, KEY_AREA_TASK, caller=SJ[0], others=[SJ[1]])
    visit_id = ok(await check_in(http, code["code"]), 201)["visit"]["visit_id"]
    if outcome is not None:
        body = {"outcomes": [{"item_code": FOOD_ITEM, **outcome}]}
        ok(await http.post(f"{API}/visits/{visit_id}/outcomes", json=body, headers=SJ0))
    ok(await http.post(f"{API}/visits/{visit_id}/checkout", headers=SJ0))
    return str(visit_id)


class TestVisitDocuments:
    async def test_the_record_and_the_order_name_what_the_visit_found(self, env: Env) -> None:
        deadline = clock.today() + timedelta(days=15)
        ordered = {
            "outcome": "ordered_to_correct",
            "description": REQUIREMENT,
            "correction_deadline": str(deadline),
            "evidence_sha256": [EVIDENCE],
        }
        async with client(env.url) as http:
            visit_id = await visit_with(http, ordered)
            visit = ok(await http.get(f"{API}/visits/{visit_id}", headers=SJ0))
            record = await http.get(f"{API}/visits/{visit_id}/documents/inspection-record.html", headers=SJ0)
            order = await http.get(
                f"{API}/visits/{visit_id}/documents/correction-order.html", headers=enterprise(ENTERPRISE)
            )
            pdf = await http.get(f"{API}/visits/{visit_id}/documents/correction-order.pdf", headers=SJ0)
            record_pdf = await http.get(
                f"{API}/visits/{visit_id}/documents/inspection-record.pdf", headers=supervisor()
            )
            foreign = await http.get(
                f"{API}/visits/{visit_id}/documents/inspection-record.html", headers=enterprise(OTHER)
            )
        assert record.status_code == 200 and record.headers["content-type"].startswith("text/html")
        html = record.text
        for field in (
            "现场检查笔录",
            "被检查单位",
            "检查地点",
            "检查时间",
            "执法证号",
            "检查结果",
            "陈述、申辩",
        ):
            assert field in html, field
        assert visit["enterprise_name"] in html and ENTERPRISE in html
        for person in visit["officers"]:  # both officers with their certificate numbers
            assert person["name"] in html and person["cert_no"] in html
        assert visit["items"][0]["name"] in html and "责令改正" in html and REQUIREMENT in html
        assert EVIDENCE in html
        assert "执法人员（签名）" in html and "被检查单位负责人（签名）" in html
        assert order.status_code == 200
        text = order.text
        assert "责令改正通知书" in text and REQUIREMENT in text and visit["items"][0]["legal_basis"] in text
        assert (
            f"{deadline.year}年{deadline.month}月{deadline.day}日前" in text
        )  # the deadline, in Chinese form
        assert "六十日内" in text and "行政复议法》第二十条" in text and "行政诉讼" in text
        assert "电子签章 SHA-256" in text  # the seal area is filled
        for response in (pdf, record_pdf):
            assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")
            assert documents.cjk_font_available(), f"install the Debian package {documents.CJK_FONT_PACKAGE}"
            assert re.search(rb"/FontName\s*/[A-Z]{6}\+Noto-Serif-CJK-SC", inflated(response.content))
        assert foreign.status_code == 404  # another enterprise does not learn the visit exists

    async def test_both_documents_carry_a_signature_that_verifies_with_the_published_key(
        self, env: Env
    ) -> None:
        """The scheme of docs/api/penalty.md §5 (services/common/seal.py): an Ed25519 signature with the
        service's audit-checkpoint key over ``zhifa-document-seal/v1\\n`` + the SHA-256 of the document with
        its seal area unfilled, verified with the JWKS at ``/public/inspection/audit/keys``; a changed
        requirement or deadline no longer verifies. The order has the seal area (「（印章）」 without an image),
        the record, signed by people on paper, only the electronic signature."""
        ordered = {"outcome": "ordered_to_correct", "description": REQUIREMENT, "evidence_sha256": [EVIDENCE]}
        ordered["correction_deadline"] = str(clock.today() + timedelta(days=15))
        async with client(env.url) as http:
            visit_id = await visit_with(http, ordered)
            base = f"{API}/visits/{visit_id}/documents"
            order = (await http.get(f"{base}/correction-order.html", headers=enterprise(ENTERPRISE))).text
            again = (await http.get(f"{base}/correction-order.html", headers=SJ0)).text
            record = (await http.get(f"{base}/inspection-record.html", headers=SJ0)).text
            jwks = checkpoints.load_jwks(ok(await http.get("/public/inspection/audit/keys")))
        assert seal.verify_html(order, jwks) and seal.verify_html(record, jwks)
        assert order == again  # Ed25519 is deterministic: the same visit, the same signed document
        assert "（印章）" in order and "（印章）" not in record and "签名（Ed25519，密钥" in record
        assert not seal.verify_html(order.replace(REQUIREMENT, "无需整改"), jwks)
        assert not seal.verify_html(record.replace(EVIDENCE, "cd" * 32), jwks)

    async def test_a_visit_that_ordered_nothing_corrected_has_no_correction_order(self, env: Env) -> None:
        async with client(env.url) as http:
            visit_id = await visit_with(http, {"outcome": "compliant"})
            order = await http.get(f"{API}/visits/{visit_id}/documents/correction-order.pdf", headers=SJ0)
            record = await http.get(f"{API}/visits/{visit_id}/documents/inspection-record.html", headers=SJ0)
            missing = await http.get(
                f"{API}/visits/{uuid.uuid4()}/documents/inspection-record.html", headers=SJ0
            )
        problem(order, 409, "NO_CORRECTION_ORDERED")
        assert "符合要求" in record.text
        problem(missing, 404, "VISIT_NOT_FOUND")


# ---------------------------------------------------------------------------------------------------------
# Layout: every page of each document, the door poster's included, printed and rasterised; no ink outside the
# type area its stylesheet declares (tests/support/pages.py).

LONG_ADDRESS = "ShenyangHepingDistrictNanjingNorthStreet" * 3 + "No.1234567890"  # 133 characters, no break
LONG_TEXT = "TemperatureLogMissingForTheColdStorageCabinet" * 4
KEYS = checkpoints.load_keys(checkpoints.dev_key_file("inspection"))
LONG_NAME = "沈阳市和平区南京北街某某某某食品科技发展有限责任公司第一分公司（ShenyangMoumouFoodTechnologyDevelopmentCoLtd）"


def _visit() -> tuple[s.VisitRead, m.Enterprise]:
    at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    person = s.PersonRead(
        name="张三", cert_no="辽A-0012340", dept_code="SJ", department="沈阳市市场监督管理局"
    )
    others = [
        person.model_copy(update={"name": f"欧阳执法{n}号", "cert_no": f"辽A-{12340 + n:07d}"})
        for n in range(1, 8)
    ]
    item = s.ItemBrief(
        code=FOOD_ITEM, name="食品贮存条件检查", dept_code="SJ", legal_basis="食品安全法第三十三条"
    )
    outcome = s.OutcomeRead(
        item_code=FOOD_ITEM,
        outcome="ordered_to_correct",
        description=LONG_TEXT,
        evidence_sha256=[EVIDENCE, "cd" * 32],
        correction_deadline=date(2026, 3, 17),
        recorded_by="辽A-0012340",
        recorded_at=at,
    )
    visit = s.VisitRead(
        visit_id=uuid.UUID(int=1),
        task_id=uuid.UUID(int=2),
        task_kind="key_area",
        enterprise_uscc=ENTERPRISE,
        enterprise_name="沈阳广源食品有限公司",
        district_code="210102",
        mode="entry_code",
        status="completed",
        emergency=False,
        backfilled=False,
        reason="",
        started_at=at,
        recorded_at=at,
        completed_at=at + timedelta(hours=1),
        officers=[person, *others],  # eight officers
        accompanying=[],
        items=[item],
        outcomes=[outcome],
        rating=None,
        rating_due_at=None,
    )
    row = m.Enterprise(
        uscc=ENTERPRISE,
        name=LONG_NAME,
        address=LONG_ADDRESS,
        legal_rep_masked="王*",
        code_serial=1,
        code_issued_at=at,
    )
    return visit, row


def _sealed(kind: visit_documents.Kind) -> str:
    """The document as served: sealed with the development checkpoint key (its hash and signature printed)."""
    html = visit_documents.document_html(kind, *_visit()).html
    return seal.seal_html(html, KEYS, stamp=kind == "correction_order")


@pytest.mark.parametrize("kind", ["inspection_record", "correction_order"])
def test_no_text_crosses_the_margin(kind: visit_documents.Kind) -> None:
    html = _sealed(kind)
    assert "签名（Ed25519，密钥" in html
    assert LONG_ADDRESS in html and LONG_TEXT in html and LONG_NAME in html and "欧阳执法7号" in html
    assert "2026年3月2日09:30" in html  # 01:30 UTC is 09:30 in China (UTC+8)
    assert pages.outside(html, visit_documents.TEMPLATES) == []


def test_the_door_poster_stays_inside_its_page() -> None:
    """The poster's QR (100 mm), the long name and the rights fit the A4 page inside the poster's margins."""
    _, row = _visit()
    code = views.enterprise_code_read(row, "ZF1." + "A" * 120)  # a printed code's length, roughly
    html = enterprises.poster_html(row, code)
    assert LONG_NAME in html and "<svg" in html
    assert pages.outside(html, enterprises.POSTER_TEMPLATES) == []
    # A door poster is one sheet: a name of three lines must not push the complaint channels onto a second.
    assert pages.page_count(documents.html_to_pdf(html, enterprises.POSTER_TEMPLATES)) == 1


def test_the_check_fails_on_a_line_that_does_not_wrap() -> None:
    html = _sealed("inspection_record")
    unwrapped = html.replace("</style>", "body, p, li, td, th { white-space: nowrap; }</style>", 1)
    assert pages.outside(unwrapped, visit_documents.TEMPLATES)
