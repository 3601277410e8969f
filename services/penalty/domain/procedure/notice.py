"""The notice stage: 告知 (行政处罚法 第四十四条) and re-notice (第四十五条第二款), 陈述、申辩 and its review
(第四十五条第一款), and the party's express waiver of its rights (第六十二条)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.common import clock
from services.common.errors import BadRequest
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import WorkingDays
from services.penalty.domain.errors import (
    HearingNotOffered,
    HeavierThanNotice,
    InvalidTransition,
    NoticeIncomplete,
    ReasonRequired,
)
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import (
    advance,
    check_date,
    check_gains_confiscated,
    check_kinds,
    kind_labels,
    of_notice,
    outside_range,
    outside_range_message,
    require_assessment,
    require_notice,
    require_text,
)
from services.penalty.domain.procedure.commands import Notify, RecordStatement, ReviewStatements, WaiveRights
from services.penalty.domain.procedure.events import (
    CaseNotified,
    RightsWaived,
    StatementReceived,
    StatementReviewed,
    Transition,
)
from services.penalty.domain.procedure.records import NoticeRecord, StatementRecord, WaiverRecord
from services.penalty.domain.procedure.states import TABLE, require
from services.penalty.domain.procedure.values import AssessedPenalty, heavier_reasons, validate_penalty
from services.penalty.domain.procedure.vocabulary import CaseState, HearingOutcome, ProcedureKind


def notify(case: Case, cmd: Notify, *, now: datetime, calendar: WorkingDays) -> Transition:
    """告知 (第四十四条): the proposed penalty with facts, reasons, basis, benchmark and the rights.

    A re-notice (a second Notify before the decision) replaces the proposal and restarts the rights periods;
    when it is heavier than the previous notice after the party made a statement or had a hearing it needs a
    written reason grounded in new facts or evidence, never in the defence (第四十五条第二款).
    """
    require(case, TABLE[Notify])
    if case.procedure is ProcedureKind.SIMPLE:
        raise InvalidTransition("简易程序案件当场作出决定，不适用告知书程序；请先转为普通程序调查")
    today = clock.local_date(now)
    assessed = require_assessment(case)
    validate_penalty(cmd.proposed)
    _check_notice_contents(cmd, assessed)
    check_kinds(cmd.proposed, assessed)
    check_gains_confiscated(cmd.proposed, assessed)
    if outside_range(cmd.proposed, assessed) and not cmd.outside_range_reason.strip():
        raise ReasonRequired(outside_range_message(cmd.proposed, assessed))
    check_date(cmd.served_on, today, "告知书送达日期", case.filed_on, "立案日期")
    previous = case.notice
    if previous is not None:
        _check_renotice(case, cmd, previous)
    record = _notice_record(cmd, assessed, (previous.index + 1) if previous else 1, calendar)
    new = advance(case, state=CaseState.NOTIFIED, notices=(*case.notices, record))
    event = CaseNotified(
        case_id=case.case_id,
        occurred_at=now,
        notice_index=record.index,
        document_number=cmd.document_number,
        served_on=cmd.served_on,
        kinds=kind_labels(cmd.proposed),
        fine_fen=cmd.proposed.fine_fen,
        statement_deadline=record.statement_deadline,
        hearing_offered=cmd.hearing_offered,
        hearing_request_deadline=record.hearing_request_deadline,
    )
    return Transition(new, (event,))


def _check_notice_contents(cmd: Notify, assessed: AssessedPenalty) -> None:
    """行政处罚法 第四十四条: the notice states the facts, reasons, basis and the party's rights (the hearing
    where 第六十三条 applies), and cites the benchmark the case was assessed on."""
    missing: list[str] = []
    if not cmd.document_number.strip():
        missing.append("告知书文号")
    if not cmd.facts.strip():
        missing.append("违法事实")
    if not any(r.strip() for r in cmd.reasons):
        missing.append("理由（说理）")
    if not cmd.basis.strip():
        missing.append("依据")
    if not cmd.benchmark_code.strip():
        missing.append("所适用的裁量基准")
    if assessed.hearing_required and not cmd.hearing_offered:
        missing.append("要求听证的权利（本案属于应当告知听证权利的情形，第六十三条）")
    if cmd.statement_working_days < 1:
        missing.append("陈述、申辩的期限")
    if missing:
        raise NoticeIncomplete(
            "告知书须载明：" + "、".join(missing) + "（行政处罚法 第四十四条）",
            errors=[{"field": m} for m in missing],
        )
    if cmd.benchmark_code != assessed.benchmark_code:
        raise NoticeIncomplete(
            f"告知书引用的裁量基准{cmd.benchmark_code}与本案裁量所依据的基准{assessed.benchmark_code}不一致"
        )


def _check_renotice(case: Case, cmd: Notify, previous: NoticeRecord) -> None:
    """A re-notice says why; after a defence it may be heavier only on new facts or evidence (第四十五条第二款)."""
    require_text(cmd.renotice_reason, "重新告知的理由")
    defended = bool(of_notice(case.statements, previous.index)) or any(
        h.outcome is HearingOutcome.HELD for h in of_notice(case.hearings, previous.index)
    )
    heavier = heavier_reasons(cmd.proposed, previous.proposed)
    if heavier and defended and not cmd.new_evidence.strip():
        raise HeavierThanNotice(
            "当事人已陈述、申辩，重新告知的处罚重于原告知（"
            + "；".join(heavier)
            + "），须载明加重所依据的新的事实或者证据，不得因当事人陈述、申辩而给予更重的处罚"
            "（行政处罚法 第四十五条第二款）",
            extra={"reasons": list(heavier)},
        )


def _notice_record(cmd: Notify, assessed: AssessedPenalty, index: int, calendar: WorkingDays) -> NoticeRecord:
    """The notice as served, with the periods it opens: statement, and hearing request (第六十四条第一项)."""
    hearing_deadline = (
        deadlines.hearing_request_deadline(cmd.served_on, calendar) if cmd.hearing_offered else None
    )
    return NoticeRecord(
        index=index,
        document_number=cmd.document_number,
        facts=cmd.facts,
        reasons=tuple(r for r in cmd.reasons if r.strip()),
        basis=cmd.basis,
        proposed=cmd.proposed,
        assessment=assessed,
        served_on=cmd.served_on,
        statement_deadline=deadlines.statement_deadline(cmd.served_on, calendar, cmd.statement_working_days),
        hearing_offered=cmd.hearing_offered,
        hearing_request_deadline=hearing_deadline,
        outside_range_reason=cmd.outside_range_reason,
        renotice_reason=cmd.renotice_reason,
        new_evidence=cmd.new_evidence,
    )


def record_statement(case: Case, cmd: RecordStatement, *, now: datetime) -> Transition:
    """陈述、申辩 (第四十五条第一款). A late statement is still recorded and must still be reviewed."""
    require(case, TABLE[RecordStatement])
    today = clock.local_date(now)
    notice = require_notice(case)
    require_text(cmd.content, "陈述、申辩的内容")
    check_date(cmd.received_on, today, "陈述申辩日期", notice.served_on, "告知书送达日期")
    late = cmd.received_on > notice.statement_deadline
    record = StatementRecord(notice.index, cmd.content, cmd.received_on, late)
    state = CaseState.STATEMENT if case.state is CaseState.NOTIFIED else case.state
    new = advance(case, state=state, statements=(*case.statements, record))
    event = StatementReceived(case_id=case.case_id, occurred_at=now, received_on=cmd.received_on, late=late)
    return Transition(new, (event,))


def review_statements(case: Case, cmd: ReviewStatements, *, now: datetime) -> Transition:
    """复核 the party's statements (第四十五条第一款: 应当进行复核; 成立的，应当采纳)."""
    require(case, TABLE[ReviewStatements])
    require_text(cmd.opinion, "复核意见", "行政处罚法 第四十五条第一款")
    pending = [s for s in case.statements if not s.reviewed]
    if not pending:
        raise InvalidTransition("没有待复核的陈述申辩")
    statements = tuple(
        replace(s, review_opinion=cmd.opinion, adopted=cmd.adopted) if not s.reviewed else s
        for s in case.statements
    )
    new = advance(case, statements=statements)
    event = StatementReviewed(
        case_id=case.case_id, occurred_at=now, adopted=cmd.adopted, statements=len(pending)
    )
    return Transition(new, (event,))


def waive_rights(case: Case, cmd: WaiveRights, *, now: datetime) -> Transition:
    """The party expressly gives up statement and/or hearing (第六十二条: 当事人明确放弃...的除外)."""
    require(case, TABLE[WaiveRights])
    today = clock.local_date(now)
    notice = require_notice(case)
    if not (cmd.statement or cmd.hearing):
        raise BadRequest("未载明放弃的权利", code="PROCEDURE_WAIVER_EMPTY")
    if cmd.hearing and not notice.hearing_offered:
        raise HearingNotOffered("本案告知书未告知听证权利，无须放弃听证")
    check_date(cmd.declared_on, today, "放弃权利声明日期", notice.served_on, "告知书送达日期")
    record = WaiverRecord(notice.index, cmd.statement, cmd.hearing, cmd.declared_on)
    new = advance(case, waivers=(*case.waivers, record))
    event = RightsWaived(
        case_id=case.case_id,
        occurred_at=now,
        statement=cmd.statement,
        hearing=cmd.hearing,
        declared_on=cmd.declared_on,
    )
    return Transition(new, (event,))
