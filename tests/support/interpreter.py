"""A probe run in a fresh interpreter (test settings), for the tests that measure what a process imports or
holds at start-up: the JSON of the probe's last line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def fresh_report(probe: str, *args: str) -> Any:
    """Run ``probe`` with ``args`` in a fresh interpreter and return the JSON of its last line."""
    result = subprocess.run(
        [sys.executable, "-c", probe, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ZHIFA_ENV": "test"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
