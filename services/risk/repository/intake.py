"""Records taken in from integrations: reconsideration and litigation outcomes, 12345 leads.

A batch of records is one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` (bulk intake is a hot
path: 100,000 lines a minute); a record already stored under its external id is reported back by its body
hash, so the caller tells a replay from a conflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk.models import ComplaintLead, ExternalOutcome, table_of

outcome_t = table_of(ExternalOutcome)
lead_t = table_of(ComplaintLead)

# The values of one record, by column (built by use_cases.intake.intake_row).
IntakeValues = Mapping[str, Any]


class StoredIntake(NamedTuple):
    """What the answer to an intake says about a stored record (built from stored columns only)."""

    id: uuid.UUID
    external_id: str
    body_hash: str
    unit_code: str
    domain: str
    penalty_case_id: uuid.UUID | None
    event_date: date
    counts_as: str | None
    batch: str | None


class StoredHash(NamedTuple):
    body_hash: str
    upload_id: uuid.UUID | None  # the bulk upload that stored it (None: single intake)


def _intake_table(kind: str) -> sa.Table:
    return lead_t if kind == "complaint" else outcome_t


async def find_intake(session: AsyncSession, kind: str, external_id: str) -> StoredIntake | None:
    if kind == "complaint":
        query = sa.select(
            lead_t.c.id,
            lead_t.c.external_id,
            lead_t.c.body_hash,
            lead_t.c.unit_code,
            lead_t.c.domain,
            lead_t.c.penalty_case_id,
            lead_t.c.received_on,
            sa.null(),
            lead_t.c.batch,
        ).where(lead_t.c.external_id == external_id)
    else:
        query = sa.select(
            outcome_t.c.id,
            outcome_t.c.external_id,
            outcome_t.c.body_hash,
            outcome_t.c.unit_code,
            outcome_t.c.domain,
            outcome_t.c.penalty_case_id,
            outcome_t.c.decided_on,
            outcome_t.c.counts_as,
            sa.null(),
        ).where(outcome_t.c.external_id == external_id, outcome_t.c.kind == kind)
    row = (await session.execute(query)).first()
    return StoredIntake(*row) if row is not None else None


async def existing_hashes(
    session: AsyncSession, kind: str, external_ids: Sequence[str]
) -> dict[str, StoredHash]:
    """The stored body hash of each external id, with the bulk upload that stored it."""
    table = _intake_table(kind)
    query = sa.select(table.c.external_id, table.c.body_hash, table.c.upload_id).where(
        table.c.external_id == sa.func.any(sa.cast(list(external_ids), sa.ARRAY(sa.Text)))
    )
    if table is outcome_t:
        query = query.where(table.c.kind == kind)
    return {r.external_id: StoredHash(r.body_hash, r.upload_id) for r in (await session.execute(query)).all()}


_OUTCOME_COLUMNS = (
    ("id", "uuid"),
    ("kind", "text"),
    ("external_id", "text"),
    ("body_hash", "text"),
    ("client", "text"),
    ("unit_code", "text"),
    ("domain", "text"),
    ("penalty_case_id", "uuid"),
    ("decided_on", "date"),
    ("penalty_decided_on", "date"),
    ("outcome", "text"),
    ("loss_type", "text"),
    ("illegality", "text"),
    ("counts_as", "text"),
    ("record", "jsonb"),
    ("received_at", "timestamptz"),
    ("upload_id", "uuid"),
)

_LEAD_COLUMNS = (
    ("id", "uuid"),
    ("external_id", "text"),
    ("body_hash", "text"),
    ("client", "text"),
    ("unit_code", "text"),
    ("domain", "text"),
    ("penalty_case_id", "uuid"),
    ("uscc", "text"),
    ("category", "text"),
    ("text", "text"),
    ("received_at", "timestamptz"),
    ("received_on", "date"),
    ("batch", "text"),
    ("status", "text"),
    ("history", "jsonb"),
    ("record", "jsonb"),
    ("upload_id", "uuid"),
)


def _unnest_insert(table: str, columns: Sequence[tuple[str, str]], conflict: str) -> sa.TextClause:
    names = ", ".join(c for c, _ in columns)
    # jsonb arrays travel as text[] (asyncpg has no jsonb[] codec for str) and are cast element-wise.
    arrays = ", ".join(
        f"CAST(:{c} AS text[])::jsonb[]" if t == "jsonb" else f"CAST(:{c} AS {t}[])" for c, t in columns
    )
    return sa.text(
        f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING external_id"
    )


_INSERT_OUTCOMES = _unnest_insert("external_outcome", _OUTCOME_COLUMNS, "kind, external_id")
_INSERT_LEADS = _unnest_insert("complaint_lead", _LEAD_COLUMNS, "external_id")


async def insert_intake(session: AsyncSession, kind: str, rows: Sequence[IntakeValues]) -> set[str]:
    """Insert a batch of records in one statement; returns the external ids actually inserted (the others
    already existed: the caller compares their stored body hashes)."""
    if not rows:
        return set()
    columns = _LEAD_COLUMNS if kind == "complaint" else _OUTCOME_COLUMNS
    statement = _INSERT_LEADS if kind == "complaint" else _INSERT_OUTCOMES
    params = {name: [row.get(name) for row in rows] for name, _ in columns}
    result = await session.execute(statement, params)
    return {r[0] for r in result.all()}
