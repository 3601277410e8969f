"""Tables partitioned by time (issue #16 item 6, docs/scaling.md "Partitioning"): the registry, the partitions
created ahead, and the retention that drops old outbox days.

A partitioned table has **no default partition**: a row whose period has no partition fails loudly. The kernel
job ``partitions`` (hourly and at start-up, registered by ``services.common.app`` for every service) keeps
``ahead`` periods after the current one, and ``ensure_partition`` creates the period of a given instant for the
few writes that carry a time of their own (a test, a bench or a backfill writing past rows). Periods are China
periods (``clock.CHINA``): a day starts at 00:00 in Shenyang.

The partitions are created and dropped by two ``SECURITY DEFINER`` functions that the migration creates as the
tables' owner (``PARTITION_FUNCTIONS``): the running service connects as a role with DML only (issue #13), which
may not run DDL on the owner's tables. ``zhifa_create_partition`` only creates an empty partition of a
partitioned table; ``zhifa_drop_outbox_partition`` only drops a partition **of the outbox** and only when it
holds no unpublished row (an unsent event never disappears; the partition is kept and counted instead). Both
take a transaction-scoped advisory lock (two pods never race on a name) and a short ``lock_timeout``: creating
or dropping a partition takes an ACCESS EXCLUSIVE lock on the parent, and writers queue behind
a waiting DDL, so it gives up after 2 s and the next round retries (7 days are kept ahead).

The time is the **database's** ``now()``: the outbox's ``created_at`` is its default ``now()``, never the
application's clock, which tests and ``make run`` may move (``ZHIFA_CLOCK_AT``); so the day that must exist is
the database's day, whatever the application believes the date is.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import clock, metrics
from services.common.clock import CHINA
from services.common.dates import add_months, add_years
from services.common.db import transaction

Granularity = Literal["day", "month", "year"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Partitioned:
    """One table partitioned by range on ``key``: ``ahead`` periods are kept after the current one, and with a
    ``retention`` the periods that ended longer ago than it are dropped (the outbox only, see the design)."""

    table: str
    key: str
    granularity: Granularity
    ahead: int
    retention: timedelta | None = None
    #: The one service whose database holds the table (None: the kernel's, in every service).
    service: str | None = None
    #: The key is a ``date`` (bounds are China dates, created by ``zhifa_create_date_partition``), not a
    #: ``timestamptz``.
    dated: bool = False


#: The kernel's partitioned tables. The outbox's retention is ``outbox_retention_days`` (``registry``).
REGISTRY: tuple[Partitioned, ...] = (
    Partitioned("outbox", "created_at", "day", ahead=7, retention=timedelta(days=14)),
    # credit_repair's publications by the year they start; never dropped (docs/scaling.md, "Retention").
    Partitioned("publication", "starts_on", "year", ahead=1, service="credit_repair", dated=True),
    # inspection's refused entries by China month of ``refused_at``; never dropped (docs/scaling.md, "Retention").
    Partitioned("entry_refusal", "refused_at", "month", ahead=3, service="inspection"),
    # penalty's decided cases by the year of their first decision; never dropped (docs/scaling.md).
    Partitioned("decided_case", "first_decided_on", "year", ahead=1, service="penalty", dated=True),
    # inspection's visits by China month of ``started_at``, and their outcomes in the same months (the outcome
    # carries its visit's ``started_at``); never dropped (docs/scaling.md, "Retention").
    Partitioned("visit", "started_at", "month", ahead=3, service="inspection"),
    Partitioned("visit_outcome", "visit_started_at", "month", ahead=3, service="inspection"),
    # the audit chain by China month of ``at``, in every service; never dropped, never detached by the job
    # (docs/scaling.md, "The audit chain").
    Partitioned("audit_entry", "at", "month", ahead=3),
    # penalty's cases by China year of ``opened_at``, and their steps in the same years (a step carries its
    # case's ``opened_at``); never dropped (docs/scaling.md, "Partitioning").
    Partitioned("penalty_case", "opened_at", "year", ahead=1, service="penalty"),
    Partitioned("case_step", "case_opened_at", "year", ahead=1, service="penalty"),
)

_SUFFIX = {"day": "%Y%m%d", "month": "%Y%m", "year": "%Y"}
_LOCK = "zhifa_partitions"


def registry(*, outbox_retention_days: int | None = None) -> tuple[Partitioned, ...]:
    """``REGISTRY`` with the outbox's retention from the service's settings."""
    if outbox_retention_days is None:
        return REGISTRY
    days = timedelta(days=outbox_retention_days)
    return tuple(replace(p, retention=days) if p.table == "outbox" else p for p in REGISTRY)


def spec_of(table: str) -> Partitioned:
    for spec in REGISTRY:
        if spec.table == table:
            return spec
    raise KeyError(f"{table} is not a partitioned table (services/common/partitions.py REGISTRY)")


def period_start(granularity: Granularity, day: date) -> date:
    if granularity == "day":
        return day
    if granularity == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_period(granularity: Granularity, start: date) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "month":
        return add_months(start, 1)
    return add_years(start, 1)


def china_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def midnight(day: date) -> datetime:
    """00:00 of ``day`` in China: a partition's bound."""
    return datetime.combine(day, time(), tzinfo=CHINA)


