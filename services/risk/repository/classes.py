"""Enterprise classes A–D: the enterprises classified, the set-based classification with its outbox rows, and
the classification runs.

An enterprise's class is visible to the enterprise itself, to every officer (inspections are planned by it),
to the supervisors of the enterprise's district and city-wide.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import outbox
from services.common.access import Scope, Visibility, readable
from services.common.contracts.risk import EnterpriseClassified
from services.risk.domain import classes
from services.risk.models import ClassificationRun, EnterpriseClass, RiskEnterprise, table_of

enterprise_t = table_of(RiskEnterprise)
class_t = table_of(EnterpriseClass)
run_t = table_of(ClassificationRun)

CLASS_VISIBILITY = Visibility(
    uscc=EnterpriseClass.uscc,
    department_code=lambda _: sa.true(),
    district_code=RiskEnterprise.district_code,
)
# Classification runs are city-wide work: every supervisor may follow one.
RUN_VISIBILITY = Visibility(district_code=lambda _: sa.true())


# --------------------------------------------------------------------------------------------------- enterprises


async def ensure_enterprises(session: AsyncSession, usccs: Sequence[str]) -> None:
    if not usccs:
        return
    await session.execute(
        sa.text(
            "INSERT INTO risk_enterprise (uscc) SELECT DISTINCT unnest(CAST(:usccs AS text[])) "
            "ON CONFLICT (uscc) DO NOTHING"
        ),
        {"usccs": list(usccs)},
    )


async def upsert_enterprise(
    session: AsyncSession, *, uscc: str, name: str | None, district_code: str | None
) -> None:
    stmt = pg_insert(enterprise_t).values(uscc=uscc, name=name or "", district_code=district_code)
    updates: dict[str, Any] = {}
    if name:
        updates["name"] = stmt.excluded.name
    if district_code:
        updates["district_code"] = stmt.excluded.district_code
    if updates:
        await session.execute(stmt.on_conflict_do_update(index_elements=["uscc"], set_=updates))
    else:
        await session.execute(stmt.on_conflict_do_nothing(index_elements=["uscc"]))


async def count_enterprises(session: AsyncSession) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(enterprise_t)) or 0)


# --------------------------------------------------------------------------------------------------- classify


def envelope_sql(ev: str) -> str:
    """The envelope of ``risk.enterprise.classified`` for row ``ev`` (columns event_id, uscc, class,
    previous_class, score, reason_texts, revision; parameters at_text, event_type, event_version, request_id),
    built in SQL with exactly the fields of ``services.common.events.Envelope`` and the data of
    ``EnterpriseClassified``: tests/risk/test_classes.py compares such rows field by field with what
    ``outbox.add`` writes for the same event, and parses them with ``services.common.inbox.parse``."""
    data = (
        f"jsonb_build_object('uscc', {ev}.uscc, 'risk_class', {ev}.class, 'previous_class', {ev}.previous_class, "
        f"'score', {ev}.score, 'reasons', {ev}.reason_texts, 'classified_at', CAST(:at_text AS text), "
        f"'revision', {ev}.revision)"
    )
    return (
        f"jsonb_build_object('id', {ev}.event_id, 'type', CAST(:event_type AS text), "
        "'version', CAST(:event_version AS integer), 'source', 'risk', 'time', CAST(:at_text AS text), "
        f"'subject', {ev}.uscc, 'request_id', CAST(:request_id AS text), 'data', {data})"
    )


def _outbox_sql(config: classes.ClassConfig, *, subset: bool, one_pass: bool, first: bool) -> str:
    """``classification_upsert_ctes`` plus one INSERT ... SELECT of the outbox rows of the class changes
    (``envelope_sql``). A first classification (``first``) writes none: its events are announced afterwards
    from the classes it wrote (repository.announcements); ``emitted`` counts them all the same."""
    if first and not subset:
        ctes = classes.classification_upsert_ctes(config, first=True, counted=True)
        return f"""{ctes}
