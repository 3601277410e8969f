"""Risk service: full reclassification of 1,000,000 generated enterprises (set-based SQL, changed classes and
their outbox rows written by the same statement) and bulk intake of 100,000 NDJSON lines over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.common import PY, median, start, stop, wait_http
from services.common import clock, migrate
from services.common.db import create_engine, session_factory, transaction
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedPostgres, free_port
from services.common.inbox import parse

# Signals per 1,000,000 enterprises (the same mix as the domain tests' random data, at province scale).
MIX = {"penalties": 1.0, "publications": 0.25, "violations": 0.75, "complaints": 0.75, "repairs": 0.5}

GENERATE = """
INSERT INTO risk_enterprise (uscc, district_code)
SELECT 'E' || lpad(i::text, 9, '0'), '2101' || lpad((2 + i % 13)::text, 2, '0') FROM generate_series(1, {n}) i;

INSERT INTO risk_case (case_id, unit_code, domain, party_uscc, tier, decided_on, status, revision, issued_revision)
SELECT gen_random_uuid(), 'SJ-210102', '食品安全', 'E' || lpad((1 + floor(random() * {n}))::int::text, 9, '0'),
       (ARRAY['aggravated', 'general', 'lenient', 'mitigated', 'none'])[1 + floor(random() * 5)::int],
       current_date - floor(random() * 1300)::int, 'issued', 1, 1
FROM generate_series(1, {penalties});

INSERT INTO risk_publication_signal (publication_id, uscc, published_on, ends_on, withdrawn_on)
SELECT gen_random_uuid(), 'E' || lpad((1 + floor(random() * {n}))::int::text, 9, '0'), d, d + 365,
       CASE WHEN random() < 0.5 THEN d + floor(random() * 400)::int ELSE d + 365 END
FROM (SELECT current_date - floor(random() * 1200)::int AS d FROM generate_series(1, {publications})) x;

INSERT INTO risk_violation_signal (violation_id, uscc, found_on)
SELECT gen_random_uuid(), 'E' || lpad((1 + floor(random() * {n}))::int::text, 9, '0'),
       current_date - floor(random() * 900)::int
FROM generate_series(1, {violations});

INSERT INTO complaint_lead (id, external_id, body_hash, client, unit_code, domain, uscc, category, text, received_at,
                            received_on, batch, record)
SELECT gen_random_uuid(), 'G-' || i, '', '12345', 'SJ-210102', '食品安全',
       'E' || lpad((1 + floor(random() * {n}))::int::text, 9, '0'), '执法态度', '生成数据', now(),
       current_date - floor(random() * 500)::int, '2026-W01', '{{}}'::jsonb
FROM generate_series(1, {complaints}) i;

INSERT INTO risk_repair_signal (repair_id, uscc, completed_on)
SELECT gen_random_uuid(), 'E' || lpad((1 + floor(random() * {n}))::int::text, 9, '0'),
       current_date - floor(random() * 1200)::int
