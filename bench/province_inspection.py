"""The province's inspections (issue #16 item 6): inspection's enterprises, tasks, visits and refused entries,
and risk's projections of them and of the decided cases, generated with COPY beside ``bench/province.py``.

Volumes, deterministic so that a test can count them by hand (``Plan`` from bench/province.py):

- every enterprise (``province.uscc_of``) is registered in inspection, at its district;
- tasks: in each year of the period and each city, one 双随机 (random) task per department and one task of
  each other kind (joint 综合查一次, complaint, key area): ``years × cities × (7 + 3)``;
- visits: enterprise ``i`` gets ``(i + y) % 5`` visits in year ``y`` of the period (the calendar year
  ``until.year - years + 1 + y``, up to ``until``: the caps count calendar years) (0..4, two on average:
  docs/scaling.md's two visits per enterprise a year), each by a different department (a joint visit by two),
  the first one always a random-task visit. The check-in refuses a second capped visit by a department
  (``frequency.cap_breach``), so only emergency and back-filled visits exceed a cap: enterprise-years with
  ``(i + y) % 1000 == 4`` (four visits already) get one more, an emergency visit by the first visit's
  department on the same day — one department over its cap each, and over the total cap of 4 when the four
  were all capped;
- one refused entry (``entry_refusal``) for enterprise-years with ``(i + y) % 100 == 7``;
- a visit in ten is rated by its enterprise (1–5 stars);
- risk: the enforcement units (department × district), a ``visit`` signal for every completed visit and
  department, a ``rating`` signal per rated visit and department, a ``refused_entry`` signal per refusal,
  and a ``risk_case`` for every decision of bench/province.py (the same ids, districts, departments and
  dates as penalty's ``decided_case``, from the same draws: ``province_sql.cases_select``), with an
  ``overdue_procedure`` signal for every 50th.

Indexes of the big tables are dropped during the COPY and built again after it (bulk loading), and the
inspection ``visit_cap_tally`` pre-aggregate, when the schema has it, is rebuilt set-based afterwards.

    .venv/bin/python -m bench.province_inspection --enterprises 50000 --years 1 \\
        --inspection-url postgresql://.../inspection --risk-url postgresql://.../risk
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench import province
from services.common.clock import CHINA

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = uuid.UUID("6f1c1d2e-16a6-4b1e-9a5e-000000000016")
# the departments' enforcement domains (risk groups a unit's figures by domain)
DOMAINS = {
    "SJ": "市场监管",
    "ST": "生态环境",
    "CG": "城市管理",
    "JT": "交通运输",
    "YJ": "应急管理",
    "WJ": "卫生健康",
    "XF": "消防安全",
}
INSPECTION_DOMAIN = "行政检查"  # services.risk.domain.report.INSPECTION_DOMAIN
OTHER_KINDS = ("joint", "complaint", "key_area")
# refusals that count against the officers' unit (services/risk/domain/refusals.py)
REFUSAL_CODES = ("CERT_EXPIRED", "OFFICER_OUT_OF_AUTHORITY", "QUIET_PERIOD", "FREQUENCY_CAP_REACHED")
TIERS_EN = {"从轻": "lenient", "一般": "general", "从重": "aggravated"}
OVER_CAP_EVERY = 1000
REFUSAL_EVERY = 100
RATING_EVERY = 10
OVERDUE_EVERY = 50

VISIT_COLUMNS = (
    "visit_id", "task_id", "task_kind", "uscc", "district_code", "mode", "status", "started_at", "recorded_at",
    "completed_at", "requested_by_enterprise", "dept_codes", "cert_nos", "officers", "item_codes",
    "started_by", "started_by_role", "rating_stars", "rated_at", "rated_by",
)  # fmt: skip
REFUSAL_COLUMNS = (
    "refusal_id", "code", "status", "detail", "channel", "task_id", "uscc", "dept_code", "district_code",
    "cert_nos", "actor", "actor_role", "refused_at",
)  # fmt: skip
TASK_COLUMNS = (
    "task_id", "title", "kind", "lead_dept", "dept_codes", "item_codes", "district_codes", "status",
    "starts_on", "ends_on", "created_at", "created_by", "created_by_role", "approved_at", "approved_by",
    "completed_at",
)  # fmt: skip
SIGNAL_COLUMNS = (
    "kind", "ref", "unit_code", "domain", "case_id", "occurred_at", "occurred_on", "value", "detail",
)  # fmt: skip
CASE_COLUMNS = (
    "case_id", "decision_no", "unit_code", "district_code", "domain", "party_uscc", "tier", "decided_on",
    "outside_tier", "status", "revision", "issued_revision", "revoked_on", "benchmark_code",
)  # fmt: skip


def visits_of(index: int, year: int) -> int:
    """Visits of enterprise ``index`` in year ``year`` of the period (0..4), before an over-cap one."""
    return (index + year) % 5


def over_cap(index: int, year: int) -> bool:
    """Whether enterprise ``index`` gets one emergency visit too many in year ``year`` of the period."""
    return (index + year) % OVER_CAP_EVERY == 4


def refused(index: int, year: int) -> bool:
    return (index + year) % REFUSAL_EVERY == 7


def calendar_year(plan: province.Plan, year: int) -> tuple[date, int]:
    """The first day and the number of days of year ``year`` of the period: the caps count calendar years,
    so year ``y`` is the calendar year ``until.year - years + 1 + y``, up to ``until``."""
    first = date(plan.until.year - plan.years + 1 + year, 1, 1)
    last = min(date(first.year, 12, 31), plan.until)
    return first, (last - first).days + 1


def cities(plan: province.Plan) -> list[str]:
    return [code for code, _name, _weight in province.CITIES[: plan.cities]]


def districts(plan: province.Plan) -> list[str]:
    return [f"{city}{d:02d}" for city in cities(plan) for d in range(2, 2 + province.DISTRICTS_PER_CITY)]


@functools.cache
def task_id(kind: str, year: int, city: str, dept: str = "") -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"task:{kind}:{year}:{city}:{dept}")


def _at(day: date, seconds: int) -> datetime:
    """``seconds`` after 08:00 China time (00:00 UTC: China keeps UTC+8 all year) on ``day``, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)


