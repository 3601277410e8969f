"""Assessment engine throughput: pure ``assess`` calls over the sample catalogue in one process.

The workload is a fixed, seeded mix of fact patterns over every sample item (organisations and persons,
bases present or missing, circumstances, escalations, first offences, dates either side of the 2026
benchmark revisions so that 从旧兼从轻 evaluates two versions). Quality bar (SPEC §8): ≥ 5,000 assessments/s.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_assessment.py`; appended, so that a
    sys.path.append(str(ROOT))  # baseline tree on PYTHONPATH (bench.baseline) is the one imported

from services.common.errors import DomainError  # noqa: E402
from services.penalty.domain import catalogue as cat  # noqa: E402
from services.penalty.domain import discretion as d  # noqa: E402

TARGET_PER_SECOND = 5_000
ISSUE_TARGET_PER_SECOND = 20_000  # issue #16 item 3, per process


def _machine() -> str:
    try:
        from bench.common import machine

        return machine()
    except ImportError:
        return f"{platform.platform()}, {platform.machine()}, Python {platform.python_version()}"


def workload(
    catalogue: cat.Catalogue, size: int, seed: int = 20260401
) -> list[tuple[d.Facts, tuple[cat.BenchmarkVersion, ...]]]:
    """A deterministic mix of valid cases (cases the engine would refuse are dropped)."""
    rng = random.Random(seed)
    codes = sorted(catalogue.items)
    cases: list[tuple[d.Facts, tuple[cat.BenchmarkVersion, ...]]] = []
    while len(cases) < size:
        code = rng.choice(codes)
        versions = catalogue.versions(code)
        party = rng.choice(sorted(versions[0].party_types))
        violation = date(2024, 3, 1) + timedelta(days=rng.randrange(0, 760))
        decision = violation + timedelta(days=rng.randrange(0, 240))
        bases = {}
        for base in (cat.BaseKind.GOODS_VALUE, cat.BaseKind.ADVERTISING_FEES, cat.BaseKind.ILLEGAL_GAINS):
            if rng.random() < 0.8:
                bases[base] = rng.randrange(0, 5_000_000) * 100
        facts = d.Facts(
            violation_date=violation,
            decision_date=decision,
            party_type=party,
            harm=rng.choice(d.HARM_ORDER),
            correction=rng.choice(d.CORRECTION_ORDER),
            first_offence=rng.random() < 0.3,
            minor_violation=rng.random() < 0.1,
            base_amounts=bases,
            enterprise=party is cat.PartyType.ORGANISATION and rng.random() < 0.8,
            age_years=rng.choice([None, None, None, 16, 35]) if party is cat.PartyType.INDIVIDUAL else None,
            mitigations=frozenset(rng.sample(list(d.Mitigation), rng.choice([0, 0, 1, 2]))),
            aggravations=frozenset(rng.sample(list(d.Aggravation), rng.choice([0, 0, 0, 1]))),
            statutory_serious=rng.random() < 0.15,
            complex_case=rng.random() < 0.05,
        )
        try:
            d.assess(facts, versions, today=decision)
        except DomainError:
            continue
        cases.append((facts, versions))
    return cases


def _time_once(cases: list[tuple[d.Facts, tuple[cat.BenchmarkVersion, ...]]]) -> float:
    assess = d.assess
    started = time.perf_counter()
    for facts, versions in cases:
        assess(facts, versions, today=facts.decision_date)
    return time.perf_counter() - started


def engine_rates(size: int, repetitions: int) -> dict[str, object]:
    """Assessments/s of the engine imported here (this tree, or a baseline's on PYTHONPATH)."""
    import services

    catalogue = cat.parse_json((ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8"))
    cases = workload(catalogue, size)
    _time_once(cases[: min(500, size)])  # warm-up
    return {"code": services.__file__, "rates": [size / _time_once(cases) for _ in range(repetitions)]}


_PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("bench_assessment_probe", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(module.engine_rates(int(sys.argv[2]), int(sys.argv[3]))))
"""


def engine_rates_in(code: Path | None, size: int, repetitions: int) -> list[float]:
    """``engine_rates`` in a fresh interpreter running ``code`` (None: this tree), same workload."""
    from bench import baseline

    out = subprocess.run(
        [sys.executable, "-c", _PROBE, __file__, str(size), str(repetitions)],
        capture_output=True,
        text=True,
        check=True,
        env=baseline.env(code),
        cwd=str(code or ROOT),
    )
    result = json.loads(out.stdout)
    expected = (code or ROOT) / "services" / "__init__.py"
    if Path(result["code"]).resolve() != expected.resolve():
        raise RuntimeError(f"measured {result['code']}, expected {expected}")
    return [float(r) for r in result["rates"]]


def engine_comparison(size: int, rounds: int, per_round: int) -> tuple[str, list[float], list[float]]:
    """The baseline's engine and this one, alternating round by round in the same run."""
    from bench import baseline

    ref = baseline.commit()
    old_code = baseline.tree(ref) if ref else None
    old: list[float] = []
    new: list[float] = []
    for _ in range(rounds):
        if old_code is not None:
            old += engine_rates_in(old_code, size, per_round)
        new += engine_rates_in(None, size, per_round)
    return ref or "", old, new


async def _service_path(
    cases: list[tuple[d.Facts, tuple[cat.BenchmarkVersion, ...]]], url: str
) -> tuple[float, float, float]:
    """The stateless what-if use case in-process: revision read + cached snapshot + engine + response model."""
    from services.common import clock
    from services.common.db import create_engine, session_factory, transaction
    from services.penalty import schemas, views
    from services.penalty.settings import PenaltyContext, PenaltySettings
    from services.penalty.use_cases import assessment, catalogue

    engine = create_engine(url, pool_size=1)
    factory = session_factory(engine)
    ctx = PenaltyContext.from_settings(PenaltySettings(database_url=url))
    try:
        async with transaction(factory) as session:
            published = cat.parse_json(
                (ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8")
            )
            await catalogue.install_catalogue(session, catalogue=published, actor="bench")
        today = clock.today()
        bodies = []
        for facts, versions in cases:
            if facts.decision_date > today or facts.violation_date > today:
                continue
            bodies.append(
                (
                    versions[0].code,
                    schemas.AssessRequest(
                        violation_date=facts.violation_date,
                        decision_date=max(facts.decision_date, facts.violation_date),
                        party_type=facts.party_type,
                        harm=facts.harm,
                        correction=facts.correction,
                        base_amounts=dict(facts.base_amounts),
                        mitigations=list(facts.mitigations),
                        aggravations=list(facts.aggravations),
                    ),
                )
            )
        started = time.perf_counter()
        async with transaction(factory) as session:
            await catalogue.snapshot(session, ctx)  # the one parse per catalogue revision
        parse_ms = (time.perf_counter() - started) * 1000
        done = 0
        started = time.perf_counter()
        for code, body in bodies:
            async with transaction(factory) as session:  # one transaction per request, as the edge opens
                try:
                    await assessment.assess_what_if(session, code=code, body=body, ctx=ctx)
                    done += 1
                except DomainError:
                    pass
        with_db = done / (time.perf_counter() - started)
        done = 0
        started = time.perf_counter()
        async with transaction(factory) as session:
            snapshot = await catalogue.snapshot(session, ctx)
        for code, body in bodies:
            facts = assessment.facts_of(body, party_type=body.party_type, enterprise=False, today=today)
            try:
                views.assessment_read(d.assess(facts, snapshot.of(code), today=today, config=snapshot.config))
                done += 1
            except DomainError:
                pass
        without_db = done / (time.perf_counter() - started)
        return parse_ms, with_db, without_db
    finally:
        await engine.dispose()


def service_path(cases: list[tuple[d.Facts, tuple[cat.BenchmarkVersion, ...]]]) -> tuple[float, float, float]:
    import asyncio
    import tempfile

    from services.common import migrate
    from services.common.embedded import EmbeddedPostgres, free_port

    root = Path(tempfile.mkdtemp(prefix="zhifa-bench-assess-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=False)
    pg.start()
    try:
        pg.psql('CREATE DATABASE "assess"')
        url = pg.dsn("assess", driver="postgresql+asyncpg")
        migrate.upgrade("penalty", url)
        return asyncio.run(_service_path(cases, url))
    finally:
        pg.stop("immediate")


def run(quick: bool = False) -> str:
    """Time the engine and return a Markdown section for docs/benchmarks.md."""
    catalogue = cat.parse_json((ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8"))
    size = 2_000 if quick else 10_000
    repetitions = 2 if quick else 3  # per round
    cases = workload(catalogue, size)
    two_versions = sum(
        1
        for facts, versions in cases
        if len(
            {
                v.version
                for v in versions
                if v.status is cat.Status.PUBLISHED
                and (v.in_force_on(facts.act_date) or v.in_force_on(facts.decision_date))
            }
        )
        == 2
    )
    outcomes: dict[str, int] = {}
    for facts, versions in cases:
        outcome = d.assess(facts, versions, today=facts.decision_date).outcome.value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    from bench import baseline

    load_before = baseline.load()
    ref, old_rates, rates = engine_comparison(size, 1 if quick else 3, repetitions)
    load_after = baseline.load()
    service_rates = service_path(cases[: 1_000 if quick else 3_000])
    median = statistics.median(rates)
    verdict = "meets" if median >= TARGET_PER_SECOND else "MISSES"
    issue_verdict = "meets" if median >= ISSUE_TARGET_PER_SECOND else "MISSES"

    def row(label: str, values: list[float]) -> str:
        m = statistics.median(values)
        runs = ", ".join(f"{v:,.0f}" for v in values)
        return f"| {label} | {m:,.0f} | {1e6 / m:,.1f} | {max(values):,.0f} | {min(values):,.0f} | {runs} |"

    engine_rows = [
        "| code | median assessments/s | µs per assessment | best | worst | runs |",
        "|---|---:|---:|---:|---:|---|",
    ]
    if old_rates:
        engine_rows.append(row(f"before (`{ref}`)", old_rates))
    engine_rows.append(row("after (this tree)" if old_rates else "this tree", rates))
    comparison = (
        f"After / before (medians): {median / statistics.median(old_rates):.2f}×. "
        if old_rates
        else "(Set `ZHIFA_BENCH_BASELINE=<commit>` to measure that commit's engine alternately in the same run.) "
    )
    mix = ", ".join(f"{k} {v / size:.0%}" for k, v in sorted(outcomes.items()))
    return "\n".join(
        [
            "## Assessment engine",
            "",
            f"Machine: {_machine()}; `os.cpu_count()` = {__import__('os').cpu_count()}.",
            "",
            f"`services.penalty.domain.discretion.assess` over {size:,} seeded cases spread across the "
            f"{len(catalogue.items)} sample items ({two_versions / size:.0%} evaluate two versions for 从旧兼从轻), "
            f"one process (a fresh interpreter per round, warm-up first), rounds alternating between the "
            f"baseline and this tree. Outcome mix: {mix}. Load average (1/5/15 min) {load_before} before, "
            f"{load_after} after.",
            "",
            *engine_rows,
            "",
            comparison + f"Target ≥ {TARGET_PER_SECOND:,} assessments/s (SPEC §8): {verdict} it by "
            f"{median / TARGET_PER_SECOND:.1f}×; issue #16 ≥ {ISSUE_TARGET_PER_SECOND:,}/s per process: "
            f"{issue_verdict} it ({median / ISSUE_TARGET_PER_SECOND:.2f}×). The engine keeps per benchmark version "
            "what depends only on the version (`discretion/compiled.py`: citations, labels, tier shares and "
            "notes, kinds, version-only sentences) and the formatted yuan amounts (`wording.yuan`).",
            "",
            "Through the service layer, in-process (`use_cases.assessment.assess_what_if`, what `POST /benchmarks/{code}/assess` "
            "runs; published versions are parsed once per catalogue revision into an in-process snapshot, each call "
            "reads only the revision counter):",
            "",
            "| path | assessments/s |",
            "|---|---:|",
            f"| engine + response model on the cached snapshot | {service_rates[2]:,.0f} |",
            f"| the same in one PostgreSQL transaction per call (revision read) | {service_rates[1]:,.0f} |",
            "",
            f"Parsing the published catalogue into a snapshot (once per revision): {service_rates[0]:.1f} ms.",
        ]
    )


if __name__ == "__main__":
    print(run())
