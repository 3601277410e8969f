"""`zhifa serve --admin-port` (issue #11, item 11): the internal endpoints (probes, metrics, API docs) leave
the public port, which is the one the Ingress routes to, and are served on an admin port only the
platform reaches. Real processes, real sockets."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from services.common.embedded import free_port
from tests.support.served import answered, serving
from tests.support.stack import Stack

INTERNAL = ["/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json"]
DOCS_ASSETS = [
    "/docs/assets/swagger-init.js",
    "/docs/assets/vendor/swagger-ui-dist@5.35.0/swagger-ui-bundle.js",
    "/docs/assets/vendor/redoc@2.5.2/redoc.standalone.js",
]


def get(url: str, **headers: str) -> httpx.Response:
    return httpx.get(url, timeout=10, headers=headers)


def test_the_gateway_serves_internal_endpoints_on_the_admin_port_only() -> None:
    public, admin = free_port(), free_port()
    with serving(["gateway", "--port", str(public), "--admin-port", str(admin)], {}, module="zhifa.cli"):
        answered(f"http://127.0.0.1:{admin}/healthz")
        for path in INTERNAL:
            refused = get(f"http://127.0.0.1:{public}{path}")
            assert refused.status_code == 404, (path, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["code"] == "NOT_FOUND"
        assert get(f"http://127.0.0.1:{public}/metrics", **{"Accept-Language": "en"}).json()["title"] == (
            "Not found"
        )
        assert get(f"http://127.0.0.1:{admin}/healthz").status_code == 200
        metrics = get(f"http://127.0.0.1:{admin}/metrics")
        assert metrics.status_code == 200 and "zhifa_http_requests_total" in metrics.text
        assert get(f"http://127.0.0.1:{admin}/docs").status_code == 200
        # The documents load their own files (no CDN): those go with /docs, to the admin port only.
        for asset in DOCS_ASSETS:
            assert get(f"http://127.0.0.1:{admin}{asset}").status_code == 200, asset
            assert get(f"http://127.0.0.1:{public}{asset}").status_code == 404, asset
        # The console is for users: on the public port, never on the admin port.
        assert get(f"http://127.0.0.1:{public}/console/").status_code == 200
        assert get(f"http://127.0.0.1:{admin}/console/").status_code == 404
        # The admin port is not a second way into the API, and the public one still is.
        assert get(f"http://127.0.0.1:{admin}/api/v1/penalty/cases").status_code == 404
        assert get(f"http://127.0.0.1:{public}/api/v1/penalty/cases").status_code == 401


def test_without_an_admin_port_everything_stays_on_one_port() -> None:
    public = free_port()
    with serving(["gateway", "--port", str(public)], {}, module="zhifa.cli"):
        answered(f"http://127.0.0.1:{public}/healthz")
        assert get(f"http://127.0.0.1:{public}/healthz").status_code == 200
        assert get(f"http://127.0.0.1:{public}/metrics").status_code == 200


def test_a_service_keeps_what_the_gateway_reads_and_moves_metrics(stack: Stack) -> None:
    database = stack.new_database("credit_repair")
    public, admin = free_port(), free_port()
    args = ["credit_repair", "--role", "api", "--port", str(public), "--admin-port", str(admin)]
    env = {"ZHIFA_CREDIT_REPAIR_DATABASE_URL": database, "ZHIFA_NATS_URL": "nats://127.0.0.1:1"}
    with serving(args, env, module="zhifa.cli"):
        answered(f"http://127.0.0.1:{admin}/healthz")
        assert get(f"http://127.0.0.1:{admin}/readyz").status_code == 200
        assert get(f"http://127.0.0.1:{admin}/metrics").status_code == 200
        assert get(f"http://127.0.0.1:{public}/metrics").status_code == 404
        # The gateway's readiness report and merged API document read these on the public port.
        assert get(f"http://127.0.0.1:{public}/readyz").status_code == 200
        assert get(f"http://127.0.0.1:{public}/openapi.json").status_code == 200
        assert get(f"http://127.0.0.1:{admin}/api/v1/credit/admin/outbox").status_code == 404


def test_the_admin_port_must_differ() -> None:
    port = free_port()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zhifa.cli",
            "serve",
            "gateway",
            "--port",
            str(port),
            "--admin-port",
            str(port),
        ],
        env={**os.environ, "ZHIFA_ENV": "dev"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0 and "admin port must differ" in result.stderr
