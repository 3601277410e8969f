"""Every query of the credit_repair service.

Two pieces deserve a note.

**The feed in commit order.** Integrations read every start and end of publication through a cursor. A
cursor over a sequence or identity column can skip a row: a transaction that took number 7 may commit after
the one that took number 8, and a reader who saw 8 resumes after it. Here numbers are handed out from the
single row of ``feed_counter`` *at commit*: per-row changes stage their feed entries on the session and a
``before_commit`` hook numbers and inserts them; bulk ends number theirs in the statement that ends them, as
the transaction's last write. The counter's row lock is held until commit, so a transaction that numbers
after another also commits after it, and every reader who sees number n already sees 1..n-1. The price is
that feed writers commit one after another for the moment of numbering (milliseconds per transaction;
the duration of the inserts for a clean-up step).

Lock order, to keep deadlocks impossible: case advisory lock → record and publication rows → notice
counter → audit chain → feed counter. Service code defers its audit entries to the end of the transaction
(``defer_audit``/``write_deferred_audit``) for that reason.

**Bulk ends** (the daily sweep and clean-up runs) are one statement per step: the publications to end are
chosen by a set-based expression, and their ends (``publication_end``, narrow rows: a publication row is
never rewritten), outbox events (the envelope JSON built in SQL), feed entries and report counts are
inserted with ``INSERT ... SELECT`` in the same statement. The clean-up expression is the SQL form of
``domain.publication.end_reason_for_cleanup`` and is tested against it on generated data.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

from services.common import audit
from services.common.logs import request_id_var
from services.common.outbox import NOTIFY_CHANNEL
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import CleanupReason
from services.credit_repair.domain.rules import CreditClass, PartyKind, PenaltyKind, RuleSet
from services.credit_repair.models import (
    CleanupCount,
    CleanupRun,
    CleanupStep,
    CreditRecord,
    FeedEntry,
    PendingCaseEvent,
    Publication,
    PublicationEnd,
    RepairApplication,
    RepairNotice,
    RuleSetRow,
)

FEED_PENDING_KEY = "credit_feed_pending"
AUDIT_PENDING_KEY = "credit_audit_pending"
SOURCE = "credit_repair"

# --- penalty kinds as a bit mask (the clean-up judges kinds with integer operations) -------------

KIND_BITS: dict[PenaltyKind, int] = {kind: 1 << i for i, kind in enumerate(PenaltyKind)}


def kinds_mask(kinds: Sequence[PenaltyKind] | frozenset[PenaltyKind]) -> int:
    mask = 0
    for kind in kinds:
        mask |= KIND_BITS[kind]
    return mask


def kinds_of_mask(mask: int) -> frozenset[PenaltyKind]:
    return frozenset(k for k, bit in KIND_BITS.items() if mask & bit)


# --- rule sets ------------------------------------------------------------------------------------

_PARSED: dict[tuple[str, date | None, str], RuleSet] = {}


def _parsed(row: RuleSetRow) -> RuleSet:
    # Rule sets are never edited in place (only an open end may be closed), so a parsed set is reusable.
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
    return [_parsed(r) for r in await rule_set_rows(session)]


_RECENT: dict[str, tuple[float, list[RuleSet]]] = {}
RULE_SETS_TTL_S = 30.0


async def recent_rule_sets(session: AsyncSession) -> list[RuleSet]:
    """The rule sets as read at most 30 s ago (per database), for the consumer's hot path: rule sets are
    added days before they take effect, never edited, and this process forgets its copy when it adds one."""
    bind = session.get_bind()
    key = str(bind.engine.url)
    now = time.monotonic()
    cached = _RECENT.get(key)
    if cached is None or now - cached[0] > RULE_SETS_TTL_S:
        cached = _RECENT[key] = (now, await rule_sets(session))
    return cached[1]


def forget_rule_sets() -> None:
    _RECENT.clear()


async def rule_set_row(session: AsyncSession, rule_set_id: str) -> RuleSetRow | None:
    return await session.get(RuleSetRow, rule_set_id)


async def rule_set(session: AsyncSession, rule_set_id: str) -> RuleSet | None:
    row = await session.get(RuleSetRow, rule_set_id)
    return None if row is None else _parsed(row)


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


# --- case lock, records, publications -------------------------------------------------------------


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> None:
    """Serialise every handler of one penalty case (decision, revocation, change, payment)."""
    await session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(str(case_id), 0x637265646974)))
    )


async def records_for_case(session: AsyncSession, case_id: uuid.UUID) -> list[CreditRecord]:
    return list(
        (
            await session.scalars(
                sa.select(CreditRecord)
                .where(CreditRecord.case_id == case_id)
                .order_by(CreditRecord.revision)
                .with_for_update()
            )
        ).all()
    )


async def record(session: AsyncSession, record_id: uuid.UUID, *, lock: bool = False) -> CreditRecord | None:
    query = sa.select(CreditRecord).where(CreditRecord.id == record_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def publication_for_record(
    session: AsyncSession, record_id: uuid.UUID, *, lock: bool = False
) -> Publication | None:
    query = sa.select(Publication).where(Publication.record_id == record_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def publications_for_records(
    session: AsyncSession, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Publication]:
    if not record_ids:
        return {}
    rows = (await session.scalars(sa.select(Publication).where(Publication.record_id.in_(record_ids)))).all()
    return {p.record_id: p for p in rows}


async def notice_ids_for_records(
    session: AsyncSession, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    if not record_ids:
        return {}
    rows = (
        await session.execute(
            sa.select(RepairNotice.record_id, RepairNotice.id).where(RepairNotice.record_id.in_(record_ids))
        )
    ).all()
    return {r[0]: r[1] for r in rows}


@dataclass(frozen=True)
class Scope:
    """Which objects a caller may see: any combination narrows; all None means everything (admin)."""

    uscc: str | None = None
    department_code: str | None = None
    district_code: str | None = None
    nothing: bool = False


def _scoped(query: Any, scope: Scope, uscc_col: Any, dept_col: Any, district_col: Any) -> Any:
    if scope.nothing:
        return query.where(sa.false())
    if scope.uscc is not None:
        query = query.where(uscc_col == scope.uscc)
    if scope.department_code is not None:
        query = query.where(
            sa.or_(
                dept_col == scope.department_code,
                sa.func.split_part(dept_col, "-", 1) == scope.department_code,
            )
        )
    if scope.district_code is not None:
        query = query.where(district_col == scope.district_code)
    return query


async def list_records(
    session: AsyncSession,
    scope: Scope,
    *,
    case_id: uuid.UUID | None,
    uscc: str | None,
    published: bool | None,
    before: str | None,
    limit: int,
) -> list[CreditRecord]:
    query = sa.select(CreditRecord).order_by(CreditRecord.id.desc()).limit(limit + 1)
    query = _scoped(
        query, scope, CreditRecord.party_uscc, CreditRecord.department_code, CreditRecord.district_code
    )
    if case_id is not None:
        query = query.where(CreditRecord.case_id == case_id)
    if uscc is not None:
        query = query.where(CreditRecord.party_uscc == uscc)
    if published is not None:
        query = query.where(CreditRecord.published.is_(published))
    if before is not None:
        query = query.where(CreditRecord.id < uuid.UUID(before))
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class OtherDecisionRow:
    decision_no: str
    decided_on: date
    benchmark_code: str


async def other_decisions(
    session: AsyncSession, party_uscc: str, case_id: uuid.UUID
) -> list[OtherDecisionRow]:
    """The subject's other decisions still in force (a revoked or superseded one is no violation)."""
    rows = (
        await session.execute(
            sa.select(CreditRecord.decision_no, CreditRecord.decided_on, CreditRecord.benchmark_code).where(
                CreditRecord.party_uscc == party_uscc,
                CreditRecord.case_id != case_id,
                CreditRecord.decision_status == "in_force",
            )
        )
    ).all()
    return [OtherDecisionRow(r[0], r[1], r[2]) for r in rows]