SELECT count(*) AS written, count(*) AS emitted FROM written"""
    ctes = classes.classification_upsert_ctes(config, subset=subset, one_pass=one_pass, first=first)
    envelope = envelope_sql("ev")
    return f"""{ctes}, events AS (
    SELECT gen_random_uuid() AS event_id, c.uscc, c.class, c.previous_class::text AS previous_class,
           c.score, c.reason_texts, c.revision
    FROM classified c
    WHERE c.previous_class IS DISTINCT FROM c.class
), emitted AS (
    INSERT INTO outbox (id, type, version, subject, envelope)
    SELECT ev.event_id, CAST(:event_type AS text), CAST(:event_version AS integer), ev.uscc, {envelope}
    FROM events ev
    RETURNING 1
)
SELECT (SELECT count(*) FROM written) AS written, (SELECT count(*) FROM emitted) AS emitted"""


_OUTBOX_SQL_CACHE: dict[tuple[str, bool, bool, bool], str] = {}
# ``RETURNING old.*`` (the previous class read by the upsert itself, ``classification_upsert_ctes``)
ONE_PASS_SERVER = (18,)


@dataclass(frozen=True, slots=True)
class ClassificationCounts:
    written: int
    emitted: int
    first: bool = False  # a first classification: its events are to be announced, not in the outbox


async def classify(
    session: AsyncSession,
    *,
    config: classes.ClassConfig,
    version: str,
    today: date,
    at: datetime,
    at_text: str,
    request_id: str | None,
    usccs: Sequence[str] | None = None,
) -> ClassificationCounts:
    """Classify every enterprise (or ``usccs``), write the changed classes and their outbox rows set-based.
    Every enterprise and no class stored yet: the statement of a first classification (``first``: plain
    inserts, no outbox rows: the caller announces them, repository.announcements; the caller holds the
    exclusive classification lock, so no class can appear meanwhile)."""
    server = (await session.connection()).dialect.server_version_info or ()
    first = usccs is None and not await session.scalar(
        sa.text("SELECT EXISTS (SELECT 1 FROM enterprise_class)")
    )
    sql, params = classification_statement(
        config=config,
        version=version,
        today=today,
        at=at,
        at_text=at_text,
        request_id=request_id,
        usccs=usccs,
        one_pass=tuple(server) >= ONE_PASS_SERVER,
        first=first,
    )
    row = (await session.execute(sa.text(sql), params)).one()
    if row.emitted and not first:
        await session.execute(sa.text(f"NOTIFY {outbox.NOTIFY_CHANNEL}"))
    return ClassificationCounts(int(row.written), int(row.emitted), first)


def classification_statement(
    *,
    config: classes.ClassConfig,
    version: str,
    today: date,
    at: datetime,
    at_text: str,
    request_id: str | None,
    usccs: Sequence[str] | None = None,
    one_pass: bool = True,
    first: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The statement of ``classify`` and its parameters (bench_risk_daily EXPLAINs it); ``one_pass``: the
    previous classes returned by the upsert (PostgreSQL 18), ``first``: every reason text made while
    aggregating, for a table without classes (``classes.classification_upsert_ctes``)."""
    subset = usccs is not None
    key = (config.model_dump_json() + version, subset, one_pass, first)
    sql = _OUTBOX_SQL_CACHE.get(key)
    if sql is None:
        sql = _OUTBOX_SQL_CACHE[key] = _outbox_sql(config, subset=subset, one_pass=one_pass, first=first)
    params: dict[str, Any] = {
        "today": today,
        "version": version,
        "at": at,
        "at_text": at_text,
        "request_id": request_id,
        "event_type": EnterpriseClassified.TYPE,
        "event_version": EnterpriseClassified.VERSION,
    }
    if subset:
        params["usccs"] = sorted(set(usccs or ()))
    return sql, params


def _in_ranges(table: str, column: str, ranges: list[tuple[date, date]], extra: str = "") -> str:
    """SELECT the USCCs of ``table``'s rows whose ``column`` lies in one of ``ranges`` ((lo, hi], inlined as
    date literals of validated dates): one SELECT per range, each an index-only range scan of the date index
    carrying the USCC (risk_0016; ranges joined by OR would be one bitmap scan reading the heap)."""
    return "\nUNION ALL\n".join(
        f"SELECT s.uscc FROM {table} s "
        f"WHERE {column} > DATE '{lo.isoformat()}' AND {column} <= DATE '{hi.isoformat()}'{extra}"
        for lo, hi in ranges
    )


