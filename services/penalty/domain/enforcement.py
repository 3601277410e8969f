"""强制执行 of a fine not paid by its deadline: every date of the enforcement stage, with its article.

The articles (texts in shared/legal; 行政诉讼法 is not there, its 第四十六条 was looked up and is quoted below):

* 行政处罚法 第七十二条第一款: 当事人逾期不履行行政处罚决定的 … (一) 每日按罚款数额的百分之三加处罚款 … (四) 依照
  《中华人民共和国行政强制法》的规定申请人民法院强制执行. A decision not performed by its last day to pay
  enters the enforcement stage (here a derived stage, computed from the case; the procedure's state is kept).
* 行政复议法 第二十条第一款: 自知道或者应当知道该行政行为之日起六十日内提出行政复议申请. The day the party
  knew is the day the decision was delivered (送达).
* 行政诉讼法 第四十六条第一款: 公民、法人或者其他组织直接向人民法院提起诉讼的，应当自知道或者应当知道作出行政行为
  之日起六个月内提出。法律另有规定的除外.
* Counting (as domain.deadlines): the first day is not counted (民事诉讼法 第八十五条第二款); a period in months
  ends on the corresponding day (民法典 第二百零二条, services.common.dates.add_months); a period whose last day is
  a rest day or statutory holiday ends on the next working day (民事诉讼法 第八十五条第三款) — the party's periods
  are rolled this way (``roll``), so the agency never applies before the party's period has really run out.
* 行政强制法 第五十三条: 当事人在法定期限内不申请行政复议或者提起行政诉讼，又不履行行政决定的，没有行政强制执行权的
  行政机关可以自期限届满之日起三个月内 … 申请人民法院强制执行. The window opens the day after the later of the
  two periods ends and closes three months after that day.
* Issue #17: the period starts only when a deferral or the last instalment ends (第六十六条第二款): until then the
  party is not in default of the whole decision. So the basis day is the latest of: the reconsideration
  period's end, the litigation period's end, the (deferred or last-instalment) last day to pay.
* 行政处罚法 第七十三条第三款: 当事人申请行政复议或者提起行政诉讼的，加处罚款的数额在行政复议或者行政诉讼期间不予计算.
  A reconsideration or suit recorded on the case also stops the enforcement clock (issue #17): while one is
  open there is no window; once it has ended, its days (both ends) are added to the periods.
* 行政强制法 第五十四条: 行政机关申请人民法院强制执行前，应当催告当事人履行义务。催告书送达十日后当事人仍未履行义务的，
  行政机关可以 … 申请强制执行. 行政强制法 第六十九条: 本法中十日以内期限的规定是指工作日，不含法定节假日 — so the ten
  days are WORKING days on the statutory calendar, counted from the day after delivery. The earliest application
  day is the day after the tenth working day (the ten days must have passed), and never before the window
  opens. When the calendar does not cover the days yet, the day is unknown (no application), never guessed.
* 行政强制法 第四十六条 (agencies with coercive power of their own, per-agency configuration): 实施加处罚款或者
  滞纳金超过三十日，经催告当事人仍不履行的，具有行政强制执行权的行政机关可以强制执行. The 催告 is lawful from the
  31st counted day of surcharge; enforcement (a 强制执行决定, 第三十七条) from the day after the period the 催告书
  grants (第三十五条第一项).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.common.dates import add_months
from services.common.money import format_yuan

RECONSIDERATION_DAYS = 60  # 行政复议法 第二十条第一款
LITIGATION_MONTHS = 6  # 行政诉讼法 第四十六条第一款
SUIT_AFTER_RECONSIDERATION_DAYS = 15  # 行政诉讼法 第四十五条: 收到复议决定书之日起十五日内
APPLICATION_MONTHS = 3  # 行政强制法 第五十三条
REMINDER_WAIT_WORKING_DAYS = 10  # 行政强制法 第五十四条 (催告书送达十日后) + 第六十九条 (工作日)
SURCHARGE_DAYS_BEFORE_COERCION = 30  # 行政强制法 第四十六条: 加处罚款超过三十日
DEFAULT_COMPLIANCE_DAYS = 10  # the period a 催告书 grants (第三十五条第一项); the agency may set another

A_PAY = "《中华人民共和国行政处罚法》第六十七条第三款"
A_PLAN = "《中华人民共和国行政处罚法》第六十六条第二款"
A_DEFAULT = "《中华人民共和国行政处罚法》第七十二条第一款"
A_PAUSE = "《中华人民共和国行政处罚法》第七十三条第三款"
A_RECONSIDER = "《中华人民共和国行政复议法》第二十条第一款"
A_LITIGATE = "《中华人民共和国行政诉讼法》第四十六条第一款"
A_LITIGATE_AFTER = "《中华人民共和国行政诉讼法》第四十五条"
A_COUNT = "《中华人民共和国民事诉讼法》第八十五条"
A_RECONSIDER_FIRST = "《中华人民共和国行政复议法》第二十三条第一款第一项"
A_WINDOW = "《中华人民共和国行政强制法》第五十三条"
A_REMIND_COURT = "《中华人民共和国行政强制法》第五十四条"
A_REMINDER = "《中华人民共和国行政强制法》第三十五条"
A_OWN_POWER = "《中华人民共和国行政强制法》第四十六条"
A_DECISION = "《中华人民共和国行政强制法》第三十七条"
A_WORKING_DAYS = "《中华人民共和国行政强制法》第六十九条"


class Stage(enum.StrEnum):
    NONE = "none"  # no fine in force, or not delivered yet
    PERFORMING = "performing"  # within the period to pay
    PERFORMED = "performed"  # the fine is paid
    SUSPENDED = "suspended"  # a reconsideration or suit is open
    OVERDUE = "overdue"  # not paid by its deadline: the enforcement stage, no 催告 yet
    REMINDED = "reminded"  # 催告书 issued
    APPLIED = "applied"  # applied to the court (or, with own power, enforcement decided)
    WINDOW_MISSED = "window_missed"  # the three months of 第五十三条 ran out without an application


STAGE_LABELS = {
    Stage.NONE: "无须执行",
    Stage.PERFORMING: "履行期内",
    Stage.PERFORMED: "已履行",
    Stage.SUSPENDED: "复议、诉讼期间（执行期间中止计算）",
    Stage.OVERDUE: "逾期未履行，进入强制执行阶段",
    Stage.REMINDED: "已催告",
    Stage.APPLIED: "已申请强制执行",
    Stage.WINDOW_MISSED: "申请法院强制执行期限已届满而未申请",
}


@dataclass(frozen=True, slots=True)
class Remedy:
    source: str  # reconsideration | litigation
    filed_on: date
    concluded_on: date | None


@dataclass(frozen=True, slots=True)
class Reminder:
    """催告书 (行政强制法 第三十五条)."""

    number: str
    issued_on: date
    compliance_days: int
    delivered_on: date | None = None
    method: str = ""
    recipient: str = ""

    @property
    def comply_by(self) -> date | None:
        return self.delivered_on + timedelta(days=self.compliance_days) if self.delivered_on else None


@dataclass(frozen=True, slots=True)
class CourtApplication:
    """强制执行申请书 (行政强制法 第五十五条) filed with the court, or (own power) the enforcement decision."""

    number: str
    applied_on: date
    court: str


@dataclass(frozen=True, slots=True)
class Facts:
    """What the enforcement dates depend on; the use case builds it from the case and its enforcement row."""

    fine_fen: int
    outstanding_fen: int
    delivered_on: date | None
    payment_due: date | None  # the last day to pay, after any deferral or plan
    first_overdue_due: date | None  # the earliest unpaid due date (an instalment's, or payment_due)
    deferred_until: date | None  # the deferral's or the last instalment's date, if any was approved
    remedies: tuple[Remedy, ...]
    coercive_power: bool
    reminder: Reminder | None = None
    application: CourtApplication | None = None
    # a decision made on the spot (简易程序) must go to reconsideration first (行政复议法 第二十三条第一款第一项):
    # there is no six months to sue directly, only the sixty days
    reconsideration_first: bool = False


@dataclass(frozen=True, slots=True)
class DateLine:
    key: str
    label: str
    on: date | None
    article: str
    note: str


@dataclass(frozen=True, slots=True)
class Schedule:
    stage: Stage
    coercive_power: bool
    dates: tuple[DateLine, ...]
    reminder_from: date | None = None
    application_from: date | None = None  # no power: the court application; own power: the decision
    application_until: date | None = None  # no power only (第五十三条)
    window_missed: bool = False
    explanation: tuple[str, ...] = ()

    def line(self, key: str) -> DateLine | None:
        return next((x for x in self.dates if x.key == key), None)


Roll = Callable[[date], date]
# The day ``n`` working days after a day (the day itself not counted), or None when the statutory calendar
# does not cover the days it runs over (services.common.workdays.CalendarNotCovered).
AfterWorkingDays = Callable[[date, int], date | None]


def _identity(day: date) -> date:
    return day


def _suspended_days(remedies: Sequence[Remedy]) -> int:
    """Days of concluded reconsiderations and suits, both ends counted (第七十三条第三款, issue #17)."""
    return sum((r.concluded_on - r.filed_on).days + 1 for r in remedies if r.concluded_on is not None)


def _surcharge_day(due: date, nth: int, remedies: Sequence[Remedy]) -> date:
    """The day on which the ``nth`` counted day of surcharge falls (remedy days not counted)."""
    day, counted = due, 0
    while counted < nth:
        day += timedelta(days=1)
        if not any(r.filed_on <= day and (r.concluded_on is None or day <= r.concluded_on) for r in remedies):
            counted += 1
    return day


def _stage(facts: Facts, today: date, *, missed: bool) -> Stage:
    if facts.fine_fen == 0 or facts.delivered_on is None or facts.payment_due is None:
        return Stage.NONE
    if facts.outstanding_fen == 0:
        return Stage.PERFORMED
    if facts.application is not None:
        return Stage.APPLIED
    if any(r.concluded_on is None for r in facts.remedies):
        return Stage.SUSPENDED
    if missed:
        return Stage.WINDOW_MISSED
    if facts.reminder is not None:
        return Stage.REMINDED
    due = facts.first_overdue_due or facts.payment_due
    return Stage.OVERDUE if today > due else Stage.PERFORMING


def schedule(
    facts: Facts, today: date, *, after_working_days: AfterWorkingDays, roll: Roll = _identity
) -> Schedule:
    """Every date of the enforcement stage on ``today``, each with its article and a Chinese note.

    ``after_working_days`` counts the ten working days of 行政强制法 第五十四条、第六十九条 on the statutory
    calendar; ``roll`` moves the last day of the party's periods past rest days and holidays."""
    if facts.fine_fen == 0 or facts.delivered_on is None or facts.payment_due is None:
        return Schedule(
            Stage.NONE, facts.coercive_power, (), explanation=("本案没有已送达的罚款决定，无须强制执行",)
        )
    lines: list[DateLine] = [
        DateLine(
            "payment_due",
            "缴纳罚款的最后一日",
            facts.payment_due,
            A_PLAN if facts.deferred_until else A_PAY,
            "经批准延期或分期缴纳的，为延期期限或最后一期的缴纳日期"
            if facts.deferred_until
            else "自收到行政处罚决定书之日起十五日内缴纳",
        )
    ]
    due = facts.first_overdue_due or facts.payment_due
    lines.append(
        DateLine(
            "surcharge_from",
            "加处罚款起算日",
            due + timedelta(days=1),
            A_DEFAULT,
            "到期不缴纳的，自次日起每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额；"
            "复议、诉讼期间不予计算（第七十三条第三款）",
        )
    )
    open_remedy = any(r.concluded_on is None for r in facts.remedies)
    if facts.coercive_power:
        return _own_power(facts, today, lines, due, open_remedy)
    return _court(facts, today, lines, due, open_remedy, roll, after_working_days)


def _remedy_lines(facts: Facts) -> list[DateLine]:
    out = []
    for r in facts.remedies:
        what = "行政复议" if r.source == "reconsideration" else "行政诉讼"
        end = f"至{r.concluded_on.isoformat()}终结" if r.concluded_on else "尚未终结"
        out.append(
            DateLine(
                f"{r.source}_filed",
                f"当事人申请{what}",
                r.filed_on,
                A_PAUSE,
                f"{what}自{r.filed_on.isoformat()}起{end}；其间不计算加处罚款，申请强制执行的期间相应顺延",
            )
        )
    return out


def _reconsidered(remedies: Sequence[Remedy]) -> Remedy | None:
    """The reconsideration the party's last period now runs from: concluded, none open, no suit recorded."""
    if any(r.source != "reconsideration" or r.concluded_on is None for r in remedies) or not remedies:
        return None
    return max(remedies, key=lambda r: (r.concluded_on, r.filed_on))


def _periods_after_reconsideration(
    facts: Facts, done: Remedy, roll: Roll
) -> tuple[date, date | None, list[DateLine]]:
    """Once the party has chosen reconsideration, its period to sue is fifteen days from receiving the 复议决定
    (行政诉讼法 第四十五条: "不服复议决定的，可以在收到复议决定书之日起十五日内向人民法院提起诉讼"; 行政复议法 第三十四条
    for a decision that had to go to reconsideration first), not what was left of the sixty days and six months:
    the window of 行政强制法 第五十三条 runs from there (最高人民法院《关于适用〈中华人民共和国行政诉讼法〉的解释》
    第一百五十六条: "自被执行人的法定起诉期限届满之日起三个月内"). The conclusion's day stands for the day the party
    received the 复议决定书 (the case records no other)."""
    ended = done.concluded_on
    assert ended is not None
    raw = ended + timedelta(days=SUIT_AFTER_RECONSIDERATION_DAYS)
    lit_end = roll(raw)
    lines = [
        DateLine(
            "reconsideration_ends",
            "行政复议终结",
            ended,
            A_RECONSIDER,
            f"当事人已于{done.filed_on.isoformat()}申请行政复议，行政复议于{ended.isoformat()}终结",
        ),
        DateLine(
            "litigation_ends",
            "提起行政诉讼期限届满",
            lit_end,
            f"{A_LITIGATE_AFTER}、{A_COUNT}",
            f"不服行政复议决定的，自收到行政复议决定书之日（{ended.isoformat()}）起十五日"
            + ("；届满日为节假日的，顺延至节假日后第一个工作日" if lit_end != raw else ""),
        ),
        *_remedy_lines(facts),
    ]
    return ended, lit_end, lines


def _party_periods(facts: Facts, roll: Roll) -> tuple[date, date | None, list[DateLine]]:
    """The ends of the party's periods to seek reconsideration (60 days) and to sue (six months), from the day it
    received the decision, rolled past holidays, lengthened by the days of concluded suits; after a concluded
    reconsideration, the fifteen days to sue (``_periods_after_reconsideration``)."""
    known = facts.delivered_on
    assert known is not None and facts.payment_due is not None
    done = _reconsidered(facts.remedies)
    if done is not None:
        return _periods_after_reconsideration(facts, done, roll)
    shift = _suspended_days(facts.remedies)
    # The days of a concluded remedy lengthen the period, and the rest-day rule (民事诉讼法 第八十五条第三款)
    # applies to the day the lengthened period really ends: rolling before adding them could leave the last
    # day on a Sunday and open the window of 第五十三条 on the party's last day.
    rec_raw = known + timedelta(days=RECONSIDERATION_DAYS + shift)
    lit_raw = add_months(known, LITIGATION_MONTHS) + timedelta(days=shift)
    rec_end = roll(rec_raw)
    lit_end = roll(lit_raw)
    shifted = f"，另加复议、诉讼期间{shift}日" if shift else ""
    lines = [
        DateLine(
            "reconsideration_ends",
            "申请行政复议期限届满",
            rec_end,
            f"{A_RECONSIDER}、{A_COUNT}",
            f"自{known.isoformat()}（送达、知道之日）起六十日{shifted}"
            + ("；届满日为节假日的，顺延至节假日后第一个工作日" if roll(rec_raw) != rec_raw else ""),
        ),
        *_remedy_lines(facts),
    ]
    if facts.reconsideration_first:
        lines.insert(
            1,
            DateLine(
                "litigation_ends",
                "不得直接提起行政诉讼",
                None,
                A_RECONSIDER_FIRST,
                "当场作出的行政处罚决定，应当先申请行政复议，对复议决定不服的再提起诉讼",
            ),
        )
        return rec_end, None, lines
    lines.insert(
        1,
        DateLine(
            "litigation_ends",
            "提起行政诉讼期限届满",
            lit_end,
            f"{A_LITIGATE}、{A_COUNT}",
            f"自{known.isoformat()}起六个月{shifted}"
            + ("；届满日为节假日的，顺延至节假日后第一个工作日" if roll(lit_raw) != lit_raw else ""),
        ),
    )
    return rec_end, lit_end, lines


def _court(
    facts: Facts,
    today: date,
    lines: list[DateLine],
    due: date,
    open_remedy: bool,
    roll: Roll,
    after_working_days: AfterWorkingDays,
) -> Schedule:
    """No coercive power of its own: 催告, then the court within the window of 第五十三条 (第五十四条)."""
    assert facts.payment_due is not None
    rec_end, lit_end, periods = _party_periods(facts, roll)
    lines += periods
    periods_end = max(rec_end, lit_end) if lit_end else rec_end
    basis = max(periods_end, facts.payment_due)
    why = (
        "延期或最后一期缴纳期限届满之日"
        if facts.deferred_until and basis > periods_end
        else ("复议、诉讼期限中较晚届满之日" if lit_end else "申请行政复议期限届满之日")
    )
    window_from = basis + timedelta(days=1)
    window_until = add_months(basis, APPLICATION_MONTHS)
    reminder = facts.reminder
    reminder_from = due + timedelta(days=1)
    application_from: date | None = None
    if not open_remedy:
        lines += [
            DateLine(
                "window_opens",
                "可以申请人民法院强制执行的首日",
                window_from,
                A_WINDOW,
                f"{why}（{basis.isoformat()}）的次日；当事人在法定期限内未申请复议、未提起诉讼，又不履行",
            ),
            DateLine(
                "window_closes",
                "申请人民法院强制执行的最后一日",
                window_until,
                A_WINDOW,
                f"自期限届满之日（{basis.isoformat()}）起三个月内",
            ),
        ]
    lines.append(
        DateLine(
            "reminder_from",
            "可以催告的首日",
            reminder_from,
            f"{A_REMIND_COURT}、{A_REMINDER}",
            "逾期不履行的，申请人民法院强制执行前应当书面催告",
        )
    )
    if reminder is not None:
        lines.append(_reminder_line(reminder))
        if reminder.delivered_on is not None and not open_remedy:
            application_from, line = _after_reminder(reminder.delivered_on, window_from, after_working_days)
            lines.append(line)
    if facts.application is not None:
        lines.append(_application_line(facts.application, own_power=False))
    missed = (
        not open_remedy and facts.application is None and facts.outstanding_fen > 0 and today > window_until
    )
    stage = _stage(facts, today, missed=missed)
    return Schedule(
        stage,
        False,
        tuple(lines),
        reminder_from=reminder_from,
        application_from=application_from,
        application_until=None if open_remedy else window_until,
        window_missed=missed,
        explanation=_explain(facts, stage, window_from if not open_remedy else None, window_until),
    )


def _after_reminder(
    delivered_on: date, window_from: date, after_working_days: AfterWorkingDays
) -> tuple[date | None, DateLine]:
    """The earliest court application after a 催告书 delivered on ``delivered_on``: the day after its tenth
    working day (行政强制法 第五十四条、第六十九条), never before the window opens (第五十三条); None while the
    calendar does not cover those days."""
    tenth = after_working_days(delivered_on, REMINDER_WAIT_WORKING_DAYS)
    if tenth is None:
        return None, DateLine(
            "application_from",
            "最早可以申请强制执行之日",
            None,
            f"{A_REMIND_COURT}、{A_WORKING_DAYS}",
            f"催告书于{delivered_on.isoformat()}送达，送达后十个工作日所跨年度的法定节假日安排尚未录入，暂无法计算；"
            "管理员录入后自动计算",
        )
    after = tenth + timedelta(days=1)
    application_from = max(window_from, after)
    return application_from, DateLine(
        "application_from",
        "最早可以申请强制执行之日",
        application_from,
        f"{A_REMIND_COURT}、{A_WORKING_DAYS}、{A_WINDOW}",
        f"催告书于{delivered_on.isoformat()}送达，送达十日（工作日，至{tenth.isoformat()}）后（{after.isoformat()}起）"
        f"且不早于申请期限的首日（{window_from.isoformat()}）",
    )


def _reminder_line(reminder: Reminder) -> DateLine:
    if reminder.delivered_on is None:
        return DateLine(
            "reminder_issued", "催告书制作", reminder.issued_on, A_REMINDER, f"{reminder.number}，尚未送达"
        )
    return DateLine(
        "reminder_delivered",
        "催告书送达",
        reminder.delivered_on,
        "《中华人民共和国行政强制法》第三十八条",
        f"{reminder.number}，当事人应于{reminder.comply_by}前履行（第三十五条第一项）",
    )


def _application_line(application: CourtApplication, *, own_power: bool) -> DateLine:
    if own_power:
        return DateLine(
            "enforcement_decided", "作出强制执行决定", application.applied_on, A_DECISION, application.number
        )
    return DateLine(
        "court_application",
        "申请人民法院强制执行",
        application.applied_on,
        "《中华人民共和国行政强制法》第五十四条、第五十五条",
        f"{application.number}，向{application.court}申请",
    )


def _own_power(facts: Facts, today: date, lines: list[DateLine], due: date, open_remedy: bool) -> Schedule:
    """Own coercive power (行政强制法 第四十六条): surcharge over thirty days, 催告, then enforcement."""
    lines += _remedy_lines(facts)
    reminder_from = _surcharge_day(due, SURCHARGE_DAYS_BEFORE_COERCION + 1, facts.remedies)
    lines.append(
        DateLine(
            "reminder_from",
            "加处罚款超过三十日，可以催告的首日",
            None if open_remedy else reminder_from,
            f"{A_OWN_POWER}、{A_REMINDER}",
            "加处罚款（复议、诉讼期间不计）满三十日后的次日",
        )
    )
    enforcement_from: date | None = None
    reminder = facts.reminder
    if reminder is not None:
        lines.append(_reminder_line(reminder))
        if reminder.comply_by is not None and not open_remedy:
            enforcement_from = reminder.comply_by + timedelta(days=1)
            lines.append(
                DateLine(
                    "enforcement_from",
                    "可以作出强制执行决定的首日",
                    enforcement_from,
                    f"{A_OWN_POWER}、{A_DECISION}",
                    f"经催告，当事人逾期（{reminder.comply_by.isoformat()}后）仍不履行",
                )
            )
    if facts.application is not None:
        lines.append(_application_line(facts.application, own_power=True))
    stage = _stage(facts, today, missed=False)
    return Schedule(
        stage,
        True,
        tuple(lines),
        reminder_from=None if open_remedy else reminder_from,
        application_from=enforcement_from,
        explanation=_explain(facts, stage, None, None),
    )


def _explain(
    facts: Facts, stage: Stage, window_from: date | None, window_until: date | None
) -> tuple[str, ...]:
    out = [f"执行阶段：{STAGE_LABELS[stage]}；尚欠罚款{format_yuan(facts.outstanding_fen)}元"]
    if facts.coercive_power:
        out.append(
            f"本机关具有行政强制执行权：加处罚款超过三十日，经催告当事人仍不履行的，可以强制执行（{A_OWN_POWER}）"
        )
    else:
        out.append(
            "本机关没有行政强制执行权：催告书送达十日（工作日）后当事人仍未履行的，向人民法院申请强制执行"
            f"（{A_REMIND_COURT}、{A_WORKING_DAYS}）"
        )
        if window_from is not None and window_until is not None:
            out.append(
                f"申请期间为{window_from.isoformat()}至{window_until.isoformat()}：当事人在法定期限内不申请行政复议"
                f"（六十日，{A_RECONSIDER}）或者提起行政诉讼（六个月，{A_LITIGATE}），又不履行的，"
                f"自期限届满之日起三个月内申请（{A_WINDOW}）"
            )
    if stage is Stage.SUSPENDED:
        out.append(f"当事人已申请复议或者提起诉讼，加处罚款不予计算（{A_PAUSE}），执行期间待其终结后顺延计算")
    if stage is Stage.WINDOW_MISSED:
        out.append(f"申请人民法院强制执行的期限已于{window_until}届满而未申请（{A_WINDOW}）")
    return tuple(out)
