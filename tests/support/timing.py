"""Where a run's time goes: setup, call and teardown summed per directory and per module, and fixture setup
summed per fixture. Off unless asked for: ``pytest -p tests.support.timing <chunk>`` prints the tables at
the end (``ZHIFA_TIMING_TOP`` rows each, default 25). docs/benchmarks.md "Test suite time" uses it."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

_phases: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
_counts: dict[str, int] = defaultdict(int)
_fixtures: dict[str, list[float]] = defaultdict(list)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    module = _module(report.nodeid)
    _phases[module][report.when] += report.duration
    if report.when == "call":
        _counts[module] += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: Any) -> Iterator[None]:
    start = time.perf_counter()
    yield
    _fixtures[f"{fixturedef.argname} ({fixturedef.scope})"].append(time.perf_counter() - start)


def _table(title: str, rows: dict[str, dict[str, float]], top: int) -> list[str]:
    lines = [title, f"{'setup':>9} {'call':>9} {'teardown':>9} {'total':>9} {'tests':>6}  where"]
    ranked = sorted(rows.items(), key=lambda item: -sum(item[1].values()))
    for name, phases in ranked[:top]:
        s, c, t = phases["setup"], phases["call"], phases["teardown"]
        lines.append(f"{s:9.1f} {c:9.1f} {t:9.1f} {s + c + t:9.1f} {int(phases['tests']):6d}  {name}")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    top = int(os.environ.get("ZHIFA_TIMING_TOP", "25"))
    by_dir: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_module: dict[str, dict[str, float]] = {}
    for module, phases in _phases.items():
        row = dict(phases)
        row["tests"] = _counts[module]
        by_module[module] = defaultdict(float, row)
        directory = module.rsplit("/", 1)[0]
        for key, value in row.items():
            by_dir[directory][key] += value
    lines = _table("== time per directory (s) ==", by_dir, top)
    lines += _table("== time per module (s) ==", by_module, top)
    lines.append("== fixture setup (s): total, count, max ==")
    ranked = sorted(_fixtures.items(), key=lambda item: -sum(item[1]))
    for name, times in ranked[:top]:
        lines.append(f"{sum(times):9.1f} {len(times):6d} {max(times):7.2f}  {name}")
    for line in lines:
        terminalreporter.write_line(line)
