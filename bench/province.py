"""A province-sized data set (issue #16 item 6), generated straight into the services' databases with COPY.

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

Not yet written: inspection's enterprises, tasks, visits and refused entries, penalty cases and their steps,
audit entries and outbox rows (docs/scaling.md lists them as the generator's next step).

Deterministic: the same ``Plan`` (seed and ``until`` included) gives the same rows, byte for byte. Every
USCC is valid (GB 32100-2015 check digit through python-stdnum, as ``data/sample/generate.py`` makes them).

    .venv/bin/python -m bench.province --enterprises 50000 --years 1 \\
        --penalty-url postgresql://.../penalty --credit-url postgresql://.../credit_repair
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from stdnum.cn import uscc as stdnum_uscc

from services.common.dates import add_years

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
RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "sample" / "credit_rules.json"
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


@dataclass(frozen=True)
class Case:
    case_id: uuid.UUID
    uscc: str
    district: str
    dept: str
    item: int
    tier: str
    low: int
    high: int
    fine: int
    facts_key: str
    decided_on: date
    active: bool
    published: bool


def cases(plan: Plan) -> Iterator[Case]:
    """The province's decisions, in a fixed order. Enterprises are drawn with a skew (a square of a uniform
    draw), so a few enterprises are decided against again and again, as repeat offenders are."""
    rnd = random.Random(plan.seed)
    days = (plan.until - plan.since).days + 1
    for i in range(plan.decided_cases):
        enterprise = int(plan.enterprises * rnd.random() ** 2)
        district = district_of(plan, enterprise)
        item = 1 + rnd.randrange(ITEMS)
        pattern = rnd.randrange(PATTERNS)
        tier = TIERS[rnd.randrange(3)] if rnd.random() < 0.005 else TIERS[pattern % 3]
        low = item * 100_000
        high = low * (2 + item % 5)
        r1, r2 = rnd.random(), rnd.random()
        if r1 < 0.005:
            fine = high + 1 + int(r2 * 100)  # just above the tier
        elif r1 < 0.010:
            fine = max(low - 1 - int(r2 * 100), 0)  # just below it
        else:
            fine = low + int((high - low) * r2)
        yield Case(
            case_id=uuid.UUID(int=rnd.getrandbits(128), version=4),
            uscc=uscc_of(plan, enterprise),
            district=district,
            dept=DEPARTMENTS[rnd.randrange(len(DEPARTMENTS))],
            item=item,
            tier=tier,
            low=low,
            high=high,
            fine=fine,
            facts_key=f"k{pattern}",
            decided_on=plan.since + timedelta(days=rnd.randrange(days)),
            active=i % 100 != 99,
            published=i % plan.publish_every != plan.publish_every - 1,
        )


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


def _code(c: Case) -> str:
    return f"LN-{c.dept}-{c.item:04d}"


def decided_row(c: Case) -> tuple[Any, ...]:
    return (c.case_id, c.dept, c.district, _code(c), 1, c.tier, c.low, c.high, c.fine, True, c.facts_key,
            c.decided_on, c.active, c.decided_on)  # fmt: skip


def credit_rows(c: Case, n: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The ``credit_record`` and ``publication`` of published decision number ``n`` (a general-procedure
    fine, class general, published from its decision date for the sample rules' 3 years)."""
    record_id = uuid.uuid5(c.case_id, "record")
    decision_no = f"辽{c.district[:4]}罚〔{c.decided_on.year}〕{n}号"
    city = CITY_NAMES[c.district[:4]]
    name = f"{city}样例企业{n}有限公司"
    dept_name = city + DEPARTMENT_NAMES[c.dept]
    record: tuple[Any, ...] = (record_id, c.case_id, 1, decision_no, c.decided_on, "organisation", c.uscc, name, c.dept,
              dept_name, c.district, "样例", "market_regulation", _code(c), ["fine"], c.fine, "general", False,
              "general", True, "", RULE_SET, False, [], ["信用中国"], 1, "in_force")  # fmt: skip
    ends = add_years(c.decided_on, 3)
    publication = (uuid.uuid5(c.case_id, "publication"), record_id, c.case_id, decision_no, "organisation",
                   c.uscc, name, c.dept, dept_name, c.district, "general", RULE_SET, ["信用中国"], c.decided_on,
                   c.decided_on + timedelta(days=90), c.decided_on + timedelta(days=90), ends, c.decided_on,
                   "general", FINE_BIT, c.fine, False, "in_force")  # fmt: skip
    return record, publication


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass
class Written:
    decided_cases: int = 0
    credit_records: int = 0
    publications: int = 0
    seconds: float = 0.0


async def generate(plan: Plan, *, penalty_url: str, credit_url: str, chunk: int = 50_000) -> Written:
    """Write ``plan``'s decisions into penalty's and credit_repair's databases (migrated, empty tables)."""
    started = time.perf_counter()
    await _load_rules(credit_url, plan)
    await _partitions(penalty_url, "decided_case", plan)
    written = Written()
    penalty = await asyncpg.connect(_dsn(penalty_url))
    credit = await asyncpg.connect(_dsn(credit_url))
    try:
        decided: list[tuple[Any, ...]] = []
        records: list[tuple[Any, ...]] = []
        publications: list[tuple[Any, ...]] = []

        async def flush() -> None:
            await penalty.copy_records_to_table("decided_case", records=decided, columns=DECIDED_COLUMNS)
            await credit.copy_records_to_table("credit_record", records=records, columns=RECORD_COLUMNS)
            await credit.copy_records_to_table(
                "publication", records=publications, columns=PUBLICATION_COLUMNS
            )
            written.decided_cases += len(decided)
            written.credit_records += len(records)
            written.publications += len(publications)
            decided.clear()
            records.clear()
            publications.clear()

        for n, c in enumerate(cases(plan), start=1):
            decided.append(decided_row(c))
            if c.published:
                record, publication = credit_rows(c, n)
                records.append(record)
                publications.append(publication)
            if len(decided) >= chunk:
                await flush()
        await flush()
        await penalty.execute("ANALYZE decided_case")
        await credit.execute("ANALYZE credit_record; ANALYZE publication")
    finally:
        await penalty.close()
        await credit.close()
    written.seconds = time.perf_counter() - started
    return written


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
