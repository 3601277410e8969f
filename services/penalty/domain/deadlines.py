"""Legal time limits of a penalty case, computed as pure functions of dates and a working-day calendar.

How periods are counted (行政处罚法 has no general rule on counting, so the rules below follow the law's own
text where it speaks and the 民事诉讼法 period rules, which 行政处罚法 第六十一条 and 行政复议法 第八十八条
point to, where it does not):

* The day on which a period starts is not counted; the period runs from the next day
  (民事诉讼法 第八十五条第二款: 期间开始的时和日，不计算在期间内).
* 行政处罚法 第八十五条: "本法中'二日''三日''五日''七日'的规定是指工作日，不含法定节假日". So the
  five days to ask for a hearing (第六十四条第一项), the seven days' notice of a hearing (第六十四条第二项),
  the seven days to deliver a decision (第六十一条第一款) and the three days to withdraw a published decision
  (第四十八条第二款) are WORKING days on the statutory calendar (调休 make-up days count as working days).
* The fifteen days to pay (第六十七条第三款) and the ninety days to decide (第六十条) are not in 第八十五条's
  list, so they are calendar days.
  - Payment is the party's obligation and starts the surcharge: when its last day is a rest day or a
    statutory holiday it moves to the next working day (民事诉讼法 第八十五条第三款: 期间届满的最后一日是法定
    休假日的，以法定休假日后的第一日为期间届满的日期).
  - The ninety-day limit binds the enforcement body; it is kept strict (no roll-forward), so supervision
    flags the earliest date on which a decision could be late. An extension needs a record (approver, the
    provision allowing it, new limit): 第六十条 "法律、法规、规章另有规定的，从其规定".
* Publication of a general-procedure penalty decision within 7 working days of the decision: seed 003
  (沈法治办发〔2020〕7号 三（三）3).

Money is integer fen. The late-payment surcharge (第七十二条第一款第一项) is 3% of the fine per day, computed
on the total (fine_fen × 3 × days / 100) and rounded half up to the fen once, then capped at the fine.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Protocol

from services.common.money import format_yuan

DECISION_LIMIT_DAYS = 90  # 行政处罚法 第六十条 (calendar days)
DECISION_WARNING_DAYS_BEFORE_LIMIT = (30, 10)  # warnings on day 60 and day 80 of the 90 (SPEC §3.3)
HEARING_REQUEST_WORKING_DAYS = 5  # 行政处罚法 第六十四条第一项 + 第八十五条
HEARING_NOTICE_WORKING_DAYS = 7  # 行政处罚法 第六十四条第二项 + 第八十五条
DELIVERY_WORKING_DAYS = 7  # 行政处罚法 第六十一条第一款 + 第八十五条
PAYMENT_DAYS = 15  # 行政处罚法 第六十七条第三款 (calendar days: not listed in 第八十五条)
PUBLICATION_WORKING_DAYS = 7  # seed 003: 执法决定作出之日起7个工作日内向社会公开
PUBLICATION_WITHDRAWAL_WORKING_DAYS = 3  # 行政处罚法 第四十八条第二款 + 第八十五条
SURCHARGE_PERCENT_PER_DAY = 3  # 行政处罚法 第七十二条第一款第一项
# 行政处罚法 has no fixed period for 陈述、申辩; departments set one in their procedure rules (market
# regulation uses five working days). The notice states the period it grants; this is only the default.
DEFAULT_STATEMENT_WORKING_DAYS = 5


class WorkingDays(Protocol):
    """What deadline arithmetic needs from services.common.workdays.WorkingDayCalendar."""

    def is_working_day(self, day: date) -> bool: ...

    def add_working_days(self, start: date, days: int) -> date: ...


def add_calendar_days(start: date, days: int) -> date:
    """End of a period of ``days`` calendar days that starts the day after ``start``."""
    return start + timedelta(days=days)


def roll_forward_to_working_day(day: date, calendar: WorkingDays) -> date:
    """``day`` itself if it is a working day, else the first working day after it (民事诉讼法 第八十五条第三款)."""
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def decision_limit(filed_on: date) -> date:
    """Last day to decide: 90 calendar days after the filing day (行政处罚法 第六十条)."""
    return add_calendar_days(filed_on, DECISION_LIMIT_DAYS)


def decision_warning_dates(limit: date) -> tuple[date, date]:
    """Days on which the first and the second warning fall: 30 and 10 days before the limit.

    For the statutory 90 days these are day 60 and day 80 after filing; after an extension they keep the same
    distance from the new limit.
    """
    first, second = DECISION_WARNING_DAYS_BEFORE_LIMIT
    return limit - timedelta(days=first), limit - timedelta(days=second)


def statement_deadline(
    served_on: date, calendar: WorkingDays, working_days: int = DEFAULT_STATEMENT_WORKING_DAYS
) -> date:
    """Last day for 陈述、申辩 under the period the notice grants, in working days after service."""
    return calendar.add_working_days(served_on, working_days)


def hearing_request_deadline(served_on: date, calendar: WorkingDays) -> date:
    """Last day to ask for a hearing: 5 working days after the notice is served (第六十四条第一项, 第八十五条)."""
    return calendar.add_working_days(served_on, HEARING_REQUEST_WORKING_DAYS)


def earliest_hearing_date(notified_on: date, calendar: WorkingDays) -> date:
    """Earliest day a hearing may be held when the party is told on ``notified_on`` (第六十四条第二项, 第八十五条)."""
    return calendar.add_working_days(notified_on, HEARING_NOTICE_WORKING_DAYS)


def delivery_deadline(decided_on: date, calendar: WorkingDays, *, on_the_spot: bool = False) -> date:
    """Last day to deliver a decision.

    On-the-spot (simple procedure) decisions are handed over at once (第五十二条第一款); others within 7
    working days when the party was not present at the announcement (第六十一条第一款, 第八十五条).
    """
    if on_the_spot:
        return decided_on
    return calendar.add_working_days(decided_on, DELIVERY_WORKING_DAYS)


def payment_deadline(delivered_on: date, calendar: WorkingDays) -> date:
    """Last day to pay: 15 calendar days after receipt (第六十七条第三款), rolled past rest days and holidays."""
    return roll_forward_to_working_day(add_calendar_days(delivered_on, PAYMENT_DAYS), calendar)


def publication_deadline(decided_on: date, calendar: WorkingDays) -> date:
    """Last day to publish a general-procedure penalty decision: 7 working days after it (seed 003)."""
    return calendar.add_working_days(decided_on, PUBLICATION_WORKING_DAYS)


def publication_withdrawal_deadline(effective_on: date, calendar: WorkingDays) -> date:
    """Last day to withdraw a published decision that was revoked or changed: 3 working days (第四十八条第二款)."""
    return calendar.add_working_days(effective_on, PUBLICATION_WITHDRAWAL_WORKING_DAYS)


@dataclass(frozen=True, slots=True)
class Surcharge:
    """加处罚款 for late payment of a fine."""

    fine_fen: int
    due_on: date
    until: date
    days_late: int  # days after due_on up to and including ``until``, minus excluded days
    amount_fen: int
    capped: bool  # True when 3% × days reached the fine and the cap applied


def surcharge(
    fine_fen: int,
    due_on: date,
    until: date,
    *,
    excluded: Sequence[tuple[date, date | None]] = (),
) -> Surcharge:
    """Late-payment surcharge on ``fine_fen`` for payment (or assessment) on ``until``.

    行政处罚法 第七十二条第一款第一项: 每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额
    (also 行政强制法 第四十五条第二款). Day 1 is the day after ``due_on``. Days inside an ``excluded`` period
    (inclusive; an open end means "still running") are not counted: 第七十三条第三款, 加处罚款的数额在行政
    复议或者行政诉讼期间不予计算. Rounding: the total is fine_fen × 3 × days / 100, rounded half up to the fen
    once (not per day), then capped at the fine.
    """
    if fine_fen < 0:
        raise ValueError("fine_fen must be >= 0")
    days = late_days(due_on, until, excluded)
    raw_hundredths = fine_fen * SURCHARGE_PERCENT_PER_DAY * days  # in 1/100 fen
    amount = (raw_hundredths + 50) // 100  # round half up to the fen
    capped = amount >= fine_fen and days > 0 and fine_fen > 0
    return Surcharge(
        fine_fen=fine_fen,
        due_on=due_on,
        until=until,
        days_late=days,
        amount_fen=min(amount, fine_fen),
        capped=capped,
    )


def late_days(due_on: date, until: date, excluded: Sequence[tuple[date, date | None]] = ()) -> int:
    """Days after ``due_on`` up to and including ``until``, less those inside an ``excluded`` period (inclusive;
    an open end means "still running"): 第七十三条第三款, 行政复议或者行政诉讼期间不予计算."""
    days = 0
    day = due_on + timedelta(days=1)
    while day <= until:
        if not any(start <= day and (end is None or day <= end) for start, end in excluded):
            days += 1
        day += timedelta(days=1)
    return days


@dataclass(frozen=True, slots=True)
class Part:
    """A part of a fine paid late (``paid_on``) or still outstanding (``paid_on`` None), with its own surcharge."""

    fine_fen: int
    paid_on: date | None
    days: int  # counted days from the day after the last day to pay to its payment (or ``until``)
    surcharge_fen: int  # 3 % of the part a day, never more than the part; rounded once with the others
    capped: bool


@dataclass(frozen=True, slots=True)
class Accrued:
    """加处罚款 on a fine paid in parts (``accrued_surcharge``)."""

    surcharge: (
        Surcharge  # what may still be added on ``until``: all the parts' surcharge less what was collected
    )
    accrued_fen: int  # the parts' surcharge, in all
    collected_fen: int
    parts: tuple[Part, ...]  # the parts paid late, in order, then the part outstanding


def accrued_surcharge(
    fine_fen: int,
    due_on: date,
    until: date,
    *,
    paid: Sequence[tuple[date, int]] = (),
    collected_fen: int = 0,
    excluded: Sequence[tuple[date, date | None]] = (),
) -> Accrued:
    """加处罚款 on a fine of ``fine_fen`` due on ``due_on`` and paid in parts (``paid``: each payment's day and
    the part of the fine it paid), if the rest is paid on ``until``.

    行政处罚法 第七十二条第一款第一项: 到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得
    超出罚款的数额 (行政强制法 第四十五条第二款). Each part of the fine paid late carries 3 % of itself a day from
    the day after ``due_on`` to its payment (the payment's day included, as ``GET /surcharge`` for that day
    counts it), never more than itself; the part still outstanding runs on to ``until``; a part paid in time
    carries nothing. Days of a reconsideration or lawsuit are left out (第七十三条第三款). The parts' surcharge,
    in hundredths of a fen, is rounded half up to the fen once, and what was collected with earlier payments
    (``collected_fen``) is deducted: a partial payment that carried more than its own part's surcharge (e.g.
    the whole fine's, as quoted for that day) has paid ahead for the rest, which is not asked again.

    With no earlier payment this is ``surcharge`` on the fine. The surcharge of one instalment of an approved
    plan stays ``surcharge`` on the instalment from its own due day (第六十六条第二款, domain.instalments).
    """
    if fine_fen < 0 or collected_fen < 0:
        raise ValueError("fine_fen and collected_fen must be >= 0")

    parts = [
        _part(part, on, late_days(due_on, on, excluded)) for on, part in sorted(paid) if due_on < on <= until
    ]
    base = max(fine_fen - sum(part for on, part in paid if on <= until), 0)
    if base:
        parts.append(_part(base, None, late_days(due_on, until, excluded)))
    total = (sum(x.surcharge_fen for x in parts) + 50) // 100  # hundredths of a fen, rounded half up once
    owed = max(total - collected_fen, 0)
    days = parts[-1].days if parts else 0
    result = Surcharge(
        fine_fen=base,
        due_on=due_on,
        until=until,
        days_late=days if base else 0,
        amount_fen=owed,
        capped=any(x.capped for x in parts),
    )
    rounded = tuple(replace(x, surcharge_fen=(x.surcharge_fen + 50) // 100) for x in parts)
    return Accrued(result, total, collected_fen, rounded)


def _part(fine_fen: int, paid_on: date | None, days: int) -> Part:
    """One part's surcharge in hundredths of a fen (rounded by the caller), capped at the part."""
    raw = fine_fen * SURCHARGE_PERCENT_PER_DAY * days
    capped = days > 0 and raw >= fine_fen * 100
    return Part(fine_fen, paid_on, days, min(raw, fine_fen * 100), capped)


