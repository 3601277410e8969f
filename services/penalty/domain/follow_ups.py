"""责令改正 follow-up of a penalty decision (issue #14 item 6; the inspection side: services/inspection).

行政处罚法 第二十八条第一款: "行政机关实施行政处罚时，应当责令当事人改正或者限期改正违法行为。" A decision may
carry such an order with a deadline; nobody checking it is the 以罚代管 the seeds forbid (辽政办发〔2023〕18号
二(二)9; 沈法治发〔2021〕7号 8). The order becomes a follow-up due on its deadline, overdue the day after while still
open, closed by the follow-up check's result; "not corrected" can only be found after the deadline.

Pure functions of their inputs.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from services.common.errors import Conflict, NotFound, Unprocessable


class FollowUpNotFound(NotFound):
    code = "PENALTY_FOLLOW_UP_NOT_FOUND"
    title = "责令改正复查事项不存在"
    title_en = "Follow-up not found"

    @classmethod
    def of(cls, follow_up_id: uuid.UUID) -> FollowUpNotFound:
        return cls(
            f"责令改正复查事项 {follow_up_id} 不存在",
            detail_en=f"There is no follow-up {follow_up_id}",
            extra={"follow_up_id": str(follow_up_id)},
        )


class FollowUpConflict(Conflict):
    code = "PENALTY_FOLLOW_UP_CONFLICT"
    title = "复查结果不能登记"
    title_en = "The follow-up result cannot be recorded"


class CorrectionDeadlineInvalid(Unprocessable):
    code = "CORRECTION_DEADLINE_INVALID"
    title = "改正期限不正确"
    title_en = "The correction deadline is invalid"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    CORRECTED = "corrected"
    NOT_CORRECTED = "not_corrected"


class FollowUpState(StrEnum):
    """``due`` (open, deadline today or later), ``overdue`` (open, deadline passed), ``done`` (result recorded)."""

    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


def state(status: str, due_on: date, today: date) -> FollowUpState:
    if status != FollowUpStatus.OPEN.value:
        return FollowUpState.DONE
    return FollowUpState.OVERDUE if today > due_on else FollowUpState.DUE


def check_deadline(deadline: date, decided_on: date) -> date:
    """限期改正 (第二十八条第一款): the period runs from the decision, so its deadline cannot precede it."""
    if deadline < decided_on:
        raise CorrectionDeadlineInvalid(
            f"改正期限（{deadline.isoformat()}）不得早于处罚决定日期（{decided_on.isoformat()}）"
            "（行政处罚法 第二十八条第一款：责令当事人限期改正违法行为）",
            detail_en=f"The correction deadline ({deadline}) cannot precede the decision ({decided_on})",
            extra={"deadline": deadline.isoformat(), "decided_on": decided_on.isoformat()},
        )
    return deadline


def check_result(*, status: str, due_on: date, corrected: bool, today: date) -> FollowUpStatus:
    """The follow-up's new status, or ``PENALTY_FOLLOW_UP_CONFLICT`` (409): the result is recorded once, and
    "not corrected" (逾期不改正) only after the deadline."""
    if status != FollowUpStatus.OPEN.value:
        raise FollowUpConflict(
            "该责令改正事项的复查结果已登记", detail_en="The follow-up's result is already recorded"
        )
    if corrected:
        return FollowUpStatus.CORRECTED
    if today <= due_on:
        raise FollowUpConflict(
            f"改正期限至{due_on.isoformat()}，期限届满前不能认定逾期未改正",
            detail_en=f"The correction period runs to {due_on}: not corrected can only be found after it",
            extra={"due_on": due_on.isoformat()},
        )
    return FollowUpStatus.NOT_CORRECTED
