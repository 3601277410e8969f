"""The code a benchmark compares with in the same run: ``ZHIFA_BENCH_BASELINE`` names a commit (e.g. ``main``)
whose tree is unpacked next to this one (git archive, no worktree or index touched) and put first on
``PYTHONPATH`` of the processes that measure it."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = "ZHIFA_BENCH_BASELINE"


def commit() -> str | None:
    """The baseline commit named in the environment, if any."""
    return os.environ.get(VARIABLE) or None


@cache
def tree(ref: str) -> Path:
    """The tree of ``ref`` in a temporary directory (once per process), removed when the process exits (the
    processes measuring it are the benchmark's children and have ended by then)."""
    target = Path(tempfile.mkdtemp(prefix="zhifa-bench-baseline-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    target.chmod(0o755)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def env(code: Path | None) -> dict[str, str]:
    """The environment of a process that runs ``code`` (None: this tree) ahead of the editable install."""
    return {**os.environ, **({"PYTHONPATH": str(code)} if code else {})}


def load() -> str:
    """The load averages (1, 5, 15 minutes), to print beside a figure measured on the shared machine."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"
