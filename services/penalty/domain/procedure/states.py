"""The state machine table, in one place: for every command, the states it may be applied in, how a refusal
names the step, and the states it leads to.

Each transition starts with ``require(case, TABLE[<its command>])``; ``handle`` refuses anything on a closed
case first. What a decision needs beyond the state (notice, statements, waivers, hearing, reviews) is
checked from the records, so the order in which the optional steps were recorded cannot open a gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from services.penalty.domain.errors import AlreadyDecided, InvalidTransition
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.commands import (
    Change,
    ConcludeRemedy,
    ConfirmUnlawful,
    Decide,
    DecideNoPenalty,
    Deliver,
    ExtendTimeLimit,
    FileRemedy,
    GrantDeferral,
    Notify,
    RecordAssessment,
    RecordCollectiveDiscussion,
    RecordExecution,
    RecordHearing,
    RecordLegalReview,
    RecordPayment,
    RecordPublication,
    RecordStatement,
    RequestHearing,
    ReviewStatements,
    Revoke,
    ScheduleHearing,
    StartInvestigation,
    WaiveRights,
    WithdrawHearing,
)
from services.penalty.domain.procedure.vocabulary import STATE_LABELS, CaseState, ClosureReason

S = CaseState

PRE_NOTICE = frozenset({S.FILED, S.INVESTIGATING})
NOTICE_STAGE = frozenset(
    {S.NOTIFIED, S.STATEMENT, S.HEARING_REQUESTED, S.HEARING_HELD, S.LEGAL_REVIEW, S.COLLECTIVE_DISCUSSION}
)
PRE_DECISION = PRE_NOTICE | NOTICE_STAGE
POST_DECISION = frozenset({S.DECIDED, S.DELIVERED, S.EXECUTED, S.REVOKED, S.CHANGED, S.VOID, S.CLOSED})
CORRECTABLE = frozenset({S.DECIDED, S.DELIVERED, S.EXECUTED, S.CHANGED})
_DECIDED_NOT_CLOSED = frozenset({S.DECIDED, S.DELIVERED, S.EXECUTED, S.CHANGED})
_PERFORMING = frozenset({S.DELIVERED, S.CHANGED})


@dataclass(frozen=True, slots=True)
class Rule:
    """Where a step may be taken, the words a refusal uses for it, and where the case goes next."""

    states: frozenset[CaseState]
    action: str  # 不能{action}
    leads_to: frozenset[CaseState] = frozenset()  # the states a successful step may leave the case in
    may_stay: bool = False  # True: the step may also leave the state as it was


def _rule(states: frozenset[CaseState], action: str, *leads_to: CaseState, may_stay: bool = False) -> Rule:
    return Rule(frozenset(states), action, frozenset(leads_to), may_stay or not leads_to)


# fmt: off
TABLE: Mapping[type[Any], Rule] = MappingProxyType({
    # 调查取证 (第五十四条第一款, 第四十二条); a simple-procedure case turns general here
    StartInvestigation: _rule(frozenset({S.FILED}), "开始调查", S.INVESTIGATING),
    RecordAssessment: _rule(PRE_DECISION - {S.HEARING_REQUESTED}, "记录裁量结果"),
    # 告知 (第四十四条), also a re-notice before the decision
    Notify: _rule((PRE_NOTICE - {S.FILED}) | (NOTICE_STAGE - {S.HEARING_REQUESTED}), "告知", S.NOTIFIED),
    # 陈述、申辩 and its review (第四十五条第一款); waiver (第六十二条)
    RecordStatement: _rule(NOTICE_STAGE, "记录陈述申辩", S.STATEMENT, may_stay=True),
    ReviewStatements: _rule(NOTICE_STAGE, "复核陈述申辩"),
    WaiveRights: _rule(NOTICE_STAGE - {S.HEARING_REQUESTED}, "记录放弃权利"),
    # 听证 (第六十三条—第六十五条)
    RequestHearing: _rule(NOTICE_STAGE - {S.HEARING_REQUESTED, S.HEARING_HELD}, "申请听证", S.HEARING_REQUESTED),
    ScheduleHearing: _rule(frozenset({S.HEARING_REQUESTED}), "安排听证"),
    RecordHearing: _rule(frozenset({S.HEARING_REQUESTED}), "记录听证", S.HEARING_HELD),
    WithdrawHearing: _rule(frozenset({S.HEARING_REQUESTED}), "撤回听证申请", S.NOTIFIED, S.STATEMENT),
    # 法制审核 (第五十八条), 集体讨论 (第五十七条第二款), extension of the limit (第六十条)
    RecordLegalReview: _rule(PRE_DECISION - {S.FILED, S.HEARING_REQUESTED}, "记录法制审核", S.LEGAL_REVIEW),
    RecordCollectiveDiscussion: _rule(
        PRE_DECISION - {S.FILED, S.HEARING_REQUESTED}, "记录集体讨论", S.COLLECTIVE_DISCUSSION
    ),
    ExtendTimeLimit: _rule(PRE_DECISION, "延长办案期限"),
    # 决定 (第五十七条; on the spot, 第五十一条: ON_THE_SPOT below)
    Decide: _rule(PRE_DECISION, "作出决定", S.DECIDED),
    DecideNoPenalty: _rule(PRE_DECISION - {S.FILED}, "作出决定", S.DECIDED),
    # 送达 (第六十一条), 公示 (seed 003)
    Deliver: _rule(frozenset({S.DECIDED}), "送达决定书", S.DELIVERED),
    RecordPublication: _rule(CORRECTABLE, "记录公示"),
    # 执行 (第六十六条—第六十七条, 第七十二条)
    GrantDeferral: _rule(_PERFORMING, "批准暂缓缴纳"),
    RecordPayment: _rule(_PERFORMING, "记录缴纳罚款", S.EXECUTED, may_stay=True),
    RecordExecution: _rule(_PERFORMING, "记录执行完毕", S.EXECUTED),
    # 复议、诉讼 (第七十三条), 撤销、变更 (第七十五条; 行政复议法, 行政诉讼法)
    FileRemedy: _rule(_DECIDED_NOT_CLOSED, "记录复议诉讼"),
    ConcludeRemedy: _rule(_DECIDED_NOT_CLOSED, "记录复议诉讼结果"),
    Revoke: _rule(CORRECTABLE, "撤销决定", S.REVOKED),
    Change: _rule(CORRECTABLE - {S.DECIDED}, "变更决定", S.CHANGED),
    # 确认违法 (the case stays where it is) or 确认无效 (行政复议法 第六十五条、第六十七条; 行政诉讼法 第七十四条、第七十五条)
    ConfirmUnlawful: _rule(CORRECTABLE, "记录确认违法或者无效", S.VOID, may_stay=True),
})

#: 第五十一条、第五十二条: a simple-procedure decision is made on the spot, straight from filing.
ON_THE_SPOT = _rule(frozenset({S.FILED}), "当场作出决定", S.DECIDED)

#: 结案, by reason: before a decision only to end a case that cannot go on; after it once nothing is left.
CLOSING: Mapping[ClosureReason, Rule] = MappingProxyType({
    ClosureReason.NOT_ESTABLISHED: _rule(PRE_NOTICE, "以该理由结案", S.CLOSED),
    ClosureReason.REFERRED_TO_JUDICIARY: _rule(PRE_NOTICE, "以该理由结案", S.CLOSED),
    ClosureReason.TERMINATED: _rule(PRE_NOTICE, "以该理由结案", S.CLOSED),
    ClosureReason.REVOKED: _rule(frozenset({S.REVOKED}), "以撤销为由结案", S.CLOSED),
    ClosureReason.VOID: _rule(frozenset({S.VOID}), "以确认无效为由结案", S.CLOSED),
    ClosureReason.ENFORCEMENT_BY_COURT: _rule(_PERFORMING, "以申请法院强制执行为由结案", S.CLOSED),
    ClosureReason.PERFORMED: _rule(frozenset({S.DELIVERED, S.EXECUTED, S.CHANGED}), "以执行完毕为由结案", S.CLOSED),
})
# fmt: on


def require(case: Case, rule: Rule) -> None:
    """Refuse the step unless the case is in one of the rule's states (a second decision is its own error)."""
    if case.state in rule.states:
        return
    if rule.action == "作出决定" and case.state in POST_DECISION and case.decision is not None:
        raise AlreadyDecided(
            f"本案已于{case.decision.decided_on.isoformat()}作出决定（{case.decision.document_number}），"
            f"不得重复作出决定",
            extra={"state": case.state.value},
        )
    raise InvalidTransition(
        f"案件当前状态为「{STATE_LABELS[case.state]}」，不能{rule.action}",
        extra={"state": case.state.value, "allowed": sorted(s.value for s in rule.states)},
    )
