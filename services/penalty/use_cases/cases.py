"""Cases: filing (立案, directly or from a lead) and reading them.

A case is filed by a certified officer with at least one other (行政处罚法 第四十二条第一款), under a published
benchmark of the officer's department, and numbered with the department's 立案审批表 number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, ledger
from services.common.access import Scope
from services.common.auth import Principal
from services.common.pagination import Page, cursor_instant, cursor_tuple, cursor_uuid, decode_cursor, page_of
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import documents as docs
from services.penalty.domain import procedure as p
from services.penalty.errors import BenchmarkOtherDepartment, DocumentNotFound
from services.penalty.models import PenaltyCase
from services.penalty.repository import supervision as supervision_repo
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import acts, codec, documents
from services.penalty.use_cases.catalogue import snapshot
from services.penalty.use_cases.certificates import check_certificates, officer_signs
from services.penalty.use_cases.common import audit, department, party_columns
from services.penalty.use_cases.supervision import label as supervision_label
from services.penalty.use_cases.timeline import case_of, save

# --------------------------------------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filing:
    """What a case is filed with, whether an officer opens it or confirms a lead."""

    party: s.PartyIn
    benchmark_code: str
    procedure: p.ProcedureKind
    summary: str
    facts_brief: str
    officers: Sequence[str]
    approved_by: str
    source: str
    district_code: str
    place: str
    violation_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    evidence: Sequence[str] = ()
    act: acts.ActRef = acts.ActRef()  # 行政处罚法 第二十九条: the act the case is about


def _new_row(
    filing: Filing,
    *,
    case_no: str,
    principal: Principal,
    team: list[str],
    benchmark: cat.BenchmarkVersion,
    filed: p.Case,
    now: datetime,
) -> PenaltyCase:
    """The case row as filed: the party, the benchmark, the team and what the documents will need."""
    assert principal.dept_code is not None and principal.cert_no is not None
    return PenaltyCase(
        id=filed.case_id,
        case_no=case_no,
        dept_code=principal.dept_code,
        district_code=filing.district_code,
        domain=benchmark.domain,
        state=filed.state.value,
        procedure=filing.procedure.value,
        source=filing.source,
        violation_id=filing.violation_id,
        lead_id=filing.lead_id,
        **party_columns(filing.party),
        summary=filed.summary,
        benchmark_code=filing.benchmark_code,
        benchmark_version=benchmark.version,
        tier=None,
        fine_fen=0,
        serious=False,
        opened_by=principal.sub,
        opened_at=now,
        updated_at=now,
        revision=filed.version,
        domain_case=codec.to_json(filed),
        details={
            "officers": team,
            "officer_names": {principal.cert_no: principal.name} if principal.name else {},
            "facts_brief": filing.facts_brief,
            "evidence": list(filing.evidence),
            "place": filing.place,
            "approved_by": filing.approved_by,
        },
    )


async def file(
    session: AsyncSession,
    *,
    principal: Principal,
    ctx: PenaltyContext,
    filing: Filing,
    case_id: uuid.UUID | None = None,
) -> PenaltyCase:
    """立案: check who files and with whom, number the case, store its 立案审批表, publish the opening."""
    today, now = clock.today(), clock.now()
    cert = await officer_signs(session, principal, today)
    assert principal.dept_code is not None
    team = list(dict.fromkeys([cert, *[o.strip() for o in filing.officers if o.strip()]]))
    if len(team) < 2:
        raise p.OfficersInsufficient(
            "承办案件的执法人员不得少于两人（行政处罚法 第四十二条第一款）",
            detail_en="At least two officers must handle a case (行政处罚法 第四十二条第一款)",
        )
    await check_certificates(session, team, today)
    versions = (await snapshot(session, ctx)).of(filing.benchmark_code)
    current = versions[-1]
    if current.department_code != principal.dept_code:
        raise BenchmarkOtherDepartment(
            f"裁量基准{filing.benchmark_code}属于{current.department_name}，不适用于本部门案件",
            detail_en=f"Benchmark {filing.benchmark_code} belongs to {current.department_name}, not to the "
            "caller's department",
        )
    dept = await department(session, principal.dept_code)
    case_no = await documents.allocate(session, dept, docs.DocumentKind.FILING_APPROVAL, ctx)
    case_id = case_id or uuid.uuid4()
    summary = filing.summary.strip() or current.violation_name
    transition = p.file_case(
        p.FileCase(
            case_id=case_id,
            dept_code=principal.dept_code,
            party=p.PartyRef(filing.party.name, filing.party.kind),
            procedure=filing.procedure,
            summary=summary,
            approved_by=filing.approved_by,
            officers=tuple(team) if filing.procedure is p.ProcedureKind.SIMPLE else (),
        ),
        now=now,
    )
    row = _new_row(
        filing,
        case_no=case_no,
        principal=principal,
        team=team,
        benchmark=current,
        filed=transition.case,
        now=now,
    )
    await repo.add_case(session, row)
    await acts.attach(
        session, row=row, ref=filing.act, principal=principal, facts=filing.facts_brief, place=filing.place
    )
    await save(session, row=row, transition=transition, principal=principal, action="filed", now=now)
    built = documents.filing_approval(
        number=case_no,
        dept=dept,
        row=row,
        version=current,
        facts_brief=filing.facts_brief,
        approver=filing.approved_by,
        filed_on=today,
    )
    await documents.store(session, row, built, today, ctx)
    await audit(
        session,
        principal,
        action="penalty.case.opened",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={"case_no": case_no, "state": row.state, "source": filing.source, "party": filing.party.name},
    )
    return row


async def open_case(
    session: AsyncSession,
    *,
    principal: Principal,
    body: s.CaseOpenIn,
    ctx: PenaltyContext,
    case_id: uuid.UUID | None = None,
) -> PenaltyCase:
    """立案 directly (a complaint, or what officers found themselves)."""
    assert principal.district_code is not None
    filing = Filing(
        party=body.party,
        benchmark_code=body.benchmark_code,
        procedure=body.procedure,
        summary=body.summary,
        facts_brief=body.facts_brief,
        officers=body.officers,
        approved_by=body.approved_by,
        source=body.source,
        district_code=principal.district_code,
        place=body.place,
        act=acts.ActRef.of(body.act),
    )
    return await file(session, principal=principal, ctx=ctx, filing=filing, case_id=case_id)


# --------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------


def assessment_of(row: PenaltyCase) -> d.Assessment | None:
    """The case's last assessment, as the engine produced it."""
    return codec.decode(d.Assessment, row.assessment) if row.assessment else None


