"""bench_memory's paragraphs on this round (stop 28, issue #16 item 5): uvicorn without its command line, measured
before and after in the same run; what a `--role all` process holds beyond its api and worker roles; and the
round before's (stop 27: `python -OO` for the libraries), whose figures are kept as measured then."""

from __future__ import annotations

from bench.common import median

#: The target, and the margin aimed at below it: a process's idle RSS drifts ±2 MiB between runs.
TARGET = 100.0
MARGIN = 97.0


def paragraph(
    shapes: list[tuple[str, list[dict[str, float]], list[dict[str, float]]]],
    baseline: str | None,
    tops: dict[str, tuple[float, list[tuple[str, float]]]],
) -> list[str]:
    """This round's paragraph: what importing uvicorn without its command line gave each process in each shape
    (``shapes``: name, before's and after's samples; medians, after minus before), which processes are over the
    target and above the margin, what `--role all` holds beyond its roles, and the heap's top files; then the
    round before's."""

    def change(before: list[dict[str, float]], after: list[dict[str, float]]) -> str:
        names = sorted({n for s in after for n in s if " " not in n and n != "load"})
        cells = []
        for n in names:
            old, new = [s[n] for s in before if n in s], [s[n] for s in after if n in s]
            if old and new:
                cells.append(f"{n} {median(old):.1f} → {median(new):.1f} ({median(new) - median(old):+.1f})")
        loads = [s["load"] for s in [*before, *after] if "load" in s]
        return ", ".join(cells) + (f" (load {min(loads):.1f}–{max(loads):.1f})" if loads else "")

    def margin(after: list[dict[str, float]]) -> str:
        names = sorted({n for s in after for n in s if " " not in n and n != "load"})
        rss = {n: median([s[n] for s in after if n in s]) for n in names}
        over = [f"{n} {v:.1f}" for n, v in rss.items() if v > TARGET]
        above = [f"{n} {v:.1f}" for n, v in rss.items() if v > MARGIN]
        return (
            (f"over {TARGET:.0f} MiB: {', '.join(over)}" if over else f"every process ≤ {TARGET:.0f} MiB")
            + "; "
            + (
                f"above {MARGIN:.0f} MiB: {', '.join(above)}"
                if above
                else f"every process ≤ {MARGIN:.0f} MiB"
            )
        )

    lines = [
        "This round (stop 28): every process imports uvicorn without its command line (services/common/lazy.py",
        "`import_uvicorn`, called by the kernel package like `import_nats`): uvicorn's package re-exports `run`",
        "and `main` from `uvicorn.main`, which imports click and the reloader's and workers' supervisors (with",
        "`multiprocessing`), while a process of the platform runs `uvicorn.Server` itself",
        "(services/common/listeners.py); a stand-in `uvicorn.main` gives the package `uvicorn.server.Server`",
        "and loads the real module when `run`, `main` or any other of its names is first used",
        "(tests/common/test_lazy_imports.py; click and `uvicorn.supervisors` are in `lazy.HEAVY`). In a fresh",
        'interpreter (penalty, `create_app(role="all")` and uvicorn\'s imports, `-OO`, 3 runs each way, load',
        "~6): 95.3–95.4 → 94.4–94.5 MiB, 996 → 971 modules.",
    ]
    if baseline:
        lines += [
            f"Idle RSS, MiB, median, {baseline} → this tree in the same run (alternating; uvicorn's command line",
            "is the one change to the processes' code):",
            *(f"{name}: {change(before, after)}; {margin(after)}." for name, before, after in shapes),
        ]
    lines += [
        "What a `--role all` process holds beyond its api and worker roles (penalty, measured this round on",
        "one `zhifa up`: copies of its process started beside it with the same environment in each role, the",
        "first requests, 12 s idle; two runs, load 6.6–7.2): RSS all 101.4, api 98.8, worker 97.0 MiB. After",
        "`create_app()` the `all` and `api` processes have loaded the same 993 modules (penalty's app imports",
        "its consumers and jobs in every role: the api's dead-letter retry handles the event there), the",
        "worker 27 fewer (the routes, deps.py and their schemas); none of the PDF, xlsx, image or template",
        "libraries (`lazy.HEAVY`) is loaded in any role, neither at start nor after the sample data's events and",
        "the jobs' first rounds: what a running process imports late is uvicorn's loop and lifespan, uvloop,",
        "FastAPI's telemetry runtime and (`all`, worker) `_strptime`. Python objects added between `gc.freeze()`",
        "(after `create_app()`) and idle (tracemalloc, 16 frames): all +3.6 MiB, api +1.4, worker +3.3; the",
        "worker's part, by the innermost frame of the platform: SQLAlchemy's ORM compilation of the jobs' and",
        "consumers' first queries (annotated columns 0.5 MiB, memoized attributes and loader strategies 0.3),",
        "uvicorn's connections and the requests served 0.4, the relay, the consumers' fetch loops and the",
        "partitions and checkpoint jobs ≤ 0.1 each; the compiled SQL caches ≤ 0.1. The pool holds 10",
        "connections at idle (the jobs' first rounds run together at start), but a pool of 2 leaves the RSS",
        "as it is (101.3 against 101.5 and 101.3 against 101.2 MiB, two runs). So what `all` holds beyond `api`",
        "is the worker's own work, no module loaded for nothing; lazier routers or ORM classes (a second way of",
        "wiring each service) stay not done. Library modules a process loads and does not use, measured the",
        "same way: uvicorn's command line (adopted above); pydantic-settings' command-line source (its package",
        "imports it), `importlib.metadata` with `zipfile` and `csv` (nats-py reads its own version at import,",
        "OpenTelemetry its entry points), `html.entities` (Starlette's error page), `urllib.request`",
        "(prometheus-client): each ≤ 0.3 MiB by the size of its code, and reachable only by stubbing a",
        "library's module: not done.",
    ]
    for label, (total, top) in tops.items():
        lines.append(
            f"The ten files whose frames allocated most of {label}'s {total:.1f} MiB of Python objects after"
            " `create_app()` and uvicorn's imports (tracemalloc, one frame, as served): "
            + "; ".join(f"{name} {size:.2f}" for name, size in top)
            + "."
        )
    return lines + STOP_27


