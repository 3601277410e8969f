"""The benchmarks' launcher of several processes on one port (bench/common.py, ``PROCESSES``): each process
serves from the launcher's socket, or with ``reuse_port`` from a socket of its own that the kernel spreads
connections over; ``stop_group`` leaves none of them behind, even when the launcher itself was killed."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
from pathlib import Path

from bench.common import family, processes, sockets, start, stop_group, tcp_sockets, wait_http
from services.common.embedded import free_port

ENV = {"ZHIFA_ENV": "dev", "ZHIFA_LOG_LEVEL": "WARNING"}


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


def _serving(launcher: subprocess.Popen[bytes], port: int) -> list[int]:
    """The launcher's two processes, once they answer on ``port``."""
    wait_http(f"http://127.0.0.1:{port}/healthz", 60)
    children = sorted(p for p in family(launcher.pid) if p != launcher.pid)
    assert len(children) == 2
    return children


def test_two_processes_serve_from_the_launchers_socket_and_stop_with_it() -> None:
    port = free_port()
    launcher = start(processes("gateway", "all", port, 2), env=ENV)
    try:
        children = _serving(launcher, port)
        listening = sockets(launcher.pid)
        for child in children:
            assert sockets(child) & listening, f"process {child} does not hold the launcher's socket"
    finally:
        stop_group(launcher)
    assert launcher.returncode is not None
    assert _all_gone(children)


def test_stop_group_ends_the_processes_of_a_killed_launcher() -> None:
    port = free_port()
    launcher = start(processes("gateway", "all", port, 2), env=ENV)
    try:
        children = _serving(launcher, port)
        os.kill(launcher.pid, signal.SIGKILL)  # its processes are orphaned, still serving
        launcher.wait(10)
        assert all(_alive(pid) for pid in children)
    finally:
        stop_group(launcher)
    assert _all_gone(children)


def test_with_reuse_port_each_process_has_its_own_socket_and_gets_connections() -> None:
    port = free_port()
    launcher = start(processes("gateway", "all", port, 2, reuse_port=True), env=ENV)
    clients: list[http.client.HTTPConnection] = []
    try:
        children = _serving(launcher, port)
        listening = tcp_sockets(port, "0A")
        assert len(listening) == 2, "not one listening socket per process"
        held = [sockets(child) & listening for child in children]
        assert all(len(h) == 1 for h in held) and held[0] != held[1], f"listening sockets held: {held}"
        assert not sockets(launcher.pid) & listening, "the launcher keeps a listening socket open"
        # 32 kept-alive connections, each answered once: the kernel hashes each to one of the two sockets, so
        # both processes hold some of them (all 32 on one of the two: probability 2 x 2**-32).
        for _ in range(32):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            client.request("GET", "/healthz")
            assert client.getresponse().read()
            clients.append(client)
        established = tcp_sockets(port, "01")
        served = [len(sockets(child) & established) for child in children]
        assert sum(served) == 32
        assert all(n > 0 for n in served), f"connections per process: {served}"
    finally:
        for client in clients:
            client.close()
        stop_group(launcher)
    assert _all_gone(children)
