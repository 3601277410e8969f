"""The case import: cases of a department's former case system (办案系统), in flight or decided years ago,
brought in with each step's real date and held to the rules of a live case.

Per row: the shape is checked; the former case number within its department says whether the row was
imported before (the same content: nothing is written again; other content: refused); the facts are
assessed by the discretion engine as of the investigation; the steps are replayed through the procedure on
their own dates (domain.replay), entirely in memory, so a refused case leaves nothing behind. Only a case
whose every step passed is written: the row, its timeline (each step at its real date), the integration
events of its steps (``penalty.case.opened``, ``penalty.decision.issued`` with the real decision date,
``penalty.fine.paid``, ``penalty.deadline.missed`` ...) through the same outbox builders as a live step, the
consistency report's copy of the decision, the import key and the audit entry.

What an import does not do: it issues no documents (the former system issued them, under the numbers the
row carries), and a delivery it records is not held for the credit repair notice (两书同达 was the former
system's duty at the time; the credit service still issues its notice for the decision).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import calendar_store, clock
from services.common.auth import Principal
from services.common.errors import DomainError
from services.common.messages import validation_message
from services.common.workdays import WorkingDayCalendar
from services.penalty import repository as repo
from services.penalty.domain import bridge, replay
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p
from services.penalty.errors import (
    BenchmarkOtherDepartment,
    ImportCaseChanged,
    ImportNumberTaken,
    ImportRowInvalid,
    ImportTooLarge,
)
from services.penalty.models import ImportedCase, PenaltyCase
from services.penalty.schemas import imports as si
from services.penalty.settings import CatalogueSnapshot, PenaltyContext
from services.penalty.use_cases import codec, documents, import_sheet
from services.penalty.use_cases.assessment import facts_of
from services.penalty.use_cases.catalogue import snapshot
from services.penalty.use_cases.common import audit, department, party_columns
from services.penalty.use_cases.procedure import record_decided
from services.penalty.use_cases.timeline import save

Rows = Sequence[tuple[int, Any]]


class RowRefused(Exception):
    """A row that cannot be imported: the error, and the step it concerns when the procedure refused it."""

    def __init__(self, error: DomainError, step: str | None = None, on: date | None = None) -> None:
        super().__init__(error.code)
        self.error, self.step, self.on = error, step, on

    @classmethod
    def of(cls, error: DomainError, step: str | None = None, on: date | None = None) -> RowRefused:
        """The refusal of a row by ``error`` (which carries its own Chinese and English details)."""
        return cls(error, step, on)


async def import_cases(
    session: AsyncSession, *, principal: Principal, ctx: PenaltyContext, rows: Rows
) -> si.CaseImportRead:
    """Import ``rows`` (row number, row) one case each; the report says what became of every row."""
    if len(rows) > si.MAX_ROWS:
        raise ImportTooLarge(
            f"一次最多导入{si.MAX_ROWS}个案件，本次为{len(rows)}个，请分批导入",
            detail_en=f"At most {si.MAX_ROWS} cases per import, got {len(rows)}: split the file",
            extra={"max_rows": si.MAX_ROWS, "rows": len(rows)},
        )
    context = _Context(
        principal=principal,
        published=await snapshot(session, ctx),
        calendar=await calendar_store.load_calendar(session),
        today=clock.today(),
        now=clock.now(),
    )
    report = [await _import_row(session, context, number, data) for number, data in rows]
    return si.CaseImportRead(
        summary=si.ImportSummaryRead(
            rows=len(report),
            accepted=sum(r.status == "accepted" for r in report),
            created=sum(r.created for r in report),
            unchanged=sum(r.status == "accepted" and not r.created for r in report),
            refused=sum(r.status == "refused" for r in report),
        ),
        rows=report,
    )


@dataclass(frozen=True, slots=True)
class _Context:
    principal: Principal
    published: CatalogueSnapshot
    calendar: WorkingDayCalendar
    today: date
    now: datetime


async def _import_row(session: AsyncSession, context: _Context, number: int, data: Any) -> si.ImportRowRead:
    keys = data if isinstance(data, dict) else {}
    refused = _refusal(number, keys.get("source_case_no"), keys.get("dept_code"))
    try:
        body = si.ImportCaseIn.model_validate(data)
    except ValidationError as exc:
        return refused(RowRefused(_invalid(exc)))
    refused = _refusal(number, body.source_case_no, body.dept_code)
    digest = hashlib.sha256(
        orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    await repo.lock_import(session, body.dept_code, body.source_case_no)
    try:
        earlier = await repo.imported_case(session, body.dept_code, body.source_case_no)
        if earlier is not None:
            return await _again(session, number, body, earlier, digest)
        try:
            plan = _plan(body, context)
            replayed = _replay(plan, context)
        except (ValueError, OverflowError) as exc:  # a date or amount beyond what the calendar can count
            raise RowRefused.of(
                ImportRowInvalid(
                    "本行的日期或金额超出可以计算的范围，请核对原办案系统的记录",
                    detail_en=f"A date or amount of the row is out of range: {exc}",
                )
            ) from exc
        row = await _write(session, context, body, plan, replayed, digest)
    except RowRefused as refusal:
        return refused(refusal)
    return _accepted(number, body, row, created=True)


def _refusal(number: int, source_case_no: Any, dept_code: Any) -> Callable[[RowRefused], si.ImportRowRead]:
    def refused(refusal: RowRefused) -> si.ImportRowRead:
        error = refusal.error
        return si.ImportRowRead(
            row=number,
            source_case_no=source_case_no if isinstance(source_case_no, str) else None,
            dept_code=dept_code if isinstance(dept_code, str) else None,
            status="refused",
            created=False,
            case_id=None,
            state=None,
            code=error.code,
            message=error.detail,
            step=replay.STEP_LABELS.get(refusal.step, refusal.step) if refusal.step else None,
            step_on=refusal.on,
            errors=error.errors,
        )

    return refused


def _invalid(exc: ValidationError) -> ImportRowInvalid:
    errors = [
        {"loc": [str(x) for x in e["loc"]], "message": validation_message(e)}
        for e in exc.errors(include_url=False)
    ]
    text = "；".join(f"{_where(e['loc'])}：{e['message']}" for e in errors)
    english = "; ".join(
        f"{'.'.join(str(x) for x in e['loc']) or 'row'}: {validation_message(e, english=True)}"
        for e in exc.errors(include_url=False)
    )
    return ImportRowInvalid(
        f"本行内容不符合要求：{text}", detail_en=f"The row is malformed: {english}", errors=errors
    )


def _where(loc: Sequence[str]) -> str:
    """A field as the row names it, with its column in the import template when it has one."""
    path = ".".join(loc)
    header = import_sheet.header_of(loc)
    return f"{header}（{path}）" if header else (path or "整行")


def _accepted(number: int, body: si.ImportCaseIn, row: PenaltyCase, *, created: bool) -> si.ImportRowRead:
    return si.ImportRowRead(
        row=number,
        source_case_no=body.source_case_no,
        dept_code=body.dept_code,
        status="accepted",
        created=created,
        case_id=row.id,
        state=row.state,
        decided_on=row.decided_on,
    )


async def _again(
    session: AsyncSession, number: int, body: si.ImportCaseIn, earlier: ImportedCase, digest: str
) -> si.ImportRowRead:
    """A row imported before: the same row is accepted again without writing; another one is refused."""
    if earlier.digest != digest:
        raise RowRefused.of(
            ImportCaseChanged(
                f"{body.dept_code}部门的原案件编号{body.source_case_no}已于"
                f"{clock.local_date(earlier.imported_at).isoformat()}导入，本行内容与当时不同；"
                "已导入的案件不会被覆盖，其后的程序请在本系统中办理",
                detail_en=f"Case {body.source_case_no} of {body.dept_code} was imported before with other "
                "content; imported cases are never overwritten",
                extra={"case_id": str(earlier.case_id)},
            )
        )
    row = await repo.get_case(session, earlier.case_id)
    assert row is not None  # imported_case.case_id references penalty_case
    return _accepted(number, body, row, created=False)


# --------------------------------------------------------------------------------------------------------
# The plan: the engine's assessment and the steps of the record as procedure commands
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    filed_on: date
    filing: p.FileCase
    steps: tuple[replay.Step, ...]
    facts: d.Facts
    assessment: d.Assessment
    version: cat.BenchmarkVersion


def _plan(body: si.ImportCaseIn, context: _Context) -> _Plan:
    """The filing and the steps as the commands a live request would build (reasons, basis, flags)."""
    published = context.published
    try:
        versions = published.of(body.benchmark_code)
    except DomainError as exc:
        raise RowRefused.of(exc, "assessment") from exc
    if versions[-1].department_code != body.dept_code:
        raise RowRefused.of(
            BenchmarkOtherDepartment(
                f"裁量基准{body.benchmark_code}属于{versions[-1].department_name}，不适用于{body.dept_code}部门的案件",
                detail_en=f"Benchmark {body.benchmark_code} belongs to {versions[-1].department_name}",
            ),
            "assessment",
        )
    simple = body.procedure is p.ProcedureKind.SIMPLE
    assessed_on = body.filed_on if simple else (body.investigated_on or body.filed_on)
    decided_on = body.decision.decided_on if body.decision else None
    given = body.facts if decided_on is None else body.facts.model_copy(update={"decision_date": decided_on})
    party = body.party.kind
    facts = facts_of(
        given,
        party_type=bridge.PARTY_TYPES[party],
        enterprise=party is p.PartyKind.ORGANISATION,
        today=context.today,
        filed_on=body.filed_on,
    )
    try:
        assessment = d.assess(facts, versions, today=assessed_on, config=published.config)
        version = published.version(assessment.code, assessment.version)
    except DomainError as exc:
        raise RowRefused.of(exc, "assessment", assessed_on) from exc
    assessed = bridge.to_assessed(
        assessment, illegal_gains_fen=facts.base_amounts.get(cat.BaseKind.ILLEGAL_GAINS, 0)
    )
    officers = tuple(dict.fromkeys(o.strip() for o in body.officers if o.strip()))
    filing = p.FileCase(
        case_id=uuid.uuid4(),
        dept_code=body.dept_code,
        party=p.PartyRef(body.party.name, party),
        procedure=body.procedure,
        summary=body.summary.strip() or version.violation_name,
        approved_by=body.approved_by,
        officers=officers if simple else (),
    )
    steps: list[replay.Step] = []
    if not simple:
        steps.append(replay.Step(assessed_on, "investigation", p.StartInvestigation(officers)))
    steps.append(replay.Step(assessed_on, "assessment", p.RecordAssessment(assessed)))
    reasons = bridge.explanation_lines(assessment)
    basis = documents.basis_text(version)
    steps += _notice_steps(body, assessed, reasons, basis, facts, published)
    steps += _rights_steps(body)
    steps += _review_steps(body)
    steps += _decision_steps(body, reasons, basis)
    steps += _performance_steps(body)
    return _Plan(body.filed_on, filing, tuple(steps), facts, assessment, version)


def _notice_steps(
    body: si.ImportCaseIn,
    assessed: p.AssessedPenalty,
    reasons: tuple[str, ...],
    basis: str,
    facts: d.Facts,
    published: CatalogueSnapshot,
) -> list[replay.Step]:
    """An extension of the time limit, and 告知 with the flags of the proposal itself (as a live notice)."""
    steps: list[replay.Step] = []
    if body.extension is not None:
        e = body.extension
        steps.append(
            replay.Step(
                e.approved_on, "extension", p.ExtendTimeLimit(e.new_limit, e.approver, e.basis, e.reason)
            )
        )
    notice = body.notice
    if notice is not None:
        penalty = notice.proposed or (body.decision.penalty if body.decision else None)
        if penalty is None:
            raise RowRefused.of(
                ImportRowInvalid(
                    "告知须载明拟作出的行政处罚（notice.proposed），或载明决定的处罚（行政处罚法 第四十四条）",
                    detail_en="A notice states the proposed penalty (notice.proposed) or the row its decision",
                ),
                "notice",
                notice.served_on,
            )
        proposed = penalty.domain()
        flags = bridge.flags_for(
            body.party.kind,
            proposed,
            config=published.config,
            illegal_gains_fen=facts.base_amounts.get(cat.BaseKind.ILLEGAL_GAINS, 0),
            illegal_property_fen=facts.illegal_property_value_fen or 0,
        )
        upgraded = bridge.with_flags(assessed, flags)
        if upgraded != assessed:
            steps.append(replay.Step(notice.served_on, "assessment_flags", p.RecordAssessment(upgraded)))
        hearing = upgraded.hearing_required if notice.hearing_offered is None else notice.hearing_offered
        notice_reasons = [*reasons]
        if notice.outside_range_reason.strip():
            notice_reasons.append(
                f"拟作出的罚款超出裁量档次幅度的理由：{notice.outside_range_reason.strip()}"
            )
        command = p.Notify(
            document_number=notice.document_number,
            facts="\n".join(notice.facts or [body.facts_brief]),
            reasons=tuple(notice_reasons),
            basis=basis,
            proposed=proposed,
            benchmark_code=upgraded.benchmark_code,
            served_on=notice.served_on,
            hearing_offered=hearing,
            statement_working_days=notice.statement_working_days,
            outside_range_reason=notice.outside_range_reason,
        )
        steps.append(replay.Step(notice.served_on, "notice", command))
    return steps


def _rights_steps(body: si.ImportCaseIn) -> list[replay.Step]:
    """The party's rights after the notice: 陈述申辩 and its review, a waiver, a hearing (第四十五条, 第六十四条)."""
    steps: list[replay.Step] = []
    if body.statement is not None:
        st = body.statement
        steps.append(replay.Step(st.received_on, "statement", p.RecordStatement(st.content, st.received_on)))
        steps.append(
            replay.Step(st.received_on, "statement_review", p.ReviewStatements(st.review_opinion, st.adopted))
        )
    if body.waiver is not None:
        w = body.waiver
        steps.append(
            replay.Step(w.declared_on, "waiver", p.WaiveRights(w.statement, w.hearing, w.declared_on))
        )
    if body.hearing is not None:
        h = body.hearing
        steps.append(replay.Step(h.requested_on, "hearing_request", p.RequestHearing(h.requested_on)))
        steps.append(
            replay.Step(
                h.notified_on, "hearing_schedule", p.ScheduleHearing(h.notified_on, h.held_on, h.presider)
            )
        )
        steps.append(
            replay.Step(h.held_on, "hearing_record", p.RecordHearing(h.held_on, h.outcome, h.transcript_ref))
        )
    return steps


