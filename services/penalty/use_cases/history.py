"""The party's decision history in the assessment of a case (domain.history): 初次违法 (第三十三条第一款) and
再次违法 from the decisions the service holds for the same catalogue item, the officer's reasoned contests,
and their record for the supervisors (consistency report)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import history
from services.penalty.models import FactContest, PenaltyCase


def _version_on(versions: Sequence[cat.BenchmarkVersion], day: date) -> cat.BenchmarkVersion:
    in_force = [v for v in versions if v.in_force_on(day)]
    return in_force[-1] if in_force else versions[-1]


async def record_facts(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    versions: Sequence[cat.BenchmarkVersion],
    facts: d.Facts,
    contests: Sequence[s.FactContestIn],
    config: d.AssessmentConfig,
) -> history.RecordFacts:
    """What the record says about this violation, and the officer's contests that differ from it."""
    version = _version_on(versions, facts.act_date)
    months, _ = history.period_of(version, config.repeat_period_months)
    found = await repo.party_decisions(
        session,
        uscc=row.party_uscc,
        id_number=row.party_id_number,
        benchmark_code=version.code,
        start=history.months_before(facts.act_date, months),
        end=facts.act_date,
        exclude=row.id,
    )
    return history.derive(
        version=version,
        act_date=facts.act_date,
        identified=bool(row.party_uscc or row.party_id_number),
        decisions=[
            history.PriorDecision(
                x.case_id, x.decision_no, x.decided_on, x.benchmark_code, x.case_no, x.penalised
            )
            for x in found
        ],
        default_months=config.repeat_period_months,
        contests=[
            history.Contest(history.ContestedFact(c.fact), c.value, c.reason.strip()) for c in contests
        ],
    )


def explained(
    assessment: d.Assessment, record: history.RecordFacts, versions: Sequence[cat.BenchmarkVersion]
) -> d.Assessment:
    """The assessment with the record step first in its trail (the decisions relied on, the contests)."""
    chosen = next((v for v in versions if v.version == assessment.version), versions[-1])
    return replace(assessment, steps=(history.step(record, chosen), *assessment.steps))


async def save_contests(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    record: history.RecordFacts,
    principal: Principal,
    now: datetime,
) -> None:
    """Keep the contests of this assessment (earlier ones of the case become inactive)."""
    relied = [
        {"case_id": str(x.case_id), "decision_no": x.decision_no, "decided_on": x.decided_on.isoformat()}
        for x in record.relied_on
    ]
    rows = [
        FactContest(
            id=uuid.uuid4(),
            case_id=row.id,
            dept_code=row.dept_code,
            district_code=row.district_code,
            benchmark_code=record.benchmark_code,
            fact=c.fact.value,
            derived=record.derived(c.fact),
            claimed=c.value,
            reason=c.reason,
            relied_on=relied,
            officer=principal.cert_no or principal.sub,
            contested_at=now,
        )
        for c in record.contests
    ]
    await repo.replace_contests(session, row.id, rows)


def audit_summary(record: history.RecordFacts) -> dict[str, object]:
    return {
        "first_offence": record.value(history.ContestedFact.FIRST_OFFENCE),
        "repeated": record.value(history.ContestedFact.REPEATED),
        "relied_on": [x.decision_no for x in record.relied_on],
        "contested": [c.fact.value for c in record.contests],
    }
