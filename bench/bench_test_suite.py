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

pytest-xdist measured and not adopted (since adopted: fifth round): `-n 2` on tests/inspection + tests/credit_repair took 102 s and 93 s
against 83 s and 78 s without it (two sessions' PostgreSQL, every module-scoped service started in each
worker, and both cores already busy).

### Second round: a stop that hung, and the 64 MiB upload test (2026-12-06)

At the last count `make test` ran 6,382 tests in 1,035 s in a fresh clone here (CI: 938 s). Measured on the
same shared machine, one chunk at a time, `.venv/bin/pytest <chunk> -q -p no:cacheprovider --durations=40`;
"before" is main's code, "after" this round's, back to back; load averages (1 min) at start → end.

| Chunk | tests | before | after |
|---|---:|---:|---:|
| tests/risk/test_uploads_memory.py | 2 | 403 s (load 8.0 → 9.8) | 101 s (load 9.3 → 11.6) |
| tests/risk | 1,252 | 421 s (load 11.5 → 5.0) | 133 s (load 4.9 → 6.2) |
| tests/e2e/test_refusal_attribution.py, the risk service's stop at teardown | 1 | never ended in 3 of 9 runs (the harness's 60 s wait ran out: an error and a minute lost) | ended in 4 of 4 runs: the lifespan's stop 0.04–0.18 s; the module's teardown 3.2 s at load 14 |

The tests/risk "before" ran at a higher load: its two upload tests took 120 s of its 421 s, the same two 52 s
of 133 s after; the rest of the difference is the load, not this round.

1. **The outbox relay ignored its cancellation** (`services/common/outbox.py`, a product fix): it waited for a
   NOTIFY with `asyncio.wait_for`, which on Python 3.11 returns normally, swallowing the cancellation, when
   the awaited event is set in the same few loop iterations as the cancel arrives (CPython gh-86296). At a
   service's stop its consumers are still committing outbox rows, so NOTIFYs keep coming: the relay ran on,
   the lifespan waited for it forever, and the harness gave up after 15 s (later 60 s) with an error — the
   teardown flake of tests/e2e/test_refusal_attribution.py, and the 15 s teardowns of other modules in loaded
   runs. It now waits with `asyncio.timeout`, which keeps an outside cancellation;
   tests/common/test_shutdown.py cancels a relay at each of the first six loop iterations after a wake-up
   (before: 3 of 6 ignored; after: none). `serve_asgi` waits 12 s for a stop again (uvicorn's 10 s for open
   connections, then the lifespan), not a minute.
2. **The 64 MiB upload memory test uses 559-byte invalid lines** (tests/risk/test_uploads_memory.py): still
   64 MiB (the bulk limit), over 100,000 lines (130,176: the regression's 100,000 short lines grew the process
   by 650 MB) and past the report's 100,000-line cap, but 16,272 stored leads instead of 250,004 and 130,176
   lines instead of 2,000,032. Peak growth 15 MiB against 14 MiB, bound 64 MiB. The kill-mid-upload test uses
   the same shape at 16 MiB. The module's docstring gives the argument.

Not done: the whole suite is not yet ≤ 11 min. What is left at the top of a full run's durations, and why it
was left: the two `zhifa up` tests (tests/e2e/test_make_run*.py, 30–110 s: PostgreSQL's initdb, every
migration and the sample data, in real processes), schemathesis (~2.5 min, bounded by design per role), the
fault tests (tests/faults: real kills, restarts and "anything applied twice would land now" waits), and the
long tail of module fixtures (a service starts in 0.3–1 s, a database copy 0.2–0.5 s, per module).

### Third round: one first `zhifa up` for two tests (2026-12-06)

