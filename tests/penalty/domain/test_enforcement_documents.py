"""The documents after the decision carry what their articles require: 延期（分期）缴纳罚款决定书 (行政处罚法
第六十六条第二款), 催告书 (行政强制法 第三十五条: period, manner, amount and manner of payment, the right to state
and defend), 强制执行申请书 (第五十五条: the materials)."""

from __future__ import annotations

from datetime import date

from services.penalty.domain import documents as d
from services.penalty.domain import enforcement as en
from services.penalty.domain import enforcement_documents as ed
from services.penalty.domain import instalments as ins
from services.penalty.domain.procedure import PartyKind

YUAN = 100
AGENCY = d.Agency("沈阳市市场监督管理局", "SJ", address="沈阳市和平区某路1号", phone="024-12345678")
ORG = d.PartyInfo(
    "沈阳某某食品有限公司", PartyKind.ORGANISATION, "91210102MA0XXXXXXX", "沈阳市和平区某街2号", "李四"
)
BANK = d.PaymentChannel("中国工商银行沈阳分行各营业网点")


def text(doc: d.Document) -> str:
    return "\n".join(p for s in doc.sections for p in (s.heading, *s.paragraphs, *s.items))


def test_instalment_decision_lists_every_instalment() -> None:
    plan = ins.apply(
        ins.PlanKind.INSTALMENTS,
        applied_on=date(2026, 11, 20),
        applicant="x",
        reasons="资金周转困难",
        evidence=["流水"],
    )
    plan = ins.approve(
        plan,
        decided_on=date(2026, 11, 25),
        approved_by="王局长",
        reasons="当事人确有经济困难",
        current_due=date(2026, 12, 1),
        outstanding_fen=27_500 * YUAN,
        items=[(date(2026, 12, 1), 20_000 * YUAN), (date(2027, 1, 4), 7_500 * YUAN)],
    )
    doc = ed.build_payment_plan_decision(
        number="沈市监缓缴〔2026〕1号",
        agency=AGENCY,
        party=ORG,
        decision_no="沈市监罚〔2026〕9号",
        decided_on=date(2026, 11, 16),
        fine_fen=27_500 * YUAN,
        plan=plan,
        payment=BANK,
        issued_on=date(2026, 11, 25),
    )
    body = text(doc)
    assert doc.title == "分期缴纳罚款决定书"
    assert "第1期：2026年12月1日前缴纳人民币20,000.00元（大写：贰万元整）" in body
    assert "第2期：2027年1月4日前缴纳人民币7,500.00元（大写：柒仟伍佰元整）" in body
    assert "第六十六条第二款" in body and "第七十二条第一款第一项" in body


def test_reminder_has_the_four_items_of_article_35() -> None:
    doc = ed.build_enforcement_reminder(
        number="沈市监催〔2026〕1号",
        agency=AGENCY,
        party=ORG,
        decision_no="沈市监罚〔2026〕9号",
        decided_on=date(2026, 3, 2),
        delivered_on=date(2026, 3, 2),
        payment_due=date(2026, 3, 17),
        fine_fen=27_500 * YUAN,
        outstanding_fen=27_500 * YUAN,
        # 03-18 … 03-18: 1 day × 3% × 27,500.00 = 825.00
        surcharge_fen=825 * YUAN,
        surcharge_from=date(2026, 3, 18),
        compliance_days=10,
        coercive_power=False,
        payment=BANK,
        issued_on=date(2026, 3, 18),
    )
    items = next(s for s in doc.sections if s.heading == "催告事项").items
    assert items[0].startswith("履行义务的期限：自收到本催告书之日起10日内")  # 第三十五条第一项
    assert items[1].startswith("履行义务的方式")  # 第二项
    assert "罚款人民币27,500.00元" in items[2] and "825.00元" in items[2]  # 第三项
    assert "陈述和申辩" in items[3] and "第三十六条" in items[3]  # 第四项
    assert "申请人民法院强制执行" in text(doc) and doc.number == "沈市监催〔2026〕1号"


def test_court_application_lists_the_materials_of_article_55() -> None:
    reminder = en.Reminder("沈市监催〔2026〕1号", date(2026, 3, 18), 10, delivered_on=date(2026, 3, 18))
    schedule = en.Schedule(
        en.Stage.REMINDED,
        False,
        (
            en.DateLine("reconsideration_ends", "", date(2026, 5, 6), "", ""),
            en.DateLine("litigation_ends", "", date(2026, 9, 2), "", ""),
        ),
        application_until=date(2026, 12, 2),
    )
    doc = ed.build_court_application(
        number="沈市监强申〔2026〕1号",
        agency=AGENCY,
        party=ORG,
        court="沈阳市和平区人民法院",
        decision_no="沈市监罚〔2026〕9号",
        decided_on=date(2026, 3, 2),
        delivered_on=date(2026, 3, 2),
        fine_fen=27_500 * YUAN,
        outstanding_fen=27_500 * YUAN,
        surcharge_fen=27_500 * YUAN,
        reminder=reminder,
        schedule=schedule,
        applied_on=date(2026, 9, 3),
    )
    body = text(doc)
    assert doc.salutation == "沈阳市和平区人民法院："
    assert "期限至2026年5月6日" in body and "期限至2026年9月2日" in body
    assert "2026年3月18日" in body and "第五十四条" in body
    materials = next(s for s in doc.sections if s.heading == "附件").items
    assert len(materials) == 4 and "行政处罚决定书" in materials[0] and "催告书" in materials[1]