def _review_steps(body: si.ImportCaseIn) -> list[replay.Step]:
    """法制审核 (第五十八条) and 集体讨论 (第五十七条第二款) of the penalty decided."""
    steps: list[replay.Step] = []
    decided = body.decision.penalty.domain() if body.decision else None
    if body.legal_review is not None:
        r = body.legal_review
        proposal = decided or (
            body.notice.proposed.domain() if body.notice and body.notice.proposed else None
        )
        if proposal is None:
            raise RowRefused.of(
                ImportRowInvalid(
                    "法制审核须针对拟作出的处理决定，本行未载明处罚",
                    detail_en="A legal review needs the penalty it reviewed: the row states none",
                ),
                "legal_review",
                r.reviewed_on,
            )
        steps.append(
            replay.Step(
                r.reviewed_on,
                "legal_review",
                p.RecordLegalReview(r.reviewer, r.passed, r.opinion, r.reviewed_on, proposal),
            )
        )
    if body.collective_discussion is not None:
        c = body.collective_discussion
        if decided is None:
            raise RowRefused.of(
                ImportRowInvalid(
                    "集体讨论须载明讨论决定的处罚，本行未载明决定",
                    detail_en="A collective discussion needs the penalty it decided: the row states no decision",
                ),
                "collective_discussion",
                c.held_on,
            )
        steps.append(
            replay.Step(
                c.held_on,
                "collective_discussion",
                p.RecordCollectiveDiscussion(c.held_on, tuple(c.participants), c.minutes_ref, decided),
            )
        )
    return steps