async def case_view(session: AsyncSession, *, principal: Principal, row: PenaltyCase) -> s.CaseRead:
    """The case with its documents and credit notice, as ``principal`` may read it."""
    return views.case_read(
        row,
        case=case_of(row),
        assessment=assessment_of(row),
        documents=await repo.case_documents(session, row.id),
        notice=await repo.credit_notice(session, row.id),
        principal=principal,
        today=clock.today(),
        supervision=await supervision_refs(session, row.id),
    )


async def supervision_refs(session: AsyncSession, case_id: uuid.UUID) -> list[s.SupervisionMatterRef]:
    """The open supervision matters on the case (issue #14), as the case read shows them."""
    return [
        s.SupervisionMatterRef(
            matter_id=m.matter_id,
            kind=m.kind,
            title=supervision_label(m),
            document_no=m.document_no,
            due_on=m.due_on,
        )
        for m in await supervision_repo.open_matters(session, case_id)
    ]


async def list_cases(
    session: AsyncSession, *, scope: Scope, state: str | None, cursor: str | None, limit: int
) -> Page[s.CaseSummaryRead]:
    after = decode_cursor(cursor)
    # an instant asyncpg cannot hold in UTC was a 500; a cursor of another shape was read as the first page
    key = None if after is None else cursor_tuple(after, cursor_instant, cursor_uuid)
    rows = await repo.list_cases(session, scope, state=state, after=key, limit=limit)
    return page_of(
        [views.case_summary(r) for r in rows], limit, lambda c: [c.opened_at.isoformat(), str(c.id)]
    )


async def case_steps(session: AsyncSession, *, row: PenaltyCase) -> list[s.StepReadOut]:
    """The case's timeline, oldest step first."""
    return [views.step_read(x) for x in await repo.steps(session, row.id)]


async def decision_view(session: AsyncSession, *, row: PenaltyCase) -> s.DecisionViewRead:
    """The decision with both documents of 两书同达 (the enterprise's view)."""
    summary = views.decision_summary(case_of(row), clock.today())
    if summary is None:
        raise DocumentNotFound("本案尚未作出决定", detail_en="The case has not been decided yet")
    notice = await repo.credit_notice(session, row.id)
    return s.DecisionViewRead(
        case_id=row.id,
        decision=summary,
        decision_document=views.document_ref(await documents.decision_document(session, row)),
        credit_notice=views.credit_notice_read(notice),
        both_documents_ready=notice is not None,
    )


# 案件及处罚决定台账 (services/common/ledger.py): (field of CaseSummaryRead, Chinese header)
LEDGER_COLUMNS = [
    ("case_no", "立案编号"),
    ("opened_at", "立案时间"),
    ("dept_code", "部门代码"),
    ("district_code", "区县代码"),
    ("party_name", "当事人"),
    ("party_uscc", "统一社会信用代码"),
    ("summary", "案由"),
    ("procedure", "程序"),
    ("benchmark_code", "裁量基准编码"),
    ("tier", "裁量档次"),
    ("state_label", "办理状态"),
    ("decision_no", "处罚决定书文号"),
    ("decided_on", "决定日期"),
    ("fine_fen", "罚款金额（元）"),
]


async def ledger_rows(session: AsyncSession, *, scope: Scope, state: str | None) -> list[dict[str, Any]]:
    """Every case the caller may see (at most ledger.MAX_ROWS), newest first, as the ledger's rows."""
    out: list[dict[str, Any]] = []
    key = None
    while len(out) < ledger.MAX_ROWS:
        rows = await repo.list_cases(session, scope, state=state, after=key, limit=1_000)
        out.extend(views.case_summary(r).model_dump() for r in rows[:1_000])
        if len(rows) <= 1_000:
            break
        key = (rows[999].opened_at, rows[999].id)
    return out[: ledger.MAX_ROWS]
