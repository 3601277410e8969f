"""Bulk ends: the daily sweep and 信用松绑 clean-up runs, their steps, report counts and worker lock.

Each bulk end is one statement per step: the publications to end are chosen by a set-based expression, and
their ends (``publication_end``, narrow rows: a publication row is never rewritten), feed entries, report
counts and, for the sweep, outbox events (the envelope JSON built in SQL) are inserted with
``INSERT ... SELECT`` in the same statement, the feed numbering last (see repository.deferred for why). A
clean-up step writes no outbox rows: its ``credit.publication.ended`` events are published from its feed
entries and ends by repository.announcements. The clean-up expression is the
SQL form of ``domain.publication.end_reason_for_cleanup`` and is tested against it on generated data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.common.access import Scope
from services.common.events import json_time
from services.common.logs import request_id_var
from services.common.outbox import NOTIFY_CHANNEL
from services.credit_repair.domain.publication import CleanupReason
from services.credit_repair.domain.rules import CreditClass, PartyKind, PenaltyKind, RuleSet
from services.credit_repair.models import CleanupCount, CleanupRun, CleanupStep, Publication

# --- penalty kinds as a bit mask (the clean-up judges kinds with integer operations) -------------

KIND_BITS: dict[PenaltyKind, int] = {kind: 1 << i for i, kind in enumerate(PenaltyKind)}


def kinds_mask(kinds: Sequence[PenaltyKind] | frozenset[PenaltyKind]) -> int:
    mask = 0
    for kind in kinds:
        mask |= KIND_BITS[kind]
    return mask


def kinds_of_mask(mask: int) -> frozenset[PenaltyKind]:
    return frozenset(k for k, bit in KIND_BITS.items() if mask & bit)


# --- bulk ends: sweep and clean-up ----------------------------------------------------------------

#: Whether publication ``p`` has no end: one probe of ``pk_publication_end`` per publication (``OFFSET 0``
#: keeps the sub-select a per-row sub-plan: the planner may not turn it into an anti join). As an anti join
#: the planner hashed or scanned every end in the table for each step: at 1,000,000 publications a step of
#: a second run read all 929,284 ends (with as many heap fetches: fresh ends are not yet all-visible) to
#: learn about its own 100,000, 0.7 s a step, and each step of the first run read the ends of the steps
#: before it; probing, a step reads at most one end per publication of its own
#: (tests/credit_repair/test_cleanup_plans.py, docs/benchmarks.md clean-up section).
NOT_ENDED_SQL = "NOT EXISTS (SELECT 1 FROM publication_end x WHERE x.publication_id = p.id OFFSET 0)"
CANDIDATE_COLUMNS = "p.id, p.seq, p.record_id, p.case_id, p.party_uscc, p.department_code"


#: The namespace of the ids of ``credit.publication.ended`` events built in SQL: an end's event id is
#: ``uuid3(END_EVENT_NAMESPACE, str(publication_id))`` (RFC 4122 §4.3, name-based). A publication ends once
#: (``pk_publication_end``), so the id is unique, and a step run again after a crash announces each end under
#: the same id (consumers' inboxes drop a repeat). It also spares ``gen_random_uuid()`` per row, a
#: ``getrandom`` call that cost ~5 µs a row in the benchmark (docs/benchmarks.md, clean-up section).
END_EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:zhifa:credit_repair:credit.publication.ended")


#: ``uuid3(:end_ns, id::text)`` in SQL: the MD5 of the namespace's bytes and the name, version 3, RFC variant.
_EVENT_ID_SQL = (
    "CAST(encode(set_byte(set_byte(h.md5, 6, (get_byte(h.md5, 6) & 15) | 48), 8, (get_byte(h.md5, 8) & 63) | 128), "
    "'hex') AS uuid)"
)


def _envelope_sql(n: str) -> str:
    """The outbox envelope of ``credit.publication.ended`` for row ``n`` (contracts.credit.PublicationEnded),
    as a lateral row ``env`` whose ``to_jsonb`` is the envelope: the kernel's envelope field by field, its
    times as pydantic writes them (``envelope_params``), tests/credit_repair/test_cleanup_envelope.py. The
    row's column names are the envelope's keys (``data`` a nested row), so the jsonb is built from the
    values directly: about a fifth less than JSON text concatenated and parsed (docs/benchmarks.md, clean-up
    section), which was itself about half of nested ``jsonb_build_object`` calls."""
    return (
        f"CROSS JOIN LATERAL (SELECT {n}.event_id AS id, CAST('credit.publication.ended' AS text) AS type, "
        "1 AS version, CAST('credit_repair' AS text) AS source, CAST(:time_text AS text) AS time, "
        f"CAST({n}.id AS text) AS subject, CAST(:request_id AS text) AS request_id, d AS data "
        f"FROM (SELECT {n}.id AS publication_id, {n}.record_id, {n}.case_id, {n}.party_uscc, "
        f"{n}.department_code, {n}.end_reason AS reason, CAST(:time_text AS text) AS ended_at) d) env"
    )


def envelope_params(now: datetime, request_id: str | None) -> dict[str, Any]:
    """The bind parameters of ``_envelope_sql``: the time as the kernel's envelope (pydantic) writes it, the
    request id, and the event ids' namespace."""
    return {"time_text": json_time(now), "request_id": request_id, "end_ns": END_EVENT_NAMESPACE.bytes}


