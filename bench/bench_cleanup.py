"""信用松绑 clean-up over 1,000,000 generated publications (target ≤ 30 s): the set-based run that ends every
publication the current rules no longer allow, with its feed entries, its ``credit.publication.ended``
outbox events and its report, committed in steps; then a second run, which must end nothing."""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench.common import median
from services.common import clock, migrate
from services.common.db import create_engine, session_factory, transaction
from services.common.embedded import EmbeddedPostgres, free_port
from services.credit_repair.domain.rules import PenaltyKind
from services.credit_repair.models import CleanupRun
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.settings import CreditRepairSettings
from services.credit_repair.use_cases import cleanups, rule_sets

RULES = (Path(__file__).resolve().parents[1] / "data" / "sample" / "credit_rules.json").read_text(
    encoding="utf-8"
)
BIT = bulk_repo.KIND_BITS
SETTINGS = CreditRepairSettings(env="test")
PARALLEL = SETTINGS.cleanup_parallelism

# A mix shaped like seed 000's clean-up (简易程序, 警告, 通报批评, 企业5万元以下罚款, 超公示期限, 撤销, 已修复):
# decisions over the last five years, published under the pre-2026 sample rules (3-year maximum).
GENERATE = f"""
CREATE TEMP TABLE gen AS
SELECT g, gen_random_uuid() AS rid, gen_random_uuid() AS pid, gen_random_uuid() AS cid,
       CAST(:today AS date) - (random() * 1800)::int AS decided_on,
       random() AS r1, random() AS r2, random() AS r3,
       (ARRAY['SJ','ST','CG','JT','YJ','WJ','XF'])[1 + (random() * 6)::int] AS dept
FROM generate_series(1, :n) g;
CREATE TEMP TABLE shaped AS
SELECT *,
  CASE WHEN r1 < 0.25 THEN 'simple' ELSE 'general' END AS procedure,
  CASE WHEN r1 < 0.25 THEN {BIT[PenaltyKind.FINE]}
       WHEN r1 < 0.35 THEN {BIT[PenaltyKind.WARNING]}
       WHEN r1 < 0.40 THEN {BIT[PenaltyKind.CIRCULATED_CRITICISM]}
       WHEN r1 < 0.70 THEN {BIT[PenaltyKind.FINE]}
       WHEN r1 < 0.92 THEN {BIT[PenaltyKind.FINE] | BIT[PenaltyKind.CONFISCATE_ILLEGAL_GAINS]}
       WHEN r1 < 0.97 THEN {BIT[PenaltyKind.FINE] | BIT[PenaltyKind.SUSPEND_LICENCE]}
       ELSE {BIT[PenaltyKind.REVOKE_LICENCE]} END AS mask,
  CASE WHEN r1 < 0.25 THEN (5000 + r2 * 295000)::bigint
       WHEN r1 < 0.40 THEN 0
       WHEN r1 < 0.70 THEN (100000 + r2 * 4900000)::bigint
       WHEN r1 < 0.97 THEN (5000001 + r2 * 45000000)::bigint
       ELSE 0 END AS fine,
  CASE WHEN r1 >= 0.97 THEN 'serious' ELSE 'general' END AS cls,
  CASE WHEN r3 < 0.01 THEN 'revoked' ELSE 'in_force' END AS status,
  CASE WHEN r3 > 0.98 THEN CAST(:today AS date) - 30 END AS repaired
FROM gen;
INSERT INTO credit_record (id, case_id, revision, decision_no, decided_on, party_kind, party_uscc, party_name,
  department_code, department_name, district_code, penalty_domain, domain_key, benchmark_code, kinds, fine_fen,
  procedure, serious, credit_class, published, class_reason, rule_set_id, never_early, never_early_kinds,
  platforms, status_revision, decision_status)
SELECT rid, cid, 1, '沈罚〔2025〕' || g || '号', decided_on, 'organisation', '91210100MACQTKPQ79', '某公司',
  dept, '部门', '210102', '样例', 'market_regulation', 'SY-SJ-0001', ARRAY['fine'], fine, procedure, false, cls, true,
  '', 'sample-credit-2023-05', false, ARRAY[]::text[], ARRAY['信用中国'], 1, status
FROM shaped;
INSERT INTO publication (id, record_id, case_id, decision_no, party_kind, party_uscc, public_name, department_code,
  department_name, district_code, credit_class, rule_set_id, platforms, starts_on, min_ends_on, earliest_repair_on,
  max_ends_on, decided_on, procedure, kinds_mask, fine_fen, serious, decision_status, repaired_on)
SELECT pid, rid, cid, '沈罚〔2025〕' || g || '号', 'organisation', '91210100MACQTKPQ79', '某公司', dept, '部门', '210102',
  cls, 'sample-credit-2023-05', ARRAY['信用中国'], decided_on, decided_on + 90, decided_on + 90,
  CAST(decided_on + interval '36 months' AS date), decided_on, procedure, mask, fine, false, status, repaired
FROM shaped ORDER BY g;
"""


async def _generate(url: str, n: int) -> None:
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    async with transaction(factory) as s:
        await rule_sets.load_rule_set_document(s, RULES, actor="bench")
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        sql = GENERATE.replace(":today", f"'{clock.today().isoformat()}'").replace(":n", str(n))
        await driver.execute(sql)
        await driver.execute("VACUUM ANALYZE")
    await engine.dispose()


