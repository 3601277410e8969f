"""Rule sets: rows of ``credit_rule_set`` and their parsed form (``domain.rules.RuleSet``)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Scope
from services.credit_repair.domain import rules
from services.credit_repair.domain.rules import RuleSet
from services.credit_repair.models import RuleSetRow

_PARSED: dict[tuple[str, date | None, str], RuleSet] = {}


def parsed(row: RuleSetRow) -> RuleSet:
    """The row's rule set. Rule sets are never edited in place (only an open end may be closed), so a
    parsed set is reused for as long as its row is unchanged."""
    key = (row.id, row.effective_to, row.created_at.isoformat())
    found = _PARSED.get(key)
    if found is None:
        found = rules.parse_rule_set(row.document)
        if len(_PARSED) > 256:
            _PARSED.clear()
        _PARSED[key] = found
    return found


async def rule_set_rows(session: AsyncSession) -> list[RuleSetRow]:
    return list((await session.scalars(sa.select(RuleSetRow).order_by(RuleSetRow.effective_from))).all())


async def rule_sets(session: AsyncSession) -> list[RuleSet]:
    return [parsed(r) for r in await rule_set_rows(session)]


async def rule_set_row(session: AsyncSession, rule_set_id: str) -> RuleSetRow | None:
    return await session.get(RuleSetRow, rule_set_id)


async def readable_rule_set(session: AsyncSession, scope: Scope, rule_set_id: str) -> RuleSetRow | None:
    """A rule set: public to every caller (``scope`` does not narrow it)."""
    return await rule_set_row(session, rule_set_id)


async def rule_set(session: AsyncSession, rule_set_id: str) -> RuleSet | None:
    row = await session.get(RuleSetRow, rule_set_id)
    return None if row is None else parsed(row)


async def lock_rule_sets(session: AsyncSession) -> None:
    """Serialise rule-set changes (readers are not blocked)."""
    await session.execute(sa.text("LOCK TABLE credit_rule_set IN SHARE ROW EXCLUSIVE MODE"))


async def close_rule_set(session: AsyncSession, rule_set_id: str, last_day: date) -> None:
    await session.execute(
        sa.update(RuleSetRow)
        .where(RuleSetRow.id == rule_set_id)
        .values(
            effective_to=last_day,
            document=RuleSetRow.document.op("||")(
                sa.func.jsonb_build_object("effective_to", last_day.isoformat())
            ),
        )
    )
