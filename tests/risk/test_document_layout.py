"""Risk's documents stay inside their page (issue #15 item 5): the 通报 and the supervision-matter documents
(监督意见书, 纠错通知书, 提级办理), printed with long unbroken strings (a SHA-256, a case number without breaks,
a long unit name) and rasterised; no ink outside the type area their stylesheet declares
(tests/support/pages.py)."""

from __future__ import annotations

from datetime import date

import pytest

from services.common import documents
from services.risk.domain import bulletins as rules
from services.risk.domain import matters as m
from services.risk.use_cases import bulletins, matters
from tests.support import pages

HASH = "ab" * 32  # a SHA-256 in hex: 64 characters without a break opportunity
LONG_REF = "沈市监罚〔2026〕" + "1234567890" * 6 + "号"
LONG_UNIT = (
    "沈阳市和平区南京北街某某某某综合行政执法大队第一中队（ShenyangHepingComprehensiveEnforcementBrigade）"
)


def _matter(kind: m.MatterKind) -> str:
    row = {
        "kind": kind.value,
        "target_kind": "case",
        "document_no": "沈司监督〔2026〕12号",
        "unit_code": LONG_UNIT,
        "target_ref": LONG_REF,
        "grounds": f"案卷所附现场照片的哈希值（SHA-256 {HASH}）与存证记录不一致。" * 2,
        "legal_basis": "《行政执法监督条例》第二十四条；"
        + "《中华人民共和国行政处罚法》第三十三条第一款" * 3,
        "requested_action": "请核查证据并说明理由：" + HASH,
        "deadline_working_days": 10,
        "due_on": date(2026, 12, 7),
        "opened_on": date(2026, 11, 23),
    }
    return matters._document(row, decided_by="市司法局监督员" * 4)


def _bulletin() -> str:
    return documents.render_html(
        bulletins.TEMPLATES,
        "bulletin.html",
        b={
            "agency": rules.AGENCY,
            "title": "沈阳市行政执法案卷评查结果（" + HASH + "）",
            "number": "沈司通〔2026〕3号",
            "units": [LONG_UNIT] * 4,
            "paragraphs": [f"经评查，案卷证据的哈希值 {HASH} 与存证不一致。" * 2, LONG_REF],
            "source": "案卷评查 " + HASH,
            "issued_on": date(2026, 11, 23),
            "public": True,
        },
    )


@pytest.mark.parametrize("kind", list(m.MatterKind))
def test_no_supervision_matter_document_crosses_the_margin(kind: m.MatterKind) -> None:
    html = _matter(kind)
    assert HASH in html and LONG_REF in html and LONG_UNIT in html
    assert pages.outside(html, matters.TEMPLATES) == []


def test_no_bulletin_crosses_the_margin() -> None:
    html = _bulletin()
    assert HASH in html and LONG_UNIT in html
    assert pages.outside(html, bulletins.TEMPLATES) == []
