"""`make run` restarted a quarter later (issue #11, item 2).

The risk sample loader publishes the last closed quarter on every start. Run in quarter Q, it publishes Q-1
with warnings; restarted in Q+1, it publishes Q, whose snapshot follows up the warnings of Q-1 — which used
to fail on asyncpg's UUID in the jsonb snapshot, and `zhifa up` exited. The clock is moved with
``ZHIFA_CLOCK_AT`` (honoured only when ZHIFA_ENV is dev or test); both runs share ./var.

PostgreSQL runs without fsync (``zhifa up --no-fsync``, for tests only): what is checked is the restart a
quarter later, not durability, which tests/e2e/test_make_run.py and tests/faults check with fsync on.

The dates are in 2026, the last year the statutory calendar package covers, so the rectification deadlines
of both publications can be computed whatever day the suite runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from services.common.embedded import free_port

pytestmark = pytest.mark.slow
ZHIFA = str(Path(sys.executable).parent / "zhifa")
OFFSET = 22000
GATEWAY = f"http://127.0.0.1:{8000 + OFFSET}"


def get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def up(var: Path, pg_port: int, nats_port: int, clock_at: str) -> tuple[subprocess.Popen[bytes], str]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            ZHIFA,
            "up",
            "--var-dir",
            str(var),
            "--pg-port",
            str(pg_port),
            "--nats-port",
            str(nats_port),
            "--port-offset",
            str(OFFSET),
            "--no-fsync",  # throwaway data, stopped cleanly: no fsync to wait for (tests/e2e/test_make_run.py
            # runs `zhifa up` as `make run` does, with fsync)
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ZHIFA_ENV": "dev", "ZHIFA_CLOCK_AT": clock_at},
    )
    output = b""
    assert proc.stdout is not None
    while time.monotonic() - started < 120:
        line = proc.stdout.readline()
        if not line:
            break
        output += line
        if b"Ctrl-C stops everything" in line:
            return proc, output.decode()
    proc.kill()
    proc.wait()
    raise AssertionError(f"zhifa up (clock at {clock_at}) did not start:\n" + output.decode()[-4000:])


def down(proc: subprocess.Popen[bytes]) -> None:
    descendants = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in descendants
    ):
        time.sleep(0.2)


def test_zhifa_up_starts_again_a_quarter_later(tmp_path: Path) -> None:
    var = tmp_path / "var"
    pg_port, nats_port = free_port(), free_port()

    proc, output = up(var, pg_port, nats_port, "2026-08-14T10:00:00+08:00")  # 2026Q3
    try:
        assert "2026Q2 published with" in output, output
        supervisor = json.loads((var / "tokens.json").read_text())["supervisor_city"]
        status, body = get(GATEWAY + "/api/v1/risk/reports/2026Q2", supervisor)
        assert status == 200, body
        q2_warnings = {
            w["unit_code"] for w in json.loads(body)["units"] if w["colour"] != "none" or w["lamp"]
        }
        assert q2_warnings, "the sample makes some units conspicuous in every quarter"
    finally:
        down(proc)

    proc, output = up(var, pg_port, nats_port, "2026-11-13T10:00:00+08:00")  # 2026Q4: a quarter later
    try:
        assert "2026Q3 published with" in output, output
        status, body = get(GATEWAY + "/api/v1/risk/reports/2026Q3", supervisor)
        assert status == 200, body
        report = json.loads(body)
        assert report["published"] is True
        # every unit warned for 2026Q2 is followed up in 2026Q3's snapshot, with the id of that warning
        follow_up = {f["unit_code"]: f["previous"] for f in report["follow_up"]}
        assert set(follow_up) == q2_warnings
        assert {p["quarter"] for p in follow_up.values()} == {"2026Q2"}
        assert all(len(p["warning_id"]) == 36 for p in follow_up.values())
    finally:
        down(proc)
