"""结案: before a decision only with a reason that ends the case, after it once nothing is left to perform."""

from __future__ import annotations

from datetime import datetime

from services.common import clock
from services.common.money import format_yuan
from services.penalty.domain.errors import FineOutstanding, InvalidTransition
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import advance, require_text
from services.penalty.domain.procedure.commands import Close
from services.penalty.domain.procedure.events import CaseClosed, Transition
from services.penalty.domain.procedure.records import ClosureRecord
from services.penalty.domain.procedure.states import CLOSING, require
from services.penalty.domain.procedure.vocabulary import CaseState, ClosureReason, DecisionOutcome


def close(case: Case, cmd: Close, *, now: datetime) -> Transition:
    """结案. Before a decision only with a reason that ends the case (撤销立案, 移送司法机关, 终止); after it
    once nothing is left to perform, the decision was revoked, or the fine went to court enforcement."""
    today = clock.local_date(now)
    require_text(cmd.note, "结案说明")
    reason = cmd.reason
    require(case, CLOSING[reason])
    if reason is ClosureReason.ENFORCEMENT_BY_COURT:
        if case.fine_outstanding_fen == 0:
            raise InvalidTransition("本案没有尚欠的罚款，无须申请强制执行")
    elif reason is ClosureReason.PERFORMED:
        decision = case.decision
        assert decision is not None
        if case.fine_outstanding_fen:
            raise FineOutstanding(f"尚欠罚款{format_yuan(case.fine_outstanding_fen)}元，不能以执行完毕结案")
        if case.state is CaseState.DELIVERED and decision.outcome is DecisionOutcome.PENALTY:
            raise InvalidTransition("处罚决定尚未执行完毕，请先记录缴款或者执行情况")
    new = advance(case, state=CaseState.CLOSED, closure=ClosureRecord(reason, cmd.note, today))
    event = CaseClosed(case_id=case.case_id, occurred_at=now, reason=reason, closed_on=today)
    return Transition(new, (event,))
