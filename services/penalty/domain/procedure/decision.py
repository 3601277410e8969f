"""The decision: the time limit and its extension (行政处罚法 第六十条), the penalty decision (第五十七条第一款
第一项; on the spot, 第五十一条) and the decision not to penalise (第五十七条第一款第二项、第三项)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from services.common import clock
from services.common.money import format_yuan
from services.penalty.domain.deadlines import WorkingDays
from services.penalty.domain.errors import (
    DecisionBeforeNotice,
    HearingPending,
    HeavierThanNotice,
    InvalidDate,
    ReasonRequired,
    SimpleProcedureNotAllowed,
    StatementNotReviewed,
    StatementPeriodOpen,
)
from services.penalty.domain.procedure import decision_deadlines
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import (
    advance,
    check_collective_discussion,
    check_kinds,
    check_legal_review,
    check_time_limit,
    hearing_for,
    kind_labels,
    of_notice,
    outside_range,
    outside_range_message,
    require_assessment,
    require_notice,
    require_text,
    waiver_for,
)
from services.penalty.domain.procedure.commands import Decide, DecideNoPenalty, ExtendTimeLimit
from services.penalty.domain.procedure.events import DecisionIssued, TimeLimitExtended, Transition
from services.penalty.domain.procedure.records import (
    DecisionRecord,
    NoticeRecord,
    StatementRecord,
    TimeLimitExtension,
)
from services.penalty.domain.procedure.states import ON_THE_SPOT, TABLE, require
from services.penalty.domain.procedure.values import (
    AssessedPenalty,
    Penalty,
    heavier_reasons,
    validate_penalty,
)
from services.penalty.domain.procedure.vocabulary import (
    SIMPLE_PROCEDURE_KINDS,
    SIMPLE_PROCEDURE_MAX_FINE_FEN,
    CaseState,
    DecisionOutcome,
    PartyKind,
    ProcedureKind,
)


def extend_time_limit(case: Case, cmd: ExtendTimeLimit, *, now: datetime) -> Transition:
    """Record an extension of the decision limit allowed by a specific provision (第六十条 "另有规定").

    The extension must be approved before the current limit runs out; an expired limit cannot be revived.
    """
    require(case, TABLE[ExtendTimeLimit])
    today = clock.local_date(now)
    require_text(cmd.approver, "批准延长的负责人")
    require_text(cmd.basis, "延长期限所依据的法律、法规或者规章条款", "行政处罚法 第六十条")
    require_text(cmd.reason, "延长期限的理由")
    check_time_limit(case, today)
    current = case.decision_limit
    if cmd.new_limit <= current:
        raise InvalidDate(
            f"延长后的期限（{cmd.new_limit.isoformat()}）须晚于现有期限（{current.isoformat()}）"
        )
    record = TimeLimitExtension(current, cmd.new_limit, cmd.approver, cmd.basis, cmd.reason, today)
    new = advance(case, extensions=(*case.extensions, record))
    event = TimeLimitExtended(
        case_id=case.case_id,
        occurred_at=now,
        previous_limit=current,
        new_limit=cmd.new_limit,
        approver=cmd.approver,
    )
    return Transition(new, (event,))


def _check_rights_concluded(case: Case, notice: NoticeRecord, today: date) -> None:
    """The statements are reviewed (第四十五条第一款) and the statement and hearing-request periods have run
    or were waived; a requested hearing has ended (第六十二条, 第六十四条第一项, 第六十五条)."""
    waiver = waiver_for(case, notice)
    statements: tuple[StatementRecord, ...] = of_notice(case.statements, notice.index)
    if any(not s.reviewed for s in case.statements):
        raise StatementNotReviewed(
            "当事人提出的陈述、申辩尚未复核，行政机关必须充分听取当事人的意见并进行复核"
            "（行政处罚法 第四十五条第一款、第六十二条）"
        )
    if not statements and not waiver.statement and today <= notice.statement_deadline:
        raise StatementPeriodOpen(
            f"陈述、申辩期限至{notice.statement_deadline.isoformat()}届满，当事人未明确放弃，"
            f"期限届满前不得作出处罚决定（行政处罚法 第四十五条、第六十二条）"
        )
    if notice.hearing_offered and notice.hearing_request_deadline is not None:
        hearing = hearing_for(case, notice)
        if hearing is not None and not hearing.concluded:
            raise HearingPending(
                "当事人已依法要求听证，听证结束前不得作出处罚决定（行政处罚法 第六十三条、第六十五条）"
            )
        if hearing is None and not waiver.hearing and today <= notice.hearing_request_deadline:
            raise HearingPending(
                f"当事人要求听证的期限至{notice.hearing_request_deadline.isoformat()}届满，当事人未明确放弃，"
                f"期限届满前不得作出处罚决定（行政处罚法 第六十四条第一项、第八十五条）"
            )


def decide(case: Case, cmd: Decide, *, now: datetime, calendar: WorkingDays) -> Transition:
    """作出行政处罚决定 (第五十七条第一款第一项; on the spot under 第五十一条 for simple procedure)."""
    require(case, TABLE[Decide])
    today = clock.local_date(now)
    check_time_limit(case, today)
    assessed = require_assessment(case)
    penalty = cmd.penalty
    validate_penalty(penalty)
    _check_decision_contents(cmd)
    check_kinds(penalty, assessed)
    on_the_spot = case.procedure is ProcedureKind.SIMPLE
    if on_the_spot:
        require(case, ON_THE_SPOT)
        _check_simple_procedure(case, penalty, assessed)
    outside = outside_range(penalty, assessed)
    if outside and not cmd.outside_range_reason.strip():
        raise ReasonRequired(outside_range_message(penalty, assessed))
    if not on_the_spot:
        _check_notice_respected(case, penalty, assessed, today)
    check_legal_review(case, penalty, assessed)
    check_collective_discussion(case, penalty, assessed)
    record = DecisionRecord(
        document_number=cmd.document_number,
        outcome=DecisionOutcome.PENALTY,
        penalty=penalty,
        facts=cmd.facts,
        reasons=tuple(r for r in cmd.reasons if r.strip()),
        basis=cmd.basis,
        decided_on=today,
        outside_range_reason=cmd.outside_range_reason,
        outside_tier=outside,
        serious=cmd.serious,
        **_deadlines(today, calendar, on_the_spot=on_the_spot, publish=not on_the_spot),
    )
    return _issue(case, record, assessed, now)


def _check_decision_contents(cmd: Decide) -> None:
    """行政处罚法 第五十九条第一款: the decision states its number, the facts and the basis; a decision in the
    exercise of discretion gives its reasons (第五条; 沈法治办发〔2020〕7号 三（八）3)."""
    require_text(cmd.document_number, "决定书文号")
    require_text(cmd.facts, "违法事实", "行政处罚法 第五十九条第一款第二项")
    require_text(cmd.basis, "处罚依据", "行政处罚法 第五十九条第一款第三项")
    if not any(r.strip() for r in cmd.reasons):
        raise ReasonRequired(
            "行使裁量权作出的决定须说明理由（沈法治办发〔2020〕7号 三（八）3；行政处罚法 第五条）"
        )


def _check_notice_respected(case: Case, penalty: Penalty, assessed: AssessedPenalty, today: date) -> None:
    """行政处罚法 第四十四条、第六十二条: a decision follows a notice on the current assessment and is not heavier
    than it (after a defence, 第四十五条第二款); the party's rights have run their course."""
    if case.state is CaseState.FILED or case.state is CaseState.INVESTIGATING:
        raise DecisionBeforeNotice(
            "作出行政处罚决定之前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据，"
            "并告知其陈述、申辩、要求听证等权利（行政处罚法 第四十四条、第六十二条）"
        )
    notice = require_notice(case)
    if notice.assessment != assessed:
        raise DecisionBeforeNotice(
            "告知后裁量结果已变更，须按新的裁量结果重新告知当事人（行政处罚法 第四十四条、第六十二条）"
        )
    heavier = heavier_reasons(penalty, notice.proposed)
    if heavier:
        defended = bool(of_notice(case.statements, notice.index)) or hearing_for(case, notice) is not None
        article = "第四十五条第二款" if defended else "第四十四条"
        lead = "不得因当事人陈述、申辩而给予更重的处罚" if defended else "决定不得重于告知的处罚"
        raise HeavierThanNotice(
            f"{lead}：" + "；".join(heavier) + f"（行政处罚法 {article}）。如有新的事实、证据，应当重新告知",
            extra={"reasons": list(heavier)},
        )
    _check_rights_concluded(case, notice, today)


