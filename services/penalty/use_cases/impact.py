"""涉企行政执法案件经济影响评估 as a step of the case (domain.impact; seed 000, seed 004): recording one,
reading them, and the check that holds a flagged enterprise case's decision until one is recorded."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain import discretion as d
from services.penalty.domain import impact
from services.penalty.domain import procedure as p
from services.penalty.errors import EconomicImpactAssessmentMissing
from services.penalty.models import EconomicImpactAssessment, PenaltyCase
from services.penalty.use_cases.cases import assessment_of
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit
from services.penalty.use_cases.timeline import case_of


async def record(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.EconomicImpactIn
) -> s.EconomicImpactRead:
    """Record an economic impact assessment of the case (before its decision); audited."""
    today, now = clock.today(), clock.now()
    cert = await officer_signs(session, principal, today)
    case = case_of(row)
    if case.decision is not None:
        raise p.AlreadyDecided(
            f"本案已于{case.decision.decided_on.isoformat()}作出决定，经济影响评估应在决定前开展"
            "（《沈阳市涉企行政执法案件经济影响评估实施办法》：事前研判、事中评估）",
            detail_en="The case is decided: the economic impact assessment comes before the decision",
        )
    assessed_on = body.assessed_on or today
    if assessed_on > today or assessed_on < case.filed_on:
        raise p.InvalidDate(
            f"评估日期（{assessed_on.isoformat()}）应在立案日（{case.filed_on.isoformat()}）至今日之间",
            detail_en=f"The assessment date {assessed_on.isoformat()} must lie between the filing day and today",
        )
    entry = EconomicImpactAssessment(
        id=uuid.uuid4(),
        case_id=row.id,
        assessors=[a.strip() for a in body.assessors],
        assessed_on=assessed_on,
        findings=body.findings.strip(),
        mitigation_measures=[m.strip() for m in body.mitigation_measures],
        recorded_by=principal.sub,
        recorded_by_cert=cert,
        recorded_at=now,
    )
    await repo.add_economic_impact(session, entry)
    read = views.economic_impact_read(entry)
    await audit(
        session,
        principal,
        action="penalty.case.economic_impact_assessed",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after=read.model_dump(mode="json"),
    )
    return read


async def list_for(session: AsyncSession, row: PenaltyCase) -> list[s.EconomicImpactRead]:
    return [views.economic_impact_read(e) for e in await repo.economic_impacts(session, row.id)]


async def require_before_decision(
    session: AsyncSession, *, row: PenaltyCase, penalty: p.Penalty, config: d.AssessmentConfig
) -> None:
    """Refuse the decision of a flagged enterprise case without a recorded assessment (seed 000, 004)."""
    assessment = assessment_of(row)
    # the assessed facts say whether the party is an enterprise; before any, an organisation is taken as one
    enterprise = (
        bool(row.facts.get("enterprise"))
        if row.facts
        else case_of(row).party.kind is p.PartyKind.ORGANISATION
    )
    reasons = impact.reasons_for(
        enterprise=enterprise,
        penalty=penalty,
        flagged=assessment.economic_impact_reasons if assessment else (),
        config=config,
    )
    if not reasons or await repo.economic_impacts(session, row.id):
        return
    raise EconomicImpactAssessmentMissing(
        "本案应当先开展涉企行政执法案件经济影响评估并记录评估结论和降低不利影响的措施，方可作出处罚决定："
        + "；".join(reasons)
        + "（《沈阳市涉企行政执法案件经济影响评估实施办法》，沈司办〔2026〕16号；辽政办发〔2023〕18号）",
        detail_en="Record the economic impact assessment of this enterprise case before deciding it",
        extra={"reasons": list(reasons)},
    )
