"""One unit's evidence in one quarter, a list at a time (the drill-down, issue #16 item 6): the records behind
each number in keyset pages, each list in its own order, and how many records each list holds, counted in SQL
(risk_0022's indexes: a page of a unit's visits does not read its other signals, nor a page of its decisions
the quarter's decisions of every unit)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, NamedTuple, get_args

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.pagination import cursor_date, cursor_text, cursor_tuple, cursor_uuid
from services.risk.domain.report import LOW_RATING_MAX_STARS, UNKNOWN_DOMAIN
from services.risk.models import ComplaintLead, ExternalOutcome, RiskCase, UnitSignal, table_of
from services.risk.schemas import EvidenceKind

EVIDENCE_KINDS: tuple[EvidenceKind, ...] = get_args(EvidenceKind)

#: the lists read from ``unit_signal``, and the signal kind of each
SIGNAL_KINDS: dict[str, str] = {
    "refused_entries": "refused_entry",
    "low_ratings": "rating",
    "overdue_procedures": "overdue_procedure",
    "overdue_matters": "overdue_matter",
    "overdue_follow_ups": "overdue_follow_up",
    "visits": "visit",
}
#: the lists read from ``external_outcome``, and the ``counts_as`` of each
OUTCOME_KINDS: dict[str, str] = {
    "reconsideration_corrections": "reconsideration_correction",
    "litigation_losses": "litigation_loss",
}


class EvidenceLead(NamedTuple):
    id: uuid.UUID
    external_id: str
    domain: str
    category: str
    received_on: date


class EvidenceSignal(NamedTuple):
    kind: str
    ref: str
    value: int | None
    occurred_on: date
    detail: str
    resolved_domain: str  # the signal's domain, else its case's, else UNKNOWN_DOMAIN


lead_t = table_of(ComplaintLead)
signal_t = table_of(UnitSignal).alias("s")
case_t = table_of(RiskCase).alias("c")


def after_of(kind: EvidenceKind, cursor: Any) -> tuple[Any, ...] | None:
    """The sort key a list's cursor carries (decoded JSON), checked: a day and the record's key."""
    if cursor is None:
        return None
    if kind in ("decisions", "benchmark_deviations"):
        return cursor_tuple(cursor, cursor_date, cursor_uuid)
    if kind in OUTCOME_KINDS:
        return cursor_tuple(cursor, cursor_date, cursor_text, cursor_uuid)
    return cursor_tuple(cursor, cursor_date, cursor_text)


def key_of(kind: EvidenceKind, record: Any) -> list[Any]:
    """The sort key of a record of a list, as its cursor holds it (``after_of`` reads it back)."""
    if kind in ("decisions", "benchmark_deviations"):
        return [record.decided_on.isoformat(), str(record.case_id)]
    if kind in OUTCOME_KINDS:
        return [record.decided_on.isoformat(), record.external_id, str(record.id)]
    if kind == "complaints":
        return [record.received_on.isoformat(), record.external_id]
    return [record.occurred_on.isoformat(), record.ref]


def page_statement(
    kind: EvidenceKind, unit_code: str, first: date, last: date, *, after: tuple[Any, ...] | None, limit: int
) -> sa.Select[Any]:
    """The statement of ``evidence_page``: up to ``limit`` records of one list after ``after`` (its sort key),
    in the list's order: cases by (day, case id), outcomes by (day, external id, id), complaints by (day,
    external id), signals by (day, ref) (the drill-down's order: signals by day, kind and ref, a kind a list)."""
    if kind in ("decisions", "benchmark_deviations"):
        cases = sa.select(RiskCase).where(
            RiskCase.unit_code == unit_code,
            RiskCase.decided_on.between(first, last),
            RiskCase.issued_revision.is_not(None),
        )
        if kind == "benchmark_deviations":
            cases = cases.where(RiskCase.outside_tier)
        if after is not None:
            cases = cases.where(sa.tuple_(RiskCase.decided_on, RiskCase.case_id) > sa.tuple_(*after))
        return cases.order_by(RiskCase.decided_on, RiskCase.case_id).limit(limit)
    if kind in OUTCOME_KINDS:
        o = ExternalOutcome
        outcomes = sa.select(o).where(
            o.unit_code == unit_code, o.decided_on.between(first, last), o.counts_as == OUTCOME_KINDS[kind]
        )
        if after is not None:
            outcomes = outcomes.where(sa.tuple_(o.decided_on, o.external_id, o.id) > sa.tuple_(*after))
        return outcomes.order_by(o.decided_on, o.external_id, o.id).limit(limit)
    if kind == "complaints":
        leads = sa.select(
            lead_t.c.id, lead_t.c.external_id, lead_t.c.domain, lead_t.c.category, lead_t.c.received_on
        ).where(lead_t.c.unit_code == unit_code, lead_t.c.received_on.between(first, last))
        if after is not None:
            leads = leads.where(sa.tuple_(lead_t.c.received_on, lead_t.c.external_id) > sa.tuple_(*after))
        return leads.order_by(lead_t.c.received_on, lead_t.c.external_id).limit(limit)
    s, c = signal_t, case_t
    signals = (
        sa.select(
            s.c.kind,
            s.c.ref,
            s.c.value,
            s.c.occurred_on,
            s.c.detail,
            sa.func.coalesce(s.c.domain, c.c.domain, UNKNOWN_DOMAIN).label("resolved_domain"),
        )
        .select_from(s.outerjoin(c, c.c.case_id == s.c.case_id))
        .where(
            s.c.unit_code == unit_code, s.c.kind == SIGNAL_KINDS[kind], s.c.occurred_on.between(first, last)
        )
    )
    if kind == "low_ratings":
        signals = signals.where(s.c.value <= LOW_RATING_MAX_STARS)
    if after is not None:
        signals = signals.where(sa.tuple_(s.c.occurred_on, s.c.ref) > sa.tuple_(*after))
    return signals.order_by(s.c.occurred_on, s.c.ref).limit(limit)


async def evidence_page(
    session: AsyncSession,
    kind: EvidenceKind,
    unit_code: str,
    first: date,
    last: date,
    *,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` records of one list after ``after``: ``RiskCase`` or ``ExternalOutcome`` rows, or
    ``EvidenceLead`` / ``EvidenceSignal`` tuples (``page_statement``)."""
    statement = page_statement(kind, unit_code, first, last, after=after, limit=limit)
    if kind in ("decisions", "benchmark_deviations") or kind in OUTCOME_KINDS:
        return list((await session.scalars(statement)).all())
    rows = (await session.execute(statement)).all()
    if kind == "complaints":
        return [EvidenceLead(*r) for r in rows]
    return [EvidenceSignal(*r) for r in rows]


# Every list's total in one statement; the signals' from ix_unit_signal_unit_kind (one range per kind).
_TOTALS_SQL = sa.text(
    f"""
    SELECT cases.decisions, cases.benchmark_deviations, outcomes.reconsideration_corrections,
           outcomes.litigation_losses, leads.complaints, signals.*
    FROM (
        SELECT count(*) AS decisions, count(*) FILTER (WHERE outside_tier) AS benchmark_deviations
        FROM risk_case
        WHERE unit_code = :unit AND decided_on BETWEEN :first AND :last AND issued_revision IS NOT NULL
    ) AS cases,
    (
        SELECT count(*) FILTER (WHERE counts_as = 'reconsideration_correction') AS reconsideration_corrections,
               count(*) FILTER (WHERE counts_as = 'litigation_loss') AS litigation_losses
        FROM external_outcome
        WHERE unit_code = :unit AND decided_on BETWEEN :first AND :last
    ) AS outcomes,
    (
        SELECT count(*) AS complaints FROM complaint_lead
        WHERE unit_code = :unit AND received_on BETWEEN :first AND :last
    ) AS leads,
    (
        SELECT count(*) FILTER (WHERE kind = 'refused_entry') AS refused_entries,
               count(*) FILTER (WHERE kind = 'rating' AND value <= {LOW_RATING_MAX_STARS}) AS low_ratings,
               count(*) FILTER (WHERE kind = 'overdue_procedure') AS overdue_procedures,
               count(*) FILTER (WHERE kind = 'overdue_matter') AS overdue_matters,
               count(*) FILTER (WHERE kind = 'overdue_follow_up') AS overdue_follow_ups,
               count(*) FILTER (WHERE kind = 'visit') AS visits
        FROM unit_signal
        WHERE unit_code = :unit
          AND kind IN ('refused_entry', 'rating', 'overdue_procedure', 'overdue_matter', 'overdue_follow_up', 'visit')
          AND occurred_on BETWEEN :first AND :last
    ) AS signals
    """
)


async def evidence_totals(session: AsyncSession, unit_code: str, first: date, last: date) -> dict[str, int]:
    """How many records each list of the unit's drill-down holds in [first, last], by list."""
    row = (await session.execute(_TOTALS_SQL, {"unit": unit_code, "first": first, "last": last})).one()
    return {kind: int(row._mapping[kind]) for kind in EVIDENCE_KINDS}
