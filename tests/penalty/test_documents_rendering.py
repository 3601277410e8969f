"""Rendering the penalty documents (HTML, and one PDF) built by the domain (tests/penalty/domain/test_documents.py)."""

from __future__ import annotations

import re
import zlib
from datetime import date

from services.common import documents as kernel_documents
from services.penalty.domain import documents as d
from services.penalty.use_cases import documents as rendering
from tests.penalty.domain.test_documents import AGENCY, ORG, VIOLATED, _decision


class TestRendering:
    def test_html_is_escaped_and_complete(self) -> None:
        doc = _decision(facts=("当事人<script>alert(1)</script>销售过期食品。",))
        html = rendering.render_html(doc)
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        assert "沈市监罚〔2026〕123号" in html and "伍万元整" in html and "@page" in html

    def test_every_template_renders(self) -> None:
        form = d.build_filing_approval(
            number="沈市监立〔2026〕11号",
            agency=AGENCY,
            party=ORG,
            source="监督检查",
            summary="涉嫌经营超过保质期的食品",
            facts_brief="简要案情",
            suspected_provisions=VIOLATED,
            officers=(d.Officer("张三", "辽A-1"), d.Officer("李四", "辽A-2")),
            undertaker_opinion="建议立案",
            proposed_on=date(2026, 3, 1),
            approver="王局长",
            approval_opinion="同意",
            approved_on=date(2026, 3, 2),
        )
        html = rendering.render_html(form)
        assert "<table" in html and "立案审批表" in html and "签名：王局长" in html

    def test_pdf_embeds_a_cjk_font(self) -> None:
        """One real PDF: WeasyPrint must find Noto CJK (Debian fonts-noto-cjk) and embed a subset."""
        assert kernel_documents.cjk_font_available(), (
            f"install the Debian package {kernel_documents.CJK_FONT_PACKAGE}"
        )
        pdf = rendering.render_pdf(_decision())
        assert pdf.startswith(b"%PDF-")
        # Font dictionaries may sit in compressed object streams: inflate every stream and look there too.
        chunks = [pdf]
        for match in re.finditer(rb"stream\r?\n", pdf):
            try:
                chunks.append(zlib.decompressobj().decompress(pdf[match.end() :]))
            except zlib.error:
                continue
        blob = b"".join(chunks)
        assert re.search(rb"/FontName\s*/[A-Z]{6}\+Noto-Serif-CJK-SC", blob), "Noto Serif CJK SC not embedded"
        assert re.search(rb"/FontFile[23]?", blob), "font program not embedded"