class DeadlineKind(enum.StrEnum):
    """Values match services.common.contracts.penalty.DeadlineMissed.deadline."""

    DECISION = "decision"  # 第六十条
    DELIVERY = "delivery"  # 第六十一条
    PAYMENT = "payment"  # 第六十七条第三款
    PUBLICATION = "publication"  # seed 003
    HEARING = "hearing"  # 第六十四条第二项 (notice of the hearing)


class DeadlineLevel(enum.StrEnum):
    WARNING = "warning"
    OVERDUE = "overdue"


DEADLINE_ARTICLES: dict[DeadlineKind, str] = {
    DeadlineKind.DECISION: "《中华人民共和国行政处罚法》第六十条",
    DeadlineKind.DELIVERY: "《中华人民共和国行政处罚法》第六十一条第一款、第八十五条",
    DeadlineKind.PAYMENT: "《中华人民共和国行政处罚法》第六十七条第三款",
    DeadlineKind.PUBLICATION: "《沈阳市进一步规范行政执法程序行政裁量权工作方案》（沈法治办发〔2020〕7号）",
    DeadlineKind.HEARING: "《中华人民共和国行政处罚法》第六十四条第二项、第八十五条",
}


@dataclass(frozen=True, slots=True)
class DeadlineFacts:
    """The dates of one case that its deadlines depend on; procedure.Case builds it."""

    case_id: str
    filed_on: date
    decision_limit: date
    decided_on: date | None = None
    delivery_due: date | None = None
    delivered_on: date | None = None
    payment_due: date | None = None
    fine_outstanding_fen: int = 0
    fine_fen: int = 0
    surcharge_collected_fen: int = 0  # the surcharge already collected on earlier payments of the fine
    fine_payments: tuple[tuple[date, int], ...] = ()  # each payment's day and the part of the fine it paid
    surcharge_excluded: tuple[tuple[date, date | None], ...] = ()
    publish_by: date | None = None
    publication_settled: bool = True  # published, or not to be published
    open: bool = True  # False once the case is closed


