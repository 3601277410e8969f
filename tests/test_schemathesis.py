"""Property-based API testing with schemathesis, every check and the stateful phase, for every role (SPEC §8,
issue #11 item 8): the OpenAPI document the integration teams read must say what the platform does.

The four services and the gateway run as real processes (``zhifa serve``) on fresh databases with the sample
data, behind the gateway as in production. For each identity — officer, enterprise, city and district
supervisors, administrator, each integration client, and nobody (the ``/public`` operations) — schemathesis
reads the gateway's merged document, keeps the operations that identity may call (``x-zhifa-roles`` and
``x-zhifa-client-scope``), and runs the examples, coverage, fuzzing and stateful phases (the stateful phase
follows the document's links from a created object to its operations) with every built-in check:
no 5xx, documented statuses, content types, headers and bodies, schema-violating data refused, schema-valid
data accepted, missing headers and undeclared methods refused (405 with ``Allow``), auth enforced.

Two adjustments, both stated here: schema-valid data may be refused with 400 (a business rule, with its
code) or 422, and the hook ``positive_data_within_the_schema`` (tests/support/schemathesis_hooks.py) fails a
422 that names a rule the schema could have stated. ``object_level_authorization`` needs several identities in
one run (a WFC auth document) and stays idle here; the authorisation matrices (tests/<service>/test_authorization.py,
generated from each document by tests/support/authz.py) try every endpoint on someone else's object.
Each run is bounded in time (about two and a half minutes in all) and seeded, so a failure reproduces
(``st replay`` with the report in the run's directory; ``output.txt`` there has the whole log).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.common import sample_identities, scopes
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedNats, free_port
from services.common.registry import SERVICES
from tests.support.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# A deeper or different run locally: ZHIFA_SCHEMATHESIS_SEED=7 ZHIFA_SCHEMATHESIS_TIME_FACTOR=5 pytest ...
SEED = int(os.environ.get("ZHIFA_SCHEMATHESIS_SEED", "20261123"))
TIME_FACTOR = float(os.environ.get("ZHIFA_SCHEMATHESIS_TIME_FACTOR", "1"))

# (label, claims of the token or None for no token, seconds for the run)
IDENTITIES: list[tuple[str, dict[str, Any] | None, int]] = [
    ("admin", sample_identities.IDENTITIES["admin"], 24),
    ("officer", sample_identities.IDENTITIES["officer"], 24),
    ("enterprise", sample_identities.IDENTITIES["enterprise"], 12),
    ("supervisor-city", sample_identities.IDENTITIES["supervisor_city"], 14),
    ("supervisor-district", sample_identities.IDENTITIES["supervisor_district"], 6),
    *(
        (f"integration-{client}", {"role": "integration", "sub": f"client-{client}", "client": client}, 4)
        for client in scopes.DEFAULT_CLIENT_SCOPES
    ),
    ("public", None, 8),
]


@pytest.fixture(scope="module")
def gateway(stack: Stack, nats_server: EmbeddedNats) -> Iterator[str]:
    """The gateway's URL, with the four services behind it, each on its own database with the sample data."""
    env = {**os.environ, "ZHIFA_ENV": "test", "ZHIFA_NATS_URL": nats_server.url, "ZHIFA_LOG_LEVEL": "WARNING"}
    urls: dict[str, str] = {}
    for name, info in SERVICES.items():
        # with the sample data (copied from the session's template of it) where the service has one
        has_sample = importlib.util.find_spec(f"services.{name}.sample") is not None
        new_database = stack.new_sample_database if has_sample else stack.new_database
        env[f"{info.env_prefix}DATABASE_URL"] = new_database(name)
        urls[name] = f"http://127.0.0.1:{free_port()}"
        env[f"ZHIFA_GATEWAY_{name.upper()}_URL"] = urls[name]
    gateway_port = free_port()
    env |= {  # one caller makes thousands of requests a minute here: no rate limit in the way
        "ZHIFA_GATEWAY_RATE_PER_SECOND": "100000",
        "ZHIFA_GATEWAY_RATE_BURST": "100000",
        "ZHIFA_GATEWAY_PUBLIC_RATE_PER_SECOND": "100000",
        "ZHIFA_GATEWAY_PUBLIC_RATE_BURST": "100000",
    }
    commands = [[name, url.rsplit(":", 1)[1]] for name, url in urls.items()] + [
        ["gateway", str(gateway_port)]
    ]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, port in commands:
            log = (stack.root / f"schemathesis-{name}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [str(BIN / "zhifa"), "serve", name, "--port", port],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        from bench.common import wait_http

        for url in [*urls.values(), f"http://127.0.0.1:{gateway_port}"]:
            wait_http(url + "/readyz", 60)
        yield f"http://127.0.0.1:{gateway_port}"
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def callable_by(doc: dict[str, Any], claims: dict[str, Any] | None) -> dict[str, Any]:
    """The document with the paths ``claims`` may call (no claims: the public ones).

    A path is kept whole when the identity may call one of its operations, so the methods a 405 lists in
    ``Allow`` are all documented (the others answer 403, as documented); links to operations left out are
    dropped.
    """
    grants = scopes.DEFAULT_CLIENT_SCOPES

    def may(op: dict[str, Any]) -> bool:
        if op.get("x-zhifa-endless-stream"):
            return False  # Server-Sent Events never end: tested in their own tests
        if claims is None:
            return op.get("security") == []
        scope = op.get("x-zhifa-client-scope")
        return claims["role"] in op.get("x-zhifa-roles", []) and (
            claims["role"] != "integration" or scope is None or scope in grants[claims["client"]]
        )

    paths = {path: ops for path, ops in doc["paths"].items() if any(may(op) for op in ops.values())}
    kept = {op["operationId"] for ops in paths.values() for op in ops.values()}
    responses = [r for ops in paths.values() for op in ops.values() for r in op.get("responses", {}).values()]
    for response in [*responses, *doc.get("components", {}).get("responses", {}).values()]:  # shared ones too
        if "links" in response:
            response["links"] = {k: v for k, v in response["links"].items() if v["operationId"] in kept}
    return {**doc, "paths": paths}


CONFIG = """
[generation]
max-examples = 12

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]

[phases.stateful]
max-steps = 12
"""


@pytest.mark.parametrize(("label", "claims", "seconds"), IDENTITIES, ids=[i[0] for i in IDENTITIES])
def test_the_document_holds(
    gateway: str, label: str, claims: dict[str, Any] | None, seconds: int, tmp_path: Path
) -> None:
    doc = callable_by(httpx.get(f"{gateway}/openapi.json", timeout=30).json(), claims)
    operations = sum(len(ops) for ops in doc["paths"].values())
    assert operations, f"{label} may call nothing?"
    (tmp_path / "openapi.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    headers = [] if claims is None else ["-H", f"Authorization: Bearer {mint_dev_token(**claims)}"]
    seconds = max(1, round(seconds * TIME_FACTOR))
    result = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "--config-file",
            str(tmp_path / "schemathesis.toml"),
            "run",
            str(tmp_path / "openapi.json"),
            "--url",
            gateway,
            *headers,
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--max-time",
            str(seconds),
            "--request-timeout",
            "10",
            "--suppress-health-check",
            "all",
            "--report",
            "ndjson",
            "--report-dir",
            str(tmp_path / "report"),
            "--warnings",
            "off",
            "--max-failures",
            "50",
        ],
        capture_output=True,
        text=True,
        timeout=seconds * 4 + 120,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks", "PYTHONPATH": str(ROOT)},
    )
    (tmp_path / "output.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    output = result.stdout[-12000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"{label}: {operations} operations ({tmp_path / 'output.txt'})\n{output}"