FROM generate_series(1, {repairs});
"""


async def _generate(url: str, n: int) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as s:
            counts = {kind: int(n * share) for kind, share in MIX.items()}
            for statement in GENERATE.format(n=n, **counts).split(";\n"):
                if statement.strip():
                    await s.execute(sa.text(statement))
            await s.execute(sa.text("ANALYZE"))
            return int(await s.scalar(sa.text("SELECT count(*) FROM risk_penalty_signal")) or 0)
    finally:
        await engine.dispose()


async def _classify(url: str, *, days_later: int = 0, reset: bool = False) -> tuple[float, int, int]:
    from services.risk.settings import RiskSettings, read_config
    from services.risk.use_cases import classes

    config = read_config(RiskSettings())
    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    try:
        if reset:
            async with transaction(factory) as s:
                await s.execute(sa.text("TRUNCATE enterprise_class, outbox"))
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(sa.text("VACUUM ANALYZE enterprise_class"))
        clock.set_offset(timedelta(days=days_later))
        started = time.perf_counter()
        async with transaction(factory) as s:
            counts = await classes.classify_enterprises(s, config=config)
        elapsed = time.perf_counter() - started
        async with transaction(factory) as s:
            sample = await s.scalar(sa.text("SELECT envelope FROM outbox ORDER BY seq DESC LIMIT 1"))
        if sample is not None:
            parse(json.dumps(sample).encode())  # a consumer can read what the SQL wrote
        return elapsed, counts.written, counts.emitted
    finally:
        clock.reset()
        await engine.dispose()


def _lines(kind: str, n: int, tag: str) -> bytes:
    out = []
    for i in range(n):
        if kind == "reconsideration":
            record = {
                "external_id": f"{tag}-{i}",
                "unit_code": f"SJ-2101{2 + i % 13:02d}",
                "domain": "食品安全",
                "outcome": ("revoked", "upheld", "changed", "dismissed")[i % 4],
                "decided_on": "2026-08-18",
            }
        else:
            record = {
                "external_id": f"{tag}-{i}",
                "unit_code": f"SJ-2101{2 + i % 13:02d}",
                "domain": "食品安全",
                "category": "执法态度",
                "text": "反映执法人员多次检查影响经营，请求核查",
                "received_at": "2026-08-05T09:30:00+08:00",
            }
            if i % 2 == 0:
                record["uscc"] = USCCS[i % len(USCCS)]
        out.append(json.dumps(record, ensure_ascii=False).encode())
    return b"\n".join(out) + b"\n"


def _usccs(n: int) -> list[str]:
    from stdnum.cn import uscc

    bodies = [f"91210102MA{i:07d}" for i in range(n)]
    return [b + uscc.calc_check_digit(b) for b in bodies]


USCCS = _usccs(20_000)


def _intake(url: str, kind: str, path: str, client_name: str, n: int, runs: int) -> list[float]:
    token = mint_dev_token("integration", f"bench-{client_name}", 3600, client=client_name)
    times = []
    with httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"}) as http:
        for run in range(runs):
            body = _lines(kind, n, f"{kind}-{run}")
            started = time.perf_counter()
            r = http.post(f"/api/v1/risk/intake/{path}/bulk", content=body)
            assert r.status_code == 202, r.text[:500]  # over 1 MiB: a job, processed by the worker
            report = r.json()
            while report["state"] not in ("done", "failed"):
                time.sleep(0.05)
                report = http.get(r.headers["location"]).json()
            times.append(time.perf_counter() - started)
            assert report["stored"] == n and report["rejected"] == 0, report
    return times


def run(quick: bool = False) -> str:
    n = 100_000 if quick else 1_000_000
    lines = 10_000 if quick else 100_000
    runs = 1 if quick else 3
    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-risk-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    pg.start()
    try:
        pg.psql('CREATE DATABASE "bench_risk"')
        url = pg.dsn("bench_risk", driver="postgresql+asyncpg")
        migrate.upgrade("risk", url)
        started = time.perf_counter()
        penalties = asyncio.run(_generate(url, n))
        generated = time.perf_counter() - started
        firsts, reruns, laters = [], [], []
        for _ in range(runs):
            firsts.append(asyncio.run(_classify(url, reset=True)))
            reruns.append(asyncio.run(_classify(url)))
            laters.append(asyncio.run(_classify(url, days_later=30)))

        port = free_port()
        service = start(
            [PY, "-m", "zhifa.cli", "serve", "risk", "--port", str(port)],
            env={
                "ZHIFA_ENV": "dev",
                "ZHIFA_LOG_LEVEL": "WARNING",
                "ZHIFA_RISK_DATABASE_URL": url,
                "ZHIFA_RISK_DAILY_JOB_ENABLED": "false",
                "ZHIFA_RISK_INTAKE_JOB_INTERVAL_S": "0.05",
                "ZHIFA_NATS_URL": "nats://127.0.0.1:1",  # no NATS: the API works, the outbox waits
            },
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", 60)
            base = f"http://127.0.0.1:{port}"
            recon = _intake(base, "reconsideration", "reconsideration", "reconsideration", lines, runs)
            complaints = _intake(base, "complaint", "complaints", "12345", lines, runs)
        finally:
            stop(service)
    finally:
        pg.stop("fast")
    first_t = median([t for t, _, _ in firsts])
    rerun_t = median([t for t, _, _ in reruns])
    later_t = median([t for t, _, _ in laters])
    signals = sum(int(n * share) for share in MIX.values())
    rows: list[Any] = [
        "## Risk: enterprise reclassification and bulk intake",
        "",
        f"Reclassification of **{n:,} generated enterprises** with {signals:,} signal rows (penalties "
        f"{int(n * MIX['penalties']):,} of which {penalties:,} carry class points, publications, violations, "
        "12345 complaints, repairs; generated by SQL in "
        f"{generated:.0f} s), embedded PostgreSQL 18 with durable settings, one statement per run "
        "(`services/risk/domain/classes.py` `classification_upsert_ctes` + the outbox insert in "
        "`services/risk/repository/classes.py`): score every enterprise, write only the changed classes, and insert one "
        "`risk.enterprise.classified` outbox row per class change with `INSERT ... SELECT` (envelope built in "
        f"SQL, parsed back with `services.common.inbox.parse`). Medians of {runs} run(s).",
        "",
        "| run | seconds | classes written | events |",
        "|---|---:|---:|---:|",
        f"| first classification (every enterprise new) | {first_t:.1f} | {firsts[0][1]:,} | {firsts[0][2]:,} |",
        f"| same day again (nothing changed) | {rerun_t:.1f} | {reruns[0][1]:,} | {reruns[0][2]:,} |",
        f"| 30 days later (points decayed) | {later_t:.1f} | {laters[0][1]:,} | {laters[0][2]:,} |",
        "",
        f"Floor: 1,000,000 enterprises in ≤ 60 s. All runs (s): first {', '.join(f'{t:.1f}' for t, _, _ in firsts)}; "
        f"again {', '.join(f'{t:.1f}' for t, _, _ in reruns)}; later {', '.join(f'{t:.1f}' for t, _, _ in laters)}.",
        "",
        f"Bulk intake of **{lines:,} NDJSON lines** in one `POST /api/v1/risk/intake/<kind>/bulk` to `zhifa serve risk`"
        " (HTTP, token check; over 1 MiB, so the body is kept in 1 MiB pieces and answered 202, and the worker of the"
        " same process parses it line by line with strict per-line validation, in batches of 5,000 lines, one"
        " transaction each: `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`). Timed from the POST to"
        " the status reading `done` (polled every 50 ms). Complaints name an enterprise on every other line"
        " (20,000 distinct): those enterprises are registered and reclassified batch by batch."
        f" Medians of {runs} run(s), fresh external ids each run.",
        "",
        "| kind | seconds | lines/s |",
        "|---|---:|---:|",
        f"| reconsideration outcomes | {median(recon):.1f} | {lines / median(recon):,.0f} |",
        f"| 12345 complaint leads | {median(complaints):.1f} | {lines / median(complaints):,.0f} |",
    ]
    if os.environ.get("ZHIFA_BENCH_KEEP"):
        rows.append(f"\n(data kept in {root})")
    return "\n".join(rows)


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