def _never_classified(seen_since: bool) -> str:
    """The registered enterprises without a class; with ``seen_since``, only those first seen at or after the
    bind parameter ``:seen_since`` (an index range of ``ix_risk_enterprise_first_seen_at``, risk_0013)."""
    since = "e.first_seen_at >= CAST(:seen_since AS timestamptz) AND " if seen_since else ""
    return (
        f"SELECT e.uscc FROM risk_enterprise e "
        f"WHERE {since}NOT EXISTS (SELECT 1 FROM enterprise_class c WHERE c.uscc = e.uscc)"
    )


def _signal_candidates_sql(changed: classes.ChangedRanges) -> list[str]:
    parts = [
        _in_ranges("risk_penalty_signal", "s.decided_on", ranges, f" AND s.tier = '{tier.value}'")
        for tier, ranges in changed.penalty.items()
    ]
    parts += [
        _in_ranges("risk_violation_signal", "s.found_on", changed.violation),
        _in_ranges("risk_complaint_signal", "s.received_on", changed.complaint),
        _in_ranges("risk_repair_signal", "s.completed_on", changed.repair),
        _in_ranges("risk_publication_signal", "s.published_on", changed.publication),
        _in_ranges("risk_publication_signal", "s.withdrawn_on", changed.publication),
    ]
    return [p for p in parts if p]


def changed_candidates_sql(changed: classes.ChangedRanges, *, seen_since: bool = False) -> str:
    """The enterprises a daily classification must reclassify (``domain.classes.changed_ranges``), plus those
    registered but never classified (with ``seen_since``: first seen at or after ``:seen_since``)."""
    return "\nUNION\n".join([*_signal_candidates_sql(changed), _never_classified(seen_since)])


def candidates_query_sql(changed: classes.ChangedRanges, *, seen_since: bool) -> str:
    """The query of ``changed_candidates``: the signals' USCCs checked against ``risk_enterprise`` by its
    primary key, one probe each (the LIMIT keeps the planner from hashing every enterprise instead), and the
    never classified, which come from it already."""
    signals = "\nUNION\n".join(_signal_candidates_sql(changed))
    never = _never_classified(seen_since)
    if not signals:
        return never
    return (
        f"SELECT c.uscc FROM ({signals}) c\n"
        "CROSS JOIN LATERAL (SELECT 1 FROM risk_enterprise e WHERE e.uscc = c.uscc LIMIT 1) e\n"
        f"UNION\n{never}"
    )


async def changed_candidates(
    session: AsyncSession, changed: classes.ChangedRanges, *, seen_since: datetime | None = None
) -> list[str]:
    """The USCCs of ``changed_candidates_sql`` that are registered enterprises (the universe); ``seen_since``
    None searches every enterprise for one never classified."""
    sql = candidates_query_sql(changed, seen_since=seen_since is not None)
    params = {} if seen_since is None else {"seen_since": seen_since}
    return list((await session.scalars(sa.text(sql), params)).all())


class LastRun(NamedTuple):
    """The last finished classification under a configuration version: its day, and the latest start of a
    finished run's transaction (None when every such run finished before risk_0013 recorded it)."""

    run_on: date
    snapshot_at: datetime | None


async def last_run(session: AsyncSession, config_version: str) -> LastRun | None:
    """The day of the last finished classification of every enterprise under ``config_version``, with the
    latest ``snapshot_at`` of those runs."""
    row = (
        await session.execute(
            sa.select(sa.func.max(run_t.c.run_on), sa.func.max(run_t.c.snapshot_at)).where(
                run_t.c.status == "done", run_t.c.config_version == config_version
            )
        )
    ).one()
    return None if row[0] is None else LastRun(row[0], row[1])


