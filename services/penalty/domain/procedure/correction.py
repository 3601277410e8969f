"""Remedies and corrections: 复议 and 诉讼 (execution goes on, the surcharge pauses: 行政处罚法 第七十三条),
撤销 and 变更 by reconsideration, court or self-correction (第七十五条第二款; never heavier: 行政复议法 第六十三条
第二款, 行政诉讼法 第七十七条第二款), 确认违法 and 确认无效 by reconsideration or court (行政复议法 第六十五条、
第六十七条; 行政诉讼法 第七十四条、第七十五条), and withdrawal of a published decision (第四十八条第二款)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from services.common import clock
from services.penalty.domain import deadlines
from services.penalty.domain.deadlines import WorkingDays
from services.penalty.domain.errors import ChangeHeavier, InvalidTransition
from services.penalty.domain.procedure.case import Case
from services.penalty.domain.procedure.checks import advance, check_date, kind_labels, require_text
from services.penalty.domain.procedure.commands import (
    Change,
    ConcludeRemedy,
    ConfirmUnlawful,
    FileRemedy,
    Revoke,
)
from services.penalty.domain.procedure.events import (
    DecisionChanged,
    DecisionConfirmed,
    DecisionRevoked,
    RemedyConcluded,
    RemedyFiled,
    Transition,
)
from services.penalty.domain.procedure.records import CorrectionRecord, DecisionRecord, RemedyRecord
from services.penalty.domain.procedure.states import TABLE, require
from services.penalty.domain.procedure.values import heavier_reasons, validate_penalty
from services.penalty.domain.procedure.vocabulary import (
    FINDING_LABELS,
    CaseState,
    CorrectionSource,
    DecisionOutcome,
    Finding,
)


def file_remedy(case: Case, cmd: FileRemedy, *, now: datetime) -> Transition:
    """The party applied for reconsideration or sued. Execution does not stop (第七十三条第一款), but the
    surcharge is not counted while it runs (第七十三条第三款)."""
    require(case, TABLE[FileRemedy])
    today = clock.local_date(now)
    decision = case.decision
    assert decision is not None
    require_text(cmd.reference, "复议申请或起诉的案号")
    check_date(cmd.filed_on, today, "申请复议或起诉日期", decision.decided_on, "决定日期")
    if any(r.concluded_on is None for r in case.remedies):
        raise InvalidTransition("已有尚未终结的复议或诉讼")
    record = RemedyRecord(cmd.source, cmd.filed_on, cmd.reference)
    new = advance(case, remedies=(*case.remedies, record))
    event = RemedyFiled(
        case_id=case.case_id,
        occurred_at=now,
        source=cmd.source,
        filed_on=cmd.filed_on,
        reference=cmd.reference,
    )
    return Transition(new, (event,))


def _close_open_remedy(case: Case, on: date, upheld: bool) -> tuple[RemedyRecord, ...]:
    return tuple(
        replace(r, concluded_on=on, upheld=upheld) if r.concluded_on is None else r for r in case.remedies
    )


def conclude_remedy(case: Case, cmd: ConcludeRemedy, *, now: datetime) -> Transition:
    """A reconsideration or a lawsuit ended without revoking or changing the decision (upheld, withdrawn)."""
    require(case, TABLE[ConcludeRemedy])
    today = clock.local_date(now)
    open_remedies = [r for r in case.remedies if r.concluded_on is None]
    if not open_remedies:
        raise InvalidTransition("没有尚未终结的复议或诉讼")
    check_date(cmd.concluded_on, today, "复议诉讼终结日期", open_remedies[0].filed_on, "申请复议或起诉日期")
    new = advance(case, remedies=_close_open_remedy(case, cmd.concluded_on, cmd.upheld))
    event = RemedyConcluded(
        case_id=case.case_id, occurred_at=now, concluded_on=cmd.concluded_on, upheld=cmd.upheld
    )
    return Transition(new, (event,))


def _check_correction(
    case: Case,
    source_document: str,
    reason: str,
    effective_on: date,
    today: date,
    *,
    what: str = "撤销或者变更",
    documents: str = "复议决定书、裁判文书或者纠错审批记录",
) -> DecisionRecord:
    """The decision a correction (``what``) applies to, once its reason, its document and its date are checked."""
    decision = case.decision
    assert decision is not None
    require_text(reason, f"{what}的理由")
    require_text(source_document, f"{what}的依据文书（{documents}）")
    check_date(effective_on, today, f"{what}日期", decision.decided_on, "决定日期")
    return decision


def _withdrawal_by(case: Case, effective_on: date, calendar: WorkingDays) -> date | None:
    """A published decision changed, revoked, confirmed illegal or void is withdrawn within 3 working days
    (行政处罚法 第四十八条第二款, 第八十五条); one never published has nothing to withdraw."""
    return deadlines.publication_withdrawal_deadline(effective_on, calendar) if case.published_on else None


def revoke(case: Case, cmd: Revoke, *, now: datetime, calendar: WorkingDays) -> Transition:
    """撤销 the decision (行政复议法 第六十四条; 行政诉讼; 行政处罚法 第七十五条第二款 自行纠错).

    A published decision must be withdrawn within 3 working days (行政处罚法 第四十八条第二款, 第八十五条).
    """
    require(case, TABLE[Revoke])
    today = clock.local_date(now)
    decision = _check_correction(case, cmd.source_document, cmd.reason, cmd.effective_on, today)
    withdraw_by = _withdrawal_by(case, cmd.effective_on, calendar)
    record = CorrectionRecord(
        True, cmd.source, cmd.reason, cmd.source_document, cmd.effective_on, None, withdraw_by
    )
    new = advance(
        case,
        state=CaseState.REVOKED,
        corrections=(*case.corrections, record),
        remedies=_close_open_remedy(case, cmd.effective_on, False),
    )
    event = DecisionRevoked(
        case_id=case.case_id,
        occurred_at=now,
        document_number=decision.document_number,
        source=cmd.source,
        reason=cmd.reason,
        source_document=cmd.source_document,
        revoked_on=cmd.effective_on,
        withdraw_publication_by=withdraw_by,
        refund_fen=case.fine_paid_fen,
        revision=new.decision_revision,
    )
    return Transition(new, (event,))


def change(case: Case, cmd: Change, *, now: datetime, calendar: WorkingDays) -> Transition:
    """变更 the decision. It may not make the penalty heavier: a reconsideration body may not change to the
    applicant's disadvantage (行政复议法 第六十三条第二款), a court may not add to the plaintiff's burden
    (行政诉讼法 第七十七条第二款), unless a third party with a contrary claim asked for it; a body correcting
    itself must revoke and go through the procedure again (notice included) to impose more."""
    # A change reaches the party as a new document; before the original was delivered the body revokes it.
    require(case, TABLE[Change])
    today = clock.local_date(now)
    decision = _check_correction(case, cmd.source_document, cmd.reason, cmd.effective_on, today)
    if decision.outcome is DecisionOutcome.NO_PENALTY:
        raise ChangeHeavier(
            "不予行政处罚决定不能变更为处罚决定；须撤销后依法重新作出（行政处罚法 第四十四条）"
        )
    validate_penalty(cmd.penalty)
    current = case.current_penalty
    assert current is not None
    heavier = heavier_reasons(cmd.penalty, current)
    contrary = cmd.contrary_third_party_request and cmd.source is not CorrectionSource.SELF_CORRECTION
    if heavier and not contrary:
        raise ChangeHeavier(
            "变更不得加重当事人的处罚："
            + "；".join(heavier)
            + "（行政复议法 第六十三条第二款；行政诉讼法 第七十七条第二款）",
            extra={"reasons": list(heavier)},
        )
    paid = case.fine_paid_fen
    refund = max(paid - cmd.penalty.fine_fen, 0)
    withdraw_by = _withdrawal_by(case, cmd.effective_on, calendar)
    record = CorrectionRecord(
        False, cmd.source, cmd.reason, cmd.source_document, cmd.effective_on, cmd.penalty, withdraw_by
    )
    changes: dict[str, Any] = {
        "state": CaseState.CHANGED,
        "corrections": (*case.corrections, record),
        "remedies": _close_open_remedy(case, cmd.effective_on, False),
    }
    if cmd.penalty.fine_fen > paid and case.delivery is not None and case.payment_due is None:
        # The original decision had no fine (or it was paid); a fine imposed by the change is due 15 days
        # after the changing decision reaches the party.
        changes["payment_due"] = deadlines.payment_deadline(cmd.effective_on, calendar)
    new = advance(case, **changes)
    event = DecisionChanged(
        case_id=case.case_id,
        occurred_at=now,
        document_number=decision.document_number,
        source=cmd.source,
        reason=cmd.reason,
        source_document=cmd.source_document,
        changed_on=cmd.effective_on,
        kinds=kind_labels(cmd.penalty),
        fine_fen=cmd.penalty.fine_fen,
        withdraw_publication_by=withdraw_by,
        refund_fen=refund,
        revision=new.decision_revision,
        restriction_months=cmd.penalty.restriction_months,
    )
    return Transition(new, (event,))


def confirm_unlawful(case: Case, cmd: ConfirmUnlawful, *, now: datetime, calendar: WorkingDays) -> Transition:
    """A reconsideration body or a court confirms the decision illegal (行政复议法 第六十五条; 行政诉讼法
    第七十四条) or void (行政复议法 第六十七条; 行政诉讼法 第七十五条) without revoking it.

    Either way a published decision is withdrawn within 3 working days with the reason made public (行政处罚法
    第四十八条第二款, 第八十五条). A decision confirmed illegal keeps its obligations (the case stays where it
    is); a void one has no legal effect from the start: nothing is left to collect or enforce, and what was
    paid under it is to be refunded.
    """
    require(case, TABLE[ConfirmUnlawful])
    today = clock.local_date(now)
    label = FINDING_LABELS[cmd.finding]
    decision = _check_correction(
        case,
        cmd.source_document,
        cmd.reason,
        cmd.effective_on,
        today,
        what=label,
        documents="复议决定书或者裁判文书",
    )
    if any(c.finding is cmd.finding for c in case.corrections):
        raise InvalidTransition(f"该处罚决定已被{label}，不能重复记录")
    void = cmd.finding is Finding.CONFIRMED_VOID
    withdraw_by = _withdrawal_by(case, cmd.effective_on, calendar)
    record = CorrectionRecord(
        False,
        CorrectionSource(cmd.source.value),
        cmd.reason,
        cmd.source_document,
        cmd.effective_on,
        None if void else case.current_penalty,
        withdraw_by,
        cmd.finding,
    )
    changes: dict[str, Any] = {
        "corrections": (*case.corrections, record),
        "remedies": _close_open_remedy(case, cmd.effective_on, False),
    }
    if void:
        changes["state"] = CaseState.VOID
    new = advance(case, **changes)
    event = DecisionConfirmed(
        case_id=case.case_id,
        occurred_at=now,
        document_number=decision.document_number,
        source=record.source,
        finding=cmd.finding,
        reason=cmd.reason,
        source_document=cmd.source_document,
        confirmed_on=cmd.effective_on,
        withdraw_publication_by=withdraw_by,
        refund_fen=case.fine_paid_fen if void else 0,
        revision=new.decision_revision,
    )
    return Transition(new, (event,))
