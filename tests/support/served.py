"""A platform process started as production starts it (``python -m zhifa serve …``) for a test, and a wait for
its first answer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


@contextmanager
def serving(
    args: list[str], env: dict[str, str], *, module: str = "zhifa"
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m <module> serve <args>`` in dev mode with ``env`` added; terminated (killed after 15 s) on exit.
    Its output is discarded: a pipe nobody reads would block the process once full."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "serve", *args],
        env={**os.environ, "ZHIFA_ENV": "dev", "ZHIFA_LOG_JSON": "false", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def answered(url: str, timeout: float = 90) -> httpx.Response:
    """The first response of ``url`` (any status) once something listens there, within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=60)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")
