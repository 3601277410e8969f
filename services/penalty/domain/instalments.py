"""延期、分期缴纳罚款 (行政处罚法 第六十六条第二款): the party's application, the agency's decision, the plan, and
the surcharge on an instalment paid late.

* 第六十六条第二款: 当事人确有经济困难，需要延期或者分期缴纳罚款的，经当事人申请和行政机关批准，可以暂缓或者
  分期缴纳. So there is an application (reasons, evidence of hardship) before any approval, and the agency
  approves or refuses it with reasons.
* An approved instalment plan has dates and amounts in fen that add up exactly to the fine still outstanding;
  the dates are strictly increasing, none before the approval; the last one is later than the current last day to pay (otherwise
  nothing is deferred). The case's last day to pay moves to the last instalment (the procedure's
  ``GrantDeferral``), so the whole-fine surcharge and the deadline scan see the plan's end.
* 第七十二条第一款第一项: 到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额.
  Under a plan the obligation falls due instalment by instalment, so the surcharge runs only on an instalment
  that is overdue, from the day after its own due date, on its own amount, until the day it is paid; each
  instalment's surcharge is capped at its amount, so the total never exceeds the fine. Days of a recorded
  reconsideration or lawsuit are not counted (第七十三条第三款). The arithmetic is ``deadlines.surcharge``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.common.money import format_yuan
from services.penalty.domain import deadlines
from services.penalty.domain.errors import PaymentPlanConflict, PaymentPlanInvalid

ARTICLE_PLAN = "《中华人民共和国行政处罚法》第六十六条第二款"
ARTICLE_SURCHARGE = "《中华人民共和国行政处罚法》第七十二条第一款第一项"
ARTICLE_REMEDY_PAUSE = "《中华人民共和国行政处罚法》第七十三条第三款"
MAX_INSTALMENTS = 36  # a policy bound, not a statutory one: three years of monthly instalments


class PlanKind(enum.StrEnum):
    DEFERRAL = "deferral"  # 延期（暂缓）缴纳
    INSTALMENTS = "instalments"  # 分期缴纳


KIND_LABELS = {PlanKind.DEFERRAL: "延期缴纳", PlanKind.INSTALMENTS: "分期缴纳"}


class PlanStatus(enum.StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Instalment:
    seq: int  # 1, 2, ...
    due_on: date
    amount_fen: int
    paid_on: date | None = None
    surcharge_paid_fen: int = 0
    receipt_ref: str = ""


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """One application for deferral or instalments and what became of it."""

    kind: PlanKind
    applied_on: date
    applicant: str  # who filed it (the party itself, or the officer who took it down)
    reasons: str
    evidence: tuple[str, ...]  # references to the hardship evidence (bank statements, losses ...)
    status: PlanStatus = PlanStatus.APPLIED
    decided_on: date | None = None
    approved_by: str = ""
    decision_reasons: str = ""
    previous_due: date | None = None  # the last day to pay before the approval
    instalments: tuple[Instalment, ...] = ()  # a deferral is one instalment of the whole outstanding fine
    document_number: str = ""  # 延期（分期）缴纳罚款决定书

    @property
    def last_due(self) -> date | None:
        return self.instalments[-1].due_on if self.instalments else None


def apply(
    kind: PlanKind, *, applied_on: date, applicant: str, reasons: str, evidence: Sequence[str]
) -> PaymentPlan:
    """The party's application (第六十六条第二款: 经当事人申请): reasons and evidence of hardship are required."""
    if not reasons.strip():
        raise PaymentPlanInvalid(
            f"申请须说明确有经济困难的理由（{ARTICLE_PLAN}）", errors=[{"field": "reasons"}]
        )
    if not [e for e in evidence if e.strip()]:
        raise PaymentPlanInvalid(
            f"申请须附经济困难的证明材料（{ARTICLE_PLAN}）", errors=[{"field": "evidence"}]
        )
    return PaymentPlan(
        kind, applied_on, applicant, reasons.strip(), tuple(e.strip() for e in evidence if e.strip())
    )


def _pending(plan: PaymentPlan) -> None:
    if plan.status is not PlanStatus.APPLIED:
        raise PaymentPlanConflict(f"该申请已于{plan.decided_on}作出决定，不得重复决定")


def validate_instalments(
    items: Sequence[tuple[date, int]], *, outstanding_fen: int, current_due: date, decided_on: date
) -> tuple[Instalment, ...]:
    """The approved plan's instalments: amounts in fen adding up exactly to the fine outstanding, dates strictly
    increasing, none before the approval, the last one after the current last day to pay."""
    if not 2 <= len(items) <= MAX_INSTALMENTS:
        raise PaymentPlanInvalid(f"分期缴纳须分为2至{MAX_INSTALMENTS}期", errors=[{"field": "instalments"}])
    previous: date | None = None
    for i, (due_on, amount) in enumerate(items, start=1):
        if amount <= 0:
            raise PaymentPlanInvalid(
                f"第{i}期金额须为正数", errors=[{"field": f"instalments.{i - 1}.amount_fen"}]
            )
        if due_on < decided_on or (previous is not None and due_on <= previous):
            raise PaymentPlanInvalid(
                f"第{i}期缴纳日期{due_on.isoformat()}须晚于上一期且不早于批准之日",
                errors=[{"field": "instalments"}],
            )
        previous = due_on
    total = sum(amount for _, amount in items)
    if total != outstanding_fen:
        raise PaymentPlanInvalid(
            f"各期金额合计{format_yuan(total)}元，与尚欠罚款{format_yuan(outstanding_fen)}元不一致",
            errors=[{"field": "instalments"}],
        )
    _after_due(items[-1][0], current_due)
    return tuple(Instalment(i, due, amount) for i, (due, amount) in enumerate(items, start=1))


