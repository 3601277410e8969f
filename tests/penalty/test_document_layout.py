"""Every penalty document stays inside its page (issue #15 item 5): long unbroken strings (a hash, a signature,
an account number, an address written without spaces, a long party name, a long list of officers) wrap
instead of running past the margin.

Each document kind is printed to PDF as the service prints it, with a party whose name, address and account
number are long runs, and sealed (its SHA-256 and Ed25519 signature printed in full); every page is then
rasterised (tests/support/pages.py, PDFium) and no ink may lie outside the type area its stylesheet's
``@page`` rule declares (GB/T 9704: A4 less 37/26/35/28 mm), the page number in the bottom margin aside.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common import checkpoints, seal
from services.penalty.domain import documents as d
from services.penalty.domain import enforcement as en
from services.penalty.domain import enforcement_documents as ed
from services.penalty.domain import instalments as ins
from services.penalty.domain import payment_code as pc
from services.penalty.domain.procedure import PartyKind, Penalty
from services.penalty.domain.procedure import PenaltyKind as K
from services.penalty.use_cases import documents as rendering
from tests.penalty.domain.test_documents import AGENCY, BASIS, BENCHMARK, EVIDENCE, FACTS, REMEDIES, VIOLATED
from tests.support import pages

LONG_ADDRESS = "ShenyangHepingDistrictNanjingNorthStreet" * 3 + "No.1234567890"  # 133 characters, no break
LONG_NAME = "沈阳市和平区南京北街某某某某食品科技发展有限责任公司第一分公司（ShenyangMoumouFoodTechnologyDevelopmentCoLtd）"
LONG_PARTY = d.PartyInfo(LONG_NAME, PartyKind.ORGANISATION, "91210102MA0XXXXXXX", LONG_ADDRESS, "李四")
OFFICERS = tuple(d.Officer(f"欧阳执法{n}号", f"辽A-{n:07d}") for n in range(1, 9))  # eight officers
BANK = d.PaymentChannel(
    "中国工商银行沈阳分行", "沈阳市财政局", "6222" * 10, payment_code=pc.payment_code("210102", 2026, 12345)
)
KEYS = checkpoints.load_keys(checkpoints.dev_key_file("penalty"))


PLAN = ins.PaymentPlan(
    kind=ins.PlanKind.INSTALMENTS,
    applied_on=date(2026, 3, 25),
    applicant="沈阳某某食品有限公司",
    reasons="受疫情影响经营亏损，流动资金不足。",
    evidence=("银行流水（SHA-256 " + "cd" * 32 + "）",),
    status=ins.PlanStatus.APPROVED,
    decided_on=date(2026, 3, 30),
    approved_by="王局长",
    decision_reasons="当事人确有经济困难",
    previous_due=date(2026, 4, 4),
    instalments=(
        ins.Instalment(1, date(2026, 4, 30), 20_000 * 100),
        ins.Instalment(2, date(2026, 5, 29), 30_000 * 100),
    ),
)
REMINDER = en.Reminder(
    "沈市监催〔2026〕2号",
    date(2026, 6, 1),
    10,
    delivered_on=date(2026, 6, 2),
    method="direct",
    recipient="李四",
)
SCHEDULE = en.Schedule(
    stage=en.Stage.REMINDED,
    coercive_power=False,
    dates=(
        en.DateLine("reconsideration_ends", "行政复议期限届满", date(2026, 5, 19), "行政复议法第二十条", ""),
        en.DateLine("litigation_ends", "行政诉讼期限届满", date(2026, 9, 20), "行政诉讼法第四十六条", ""),
    ),
    application_from=date(2026, 9, 21),
    application_until=date(2026, 12, 21),
)


def _after_the_decision() -> dict[str, d.Document]:
    """The documents after the decision (issue #17), on the same long party and account number."""
    decision = {"agency": AGENCY, "party": LONG_PARTY, "decision_no": "沈市监罚〔2026〕123号"}
    owed = {"outstanding_fen": 50_000 * 100, "surcharge_fen": 4_500 * 100}
    return {
        "payment_plan_decision": ed.build_payment_plan_decision(
            number="沈市监分缴〔2026〕1号",
            **decision,  # type: ignore[arg-type]
            decided_on=date(2026, 3, 20),
            fine_fen=50_000 * 100,
            plan=PLAN,
            payment=BANK,
            issued_on=date(2026, 3, 30),
        ),
        "enforcement_reminder": ed.build_enforcement_reminder(
            number=REMINDER.number,
            **decision,  # type: ignore[arg-type]
            decided_on=date(2026, 3, 20),
            delivered_on=date(2026, 3, 21),
            payment_due=date(2026, 4, 4),
            fine_fen=50_000 * 100,
            **owed,
            surcharge_from=date(2026, 4, 5),
            compliance_days=10,
            coercive_power=False,
            payment=BANK,
            issued_on=date(2026, 6, 1),
        ),
        "court_application": ed.build_court_application(
            number="沈市监强申〔2026〕1号",
            **decision,  # type: ignore[arg-type]
            court="沈阳市和平区人民法院",
            decided_on=date(2026, 3, 20),
            delivered_on=date(2026, 3, 21),
            fine_fen=50_000 * 100,
            **owed,
            reminder=REMINDER,
            schedule=SCHEDULE,
            applied_on=date(2026, 10, 8),
        ),
        "enforcement_decision": ed.build_enforcement_decision(
            number="沈市监强执〔2026〕1号",
            **decision,  # type: ignore[arg-type]
            decided_on=date(2026, 3, 20),
            **owed,
            reminder=REMINDER,
            basis="《中华人民共和国税收征收管理法》第四十条",
            method="划拨存款（账号 " + "6222" * 10 + "）",
            carried_out_on=date(2026, 6, 20),
            reconsideration_body="沈阳市人民政府",
            court="沈阳市和平区人民法院",
            issued_on=date(2026, 6, 15),
        ),
    }


def _documents() -> dict[str, d.Document | d.FilingApproval]:
    penalty = Penalty(frozenset({K.WARNING, K.FINE}), fine_fen=50_000 * 100)
    common = {"agency": AGENCY, "party": LONG_PARTY, "summary": "经营超过保质期的食品"}
    return {
        **_after_the_decision(),
        "filing_approval": d.build_filing_approval(
            number="沈市监立〔2026〕11号",
            **common,  # type: ignore[arg-type]
            source="监督检查",
            facts_brief="简要案情：" + "x" * 200,
            suspected_provisions=VIOLATED,
            officers=OFFICERS,
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


@pytest.mark.parametrize("kind", list(d.DocumentKind))
def test_no_text_crosses_the_margin(kind: d.DocumentKind) -> None:
    document = _documents()[kind.value]
    html = seal.seal_html(rendering.render_html(document), KEYS)
    if kind is not d.DocumentKind.FILING_APPROVAL:  # an internal form: not sealed
        assert "电子签章 SHA-256" in html
    letters = (d.DocumentKind.PENALTY_NOTICE, d.DocumentKind.HEARING_NOTICE)  # addressed by name only
    assert (LONG_ADDRESS in html) is (kind not in letters)
    assert LONG_NAME in html
    assert pages.outside(html, rendering.TEMPLATES) == []


def test_the_check_fails_on_a_line_that_does_not_wrap() -> None:
    """The check has teeth: the same decision with its lines kept from wrapping runs past the margin."""
    html = seal.seal_html(rendering.render_html(_documents()["penalty_decision"]), KEYS)
    unwrapped = html.replace("</style>", "body, p, li, td, th { white-space: nowrap; }</style>", 1)
    assert pages.outside(unwrapped, rendering.TEMPLATES)
