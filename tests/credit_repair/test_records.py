"""信用修复提示书 as documents: the HTML the consumer stores at issue and the PDF rendered on first request
(services/credit_repair/templates/repair_notice.html through services.common.documents)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import weasyprint

from services.common import documents
from services.credit_repair.domain import notice as nt
from services.credit_repair.domain import publication as pub
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import Decision
from services.credit_repair.domain.rules import PartyKind, PenaltyKind, ProcedureKind
from services.credit_repair.use_cases import records
from tests.support import pages

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "credit_rules.json"
CURRENT = rules.parse_rule_sets(SAMPLE.read_text(encoding="utf-8"))[1]
YUAN = 100


def build(
    *kinds: PenaltyKind, fine_yuan: int = 0, subject_name: str = "沈阳某某商贸有限公司"
) -> nt.RepairNotice:
    d = Decision(
        decision_no="沈市监罚〔2026〕123号",
        decision_date=date(2026, 4, 15),
        party_kind=PartyKind.ORGANISATION,
        procedure=ProcedureKind.GENERAL,
        kinds=frozenset(kinds),
        fine_fen=fine_yuan * YUAN,
        department_domain="market_regulation",
    )
    c = pub.classify(d, CURRENT)
    return nt.build_notice(
        number=nt.NoticeNumber("沈信修提", 2026, 12),
        issued_on=date(2026, 4, 15),
        issuer="沈阳市市场监督管理局",
        subject_name=subject_name,
        subject_id="91210100MA0XXXXX1A",
        decision=d,
        classification=c,
        window=pub.publication_window(d.decision_date, c, CURRENT),
        rule_set=CURRENT,
    )


class TestRendering:
    def test_html_contains_the_facts_and_escapes(self) -> None:
        n = build(PenaltyKind.FINE, fine_yuan=80_000, subject_name="<b>某某</b>公司")
        html = records.notice_html(n)
        assert "信用修复提示书" in html
        assert "沈信修提〔2026〕12号" in html
        assert "2026年7月15日" in html
        assert "&lt;b&gt;某某&lt;/b&gt;公司" in html
        assert "<b>某某</b>" not in html

    def test_unpublished_html(self) -> None:
        html = records.notice_html(build(PenaltyKind.WARNING))
        assert "不予公示" in html
        assert "最早可申请修复日期" not in html

    def test_pdf(self) -> None:
        pdf = documents.html_to_pdf(records.notice_html(build(PenaltyKind.FINE, fine_yuan=80_000)))
        assert pdf.startswith(b"%PDF")

    def test_pdf_embeds_a_cjk_font(self) -> None:
        html = records.notice_html(build(PenaltyKind.WARNING))
        pdf = weasyprint.HTML(string=html).write_pdf(uncompressed_pdf=True)
        assert pdf is not None
        assert b"CJK" in pdf  # a CJK font (fonts-noto-cjk) was found and embedded, not blank boxes


class TestLayout:
    """Issue #15 item 5: the notice stays inside its page with a long party name and decision number; every
    page printed and rasterised, no ink outside the type area its stylesheet declares (tests/support/pages.py)."""

    # A registered English name of 126 characters without a space: longer than a line of the page.
    LONG_NAME = (
        "沈阳某某食品科技发展有限责任公司（"
        + "ShenyangHepingMoumouFoodTechnologyDevelopment" * 2
        + "CoLtdFirstBranchOffice）"
    )

    @pytest.mark.parametrize(("kind", "fine_yuan"), [(PenaltyKind.FINE, 80_000), (PenaltyKind.WARNING, 0)])
    def test_no_text_crosses_the_margin(self, kind: PenaltyKind, fine_yuan: int) -> None:
        html = records.notice_html(build(kind, fine_yuan=fine_yuan, subject_name=self.LONG_NAME))
        assert self.LONG_NAME in html
        assert pages.outside(html, records.TEMPLATES) == []