def tasks(plan: province.Plan) -> Iterator[tuple[Any, ...]]:
    for year in range(plan.years):
        starts, days = calendar_year(plan, year)
        ends = starts + timedelta(days=days - 1)
        created = _at(starts, 0) - timedelta(days=7)
        for city in cities(plan):
            its = [f"{city}{d:02d}" for d in range(2, 2 + province.DISTRICTS_PER_CITY)]
            name = province.CITY_NAMES[city]
            for dept in province.DEPARTMENTS:
                yield (task_id("random", year, city, dept), f"{name}{province.DEPARTMENT_NAMES[dept]}双随机抽查",
                       "random", dept, [dept], [f"{dept}-0001"], its, "completed", starts, ends, created,
                       "province", "officer", created, "province", _at(ends, 36_000))  # fmt: skip
            for kind in OTHER_KINDS:
                depts = ["SJ", "XF"] if kind == "joint" else ["SJ"]
                yield (task_id(kind, year, city), f"{name}{kind}检查", kind, "SJ", depts,
                       [f"{d}-0001" for d in depts], its, "completed", starts, ends, created, "province",
                       "officer", created, "province", _at(ends, 36_000))  # fmt: skip


_OFFICER = '{{"cert_no": "{}", "name": "执法人员", "dept_code": "{}", "department": ""}}'


@dataclass
class Visit:
    row: tuple[Any, ...]
    depts: list[str]
    district: str
    visit_id: uuid.UUID
    completed_at: datetime
    stars: int | None


def _visit(
    rnd: random.Random, plan: province.Plan, uscc: str, district: str, year: int, day: date, depts: list[str],
    kind: str, mode: str, requested: bool,
) -> Visit:  # fmt: skip
    visit_id = uuid.UUID(int=rnd.getrandbits(128), version=4)
    started = _at(day, rnd.randrange(9 * 3600))
    completed = started + timedelta(minutes=30 + rnd.randrange(150))
    city = district[:4]
    task = task_id("random", year, city, depts[0]) if kind == "random" else task_id(kind, year, city)
    certs = [f"LN{district}{d}{rnd.randrange(1000):03d}" for d in depts for _ in range(2)]
    officers = "[" + ", ".join(_OFFICER.format(c, c[8:10]) for c in certs) + "]"  # JSON, written directly
    stars = 1 + rnd.randrange(5) if rnd.randrange(RATING_EVERY) == 0 else None
    rated = completed + timedelta(days=1) if stars is not None else None
    row = (visit_id, task, kind, uscc, district, mode, "completed", started, started, completed, requested,
           depts, certs, officers, [f"{d}-0001" for d in depts], certs[0], "officer", stars, rated,
           uscc if stars is not None else None)  # fmt: skip
    return Visit(row, depts, district, visit_id, completed, stars)


