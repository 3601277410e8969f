"""`zhifa up`: the whole platform on one machine, supervised.

Embedded PostgreSQL and NATS, the migrations, the sample data, the four services and the gateway, each a child
of a Supervisor (zhifa/supervisor.py) that restarts what dies. Before anything starts, a port that is taken or
a process a previous run left behind is named with the fix, in a line or two.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

import typer

from services.common import procfs
from services.common.devtokens import mint_dev_token
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, port_open
from services.common.registry import GATEWAY_PORT, SERVICES
from zhifa.supervisor import Child, ChildFailed, GaveUp, PopenChild, ProcessChild, Supervisor

NATS_MONITOR_PORT = 8222
MARKER = "ZHIFA_UP_RUN"  # in the environment of everything a run starts: the last sweep finds it by this
READY_TIMEOUT_S = 120.0
#: The interpreter options of every service and gateway process, as the image sets them (deploy/Dockerfile):
#: PYTHONNODEBUGRANGES drops the column tables of code objects (the ``^^^^`` under a traceback's line) as
#: modules are loaded, 0.6 MiB of every process (docs/benchmarks.md, "Idle memory per process"). Set where
#: the process is launched: the interpreter reads it at start-up, before any module is loaded.
PROCESS_ENV = {"PYTHONNODEBUGRANGES": "1"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    var_dir: Path
    pg_port: int
    nats_port: int
    port_offset: int = 0
    sample: bool = True
    #: PostgreSQL with fsync and synchronous commits (the default). Off (``zhifa up --no-fsync``, hidden) only
    #: for tests whose data is thrown away and that stop the platform cleanly (tests/e2e/
    #: test_make_run_quarters.py): the migrations and sample loads of a first run wait on thousands of fsyncs.
    #: Without them a killed PostgreSQL can lose its last commits, and a machine crash can corrupt the data.
    fsync: bool = True

    @property
    def http_ports(self) -> dict[str, int]:
        return {
            "gateway": GATEWAY_PORT + self.port_offset,
            **{s.name: s.port + self.port_offset for s in SERVICES.values()},
        }

    @property
    def nats_monitor_port(self) -> int:
        return NATS_MONITOR_PORT + self.port_offset


def say(text: str, *, err: bool = False) -> None:
    """Print, but never fail: after SIGHUP the terminal is gone, and stopping must go on regardless."""
    with contextlib.suppress(OSError):
        typer.echo(text, err=err)


def shown(path: Path) -> str:
    """A path as the user would type it: relative when under the current directory."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd())) or "."
    return str(path)


