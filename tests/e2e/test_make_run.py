"""`make run`'s promises, checked on the real command (`zhifa up`, which `make run` calls after installing):
ready in under 60 s, /readyz 200, /docs covering every service, Ctrl-C leaves no process behind, and a second
run reuses ./var data."""

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
from services.common.registry import SERVICES

pytestmark = pytest.mark.slow
ZHIFA = str(Path(sys.executable).parent / "zhifa")
OFFSET = 20000


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post(url: str, token: str, body: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as r:
        return r.status, r.read()


def start(var: Path, pg_port: int, nats_port: int) -> tuple[subprocess.Popen[bytes], float, str]:
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
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ZHIFA_ENV": "dev"},
    )
    output = b""
    assert proc.stdout is not None
    while time.monotonic() - started < 90:
        line = proc.stdout.readline()
        if not line:
            break
        output += line
        if b"Ctrl-C stops everything" in line:
            return proc, time.monotonic() - started, output.decode()
    proc.kill()
    raise AssertionError("zhifa up did not become ready:\n" + output.decode()[-3000:])


def stop(proc: subprocess.Popen[bytes]) -> list[int]:
    descendants = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    time.sleep(1)
    return [
        pid
        for pid in descendants
        if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]


def test_zhifa_up_end_to_end(tmp_path: Path) -> None:
    var = tmp_path / "var"
    pg_port, nats_port = free_port(), free_port()
    gateway = f"http://127.0.0.1:{8000 + OFFSET}"
    proc, elapsed, output = start(var, pg_port, nats_port)
    try:
        assert elapsed < 60, f"ready after {elapsed:.1f}s"
        assert get(gateway + "/readyz")[0] == 200
        status, body = get(gateway + "/openapi.json")
        paths = json.loads(body)["paths"]
        assert {p.split("/")[3] for p in paths if p.startswith("/api/v1/")} >= {
            s.url_prefix for s in SERVICES.values()
        }
        assert get(gateway + "/docs")[0] == 200
        tokens = json.loads((var / "tokens.json").read_text())
        admin = tokens["admin"]
        status, body = post(gateway + "/api/v1/inspection/diagnostics/ping", admin, {"note": "第一次运行"})
        assert status == 202
        event_id = json.loads(body)["event_id"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            seen = json.loads(get(gateway + "/api/v1/risk/diagnostics/pings", admin)[1])
            if any(p["event_id"] == event_id for p in seen):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("ping did not reach the risk service")
    finally:
        leftovers = stop(proc)
    assert proc.returncode is not None
    assert leftovers == [], f"processes left behind: {leftovers}"
    assert not (var / "postgres" / "postmaster.pid").exists(), "PostgreSQL still running"

    proc, _, _ = start(var, pg_port, nats_port)  # the second run reuses ./var
    try:
        seen = json.loads(get(gateway + "/api/v1/risk/diagnostics/pings", admin)[1])
        assert any(p["event_id"] == event_id for p in seen)
    finally:
        assert stop(proc) == []