def enterprise_visits(
    plan: province.Plan, index: int, rnd: random.Random, uscc: str = "", district: str = ""
) -> Iterator[Visit]:
    """Enterprise ``index``'s visits over the period (see the module's docstring)."""
    uscc = uscc or province.uscc_of(plan, index)
    district = district or province.district_of(plan, index)
    for year in range(plan.years):
        first_day, days = calendar_year(plan, year)
        depts = rnd.sample(province.DEPARTMENTS, len(province.DEPARTMENTS))
        for j in range(visits_of(index, year)):
            day = first_day + timedelta(days=rnd.randrange(days))
            kind = "random" if j == 0 else rnd.choice(("random", "random", "joint", "complaint", "key_area"))
            own = [depts.pop()]
            if kind == "joint" and len(depts) > 3:
                own.append(depts.pop())
            mode = "entry_code" if j or rnd.random() < 0.9 else "enterprise_code"
            requested = j > 0 and rnd.random() < 0.02  # the first is a 双随机 visit, never asked for
            visit = _visit(rnd, plan, uscc, district, year, day, sorted(own), kind, mode, requested)
            if j == 0:
                first = visit
            yield visit
            if j == 3 and over_cap(index, year):
                started: datetime = first.row[7]
                extra_day = started.astimezone(CHINA).date()
                yield _visit(rnd, plan, uscc, district, year, extra_day, first.depts, "random", "emergency",
                             False)  # fmt: skip


@dataclass
class Written:
    enterprises: int = 0
    tasks: int = 0
    visits: int = 0
    refusals: int = 0
    units: int = 0
    signals: int = 0
    risk_cases: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return (self.enterprises + self.tasks + self.visits + self.refusals + self.units + self.signals
                + self.risk_cases)  # fmt: skip

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


async def drop_indexes(
    conn: asyncpg.Connection, table: str, keys: bool = False, uniques: bool = False
) -> list[str]:
    """Drop ``table``'s indexes that back no constraint (and, with ``keys``, its primary key, with ``uniques``
    its unique constraints too, and the foreign keys that refer to the table); return the statements that
    build them again."""
    rows = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition "
        "FROM pg_index i WHERE i.indrelid = $1::regclass "
        "AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        table,
    )
    for r in rows:
        await conn.execute(f"DROP INDEX {r['name']}")
    # a partitioned parent's definition says ``ON ONLY``, which would build it for no partition
    again = [r["definition"].replace(" ON ONLY ", " ON ") for r in rows]
    if keys:
        keys_sql = (
            "SELECT conrelid::regclass::text AS owner, conname, pg_get_constraintdef(oid) AS definition "
            "FROM pg_constraint WHERE conparentid = 0 AND "
        )
        # the foreign keys that refer to the primary key first (they need it), and built again after it
        refs = await conn.fetch(keys_sql + "confrelid = $1::regclass AND contype = 'f'", table)
        kinds = "('p', 'u')" if uniques else "('p')"
        pks = await conn.fetch(keys_sql + f"conrelid = $1::regclass AND contype IN {kinds}", table)
        for c in [*refs, *pks]:
            await conn.execute(f"ALTER TABLE {c['owner']} DROP CONSTRAINT {c['conname']}")
        again += [
            f"ALTER TABLE {c['owner']} ADD CONSTRAINT {c['conname']} {c['definition']}" for c in [*pks, *refs]
        ]
    return again


async def rebuild(conn: asyncpg.Connection, definitions: list[str]) -> None:
    await conn.execute("SET maintenance_work_mem = '512MB'")
    for definition in definitions:
        await conn.execute(definition)


TALLY_INSERT = """
INSERT INTO visit_cap_tally (year, uscc, dept_code, random_n, joint_n, complaint_n, key_area_n)
SELECT extract(year FROM v.started_at AT TIME ZONE 'Asia/Shanghai')::int, v.uscc, d.dept_code,
       count(*) FILTER (WHERE v.task_kind = 'random'), count(*) FILTER (WHERE v.task_kind = 'joint'),
       count(*) FILTER (WHERE v.task_kind = 'complaint'), count(*) FILTER (WHERE v.task_kind = 'key_area')
FROM visit v
CROSS JOIN LATERAL (SELECT DISTINCT x FROM unnest(v.dept_codes || ''::text) x) d(dept_code)
WHERE NOT v.requested_by_enterprise
GROUP BY 1, 2, 3
"""  # the same rows as services/inspection/migrations' inspection_0008 back-fill
REBUILD_TALLY = "TRUNCATE visit_cap_tally;" + TALLY_INSERT