def partition_name(spec: Partitioned, start: date) -> str:
    return f"{spec.table}_{start.strftime(_SUFFIX[spec.granularity])}"


def start_of(spec: Partitioned, name: str) -> date | None:
    """The period a partition's name says (None: not one of ours)."""
    suffix = name.removeprefix(f"{spec.table}_")
    if suffix == name or not re.fullmatch(r"\d+", suffix):
        return None
    try:
        return datetime.strptime(suffix, _SUFFIX[spec.granularity]).date()
    except ValueError:
        return None


def periods(spec: Partitioned, first: date, last: date) -> list[date]:
    """The starts of the periods from the one holding ``first`` to the one holding ``last``."""
    start, out = period_start(spec.granularity, first), []
    while start <= last:
        out.append(start)
        start = next_period(spec.granularity, start)
    return out


_CREATE = sa.text("SELECT zhifa_create_partition(CAST(:parent AS regclass), :name, :lo, :hi)")
_CREATE_DATED = sa.text(
    "SELECT zhifa_create_date_partition(CAST(:parent AS regclass), :name, CAST(:lo AS date), CAST(:hi AS date))"
)
_EXISTS = sa.text("SELECT to_regclass(:name) IS NOT NULL")
_DROP = sa.text("SELECT zhifa_drop_outbox_partition(:name)")
#: The database's China date, and a parent's partitions (``:parent``): the job's queries, also for tests and tools.
TODAY = sa.text("SELECT CAST(timezone('Asia/Shanghai', now()) AS date)")
PARTITIONS = sa.text(
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = CAST(:parent AS regclass)"
)


def create_params(spec: Partitioned, start: date) -> dict[str, Any]:
    end = next_period(spec.granularity, start)
    return {
        "parent": spec.table,
        "name": partition_name(spec, start),
        "lo": start if spec.dated else midnight(start),
        "hi": end if spec.dated else midnight(end),
    }


def create_sql(spec: Partitioned) -> sa.TextClause:
    return _CREATE_DATED if spec.dated else _CREATE


def create_partitions_sync(
    conn: sa.Connection, spec: Partitioned, first: date, last: date, *, parent: str | None = None
) -> int:
    """Inside a migration: the partitions of ``first`` … ``last`` (of ``parent``, the table that takes the
    registered table's name at the end of the migration); returns how many were new."""
    made = 0
    for start in periods(spec, first, last):
        params = {**create_params(spec, start), "parent": parent or spec.table}
        made += bool(conn.execute(create_sql(spec), params).scalar())
    return made


