"""The documents after the decision (issue #17), as pure data for the shared ``document.html`` template:

* 延期（分期）缴纳罚款决定书 — the agency's answer to an application under 行政处罚法 第六十六条第二款: approved with
  the dates and amounts (and what a late instalment costs: 第七十二条第一款第一项), or refused with reasons.
* 催告书 — 行政强制法 第三十五条: 履行义务的期限; 履行义务的方式; 涉及金钱给付的，明确的金额和给付方式; 当事人
  依法享有的陈述权和申辩权 (第三十六条); delivered directly (第三十八条). Before applying to the court
  (第五十四条) or, with the agency's own power, before an enforcement decision (第四十六条, 第三十七条).
* 强制执行申请书 — 行政强制法 第五十五条: the application, with the list of the materials that must go with it
  (the decision with its facts, reasons and basis; the party's opinion and the 催告; the object of enforcement).
"""

from __future__ import annotations

from datetime import date

from services.common.dates import cn_date
from services.common.money import format_yuan
from services.penalty.domain import enforcement as en
from services.penalty.domain import instalments as ins
from services.penalty.domain.documents import (
    LAW,
    Agency,
    Document,
    DocumentKind,
    PartyInfo,
    PaymentChannel,
    Section,
    compose,
    money_text,
)

COERCION_LAW = "《中华人民共和国行政强制法》"


def _where(channel: PaymentChannel) -> str:
    where = f"到{channel.bank}"
    if channel.account_name or channel.account_no:
        where += f"（户名：{channel.account_name}；账号：{channel.account_no}）"
    return f"{where}缴纳，或者通过电子支付系统缴纳" if channel.electronic else f"{where}缴纳"


def _contact(agency: Agency) -> tuple[str, ...]:
    lines = [f"本机关地址：{agency.address}"] if agency.address else []
    if agency.phone:
        lines.append(f"联系电话：{agency.phone}")
    return tuple(lines)


def build_payment_plan_decision(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    decision_no: str,
    decided_on: date,
    fine_fen: int,
    plan: ins.PaymentPlan,
    payment: PaymentChannel,
    issued_on: date,
) -> Document:
    """延期（分期）缴纳罚款决定书 (行政处罚法 第六十六条第二款)."""
    you = party.you
    what = ins.KIND_LABELS[plan.kind]
    sections = [
        Section(
            "",
            (
                f"本机关于{cn_date(decided_on)}作出{decision_no}行政处罚决定书，对{you}处以罚款{money_text(fine_fen)}。"
                f"{you}于{cn_date(plan.applied_on)}以确有经济困难为由，申请{what}罚款。",
            ),
        ),
        Section("申请理由", (plan.reasons,), items=tuple(f"证明材料：{e}" for e in plan.evidence)),
    ]
    if plan.status is ins.PlanStatus.APPROVED:
        items = tuple(
            f"第{i.seq}期：{cn_date(i.due_on)}前缴纳{money_text(i.amount_fen)}" for i in plan.instalments
        )
        sections += [
            Section(
                "决定",
                (
                    f"经审查，{plan.decision_reasons or '当事人确有经济困难'}。依据{LAW}第六十六条第二款的规定，"
                    f"本机关决定同意{you}{what}罚款，缴纳期限如下：",
                ),
                items=items,
            ),
            Section(
                "缴纳方式和逾期后果",
                (
                    f"{you}应当按期{_where(payment)}。",
                    f"逾期不缴纳的，自该期缴纳期限届满的次日起，每日按该期罚款数额的百分之三加处罚款，加处罚款的数额"
                    f"不超出该期罚款的数额（{LAW}第七十二条第一款第一项）；本机关可以依法申请人民法院强制执行"
                    f"（同条第一款第四项，{COERCION_LAW}第五十三条、第五十四条）。",
                ),
            ),
        ]
    else:
        due = cn_date(plan.previous_due) if plan.previous_due else "原决定书载明的期限"
        sections.append(
            Section(
                "决定",
                (
                    f"经审查，{plan.decision_reasons}。依据{LAW}第六十六条第二款的规定，本机关决定不予批准。",
                    f"{you}应当按照原行政处罚决定书载明的期限（{due}前）{_where(payment)}。",
                ),
            )
        )
    return compose(
        DocumentKind.PAYMENT_PLAN_DECISION,
        title=f"{what}罚款决定书"
        if plan.status is ins.PlanStatus.APPROVED
        else "不予批准延期（分期）缴纳罚款决定书",
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=issued_on,
        addressed_to=party.name,
        footer=_contact(agency),
    )