async def rebuild_tally(conn: asyncpg.Connection, first: date, last: date) -> None:
    """``visit_cap_tally`` from the visits (``TALLY_INSERT``), one China year at a time (each one's visits in
    its own months' partitions, and a smaller aggregate), its indexes and primary key dropped during the build."""
    # its primary key too: built by sorting after the inserts rather than kept row by row (at 100,000
    # enterprises, 1.2 M rows: 24 → 19 s and 19 → 13.5 s in two alternating rounds at load ~9, the same rows)
    indexes = await drop_indexes(conn, "visit_cap_tally", keys=True)
    # a year's groups (~13 M at 5 M enterprises) in memory: 1 GB × hash_mem_multiplier 2 (512 MB spilled)
    await conn.execute("TRUNCATE visit_cap_tally; SET work_mem = '1GB'")
    for year in range(first.year, last.year + 1):
        lo, hi = datetime(year, 1, 1, tzinfo=CHINA), datetime(year + 1, 1, 1, tzinfo=CHINA)
        await conn.execute(
            TALLY_INSERT.replace("WHERE NOT", "WHERE v.started_at >= $1 AND v.started_at < $2 AND NOT"),
            lo,
            hi,
        )
    await conn.execute("RESET work_mem")
    await rebuild(conn, indexes)


REBUILD_VISIT_KEY = """
INSERT INTO visit_key (visit_id, started_at, entry_code_id)
SELECT visit_id, started_at, entry_code_id FROM visit
ON CONFLICT (visit_id) DO NOTHING
"""  # the rows of services/inspection/migrations' inspection_0010 (``visit_key_insert`` fills them one by one)


async def build_visit_key(conn: asyncpg.Connection) -> None:
    """``visit_key`` of a load made with its trigger off (empty before): its key and unique constraint dropped,
    the identities written in one statement and the two indexes built after by sorting (at 5 M enterprises,
    30 M random uuids inserted one by one into a built primary key took 15 min); a ``visit_id`` twice would
    fail the key's build, as the trigger's insert would have."""
    again = await drop_indexes(conn, "visit_key", keys=True, uniques=True)
    await conn.execute(REBUILD_VISIT_KEY.replace("ON CONFLICT (visit_id) DO NOTHING", ""))
    await rebuild(conn, again)


async def departments_and_tasks(conn: asyncpg.Connection, plan: province.Plan) -> None:
    """The province's departments and ``plan``'s tasks in an empty inspection database (what its visits refer
    to)."""
    await conn.executemany(
        "INSERT INTO department (code, name, authority) VALUES ($1, $1, $1)",
        [(d,) for d in province.DEPARTMENTS],
    )
    await conn.copy_records_to_table("task", records=list(tasks(plan)), columns=TASK_COLUMNS)


async def month_partitions(conn: asyncpg.Connection, table: str, first: date, last: date) -> int:
    """The China months ``first`` … ``last`` of ``table`` when it is partitioned (inspection_0009 and later; the
    kernel job keeps only the current months and those ahead, and there is no default partition, so a COPY of
    past rows would fail), created through ``zhifa_create_partition`` as the service would; returns how many
    were new. A schema where the table is one table (a baseline's) needs none."""
    from services.common import partitions

    partitioned = await conn.fetchval(
        "SELECT EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = to_regclass($1))", table
    )
    if not partitioned:
        return 0
    spec, made = partitions.spec_of(table), 0
    for start in partitions.periods(spec, first, last):
        p = partitions.create_params(spec, start)
        made += bool(
            await conn.fetchval(
                "SELECT zhifa_create_partition(CAST($1::text AS regclass), $2, $3, $4)",
                p["parent"], p["name"], p["lo"], p["hi"],
            )
        )  # fmt: skip
    return made


def _log(started: float, what: str) -> None:
    print(
        f"  province_inspection: {time.perf_counter() - started:7.1f} s  {what}", file=sys.stderr, flush=True
    )