async def ensure_partition(session: AsyncSession, table: str, at: datetime | date) -> bool:
    """The partition of ``table`` holding ``at`` (an instant, or a China date) exists after this (True: it was
    created now). For a write that carries its own time; the kernel job keeps the current and the coming
    periods. An existing partition is a catalogue lookup only, without the creation's advisory lock (held to
    the end of the transaction, it would serialise every writer)."""
    spec = spec_of(table)
    day = china_day(at) if isinstance(at, datetime) else at
    params = create_params(spec, period_start(spec.granularity, day))
    if (await session.execute(_EXISTS, {"name": params["name"]})).scalar():
        return False
    return bool((await session.execute(create_sql(spec), params)).scalar())


# ``ensure_partition``'s statements for an asyncpg connection (positional parameters).
_EXISTS_DRIVER = "SELECT to_regclass($1) IS NOT NULL"
_CREATE_DRIVER = "SELECT zhifa_create_partition(CAST($1 AS regclass), $2, $3, $4)"
_CREATE_DATED_DRIVER = (
    "SELECT zhifa_create_date_partition(CAST($1 AS regclass), $2, CAST($3 AS date), CAST($4 AS date))"
)


async def ensure_partition_on(conn: Any, table: str, at: datetime | date) -> bool:
    """``ensure_partition`` on an asyncpg connection in a transaction (a hot path's statements run on the
    driver: services/common/db.py ``driver_connection``, ``pooled_connection``)."""
    spec = spec_of(table)
    day = china_day(at) if isinstance(at, datetime) else at
    params = create_params(spec, period_start(spec.granularity, day))
    if await conn.fetchval(_EXISTS_DRIVER, params["name"]):
        return False
    create = _CREATE_DATED_DRIVER if spec.dated else _CREATE_DRIVER
    return bool(await conn.fetchval(create, params["parent"], params["name"], params["lo"], params["hi"]))


async def existing(session: AsyncSession, spec: Partitioned) -> set[date]:
    names = (await session.execute(PARTITIONS, {"parent": spec.table})).scalars().all()
    return {s for s in (start_of(spec, n) for n in names) if s is not None}


@dataclass(frozen=True, slots=True)
class Round:
    """What one round of the job did to one table."""

    table: str
    created: int
    dropped: int
    kept_unsent: int
    ahead_days: int


def ahead_days(spec: Partitioned, have: set[date], today: date) -> int:
    """Whole days after today covered without a gap from today's period on (-1: today has none)."""
    start = period_start(spec.granularity, today)
    while start in have:
        start = next_period(spec.granularity, start)
    return (start - today).days - 1


async def maintain(
    factory: async_sessionmaker[AsyncSession], spec: Partitioned, *, service: str = ""
) -> Round:
    """One round for one table: create what is missing from the current period to ``ahead`` (each in its own
    short transaction), then drop the periods past the retention that hold no unpublished row."""
    async with transaction(factory) as session:
        today = (await session.execute(TODAY)).scalar_one()
        have = await existing(session, spec)
    wanted = periods(spec, today, today)
    for _ in range(spec.ahead):
        wanted.append(next_period(spec.granularity, wanted[-1]))
    created = 0
    for start in wanted:
        if start not in have:
            async with transaction(factory) as session:
                created += bool(
                    (await session.execute(create_sql(spec), create_params(spec, start))).scalar()
                )
            have.add(start)
    dropped = kept = 0
    if spec.retention is not None:
        # A period goes once it ended ``retention`` ago: its rows were all created before then.
        cutoff = today - timedelta(days=spec.retention.days)
        for start in sorted(have):
            if next_period(spec.granularity, start) > cutoff:
                break
            async with transaction(factory) as session:
                gone = bool((await session.execute(_DROP, {"name": partition_name(spec, start)})).scalar())
            if gone:
                dropped += 1
                have.discard(start)
            else:
                kept += 1
    result = Round(spec.table, created, dropped, kept, ahead_days(spec, have, today))
    metrics.PARTITIONS_AHEAD_DAYS.labels(service, spec.table).set(result.ahead_days)
    metrics.PARTITIONS_KEPT_UNSENT.labels(service, spec.table).set(kept)
    metrics.PARTITIONS_DROPPED.labels(service, spec.table).inc(dropped)
    return result


