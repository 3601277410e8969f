"""A province-sized data set (issue #16 item 6), generated server-side into the services' databases
(``INSERT … SELECT`` over ``generate_series``, bench/province_sql.py).

Defaults are the issue's province: 5,000,000 enterprises in Liaoning's 14 prefecture-level cities over
3 years. The volumes follow docs/scaling.md's assumptions: two visits per enterprise a year (10 M a year at
5 M enterprises, "tens of millions" over 3 years), a case for 15 % of visits (1.5 M a year, "several million"
over 3 years), four decisions in five published (the 简易程序 and warnings that are not stay unpublished).

What is written now (the tables the supervisors' consistency report and the public credit lists read):

- penalty: ``decided_case``, one row per decision, shaped like ``bench_consistency`` (48 benchmark items × 3
  tiers, fact patterns whose tier is fixed except for 0.5 % of the decisions, 1 % of fines just outside
  their tier, 1 % inactive), each at a real enterprise's district;
- credit_repair: ``credit_record`` and ``publication`` for every published decision, with the same case id,
  USCC, district and decision date as its ``decided_case`` row.

Inspection's and risk's side (visits, refused entries, risk's cases and signals) is bench/province_inspection.py;
not yet written: penalty cases and their steps, audit entries and outbox rows.

Decision ``i`` draws each of its values from ``hashint8extended(i, salt)`` (``province_sql.cases_select``): the
enterprise ``⌊N·u²⌋`` for a uniform ``u`` (a few enterprises decided against again and again, as repeat
offenders are), so penalty's, credit_repair's and risk's statements agree on every decision. Deterministic:
the same ``Plan`` (seed and ``until`` included) gives the same rows. Every USCC is valid (GB 32100-2015 check digit through python-stdnum, as ``data/sample/generate.py`` makes them).

    .venv/bin/python -m bench.province --enterprises 50000 --years 1 \\
        --penalty-url postgresql://.../penalty --credit-url postgresql://.../credit_repair
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import asyncpg
from stdnum.cn import uscc as stdnum_uscc

# Liaoning's 14 prefecture-level cities (GB/T 2260 codes) and a weight for each city's share of the
# province's enterprises (the two large cities hold about half of them).
CITIES: tuple[tuple[str, str, int], ...] = (
    ("2101", "沈阳市", 24),
    ("2102", "大连市", 22),
    ("2103", "鞍山市", 7),
    ("2104", "抚顺市", 4),
    ("2105", "本溪市", 3),
    ("2106", "丹东市", 5),
    ("2107", "锦州市", 6),
    ("2108", "营口市", 6),
    ("2109", "阜新市", 3),
    ("2110", "辽阳市", 3),
    ("2111", "盘锦市", 4),
    ("2112", "铁岭市", 4),
    ("2113", "朝阳市", 4),
    ("2114", "葫芦岛市", 5),
)
DISTRICTS_PER_CITY = 8  # county-level codes xx02..xx09
DEPARTMENT_NAMES = {
    "SJ": "市场监督管理局",
    "ST": "生态环境局",
    "CG": "城市管理综合行政执法局",
    "JT": "交通运输局",
    "YJ": "应急管理局",
    "WJ": "卫生健康委员会",
    "XF": "消防救援支队",
}
DEPARTMENTS = tuple(DEPARTMENT_NAMES)
CITY_NAMES = {code: name for code, name, _weight in CITIES}
ITEMS = 48
TIERS = ("从轻", "一般", "从重")
PATTERNS = 200
ROOT = Path(__file__).resolve().parents[1]
RULES_FILE = ROOT / "data" / "sample" / "credit_rules.json"
RULE_SET = "sample-credit-2023-05"  # data/sample/credit_rules.json, in force for 2023-05 onwards
FINE_BIT = 1  # services.credit_repair.repository.bulk.KIND_BITS[PenaltyKind.FINE]


@dataclass(frozen=True)
class Plan:
    enterprises: int = 5_000_000
    cities: int = 14
    years: int = 3
    seed: int = 16
    until: date = field(default_factory=date.today)  # the last day of the period generated
    visits_per_enterprise_year: float = 2.0
    case_share: float = 0.15  # cases per visit
    publish_every: int = 5  # all decisions but every fifth are published (80 %)

    @property
    def decided_cases(self) -> int:
        return round(self.enterprises * self.years * self.visits_per_enterprise_year * self.case_share)

    @property
    def publications(self) -> int:
        return self.decided_cases - self.decided_cases // self.publish_every

    @property
    def since(self) -> date:
        return self.until - timedelta(days=365 * self.years - 1)


def bench_size(quick: bool = False) -> int:
    """The enterprises the province benchmarks generate: ``ZHIFA_BENCH_PROVINCE_N`` (5000000 for the issue's
    province; ``PROVINCE_ENTERPRISES``, its former name, too), else 500,000 (50,000 with ``--quick``) so that
    ``make bench`` stays short."""
    named = os.environ.get("ZHIFA_BENCH_PROVINCE_N") or os.environ.get("PROVINCE_ENTERPRISES")
    return int(named) if named else 50_000 if quick else 500_000


def org_code(number: int) -> str:
    """The 9-character organisation code (GB 11714-1997): 8 digits and their check character."""
    body = f"{number:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def district_of(plan: Plan, index: int) -> str:
    """The county-level district of enterprise ``index``: cities weighted by ``CITIES``, then uniform."""
    cities = CITIES[: plan.cities]
    total = sum(w for _, _, w in cities)
    slot = (index * 2654435761) % (total * DISTRICTS_PER_CITY)  # a fixed scatter of the indices
    for code, _name, weight in cities:
        if slot < weight * DISTRICTS_PER_CITY:
            return f"{code}{2 + slot % DISTRICTS_PER_CITY:02d}"
        slot -= weight * DISTRICTS_PER_CITY
    raise AssertionError("unreachable")


def uscc_of(plan: Plan, index: int) -> str:
    """Enterprise ``index``'s 统一社会信用代码: 91 (an enterprise) + its district + organisation code + check."""
    body = "91" + district_of(plan, index) + org_code(index + 1)
    return body + str(stdnum_uscc.calc_check_digit(body))


