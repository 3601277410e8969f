"""Property-based API testing of every service with schemathesis (SPEC §8 security): generated valid and
invalid requests against each service's own OpenAPI document must never produce a 5xx, and documented
responses must match their schemas.

Each service runs as a real process (``zhifa serve``) against a fresh database and NATS, with a fixed seed so
a failure reproduces. Runs as admin (who may call the most) and as an enterprise (who may call the least).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common.embedded import EmbeddedNats, free_port
from services.common.registry import SERVICES
from tests.support.stack import Stack, token

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def processes(stack: Stack, nats_server: EmbeddedNats) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, info in SERVICES.items():
            port = free_port()
            env = {
                **os.environ,
                "ZHIFA_ENV": "test",
                "ZHIFA_NATS_URL": nats_server.url,
                "ZHIFA_LOG_LEVEL": "WARNING",
                f"{info.env_prefix}DATABASE_URL": stack.new_database(name),
            }
            log = (stack.root / f"schemathesis-{name}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [str(BIN / "zhifa"), "serve", name, "--port", str(port)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls[name] = f"http://127.0.0.1:{port}"
        from bench.common import wait_http

        for url in urls.values():
            wait_http(url + "/readyz", 60)
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.parametrize("role", ["admin", "enterprise"])
@pytest.mark.parametrize("service", list(SERVICES))
def test_no_server_errors(processes: dict[str, str], service: str, role: str, tmp_path: Path) -> None:
    url = processes[service]
    result = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{url}/openapi.json",
            "-H",
            f"Authorization: Bearer {token(role, f'st-{role}')}",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "15",
            "--seed",
            "20261123",
            "--workers",
            "1",
            "--max-time",
            "12",
            "--request-timeout",
            "10",
            "--suppress-health-check",
            "all",
            "--report-dir",
            str(tmp_path),
            "--warnings",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    output = result.stdout[:4000] + "\n…\n" + result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
