"""The quarterly report's figures, the records behind them (drill-down), and published reports with their
warnings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk.domain.report import (
    LOW_RATING_MAX_STARS,
    UNKNOWN_DOMAIN,
    Figures,
    Quarter,
    UnitDomainCounts,
)
from services.risk.models import (
    ComplaintLead,
    ExternalOutcome,
    QuarterReport,
    Rectification,
    RiskCase,
    RiskWarning,
    table_of,
)

case_t = table_of(RiskCase)
outcome_t = table_of(ExternalOutcome)
lead_t = table_of(ComplaintLead)
report_t = table_of(QuarterReport)
warning_t = table_of(RiskWarning)

# the quarter's reconsideration corrections, litigation losses and complaints, in the counts' columns: the same
# branches of the live counts and of the tally's
_OUTCOMES_AND_COMPLAINTS = """  UNION ALL
    SELECT o.unit_code, o.domain, 0, (o.counts_as = 'reconsideration_correction')::int,
           (o.counts_as = 'litigation_loss')::int, 0, 0, 0, 0, 0, 0, 0
    FROM external_outcome o
    WHERE o.decided_on BETWEEN :first AND :last AND o.counts_as IS NOT NULL
  UNION ALL
    SELECT l.unit_code, l.domain, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
    FROM complaint_lead l
    WHERE l.received_on BETWEEN :first AND :last
"""

# the counts' sums per unit and domain over the rows of ``x``, and their grouping (both queries)
_SUMS = """SELECT x.unit_code, x.domain,
       sum(x.decisions)::int AS decisions, sum(x.rc)::int AS rc, sum(x.ll)::int AS ll,
       sum(x.complaints)::int AS complaints, sum(x.refused)::int AS refused, sum(x.low)::int AS low,
       sum(x.deviations)::int AS deviations, sum(x.overdue)::int AS overdue, sum(x.matters)::int AS matters,
       sum(x.follow_ups)::int AS follow_ups
FROM ("""
_GROUPED = """) x
GROUP BY x.unit_code, x.domain
HAVING sum(x.decisions + x.rc + x.ll + x.complaints + x.refused + x.low + x.deviations + x.overdue + x.matters
           + x.follow_ups) > 0