def _check_simple_procedure(case: Case, penalty: Penalty, assessed: AssessedPenalty) -> None:
    """行政处罚法 第五十一条: 警告 or a fine of at most 200 元 (公民) / 3,000 元 (法人或者其他组织), two officers
    (第四十二条第一款).

    The threshold applies to the fine actually decided ("处以……罚款"), not to the amount the benchmark
    suggests (``assessed.simple_procedure_allowed`` is advice on the suggestion only); the decided fine must
    still be inside the assessed tier (第三十四条): a departure from the tier needs the legal review of the
    general procedure (第五十八条), never an on-the-spot decision.
    """
    limit = SIMPLE_PROCEDURE_MAX_FINE_FEN[case.party.kind]
    who = "公民" if case.party.kind is PartyKind.INDIVIDUAL else "法人或者其他组织"
    problems: list[str] = []
    if len(case.officers) < 2:
        problems.append(f"执法人员为{len(case.officers)}人，不得少于两人（第四十二条第一款）")
    if outside_range(penalty, assessed):
        problems.append(
            f"罚款{format_yuan(penalty.fine_fen)}元超出裁量基准「{assessed.tier}」档的罚款幅度"
            f"（{assessed.range_text()}；第三十四条）"
        )
    if not penalty.kinds <= SIMPLE_PROCEDURE_KINDS:
        problems.append("简易程序只能处以警告或者罚款")
    if penalty.fine_fen > limit:
        problems.append(f"对{who}的罚款{format_yuan(penalty.fine_fen)}元超过{format_yuan(limit)}元")
    if problems:
        raise SimpleProcedureNotAllowed("；".join(problems) + "（行政处罚法 第五十一条），应当适用普通程序")