def _bulk_end_sql(
    candidates: str,
    *,
    prelude: str = "",
    counts_from: str | None = None,
    result: str = "n",
    new_ends: bool = False,
    outbox_rows: bool = True,
) -> str:
    """One statement that ends the publications ``candidates`` selects (the columns of
    ``CANDIDATE_COLUMNS`` plus ``end_reason`` and ``report_reason``): inserts their ends, their
    ``credit.publication.ended`` outbox rows (envelopes built in SQL) and, as its last write and lock, their
    numbered feed entries; with ``counts_from`` (a clean-up step's ``lo``) also the step's report counts.
    ``prelude`` adds CTEs before the candidates; ``result`` is what the statement returns (``n``: the count).

    ``new_ends``: the candidates are known to have no end yet (``NOT_ENDED_SQL`` in the statement's own
    snapshot), so the ends are inserted without ``ON CONFLICT`` (a speculative insertion costs a WAL record
    and an index probe per row more) and every candidate is ended (``e`` is ``cand``, no join back). An end
    committed by another transaction after the snapshot then raises a unique violation on
    ``pk_publication_end`` instead of being skipped; the caller runs the statement again without
    ``new_ends`` (``judge_step``), so what is ended and announced is the same either way.

    The outbox rows are inserted in the order of their ids (sorted before their envelopes are built), so a
    step visits each leaf page of ``pk_outbox`` once instead of at random: fewer page reads and, after a
    checkpoint, fewer full-page images (about 1.5x faster inserts of 186,000 rows measured).

    The outbox insert is made to finish before the feed counter is locked (``n`` counts its rows), so the
    counter is held only for the narrow feed insert and the commit.

    ``outbox_rows=False`` (a clean-up step): no outbox rows; the events are published from the step's feed
    entries and ends afterwards (repository.announcements), which halves the WAL records a step writes per
    ended publication (docs/benchmarks/cleanup-plans.md, "Round five")."""
    counts = ""
    if counts_from is not None:
        counts = (
            ", counts AS (INSERT INTO cleanup_count (run_id, step_lo, reason, department_code, count) "
            f"SELECT CAST(:run_id AS uuid), {counts_from}, report_reason, department_code, count(*) FROM e "
            "GROUP BY report_reason, department_code)"
        )
    insert_ends = (
        "INSERT INTO publication_end (publication_id, ended_at, ended_on, reason, cleanup_run_id) "
        "SELECT id, CAST(:now AS timestamptz), CAST(:today AS date), end_reason, CAST(:run_id AS uuid) "
        "FROM cand ORDER BY id"
    )
    if new_ends:
        # ``e`` reads ``ended`` so that the ends are inserted before the outbox rows, as below.
        ends = (
            f"ended AS ({insert_ends} RETURNING 1), "
            "e AS MATERIALIZED (SELECT cand.* FROM cand WHERE (SELECT count(*) FROM ended) >= 0), "
        )
    else:
        ends = (
            f"ended AS ({insert_ends} ON CONFLICT (publication_id) DO NOTHING RETURNING publication_id), "
            "e AS MATERIALIZED (SELECT cand.* FROM cand JOIN ended ON ended.publication_id = cand.id), "
        )
    return (
        f"WITH {prelude}cand AS MATERIALIZED ({candidates}), "
        f"{ends}"
        f"{_outbox_sql() if outbox_rows else 'n AS (SELECT count(*) AS n FROM e), '}"
        "counter AS (UPDATE feed_counter SET last = last + n.n FROM n WHERE feed_counter.id = 1 AND n.n > 0 "
        "RETURNING feed_counter.last - n.n AS base), "
        "feed AS (INSERT INTO feed_entry (seq, publication_id, kind, reason, occurred_at) "
        "SELECT counter.base + row_number() OVER (ORDER BY e.seq), e.id, 'ended', e.end_reason, "
        f"CAST(:now AS timestamptz) FROM e CROSS JOIN counter){counts} "
        f"SELECT {result} FROM n"
    )