def _decision_steps(body: si.ImportCaseIn, reasons: tuple[str, ...], basis: str) -> list[replay.Step]:
    """The decision (第五十七条), with the engine's reasons and the benchmark's basis as live."""
    decision = body.decision
    if decision is None:
        return []
    decided = decision.penalty.domain()
    decision_reasons = [*reasons, *decision.reasons]
    if decision.outside_range_reason.strip():
        decision_reasons.append(f"罚款超出裁量档次幅度的理由：{decision.outside_range_reason.strip()}")
    facts = (
        decision.facts
        or (body.notice.facts if body.notice and body.notice.facts else None)
        or [body.facts_brief]
    )
    command = p.Decide(
        document_number=decision.document_number,
        penalty=decided,
        facts="\n".join(facts),
        reasons=tuple(decision_reasons),
        basis=basis,
        outside_range_reason=decision.outside_range_reason,
        serious=decision.serious,
    )
    return [replay.Step(decision.decided_on, "decision", command)]


def _performance_steps(body: si.ImportCaseIn) -> list[replay.Step]:
    """送达, 公示, payments and 执行完毕."""
    steps: list[replay.Step] = []
    if body.delivery is not None:
        dl = body.delivery
        steps.append(
            replay.Step(
                dl.delivered_on,
                "delivery",
                p.Deliver(dl.delivered_on, dl.method, dl.recipient, dl.electronic_consent),
            )
        )
    if body.published_on is not None:
        steps.append(replay.Step(body.published_on, "publication", p.RecordPublication(body.published_on)))
    for pay in body.payments:
        steps.append(
            replay.Step(
                pay.paid_on,
                "payment",
                p.RecordPayment(pay.paid_on, pay.fine_fen, pay.surcharge_fen, pay.receipt_ref),
            )
        )
    if body.execution is not None:
        ex = body.execution
        steps.append(replay.Step(ex.executed_on, "execution", p.RecordExecution(ex.executed_on, ex.note)))
    return steps


