"""Every penalty document stays inside its page (issue #15 item 5): long unbroken strings (a hash, a signature,
an account number, an address written without spaces) wrap instead of running past the right margin.

Each document kind is laid out by WeasyPrint, the engine that writes the PDF, with a party whose address
and an account number are long ASCII runs, and sealed (its SHA-256 and Ed25519 signature printed in full).
Every line of text of every page must end inside the page's type area (A4, GB/T 9704 margins: 210 mm less
28 mm and 26 mm). The boxes are read rather than pixels of a PNG: PyMuPDF and poppler (pdftoppm) are not
installed here, and a browser would lay out the HTML with another engine than the PDF's.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common import checkpoints, seal
from services.penalty.domain import documents as d
from services.penalty.domain import payment_code as pc
from services.penalty.domain.procedure import PartyKind, Penalty
from services.penalty.domain.procedure import PenaltyKind as K
from services.penalty.use_cases import documents as rendering
from tests.penalty.domain.test_documents import AGENCY, BASIS, BENCHMARK, EVIDENCE, FACTS, REMEDIES, VIOLATED

LONG_ADDRESS = "ShenyangHepingDistrictNanjingNorthStreet" * 3 + "No.1234567890"
LONG_PARTY = d.PartyInfo(
    "沈阳某某食品有限公司", PartyKind.ORGANISATION, "91210102MA0XXXXXXX", LONG_ADDRESS, "李四"
)
BANK = d.PaymentChannel(
    "中国工商银行沈阳分行", "沈阳市财政局", "6222" * 10, payment_code=pc.payment_code("210102", 2026, 12345)
)
KEYS = checkpoints.load_keys(checkpoints.dev_key_file("penalty"))


def _documents() -> dict[str, d.Document | d.FilingApproval]:
    penalty = Penalty(frozenset({K.WARNING, K.FINE}), fine_fen=50_000 * 100)
    common = {"agency": AGENCY, "party": LONG_PARTY, "summary": "经营超过保质期的食品"}
    return {
        "filing_approval": d.build_filing_approval(
            number="沈市监立〔2026〕11号",
            **common,  # type: ignore[arg-type]
            source="监督检查",
            facts_brief="简要案情：" + "x" * 200,
            suspected_provisions=VIOLATED,
            officers=(d.Officer("张三", "辽A-1"), d.Officer("李四", "辽A-2")),
            undertaker_opinion="建议立案",
            proposed_on=date(2026, 3, 1),
            approver="王局长",
            approval_opinion="同意",
            approved_on=date(2026, 3, 2),
        ),
        "penalty_notice": d.build_penalty_notice(
            number="沈市监罚告〔2026〕7号",
            **common,  # type: ignore[arg-type]
            filed_on=date(2026, 3, 2),
            facts=FACTS,
            evidence=(*EVIDENCE, "检查记录证据（SHA-256 " + "ab" * 32 + "）"),
            violated=VIOLATED,
            penalty_basis=BASIS,
            benchmark=BENCHMARK,
            reasons=("初次违法。",),
            proposed=penalty,
            statement_working_days=5,
            hearing_offered=True,
            issued_on=date(2026, 3, 10),
        ),
        "hearing_notice": d.build_hearing_notice(
            number="沈市监听告〔2026〕8号",
            **common,  # type: ignore[arg-type]
            proposed=penalty,
            penalty_basis=BASIS,
            issued_on=date(2026, 3, 10),
        ),
        "penalty_decision": d.build_penalty_decision(
            number="沈市监罚〔2026〕123号",
            **common,  # type: ignore[arg-type]
            filed_on=date(2026, 3, 2),
            facts=FACTS,
            evidence=EVIDENCE,
            violated=VIOLATED,
            penalty_basis=BASIS,
            benchmark=BENCHMARK,
            reasons=("初次违法。",),
            defence=(),
            penalty=penalty,
            payment=BANK,
            remedies=REMEDIES,
            decided_on=date(2026, 3, 20),
            confiscated=(d.ConfiscatedItem("Model-" + "X" * 90, "12pcs", 1_250_050),),
        ),
        "no_penalty_decision": d.build_no_penalty_decision(
            number="沈市监不罚〔2026〕3号",
            **common,  # type: ignore[arg-type]
            filed_on=date(2026, 3, 2),
            facts=FACTS,
            evidence=EVIDENCE,
            violated=VIOLATED,
            no_penalty_basis=(d.Provision("中华人民共和国行政处罚法", "第三十三条第一款"),),
            reasons=("没有造成危害后果。",),
            education=(),
            remedies=REMEDIES,
            decided_on=date(2026, 3, 5),
        ),
    }


def overflowing_lines(html: str) -> list[str]:
    """Text boxes that end past the right edge of their page's type area (or start left of it)."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    out = []
    for number, page in enumerate(
        weasyprint.HTML(string=html, base_url=str(rendering.TEMPLATES)).render().pages
    ):
        area = page._page_box
        left, right = area.content_box_x(), area.content_box_x() + area.width
        for box in area.descendants():
            if isinstance(box, boxes.TextBox) and (
                box.position_x + box.width > right + 0.5 or box.position_x < left - 0.5
            ):
                out.append(
                    f"page {number + 1}: {box.text[:40]}… ends at {box.position_x + box.width:.0f} > {right:.0f}"
                )
    return out


@pytest.mark.parametrize("kind", list(d.DocumentKind))
def test_no_text_crosses_the_margin(kind: d.DocumentKind) -> None:
    document = _documents()[kind.value]
    html = seal.seal_html(rendering.render_html(document), KEYS)
    if kind is not d.DocumentKind.FILING_APPROVAL:  # an internal form: not sealed
        assert "电子签章 SHA-256" in html
    letters = (d.DocumentKind.PENALTY_NOTICE, d.DocumentKind.HEARING_NOTICE)  # addressed by name only
    assert (LONG_ADDRESS in html) is (kind not in letters)
    assert overflowing_lines(html) == []


def test_the_check_fails_on_a_line_that_does_not_wrap() -> None:
    """The check has teeth: the same decision with wrapping switched off runs past the margin."""
    html = seal.seal_html(rendering.render_html(_documents()["penalty_decision"]), KEYS)
    unwrapped = html.replace(
        "</style>", "body, p, li, td, th { overflow-wrap: normal; word-break: normal; }</style>", 1
    )
    assert overflowing_lines(unwrapped)
