"""bench_memory's paragraph on stop 27 (issue #16 item 5, round three): `python -OO` for the libraries, measured
before and after in the same run."""

from __future__ import annotations

from bench.common import median

#: The margin aimed at below the 100 MiB target: a process's idle RSS drifts ±2 MiB between runs.
MARGIN = 97.0


def paragraph(
    shapes: list[tuple[str, list[dict[str, float]], list[dict[str, float]]]],
    baseline: str | None,
    tops: dict[str, tuple[float, list[tuple[str, float]]]],
) -> list[str]:
    """Stop 27's paragraph: what `python -OO` for the libraries gave each process in each shape (``shapes``:
    name, before's and after's samples; medians, after minus before), and the top files of the heap."""

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
        above = [f"{n} {v:.1f}" for n, v in rss.items() if v > MARGIN]
        return f"above {MARGIN:.0f} MiB: {', '.join(above)}" if above else f"every process ≤ {MARGIN:.0f} MiB"

    lines = [
        "This round (stop 27): every `zhifa serve` process (gateway, api, worker; `zhifa up`'s too) relaunches",
        "itself as `python -OO` before it imports the platform (zhifa/__main__.py, zhifa/optimize.py: `os.execv`,",
        "same pid and environment, the same command line with `-OO`): the libraries' code objects carry no",
        "docstrings and no asserts, while the platform's own packages (`services`, `gateway`, `zhifa`) are",
        "loaded unoptimized from their plain .pyc by a meta-path finder, so FastAPI's route descriptions and",
        "pydantic's schema descriptions (their docstrings) and the platform's asserts stay: every service's",
        "`GET /openapi.json` is byte for byte the same in the `all`, `api` and `worker` roles (with plain",
        "`-OO` for everything penalty's would be 228,769 → 215,641 bytes; tests/zhifa/test_optimize.py).",
        "deploy/Dockerfile compiles the venv's and the standard library's .opt-2.pyc (without them every start",
        "would compile the libraries from source). No product assert carries a rule (117: `is not None`",
        "narrowing, `isinstance` in the problem handlers); the libraries' asserts are argument and state",
        "checks of their own API (Starlette's routing, uvicorn's lifespan states, nats-py's connect order).",
    ]
    if baseline:
        lines += [
            f"Idle RSS, MiB, median, {baseline} → this tree in the same run (alternating):",
            *(f"{name}: {change(before, after)}; {margin(after)}." for name, before, after in shapes),
            "In a fresh interpreter (RSS after `create_app()` and uvicorn's imports, two runs each, load 1–6):",
            "penalty worker 96.3 → 91.3 MiB, penalty api 100.0 → 95.0, risk worker 93.9 → 88.7 (libraries and",
            "own code -OO), risk api 97.2 → 92.0 (idem); the platform's own docstrings and asserts, kept, are",
            "0.4–0.5 MiB of it (penalty's api 94.6 and worker 90.8 with its own code -OO too): not worth an",
            "OpenAPI document built from anything but the code's docstrings.",
        ]
    for label, (total, top) in tops.items():
        lines.append(
            f"The ten files whose frames allocated most of {label}'s {total:.1f} MiB of Python objects after"
            " `create_app()` and uvicorn's imports (tracemalloc, one frame, as served): "
            + "; ".join(f"{name} {size:.2f}" for name, size in top)
            + "."
        )
    lines += [
        "Also measured this round: pydantic's `defer_build` is on for every model already",
        '(services/common/lazy.py `defer_model_builds`): after `create_app(role="worker")` penalty has 6 of',
        "its 218 models built (its settings, `Problem`, four of FastAPI's OpenAPI models), risk 10 of 204 (its",
        "scoring sheet's, read at start): nothing left there. SQLAlchemy: a worker maps all of its service's",
        "classes (penalty 28 mappers, risk 33); mapping only those its consumers and jobs use would be a second",
        "way of wiring each service, and its compiled caches hold ≤ 0.3 MiB at idle (rounds below): not done.",
    ]
    return lines
