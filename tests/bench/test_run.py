"""`make bench` (bench/run.py): which benchmarks a run runs."""

from __future__ import annotations

from bench import run


def test_a_full_run_skips_the_records_and_runs_every_other_benchmark() -> None:
    every = run.modules()
    assert "bench_outbox_indexes" in every and "bench_cleanup" in every
    full = run.selected([])
    assert "bench_outbox_indexes" not in full
    assert set(full) == set(every) - run.RECORDS and full[:2] == ["bench_gateway", "bench_relay"]


def test_a_record_runs_when_named() -> None:
    assert run.selected(["bench_outbox_indexes"]) == ["bench_outbox_indexes"]
    assert run.selected(["bench_relay", "bench_cleanup"]) == ["bench_relay", "bench_cleanup"]
