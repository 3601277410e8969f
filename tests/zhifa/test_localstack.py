"""`zhifa up` refuses to start, in one or two lines naming the fix, when a port is taken or a previous run
left processes behind; its options come from the command line, `make run ARGS=...` or environment
variables. None of these tests starts the platform: each ends before PostgreSQL would start."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from services.common.embedded import EmbeddedNats, free_port

ZHIFA = str(Path(sys.executable).parent / "zhifa")
ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def listening() -> Iterator[int]:
    """A port held by something that is not zhifa (a plain listening socket of this test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def up(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, str]:
    """Run `zhifa up` until it exits; if it starts the platform instead, stop it and fail."""
    proc = subprocess.Popen(
        [ZHIFA, "up", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ZHIFA_ENV": "dev", **(env or {})},
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        raise AssertionError("zhifa up did not refuse to start:\n" + out.decode()[-2000:]) from None
    return proc.returncode, out.decode()


def assert_refused(rc: int, out: str, *needles: str) -> None:
    assert rc != 0, out
    assert "Traceback" not in out, out
    lines = [line for line in out.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 2, f"expected one or two lines, got:\n{out}"
    for needle in needles:
        assert needle in out, f"{needle!r} not in:\n{out}"


def base_args(tmp_path: Path, **ports: int) -> list[str]:
    return [
        "--var-dir",
        str(tmp_path / "var"),
        "--pg-port",
        str(ports.get("pg", free_port())),
        "--nats-port",
        str(ports.get("nats", free_port())),
        "--port-offset",
        str(ports.get("offset", 23000)),
    ]


class TestPortsInUse:
    def test_the_postgres_port(self, tmp_path: Path) -> None:
        with listening() as port:
            rc, out = up(*base_args(tmp_path, pg=port))
        assert_refused(rc, out, str(port), "--pg-port")

    def test_the_nats_port(self, tmp_path: Path) -> None:
        with listening() as port:
            rc, out = up(*base_args(tmp_path, nats=port))
        assert_refused(rc, out, str(port), "--nats-port")

    def test_an_http_port(self, tmp_path: Path) -> None:
        with listening() as port:
            offset = port - 8102  # puts the penalty service (8102) on the taken port
            rc, out = up(*base_args(tmp_path, offset=offset))
        assert_refused(rc, out, str(port), "penalty", "--port-offset")


def test_a_stray_nats_server_of_a_previous_run_is_named_with_kill(tmp_path: Path) -> None:
    """A nats-server left running from this var dir (the supervisor was killed) is named with its pid."""
    nats_port = free_port()
    stray = EmbeddedNats(tmp_path / "var" / "nats", nats_port)  # what `zhifa up` starts, in the same place
    stray.start()
    try:
        assert stray.process is not None
        rc, out = up(*base_args(tmp_path, nats=nats_port))
        assert_refused(rc, out, f"kill {stray.process.pid}")
        assert stray.process.poll() is None, "zhifa up must not kill what it did not start in this run"
    finally:
        stray.stop()


def test_options_from_environment_variables(tmp_path: Path) -> None:
    with listening() as port:
        env = {
            "ZHIFA_UP_VAR_DIR": str(tmp_path / "var"),
            "ZHIFA_UP_PG_PORT": str(port),
            "ZHIFA_UP_NATS_PORT": str(free_port()),
            "ZHIFA_UP_PORT_OFFSET": "23000",
        }
        rc, out = up(env=env)
    assert_refused(rc, out, str(port), "--pg-port")


def test_make_run_passes_args() -> None:
    result = subprocess.run(
        ["make", "-n", "run", "ARGS=--port-offset 1000 --no-sample"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert any(
        line.endswith("zhifa up --port-offset 1000 --no-sample") for line in result.stdout.splitlines()
    ), result.stdout


def test_postgresql_that_cannot_start_is_one_line_with_its_reason(tmp_path: Path) -> None:
    data = tmp_path / "var" / "postgres"
    data.mkdir(parents=True)
    (data / "PG_VERSION").write_text("18\n")  # looks initialised, but is a broken data directory
    rc, out = up(*base_args(tmp_path))
    assert rc == 1, out
    assert "Traceback" not in out, out
    failure = [line for line in out.splitlines() if line.startswith("PostgreSQL did not start (")]
    assert len(failure) == 1, out
    assert "global/pg_control" in failure[0]  # the reason, not a command line
    assert failure[0].endswith(f"see {tmp_path / 'var' / 'postgres.log'}")