ORDER BY x.unit_code, x.domain
"""

_COUNTS_SQL = sa.text(
    f"""
{_SUMS}
    SELECT c.unit_code, COALESCE(c.domain, '{UNKNOWN_DOMAIN}') AS domain, 1 AS decisions, 0 AS rc, 0 AS ll,
           0 AS complaints, 0 AS refused, 0 AS low, c.outside_tier::int AS deviations, 0 AS overdue,
           0 AS matters, 0 AS follow_ups
    FROM risk_case c
    WHERE c.decided_on BETWEEN :first AND :last AND c.issued_revision IS NOT NULL AND c.unit_code IS NOT NULL
{_OUTCOMES_AND_COMPLAINTS}  UNION ALL
    SELECT s.unit_code, COALESCE(s.domain, c.domain, '{UNKNOWN_DOMAIN}'), 0, 0, 0, 0,
           (s.kind = 'refused_entry')::int, (s.kind = 'rating' AND s.value <= {LOW_RATING_MAX_STARS})::int, 0,
           CASE WHEN s.kind = 'overdue_procedure' THEN COALESCE(s.value, 1) ELSE 0 END,
           (s.kind = 'overdue_matter')::int, (s.kind = 'overdue_follow_up')::int
    FROM unit_signal s
    LEFT JOIN risk_case c ON c.case_id = s.case_id
    WHERE s.occurred_on BETWEEN :first AND :last AND s.kind <> 'visit'
{_GROUPED}"""
)


# the same counts, the decided cases' and signals' from ``unit_quarter_tally`` (risk_0020) for a whole quarter
_TALLY_COUNTS_SQL = sa.text(
    f"""
{_SUMS}
    SELECT t.unit_code, t.domain, t.decisions, 0 AS rc, 0 AS ll, 0 AS complaints, t.refused, t.low, t.deviations,
           t.overdue, t.matters, t.follow_ups
    FROM unit_quarter_tally t
    WHERE t.quarter = :quarter
{_OUTCOMES_AND_COMPLAINTS}{_GROUPED}"""
)


async def quarter_counts(session: AsyncSession, first: date, last: date) -> list[UnitDomainCounts]:
    """Every (unit, domain) with something to count in [first, last]: for a whole quarter from
    ``unit_quarter_tally``, else counted from the cases and signals."""
    quarter = Quarter.containing(first)
    if (first, last) == (quarter.first_day, quarter.last_day):
        params = {"quarter": str(quarter), "first": first, "last": last}
        rows = (await session.execute(_TALLY_COUNTS_SQL, params)).all()
    else:
        rows = (await session.execute(_COUNTS_SQL, {"first": first, "last": last})).all()
    return _counts(rows)


# One unit's rows of the same counts: the grouping key's predicate is pushed into every branch of the union.
_UNIT_TALLY_COUNTS_SQL = sa.text(f"SELECT * FROM ({_TALLY_COUNTS_SQL.text}) AS u WHERE u.unit_code = :unit")
_UNIT_COUNTS_SQL = sa.text(f"SELECT * FROM ({_COUNTS_SQL.text}) AS u WHERE u.unit_code = :unit")


async def unit_quarter_counts(
    session: AsyncSession, first: date, last: date, unit_code: str
) -> list[UnitDomainCounts]:
    """``quarter_counts``' rows of one unit (the drill-down's quarters before its own, for its trends)."""
    quarter = Quarter.containing(first)
    params = {"first": first, "last": last, "unit": unit_code}
    if (first, last) == (quarter.first_day, quarter.last_day):
        rows = (await session.execute(_UNIT_TALLY_COUNTS_SQL, params | {"quarter": str(quarter)})).all()
    else:
        rows = (await session.execute(_UNIT_COUNTS_SQL, params)).all()
    return _counts(rows)


async def live_quarter_counts(session: AsyncSession, first: date, last: date) -> list[UnitDomainCounts]:
    """The same counts from the cases and signals themselves (what the tally keeps)."""
    return _counts((await session.execute(_COUNTS_SQL, {"first": first, "last": last})).all())


def _counts(rows: Sequence[sa.Row[Any]]) -> list[UnitDomainCounts]:
    return [
        UnitDomainCounts(
            r.unit_code,
            r.domain,
            Figures(
                decisions=r.decisions,
                reconsideration_corrections=r.rc,
                litigation_losses=r.ll,
                complaints=r.complaints,
                refused_entries=r.refused,
                low_ratings=r.low,
                benchmark_deviations=r.deviations,
                overdue_procedures=r.overdue,
                overdue_matters=r.matters,
                overdue_follow_ups=r.follow_ups,
            ),
        )
        for r in rows
    ]


async def get_published(session: AsyncSession, quarter: str) -> QuarterReport | None:
    return await session.get(QuarterReport, quarter)


async def lock_quarter(session: AsyncSession, quarter: str) -> None:
    """Serialise publications of one quarter (the second waits, then finds the first)."""
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended("risk-publish:" + quarter, 0)))
    )


async def insert_report(
    session: AsyncSession,
    *,
    quarter: str,
    config_version: str,
    published_at: datetime,
    published_by: str,
    warnings: int,
    snapshot: dict[str, Any],
) -> None:
    await session.execute(
        sa.insert(report_t).values(
            quarter=quarter,
            config_version=config_version,
            published_at=published_at,
            published_by=published_by,
            warnings=warnings,
            snapshot=snapshot,
        )
    )


async def insert_warning(
    session: AsyncSession,
    *,
    id: uuid.UUID,
    quarter: str,
    unit_code: str,
    colour: str,
    lamp: bool,
    reasons: list[dict[str, Any]],
    issued_at: datetime,
) -> None:
    await session.execute(
        sa.insert(warning_t).values(
            id=id,
            quarter=quarter,
            unit_code=unit_code,
            colour=colour,
            lamp=lamp,
            reasons=reasons,
            issued_at=issued_at,
        )
    )


class IssuedWarning(NamedTuple):
    """A warning with the state and deadline of its rectification."""

    id: uuid.UUID
    quarter: str
    unit_code: str
    colour: str
    lamp: bool
    reasons: list[Any]
    issued_at: datetime
    rectification_status: str
    deadline: date | None


async def warnings_of(session: AsyncSession, quarter: str) -> list[IssuedWarning]:
    rows = await session.execute(
        sa.select(
            RiskWarning.id,
            RiskWarning.quarter,
            RiskWarning.unit_code,
            RiskWarning.colour,
            RiskWarning.lamp,
            RiskWarning.reasons,
            RiskWarning.issued_at,
            Rectification.status,
            Rectification.deadline,
        )
        .join(Rectification, Rectification.warning_id == RiskWarning.id)
        .where(RiskWarning.quarter == quarter)
        .order_by(RiskWarning.unit_code)
    )
    return [IssuedWarning(*r) for r in rows.all()]
