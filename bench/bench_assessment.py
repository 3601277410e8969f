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
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python bench/bench_assessment.py`; appended, so that a
    sys.path.append(str(ROOT))  # baseline tree on PYTHONPATH (bench.baseline) is the one imported

from services.common.errors import DomainError  # noqa: E402
from services.penalty.domain import catalogue as cat  # noqa: E402
from services.penalty.domain import discretion as d  # noqa: E402

if TYPE_CHECKING:
    from bench.assess_http import Measured

TARGET_PER_SECOND = 5_000
ISSUE_TARGET_PER_SECOND = 20_000  # issue #16 item 3, per process
HTTP_TARGET_PER_SECOND = 3_000  # issue #16 item 3, POST /benchmarks/{code}/assess


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


def _time_once(
    cases: list[tuple[d.Facts, tuple[cat.BenchmarkVersion, ...]]],
    timer: Callable[[], float] = time.perf_counter,
) -> float:
    assess = d.assess
    started = timer()
    for facts, versions in cases:
        assess(facts, versions, today=facts.decision_date)
    return timer() - started


def engine_rates(size: int, repetitions: int) -> dict[str, object]:
    """Assessments/s of the engine imported here (this tree, or a baseline's on PYTHONPATH)."""
    import services

    catalogue = cat.parse_json((ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8"))
    cases = workload(catalogue, size)
    _time_once(cases[: min(500, size)])  # warm-up
    # CPU seconds of this process: on the shared machine wall time mostly measures the others' load.
    rates = [size / _time_once(cases, time.process_time) for _ in range(repetitions)]
    return {"code": services.__file__, "rates": rates}


def engine_digest(size: int) -> dict[str, object]:
    """SHA-256 of every assessment's ``repr`` over ``size`` seeded cases: two engines that agree byte for byte
    (outcome, amounts, flags, every step's text and citations) give the same digest."""
    import hashlib

    import services

    catalogue = cat.parse_json((ROOT / "data" / "sample" / "benchmarks.json").read_text(encoding="utf-8"))
    h = hashlib.sha256()
    for facts, versions in workload(catalogue, size):
        h.update(repr(d.assess(facts, versions, today=facts.decision_date)).encode())
    return {"code": services.__file__, "digest": h.hexdigest()}


_PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("bench_assessment_probe", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
if sys.argv[3] == "digest":
    print(json.dumps(module.engine_digest(int(sys.argv[2]))))
else:
    print(json.dumps(module.engine_rates(int(sys.argv[2]), int(sys.argv[3]))))
"""


def engine_rates_in(code: Path | None, size: int, repetitions: int) -> list[float]:
    """``engine_rates`` in a fresh interpreter running ``code`` (None: this tree), same workload."""
    return [float(r) for r in _probe(code, size, str(repetitions))["rates"]]  # type: ignore[attr-defined]


def engine_digest_in(code: Path | None, size: int) -> str:
    """``engine_digest`` in a fresh interpreter running ``code`` (None: this tree)."""
    return str(_probe(code, size, "digest")["digest"])


def _probe(code: Path | None, size: int, what: str) -> dict[str, object]:
    from bench import baseline

    out = subprocess.run(
        [sys.executable, "-c", _PROBE, __file__, str(size), what],
        capture_output=True,
        text=True,
        check=True,
        env=baseline.env(code),
        cwd=str(code or ROOT),
    )
    result = json.loads(out.stdout)
    expected = (code or ROOT) / "services" / "__init__.py"
    if Path(str(result["code"])).resolve() != expected.resolve():
        raise RuntimeError(f"measured {result['code']}, expected {expected}")
    return dict(result)


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


def http_comparison(ref: str, quick: bool) -> list[tuple[str, Measured]]:
    """Rounds of wrk against the route in every shape, alternating the baseline's code and this tree's."""
    from bench import baseline
    from bench.assess_http import SHAPES, Stack  # not in a baseline's tree: imported here, not by the probe

    rounds, seconds = (1, 4) if quick else (3, 8)
    out: list[tuple[str, Measured]] = []
    with Stack() as stack:
        for _ in range(rounds):
            for shape in SHAPES:
                if ref:
                    label = f"before (`{ref}`)"
                    out += [(label, m) for m in stack.round(baseline.tree(ref), shape, seconds=seconds)]
                label = "after (this tree)" if ref else "this tree"
                out += [(label, m) for m in stack.round(None, shape, seconds=seconds)]
    return out


def http_section(rounds: list[tuple[str, Measured]]) -> list[str]:
    from bench.assess_http import PATH, SHAPES

    labels = list(dict.fromkeys(label for label, _ in rounds))
    rows = [
        "| shape | path | connections | code | median requests/s | runs | p50 ms | p99 ms | CPU ms per request "
        "| wrk CPU ms per request | errors | load (1/5/15) |",
        "|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    Key = tuple[str, str, int, str]
    medians: dict[Key, float] = {}
    cpu: dict[Key, float] = {}
    wrk_cpu: dict[Key, float] = {}
    keys = list(dict.fromkeys((m.shape, m.path, m.connections) for _, m in rounds))
    for shape, path, connections in keys:
        for label in labels:
            mine = [
                m
                for lab, m in rounds
                if lab == label and (m.shape, m.path, m.connections) == (shape, path, connections)
            ]
            key = (shape, path, connections, label)
            medians[key] = statistics.median(m.result.rps for m in mine)
            cpu[key] = statistics.median(m.cpu_ms for m in mine)
            wrk_cpu[key] = statistics.median(m.wrk_cpu_ms for m in mine)
            rows.append(
                f"| {shape} | {'service directly' if path == 'direct' else 'through the gateway'} | {connections} "
                f"| {label} | {medians[key]:,.0f} | {', '.join(f'{m.result.rps:,.0f}' for m in mine)} "
                f"| {statistics.median(m.result.p50_ms for m in mine):.1f} "
                f"| {statistics.median(m.result.p99_ms for m in mine):.1f} | {cpu[key]:.2f} | {wrk_cpu[key]:.2f} "
                f"| {sum(m.result.errors for m in mine)} | {'; '.join(m.load for m in mine)} |"
            )
    after = labels[-1]
    ratios = ""
    if len(labels) == 2:
        ratios = (
            "After / before (medians), requests/s and CPU per request: "
            + "; ".join(
                f"{shape}, {path}, {c} connections {medians[shape, path, c, after] / medians[shape, path, c, labels[0]]:.2f}× "
                f"and {cpu[shape, path, c, after] / cpu[shape, path, c, labels[0]]:.2f}×"
                for shape, path, c in keys
            )
            + " (on the shared machine requests/s mostly follow the others' load; CPU per request does not). "
        )
    verdicts = []
    for path, words in (("direct", "directly to the service"), ("gateway", "through the gateway")):
        rate, (shape, _, c, _) = max((medians[k], k) for k in medians if k[1] == path and k[3] == after)
        runs = [
            m.result.rps
            for lab, m in rounds
            if lab == after and (m.shape, m.path, m.connections) == (shape, path, c)
        ]
        verdicts.append(
            f"{words} {'met' if rate >= HTTP_TARGET_PER_SECOND else 'NOT met'} (best median {rate:,.0f}/s: "
            f"{shape}, {c} connections; its runs {min(runs):,.0f}–{max(runs):,.0f})"
        )
    budget = []
    for shape, path, c in keys:
        key = (shape, path, c, after)
        total = cpu[key] + wrk_cpu[key]
        budget.append(
            f"{shape}, {path}, {c} connections: {cpu[key]:.2f} + {wrk_cpu[key]:.2f} (wrk) = {total:.2f} ms, "
            f"at most ~{2000 / total:,.0f}/s on two free cores"
        )
    one, production = SHAPES[0], SHAPES[1]
    c0 = production.connections[0]
    gateway_ms = cpu[production.name, "gateway", c0, after] - cpu[production.name, "direct", c0, after]
    return [
        "",
        f"Over HTTP (`{PATH.format(code='{code}')}`, `bench/assess_http.py`): the penalty service and the gateway "
        "on a PostgreSQL with the sample catalogue, wrk (2 threads) rotating 2,000 seeded bodies (a supervisor's "
        "token), directly to the service and through the gateway, in two shapes: "
        f"**{one.name}** (`zhifa serve penalty` and `zhifa serve gateway`, as `make run` starts them) and "
        f"**{production.name}**, production's shape on two cores: penalty's API as two processes "
        "(`--role api`) sharing one listening socket as uvicorn's `--workers` do (the kernel gives each "
        "connection to the process that accepts it), a `--role worker` process, and the gateway as two "
        "processes the same way (the prod overlay keeps at least two replicas of every API Deployment and of "
        "the gateway: deploy/k8s/overlays/prod; KEDA keeps two workers, which on this route only idle). Every "
        "process is built, heap-frozen and served as `zhifa serve` does it (`assess_http.PROCESSES`). Rounds "
        "alternate the baseline's processes and this tree's, shape by shape; "
        f"{seconds_note(rounds)}. CPU ms per request: every process of the service and the gateway together "
        "over the run (on the direct path the gateway only idles); wrk's CPU is its own column.",
        "",
        *rows,
        "",
        ratios + f"Issue #16 asks ≥ {HTTP_TARGET_PER_SECOND:,}/s over HTTP: " + "; ".join(verdicts) + ". "
        "What two cores allow, from this run's CPU per request (the processes', then wrk's; PostgreSQL, NATS "
        "and the other tenants of the machine not counted): "
        + "; ".join(budget)
        + f". The gateway adds {gateway_ms:.2f} ms per request (production's shape, {c0} connections: the "
        "gateway path's CPU less the direct path's). The machine's other tenants take their share of the two "
        "cores, and a round's requests/s follows them (its CPU per request much less).",
        "",
        "The what-if no longer touches the database between "
        "rereads of the catalogue revision (at most every `catalogue_recheck_seconds`, 1 s), the response is "
        "serialised once by pydantic-core, the context dependency no longer hops to the thread pool and the "
        "router remembers the templated paths it matched; it opens no database session at all between rereads "
        "(`deps.SessionOpenerDep`: the edge has nothing to commit or close) and its response is serialised "
        "by pydantic-core straight from the view's plain data, without the read models (`views.assessment_json`; "
        "the JSON is identical). Its common request (a JSON body the model accepts) is served through the "
        "kernel's hot route (`services/common/hot.py`: the endpoint's dependencies called in order, without "
        "FastAPI's dependency solving; every refusal FastAPI's), reached without FastAPI's route scan "
        "(`services/common/dispatch.py`: matched by method and path behind the kernel's request-target checks, "
        "then the route's own app, skipping the health, kernel and audit routes tried first and the nested "
        "routers' re-matching), every response of every route leaves in one "
        "socket write instead of two (`services/common/httpserver.py` `HeldHeadCycle`), and the edge runs its "
        "NUL pattern only on a body holding the NUL byte or the text `\\u0000` (`edge.has_nul`: the pattern "
        "costs ~50 ns a byte, ~20 µs on a what-if's body; the edge's own CPU per request 26.7 → 10.2 µs). "
        "Where the rest of a request's time goes (the kernel's edge, FastAPI's routing, uvicorn, the socket): "
        "[benchmarks/assess-http-profile.md](benchmarks/assess-http-profile.md).",
    ]


def seconds_note(rounds: list[tuple[str, Measured]]) -> str:
    per_code = len({label for label, _ in rounds}) or 1
    shapes_keys = len({(m.shape, m.path, m.connections) for _, m in rounds}) or 1
    return f"{len(rounds) // per_code // shapes_keys} round(s) per code, each wrk run after a 2 s warm-up"


DIGEST_SIZE = 80_000


def identity_line(ref: str, size: int) -> str:
    """Whether the baseline's engine and this one answer the same ``size`` seeded cases byte for byte."""
    from bench import baseline

    new = engine_digest_in(None, size)
    if not ref:
        return f"SHA-256 of the {size:,} seeded assessments' `repr`: `{new[:16]}…` (no baseline to compare)."
    old = engine_digest_in(baseline.tree(ref), size)
    verdict = "identical" if old == new else "DIFFERENT"
    return (
        f"Results over {size:,} seeded assessments (`engine_digest`: SHA-256 of every assessment's `repr`, "
        f"outcome, amounts, flags, each step's text and citations): before `{old[:16]}…`, after "
        f"`{new[:16]}…`: {verdict}."
    )


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
    identity = identity_line(ref, DIGEST_SIZE // 10 if quick else DIGEST_SIZE)
    http_rounds = http_comparison(ref, quick)
    median = statistics.median(rates)
    verdict = "meets" if median >= TARGET_PER_SECOND else "MISSES"
    issue_verdict = "meets" if median >= ISSUE_TARGET_PER_SECOND else "MISSES"

    def row(label: str, values: list[float]) -> str:
        m = statistics.median(values)
        runs = ", ".join(f"{v:,.0f}" for v in values)
        return f"| {label} | {m:,.0f} | {1e6 / m:,.1f} | {max(values):,.0f} | {min(values):,.0f} | {runs} |"

    engine_rows = [
        "| code | median assessments per CPU second | CPU µs per assessment | best | worst | runs |",
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
            f"one process (a fresh interpreter per round, warm-up first), timed in CPU seconds of the process "
            f"(`time.process_time`: the machine is shared, wall time would mostly measure the others' load), "
            f"rounds alternating between the "
            f"baseline and this tree. Outcome mix: {mix}. Load average (1/5/15 min) {load_before} before, "
            f"{load_after} after.",
            "",
            *engine_rows,
            "",
            identity,
            "",
            comparison + f"Target ≥ {TARGET_PER_SECOND:,} assessments/s (SPEC §8): {verdict} it by "
            f"{median / TARGET_PER_SECOND:.1f}×; issue #16 ≥ {ISSUE_TARGET_PER_SECOND:,}/s per process: "
            f"{issue_verdict} it ({median / ISSUE_TARGET_PER_SECOND:.2f}×). The engine keeps per benchmark version "
            "what depends only on the version (`discretion/compiled.py`: citations, labels, tier shares and "
            "notes, kinds, version-only sentences; the basis step of a fixed range; the amount step per range, "
            "tier and lighter kind under the jurisdiction's config; the kinds step's wording per set of kinds "
            "proposed), the formatted yuan amounts and dates (`wording.yuan`, `wording.cn`, "
            "`wording.years_later`), the constant citations and steps as module constants, and its frozen "
            "result types fill their slots through the slot descriptors (`result._slot_init`) instead of "
            "`object.__setattr__` per field (a tenth of the time before).",
            "",
            *http_section(http_rounds),
        ]
    )


if __name__ == "__main__":
    print(run())
