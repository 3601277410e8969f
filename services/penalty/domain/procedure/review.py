"""Before the decision: 法制审核 by a reviewer who did not investigate (行政处罚法 第五十八条) and 负责人集体讨论
(第五十七条第二款), after the review when one is needed."""

from __future__ import annotations

from datetime import datetime

from services.common import clock
from services.common.errors import BadRequest
from services.penalty.domain.errors import InvalidDate
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import (
    advance,
    check_date,
    check_legal_review,
    legal_review_needed,
    require_text,
)
from services.penalty.domain.procedure.commands import RecordCollectiveDiscussion, RecordLegalReview
from services.penalty.domain.procedure.events import (
    CollectiveDiscussionRecorded,
    LegalReviewRecorded,
    Transition,
)
from services.penalty.domain.procedure.records import CollectiveDiscussionRecord, LegalReviewRecord
from services.penalty.domain.procedure.states import TABLE, require
from services.penalty.domain.procedure.values import validate_penalty
from services.penalty.domain.procedure.vocabulary import CaseState


def record_legal_review(case: Case, cmd: RecordLegalReview, *, now: datetime) -> Transition:
    """法制审核 (第五十八条) of a proposed decision, by a reviewer who is not the case officer."""
    require(case, TABLE[RecordLegalReview])
    today = clock.local_date(now)
    validate_penalty(cmd.proposal)
    require_text(cmd.reviewer, "法制审核人员")
    require_text(cmd.opinion, "法制审核意见", "行政处罚法 第五十八条")
    if cmd.reviewer in case.officers:
        raise BadRequest(
            f"{cmd.reviewer}为本案调查人员，不得对本案进行法制审核（行政处罚法 第五十八条）",
            code="PROCEDURE_LEGAL_REVIEWER_CONFLICT",
        )
    check_date(cmd.reviewed_on, today, "法制审核日期", case.filed_on, "立案日期")
    record = LegalReviewRecord(cmd.reviewer, cmd.passed, cmd.opinion, cmd.reviewed_on, cmd.proposal)
    new = advance(case, state=CaseState.LEGAL_REVIEW, legal_reviews=(*case.legal_reviews, record))
    event = LegalReviewRecorded(
        case_id=case.case_id,
        occurred_at=now,
        passed=cmd.passed,
        reviewer=cmd.reviewer,
        reviewed_on=cmd.reviewed_on,
    )
    return Transition(new, (event,))


def record_collective_discussion(case: Case, cmd: RecordCollectiveDiscussion, *, now: datetime) -> Transition:
    """负责人集体讨论 (第五十七条第二款), after the legal review when one is needed.

    A collective discussion is a meeting of several heads with minutes; a countersignature or an oral
    instruction does not replace it (seed 001: 杜绝以会签替代法制审核、以口头请示替代集体讨论).
    """
    require(case, TABLE[RecordCollectiveDiscussion])
    today = clock.local_date(now)
    validate_penalty(cmd.conclusion)
    participants = tuple(dict.fromkeys(p for p in cmd.participants if p.strip()))
    if len(participants) < 2:
        raise BadRequest(
            "集体讨论须由行政机关负责人集体进行，参加人员不得少于两人（行政处罚法 第五十七条第二款）",
            code="PROCEDURE_COLLECTIVE_DISCUSSION_QUORUM",
        )
    require_text(cmd.minutes_ref, "集体讨论记录")
    check_date(cmd.held_on, today, "集体讨论日期", case.filed_on, "立案日期")
    check_legal_review(case, cmd.conclusion, case.assessment)
    if case.legal_reviews and legal_review_needed(case, cmd.conclusion, case.assessment):
        reviewed = case.legal_reviews[-1].reviewed_on
        if cmd.held_on < reviewed:
            raise InvalidDate("集体讨论应在法制审核之后进行")
    record = CollectiveDiscussionRecord(cmd.held_on, participants, cmd.minutes_ref, cmd.conclusion)
    new = advance(
        case,
        state=CaseState.COLLECTIVE_DISCUSSION,
        collective_discussions=(*case.collective_discussions, record),
    )
    event = CollectiveDiscussionRecorded(case_id=case.case_id, occurred_at=now, held_on=cmd.held_on)
    return Transition(new, (event,))