Measured as in the second round (`.venv/bin/pytest <chunk> -q -p no:cacheprovider --durations=40`, before =
this branch's base, after = this round, back to back; 1-minute load average at start → end).

| Chunk | tests | before | after |
|---|---:|---:|---:|
| tests/e2e/test_make_run.py + tests/e2e/test_make_run_quarters.py | 3 | 166 s (load 2.5 → 7.8; test_make_run.py 90 s: 49 s + 41 s) | 117 s (load 7.8 → 6.9; test_make_run.py 59 s: 24 s first run + 35 s) |

1. **tests/e2e/test_make_run.py's two tests share the first `zhifa up`** (module fixture `first_run`): each
   started its own on an empty var dir (PostgreSQL's initdb, every migration with fsync on, the sample data,
   five processes). The notification check now runs first on the shared run, before any other request; then
   test_zhifa_up_end_to_end checks the same run (ready in < 60 s, hints, /readyz, /docs, the event path),
   stops it with Ctrl-C under load and starts the second run on the same var dir, as before. The stop the
   notification test used to check (`stop(...) == []`) is still checked by the end-to-end test (Ctrl-C under
   load leaves no process within 10 s; the second run's stop leaves none). One fresh `zhifa up` fewer: 25–40 s.

Measured and not adopted (no gain beyond the noise, so not changed):

- **An initdb template for the tests' own PostgreSQL servers** (tests/faults, `zhifa up`): initdb takes
  0.5–0.8 s here, a copy of its directory 0.2–0.4 s. Nothing to win.
- **schemathesis: the gateway's document fetched once per module** instead of once per identity: the whole
  module 191 s before, 206 s after (load 4.1 → 4.6 → 6.3); per identity the overhead beyond its `--max-time`
  budget is 2–5 s (the CLI's start and the schema's load), and the gateway keeps the merged document 30 s.
  The module's time is its budgets (112 s across 12 identities) plus the platform's start (24–30 s: four
  migrated databases, the sample data, five processes). The budgets were not cut: nothing here shows a smaller
  one finds what the current one finds.
- **The schemathesis fixture's four sample loads at once** (`asyncio.gather`) instead of one after another:
  medians of 3 alternating runs, 6.0 s serial against 7.3 s at once (load 5–6): the loads are 4–11 s in all.
- tests/e2e without the two `zhifa up` modules: 56 tests in 111 s (load 4.7 → 4.5); the largest setup is 5.4 s
  (a platform per module), the largest call 5.6 s; no single test dominates.

Seen and left alone: the first run of test_zhifa_up_end_to_end on the base failed once at load ~9 with a
timeout on `GET /openapi.json` (its 5 s `urlopen` timeout; the gateway builds the merged document on the first
request after the start). Run alone (`-k end_to_end`, where it fetches the document at once after the start)
it failed the same way in 2 of 3 runs on this branch at load 5–7; in the module's order (the notification
check first) it passed in 2 of 2. Since then the test gives that first request 30 s (every service builds its
document on first demand, and the gateway waits up to 15 s for each of the five, in parallel).

### Fourth round: the inspection sample loaded once a session (2026-12-06)

Measured as before, one chunk at a time, back to back, with `-p tests.support.timing` (new, opt-in: setup,
call and teardown summed per directory and module, fixture setup summed per fixture); before = this branch's
base, after = this round; 1-minute load average at start → end (other engineers' suites ran throughout).

| Chunk | tests | before | after |
|---|---:|---:|---:|
| tests/inspection without test_authorization.py | 367 | 263 s, of which the `env` fixture 140 s over 12 modules (load 17.2 → 10.8) | 219 s, `env` 33 s of which 16 s the one template load (load 10.8 → 13.3) |
| tests/inspection (not back to back) | 1,376 | 148 s, `env` 54 s over 13 modules (load 1.6 → 5.0) | 326 s, `env` 38 s of which 21 s the template load (load 10.2 → 11.7) |
| a module's inspection database, alternating old and new in one process (6 each) | — | copy + `sample.load`: median 12.8 s (11.1–16.4) | copy of the sample template: median 0.32 s (0.21–1.01) (load 10–11.6) |

1. **The inspection sample data is copied from a per-session template** (`Stack.new_sample_database`):
   `services.inspection.sample.load` (registries, officers, enterprises, approved and drawn tasks, through the
   use cases, with their audit chain and outbox rows) took 3–4 s per module on a quiet machine and 8–16 s at
   load 10, and 20 modules paid it: tests/inspection's 13 (`env`), the 6 e2e platforms that run inspection
   with its sample (tests/support/platform.py), and schemathesis (whose other three services' samples use the
   same templates). Now the session loads it once into `template_inspection_sample_<day>` (a copy of the
   migrated template) and every module copies that (`CREATE DATABASE ... TEMPLATE`, 0.2–0.6 s). The copy holds
   what a load right after the migration holds, unpublished outbox rows included, so each module's relay still
   publishes the sample's events to the module's own NATS. One template per day of the clock (pinned or not),
   so a module that loads under a pinned clock gets that day's sample, as before. The tests of the loader
   itself (its idempotence), the console's browser test (its own pinned day, like `zhifa up`) and a platform
   given its own database still call `sample.load`; tests/inspection/test_sample_activity.py copies the
   template before its `sample.activity`. Expected on a quiet full run: ~20 loads × ~3 s, about a minute.
2. **Databases with the production role split copied from a template** (`Stack.new_database_with_roles`,
   11 uses: tests/common/test_audit_guard.py and test_audit_checkpoints.py per test, tests/e2e/
   test_audit_checkpoints.py): each ran Alembic from base as the owner. Now the session provisions and
   migrates `template_<service>_roles` that way once (`migrate.provision_roles`, `migrate.migrate_service`)
   and each database is a copy (objects keep their owner and privileges); the database's own owner and
   `GRANT CONNECT, TEMPORARY` live outside it, so `provision_roles` and `grant_service_role` run again on the
   copy. Alternating old and new in one process, 5 each: median 2.1 s (1.6–2.6) against 0.97 s (0.91–1.63),
   load 11.

Measured and not changed:

- **The penalty catalogue per module** (`install_catalogue` in tests/penalty's `penalty` fixture, 21 modules):
  0.38–0.56 s at load 11, so ~0.2 s quiet; a catalogue template would save a few seconds. credit_repair's rule
  sets: 0.10–0.16 s per module. Not worth a second template kind yet.
- **tests/penalty** (1,573 tests, 361 s at load 11): the `penalty` fixture 36 s over 21 modules; the largest
  items are calls: the hypothesis properties of the discretion engine (34 s, their example counts are what
  they check), `test_concurrent_decisions_get_consecutive_numbers` (13 s), the authorisation matrix (1,077
  cases, 48 s of calls: one request each, no per-case fixture left to share).
- **tests/credit_repair** (577 tests, 119 s at load 8–10): the `credit` fixture 7.7 s over 7 modules; the time
  is in calls (the cleanup's generated publications against the oracle, 16 s).
- **tests/e2e + the two platform fault modules** (60 tests, 349 s at load 10–11.6, after): `platform` 110 s over
  15 modules, ~7 s each at that load (four or five database copies, service starts, the gateway, seeds).
- The schemathesis budgets were not cut: re-introducing old defects and timing which budget still finds them
  did not fit this round (the module alone took 569 s at load 15–18).

### Fifth round: two workers (2026-12-06)

`make test` now runs `pytest -n 2 --dist loadfile` (pytest-xdist; `TEST_WORKERS=0` for one process). Each
worker has its own session: its own embedded PostgreSQL and template databases. `loadfile` keeps a test file
in one worker, so a module's fixtures and the order of its tests are as in one process.

| Run | tests | pytest time |
|---|---:|---:|
| one process, fresh clone of 0f78b24 (the previous stop; load ~1.5) | 6,587 | 920.7 s (15 min 21 s) |
| `-n 2 --dist loadscope`, quiet (load 0.8 → 2.3) | 6,588 | 547.5 s, 11 failed (below) |
| `-n 2 --dist loadfile`, fresh clone of ebf8165 (`make test`; load ~1–3.7) | 6,603 | **485.8 s (8 min 6 s)**; 8 min 36 s with the install |

The CPU was there: the one-process run used 12.6 CPU minutes over 15.3 wall minutes of 2 cores (the servers
wait on each other, on fsyncs and on sleeps in the fault tests), so a second worker fills the gaps. The
earlier "not adopted" (first round) was two directories on a machine whose cores other engineers' suites
already kept busy.

- **`loadscope` split modules.** It schedules a module's test classes separately, and the later classes of
  tests/risk/test_signals.py and test_reports.py read what the earlier ones wrote; `loadfile` does not.
- **tests/faults/test_supervisor.py's `zhifa up` sat in the kernel's ephemeral port range** (offset 25000:
  33000–33222, within 32768–60999), where another worker's `free_port()` or a client socket could hold a
  service's port (penalty: "Address already in use"). Offset 21000 puts it on 29000–29223.
- Two loaded runs (load 7–10, other engineers' benchmarks beside them; 1,186 s and 1,570 s) also lost
  per-test directories to the other engineers' concurrent pytest runs, which prune the shared
  `/tmp/pytest-of-<user>` base (not a CI condition; `--basetemp` avoids it), and once met the harness's 12 s
  bound on a service's stop at load 10 (tests/inspection/test_documents.py's module teardown).
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