def build_enforcement_reminder(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    decision_no: str,
    decided_on: date,
    delivered_on: date,
    payment_due: date,
    fine_fen: int,
    outstanding_fen: int,
    surcharge_fen: int,
    surcharge_from: date,
    compliance_days: int,
    coercive_power: bool,
    payment: PaymentChannel,
    issued_on: date,
) -> Document:
    """催告书: the four items of 行政强制法 第三十五条, and what follows if the party still does not pay."""
    you = party.you
    then = (
        f"本机关将依法作出强制执行决定（{COERCION_LAW}第三十七条、第四十六条）"
        if coercive_power
        else f"本机关将依法申请人民法院强制执行（{COERCION_LAW}第五十三条、第五十四条）"
    )
    sections = (
        Section(
            "",
            (
                f"本机关于{cn_date(decided_on)}作出{decision_no}行政处罚决定书，已于{cn_date(delivered_on)}送达{you}，"
                f"对{you}处以罚款{money_text(fine_fen)}，缴纳期限至{cn_date(payment_due)}。{you}逾期未履行，"
                f"尚欠罚款{money_text(outstanding_fen)}。",
                f"依据{LAW}第七十二条第一款第一项和{COERCION_LAW}第四十五条的规定，自{cn_date(surcharge_from)}起每日"
                f"按罚款数额的百分之三加处罚款，加处罚款的数额不超出罚款的数额；截至{cn_date(issued_on)}，加处罚款为"
                f"{money_text(surcharge_fen)}（行政复议、行政诉讼期间不予计算，{LAW}第七十三条第三款）。",
                f"依据{COERCION_LAW}第三十五条、第五十四条的规定，现催告{you}履行下列义务：",
            ),
        ),
        Section(
            "催告事项",
            (),
            items=(
                f"履行义务的期限：自收到本催告书之日起{compliance_days}日内。",
                f"履行义务的方式：{_where(payment)}。",
                f"金额和给付方式：罚款{money_text(outstanding_fen)}，及截至缴纳之日依法计算的加处罚款"
                f"（截至{cn_date(issued_on)}为{format_yuan(surcharge_fen)}元），一次性缴纳。",
                f"{you}收到本催告书后有权进行陈述和申辩；本机关将充分听取{you}的意见，对提出的事实、理由和证据进行"
                f"记录、复核，成立的予以采纳（{COERCION_LAW}第三十五条第四项、第三十六条）。",
            ),
        ),
        Section("逾期不履行的后果", (f"{you}逾期仍不履行且无正当理由的，{then}。",)),
    )
    return compose(
        DocumentKind.ENFORCEMENT_REMINDER,
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=issued_on,
        addressed_to=party.name,
        footer=_contact(agency),
    )