def _deadlines(today: date, calendar: WorkingDays, *, on_the_spot: bool, publish: bool) -> dict[str, Any]:
    """The decision's delivery and publication deadlines; unknown, never a refusal, when the statutory
    calendar does not cover them (a refusal could push the case past 第六十条's 90 days)."""
    d = decision_deadlines.compute(today, calendar, on_the_spot=on_the_spot, publish=publish)
    return {
        "delivery_due": d.delivery_due,
        "publish_by": d.publish_by,
        "deadlines_unknown_year": d.unknown_year,
        "deadlines_unknown": d.unknown_reason,
    }


def _issue(case: Case, record: DecisionRecord, assessed: AssessedPenalty | None, now: datetime) -> Transition:
    new = advance(case, state=CaseState.DECIDED, decision=record)
    event = DecisionIssued(
        case_id=case.case_id,
        occurred_at=now,
        document_number=record.document_number,
        outcome=record.outcome,
        procedure=case.procedure,
        kinds=kind_labels(record.penalty),
        fine_fen=record.penalty.fine_fen if record.penalty else 0,
        confiscation_fen=record.penalty.confiscation_fen if record.penalty else 0,
        decided_on=record.decided_on,
        benchmark_code=assessed.benchmark_code if assessed else None,
        benchmark_version=assessed.benchmark_version if assessed else None,
        tier=assessed.tier if assessed else None,
        outside_tier=record.outside_tier,
        serious=record.serious,
        delivery_due=record.delivery_due,
        publish_by=record.publish_by,
        revision=1,
        restriction_months=record.penalty.restriction_months if record.penalty else None,
    )
    return Transition(new, (event,))


def check_education(*, required: bool, education: Sequence[str]) -> None:
    """行政处罚法 第三十三条第三款: "对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育". Where the
    assessment's ground requires it (第三十条, 第三十一条, 第三十三条, the 不予处罚清单), the decision records the
    education given; the document does not claim an education nobody recorded."""
    if required and not any(e.strip() for e in education):
        raise ReasonRequired(
            "依法不予行政处罚的，应当对当事人进行教育：须在education中载明对当事人进行教育的内容"
            "（行政处罚法 第三十三条第三款）",
            detail_en="A decision not to penalise on this ground must record in `education` how the party was "
            "educated (行政处罚法 art. 33(3))",
        )


def decide_no_penalty(
    case: Case, cmd: DecideNoPenalty, *, now: datetime, calendar: WorkingDays
) -> Transition:
    """不予行政处罚决定 (第五十七条第一款第二项、第三项; 第三十三条).

    No notice is required: 第四十四条 governs decisions that impose a penalty. Legal review and collective
    discussion still apply when the assessment calls for them. The decision is not published under the
    7-working-day rule (seed 003 sets it for penalty decisions); publication of 不予处罚 information is a
    credit-service policy.
    """
    require(case, TABLE[DecideNoPenalty])
    today = clock.local_date(now)
    check_time_limit(case, today)
    require_text(cmd.document_number, "决定书文号")
    require_text(cmd.facts, "查明的事实")
    require_text(cmd.basis, "不予行政处罚的依据")
    if not any(r.strip() for r in cmd.reasons):
        raise ReasonRequired("不予行政处罚决定须说明理由（沈法治办发〔2020〕7号 三（八）3）")
    if case.state is CaseState.HEARING_REQUESTED:
        raise HearingPending("听证结束前不得作出决定（行政处罚法 第六十五条）")
    check_legal_review(case, None, case.assessment)
    check_collective_discussion(case, None, case.assessment)
    record = DecisionRecord(
        document_number=cmd.document_number,
        outcome=DecisionOutcome.NO_PENALTY,
        penalty=None,
        facts=cmd.facts,
        reasons=tuple(r for r in cmd.reasons if r.strip()),
        basis=cmd.basis,
        decided_on=today,
        outside_range_reason="",
        outside_tier=False,
        serious=False,
        **_deadlines(today, calendar, on_the_spot=False, publish=False),
    )
    return _issue(case, record, case.assessment, now)
