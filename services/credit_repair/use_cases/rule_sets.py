"""Rule sets: versioned, never edited, effective periods that do not overlap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_repair.domain import rules
from services.credit_repair.domain.rules import RuleSet
from services.credit_repair.errors import RuleSetExists, RuleSetNotInForce
from services.credit_repair.models import RuleSetRow
from services.credit_repair.repository import deferred
from services.credit_repair.repository import rule_sets as rule_set_repo
from services.credit_repair.settings import RuleSetCache

SYSTEM = "system"


async def list_rule_sets(session: AsyncSession) -> list[RuleSetRow]:
    return await rule_set_repo.rule_set_rows(session)


async def add_rule_set(
    session: AsyncSession,
    *,
    document: dict[str, Any],
    supersede_open_ended: bool,
    actor: str,
    actor_role: str,
    cache: RuleSetCache | None = None,
) -> RuleSetRow:
    """Add a rule set; refuses an invalid one (CREDIT_RULESET_INVALID) and one whose effective period
    overlaps another's (CREDIT_RULESET_OVERLAP, 409). With ``supersede_open_ended`` the open-ended set in
    force before it is closed on the day before it takes effect. ``cache`` (the running service's) forgets
    what it read."""
    new = rules.parse_rule_set(document)
    await rule_set_repo.lock_rule_sets(session)
    rows = await rule_set_repo.rule_set_rows(session)
    if any(r.id == new.id for r in rows):
        raise RuleSetExists(
            f"信用修复规则集编号 {new.id} 已存在，规则集不可修改，请使用新的编号",
            detail_en=f"A rule set {new.id} exists; rule sets are never changed: use a new id",
        )
    existing = [rule_set_repo.parsed(r) for r in rows]
    closed: RuleSet | None = None
    if supersede_open_ended:
        for old in existing:
            if old.effective_to is None and old.effective_from < new.effective_from:
                closed = old.model_copy(update={"effective_to": new.effective_from - timedelta(days=1)})
    candidates = [closed if closed is not None and s.id == closed.id else s for s in existing]
    rules.check_no_overlap([*candidates, new])
    if closed is not None:
        await rule_set_repo.close_rule_set(session, closed.id, closed.effective_to)  # type: ignore[arg-type]
    row = RuleSetRow(
        id=new.id,
        effective_from=new.effective_from,
        effective_to=new.effective_to,
        document=new.model_dump(mode="json"),
        sample=new.sample,
        created_by=actor,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    if cache is not None:
        cache.forget()
    deferred.defer_audit(
        session,
        actor=actor,
        actor_role=actor_role,
        action="rule_set.added",
        entity_type="credit_rule_set",
        entity_id=new.id,
        before={"closed": closed.id if closed else None},
        after=row.document,
    )
    await deferred.write_deferred_audit(session)
    return row


async def load_rule_set_document(
    session: AsyncSession, text: str, *, actor: str, cache: RuleSetCache | None = None
) -> int:
    """Load every rule set of a ``{"rule_sets": [...]}`` document that is not there yet; returns how many."""
    sets = rules.parse_rule_sets(text)
    have = {r.id for r in await rule_set_repo.rule_set_rows(session)}
    added = 0
    for rule_set in sets:
        if rule_set.id in have:
            continue
        await add_rule_set(
            session,
            document=rule_set.model_dump(mode="json"),
            supersede_open_ended=False,
            actor=actor,
            actor_role=SYSTEM,
            cache=cache,
        )
        added += 1
    return added


def rule_set_for_decision(sets: Sequence[RuleSet], decided_on: date, today: date) -> RuleSet:
    """The rule set in force on the decision date (the day the record arises); a decision older than every
    configured rule set is judged by today's rules (the only ones known)."""
    try:
        return rules.rule_set_for(sets, decided_on)
    except RuleSetNotInForce:
        return rules.rule_set_for(sets, today)


async def rule_set_today(session: AsyncSession, today: date) -> RuleSet:
    """The rule set in force today (the repair procedure and clean-ups follow today's rules)."""
    return rules.rule_set_for(await rule_set_repo.rule_sets(session), today)