# The two functions the migration creates as the owner (see the module's docstring). ``lock_timeout``: a
# waiting ACCESS EXCLUSIVE request makes every later insert wait behind it, so it is kept short.
PARTITION_FUNCTIONS = (
    f"""
CREATE OR REPLACE FUNCTION zhifa_create_partition(parent regclass, part text, lo timestamptz, hi timestamptz)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '2s'
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('{_LOCK}'));
    IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = parent) THEN
        RAISE EXCEPTION '% is not a partitioned table', parent;
    END IF;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
    RETURN true;
END
$$
""",
    f"""
CREATE OR REPLACE FUNCTION zhifa_drop_outbox_partition(part text)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '2s'
AS $$
DECLARE
    unsent boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('{_LOCK}'));
    IF NOT EXISTS (SELECT 1 FROM pg_inherits
                   WHERE inhrelid = to_regclass(part) AND inhparent = 'outbox'::regclass) THEN
        RAISE EXCEPTION '% is not a partition of the outbox', part;
    END IF;
    -- The parent first (the order every writer locks in), then the check: no replay can un-send a row of it
    -- between the check and the drop.
    LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE published_at IS NULL)', part) INTO unsent;
    IF unsent THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TABLE %I', part);
    RETURN true;
END
$$
""",
)


def _create_function(name: str, bound: str) -> str:
    """A partition-creating function with its parent's hook: ``CREATE TABLE ... PARTITION OF`` under the
    kernel's lock, then the parent's own ``<parent>_partition_created(regclass)`` when its migration made one
    (statement-level triggers are not cloned onto a partition: decided_case's tallies, the audit chain's
    TRUNCATE guard)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}(parent regclass, part text, lo {bound}, hi {bound})
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '2s'
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('{_LOCK}'));
    IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = parent) THEN
        RAISE EXCEPTION '% is not a partitioned table', parent;
    END IF;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
    -- What a partition needs beyond its parent's clones (statement-level triggers are not cloned): the
    -- parent's own ``<parent>_partition_created(regclass)``, when its migration made one.
    IF to_regprocedure(format('%s_partition_created(regclass)', parent)) IS NOT NULL THEN
        EXECUTE format('SELECT %s_partition_created(%L::regclass)', parent, part);
    END IF;
    RETURN true;
END
$$
"""


#: ``zhifa_create_partition`` for a table partitioned on a ``date`` (credit_repair's ``publication``): the bounds
#: are dates, which a ``timestamptz`` would turn into the session's time zone's dates.
DATE_PARTITION_FUNCTION = _create_function("zhifa_create_date_partition", "date")
DROP_DATE_PARTITION_FUNCTION = (
    "DROP FUNCTION IF EXISTS zhifa_create_date_partition(regclass, text, date, date)"
)