DECIDED_COLUMNS = (
    "case_id", "dept_code", "district_code", "benchmark_code", "benchmark_version", "tier", "tier_low_fen",
    "tier_high_fen", "fine_fen", "has_fine", "facts_key", "decided_on", "active", "first_decided_on",
)  # fmt: skip
RECORD_COLUMNS = (
    "id", "case_id", "revision", "decision_no", "decided_on", "party_kind", "party_uscc", "party_name",
    "department_code", "department_name", "district_code", "penalty_domain", "domain_key", "benchmark_code",
    "kinds", "fine_fen", "procedure", "serious", "credit_class", "published", "class_reason", "rule_set_id",
    "never_early", "never_early_kinds", "platforms", "status_revision", "decision_status",
)  # fmt: skip
PUBLICATION_COLUMNS = (
    "id", "record_id", "case_id", "decision_no", "party_kind", "party_uscc", "public_name", "department_code",
    "department_name", "district_code", "credit_class", "rule_set_id", "platforms", "starts_on", "min_ends_on",
    "earliest_repair_on", "max_ends_on", "decided_on", "procedure", "kinds_mask", "fine_fen", "serious",
    "decision_status",
)  # fmt: skip


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass
class Written:
    decided_cases: int = 0
    credit_records: int = 0
    publications: int = 0
    loaded: float = 0.0  # the rows written, before the indexes, tallies and ANALYZE
    seconds: float = 0.0