# -- the embedded servers as supervised children --------------------------------------------------------------
class PostgresChild(Child):
    """The postmaster, started by pg_ctl (so not our child process): watched through its pid."""

    name = "postgres"
    tier = 0
    #: A fast shutdown (SIGINT: sessions ended, a checkpoint written) gets this long, whatever the tiers above
    #: took; then an immediate one (SIGQUIT: no checkpoint, crash recovery from the WAL at the next start,
    #: nothing committed lost; the postmaster SIGKILLs its own children after 5 s and removes its pid file).
    #: SIGKILL only when even that has not ended it (docs/operations.md, "Stopping").
    stop_budget_s = 4.0
    escalate_budget_s = 6.0

    def __init__(self, pg: EmbeddedPostgres) -> None:
        self.pg = pg
        self.log_path = pg.log_file
        self._pid: int | None = None

    def start(self) -> None:
        if self._pid is not None:
            # A postmaster that just died may linger as a zombie until reaped; PostgreSQL takes its pid file
            # as proof that it still runs. Give the reaper (and the old backends) a moment.
            deadline = time.monotonic() + 5
            while procfs.exists(self._pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        self._clear_stale_lock()
        log_size = self.pg.log_file.stat().st_size if self.pg.log_file.exists() else 0
        try:
            self.pg.start()  # reuses the data directory and the port; crash recovery replays the WAL
        except (RuntimeError, OSError) as e:
            reason = self._reason(e, log_size)
            raise ChildFailed(f"PostgreSQL did not start ({reason}); see {shown(self.pg.log_file)}") from e
        self._pid = self.pg.pid()

    def _clear_stale_lock(self) -> None:
        """Remove a postmaster.pid whose pid now belongs to a process that is no postgres. PostgreSQL takes a
        lock file whose pid is gone (or not its user's) for stale by itself, but refuses to start ("lock file
        already exists") while that pid runs anything of its user: after a killed server and a reboot, or a
        container's restart, pids are handed out again."""
        pid = self.pg.pid()
        if pid is None or not procfs.alive(pid) or self.pg.running():
            return
        say(
            f"  {shown(self.pg.data_dir / 'postmaster.pid')} names pid {pid} ({procfs.describe(pid)}), no postgres: removed"
        )
        (self.pg.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def _reason(self, error: Exception, log_size: int) -> str:
        """The server's first FATAL line of this attempt, else pg_ctl's last words (its first are often a
        warning)."""
        with contextlib.suppress(OSError), self.pg.log_file.open("rb") as log:
            log.seek(log_size)
            for line in log.read(20000).decode(errors="replace").splitlines():
                if "FATAL:" in line:
                    return line.split("FATAL:", 1)[1].strip()
        lines = [line for line in str(error).rsplit("): ", 1)[-1].splitlines() if line.strip()]
        return lines[-1] if lines else str(error)

    def pid(self) -> int | None:
        # Before the first start completes (interrupted by Ctrl-C, say), the postmaster may already run.
        pid = self._pid if self._pid is not None else self.pg.pid()
        return pid if pid is not None and procfs.alive(pid) else None

    def exit_status(self) -> str | None:
        if self._pid is None:
            return None if self.pid() is not None else "not started"
        return None if procfs.alive(self._pid) else f"stopped (postmaster pid {self._pid} is gone)"

    def terminate(self) -> None:
        pid = self.pid()
        if pid is not None:
            procfs.kill_all([pid], signal.SIGINT)  # "fast" shutdown: ends sessions, checkpoints

    def escalate(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        procfs.kill_all([pid], signal.SIGQUIT)  # "immediate" shutdown
        return True

    def kill(self) -> None:
        pid = self.pid()
        if pid is not None:
            procfs.kill_all([pid, *procfs.children(pid)])


class NatsChild(PopenChild):
    name = "nats"
    tier = 1
    stop_budget_s = 1.5

    def __init__(self, nats: EmbeddedNats) -> None:
        self.nats = nats
        self.log_path = nats.log_file

    def start(self) -> None:
        try:
            self.nats.start()  # the same store directory and port: JetStream recovers its streams
        except (RuntimeError, OSError) as e:
            raise ChildFailed(f"NATS did not start: {e}") from e
        self.process = self.nats.process


# -- before starting: what is in the way ----------------------------------------------------------------------
def _is_zhifa_up(pid: int) -> bool:
    args = procfs.cmdline(pid)
    return "up" in args and any(Path(a).name in ("zhifa", "zhifa.cli") for a in args)


def _is_ours(pid: int, var_dir: Path) -> bool:
    """A process `zhifa up` starts: a service or the gateway, or the nats-server of this var dir."""
    args = procfs.cmdline(pid)
    if "serve" in args and any(Path(a).name in ("zhifa", "zhifa.cli") for a in args):
        return True
    return bool(args) and Path(args[0]).name == "nats-server" and str(var_dir) in " ".join(args)


def _owning_supervisor(pid: int) -> int | None:
    parent = procfs.ppid(pid)
    return parent if parent is not None and parent > 1 and _is_zhifa_up(parent) else None


def preflight(opts: Options) -> list[str]:
    """Why this run cannot start, one line per kind of obstacle, each with its fix; [] when nothing is."""
    var = opts.var_dir
    run_dir = var / "run"
    sup_file = run_dir / "supervisor.pid"
    other = _read_pid(sup_file)
    if other is not None and other != os.getpid() and procfs.alive(other) and _is_zhifa_up(other):
        return [
            f"another `zhifa up` (pid {other}) is running with {shown(var)}: stop it first "
            f"(Ctrl-C in its terminal, or kill {other}), or use another --var-dir"
        ]
    stale: dict[int, str] = {}
    for pid_file in sorted(run_dir.glob("*.pid")) if run_dir.is_dir() else []:
        pid = _read_pid(pid_file)
        if pid is not None and pid_file != sup_file and procfs.alive(pid) and _is_ours(pid, var):
            stale[pid] = pid_file.stem
    postmaster = _read_pid(var / "postgres" / "postmaster.pid")
    busy: list[str] = []
    options: list[str] = []
    others: set[int] = set()
    checks = [
        (opts.pg_port, "PostgreSQL", "--pg-port"),
        (opts.nats_port, "NATS", "--nats-port"),
        (opts.nats_monitor_port, "NATS monitoring", "--port-offset"),
        *((port, name, "--port-offset") for name, port in opts.http_ports.items()),
    ]
    wrong = [f"{port} ({what})" for port, what, _ in checks if not 0 < port < 65536]
    if wrong:
        return [
            f"port out of range: {', '.join(wrong)}; choose others with --pg-port, --nats-port, --port-offset"
        ]
    for port, what, option in checks:
        if not port_open(port):
            continue
        owner = procfs.port_owner(port)
        if owner is not None and owner == postmaster and procfs.alive(owner):
            continue  # this var dir's own PostgreSQL, left running: it is restarted on the right port
        supervisor = _owning_supervisor(owner) if owner is not None else None
        if supervisor is not None:
            others.add(supervisor)
        elif owner is not None and _is_ours(owner, var):
            stale.setdefault(owner, what)
            continue
        holder = f"{procfs.describe(owner)}, pid {owner}" if owner is not None else "another program"
        busy.append(f"{port} ({what}: {holder})")
        if option not in options:
            options.append(option)
    problems = []
    if stale:
        listed = ", ".join(f"{name} (pid {pid})" for pid, name in stale.items())
        problems.append(
            f"a previous `zhifa up` left processes running: {listed}; stop them: kill {' '.join(map(str, stale))}"
        )
    if busy:
        hint = f" (another `zhifa up`, pid {', '.join(map(str, sorted(others)))})" if others else ""
        problems.append(f"port in use{hint}: {'; '.join(busy)}; choose others with {', '.join(options)}")
    return problems


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# -- running ----------------------------------------------------------------------------------------------------
class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP (the terminal closed): stop everything."""


@contextlib.contextmanager
def _signals(on_signal: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run(opts: Options) -> int:
    """Start, supervise until Ctrl-C, stop; the exit code."""
    started = time.monotonic()
    var = opts.var_dir.resolve()
    opts = replace(opts, var_dir=var)
    (var / "logs").mkdir(parents=True, exist_ok=True)
    problems = preflight(opts)
    if problems:
        for line in problems:
            say(line, err=True)
        return 1
    os.environ[MARKER] = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    sup = Supervisor(
        var / "run", var / "logs" / "supervisor.log", echo=say, marker=(MARKER, os.environ[MARKER])
    )
    sup_file = var / "run" / "supervisor.pid"
    sup_file.write_text(f"{os.getpid()}\n")
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        sup.request_stop()  # a second one while stopping: kill instead of waiting
        if not stopping:
            raise Interrupted

    code = 0
    with _signals(on_signal):
        try:
            calendar_note = _start(sup, opts)
            _welcome(time.monotonic() - started, opts, calendar_note)
            sup.run()
        except Interrupted:
            pass
        except ChildFailed as e:
            say(f"{e}", err=True)
            code = 1
        except GaveUp as e:
            say(f"\n{e}; stopping the platform.", err=True)
            if e.log_path is not None:
                say(_tail(e.log_path), err=True)
            code = 1
        finally:
            stopping = True
            say("\nstopping ... (Ctrl-C again to kill at once; PostgreSQL then stops without its checkpoint)")
            sup.stop()
            sup_file.unlink(missing_ok=True)
            say(f"stopped; data kept in {shown(var)}")
    return code


def _start(sup: Supervisor, opts: Options) -> str | None:
    """Start every child in order and wait until all are ready; the calendar note to show, if any."""
    from services.common import migrate as migrations

    var = opts.var_dir
    pg = EmbeddedPostgres(var / "postgres", opts.pg_port, durable=opts.fsync)
    # The production permission model with generated per-service passwords (var/nats.credentials.json).
    nats = EmbeddedNats(var / "nats", opts.nats_port, monitor_port=opts.nats_monitor_port, auth=True)
    say(f"starting PostgreSQL on 127.0.0.1:{opts.pg_port} (data in {shown(var / 'postgres')}) ...")
    sup.start(PostgresChild(pg))
    say(f"starting NATS JetStream on 127.0.0.1:{opts.nats_port} (sync_interval: always) ...")
    sup.start(NatsChild(nats))
    ports = opts.http_ports
    env = {
        **os.environ,
        "ZHIFA_ENV": os.environ.get("ZHIFA_ENV", "dev"),
        "ZHIFA_NATS_URL": nats.url,
        "ZHIFA_LOG_JSON": os.environ.get("ZHIFA_LOG_JSON", "true"),
        "ZHIFA_GATEWAY_PORT": str(ports["gateway"]),
        **nats.client_env(),
        **PROCESS_ENV,
    }
    urls = {}
    for info in SERVICES.values():
        pg.ensure_database(info.database_name)
        # Two roles (issue #13): the owner migrates, the service connects as a role that cannot change or
        # delete audit entries (services/common/migrate.py).
        roles = migrations.provision_roles(
            pg.dsn(driver="postgresql+asyncpg"),
            info.database_name,
            f"zhifa_{info.name}_owner",
            f"zhifa_{info.name}",
        )
        urls[info.name] = roles.service_url
        env[f"{info.env_prefix}DATABASE_URL"] = roles.service_url
        env[f"{info.env_prefix}DATABASE_OWNER_URL"] = roles.owner_url
        env[f"ZHIFA_GATEWAY_{info.name.upper()}_URL"] = f"http://127.0.0.1:{ports[info.name]}"
        env[f"{info.env_prefix}PORT"] = str(ports[info.name])
        migrations.migrate_service(info.name, roles.service_url, roles.owner_url)
        say(f"  {info.database_name}: migrated")
    if opts.sample:
        for info in SERVICES.values():
            try:
                loader = importlib.import_module(f"services.{info.name}.sample")
            except ModuleNotFoundError:
                continue
            summary = asyncio.run(loader.load(urls[info.name]))
            say(f"  {info.name}: sample data {summary}")
            # Sample activity (a visit …) whose events reach the other services once the relays start.
            activity = getattr(loader, "activity", None)
            if activity is not None:
                say(f"  {info.name}: sample activity: {asyncio.run(activity(urls[info.name]))}")
    calendar_note = _calendar_note(urls)
    threading.Thread(target=_checkpoint, args=(pg,), name="checkpoint", daemon=True).start()
    for target in [*SERVICES, "gateway"]:
        sup.start(
            ProcessChild(
                target,
                [sys.executable, "-m", "zhifa", "serve", target],
                env=env,
                log_path=var / "logs" / f"{target}.log",
                ready_url=f"http://127.0.0.1:{ports[target]}/readyz",
                tier=3 if target == "gateway" else 2,
                stop_budget_s=2.0 if target == "gateway" else 3.0,
            )
        )
    sup.wait_ready(READY_TIMEOUT_S)
    return calendar_note


def _checkpoint(pg: EmbeddedPostgres) -> None:
    """Write what the preparation left dirty, while the services start: on a first run, initdb, the databases
    and their migrations leave ~2,800 files to sync, and a fast shutdown's checkpoint at Ctrl-C took 6 s under
    load (sync 5.8 s), past PostgreSQL's stop budget (PostgresChild); written now, that checkpoint has only
    the run's own writes left (0.2 s). Best effort: a Ctrl-C meanwhile cancels it, and the stop writes it."""
    try:
        pg.psql("CHECKPOINT")
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        log.info("checkpoint after the preparation not written: %s", e)


def _tail(path: Path, lines: int = 12) -> str:
    """The last lines of a log, shortened, to show why a child gave up."""
    try:
        text = path.read_bytes()[-20000:].decode(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no log at {shown(path)})"
    body = "\n".join("  " + (line if len(line) <= 240 else line[:237] + "...") for line in text)
    return f"last lines of {shown(path)}:\n{body}"


def sample_tokens() -> dict[str, str]:
    """Ready-made development tokens matching the sample data."""
    from services.common import sample_identities

    return {label: mint_dev_token(**claims) for label, claims in sample_identities.IDENTITIES.items()}


def _welcome(elapsed: float, opts: Options, calendar_note: str | None) -> None:
    from services.common import sample_identities

    var, ports = opts.var_dir, opts.http_ports
    tokens = sample_tokens()
    tokens_path = var / "tokens.json"
    tokens_path.write_text(json.dumps(tokens, ensure_ascii=False, indent=2))
    base = f"http://127.0.0.1:{ports['gateway']}"
    say(f"\nzhifa is ready in {elapsed:.1f}s\n")
    say(f"  gateway       {base}   (API docs: {base}/docs, readiness: {base}/readyz)")
    for s in SERVICES.values():
        say(f"  {s.name:<13} http://127.0.0.1:{ports[s.name]}")
    say(f"  logs          {shown(var / 'logs')}")
    say(f"  state         {shown(var / 'run' / 'state.json')}   (zhifa status --var-dir {shown(var)})\n")
    say("Ready-made development tokens (8 h):")
    for label, tok in tokens.items():
        say(f"  {label}:\n    {tok}")
    say(f"  (also written to {shown(tokens_path)})\n")
    if opts.sample:
        say("Try it:")
        say(sample_identities.try_it(base, shown(tokens_path)))
    if calendar_note:
        say(calendar_note)
    say(
        f"\nA service, NATS or PostgreSQL that dies is restarted (see {shown(var / 'logs' / 'supervisor.log')})."
    )
    say(f"Ctrl-C stops everything; data stays in {shown(var)}.")


def _calendar_note(urls: dict[str, str]) -> str | None:
    """In November and December: a note when next year's holidays are not loaded, since working-day
    deadlines that reach into it (hearings, deliveries, rectifications, reviews) will be refused."""
    from services.common import clock
    from services.common.calendar_store import next_year_missing
    from services.common.db import create_engine, session_factory, transaction

    async def missing(url: str) -> int | None:
        engine = create_engine(url, pool_size=1)
        try:
            async with transaction(session_factory(engine)) as session:
                return await next_year_missing(session, clock.today())
        finally:
            await engine.dispose()

    async def every() -> list[int | None]:
        return list(await asyncio.gather(*(missing(url) for url in urls.values())))

    years = asyncio.run(every())
    lacking = {name: year for name, year in zip(urls, years, strict=True) if year is not None}
    if not lacking:
        return None
    year = max(lacking.values())
    return (
        f"\nNote: no statutory holiday arrangement for {year} is loaded ({', '.join(lacking)}). Working-day\n"
        f"deadlines that fall in {year} are not computed until an administrator enters it in each service:\n"
        f"most are left pending (a matter, a lead, a complaint, a rectification, a repair application's\n"
        f"review, a decision's delivery) and computed then; the rest are refused with CALENDAR_NOT_COVERED.\n"
        f'PUT /api/v1/<prefix>/admin/calendar/{year} (docs/operations.md, "Every year").'
    )


def status(var_dir: Path) -> tuple[int, str]:
    """`zhifa status`: what the supervisor of a var dir last recorded; exit code 0 when every child is ready."""
    state_file = var_dir / "run" / "state.json"
    try:
        data = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return 1, f"no state in {shown(state_file)}: `zhifa up --var-dir {shown(var_dir)}` is not running"
    pid = data.get("supervisor_pid")
    running = isinstance(pid, int) and procfs.alive(pid) and _is_zhifa_up(pid)
    lines = [
        f"supervisor pid {pid}: {'running' if running else 'not running'} (as of {data.get('updated_at')})"
    ]
    for name, child in data.get("children", {}).items():
        extra = []
        if child.get("restarts"):
            extra.append(f"{child['restarts']} restart(s), last {child.get('last_restart_at')}")
        if child.get("last_exit"):
            extra.append(f"last exit: {child['last_exit']}")
        if child.get("detail"):
            extra.append(str(child["detail"]))
        pid_text = f"pid {child['pid']}" if child.get("pid") else "-"
        lines.append(f"  {name:<13} {child.get('state', '?'):<11} {pid_text:<11} {'; '.join(extra)}".rstrip())
    ok = running and all(c.get("state") == "ready" for c in data.get("children", {}).values())
    return (0 if ok else 1), "\n".join(lines)
