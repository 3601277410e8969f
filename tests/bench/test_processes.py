"""The benchmarks' launcher of several processes on one listening socket (bench/common.py, ``PROCESSES``): each
process serves from the launcher's socket, and ``stop_group`` leaves none of them behind, even when the
launcher itself was killed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from bench.common import family, processes, start, stop_group, wait_http
from services.common.embedded import free_port

ENV = {"ZHIFA_ENV": "dev", "ZHIFA_LOG_LEVEL": "WARNING"}


def _sockets(pid: int) -> set[str]:
    fds = Path(f"/proc/{pid}/fd")
    links = set()
    for fd in fds.iterdir():
        try:
            links.add(os.readlink(fd))
        except OSError:
            continue
    return {link for link in links if link.startswith("socket:")}


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _all_gone(pids: list[int]) -> bool:
    """True once none of ``pids`` runs (a SIGKILL takes effect asynchronously), within 5 s."""
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_two_processes_serve_from_the_launchers_socket_and_stop_with_it() -> None:
    port = free_port()
    launcher = start(processes("gateway", "all", port, 2), env=ENV)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        children = sorted(p for p in family(launcher.pid) if p != launcher.pid)
        assert len(children) == 2
        listening = _sockets(launcher.pid)
        for child in children:
            assert _sockets(child) & listening, f"process {child} does not hold the launcher's socket"
    finally:
        stop_group(launcher)
    assert launcher.returncode is not None
    assert _all_gone(children)


def test_stop_group_ends_the_processes_of_a_killed_launcher() -> None:
    port = free_port()
    launcher = start(processes("gateway", "all", port, 2), env=ENV)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60)
        children = sorted(p for p in family(launcher.pid) if p != launcher.pid)
        assert len(children) == 2
        os.kill(launcher.pid, signal.SIGKILL)  # its processes are orphaned, still serving
        launcher.wait(10)
        assert all(_alive(pid) for pid in children)
    finally:
        stop_group(launcher)
    assert _all_gone(children)
