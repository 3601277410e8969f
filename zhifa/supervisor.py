"""A small process supervisor for the local stack (`zhifa up`).

It owns its children (PostgreSQL, NATS, the four services, the gateway): starts them in order, watches them,
restarts one that dies after an exponentially growing pause (capped) and gives up loudly when one keeps
crashing, probes their ``/readyz``, and stops them in the reverse order within a deadline, killing what does
not stop. Every event goes to the terminal and, as one JSON object per line, to ``logs/supervisor.log``; the
current state of every child is in ``run/state.json`` and each child's pid in ``run/<name>.pid``.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.common import procfs


@dataclass(frozen=True)
class RestartPolicy:
    """Restart after ``first_delay_s``, doubling per crash up to ``max_delay_s``; more than ``max_restarts``
    crashes within ``window_s`` is a crash loop: the supervisor gives up."""

    first_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_restarts: int = 5
    window_s: float = 120.0

    def delay(self, crashes: int) -> float:
        return float(min(self.max_delay_s, self.first_delay_s * 2 ** max(0, crashes - 1)))


class ChildFailed(Exception):
    """A child could not be started."""


class GaveUp(Exception):
    """A child crashed before it was ever ready, kept crashing, or the stack did not become ready in time."""

    def __init__(self, message: str, log_path: Path | None = None) -> None:
        super().__init__(message)
        self.log_path = log_path


class Child(ABC):
    """One supervised process. ``tier`` orders the stop: higher tiers stop first."""

    name: str
    tier: int = 0
    ready_url: str | None = None
    log_path: Path | None = None
    stop_budget_s: float = 3.0

    @abstractmethod
    def start(self) -> None:
        """Start it (again); raise ChildFailed when it cannot be started."""

    @abstractmethod
    def pid(self) -> int | None:
        """Its process id while it runs."""

    @abstractmethod
    def exit_status(self) -> str | None:
        """None while it runs, else how it ended ('exited with 1', 'killed by SIGKILL')."""

    @abstractmethod
    def terminate(self) -> None:
        """Ask it to stop; returns at once."""

    @abstractmethod
    def kill(self) -> None:
        """SIGKILL it and everything it started."""

    #: After ``stop_budget_s``: how long :meth:`escalate`'s firmer request may take before the child is killed.
    escalate_budget_s: float = 0.0

    def escalate(self) -> bool:
        """Once ``stop_budget_s`` has passed: ask it to stop more firmly, in a way it still ends by itself (True:
        it is given ``escalate_budget_s`` more), or nothing to try (False: it is killed at once). A child that
        escalates (a database) is also given its whole ``stop_budget_s``, however long the tiers above took."""
        return False


def _how(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
    return f"exited with {returncode}"


class PopenChild(Child):
    """A child this process started itself, in a session of its own (so a Ctrl-C in the terminal reaches
    only the supervisor, which stops the children in order)."""

    process: subprocess.Popen[bytes] | None = None

    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def exit_status(self) -> str | None:
        if self.process is None:
            return "not started"
        code = self.process.poll()
        return None if code is None else _how(code)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(2)


class ProcessChild(PopenChild):
    """A command whose output is appended to ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str],
        log_path: Path,
        ready_url: str | None = None,
        tier: int = 2,
        stop_budget_s: float = 3.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log_path = self._log = log_path
        self.ready_url = ready_url
        self.tier = tier
        self.stop_budget_s = stop_budget_s

    def start(self) -> None:
        try:
            with self._log.open("ab") as log:
                self.process = subprocess.Popen(
                    self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
        except OSError as e:
            raise ChildFailed(str(e)) from e


@dataclass
class ChildState:
    state: str = "stopped"  # starting | ready | not ready | restarting | failed | stopped
    pid: int | None = None
    restarts: int = 0
    last_exit: str | None = None
    last_restart_at: str | None = None
    detail: str | None = None
    ever_ready: bool = False
    generation: int = 0
    restart_at: float = 0.0
    crashes: collections.deque[float] = field(default_factory=collections.deque)

    def public(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "pid": self.pid,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "last_restart_at": self.last_restart_at,
            "detail": self.detail,
        }


def _summary(body: bytes) -> str | None:
    """'database down, nats up' from a service's /readyz; the upstreams that are not ready from the gateway's."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fine = ("ready", "up", "ok")
    parts = []
    for key, value in data.items():
        if key == "status":
            continue
        if isinstance(value, dict):
            parts += [f"{k} {v}" for k, v in value.items() if v not in fine]
        elif isinstance(value, str) and value not in fine:
            parts.append(f"{key} {value}")
    return ", ".join(parts) or None


def probe(url: str, timeout: float = 2.0) -> tuple[bool, str | None]:
    """GET a readiness URL: (ready, what its body says)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, _summary(response.read())
    except urllib.error.HTTPError as e:
        return False, _summary(e.read()) or f"HTTP {e.code}"
    except (OSError, ValueError):
        return False, "unreachable"


class Supervisor:
    """Starts, watches, restarts and stops its children (see the module docstring)."""

    def __init__(
        self,
        run_dir: Path,
        log_path: Path,
        *,
        policy: RestartPolicy | None = None,
        echo: Callable[[str], None] = print,
        marker: tuple[str, str] | None = None,
        probe_every_s: float = 2.0,
        tick_s: float = 0.2,
    ) -> None:
        self.run_dir = run_dir
        self.log_path = log_path
        self.policy = policy or RestartPolicy()
        self.echo = echo
        self.marker = marker  # an environment variable every descendant inherits: the last sweep finds them
        self.probe_every_s = probe_every_s
        self.tick_s = tick_s
        self.children: list[Child] = []
        self.states: dict[str, ChildState] = {}
        self._stop_requested = False
        self._hurry = False
        self._probes: dict[str, tuple[int, Future[tuple[bool, str | None]]]] = {}
        self._next_probe = 0.0
        self._pool: ThreadPoolExecutor | None = None
        run_dir.mkdir(parents=True, exist_ok=True)
        log_path.parent.mkdir(parents=True, exist_ok=True)

    # -- events -------------------------------------------------------------------------------------------
    def event(
        self,
        level: str,
        event: str,
        message: str,
        child: str | None = None,
        *,
        at: datetime | None = None,
        **fields: Any,
    ) -> None:
        now = at or datetime.now(UTC)
        entry = {
            "time": now.isoformat(timespec="milliseconds"),
            "level": level,
            "service": "supervisor",
            "event": event,
            **({"child": child} if child else {}),
            "message": message,
            **fields,
        }
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.echo(f"{now.astimezone():%H:%M:%S} {message}")

    def write_state(self) -> None:
        data = {
            "supervisor_pid": os.getpid(),
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "stopping": self._stop_requested,
            "children": {c.name: self.states[c.name].public() for c in self.children},
        }
        tmp = self.run_dir / "state.json.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2))
        tmp.replace(self.run_dir / "state.json")

    def _pid_file(self, child: Child) -> Path:
        return self.run_dir / f"{child.name}.pid"

    # -- starting -----------------------------------------------------------------------------------------
    def add(self, child: Child) -> Child:
        self.children.append(child)
        self.states[child.name] = ChildState()
        return child

    def start(self, child: Child) -> None:
        """Start a child for the first time; ChildFailed propagates (the caller reports it)."""
        if child.name not in self.states:
            self.add(child)
        self._launch(child)

    def _launch(self, child: Child) -> None:
        st = self.states[child.name]
        st.generation += 1
        st.state, st.detail = "starting", None
        child.start()
        st.pid = child.pid()
        if st.pid is not None:
            self._pid_file(child).write_text(f"{st.pid}\n")
        if child.ready_url is None:
            st.state, st.ever_ready = "ready", True
        self.write_state()

    def wait_ready(self, timeout: float) -> None:
        """Supervise until every child is ready; GaveUp if one dies first or time runs out."""
        deadline = time.monotonic() + timeout
        while not all(s.state == "ready" for s in self.states.values()):
            if self._stop_requested:
                return
            if time.monotonic() > deadline:
                late = [c for c in self.children if self.states[c.name].state != "ready"]
                raise GaveUp(
                    f"not ready after {timeout:.0f}s: {', '.join(c.name for c in late)}",
                    late[0].log_path,
                )
            self._tick()
            time.sleep(self.tick_s)

    # -- watching -----------------------------------------------------------------------------------------
    def run(self, timeout: float | None = None) -> None:
        """Supervise until request_stop() (or ``timeout``); GaveUp when a child is in a crash loop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stop_requested and (deadline is None or time.monotonic() < deadline):
            self._tick()
            time.sleep(self.tick_s)

    def request_stop(self) -> None:
        """Make run() return; asked a second time, stop() kills instead of waiting."""
        if self._stop_requested:
            self._hurry = True
        self._stop_requested = True

    def _tick(self) -> None:
        self._collect_probes()
        now = time.monotonic()
        for child in self.children:
            st = self.states[child.name]
            if st.state in ("starting", "ready", "not ready"):
                how = child.exit_status()
                if how is not None:
                    self._crashed(child, how)
            elif st.state == "restarting" and now >= st.restart_at:
                self._restart(child)
        if now >= self._next_probe:
            self._submit_probes()
            starting = any(s.state == "starting" for s in self.states.values())
            self._next_probe = now + (0.25 if starting else self.probe_every_s)

    def _crashed(self, child: Child, how: str) -> None:
        st = self.states[child.name]
        now, seen = time.monotonic(), datetime.now(UTC)  # the restart's pause counts from here
        st.pid, st.last_exit = None, how
        self._pid_file(child).unlink(missing_ok=True)
        st.crashes.append(now)
        while st.crashes and now - st.crashes[0] > self.policy.window_s:
            st.crashes.popleft()
        if not st.ever_ready:  # a configuration or code error, not a crash: restarting would not help
            st.state = "failed"
            self.write_state()
            message = f"{child.name} {how} before it was ready"
            self.event("error", "gave_up", message, child.name, exit=how, crashes=len(st.crashes))
            raise GaveUp(message, child.log_path)
        if len(st.crashes) > self.policy.max_restarts:
            st.state = "failed"
            self.write_state()
            self.event(
                "error",
                "gave_up",
                f"{child.name} {how}: {len(st.crashes)} crashes within {self.policy.window_s:.0f}s, giving up",
                child.name,
                exit=how,
                crashes=len(st.crashes),
            )
            raise GaveUp(
                f"{child.name} crashed {len(st.crashes)} times within {self.policy.window_s:.0f}s; gave up",
                child.log_path,
            )
        delay = self.policy.delay(len(st.crashes))
        st.state, st.restart_at = "restarting", now + delay
        self.write_state()
        self.event(
            "warning",
            "exited",
            f"{child.name} {how}; restarting in {delay:.1f}s "
            f"(restart {len(st.crashes)} of at most {self.policy.max_restarts} "
            f"within {self.policy.window_s:.0f}s)",
            child.name,
            at=seen,
            exit=how,
            restart_in_s=delay,
            crashes=len(st.crashes),
        )

    def _restart(self, child: Child) -> None:
        st = self.states[child.name]
        st.restarts += 1
        st.last_restart_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            self._launch(child)
        except ChildFailed as e:
            self._crashed(child, f"failed to start ({e})")
            return
        self.event("info", "restarted", f"{child.name} restarted (pid {st.pid})", child.name, pid=st.pid)

    def _submit_probes(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max(1, len(self.children)), thread_name_prefix="probe")
        for child in self.children:
            st = self.states[child.name]
            watched = st.state in ("starting", "ready", "not ready")
            if child.ready_url and watched and child.name not in self._probes:
                self._probes[child.name] = (st.generation, self._pool.submit(probe, child.ready_url))

    def _collect_probes(self) -> None:
        for child in self.children:
            pending = self._probes.get(child.name)
            if pending is None or not pending[1].done():
                continue
            del self._probes[child.name]
            generation, future = pending
            st = self.states[child.name]
            if generation != st.generation or st.state not in ("starting", "ready", "not ready"):
                continue  # the answer of a process that has been replaced since
            ready, detail = future.result()
            if st.state == "starting" and not ready and detail == "unreachable":
                continue  # still binding its port
            new = "ready" if ready else "not ready"
            if (new, detail) == (st.state, st.detail):
                continue
            st.state, st.detail = new, detail
            st.ever_ready = st.ever_ready or ready
            self.write_state()
            if not ready:
                self.event(
                    "warning", "not_ready", f"{child.name} not ready ({detail})", child.name, detail=detail
                )
            elif detail:  # ready, but something it uses is down (a service without NATS still takes writes)
                message = f"{child.name} ready, degraded ({detail})"
                self.event("warning", "degraded", message, child.name, detail=detail)
            else:
                self.event("info", "ready", f"{child.name} ready", child.name)

    # -- stopping -----------------------------------------------------------------------------------------
    def stop(self, budget_s: float = 8.0) -> None:
        """Stop the children, highest tier first (gateway, services, NATS, PostgreSQL), each tier within its
        budget and all within ``budget_s``, except that a child that escalates (PostgreSQL) always has its own
        budget, then its firmer request's (:meth:`Child.escalate`); SIGKILL what is still running; then sweep
        any descendant left. A second request_stop() ends the waits (escalating first)."""
        self._stop_requested = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + budget_s
        for tier in sorted({c.tier for c in self.children}, reverse=True):
            group = [c for c in self.children if c.tier == tier and c.exit_status() is None]
            for child in group:
                child.terminate()
            if not group:
                continue
            budget = max(c.stop_budget_s for c in group)
            tier_deadline = time.monotonic() + budget
            if not any(c.escalate_budget_s for c in group):
                tier_deadline = min(deadline, tier_deadline)
            self._wait(group, tier_deadline, hurry=True)
            firmer = [c for c in group if c.exit_status() is None and c.escalate()]
            for child in firmer:
                self.event(
                    "warning",
                    "escalated",
                    f"{child.name} did not stop within {child.stop_budget_s:g}s; asked to stop at once "
                    f"(killed if still running in {child.escalate_budget_s:g}s)",
                    child.name,
                )
            if firmer:
                # Not ended by a second Ctrl-C: a database that stops at once is consistent, a killed one is not.
                self._wait(firmer, time.monotonic() + max(c.escalate_budget_s for c in firmer), hurry=False)
            for child in group:
                if child.exit_status() is None:
                    child.kill()
                    self.event("warning", "killed", f"{child.name} did not stop in time; killed", child.name)
        self._sweep()
        for child in self.children:
            st = self.states[child.name]
            st.state, st.pid = "stopped", None
            self._pid_file(child).unlink(missing_ok=True)
        self.write_state()

    def _wait(self, group: list[Child], until: float, *, hurry: bool) -> None:
        """Until every child of ``group`` has ended or ``until``; with ``hurry``, also until request_stop() is
        called a second time."""
        while (
            not (hurry and self._hurry)
            and time.monotonic() < until
            and any(c.exit_status() is None for c in group)
        ):
            time.sleep(0.05)

    def leftovers(self) -> list[int]:
        """Descendants still running (found by the marker in their environment)."""
        if self.marker is None:
            return []
        return [pid for pid in procfs.carrying(*self.marker) if pid != os.getpid()]

    def _sweep(self) -> None:
        left = self.leftovers()
        if not left:
            return
        self.event(
            "warning",
            "swept",
            f"killing {len(left)} leftover process(es): "
            + ", ".join(f"{procfs.describe(p)} ({p})" for p in left[:5]),
            pids=left,
        )
        procfs.kill_all(left)
        deadline = time.monotonic() + 2
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)
