"""Checks and small helpers the transitions share: required text and dates, the records of the current notice,
the assessment and its range, legal review (第五十八条), collective discussion (第五十七条第二款), the decision
limit (第六十条), and the events of a missed deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from services.common.money import format_yuan
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import DeadlineKind
from services.penalty.domain.errors import (
    AssessmentMissing,
    CollectiveDiscussionMissing,
    GainsNotConfiscated,
    InvalidDate,
    InvalidPenalty,
    InvalidTransition,
    KindNotAllowed,
    LegalReviewMissing,
    LegalReviewNotPassed,
    ReasonRequired,
    TimeLimitExceeded,
)
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.events import DeadlineMissed
from services.penalty.domain.procedure.records import HearingRecord, NoticeRecord, WaiverRecord
from services.penalty.domain.procedure.values import AssessedPenalty, Penalty
from services.penalty.domain.procedure.vocabulary import HearingOutcome, PenaltyKind, kind_order


def require_text(value: str, what: str, article: str = "") -> None:
    if not value.strip():
        cite = f"（{article}）" if article else ""
        raise ReasonRequired(f"须载明{what}{cite}", extra={"field": what})


def check_date(day: date, today: date, what: str, not_before: date | None = None, earlier: str = "") -> None:
    if day > today:
        raise InvalidDate(f"{what}（{day.isoformat()}）不得晚于今日（{today.isoformat()}）")
    if not_before is not None and day < not_before:
        raise InvalidDate(f"{what}（{day.isoformat()}）不得早于{earlier}（{not_before.isoformat()}）")


def advance(case: Case, **changes: Any) -> Case:
    return replace(case, version=case.version + 1, **changes)


def of_notice(records: tuple[Any, ...], notice_index: int) -> tuple[Any, ...]:
    return tuple(r for r in records if r.notice_index == notice_index)


def hearing_for(case: Case, notice: NoticeRecord) -> HearingRecord | None:
    current: tuple[HearingRecord, ...] = of_notice(case.hearings, notice.index)
    return current[-1] if current else None


def waiver_for(case: Case, notice: NoticeRecord) -> WaiverRecord:
    statement = hearing = False
    declared = notice.served_on
    for waiver in of_notice(case.waivers, notice.index):
        statement = statement or waiver.statement
        hearing = hearing or waiver.hearing
        declared = waiver.declared_on
    return WaiverRecord(notice.index, statement, hearing, declared)


def require_assessment(case: Case) -> AssessedPenalty:
    if case.assessment is None:
        raise AssessmentMissing("尚未依据裁量基准对本案进行裁量，请先完成裁量（行政处罚法 第三十四条）")
    return case.assessment


def check_kinds(penalty: Penalty, assessed: AssessedPenalty) -> None:
    extra_kinds = penalty.kinds - assessed.allowed_kinds
    if extra_kinds:
        names = "、".join(k.label for k in sorted(extra_kinds, key=kind_order))
        raise KindNotAllowed(
            f"处罚种类「{names}」不在裁量基准{assessed.benchmark_code}（第{assessed.benchmark_version}版）"
            f"「{assessed.tier}」档允许的范围内",
            extra={"kinds": sorted(k.value for k in extra_kinds)},
        )


def check_gains_confiscated(penalty: Penalty, assessed: AssessedPenalty) -> None:
    """行政处罚法 第二十八条第二款: "当事人有违法所得，除依法应当退赔的外，应当予以没收。"

    Where the assessment established illegal gains, a notice or decision confiscates them in full, or states
    in ``refund_reason`` why the part it does not confiscate is to be returned (退赔); the decision prints
    that part and the reason. A refund reason with nothing left to return is refused as inconsistent.
    """
    gains = assessed.illegal_gains_fen
    confiscated = penalty.confiscation_fen if PenaltyKind.CONFISCATE_GAINS in penalty.kinds else 0
    rest = gains - confiscated
    if penalty.refund_reason.strip():
        if rest <= 0:
            raise InvalidPenalty(
                "本案裁量未认定尚未没收的违法所得，不得载明退赔理由（refund_reason）",
                detail_en="No illegal gains are left unconfiscated: refund_reason states nothing to return",
            )
        return
    if rest <= 0:
        return
    done = f"仅没收违法所得{format_yuan(confiscated)}元" if confiscated else "未没收违法所得"
    raise GainsNotConfiscated(
        f"裁量认定当事人违法所得{format_yuan(gains)}元，拟作出的处罚{done}。当事人有违法所得，除依法应当"
        f"退赔的外，应当予以没收（行政处罚法 第二十八条第二款）；依法应当退赔的，须在refund_reason中载明理由",
        detail_en=f"The assessment established illegal gains of {format_yuan(gains)} yuan and the penalty "
        f"confiscates {format_yuan(confiscated)} yuan: illegal gains are confiscated unless they are to be "
        "returned, stated in refund_reason (行政处罚法 art. 28(2))",
        extra={"illegal_gains_fen": gains, "confiscation_fen": confiscated},
    )


def outside_range(penalty: Penalty, assessed: AssessedPenalty) -> bool:
    return PenaltyKind.FINE in penalty.kinds and not assessed.fine_within_range(penalty.fine_fen)


def outside_range_message(penalty: Penalty, assessed: AssessedPenalty) -> str:
    return (
        f"罚款{format_yuan(penalty.fine_fen)}元超出裁量基准{assessed.benchmark_code}「{assessed.tier}」档"
        f"的罚款幅度（{assessed.range_text()}），须书面说明理由并经法制审核"
        f"（行政处罚法 第三十四条、第五十八条）"
    )


def legal_review_needed(case: Case, penalty: Penalty | None, assessed: AssessedPenalty | None) -> bool:
    if assessed is None:
        return False
    if assessed.legal_review_required:
        return True
    if penalty is not None and outside_range(penalty, assessed):
        return True
    # 第五十八条第一款第二项: 直接关系当事人重大权益，经过听证程序的. A hearing that was actually held on a
    # penalty for which the law requires a hearing to be offered is treated as meeting that item.
    notice = case.notice
    if notice is not None and assessed.hearing_required:
        hearing = hearing_for(case, notice)
        if hearing is not None and hearing.outcome is HearingOutcome.HELD:
            return True
    return False


def check_legal_review(case: Case, penalty: Penalty | None, assessed: AssessedPenalty | None) -> None:
    if not legal_review_needed(case, penalty, assessed):
        return
    if not case.legal_reviews:
        raise LegalReviewMissing("本案须经法制审核，未经法制审核不得作出决定（行政处罚法 第五十八条第一款）")
    review = case.legal_reviews[-1]
    if not review.passed:
        raise LegalReviewNotPassed(
            f"法制审核未通过（{review.reviewed_on.isoformat()}，审核人{review.reviewer}），"
            f"不得作出决定（行政处罚法 第五十八条第一款）"
        )
    if penalty is not None and review.proposal != penalty:
        raise LegalReviewMissing(
            f"法制审核针对的处理意见（{review.proposal.describe()}）与拟作出的决定（{penalty.describe()}）"
            f"不一致，须重新进行法制审核（行政处罚法 第五十八条第一款）"
        )


def check_collective_discussion(
    case: Case, penalty: Penalty | None, assessed: AssessedPenalty | None
) -> None:
    if assessed is None or not assessed.collective_discussion_required:
        return
    if not case.collective_discussions:
        raise CollectiveDiscussionMissing(
            "本案情节复杂或属重大违法行为，须由行政机关负责人集体讨论决定（行政处罚法 第五十七条第二款）"
        )
    discussion = case.collective_discussions[-1]
    if penalty is not None and discussion.conclusion != penalty:
        raise CollectiveDiscussionMissing(
            f"集体讨论的结论（{discussion.conclusion.describe()}）与拟作出的决定（{penalty.describe()}）"
            f"不一致，须重新集体讨论（行政处罚法 第五十七条第二款）"
        )


def check_time_limit(case: Case, today: date) -> None:
    limit = case.decision_limit
    if today > limit:
        extended = "（已延长）" if case.extensions else ""
        raise TimeLimitExceeded(
            f"本案于{case.filed_on.isoformat()}立案，作出处罚决定的期限{extended}已于{limit.isoformat()}届满"
            f"（行政处罚法 第六十条）",
            extra={"decision_limit": limit.isoformat()},
        )


def missed(case: Case, now: datetime, kind: DeadlineKind, due: date, detected: date) -> DeadlineMissed:
    return DeadlineMissed(
        case_id=case.case_id,
        occurred_at=now,
        deadline=kind,
        due_on=due,
        detected_on=detected,
        article=deadlines.DEADLINE_ARTICLES[kind],
    )


def kind_labels(penalty: Penalty | None) -> tuple[str, ...]:
    if penalty is None:
        return ()
    return tuple(k.label for k in sorted(penalty.kinds, key=kind_order))


def require_notice(case: Case) -> NoticeRecord:
    notice = case.notice
    if notice is None:
        raise InvalidTransition("本案尚未告知，当事人尚无可行使的陈述、申辩、听证权利")
    return notice