# --- notices --------------------------------------------------------------------------------------


async def next_notice_number(session: AsyncSession, prefix: str, year: int) -> int:
    """The next number for ``prefix``/``year``. The counter row stays locked until commit and a rollback
    returns the number, so numbers have no gaps and no duplicates under concurrency."""
    value = await session.scalar(
        sa.text(
            "INSERT INTO notice_counter (prefix, year, last) VALUES (:prefix, :year, 1) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = notice_counter.last + 1 RETURNING last"
        ),
        {"prefix": prefix, "year": year},
    )
    return int(value)


async def notice(session: AsyncSession, notice_id: uuid.UUID) -> RepairNotice | None:
    return await session.get(RepairNotice, notice_id)


async def notice_pdf(session: AsyncSession, notice_id: uuid.UUID) -> bytes | None:
    value = await session.scalar(sa.select(RepairNotice.pdf).where(RepairNotice.id == notice_id))
    return None if value is None else bytes(value)


async def store_notice_pdf(session: AsyncSession, notice_id: uuid.UUID, pdf: bytes, at: datetime) -> None:
    await session.execute(
        sa.update(RepairNotice)
        .where(RepairNotice.id == notice_id, RepairNotice.pdf.is_(None))
        .values(pdf=pdf, pdf_rendered_at=at)
    )