async def _run(url: str, chunk: int) -> tuple[float, int, float, int]:
    """Real run, then a second real run: (seconds, ended, seconds of the second, ended by the second)."""
    engine = create_engine(url, pool_size=4)
    factory = session_factory(engine)
    results = []
    for _ in range(2):
        async with transaction(factory) as s:
            s.add(
                CleanupRun(
                    id=uuid.uuid4(),
                    dry_run=False,
                    status="pending",
                    as_of=clock.today(),
                    rule_set_id="shenyang-credit-2026-04",
                    requested_by="bench",
                    requested_role="admin",
                    requested_at=clock.now(),
                )
            )
        started = time.perf_counter()
        await cleanups.run_cleanups(engine, factory, chunk_size=chunk, parallelism=PARALLEL)
        elapsed = time.perf_counter() - started
        async with transaction(factory) as s:
            run = (
                await s.scalars(sa.select(CleanupRun).order_by(CleanupRun.requested_at.desc()).limit(1))
            ).one()
            assert run.status == "completed", run.error
            results.append((elapsed, int(run.matched)))
    await engine.dispose()
    return results[0][0], results[0][1], results[1][0], results[1][1]


async def _dry(url: str, chunk: int) -> tuple[float, int]:
    engine = create_engine(url, pool_size=4)
    factory = session_factory(engine)
    async with transaction(factory) as s:
        s.add(
            CleanupRun(
                id=uuid.uuid4(),
                dry_run=True,
                status="pending",
                as_of=clock.today(),
                rule_set_id="shenyang-credit-2026-04",
                requested_by="bench",
                requested_role="admin",
                requested_at=clock.now(),
            )
        )
    started = time.perf_counter()
    await cleanups.run_cleanups(engine, factory, chunk_size=chunk, parallelism=PARALLEL)
    elapsed = time.perf_counter() - started
    async with transaction(factory) as s:
        run = (await s.scalars(sa.select(CleanupRun).limit(1))).one()
    await engine.dispose()
    return elapsed, int(run.matched)


def run(quick: bool = False) -> str:
    chunk = SETTINGS.cleanup_chunk_size
    n, runs = (100_000, 1) if quick else (1_000_000, 3)
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-cleanup-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    real: list[float] = []
    second: list[float] = []
    dry: list[float] = []
    ended = matched_dry = ended_again = 0
    try:
        pg.psql('CREATE DATABASE "cleanup_template"')
        template = pg.dsn("cleanup_template", driver="postgresql+asyncpg")
        migrate.upgrade("credit_repair", template)
        started = time.perf_counter()
        asyncio.run(_generate(template, n))
        generated_in = time.perf_counter() - started
        for i in range(runs):
            pg.psql(f'CREATE DATABASE "cleanup_{i}" TEMPLATE "cleanup_template"')
            url = pg.dsn(f"cleanup_{i}", driver="postgresql+asyncpg")
            d_elapsed, matched_dry = asyncio.run(_dry(url, chunk))
            dry.append(d_elapsed)
            elapsed, ended, again, ended_again = asyncio.run(_run(url, chunk))
            real.append(elapsed)
            second.append(again)
            pg.psql(f'DROP DATABASE "cleanup_{i}"')
    finally:
        pg.stop()
    assert ended == matched_dry and ended_again == 0
    return "\n".join(
        [
            "## Credit clean-up (信用松绑) over generated publications",
            "",
            f"{n:,} active publications (durable PostgreSQL, fsync on), generated in {generated_in:.0f} s with a",
            "seed-000-like mix over five years: 25 % simple-procedure fines, 10 % warnings, 5 % 通报批评, 30 % fines",
            "up to 50,000 元, 27 % larger fines (some with 没收违法所得 or 暂扣许可证件), 3 % licence revocations;",
            "1 % revoked decisions, 2 % repaired; all published under the pre-2026 sample rules (3-year maximum).",
            "The clean-up applies the Shenyang 2026 rules (`services/credit_repair/repository/bulk.py`",
            f"`cleanup_reason_sql`) in committed steps of {chunk:,} publications, {PARALLEL} at a time (the service's",
            "defaults); each step is one statement that inserts the ends, the `credit.publication.ended` outbox rows",
            "(envelopes built in SQL), the numbered feed entries and the report counts.",
            f"Median of {runs} run(s), each on a fresh copy of the data.",
            "",
            "| run | seconds (median) | runs | publications ended |",
            "|---|---:|---|---:|",
            f"| dry run (report only) | {median(dry):.1f} | {', '.join(f'{x:.1f}' for x in dry)} | {matched_dry:,} (would end) |",
            f"| clean-up | {median(real):.1f} | {', '.join(f'{x:.1f}' for x in real)} | {ended:,} |",
            f"| second clean-up | {median(second):.1f} | {', '.join(f'{x:.1f}' for x in second)} | {ended_again:,} |",
            "",
            f"Target ≤ 30 s for 1,000,000 publications. {ended:,} of {n:,} ended ({ended / n:.0%}); the second run",
            "ends nothing.",
        ]
    )


if __name__ == "__main__":
    print(run(quick="--quick" in __import__("sys").argv))
