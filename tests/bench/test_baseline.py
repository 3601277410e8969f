"""The baseline tree a benchmark unpacks (bench/baseline.py) goes when the benchmark's process ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_unpacked_baseline_is_removed_when_the_process_exits() -> None:
    probe = (
        "from bench import baseline\n"
        "t = baseline.tree('HEAD')\n"
        "assert (t / 'pyproject.toml').is_file()\n"
        "print(t)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    unpacked = Path(done.stdout.strip())
    assert unpacked.name.startswith("zhifa-bench-baseline-"), done.stdout
    assert not unpacked.exists(), f"{unpacked} was left behind"