def build_court_application(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    court: str,
    decision_no: str,
    decided_on: date,
    delivered_on: date,
    fine_fen: int,
    outstanding_fen: int,
    surcharge_fen: int,
    reminder: en.Reminder,
    schedule: en.Schedule,
    applied_on: date,
) -> Document:
    """强制执行申请书 (行政强制法 第五十三条至第五十五条)."""
    assert reminder.delivered_on is not None
    ends = {x.key: x.on for x in schedule.dates}
    rec, lit = ends.get("reconsideration_ends"), ends.get("litigation_ends")
    periods = (
        f"被申请人在法定期限内未申请行政复议（期限至{cn_date(rec)}），也未提起行政诉讼（期限至{cn_date(lit)}），"
        "又不履行行政处罚决定。"
        if rec and lit
        else "被申请人在法定期限内未申请行政复议或者提起行政诉讼，又不履行行政处罚决定。"
    )
    sections = (
        Section(
            "申请人",
            tuple(x for x in (agency.name, f"住所：{agency.address}" if agency.address else "") if x),
        ),
        Section(
            "请求事项",
            (),
            items=(
                f"强制执行{decision_no}行政处罚决定书确定的罚款{money_text(outstanding_fen)}；",
                f"强制执行依法加处的罚款{money_text(surcharge_fen)}（截至{cn_date(applied_on)}，"
                f"{LAW}第七十二条第一款第一项）。",
            ),
        ),
        Section(
            "事实和理由",
            (
                f"申请人于{cn_date(decided_on)}作出{decision_no}行政处罚决定书，对被申请人处以罚款{money_text(fine_fen)}，"
                f"该决定书已于{cn_date(delivered_on)}送达被申请人。",
                periods,
                f"申请人于{cn_date(reminder.delivered_on)}向被申请人送达{reminder.number}催告书，催告书送达十日后被申请人"
                f"仍未履行义务（{COERCION_LAW}第五十四条）。",
                f"依据{LAW}第七十二条第一款第四项和{COERCION_LAW}第五十三条、第五十四条的规定，申请人在法定期限内"
                f"（{schedule.application_until.isoformat() if schedule.application_until else ''}前）"
                "向贵院申请强制执行。",
            ),
        ),
        Section(
            "附件",
            (f"依据{COERCION_LAW}第五十五条，随附下列材料：",),
            items=(
                f"{decision_no}行政处罚决定书及作出决定的事实、理由和依据；",
                f"送达回证；被申请人的陈述、申辩意见及{reminder.number}催告书和送达回证；",
                f"申请强制执行标的情况：罚款{format_yuan(outstanding_fen)}元、加处罚款{format_yuan(surcharge_fen)}元；",
                "法律、行政法规规定的其他材料。",
            ),
        ),
    )
    return compose(
        DocumentKind.COURT_APPLICATION,
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=applied_on,
        addressed_to=court,
        footer=_contact(agency),
    )


def build_enforcement_decision(
    *,
    number: str,
    agency: Agency,
    party: PartyInfo,
    decision_no: str,
    decided_on: date,
    outstanding_fen: int,
    surcharge_fen: int,
    reminder: en.Reminder,
    basis: str,
    method: str,
    carried_out_on: date,
    reconsideration_body: str,
    court: str,
    issued_on: date,
) -> Document:
    """行政强制执行决定书 of an agency with its own power (行政强制法 第四十六条): the items of 第三十七条第二款 — the
    party's name and address (the party block), the reasons and basis, the manner and time, the remedies and
    their periods, the agency's name, seal and date (the signature)."""
    assert reminder.delivered_on is not None and reminder.comply_by is not None
    you = party.you
    sections = (
        Section(
            "强制执行的理由和依据",
            (
                f"本机关作出的{decision_no}行政处罚决定书，{you}逾期未履行。本机关依法加处罚款超过三十日，并于"
                f"{cn_date(reminder.delivered_on)}向{you}送达{reminder.number}催告书，{you}逾期（{cn_date(reminder.comply_by)}后）"
                "仍不履行且无正当理由。",
                f"依据{COERCION_LAW}第三十七条、第四十六条和{basis}的规定，本机关决定强制执行。",
            ),
        ),
        Section(
            "强制执行的标的、方式和时间",
            (),
            items=(
                f"标的：罚款{money_text(outstanding_fen)}，加处罚款{money_text(surcharge_fen)}；",
                f"方式：{method}；",
                f"时间：{cn_date(carried_out_on)}起。",
            ),
        ),
        Section(
            "救济途径",
            (
                f"{you}如不服本决定，可以自收到本决定书之日起六十日内向{reconsideration_body}申请行政复议，也可以自"
                f"收到本决定书之日起六个月内向{court}提起行政诉讼（《中华人民共和国行政复议法》第二十条第一款；"
                "《中华人民共和国行政诉讼法》第四十六条第一款）。",
            ),
        ),
    )
    return compose(
        DocumentKind.ENFORCEMENT_DECISION,
        number=number,
        agency=agency,
        party=party,
        sections=sections,
        signed_on=issued_on,
        footer=_contact(agency),
    )
