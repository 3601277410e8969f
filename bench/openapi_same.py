"""Whether every service's ``GET /openapi.json`` is byte for byte the same as a baseline commit's:
``python -m bench.openapi_same <commit>`` (default: ``ZHIFA_BENCH_BASELINE``, else ``main``).

A change that only moves when something is built (a deferred model, a field's adapter built on first use,
a warm-up) must not change what a route answers; the OpenAPI document is built from every route's models
and fields, so it is where such a change would first show. Each document is fetched in its own fresh
interpreter (this tree, then the baseline's, through bench/baseline.py), with the test settings; the
exit status is 1 when any differs.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from bench import baseline
from services.common.registry import SERVICES

_PROBE = """
import os, sys
os.environ["ZHIFA_ENV"] = "test"
import importlib
from starlette.testclient import TestClient
from tests.support.stack import settings_for
svc = sys.argv[1]
app = importlib.import_module(f"services.{svc}.app").create_app(settings_for(svc), role="all")
response = TestClient(app).get("/openapi.json")
assert response.status_code == 200, response.status_code
sys.stdout.buffer.write(response.content)
"""


def fetch(service: str, code: Path | None) -> bytes:
    """The body of ``GET /openapi.json`` of ``service`` run from ``code`` (None: this tree)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, service],
        capture_output=True,
        check=True,
        env=baseline.env(code),
        cwd=str(code or baseline.ROOT),
        timeout=300,
    )
    return result.stdout


def main() -> None:
    ref = sys.argv[1] if len(sys.argv) > 1 else baseline.commit() or "main"
    other = baseline.tree(ref)
    different = 0
    for service in SERVICES:
        mine, theirs = fetch(service, None), fetch(service, other)
        same = mine == theirs
        different += not same
        digest = hashlib.sha256(mine).hexdigest()[:16]
        print(f"{service}: {len(mine):,} bytes, sha256 {digest}: {'same' if same else 'DIFFERENT'} as {ref}")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
