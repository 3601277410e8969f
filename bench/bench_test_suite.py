"""Test suite time (issue "keep the suite fast"): one timed run of a fixed subset of the suite, beside the
before/after figures of the changes to the test fixtures (tests/support/stack.py, tests/conftest.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSET = ["tests/inspection", "tests/credit_repair"]

HISTORY = """\
Measured 2026-12-06 on the shared 2-core machine (load average 7–9 from other engineers' test runs), one
directory at a time, `.venv/bin/pytest <dir> -q -p no:cacheprovider --durations=0`; "before" is main's
tests/support and tests/conftest.py, "after" this branch's, run back to back unless stated.

| Subset | tests | before | after |
|---|---:|---:|---:|
| tests/inspection + tests/credit_repair | 1,642 | 236 s | 71 s (again: 83 s, 78 s; median 78 s) |
| tests/risk | 806 | 460 s | 358 s (of which 215 s the two 64 MiB upload tests) |
| tests/penalty (not back to back; the background removal not yet in) | 1,367 | 345 s | 254 s |
| tests/penalty/test_authorization.py | 923 | 125 s | 28 s |
| tests/common + tests/gateway + tests/test_{authorization_matrices,http_contract,request_types}.py | 854 | 149 s | 92 s |

What changed, all in the fixtures, none in what a test checks:

1. **httpx's TLS context built once** (`tests/support/stack.py` `client()`): a new `httpx.AsyncClient` loads
   certifi's roots into a fresh `SSLContext`, 40–85 ms on this machine; the authorisation matrices make one
   client per case (thousands), the other tests one per test. Now 0.3 ms. The biggest single cost.
2. **Migrated databases copied from a per-session template** (`Stack.new_database`): the first database of a
   service is migrated by Alembic into `template_<service>`, every later one is
   `CREATE DATABASE ... TEMPLATE template_<service>` (0.14–0.44 s against 0.53–0.81 s for create + Alembic,
   medians of 8). Alembic still runs from base to head for every service in every session (the template),
   and the migration tests still downgrade and upgrade their copies.
3. **The session's PostgreSQL directory is removed in the background** after the server stops: deleting a
   few hundred MiB of databases took 2–30 s after the last test.

pytest-xdist measured and not adopted: `-n 2` on tests/inspection + tests/credit_repair took 102 s and 93 s
against 83 s and 78 s without it (two sessions' PostgreSQL, every module-scoped service started in each
worker, and both cores already busy).
"""


def run(quick: bool = False) -> str:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *SUBSET, "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    summary = re.findall(r"^\d+ passed.*$", result.stdout, re.MULTILINE)
    lines = [
        "## Test suite time",
        "",
        f"This run: `pytest {' '.join(SUBSET)} -q` took **{elapsed:.0f} s** wall "
        f"({summary[-1] if summary else 'failed: see the run'}).",
        "",
        HISTORY,
    ]
    return "\n".join(lines)