#: The round before's paragraph (stop 27), with the figures measured then (1eb11b1 → 40cf59f's code).
STOP_27 = [
    "",
    "The round before (stop 27): every `zhifa serve` process (gateway, api, worker; `zhifa up`'s too)",
    "relaunches itself as `python -OO` before it imports the platform (zhifa/__main__.py, zhifa/optimize.py:",
    "`os.execv`, same pid and environment, the same command line with `-OO`): the libraries' code objects",
    "carry no docstrings and no asserts, while the platform's own packages (`services`, `gateway`, `zhifa`)",
    "are loaded unoptimized from their plain .pyc by a meta-path finder, so FastAPI's route descriptions and",
    "pydantic's schema descriptions (their docstrings) and the platform's asserts stay: every service's",
    "`GET /openapi.json` is byte for byte the same in the `all`, `api` and `worker` roles (with plain",
    "`-OO` for everything penalty's would be 228,769 → 215,641 bytes; tests/zhifa/test_optimize.py).",
    "deploy/Dockerfile compiles the venv's and the standard library's .opt-2.pyc (without them every start",
    "would compile the libraries from source). No product assert carries a rule (117: `is not None`",
    "narrowing, `isinstance` in the problem handlers); the libraries' asserts are argument and state",
    "checks of their own API (Starlette's routing, uvicorn's lifespan states, nats-py's connect order).",
    "Idle RSS, MiB, median, 1eb11b1 → 40cf59f in the same run (alternating): production's shape:",
    "credit_repair/api 93.7 → 88.7, credit_repair/worker 96.7 → 91.5, gateway 94.3 → 89.1, inspection/api",
    "97.8 → 92.9, inspection/worker 98.4 → 93.5, notify/api 91.7 → 86.7, notify/worker 93.0 → 88.0,",
    "penalty/api 103.4 → 98.6, penalty/worker 102.6 → 97.5, risk/api 100.4 → 95.3, risk/worker 101.9 → 97.2",
    "(load 5.1–7.0); `zhifa up`'s shape: credit_repair 98.1 → 92.9, gateway 94.3 → 89.0, inspection 101.1 →",
    "96.2, notify 93.8 → 88.7, penalty 106.9 → 101.8, risk 105.3 → 100.4 (load 4.8–6.9). In a fresh",
    "interpreter (RSS after `create_app()` and uvicorn's imports, two runs each, load 1–6): penalty worker",
    "96.3 → 91.3 MiB, penalty api 100.0 → 95.0, risk worker 93.9 → 88.7, risk api 97.2 → 92.0; the",
    "platform's own docstrings and asserts, kept, are 0.4–0.5 MiB of it: not worth an OpenAPI document",
    "built from anything but the code's docstrings. Also measured then: pydantic's `defer_build` is on for",
    "every model already (services/common/lazy.py `defer_model_builds`): after",
    '`create_app(role="worker")` penalty has 6 of its 218 models built (its settings, `Problem`, four of',
    "FastAPI's OpenAPI models), risk 10 of 204 (its scoring sheet's, read at start): nothing left there.",
    "SQLAlchemy: a worker maps all of its service's classes (penalty 28 mappers, risk 33); mapping only",
    "those its consumers and jobs use would be a second way of wiring each service, and its compiled caches",
    "hold ≤ 0.3 MiB at idle (rounds below): not done.",
]
