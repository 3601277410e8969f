"""加处罚款 on a case on a given day (``GET /cases/{id}/surcharge?on=``): the lawful maximum the deciding body
may add for late payment of the fine, with the periods of reconsideration and litigation left out.

The arithmetic is the domain's (``domain.deadlines.accrued_surcharge``, used by payments and the deadline scan
too): 行政处罚法 第七十二条第一款第一项, 3% of the fine per day, never more than the fine (行政强制法 第四十五条
第二款); day 1 is the day after the last day to pay (that day itself is still in time: 民事诉讼法 第八十五条); days of a
recorded reconsideration or lawsuit (``POST /cases/{id}/remedies``, both ends inclusive) are not counted
(第七十三条第三款). A part of the fine paid late carries its own days to its payment and never more than itself,
the part outstanding runs on, and the surcharge already collected with earlier payments is deducted
(``domain.deadlines.accrued_surcharge``).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.money import format_yuan
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import deadlines as dl
from services.penalty.domain import instalments as ins
from services.penalty.domain import procedure as p
from services.penalty.models import PenaltyCase
from services.penalty.use_cases import payment_plans
from services.penalty.use_cases.timeline import case_of

ARTICLES = [
    "《中华人民共和国行政处罚法》第七十二条第一款第一项",
    "《中华人民共和国行政处罚法》第七十三条第三款",
    "《中华人民共和国行政强制法》第四十五条第二款",
]


def _days_within(start: date, end: date | None, first: date, last: date) -> int:
    """Days of the inclusive period [start, end] (open end: still running) inside [first, last]."""
    lo, hi = max(start, first), min(end or last, last)
    return max((hi - lo).days + 1, 0)


def _explanation(case: p.Case, on: date, accrued: dl.Accrued | None) -> str:
    if case.decision is None or case.fine_due_fen == 0:
        return "本案没有罚款决定，不加处罚款"
    if case.payment_due is None:
        return "处罚决定书尚未送达，缴纳期限尚未起算（行政处罚法 第六十七条第三款），不加处罚款"
    if accrued is None:
        return "罚款已缴清，不加处罚款"
    result = accrued.surcharge
    if result.days_late == 0:
        return f"缴纳期限至{case.payment_due.isoformat()}，截至{on.isoformat()}未逾期计算加处罚款的日数，加处罚款0元"
    cap = "，已达罚款数额，以罚款数额为限" if result.capped else ""
    articles = "（行政处罚法 第七十二条第一款第一项、第七十三条第三款）"
    collected = accrued.collected_fen
    if len(accrued.parts) == 1 and not collected:
        return (
            f"尚欠罚款{format_yuan(result.fine_fen)}元，自{(case.payment_due + timedelta(days=1)).isoformat()}起"
            f"计算加处罚款{result.days_late}日（复议、诉讼期间不予计算），每日按罚款数额的百分之三加处，"
            f"共{format_yuan(result.amount_fen)}元{cap}{articles}"
        )
    # paid in parts: each part paid late with its own days and surcharge, then the part outstanding
    first = (case.payment_due + timedelta(days=1)).isoformat()
    parts = "；".join(
        (
            f"{x.paid_on.isoformat()}缴纳的罚款{format_yuan(x.fine_fen)}元"
            if x.paid_on is not None
            else f"尚欠罚款{format_yuan(x.fine_fen)}元"
        )
        + f"自{first}起计算{x.days}日，加处{format_yuan(x.surcharge_fen)}元"
        + ("（以该部分罚款数额为限）" if x.capped else "")
        for x in accrued.parts
    )
    text = (
        f"{parts}（复议、诉讼期间不予计算；每日按该部分罚款数额的百分之三加处）；"
        f"合计{format_yuan(accrued.accrued_fen)}元{articles}"
    )
    if collected:
        text += (
            f"；此前缴款时已收取加处罚款{format_yuan(collected)}元，尚应加处{format_yuan(result.amount_fen)}元，"
            f"加处罚款合计不得超出罚款数额{format_yuan(case.fine_due_fen)}元（行政强制法 第四十五条第二款）"
        )
    return text


def _whole_fine_view(row: PenaltyCase, on: date) -> s.SurchargeRead:
    """The lawful surcharge on the case's outstanding fine if it is paid on ``on``."""
    case = case_of(row)
    accrued = case.surcharge_accrued_on(on)
    result = accrued.surcharge if accrued is not None else None
    due = case.payment_due
    overdue = max((on - due).days, 0) if due is not None and result is not None else 0
    first = due + timedelta(days=1) if due is not None else on
    pauses = [
        s.SurchargePauseRead(
            source=r.source.value,
            reference=r.reference,
            filed_on=r.filed_on,
            concluded_on=r.concluded_on,
            days_excluded=_days_within(r.filed_on, r.concluded_on, first, on) if overdue else 0,
        )
        for r in case.remedies
    ]
    counted = result.days_late if result else 0
    return s.SurchargeRead(
        case_id=row.id,
        decision_no=case.decision.document_number if case.decision else None,
        on=on,
        fine_fen=case.fine_due_fen,
        fine_paid_fen=case.fine_paid_fen,
        base_fen=case.fine_outstanding_fen,
        payment_due=due,
        days_overdue=overdue,
        days_excluded=overdue - counted if result else 0,
        days_counted=counted,
        percent_per_day=dl.SURCHARGE_PERCENT_PER_DAY,
        amount_fen=result.amount_fen if result else 0,
        capped=result.capped if result else False,
        pauses=pauses,
        articles=ARTICLES,
        explanation=_explanation(case, on, accrued),
    )


# -- under an instalment plan (issue #17) --------------------------------------------------------------------


async def surcharge_view(session: AsyncSession, row: PenaltyCase, on: date) -> s.SurchargeRead:
    """The lawful surcharge if the fine outstanding is paid on ``on``. Under an approved instalment plan
    (行政处罚法 第六十六条第二款) it runs only on the instalments still unpaid that are overdue, each from the day
    after its own due date on its own amount (domain.instalments, 第七十二条第一款第一项); otherwise on the whole
    fine from the case's last day to pay."""
    view = _whole_fine_view(row, on)
    plan = payment_plans.plan_in_force(await repo.enforcement(session, row.id))
    if plan is None or plan.kind is not ins.PlanKind.INSTALMENTS or view.base_fen == 0:
        return view
    excluded = case_of(row).surcharge_excluded
    unpaid = [i for i in plan.instalments if i.paid_on is None]
    results = [(i, ins.instalment_surcharge(i, on, excluded=excluded)) for i in unpaid]
    late = [(i, r) for i, r in results if r.days_late > 0]
    first = late[0] if late else None
    overdue = max((on - first[0].due_on).days, 0) if first else 0
    lines = [ins.explain_instalment(i, r) for i, r in late] or [
        f"分期缴纳（{ins.ARTICLE_PLAN}）：截至{on.isoformat()}没有逾期未缴的分期，不加处罚款"
    ]
    return view.model_copy(
        update={
            "days_overdue": overdue,
            "days_counted": first[1].days_late if first else 0,
            "days_excluded": overdue - first[1].days_late if first else 0,
            "amount_fen": sum(r.amount_fen for _, r in late),
            "capped": any(r.capped for _, r in late),
            "articles": [*ARTICLES, ins.ARTICLE_PLAN],
            "explanation": "；".join(lines),
        }
    )