async def generate(
    plan: province.Plan, *, inspection_url: str, risk_url: str, chunk: int = 50_000, set_based: bool = True
) -> Written:
    """Write ``plan``'s inspections into inspection's and risk's databases (migrated, empty tables).

    The visits, refusals and their signals are generated server-side (bench/province_sql.py), one statement
    per year and table, inspection's and risk's at once; risk's cases (penalty's decisions,
    ``province_sql.insert_risk_cases``) beside them. With ``set_based`` (the default) the visits' user triggers are off during the
    load and what they keep (``visit_cap_tally``, ``visit_key``) is built after it in one statement each, and
    the big tables' indexes are dropped before and built after; without it every trigger fires per row (the
    test compares the two)."""
    from bench import province_sql

    started = time.perf_counter()
    written = Written()
    insp = await asyncpg.connect(province._dsn(inspection_url))
    risk = await asyncpg.connect(province._dsn(risk_url))
    risk_cases = await asyncpg.connect(province._dsn(risk_url))
    try:
        await insp.executemany(
            "INSERT INTO department (code, name, authority) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING",
            [(d, province.DEPARTMENT_NAMES[d]) for d in province.DEPARTMENTS],
        )
        # the refusals' China months, from the first calendar year of the period to ``until``
        await month_partitions(insp, "entry_refusal", calendar_year(plan, 0)[0], plan.until)
        # and the visits' (and their outcomes') months, inspection_0010 and later
        for table in ("visit", "visit_outcome"):
            await month_partitions(insp, table, calendar_year(plan, 0)[0], plan.until)
        has_tally = bool(await insp.fetchval("SELECT to_regclass('visit_cap_tally') IS NOT NULL"))
        visit_indexes: list[str] = []
        signal_indexes: list[str] = []
        if set_based:
            # the user triggers (the tallies) built after the load, and the foreign key to ``task`` not checked
            # per row (the tasks are written first, from the same plan)
            await insp.execute("ALTER TABLE visit DISABLE TRIGGER ALL")
            visit_indexes = await drop_indexes(insp, "visit", keys=True)
            signal_indexes = await drop_indexes(risk, "unit_signal", keys=True)
            # risk's quarter tally (risk_0020), when the schema has it, built after the load too
            await risk.execute(
                "ALTER TABLE unit_signal DISABLE TRIGGER USER; ALTER TABLE risk_case DISABLE TRIGGER USER"
            )
        await insp.copy_records_to_table("task", records=list(tasks(plan)), columns=TASK_COLUMNS)
        written.tasks = len(list(tasks(plan)))
        units = [
            (f"{dept}-{district}", province.CITY_NAMES[district[:4]] + district + province.DEPARTMENT_NAMES[dept],
             dept, district)
            for district in districts(plan) for dept in province.DEPARTMENTS
        ]  # fmt: skip
        await risk.copy_records_to_table(
            "risk_unit", records=units, columns=("code", "name", "department_code", "district_code")
        )
        written.units = len(units)
        await load_scratch(plan, (insp, risk), chunk)
        written.enterprises = _count(
            await insp.execute(
                "INSERT INTO enterprise (uscc, name, district_code, registered_on) "
                "SELECT e.uscc, c.name || '样例企业' || (e.idx + 1) || '有限公司', e.district, date '2010-01-01' "
                "FROM province_enterprise e JOIN (VALUES "
                + ", ".join(f"('{code}', '{name}')" for code, name in province.CITY_NAMES.items())
                + ") c(code, name) ON c.code = left(e.district, 4)"
            )
        )

        async def inspection_rows() -> None:
            for year in range(plan.years):
                written.visits += _count(await insp.execute(province_sql.insert_visits(plan, year)))
                _log(started, f"visits of year {year}")
                written.refusals += _count(await insp.execute(province_sql.insert_refusals(plan, year)))

        async def risk_signals() -> None:
            # (each count taken before it is added: ``written.signals += _count(await ...)`` reads the total before
            # the await, and risk_case_rows adds to it meanwhile: one of the two sums was lost)
            for year in range(plan.years):
                n = _count(await risk.execute(province_sql.insert_visit_signals(plan, year)))
                written.signals += n
                _log(started, f"visit signals of year {year}")
                n = _count(await risk.execute(province_sql.insert_refusal_signals(plan, year)))
                written.signals += n

        async def risk_case_rows() -> None:
            for first in range(0, plan.decided_cases, province_sql.CASE_CHUNK):
                stop = min(first + province_sql.CASE_CHUNK, plan.decided_cases)
                n = _count(await risk_cases.execute(province_sql.insert_risk_cases(plan, first, stop)))
                written.signals += n
            written.risk_cases = await risk_cases.fetchval("SELECT count(*) FROM risk_case")
            _log(started, "risk cases")

        _log(started, "enterprises")
        await asyncio.gather(inspection_rows(), risk_signals(), risk_case_rows())

        async def finish_inspection() -> None:
            await rebuild(insp, visit_indexes)
            _log(started, "visit indexes")
            if set_based:
                await insp.execute("ALTER TABLE visit ENABLE TRIGGER ALL")
            if set_based and has_tally:
                await rebuild_tally(insp, calendar_year(plan, 0)[0], plan.until)
                _log(started, "visit_cap_tally")
                if await insp.fetchval("SELECT to_regclass('visit_key') IS NOT NULL"):
                    # the load ran without ``visit_key_insert`` (user triggers disabled): the identities set-based
                    await build_visit_key(insp)
                    _log(started, "visit_key")
            await insp.execute(province_sql.DROP_SCRATCH)
            await insp.execute("ANALYZE")
            _log(started, "inspection vacuumed")

        async def finish_risk() -> None:
            await rebuild(risk, signal_indexes)
            _log(started, "signal indexes")
            if set_based:
                await risk.execute(
                    "ALTER TABLE unit_signal ENABLE TRIGGER USER; ALTER TABLE risk_case ENABLE TRIGGER USER"
                )
                if await risk.fetchval("SELECT to_regclass('unit_quarter_tally') IS NOT NULL"):
                    await risk.execute("TRUNCATE unit_quarter_tally; SET work_mem = '512MB'")
                    await risk.execute(quarter_tally_backfill())
                    await risk.execute("RESET work_mem")
                    _log(started, "unit_quarter_tally")
            await risk.execute(province_sql.DROP_SCRATCH)
            await risk.execute("VACUUM ANALYZE")
            _log(started, "risk vacuumed")

        await asyncio.gather(finish_inspection(), finish_risk())
    finally:
        await insp.close()
        await risk.close()
        await risk_cases.close()
    written.seconds = time.perf_counter() - started
    return written