async def list_notices(
    session: AsyncSession, scope: Scope, *, case_id: uuid.UUID | None, before: str | None, limit: int
) -> list[RepairNotice]:
    query = sa.select(RepairNotice).order_by(RepairNotice.id.desc()).limit(limit + 1)
    query = _scoped(
        query, scope, RepairNotice.party_uscc, RepairNotice.department_code, RepairNotice.district_code
    )
    if case_id is not None:
        query = query.where(RepairNotice.case_id == case_id)
    if before is not None:
        query = query.where(RepairNotice.id < uuid.UUID(before))
    return list((await session.scalars(query)).all())


# --- repair applications --------------------------------------------------------------------------

OPEN_STATUSES = ("submitted", "under_review")


async def open_application_ids(session: AsyncSession, record_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        sa.select(RepairApplication.id).where(
            RepairApplication.record_id == record_id, RepairApplication.status.in_(OPEN_STATUSES)
        )
    )
    return [str(r) for r in rows]


async def application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> RepairApplication | None:
    query = sa.select(RepairApplication).where(RepairApplication.id == application_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def list_applications(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    overdue_on: date | None,
    before: str | None,
    limit: int,
) -> list[RepairApplication]:
    query = sa.select(RepairApplication).order_by(RepairApplication.id.desc()).limit(limit + 1)
    query = _scoped(
        query,
        scope,
        RepairApplication.party_uscc,
        RepairApplication.department_code,
        RepairApplication.district_code,
    )
    if status is not None:
        query = query.where(RepairApplication.status == status)
    if overdue_on is not None:
        # domain.repair.overdue_stage, as a filter: not decided, and past the acceptance deadline without
        # acceptance, or past the decision deadline
        query = query.where(
            RepairApplication.status.in_(OPEN_STATUSES),
            sa.or_(
                sa.and_(
                    RepairApplication.accepted_on.is_(None), RepairApplication.acceptance_due < overdue_on
                ),
                RepairApplication.decision_due < overdue_on,
            ),
        )
    if before is not None:
        query = query.where(RepairApplication.id < uuid.UUID(before))
    return list((await session.scalars(query)).all())


# --- pending case events --------------------------------------------------------------------------


async def store_pending(
    session: AsyncSession,
    *,
    event_id: uuid.UUID,
    case_id: uuid.UUID,
    type_: str,
    revision: int | None,
    envelope: dict[str, Any],
) -> None:
    await session.execute(
        pg_insert(PendingCaseEvent)
        .values(event_id=event_id, case_id=case_id, type=type_, revision=revision, envelope=envelope)
        .on_conflict_do_nothing()
    )


async def pending_for_case(session: AsyncSession, case_id: uuid.UUID) -> list[PendingCaseEvent]:
    return list(
        (
            await session.scalars(
                sa.select(PendingCaseEvent)
                .where(PendingCaseEvent.case_id == case_id, PendingCaseEvent.applied_at.is_(None))
                .order_by(
                    PendingCaseEvent.revision.asc().nulls_last(),
                    PendingCaseEvent.received_at,
                    PendingCaseEvent.event_id,
                )
                .with_for_update()
            )
        ).all()
    )


# --- deferred audit entries -----------------------------------------------------------------------


def defer_audit(session: AsyncSession, **entry: Any) -> None:
    """Queue an audit entry; ``write_deferred_audit`` appends them as the transaction's last step before
    commit, so the audit chain's lock is taken after the notice counter (see the lock order above)."""
    session.info.setdefault(AUDIT_PENDING_KEY, []).append(entry)


async def write_deferred_audit(session: AsyncSession) -> None:
    for entry in session.info.pop(AUDIT_PENDING_KEY, []):
        await audit.append(session, **entry)


# --- the feed -------------------------------------------------------------------------------------


def stage_feed(
    session: AsyncSession, publication_id: uuid.UUID, kind: str, reason: str | None, at: datetime
) -> None:
    """Queue a feed entry; it is numbered and inserted when the transaction commits."""
    session.info.setdefault(FEED_PENDING_KEY, []).append((publication_id, kind, reason, at))


_FEED_INSERT = sa.text(
    "WITH x AS (SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:kinds AS text[]), CAST(:reasons AS text[]), "
    "CAST(:ats AS timestamptz[])) WITH ORDINALITY AS x(publication_id, kind, reason, at, ord)), "
    "c AS (UPDATE feed_counter SET last = last + :n WHERE id = 1 RETURNING last - :n AS base) "
    "INSERT INTO feed_entry (seq, publication_id, kind, reason, occurred_at) "
    "SELECT c.base + x.ord, x.publication_id, x.kind, x.reason, x.at FROM x CROSS JOIN c"
)


@sa.event.listens_for(Session, "before_commit")
def _number_feed_entries(session: Session) -> None:
    pending: list[tuple[uuid.UUID, str, str | None, datetime]] = session.info.pop(FEED_PENDING_KEY, [])
    if not pending:
        return
    session.execute(
        _FEED_INSERT,
        {
            "ids": [p[0] for p in pending],
            "kinds": [p[1] for p in pending],
            "reasons": [p[2] for p in pending],
            "ats": [p[3] for p in pending],
            "n": len(pending),
        },
    )


@sa.event.listens_for(Session, "after_rollback")
def _drop_feed_entries(session: Session) -> None:
    session.info.pop(FEED_PENDING_KEY, None)
    session.info.pop(AUDIT_PENDING_KEY, None)


async def feed_page(
    session: AsyncSession, after_seq: int, limit: int
) -> list[tuple[FeedEntry, Publication, PublicationEnd | None]]:
    """Entries after ``after_seq`` with their publication (and its end, if any), in feed order."""
    rows = (
        await session.execute(
            sa.select(FeedEntry, Publication, PublicationEnd)
            .join(Publication, Publication.id == FeedEntry.publication_id)
            .outerjoin(PublicationEnd, PublicationEnd.publication_id == FeedEntry.publication_id)
            .where(FeedEntry.seq > after_seq)
            .order_by(FeedEntry.seq)
            .limit(limit + 1)
        )
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


# --- publication ends -----------------------------------------------------------------------------


def _not_ended(p: Any) -> Any:
    return ~sa.exists().where(PublicationEnd.publication_id == p.id)


async def end_publication(
    session: AsyncSession,
    publication_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
    today: date,
    run_id: uuid.UUID | None = None,
) -> bool:
    """End a publication unless it has ended already (perhaps by a concurrent bulk end); True if ended now."""
    inserted = await session.scalar(
        pg_insert(PublicationEnd)
        .values(
            publication_id=publication_id, ended_at=now, ended_on=today, reason=reason, cleanup_run_id=run_id
        )
        .on_conflict_do_nothing()
        .returning(PublicationEnd.publication_id)
    )
    return inserted is not None


async def end_of(session: AsyncSession, publication_id: uuid.UUID) -> PublicationEnd | None:
    return await session.get(PublicationEnd, publication_id)


async def ends_for(
    session: AsyncSession, publication_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PublicationEnd]:
    if not publication_ids:
        return {}
    rows = await session.scalars(
        sa.select(PublicationEnd).where(PublicationEnd.publication_id.in_(publication_ids))
    )
    return {e.publication_id: e for e in rows}


# --- public list ----------------------------------------------------------------------------------


async def public_publications(
    session: AsyncSession,
    *,
    today: date,
    uscc: str | None,
    department_code: str | None,
    before_seq: int | None,
    limit: int,
) -> list[Publication]:
    query = (
        sa.select(Publication)
        .where(_not_ended(Publication), Publication.starts_on <= today, Publication.max_ends_on > today)
        .order_by(Publication.seq.desc())
        .limit(limit + 1)
    )
    if uscc is not None:
        query = query.where(Publication.party_uscc == uscc)
    if department_code is not None:
        query = query.where(
            sa.or_(
                Publication.department_code == department_code,
                sa.func.split_part(Publication.department_code, "-", 1) == department_code,
            )
        )
    if before_seq is not None:
        query = query.where(Publication.seq < before_seq)
    return list((await session.scalars(query)).all())


# --- bulk ends: sweep and clean-up ----------------------------------------------------------------

NOT_ENDED_SQL = "NOT EXISTS (SELECT 1 FROM publication_end x WHERE x.publication_id = p.id)"
CANDIDATE_COLUMNS = "p.id, p.seq, p.record_id, p.case_id, p.party_uscc, p.department_code"


def _envelope_sql(n: str) -> str:
    """The outbox envelope of ``credit.publication.ended`` for row ``n`` (contracts.credit.PublicationEnded)."""
    return (
        f"jsonb_build_object('id', {n}.event_id, 'type', 'credit.publication.ended', 'version', 1, "
        f"'source', 'credit_repair', 'time', CAST(:now AS timestamptz), 'subject', CAST({n}.id AS text), "
        "'request_id', CAST(:request_id AS text), 'data', jsonb_build_object("
        f"'publication_id', {n}.id, 'record_id', {n}.record_id, 'case_id', {n}.case_id, "
        f"'party_uscc', {n}.party_uscc, 'department_code', {n}.department_code, "
        f"'reason', {n}.end_reason, 'ended_at', CAST(:now AS timestamptz)))"
    )


def _bulk_end_sql(
    candidates: str, *, prelude: str = "", counts_from: str | None = None, result: str = "n"
) -> str:
    """One statement that ends the publications ``candidates`` selects (the columns of
    ``CANDIDATE_COLUMNS`` plus ``end_reason`` and ``report_reason``): inserts their ends, their
    ``credit.publication.ended`` outbox rows (envelopes built in SQL) and, as its last write and lock, their
    numbered feed entries; with ``counts_from`` (a clean-up step's ``lo``) also the step's report counts.
    ``prelude`` adds CTEs before the candidates; ``result`` is what the statement returns (``n``: the count).

    The outbox insert is made to finish before the feed counter is locked (``n`` counts its rows), so the
    counter is held only for the narrow feed insert and the commit."""
    counts = ""
    if counts_from is not None:
        counts = (
            ", counts AS (INSERT INTO cleanup_count (run_id, step_lo, reason, department_code, count) "
            f"SELECT CAST(:run_id AS uuid), {counts_from}, report_reason, department_code, count(*) FROM e "
            "GROUP BY report_reason, department_code)"
        )
    return (
        f"WITH {prelude}cand AS MATERIALIZED ({candidates}), "
        "ended AS (INSERT INTO publication_end (publication_id, ended_at, ended_on, reason, cleanup_run_id) "
        "SELECT id, CAST(:now AS timestamptz), CAST(:today AS date), end_reason, CAST(:run_id AS uuid) "
        "FROM cand ORDER BY id ON CONFLICT (publication_id) DO NOTHING RETURNING publication_id), "
        "e AS MATERIALIZED (SELECT cand.* FROM cand JOIN ended ON ended.publication_id = cand.id), "
        "ob AS (INSERT INTO outbox (id, type, version, subject, envelope) "
        f"SELECT x.event_id, 'credit.publication.ended', 1, CAST(x.id AS text), {_envelope_sql('x')} "
        "FROM (SELECT e.*, gen_random_uuid() AS event_id FROM e) x RETURNING 1), "
        "n AS (SELECT count(*) AS n FROM ob), "
        "counter AS (UPDATE feed_counter SET last = last + n.n FROM n WHERE feed_counter.id = 1 AND n.n > 0 "
        "RETURNING feed_counter.last - n.n AS base), "
        "feed AS (INSERT INTO feed_entry (seq, publication_id, kind, reason, occurred_at) "
        "SELECT counter.base + row_number() OVER (ORDER BY e.seq), e.id, 'ended', e.end_reason, "
        f"CAST(:now AS timestamptz) FROM e CROSS JOIN counter){counts} "
        f"SELECT {result} FROM n"
    )


def _notify(session: AsyncSession) -> Any:
    return session.execute(sa.text(f"NOTIFY {NOTIFY_CHANNEL}"))


async def sweep_expired(session: AsyncSession, *, today: date, now: datetime) -> int:
    """End every active publication whose maximum period has run (``max_ends_on <= today``)."""
    candidates = (
        f"SELECT {CANDIDATE_COLUMNS}, CAST('expired' AS text) AS end_reason, "
        "CAST('expired' AS text) AS report_reason "
        f"FROM publication p WHERE p.max_ends_on <= CAST(:today AS date) AND {NOT_ENDED_SQL}"
    )
    ended = int(
        await session.scalar(
            sa.text(_bulk_end_sql(candidates)),
            {"now": now, "today": today, "run_id": None, "request_id": request_id_var.get()},
        )
        or 0
    )
    if ended:
        await _notify(session)
    return ended


@dataclass(frozen=True)
class CleanupSql:
    """The clean-up expression for one rule set: ``rank_sql`` (the current class's rank, to be joined
    laterally as ``r``), ``reason_sql`` (over ``p`` and ``r``) and their parameters."""

    rank_sql: str
    reason_sql: str
    params: dict[str, Any]

    def judged(self, where: str) -> str:
        """SELECT ``CANDIDATE_COLUMNS`` and the reason of the publications ``where`` selects."""
        return (
            f"SELECT {CANDIDATE_COLUMNS}, {self.reason_sql} AS reason FROM publication p "
            f"CROSS JOIN LATERAL (SELECT {self.rank_sql} AS rank) r WHERE {where}"
        )


def cleanup_reason_sql(rule_set: RuleSet) -> CleanupSql:
    """``domain.publication.end_reason_for_cleanup`` as a SQL expression over a publication row ``p``
    (with the bind parameters it needs); NULL when the publication stays."""
    c = rule_set.classification
    fine = KIND_BITS[PenaltyKind.FINE]
    warning = KIND_BITS[PenaltyKind.WARNING]
    criticism = KIND_BITS[PenaltyKind.CIRCULATED_CRITICISM]
    simple_kinds = fine | warning | criticism
    general_kinds = serious_kinds = 0
    for kind in PenaltyKind:
        if kind is PenaltyKind.FINE:
            continue
        cls = c.class_of_kind(kind)
        if cls is CreditClass.SERIOUS:
            serious_kinds |= KIND_BITS[kind]
        elif cls is CreditClass.GENERAL:
            general_kinds |= KIND_BITS[kind]
    restriction_kinds = KIND_BITS[PenaltyKind.RESTRICT_OPERATIONS] | KIND_BITS[PenaltyKind.EMPLOYMENT_BAN]
    params: dict[str, Any] = {
        "simple_kinds": simple_kinds,
        "not_simple_kinds": ~simple_kinds,
        "serious_kinds": serious_kinds,
        "general_kinds": general_kinds,
        "fine_bit": fine,
        "warning_bit": warning,
        "criticism_bit": criticism,
        "restriction_kinds": restriction_kinds,
        "simple_rank": c.simple_procedure_class.rank,
        "dept_serious_rank": c.department_serious_class.rank,
        "minor_published": rule_set.publication.minor.published,
        "minor_max": rule_set.publication.minor.max_months,
        "general_max": rule_set.publication.general.max_months,
        "serious_max": rule_set.publication.serious.max_months,
        "restriction_extends": rule_set.publication.restriction_extends_maximum,
    }
    minor_cases: list[str] = []
    fine_cases: list[str] = []
    for i, party in enumerate(PartyKind):
        minor = c.minor_threshold(party)
        params[f"minor_{i}"] = minor.amount_fen
        op = "<=" if minor.inclusive else "<"
        covers = f"p.fine_fen {op} CAST(:minor_{i} AS bigint)"
        minor_cases.append(f"WHEN '{party.value}' THEN {covers}")
        serious = c.serious_threshold(party)
        if serious is not None:
            params[f"serious_{i}"] = serious.amount_fen
            fine_cases.append(
                f"WHEN p.party_kind = '{party.value}' AND p.fine_fen >= CAST(:serious_{i} AS bigint) THEN 2 "
                f"WHEN p.party_kind = '{party.value}' AND {covers} THEN 0 "
                f"WHEN p.party_kind = '{party.value}' THEN 1"
            )
        else:
            fine_cases.append(
                f"WHEN p.party_kind = '{party.value}' AND {covers} THEN 0 WHEN p.party_kind = '{party.value}' THEN 1"
            )
    minor_covers = f"(CASE p.party_kind {' '.join(minor_cases)} ELSE false END)"
    effective = "(CASE WHEN p.procedure = 'simple' THEN p.kinds_mask & CAST(:not_simple_kinds AS integer) ELSE p.kinds_mask END)"
    rank = (
        "GREATEST("
        "CASE WHEN p.serious THEN CAST(:dept_serious_rank AS integer) ELSE 0 END, "
        "CASE WHEN p.procedure = 'simple' AND (p.kinds_mask & CAST(:simple_kinds AS integer)) <> 0 THEN CAST(:simple_rank AS integer) ELSE 0 END, "
        f"CASE WHEN ({effective} & CAST(:serious_kinds AS integer)) <> 0 THEN 2 WHEN ({effective} & CAST(:general_kinds AS integer)) <> 0 THEN 1 "
        "ELSE 0 END, "
        f"CASE WHEN ({effective} & CAST(:fine_bit AS integer)) <> 0 THEN (CASE {' '.join(fine_cases)} ELSE 1 END) ELSE 0 END)"
    )
    # classify: the class's maximum, extended to the length of a longer restriction (总局令第45号 第十三条)
    max_months = "(CASE WHEN r.rank = 2 THEN CAST(:serious_max AS integer) WHEN r.rank = 1 THEN CAST(:general_max AS integer) ELSE CAST(:minor_max AS integer) END)"
    current_max = (
        f"(CASE WHEN r.rank >= 1 AND CAST(:restriction_extends AS boolean) AND p.restriction_months IS NOT NULL "
        f"AND (p.kinds_mask & CAST(:restriction_kinds AS integer)) <> 0 AND p.restriction_months > {max_months} "
        f"THEN p.restriction_months ELSE {max_months} END)"
    )
    published = "(r.rank >= 1 OR CAST(:minor_published AS boolean))"
    reason = (
        "(CASE "
        "WHEN p.decision_status <> 'in_force' THEN 'revoked' "
        "WHEN p.repaired_on IS NOT NULL AND p.repaired_on <= CAST(:today AS date) THEN 'repaired' "
        "WHEN CAST(:today AS date) >= p.max_ends_on THEN 'expired' "
        f"WHEN {published} AND CAST(:today AS date) >= "
        f"CAST(p.decided_on + make_interval(months => {current_max}) AS date) THEN 'expired' "
        f"WHEN {published} THEN NULL "
        "WHEN p.procedure = 'simple' THEN 'simple_procedure' "
        "WHEN (p.kinds_mask & CAST(:warning_bit AS integer)) <> 0 THEN 'warning' "
        "WHEN (p.kinds_mask & CAST(:criticism_bit AS integer)) <> 0 THEN 'circulated_criticism' "
        f"WHEN (p.kinds_mask & CAST(:fine_bit AS integer)) <> 0 AND {minor_covers} THEN 'small_fine' "
        "ELSE 'reclassified' END)"
    )
    return CleanupSql(rank, reason, params)


def _cleanup_filter(department_codes: Sequence[str] | None) -> str:
    if not department_codes:
        return ""
    return (
        " AND (p.department_code = ANY(CAST(:departments AS text[])) "
        "OR split_part(p.department_code, '-', 1) = ANY(CAST(:departments AS text[])))"
    )


async def judge_step(
    session: AsyncSession,
    *,
    run: CleanupRun,
    rule_set: RuleSet,
    step: CleanupStep,
    now: datetime,
) -> tuple[int, int]:
    """Judge the active publications of one step (``lo <= seq < hi``); end them (or, in a dry run, only
    count them), record the step's report counts and mark the step done. Returns (examined, matched)."""
    sql = cleanup_reason_sql(rule_set)
    where = f"p.seq >= :lo AND p.seq < :hi AND {NOT_ENDED_SQL}{_cleanup_filter(run.department_codes)}"
    chosen = "reason = ANY(CAST(:reasons AS text[]))" if run.reasons else "reason IS NOT NULL"
    params: dict[str, Any] = {
        **sql.params,
        "today": run.as_of,
        "lo": step.lo,
        "hi": step.hi,
        "now": now,
        "run_id": run.id,
        "request_id": request_id_var.get(),
        "reasons": list(run.reasons or []),
        "departments": list(run.department_codes or []),
    }
    judged = f"j AS MATERIALIZED ({sql.judged(where)}), "
    # Look publication_end up by its index. A step is planned while that table may still look empty and
    # executed while a parallel step fills it: a nested loop over a sequential scan would then visit the
    # other step's (invisible) rows once per publication (minutes instead of seconds, seen in the benchmark).
    await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    await session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
    if run.dry_run:
        statement = (
            f"WITH {judged}chosen AS (SELECT * FROM j WHERE {chosen}), "
            "counts AS (INSERT INTO cleanup_count (run_id, step_lo, reason, department_code, count) "
            "SELECT CAST(:run_id AS uuid), CAST(:lo AS bigint), reason, department_code, count(*) FROM chosen "
            "GROUP BY reason, department_code) "
            "SELECT (SELECT count(*) FROM j), (SELECT count(*) FROM chosen)"
        )
    else:
        candidates = (
            f"SELECT {', '.join(c.removeprefix('p.') for c in CANDIDATE_COLUMNS.split(', '))}, "
            f"'cleanup_' || reason AS end_reason, reason AS report_reason FROM j WHERE {chosen}"
        )
        statement = _bulk_end_sql(
            candidates,
            prelude=judged,
            counts_from="CAST(:lo AS bigint)",
            result="(SELECT count(*) FROM j), n",
        )
    row = (await session.execute(sa.text(statement), params)).one()
    examined, matched = int(row[0]), int(row[1])
    if matched and not run.dry_run:
        await _notify(session)
    step.examined, step.matched, step.done_at = examined, matched, now
    return examined, matched


async def create_steps(session: AsyncSession, run_id: uuid.UUID, *, lo: int, hi: int, size: int) -> None:
    """The steps of a run: ``[lo, lo + size), [lo + size, ...)`` up to and including ``hi``."""
    await session.execute(
        sa.text(
            "INSERT INTO cleanup_step (run_id, lo, hi) SELECT CAST(:run_id AS uuid), g, g + CAST(:size AS bigint) "
            "FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint), CAST(:size AS bigint)) g "
            "ON CONFLICT DO NOTHING"
        ),
        {"run_id": run_id, "lo": lo, "hi": hi, "size": size},
    )


async def claim_step(session: AsyncSession, run_id: uuid.UUID) -> CleanupStep | None:
    """The next step nobody is working on (its row stays locked until the step commits or fails)."""
    return (
        await session.scalars(
            sa.select(CleanupStep)
            .where(CleanupStep.run_id == run_id, CleanupStep.done_at.is_(None))
            .order_by(CleanupStep.lo)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()


@dataclass(frozen=True)
class StepTotals:
    examined: int
    matched: int
    done: int
    total: int


async def step_totals(session: AsyncSession, run_id: uuid.UUID) -> StepTotals:
    row = (
        await session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(CleanupStep.examined), 0),
                sa.func.coalesce(sa.func.sum(CleanupStep.matched), 0),
                sa.func.count(CleanupStep.done_at),
                sa.func.count(),
            ).where(CleanupStep.run_id == run_id)
        )
    ).one()
    examined, matched, done, total = (int(v or 0) for v in row)
    return StepTotals(examined, matched, done, total)


async def cleanup_runs(session: AsyncSession, *, before: str | None, limit: int) -> list[CleanupRun]:
    query = (
        sa.select(CleanupRun).order_by(CleanupRun.requested_at.desc(), CleanupRun.id.desc()).limit(limit + 1)
    )
    if before is not None:
        query = query.where(CleanupRun.id < uuid.UUID(before))
    return list((await session.scalars(query)).all())


async def cleanup_run(session: AsyncSession, run_id: uuid.UUID, *, lock: bool = False) -> CleanupRun | None:
    query = sa.select(CleanupRun).where(CleanupRun.id == run_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


@dataclass(frozen=True)
class ReportRow:
    reason: str
    department_code: str
    count: int


async def cleanup_counts(session: AsyncSession, run_id: uuid.UUID) -> list[ReportRow]:
    """The run's report: publications per reason and department, over its finished steps."""
    rows = await session.execute(
        sa.select(CleanupCount.reason, CleanupCount.department_code, sa.func.sum(CleanupCount.count))
        .where(CleanupCount.run_id == run_id)
        .group_by(CleanupCount.reason, CleanupCount.department_code)
        .order_by(CleanupCount.reason, CleanupCount.department_code)
    )
    return [ReportRow(r[0], r[1], int(r[2])) for r in rows]


async def next_cleanup_run(session: AsyncSession) -> CleanupRun | None:
    return (
        await session.scalars(
            sa.select(CleanupRun)
            .where(CleanupRun.status.in_(("pending", "running")))
            .order_by(CleanupRun.requested_at, CleanupRun.id)
            .limit(1)
        )
    ).first()


async def max_publication_seq(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(sa.func.coalesce(sa.func.max(Publication.seq), 0))) or 0)


async def min_publication_seq(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(sa.func.coalesce(sa.func.min(Publication.seq), 1))) or 1)


CLEANUP_REASON_VALUES = tuple(r.value for r in CleanupReason)


async def try_session_lock(connection: AsyncConnection, key: int) -> bool:
    """A session-level advisory lock held by ``connection`` until released or the connection closes."""
    got = bool(await connection.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
    await connection.commit()
    return got


async def release_session_lock(connection: AsyncConnection, key: int) -> None:
    await connection.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
    await connection.commit()