def _after_due(last: date, current_due: date) -> None:
    if last <= current_due:
        raise PaymentPlanInvalid(
            f"延期或分期后的最后缴纳日期须晚于现缴纳期限（{current_due.isoformat()}）（{ARTICLE_PLAN}）",
            errors=[{"field": "instalments"}],
        )


def approve(
    plan: PaymentPlan,
    *,
    decided_on: date,
    approved_by: str,
    reasons: str,
    current_due: date,
    outstanding_fen: int,
    new_due: date | None = None,
    items: Sequence[tuple[date, int]] = (),
    document_number: str = "",
) -> PaymentPlan:
    """批准 (第六十六条第二款): a deferral to ``new_due``, or instalments ``items`` (date, fen)."""
    _pending(plan)
    if not approved_by.strip():
        raise PaymentPlanInvalid("须载明批准人", errors=[{"field": "approved_by"}])
    if plan.kind is PlanKind.DEFERRAL:
        if new_due is None:
            raise PaymentPlanInvalid("延期缴纳须载明延期后的缴纳期限", errors=[{"field": "new_due"}])
        _after_due(new_due, current_due)
        instalments: tuple[Instalment, ...] = (Instalment(1, new_due, outstanding_fen),)
    else:
        instalments = validate_instalments(
            items, outstanding_fen=outstanding_fen, current_due=current_due, decided_on=decided_on
        )
    return replace(
        plan,
        status=PlanStatus.APPROVED,
        decided_on=decided_on,
        approved_by=approved_by.strip(),
        decision_reasons=reasons.strip(),
        previous_due=current_due,
        instalments=instalments,
        document_number=document_number,
    )


def refuse(plan: PaymentPlan, *, decided_on: date, approved_by: str, reasons: str) -> PaymentPlan:
    """不予批准, with reasons (the party keeps the original last day to pay)."""
    _pending(plan)
    if not reasons.strip():
        raise PaymentPlanInvalid("不予批准须说明理由", errors=[{"field": "reasons"}])
    return replace(
        plan,
        status=PlanStatus.REFUSED,
        decided_on=decided_on,
        approved_by=approved_by.strip(),
        decision_reasons=reasons.strip(),
    )


def in_force(plans: Sequence[PaymentPlan]) -> int | None:
    """Index of the plan in force: the last approved one (a later application may be pending or refused)."""
    found = [i for i, plan in enumerate(plans) if plan.status is PlanStatus.APPROVED]
    return found[-1] if found else None


def instalment(plan: PaymentPlan, seq: int) -> Instalment:
    if plan.status is not PlanStatus.APPROVED:
        raise PaymentPlanConflict("本案没有已批准的延期或分期缴纳方案")
    for item in plan.instalments:
        if item.seq == seq:
            return item
    raise PaymentPlanInvalid(f"方案中没有第{seq}期", errors=[{"field": "instalment"}])


def instalment_surcharge(
    item: Instalment, on: date, *, excluded: Sequence[tuple[date, date | None]] = ()
) -> deadlines.Surcharge:
    """The lawful surcharge of one instalment paid (or assessed) on ``on``: 3% of its amount a day from the day
    after its own due date (第七十二条第一款第一项), capped at its amount, remedy days left out (第七十三条第三款).
    A paid instalment accrues nothing after the day it was paid."""
    until = min(on, item.paid_on) if item.paid_on is not None else on
    return deadlines.surcharge(item.amount_fen, item.due_on, until, excluded=excluded)


def record_payment(
    plan: PaymentPlan, seq: int, *, paid_on: date, surcharge_fen: int, receipt_ref: str
) -> tuple[PaymentPlan, Instalment]:
    """The payment platform reports one instalment paid in full (its amount; the surcharge it collected)."""
    item = instalment(plan, seq)
    if item.paid_on is not None:
        raise PaymentPlanConflict(f"第{seq}期已于{item.paid_on.isoformat()}缴纳")
    paid = replace(item, paid_on=paid_on, surcharge_paid_fen=surcharge_fen, receipt_ref=receipt_ref)
    items = tuple(paid if i.seq == seq else i for i in plan.instalments)
    return replace(plan, instalments=items), paid


def explain_instalment(item: Instalment, result: deadlines.Surcharge) -> str:
    """The user's explanation of one instalment's surcharge, with its articles."""
    if result.days_late == 0:
        state = f"已于{item.paid_on.isoformat()}缴纳，" if item.paid_on else ""
        return f"第{item.seq}期{state}未逾期，不加处罚款（{ARTICLE_SURCHARGE}）"
    cap = "，已达该期金额，以该期金额为限" if result.capped else ""
    return (
        f"第{item.seq}期{format_yuan(item.amount_fen)}元应于{item.due_on.isoformat()}前缴纳，逾期{result.days_late}日"
        f"（复议、诉讼期间不予计算，{ARTICLE_REMEDY_PAUSE}），每日按该期金额的百分之三加处罚款，"
        f"共{format_yuan(result.amount_fen)}元{cap}（{ARTICLE_SURCHARGE}）"
    )
