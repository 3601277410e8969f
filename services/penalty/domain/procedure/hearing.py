"""The hearing (听证, 行政处罚法 第六十三条—第六十五条): the request within five working days, notice of the
hearing seven working days ahead by a presider who did not investigate, the hearing held or deemed waived,
and a withdrawn request."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.common import clock
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import WorkingDays
from services.penalty.domain.errors import (
    HearingNoticeTooShort,
    HearingNotOffered,
    HearingPresiderConflict,
    HearingRequestLate,
    InvalidTransition,
)
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import (
    advance,
    check_date,
    hearing_for,
    of_notice,
    require_notice,
    require_text,
    waiver_for,
)
from services.penalty.domain.procedure.commands import (
    RecordHearing,
    RequestHearing,
    ScheduleHearing,
    WithdrawHearing,
)
from services.penalty.domain.procedure.events import (
    HearingHeld,
    HearingRequested,
    HearingScheduled,
    HearingWithdrawn,
    Transition,
)
from services.penalty.domain.procedure.records import HearingRecord
from services.penalty.domain.procedure.states import TABLE, require
from services.penalty.domain.procedure.vocabulary import CaseState, HearingOutcome


def request_hearing(case: Case, cmd: RequestHearing, *, now: datetime) -> Transition:
    """要求听证 within 5 working days of the notice (第六十四条第一项, 第八十五条)."""
    # The party's right does not depend on how far the agency has got with its internal steps.
    require(case, TABLE[RequestHearing])
    today = clock.local_date(now)
    notice = require_notice(case)
    if hearing_for(case, notice) is not None:
        raise InvalidTransition("当事人已就本次告知提出过听证申请")
    if not notice.hearing_offered or notice.hearing_request_deadline is None:
        raise HearingNotOffered(
            "本案拟作出的处罚不属于应当告知听证权利的情形，告知书未告知听证权利（行政处罚法 第六十三条）"
        )
    check_date(cmd.requested_on, today, "听证申请日期", notice.served_on, "告知书送达日期")
    if waiver_for(case, notice).hearing:
        raise InvalidTransition("当事人已明确放弃听证权利")
    if cmd.requested_on > notice.hearing_request_deadline:
        raise HearingRequestLate(
            f"告知书于{notice.served_on.isoformat()}送达，当事人应当在告知后五个工作日内"
            f"（至{notice.hearing_request_deadline.isoformat()}）提出听证要求，"
            f"{cmd.requested_on.isoformat()}提出已超过期限（行政处罚法 第六十四条第一项、第八十五条）"
        )
    record = HearingRecord(notice.index, cmd.requested_on)
    new = advance(case, state=CaseState.HEARING_REQUESTED, hearings=(*case.hearings, record))
    event = HearingRequested(case_id=case.case_id, occurred_at=now, requested_on=cmd.requested_on)
    return Transition(new, (event,))


def _open_hearing(case: Case) -> HearingRecord:
    notice = require_notice(case)
    hearing = hearing_for(case, notice)
    if hearing is None or hearing.concluded:
        raise InvalidTransition("没有待举行的听证")
    return hearing


def _replace_last_hearing(case: Case, hearing: HearingRecord) -> tuple[HearingRecord, ...]:
    return (*case.hearings[:-1], hearing)


def schedule_hearing(case: Case, cmd: ScheduleHearing, *, now: datetime, calendar: WorkingDays) -> Transition:
    """Notify the party of the hearing at least 7 working days ahead (第六十四条第二项, 第八十五条).

    The presider must not be one of the case's investigators (第六十四条第四项: "听证由行政机关指定的非本案调查人员
    主持"), named by certificate number or by the name an investigator is known by.
    """
    require(case, TABLE[ScheduleHearing])
    today = clock.local_date(now)
    hearing = _open_hearing(case)
    require_text(cmd.presider, "听证主持人")
    presider = "".join(cmd.presider.split())  # "张 执法" is 张执法
    if presider in case.officers or presider in {"".join(n.split()) for n in cmd.investigator_names}:
        raise HearingPresiderConflict(
            f"{cmd.presider}为本案调查人员，不得主持听证（行政处罚法 第六十四条第四项）"
        )
    check_date(cmd.notified_on, today, "听证通知日期", hearing.requested_on, "听证申请日期")
    earliest = deadlines.earliest_hearing_date(cmd.notified_on, calendar)
    if cmd.hearing_on < earliest:
        raise HearingNoticeTooShort(
            f"应当在举行听证的七日（工作日）前通知当事人：{cmd.notified_on.isoformat()}通知的，"
            f"听证最早于{earliest.isoformat()}举行（行政处罚法 第六十四条第二项、第八十五条）"
        )
    updated = replace(hearing, notified_on=cmd.notified_on, hearing_on=cmd.hearing_on, presider=cmd.presider)
    new = advance(case, hearings=_replace_last_hearing(case, updated))
    event = HearingScheduled(
        case_id=case.case_id, occurred_at=now, notified_on=cmd.notified_on, hearing_on=cmd.hearing_on
    )
    return Transition(new, (event,))


def record_hearing(case: Case, cmd: RecordHearing, *, now: datetime) -> Transition:
    """听证结束: held with a transcript (第六十四条第八项), or deemed waived by absence (第六十四条第六项)."""
    require(case, TABLE[RecordHearing])
    today = clock.local_date(now)
    hearing = _open_hearing(case)
    if hearing.hearing_on is None:
        raise InvalidTransition("听证尚未安排并通知当事人（行政处罚法 第六十四条第二项）")
    check_date(cmd.held_on, today, "听证日期", hearing.hearing_on, "通知的听证日期")
    if cmd.outcome is HearingOutcome.HELD:
        require_text(cmd.transcript_ref, "听证笔录", "行政处罚法 第六十四条第八项")
    updated = replace(hearing, held_on=cmd.held_on, outcome=cmd.outcome, transcript_ref=cmd.transcript_ref)
    new = advance(case, state=CaseState.HEARING_HELD, hearings=_replace_last_hearing(case, updated))
    event = HearingHeld(case_id=case.case_id, occurred_at=now, held_on=cmd.held_on, outcome=cmd.outcome)
    return Transition(new, (event,))


def withdraw_hearing(case: Case, cmd: WithdrawHearing, *, now: datetime) -> Transition:
    """The party withdraws its hearing request; the case returns to the notice stage."""
    require(case, TABLE[WithdrawHearing])
    today = clock.local_date(now)
    hearing = _open_hearing(case)
    check_date(cmd.withdrawn_on, today, "撤回听证申请日期", hearing.requested_on, "听证申请日期")
    updated = replace(hearing, withdrawn_on=cmd.withdrawn_on)
    notice = require_notice(case)
    back = CaseState.STATEMENT if of_notice(case.statements, notice.index) else CaseState.NOTIFIED
    new = advance(case, state=back, hearings=_replace_last_hearing(case, updated))
    event = HearingWithdrawn(case_id=case.case_id, occurred_at=now, withdrawn_on=cmd.withdrawn_on)
    return Transition(new, (event,))