class HasDeadlineFacts(Protocol):
    @property
    def deadline_facts(self) -> DeadlineFacts: ...


@dataclass(frozen=True, slots=True)
class DeadlineItem:
    """A deadline that needs attention today."""

    case_id: str
    kind: DeadlineKind
    level: DeadlineLevel
    due_on: date
    days_left: int  # negative when overdue
    article: str
    message: str
    surcharge_fen: int = 0  # for an overdue payment: the surcharge accrued up to today


def deadline_status(case: HasDeadlineFacts, today: date) -> tuple[DeadlineItem, ...]:
    """Open deadlines of ``case`` that are in their warning window or overdue on ``today``.

    Deadlines already met (even late) are not listed: a late step is reported once, by the transition that
    records it, as a DeadlineMissed event.
    """
    facts = case.deadline_facts
    if not facts.open:
        return ()
    items: list[DeadlineItem] = []

    def add(
        kind: DeadlineKind, level: DeadlineLevel, due: date, message: str, surcharge_fen: int = 0
    ) -> None:
        items.append(
            DeadlineItem(
                case_id=facts.case_id,
                kind=kind,
                level=level,
                due_on=due,
                days_left=(due - today).days,
                article=DEADLINE_ARTICLES[kind],
                message=message,
                surcharge_fen=surcharge_fen,
            )
        )

    if facts.decided_on is None:
        limit = facts.decision_limit
        first_warning, second_warning = decision_warning_dates(limit)
        elapsed = (today - facts.filed_on).days
        if today > limit:
            add(
                DeadlineKind.DECISION,
                DeadlineLevel.OVERDUE,
                limit,
                f"立案已{elapsed}日，超过作出处罚决定的期限（{limit.isoformat()}）",
            )
        elif today >= first_warning:
            which = "第二次" if today >= second_warning else "第一次"
            add(
                DeadlineKind.DECISION,
                DeadlineLevel.WARNING,
                limit,
                f"{which}预警：立案已{elapsed}日，应于{limit.isoformat()}前作出处罚决定",
            )
    if facts.delivery_due is not None and facts.delivered_on is None and today > facts.delivery_due:
        add(
            DeadlineKind.DELIVERY,
            DeadlineLevel.OVERDUE,
            facts.delivery_due,
            f"处罚决定书应于{facts.delivery_due.isoformat()}前送达，至今未送达",
        )
    if facts.payment_due is not None and facts.fine_outstanding_fen > 0 and today > facts.payment_due:
        # on the fine outstanding, as GET /surcharge and the payment (procedure.Case.surcharge_on)
        accrued = accrued_surcharge(
            facts.fine_fen,
            facts.payment_due,
            today,
            paid=facts.fine_payments,
            collected_fen=facts.surcharge_collected_fen,
            excluded=facts.surcharge_excluded,
        ).surcharge
        add(
            DeadlineKind.PAYMENT,
            DeadlineLevel.OVERDUE,
            facts.payment_due,
            f"罚款缴纳期限{facts.payment_due.isoformat()}已过，尚欠罚款{format_yuan(facts.fine_outstanding_fen)}元",
            surcharge_fen=accrued.amount_fen,
        )
    if facts.publish_by is not None and not facts.publication_settled and today > facts.publish_by:
        add(
            DeadlineKind.PUBLICATION,
            DeadlineLevel.OVERDUE,
            facts.publish_by,
            f"一般程序行政处罚决定应于{facts.publish_by.isoformat()}前公开，至今未公开",
        )
    return tuple(items)
