"""`zhifa up`'s PostgreSQL is stopped the way an operator would: never SIGKILLed while it shuts down by itself
within a sane bound (issue #16 item 5: under load, its pid file was left after Ctrl-C). A fast shutdown that
outlasts its budget becomes an immediate one (SIGQUIT: no checkpoint, crash recovery at the next start,
nothing committed lost), and only a server that does not even stop that way is killed. A lock file whose pid
now belongs to another process is not taken for a running server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from services.common import procfs
from services.common.embedded import EmbeddedPostgres, free_port
from zhifa.localstack import PostgresChild
from zhifa.supervisor import ProcessChild, Supervisor

STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(60)
"""


def supervisor(tmp_path: Path) -> Supervisor:
    return Supervisor(
        tmp_path / "run",
        tmp_path / "supervisor.log",
        echo=lambda line: None,
        marker=("ZHIFA_TEST_PG_STOP", uuid.uuid4().hex),
        tick_s=0.05,
    )


def events(sup: Supervisor) -> list[dict[str, Any]]:
    return [json.loads(line) for line in sup.log_path.read_text().splitlines()]


def postgres(tmp_path: Path) -> tuple[EmbeddedPostgres, PostgresChild]:
    pg = EmbeddedPostgres(tmp_path / "postgres", free_port(), durable=True)
    return pg, PostgresChild(pg)


def log_since(pg: EmbeddedPostgres, size: int) -> str:
    with pg.log_file.open("rb") as log:
        log.seek(size)
        return log.read().decode(errors="replace")


def restarts_cleanly(pg: EmbeddedPostgres, child: PostgresChild) -> None:
    child.start()
    try:
        assert pg.psql("SELECT count(*) FROM kept").strip() == "1000"  # committed before the stop
    finally:
        pg.stop()


def test_a_postgresql_slower_to_stop_than_its_budget_is_not_killed_and_restarts_cleanly(
    tmp_path: Path,
) -> None:
    """The postmaster frozen (SIGSTOP) for longer than its fast shutdown's budget, as a server too loaded to
    finish its checkpoint in time: it gets an immediate shutdown, not SIGKILL, and leaves no pid file."""
    pg, child = postgres(tmp_path)
    sup = supervisor(tmp_path)
    sup.start(child)
    pg.psql("CREATE TABLE kept AS SELECT g FROM generate_series(1, 1000) g")
    pid = child.pid()
    assert pid is not None
    size = pg.log_file.stat().st_size
    os.kill(pid, signal.SIGSTOP)
    thaw = threading.Timer(child.stop_budget_s + 1.0, os.kill, (pid, signal.SIGCONT))
    thaw.start()
    try:
        sup.stop()
    finally:
        thaw.cancel()
        os.kill(pid, signal.SIGCONT)
    kinds = [(e["event"], e.get("child")) for e in events(sup)]
    assert ("killed", "postgres") not in kinds, kinds
    assert ("escalated", "postgres") in kinds, kinds
    assert not procfs.alive(pid)
    assert not (pg.data_dir / "postmaster.pid").exists()
    assert "received immediate shutdown request" in log_since(pg, size)
    restarts_cleanly(pg, child)


def test_postgresql_keeps_its_budget_when_the_tiers_above_used_up_the_stop(tmp_path: Path) -> None:
    """A service that ignores SIGTERM uses the whole stop's budget; PostgreSQL, stopped after it, still gets
    its fast shutdown (a checkpoint), not SIGKILL."""
    pg, child = postgres(tmp_path)
    sup = supervisor(tmp_path)
    sup.start(child)
    pg.psql("CREATE TABLE kept AS SELECT g FROM generate_series(1, 1000) g")
    sup.start(
        ProcessChild(
            "stubborn",
            [sys.executable, "-c", STUBBORN],
            env=dict(os.environ),
            log_path=tmp_path / "stubborn.log",
            tier=2,
            stop_budget_s=1.0,
        )
    )
    time.sleep(1.0)  # until it ignores SIGTERM
    size = pg.log_file.stat().st_size
    sup.stop(budget_s=1.0)
    kinds = [(e["event"], e.get("child")) for e in events(sup)]
    assert ("killed", "stubborn") in kinds, kinds
    assert ("killed", "postgres") not in kinds, kinds
    assert not (pg.data_dir / "postmaster.pid").exists()
    assert "received fast shutdown request" in log_since(pg, size)
    assert "database system is shut down" in log_since(pg, size)
    restarts_cleanly(pg, child)


def test_a_lock_file_whose_pid_another_process_took_does_not_stop_the_start(tmp_path: Path) -> None:
    """After a crash and a reboot (or a container's restart) the pid in postmaster.pid may belong to another
    process of the server's user: PostgreSQL then refuses to start ("lock file already exists"), though no
    postmaster runs. The lock file is stale when its pid is no postgres: removed, and the server starts."""
    pg, child = postgres(tmp_path)
    child.start()
    pg.psql("CREATE TABLE kept AS SELECT g FROM generate_series(1, 1000) g")
    lock = (pg.data_dir / "postmaster.pid").read_text()
    pg.stop()
    # A process of the server's user (PostgreSQL takes a pid it may not signal for a dead one) now has the pid.
    other = subprocess.Popen(["sleep", "60"], user=pg._user)
    try:
        (pg.data_dir / "postmaster.pid").write_text(lock.replace(lock.split()[0], str(other.pid), 1))
        restarts_cleanly(pg, PostgresChild(pg))
    finally:
        other.kill()
        other.wait()