def _replay(plan: _Plan, context: _Context) -> replay.Replayed:
    try:
        return replay.replay(
            plan.filing, plan.filed_on, plan.steps, calendar=context.calendar, today=context.today
        )
    except replay.StepRefused as refused:
        raise RowRefused.of(refused.error, refused.action, refused.on) from refused


# --------------------------------------------------------------------------------------------------------
# Writing an accepted case
# --------------------------------------------------------------------------------------------------------


async def _write(
    session: AsyncSession,
    context: _Context,
    body: si.ImportCaseIn,
    plan: _Plan,
    replayed: replay.Replayed,
    digest: str,
) -> PenaltyCase:
    """Write the replayed case: checked first (department, numbers), so a refusal leaves nothing written."""
    try:
        await department(session, body.dept_code)
    except DomainError as exc:
        raise RowRefused.of(exc) from exc
    final = replayed.case
    taken = await repo.numbers_taken(
        session,
        case_no=body.source_case_no,
        decision_no=final.decision.document_number if final.decision else None,
    )
    if taken:
        raise RowRefused.of(
            ImportNumberTaken(
                f"编号{'、'.join(taken)}已被本系统中的其他案件使用，不能重复",
                detail_en=f"{', '.join(taken)} already belong to another case",
                extra={"numbers": taken},
            )
        )
    filed = replayed.transitions[0][2].case
    row = _new_row(body, plan, filed, context)
    await repo.add_case(session, row)
    for action, moment, transition in replayed.transitions:
        await save(
            session,
            row=row,
            transition=transition,
            principal=context.principal,
            action=action,
            now=moment,
            disclose=False,  # the former system published it (or not) at the time; nothing is backdated here
        )
    row.facts = codec.to_json(plan.facts)
    row.assessment = codec.to_json(plan.assessment)
    row.domain = plan.version.domain
    row.updated_at = context.now
    decision = final.decision
    if decision is not None and decision.penalty is not None and final.assessment is not None:
        await record_decided(session, row, final.assessment, decision)
    await repo.add_imported(
        session,
        ImportedCase(
            dept_code=body.dept_code,
            source_case_no=body.source_case_no,
            case_id=row.id,
            digest=digest,
            imported_by=context.principal.sub,
            imported_at=context.now,
            case_revision=row.revision,
            decision_imported=row.decided_on is not None,
        ),
    )
    await audit(
        session,
        context.principal,
        action="penalty.case.imported",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={
            "case_no": row.case_no,
            "state": row.state,
            "source_case_no": body.source_case_no,
            "steps": len(replayed.transitions),
        },
    )
    return row


def _new_row(body: si.ImportCaseIn, plan: _Plan, filed: p.Case, context: _Context) -> PenaltyCase:
    filed_at = replay.at(body.filed_on)
    return PenaltyCase(
        id=filed.case_id,
        case_no=body.source_case_no,
        dept_code=body.dept_code,
        district_code=body.district_code,
        domain=plan.version.domain,
        state=filed.state.value,
        procedure=body.procedure.value,
        source="direct",
        violation_id=None,
        lead_id=None,
        **party_columns(body.party),
        summary=filed.summary,
        benchmark_code=body.benchmark_code,
        benchmark_version=plan.version.version,
        tier=None,
        fine_fen=0,
        serious=False,
        opened_by=context.principal.sub,
        opened_at=filed_at,
        updated_at=filed_at,
        revision=filed.version,
        domain_case=codec.to_json(filed),
        details={
            "officers": list(dict.fromkeys(body.officers)),
            "officer_names": {},
            "facts_brief": body.facts_brief,
            "evidence": [],
            "place": "",
            "approved_by": body.approved_by,
            "notice_facts": list(body.notice.facts or []) if body.notice else [],
            "imported": {"source_case_no": body.source_case_no, "imported_at": context.now.isoformat()},
        },
    )
