"""The supervisor of `zhifa up`, with small stand-in children: restarts with growing pauses, gives up on a
crash loop, reports readiness changes, stops in order within a deadline and leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from services.common import procfs
from services.common.embedded import free_port
from zhifa.supervisor import GaveUp, ProcessChild, RestartPolicy, Supervisor


def child(tmp_path: Path, name: str, code: str, **kwargs: Any) -> ProcessChild:
    return ProcessChild(
        name,
        [sys.executable, "-c", textwrap.dedent(code)],
        env=dict(os.environ),
        log_path=tmp_path / f"{name}.log",
        **kwargs,
    )


def supervisor(tmp_path: Path, **policy: float) -> Supervisor:
    return Supervisor(
        tmp_path / "run",
        tmp_path / "supervisor.log",
        policy=RestartPolicy(**policy),  # type: ignore[arg-type]
        echo=lambda line: None,
        marker=("ZHIFA_TEST_SUPERVISOR", uuid.uuid4().hex),
        probe_every_s=0.2,
        tick_s=0.05,
    )


def events(sup: Supervisor, kind: str | None = None) -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in sup.log_path.read_text().splitlines()]
    return [e for e in entries if kind is None or e["event"] == kind]


def at(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["time"]).timestamp()


class TestRestarts:
    def test_pauses_double_up_to_the_cap_then_it_gives_up(self, tmp_path: Path) -> None:
        sup = supervisor(tmp_path, first_delay_s=0.1, max_delay_s=0.4, max_restarts=4, window_s=60)
        sup.start(child(tmp_path, "flaky", "import time; time.sleep(0.2); raise SystemExit(3)"))
        with pytest.raises(GaveUp, match="flaky crashed 5 times"):
            sup.run(timeout=30)
        exits = events(sup, "exited")
        # 0.1 s, doubled per crash (0.2, 0.4), then held at the 0.4 s cap; the fifth crash is one too many
        assert [e["restart_in_s"] for e in exits] == [0.1, 0.2, 0.4, 0.4]
        assert all(e["exit"] == "exited with 3" for e in exits)
        restarts = events(sup, "restarted")
        assert len(restarts) == 4
        for crash, restart in zip(exits, restarts, strict=True):
            assert at(restart) - at(crash) >= crash["restart_in_s"] - 0.01
        assert events(sup, "gave_up")[0]["crashes"] == 5
        state = json.loads((tmp_path / "run" / "state.json").read_text())
        assert state["children"]["flaky"]["state"] == "failed"
        assert state["children"]["flaky"]["restarts"] == 4
        sup.stop()

    def test_crashes_further_apart_than_the_window_do_not_add_up(self, tmp_path: Path) -> None:
        sup = supervisor(tmp_path, first_delay_s=0.1, max_delay_s=5, max_restarts=1, window_s=0.5)
        sup.start(child(tmp_path, "slowcrash", "import time; time.sleep(0.8); raise SystemExit(1)"))
        sup.run(timeout=4)  # would raise GaveUp if two crashes counted within the window
        exits = events(sup, "exited")
        assert len(exits) >= 3
        assert {e["restart_in_s"] for e in exits} == {0.1}
        sup.stop()

    def test_a_killed_child_is_restarted_with_a_new_pid_file(self, tmp_path: Path) -> None:
        sup = supervisor(tmp_path, first_delay_s=0.1)
        sup.start(child(tmp_path, "sleeper", "import time; time.sleep(60)"))
        pid_file = tmp_path / "run" / "sleeper.pid"
        first = int(pid_file.read_text())
        os.kill(first, signal.SIGKILL)
        sup.run(timeout=2)
        second = int(pid_file.read_text())
        assert second != first and procfs.alive(second)
        state = json.loads((tmp_path / "run" / "state.json").read_text())["children"]["sleeper"]
        assert state["restarts"] == 1
        assert state["last_exit"] == "killed by SIGKILL"
        assert state["pid"] == second
        sup.stop()
        assert not procfs.alive(second)
        assert not pid_file.exists()

    def test_a_child_that_dies_before_it_was_ever_ready_is_not_restarted(self, tmp_path: Path) -> None:
        sup = supervisor(tmp_path, first_delay_s=0.1)
        sup.start(
            child(
                tmp_path,
                "broken",
                "raise SystemExit('bad configuration')",
                ready_url=f"http://127.0.0.1:{free_port()}/readyz",
            )
        )
        with pytest.raises(GaveUp, match="broken exited with 1 before it was ready") as caught:
            sup.wait_ready(10)
        assert caught.value.log_path == tmp_path / "broken.log"
        assert "bad configuration" in (tmp_path / "broken.log").read_text()
        assert events(sup, "restarted") == []
        sup.stop()


READYZ = """
import http.server, json, os, sys
FLAG = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        up = os.path.exists(FLAG)
        body = json.dumps({"status": "ok" if up else "unavailable", "database": "up" if up else "down"})
        self.send_response(200 if up else 503)
        self.end_headers()
        self.wfile.write(body.encode())
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
"""


def test_readiness_changes_are_reported(tmp_path: Path) -> None:
    flag, port = tmp_path / "db-up", free_port()
    flag.touch()
    sup = supervisor(tmp_path)
    svc = ProcessChild(
        "svc",
        [sys.executable, "-c", READYZ, str(flag), str(port)],
        env=dict(os.environ),
        log_path=tmp_path / "svc.log",
        ready_url=f"http://127.0.0.1:{port}/readyz",
    )
    sup.start(svc)
    sup.wait_ready(10)
    flag.unlink()  # the database goes away
    sup.run(timeout=1.5)
    state = json.loads((tmp_path / "run" / "state.json").read_text())["children"]["svc"]
    assert (state["state"], state["detail"]) == ("not ready", "database down")
    flag.touch()
    sup.run(timeout=1.5)
    assert [(e["event"], e.get("detail")) for e in events(sup) if e["event"] in ("ready", "not_ready")] == [
        ("ready", None),
        ("not_ready", "database down"),
        ("ready", None),
    ]
    sup.stop()


ON_TERM = """
import signal, sys, time
def bye(*_):
    with open(sys.argv[1], "a") as f:
        f.write(sys.argv[2] + "\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if sys.argv[2] == "stubborn" else bye)
time.sleep(60)
"""

GRANDPARENT = """
import subprocess, sys, time
# a grandchild in a session of its own: a signal to the child's process group does not reach it
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
time.sleep(60)
"""


def test_stop_goes_tier_by_tier_kills_the_stubborn_and_leaves_nothing(tmp_path: Path) -> None:
    order = tmp_path / "order"
    sup = supervisor(tmp_path)
    assert sup.marker is not None
    os.environ[sup.marker[0]] = sup.marker[1]  # as `zhifa up` does: every descendant inherits it
    try:
        for name, tier in (("db", 0), ("bus", 1), ("service", 2), ("stubborn", 3)):
            sup.start(
                ProcessChild(
                    name,
                    [sys.executable, "-c", ON_TERM, str(order), name],
                    env=dict(os.environ),
                    log_path=tmp_path / f"{name}.log",
                    tier=tier,
                    stop_budget_s=0.5,
                )
            )
        sup.start(child(tmp_path, "parent", GRANDPARENT, tier=2))
        time.sleep(1.0)  # let the grandchild start
        assert len(sup.leftovers()) == 6  # five children and the grandchild
        began = time.monotonic()
        sup.stop(budget_s=5)
        took = time.monotonic() - began
    finally:
        del os.environ[sup.marker[0]]
    assert order.read_text().split() == ["service", "bus", "db"]  # highest tier first; stubborn killed
    assert took < 5
    assert sup.leftovers() == []
    assert [e["child"] for e in events(sup, "killed")] == ["stubborn"]
    assert len(events(sup, "swept")[0]["pids"]) == 1  # the grandchild