async def lock_classification(session: AsyncSession, *, exclusive: bool) -> None:
    """A full run excludes incremental ones (they would lock the same rows in another order)."""
    fn = sa.func.pg_advisory_xact_lock if exclusive else sa.func.pg_advisory_xact_lock_shared
    await session.execute(sa.select(fn(sa.func.hashtextextended("risk-classification", 0))))


# --------------------------------------------------------------------------------------------------- reading


class ClassifiedEnterprise(NamedTuple):
    """An enterprise's class with the enterprise's name and district."""

    risk: EnterpriseClass
    name: str
    district_code: str | None


def _classified() -> sa.Select[Any]:
    """(EnterpriseClass, name, district_code); typed loosely because ``access.readable`` takes one-element
    selects only (SQLAlchemy 2.1's ``Select`` is variadic)."""
    query = sa.select(EnterpriseClass, RiskEnterprise.name, RiskEnterprise.district_code).join(
        RiskEnterprise, RiskEnterprise.uscc == EnterpriseClass.uscc
    )
    return cast(sa.Select[Any], query)


async def readable_class(session: AsyncSession, scope: Scope, uscc: str) -> ClassifiedEnterprise | None:
    query = readable(_classified().where(EnterpriseClass.uscc == uscc), scope, CLASS_VISIBILITY)
    row = (await session.execute(query)).first()
    return ClassifiedEnterprise._make(row) if row is not None else None


async def list_classes(
    session: AsyncSession, scope: Scope, *, risk_class: str | None, after: str | None, limit: int
) -> list[ClassifiedEnterprise]:
    query = readable(_classified(), scope, CLASS_VISIBILITY)
    if risk_class is not None:
        query = query.where(EnterpriseClass.risk_class == risk_class)
    if after is not None:
        query = query.where(EnterpriseClass.uscc > after)
    rows = await session.execute(query.order_by(EnterpriseClass.uscc).limit(limit))
    return [ClassifiedEnterprise._make(r) for r in rows.all()]


async def class_counts(session: AsyncSession, scope: Scope) -> dict[str, int]:
    query = sa.select(class_t.c["class"].label("c"), sa.func.count().label("n")).group_by(class_t.c["class"])
    if not scope.everything:  # the district is the enterprise's: join it only when the scope needs it
        query = query.join(enterprise_t, enterprise_t.c.uscc == class_t.c.uscc)
    query = readable(query, scope, CLASS_VISIBILITY)
    out = {"A": 0, "B": 0, "C": 0, "D": 0}
    for row in (await session.execute(query)).all():
        out[row.c] = row.n
    return out


# --------------------------------------------------------------------------------------------------- runs


async def request_run(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(sa.insert(run_t).values(**values))


async def insert_daily_run(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Claim today's daily run; False when another replica (or an earlier round) already did."""
    stmt = (
        pg_insert(run_t)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["run_on"], index_where=sa.text("kind = 'daily'"))
        .returning(run_t.c.id)
    )
    return (await session.scalar(stmt)) is not None


async def claim_requested_run(session: AsyncSession) -> uuid.UUID | None:
    """The oldest requested run, locked for this worker (replicas never take the same one)."""
    return await session.scalar(
        sa.select(run_t.c.id)
        .where(run_t.c.status == "requested")
        .order_by(run_t.c.requested_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


async def update_run(session: AsyncSession, run_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(sa.update(run_t).where(run_t.c.id == run_id).values(**values))


async def finish_run(session: AsyncSession, run_id: uuid.UUID, values: dict[str, Any]) -> None:
    """``update_run`` recording ``snapshot_at``: the database's ``now()``, the start of this transaction, no
    later than the snapshot of any statement the run classified with."""
    await update_run(session, run_id, {**values, "snapshot_at": sa.func.now()})


async def readable_run(session: AsyncSession, scope: Scope, run_id: uuid.UUID) -> ClassificationRun | None:
    query = readable(
        sa.select(ClassificationRun).where(ClassificationRun.id == run_id), scope, RUN_VISIBILITY
    )
    return (await session.scalars(query.execution_options(populate_existing=True))).first()