DROP_PARTITION_FUNCTIONS = (
    "DROP FUNCTION IF EXISTS zhifa_drop_outbox_partition(text)",
    "DROP FUNCTION IF EXISTS zhifa_create_partition(regclass, text, timestamptz, timestamptz)",
)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name``: a partition is the database's business (the job creates and drops them),
    not a model, so autogenerate neither adds nor removes one."""
    if type_ == "foreign_key_constraint" and name is not None:
        # A foreign key to a partitioned table (``visit_outcome`` → ``visit``) has a clone per partition of the
        # referenced table, on the referencing one, named ``<key>_<n>`` by PostgreSQL: not models either (the
        # naming convention never ends a name in a number).
        return re.fullmatch(r"fk_.+_\d+", name) is None
    if type_ != "table" or name is None:
        return True
    return not any(start_of(spec, name) is not None for spec in REGISTRY)


#: ``zhifa_create_partition`` as the ``*_audit_parts`` migrations leave it: it also calls the parent's
#: ``<parent>_partition_created(regclass)`` when one exists, as ``zhifa_create_date_partition`` does (the audit
#: chain's: a statement-level TRUNCATE trigger is not cloned onto a partition; ``tables.AUDIT_PARTITION_HOOK``).
#: Their downgrades put back ``PARTITION_FUNCTIONS[0]``.
CREATE_PARTITION_FUNCTION_V2 = _create_function("zhifa_create_partition", "timestamptz")


# ---------------------------------------------------------------------------------------------------------
# Newest-first keyset pages over a partitioned table, read in recent periods first (issue #16 item 6)

#: The widening windows of a newest-first page, in periods back from the one holding the page's newest
#: possible row (its cursor's key, or today): months 2 then 12, years 1; after the last one, the rest without
#: a lower bound. Only while the page is not full is the next window read.
WINDOWS: dict[Granularity, tuple[int, ...]] = {"day": (7,), "month": (2, 12), "year": (1,)}


def previous_period(granularity: Granularity, start: date) -> date:
    if granularity == "day":
        return start - timedelta(days=1)
    if granularity == "month":
        return (start - timedelta(days=1)).replace(day=1)
    return start.replace(year=start.year - 1)


def window_starts(spec: Partitioned, newest: date) -> list[date]:
    """The lower bounds (period starts) of the widening windows of a page whose newest row may be on
    ``newest`` (a China date), newest bound first."""
    out: list[date] = []
    for periods in WINDOWS[spec.granularity]:
        start = period_start(spec.granularity, newest)
        for _ in range(periods - 1):
            start = previous_period(spec.granularity, start)
        out.append(start)
    return out


def bound(spec: Partitioned, start: date) -> sa.ColumnElement[Any]:
    """A period's start as a SQL constant, not a bind parameter: the planner prunes the partitions outside a
    constant range when it plans, whatever plan (custom or generic) the prepared statement gets."""
    if spec.dated:
        return sa.literal_column(f"DATE '{start.isoformat()}'")
    return sa.literal_column(f"TIMESTAMPTZ '{midnight(start).isoformat()}'")


async def newest_first(
    spec: Partitioned,
    column: Any,
    fetch: Callable[[list[sa.ColumnElement[bool]], int], Awaitable[Sequence[T]]],
    *,
    newest: datetime | date | None,
    limit: int,
) -> list[T]:
    """Up to ``limit`` rows of a list ordered by ``column`` (the partition key) descending, read window by
    window: ``fetch(conditions, n)`` runs the list's own query (its filters, visibility, cursor and order)
    with the window's ``conditions`` added and a limit of ``n``. The windows are disjoint ranges of ``column``,
    each older than the one before, so their rows concatenated are the rows, in the order, of the one query
    without a window; only the partitions of a window are planned. ``newest``: the cursor's key (the page holds
    nothing newer), None on a first page (today; rows after today are in the first window too)."""
    try:
        day = (
            clock.today() if newest is None else china_day(newest) if isinstance(newest, datetime) else newest
        )
        starts = window_starts(spec, day)
    except (ValueError, OverflowError):  # a cursor at the ends of the calendar: one read, as without windows
        return list(await fetch([], limit))
    out: list[T] = []
    upper: date | None = None
    for start in starts:
        conditions = [column >= bound(spec, start)]
        if upper is not None:
            conditions.append(column < bound(spec, upper))
        out += await fetch(conditions, limit - len(out))
        if len(out) >= limit:
            return out
        upper = start
    assert upper is not None
    out += await fetch([column < bound(spec, upper)], limit - len(out))
    return out
