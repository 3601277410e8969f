"""Assessment against the published benchmarks (行政处罚法 第三十四条): a what-if for anyone who may read the
catalogue, and the assessment an officer records on a case (the engine: domain.discretion)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain import bridge
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import history as dh
from services.penalty.domain import procedure as p
from services.penalty.errors import BenchmarkCodeRequired, BenchmarkOtherDepartment
from services.penalty.models import PenaltyCase
from services.penalty.settings import PenaltyContext
from services.penalty.use_cases import acts, codec, history
from services.penalty.use_cases.catalogue import SessionSource, published_snapshot, snapshot
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit
from services.penalty.use_cases.timeline import apply, case_of, summary


def facts_of(
    body: s.FactsIn,
    *,
    party_type: cat.PartyType,
    enterprise: bool,
    today: date,
    filed_on: date | None = None,
) -> d.Facts:
    """The engine's facts from a request (the decision date defaults to today); ``filed_on`` is the case's
    filing day, by which the violation was discovered at the latest (第三十六条)."""
    return d.Facts(
        violation_date=body.violation_date,
        decision_date=body.decision_date or today,
        filed_on=filed_on,
        party_type=party_type,
        harm=body.harm,
        correction=body.correction,
        first_offence=body.first_offence,
        minor_violation=body.minor_violation,
        no_fault_proven=body.no_fault_proven,
        continuing_until=body.continuing_until,
        discovered_on=body.discovered_on,
        base_amounts=dict(body.base_amounts),
        obviously_low_bases=frozenset(body.obviously_low_bases),
        illegal_property_value_fen=body.illegal_property_value_fen,
        enterprise=enterprise,
        birth_date=body.birth_date,
        age_years=body.age_years,
        capacity=body.capacity,
        mitigations=frozenset(body.mitigations),
        aggravations=frozenset(body.aggravations),
        statutory_serious=body.statutory_serious,
        meets_no_penalty_list=body.meets_no_penalty_list,
        meets_lighter_list=body.meets_lighter_list,
        meets_mitigated_list=body.meets_mitigated_list,
        major_public_interest=body.major_public_interest,
        complex_case=body.complex_case,
    )


async def assess_what_if(
    session: SessionSource, *, code: str, body: s.AssessRequest, ctx: PenaltyContext
) -> bytes:
    """Stateless assessment against the published catalogue, as ``AssessmentRead`` JSON (nothing is stored;
    the snapshot's revision is reread at most every ``catalogue_recheck_seconds``:
    ``catalogue.published_snapshot``)."""
    published = await published_snapshot(session, ctx)
    today = clock.today()
    facts = facts_of(body, party_type=body.party_type, enterprise=body.enterprise, today=today)
    return views.assessment_json(d.assess(facts, published.of(code), today=today, config=published.config))


async def assess_case(
    session: AsyncSession,
    *,
    principal: Principal,
    row: PenaltyCase,
    body: s.CaseAssessmentRequest,
    ctx: PenaltyContext,
) -> s.AssessmentRead:
    """Assess the case's facts and record the result as the case's assessment (行政处罚法 第三十四条)."""
    today, now = clock.today(), clock.now()
    await officer_signs(session, principal, today)
    before = summary(row)
    published = await snapshot(session, ctx)
    code = body.benchmark_code or row.benchmark_code
    if code is None:
        raise BenchmarkCodeRequired(
            "请指定本案适用的裁量基准", detail_en="Name the benchmark that applies to the case"
        )
    versions = published.of(code)
    if versions[-1].department_code != row.dept_code:
        raise BenchmarkOtherDepartment(
            f"裁量基准{code}属于{versions[-1].department_name}，不适用于本部门案件",
            detail_en=f"Benchmark {code} belongs to {versions[-1].department_name}, not to the case's department",
        )
    case = case_of(row)
    party_type = bridge.PARTY_TYPES[case.party.kind]
    facts = facts_of(
        body,
        party_type=party_type,
        enterprise=case.party.kind is p.PartyKind.ORGANISATION,
        today=today,
        filed_on=clock.local_date(row.opened_at),
    )
    if facts.decision_date < today:
        raise d.DatesInconsistent(
            f"拟作出决定的日期（{facts.decision_date.isoformat()}）早于今日（{today.isoformat()}）",
            detail_en=f"The intended decision date ({facts.decision_date.isoformat()}) is before today "
            f"({today.isoformat()})",
        )
    # 初次违法 / 再次违法 from the party's decision history, not from the request (domain.history)
    record = await history.record_facts(
        session, row=row, versions=versions, facts=facts, contests=body.contests, config=published.config
    )
    facts = dh.apply(facts, record)
    assessment = history.explained(
        d.assess(facts, versions, today=today, config=published.config), record, versions
    )
    assessment = await acts.governing_assessment(  # 行政处罚法 第二十九条后段
        session,
        row=row,
        codes=body.provisions,
        facts=facts,
        assessment=assessment,
        published=published,
        today=today,
    )
    chosen = published.version(assessment.code, assessment.version)
    await history.save_contests(session, row=row, record=record, principal=principal, now=now)
    await apply(
        session,
        row=row,
        case=case,
        command=p.RecordAssessment(
            bridge.to_assessed(
                assessment, illegal_gains_fen=facts.base_amounts.get(cat.BaseKind.ILLEGAL_GAINS, 0)
            )
        ),
        principal=principal,
        action="assessment",
        now=now,
    )
    row.facts = codec.to_json(facts)
    row.assessment = codec.to_json(assessment)
    row.domain = chosen.domain
    await audit(
        session,
        principal,
        action="penalty.case.assessed",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={
            **summary(row),
            "benchmark": f"{assessment.code}/{assessment.version}",
            "tier": row.tier,
            "record": history.audit_summary(record),
        },
    )
    return views.assessment_read(assessment).model_copy(update={"record": views.record_facts_read(record)})