def quarter_tally_backfill() -> str:
    """risk_0020's back-fill of ``unit_quarter_tally``: the rows its triggers keep, in one statement."""
    path = next((ROOT / "services" / "risk" / "migrations" / "versions").glob("*_risk_0020_quarter_tally.py"))
    spec = importlib.util.spec_from_file_location("risk_0020_quarter_tally", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.BACKFILL)


def _count(status: str) -> int:
    """The rows an ``INSERT`` wrote, from its command tag (``INSERT 0 n``)."""
    return int(status.rsplit(" ", 1)[1])


async def load_scratch(plan: province.Plan, conns: tuple[asyncpg.Connection, ...], chunk: int) -> None:
    """``province_enterprise`` and ``province_task`` (bench/province_sql.py) in each database, by COPY."""
    from bench import province_sql

    for conn in conns:
        await conn.execute(province_sql.DROP_SCRATCH)
        for ddl in province_sql.SCRATCH:
            await conn.execute(ddl)
        await conn.copy_records_to_table(
            "province_task",
            records=province_sql.task_rows(plan),
            columns=("kind", "year", "city", "dept", "task_id"),
        )
    for first in range(0, plan.enterprises, chunk):
        rows = province_sql.enterprise_rows(plan, first, min(first + chunk, plan.enterprises))
        for conn in conns:
            await conn.copy_records_to_table(
                "province_enterprise", records=rows, columns=("idx", "uscc", "district")
            )
    for conn in conns:
        await conn.execute("ANALYZE province_enterprise; ANALYZE province_task")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=province.Plan.enterprises)
    parser.add_argument("--cities", type=int, default=province.Plan.cities)
    parser.add_argument("--years", type=int, default=province.Plan.years)
    parser.add_argument("--seed", type=int, default=province.Plan.seed)
    parser.add_argument("--until", type=date.fromisoformat, default=date.today())
    parser.add_argument("--inspection-url", required=True)
    parser.add_argument("--risk-url", required=True)
    args = parser.parse_args()
    plan = province.Plan(args.enterprises, args.cities, args.years, args.seed, args.until)
    written = asyncio.run(generate(plan, inspection_url=args.inspection_url, risk_url=args.risk_url))
    print(written, f"{written.rows_per_second:,.0f} rows/s")


if __name__ == "__main__":
    main()