async def generate(
    plan: Plan, *, penalty_url: str, credit_url: str, chunk: int = 500_000, set_based: bool = True
) -> Written:
    """Write ``plan``'s decisions into penalty's and credit_repair's databases (migrated, empty tables).

    Server-side (bench/province_sql.py): ``chunk`` decisions a statement, penalty's and credit_repair's at once.
    With ``set_based`` (the default) ``decided_case``'s tally triggers are off during the load and the tallies
    (penalty_0013, penalty_0019) built after it in one statement each, as the migrations back-fill them, and the indexes of
    the three tables dropped before and built after; without it the triggers fire for every statement (the
    test compares the two)."""
    from bench import province_inspection, province_sql

    started = time.perf_counter()
    await _load_rules(credit_url, plan)
    await _partitions(penalty_url, "decided_case", plan)
    written = Written()
    penalty = await asyncpg.connect(_dsn(penalty_url))
    credit = await asyncpg.connect(_dsn(credit_url))
    try:
        await province_inspection.load_scratch(plan, (penalty, credit), 50_000)
        indexes: dict[asyncpg.Connection, list[str]] = {penalty: [], credit: []}
        if set_based:
            await penalty.execute("ALTER TABLE decided_case DISABLE TRIGGER USER")
            indexes[penalty] = await province_inspection.drop_indexes(penalty, "decided_case")
            # publication's row triggers (publication_key's insert, the foreign key's check) off, and the keys of
            # the three tables built after the load: publication_key's rows then in one statement
            await credit.execute("ALTER TABLE publication DISABLE TRIGGER ALL")
            for table in ("publication_key", "publication", "credit_record"):
                indexes[credit] += await province_inspection.drop_indexes(
                    credit, table, keys=True, uniques=True
                )

        async def decided() -> None:
            for first in range(0, plan.decided_cases, chunk):
                stop = min(first + chunk, plan.decided_cases)
                written.decided_cases += _count(
                    await penalty.execute(province_sql.insert_decided(plan, first, stop))
                )

        async def credit_rows() -> None:
            for first in range(0, plan.decided_cases, chunk):
                stop = min(first + chunk, plan.decided_cases)
                written.publications += _count(
                    await credit.execute(province_sql.insert_credit(plan, first, stop))
                )
            written.credit_records = await credit.fetchval("SELECT count(*) FROM credit_record")

        await asyncio.gather(decided(), credit_rows())
        written.loaded = time.perf_counter() - started

        async def finish_penalty() -> None:
            await province_inspection.rebuild(penalty, indexes[penalty])
            if set_based:
                await penalty.execute("ALTER TABLE decided_case ENABLE TRIGGER USER")
                await penalty.execute(
                    "TRUNCATE decided_facts_tally, decided_district_tally, decided_position_city, decided_positions,"
                    " decided_facts_group; SET work_mem = '512MB'"
                )
                for statement in consistency_backfill():
                    await penalty.execute(statement)
                await penalty.execute("RESET work_mem")
            await penalty.execute(province_sql.DROP_SCRATCH)
            await penalty.execute("VACUUM ANALYZE")

        async def finish_credit() -> None:
            if set_based:
                await credit.execute(
                    "INSERT INTO publication_key (id, starts_on, seq, record_id)"
                    " SELECT id, starts_on, seq, record_id FROM publication"
                )
                await credit.execute("ALTER TABLE publication ENABLE TRIGGER ALL")
            await province_inspection.rebuild(credit, indexes[credit])
            await credit.execute(province_sql.CREDIT_SEQUENCE)
            await credit.execute(province_sql.DROP_SCRATCH)
            await credit.execute("VACUUM ANALYZE")

        await asyncio.gather(finish_penalty(), finish_credit())
    finally:
        await penalty.close()
        await credit.close()
    written.seconds = time.perf_counter() - started
    return written


def consistency_backfill() -> tuple[str, ...]:
    """The back-fills of the consistency tallies, in migration order: penalty_0013's (the tallies' rows its
    triggers keep) and penalty_0019's (the city medians and same-facts groups, from those tallies), a statement
    each."""
    statements: list[str] = []
    for name in ("penalty_0013_consistency_tallies", "penalty_0019_consistency_medians"):
        path = next((ROOT / "services" / "penalty" / "migrations" / "versions").glob(f"*_{name}.py"))
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        statements += module.BACKFILL
    return tuple(statements)


def _count(status: str) -> int:
    """The rows an ``INSERT`` wrote, from its command tag (``INSERT 0 n``)."""
    return int(status.rsplit(" ", 1)[1])


async def _load_rules(credit_url: str, plan: Plan) -> None:
    """The sample rule set, and the partitions of the plan's years: a publication starts on its decision's
    date, in past years that the kernel job does not keep (services/common/partitions.py; no default
    partition, so the COPY would fail)."""
    from services.common import partitions
    from services.common.db import create_engine, session_factory, transaction
    from services.credit_repair.models import RuleSetRow
    from services.credit_repair.use_cases import rule_sets

    text = await asyncio.to_thread(RULES_FILE.read_text, encoding="utf-8")
    engine = create_engine(credit_url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            if await s.get(RuleSetRow, RULE_SET) is None:
                await rule_sets.load_rule_set_document(s, text, actor="province")
            for year in range(plan.since.year, plan.until.year + 1):
                await partitions.ensure_partition(s, "publication", date(year, 1, 1))
    finally:
        await engine.dispose()


async def _partitions(url: str, table: str, plan: Plan) -> None:
    """The yearly partitions of the plan's years (past years, which the kernel job does not keep)."""
    from services.common import partitions
    from services.common.db import create_engine, session_factory, transaction

    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            for year in range(plan.since.year, plan.until.year + 1):
                await partitions.ensure_partition(s, table, date(year, 1, 1))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=Plan.enterprises)
    parser.add_argument("--cities", type=int, default=Plan.cities)
    parser.add_argument("--years", type=int, default=Plan.years)
    parser.add_argument("--seed", type=int, default=Plan.seed)
    parser.add_argument("--until", type=date.fromisoformat, default=date.today())
    parser.add_argument("--penalty-url", required=True)
    parser.add_argument("--credit-url", required=True)
    args = parser.parse_args()
    plan = Plan(args.enterprises, args.cities, args.years, args.seed, args.until)
    written = asyncio.run(generate(plan, penalty_url=args.penalty_url, credit_url=args.credit_url))
    print(written)


if __name__ == "__main__":
    main()