def _outbox_sql() -> str:
    """The CTEs ``ob`` (the ends' outbox rows, envelopes built in SQL, in the order of their ids) and ``n``
    (their count) of ``_bulk_end_sql``."""
    return (
        "ob AS (INSERT INTO outbox (id, type, version, subject, envelope) "
        "SELECT x.event_id, 'credit.publication.ended', 1, CAST(x.id AS text), to_jsonb(env) "
        f"FROM (SELECT {_EVENT_ID_SQL} AS event_id, e.* FROM e CROSS JOIN LATERAL (SELECT decode(md5("
        "CAST(:end_ns AS bytea) || convert_to(CAST(e.id AS text), 'UTF8')), 'hex') AS md5) h ORDER BY 1) x "
        f"{_envelope_sql('x')} RETURNING 1), "
        "n AS (SELECT count(*) AS n FROM ob), "
    )


async def _notify(session: AsyncSession) -> None:
    await session.execute(sa.text(f"NOTIFY {NOTIFY_CHANNEL}"))


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
            {"now": now, "today": today, "run_id": None, **envelope_params(now, request_id_var.get())},
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


def _cleanup_params(rule_set: RuleSet) -> dict[str, Any]:
    """The rule set's figures the clean-up expression binds: kinds as bit masks by class, ranks, maxima."""
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
    return {
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


def _fine_cases(rule_set: RuleSet, params: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Per party kind: whether a fine is 较低数额 (``minor_cases``) and the rank a fine gives (``fine_cases``:
    0 minor, 1 general, 2 serious above the 巨额 threshold); their thresholds are added to ``params``."""
    c = rule_set.classification
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
    return minor_cases, fine_cases


def cleanup_reason_sql(rule_set: RuleSet) -> CleanupSql:
    """``domain.publication.end_reason_for_cleanup`` as a SQL expression over a publication row ``p``
    (with the bind parameters it needs); NULL when the publication stays."""
    params = _cleanup_params(rule_set)
    minor_cases, fine_cases = _fine_cases(rule_set, params)
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
        row = (await session.execute(sa.text(statement), params)).one()
    else:
        candidates = (
            f"SELECT {', '.join(c.removeprefix('p.') for c in CANDIDATE_COLUMNS.split(', '))}, "
            f"'cleanup_' || reason AS end_reason, reason AS report_reason FROM j WHERE {chosen}"
        )
        row = await _end_step(session, candidates, judged, params)
    examined, matched = int(row[0]), int(row[1])
    # The step's events are published from its feed entries (repository.announcements) with this request id.
    step.examined, step.matched, step.done_at, step.request_id = examined, matched, now, request_id_var.get()
    return examined, matched


async def _end_step(
    session: AsyncSession, candidates: str, judged: str, params: dict[str, Any]
) -> sa.Row[Any]:
    """End a step's candidates: first as new ends (no ``ON CONFLICT``) in a savepoint; if another transaction
    ended one of them since the statement's snapshot (a single end, the sweep), again tolerating it."""

    def statement(*, new_ends: bool) -> sa.TextClause:
        return sa.text(
            _bulk_end_sql(
                candidates,
                prelude=judged,
                counts_from="CAST(:lo AS bigint)",
                result="(SELECT count(*) FROM j), n",
                new_ends=new_ends,
                outbox_rows=False,
            )
        )

    try:
        async with session.begin_nested():
            return (await session.execute(statement(new_ends=True), params)).one()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != "23505" or "pk_publication_end" not in str(exc.orig):
            raise
    return (await session.execute(statement(new_ends=False), params)).one()


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


async def readable_cleanup_run(session: AsyncSession, scope: Scope, run_id: uuid.UUID) -> CleanupRun | None:
    """A clean-up run: city-wide, so every caller its routes admit sees it (``scope`` does not narrow it)."""
    return await cleanup_run(session, run_id)


async def cleanup_run_to_resume(session: AsyncSession, scope: Scope, run_id: uuid.UUID) -> CleanupRun | None:
    """A clean-up run locked until commit (as ``readable_cleanup_run``), to change its status."""
    return await cleanup_run(session, run_id, lock=True)


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
