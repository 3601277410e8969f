"""The ``zhifa`` command: the embedded stack, serving, migrations, tokens, outbox replay, key rotation."""

from __future__ import annotations

import asyncio
import base64
import gc
import importlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from services.common.devtokens import mint_dev_token
from services.common.registry import GATEWAY_PORT, NATS_PORT, POSTGRES_PORT, SERVICES

SERVE_TARGETS: tuple[str, ...] = ("gateway", *SERVICES)
ROLES = ("api", "worker", "all")

app = typer.Typer(add_completion=False, no_args_is_help=True, help="zhifa (执法) platform command line")
outbox_app = typer.Typer(no_args_is_help=True, help="outbox maintenance")
keys_app = typer.Typer(no_args_is_help=True, help="signing keys")
app.add_typer(outbox_app, name="outbox")
app.add_typer(keys_app, name="keys")


def _service_settings(name: str) -> Any:
    module = importlib.import_module(f"services.{name}.settings")
    cls = getattr(module, f"{name.title().replace('_', '')}Settings")
    return cls()


@app.command()
def serve(
    target: Annotated[str, typer.Argument(help=f"one of: {', '.join(SERVE_TARGETS)}")],
    role: Annotated[str, typer.Option(help="api | worker | all (services only)")] = "all",
    host: Annotated[str | None, typer.Option(help="bind address (default from settings)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default from the registry)")] = None,
    admin_port: Annotated[
        int | None,
        typer.Option(help="serve /healthz, /readyz, /metrics, /docs here, off the public port (production)"),
    ] = None,
) -> None:
    """Run one process: the gateway or a service (API, worker, or both)."""
    from services.common import listeners

    if target not in SERVE_TARGETS:
        raise typer.BadParameter(f"unknown target {target!r}; expected one of {', '.join(SERVE_TARGETS)}")
    if role not in ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if target == "gateway":
        from gateway.app import create_app as create_gateway
        from gateway.settings import GatewaySettings

        gw_settings = GatewaySettings()
        asgi = create_gateway(gw_settings)
        bind_host, bind_port = host or gw_settings.host, port or gw_settings.port
        admin_only = listeners.GATEWAY_ADMIN_ONLY
    else:
        settings = _service_settings(target)
        module = importlib.import_module(f"services.{target}.app")
        asgi = module.create_app(settings, role=role)  # type: ignore[arg-type]
        bind_host, bind_port = host or settings.host, port or settings.port or SERVICES[target].port
        admin_only = listeners.SERVICE_ADMIN_ONLY
    freeze_startup_heap()
    listeners.run(
        asgi,
        host=bind_host,
        port=bind_port,
        admin_port=admin_port,
        admin_only=admin_only,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        lifespan="on",
    )


def freeze_startup_heap() -> None:
    """Move everything built at start-up (modules, the ORM's metadata, the OpenAPI models, the routes) out of
    the collector's reach. Without it every full collection walks that heap: about 80 ms with the request
    loop stopped, several times a minute under load, which was most of the check-in p99 (docs/benchmarks.md).
    """
    gc.collect()
    gc.freeze()


@app.command()
def migrate(target: Annotated[str, typer.Argument(help="a service name or 'all'")]) -> None:
    """Run a service's Alembic migrations against its database (ZHIFA_<SERVICE>_DATABASE_URL)."""
    from services.common import migrate as migrations

    names = list(SERVICES) if target == "all" else [target]
    for name in names:
        if name not in SERVICES:
            raise typer.BadParameter(f"unknown service {name!r}")
        settings = _service_settings(name)
        migrations.upgrade(name, settings.database_url)
        typer.echo(f"{name}: migrated to head")


@app.command()
def token(
    role: Annotated[str, typer.Option(help="officer | enterprise | supervisor | integration | admin")],
    sub: Annotated[str, typer.Option(help="subject (user id)")],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    cert_no: Annotated[str | None, typer.Option(help="officer: 执法证号")] = None,
    dept_code: Annotated[str | None, typer.Option(help="officer: department code")] = None,
    district_code: Annotated[str | None, typer.Option(help="officer: district code")] = None,
    uscc: Annotated[str | None, typer.Option(help="enterprise: 统一社会信用代码")] = None,
    scope: Annotated[str | None, typer.Option(help="supervisor: city or a district code")] = None,
    client: Annotated[
        str | None, typer.Option(help="integration: 12345, court, reconsideration, creditchina")
    ] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 8 * 3600,
) -> None:
    """Mint a development token (signed with the dev key; refused by services outside dev/test)."""
    typer.echo(
        mint_dev_token(
            role,
            sub,
            ttl,
            name=name,
            cert_no=cert_no,
            dept_code=dept_code,
            district_code=district_code,
            uscc=uscc,
            scope=scope,
            client=client,
        )
    )


@outbox_app.command("replay")
def outbox_replay(
    service: Annotated[str, typer.Option(help="the service whose outbox to replay")],
    since: Annotated[
        datetime, typer.Option(help="re-publish events created at or after this time (ISO 8601)")
    ],
) -> None:
    """Re-publish sent events from the outbox (after a stream was lost); consumers' inboxes make it safe."""
    from services.common import outbox
    from services.common.db import create_engine, session_factory

    settings = _service_settings(service)

    async def run() -> int:
        engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
        try:
            return await outbox.replay(session_factory(engine), since)
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    typer.echo(f"{service}: {count} events marked for re-publication; the relay publishes them")


@keys_app.command("new")
def keys_new(
    kid: Annotated[str, typer.Option(help="key id, e.g. 2026-11")],
    jwks: Annotated[Path, typer.Option(help="JWKS file to add the public key to (created if missing)")],
    private_out: Annotated[Path, typer.Option(help="where to write the private key (PEM)")],
) -> None:
    """Generate an Ed25519 key pair and add its public key to a JWKS (for rotation: keep the old key listed)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private_out.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    private_out.chmod(0o600)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    data = json.loads(jwks.read_text()) if jwks.exists() else {"keys": []}
    if any(k.get("kid") == kid for k in data["keys"]):
        raise typer.BadParameter(f"kid {kid!r} already in {jwks}")
    data["keys"].append(
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": kid,
            "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
        }
    )
    jwks.write_text(json.dumps(data, indent=2))
    typer.echo(f"added {kid} to {jwks}; private key in {private_out}")


@app.command("docs")
def docs_command() -> None:
    """Regenerate docs/errors.md and docs/asyncapi.json from the code."""
    from zhifa import docs

    for path in docs.write_all():
        typer.echo(f"wrote {path}")


def _wait_ready(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def sample_tokens() -> dict[str, str]:
    """Ready-made development tokens matching the sample data."""
    from services.common import sample_identities

    return {label: mint_dev_token(**claims) for label, claims in sample_identities.IDENTITIES.items()}


@app.command()
def up(
    var_dir: Annotated[Path, typer.Option(help="where data lives (survives restarts)")] = Path("var"),
    pg_port: Annotated[int, typer.Option(help="PostgreSQL port")] = POSTGRES_PORT,
    nats_port: Annotated[int, typer.Option(help="NATS port")] = NATS_PORT,
    sample: Annotated[bool, typer.Option(help="load the sample data (idempotent)")] = True,
    port_offset: Annotated[int, typer.Option(help="add this to every HTTP port (to run a second stack)")] = 0,
) -> None:
    """Run the whole platform locally: embedded PostgreSQL and NATS, migrations, sample data, services, gateway."""
    from services.common import migrate as migrations
    from services.common.embedded import EmbeddedNats, EmbeddedPostgres, port_open

    started = time.monotonic()
    var_dir = var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "logs").mkdir(exist_ok=True)
    ports = {
        "gateway": GATEWAY_PORT + port_offset,
        **{s.name: s.port + port_offset for s in SERVICES.values()},
    }
    for what, port in (("NATS", nats_port), *ports.items()):
        if port_open(port):
            typer.echo(f"port {port} ({what}) is already in use: is another `zhifa up` running?", err=True)
            raise typer.Exit(1)
    pg = EmbeddedPostgres(var_dir / "postgres", pg_port, durable=True)
    # The production permission model with generated per-service passwords (var/nats.credentials.json).
    nats = EmbeddedNats(var_dir / "nats", nats_port, monitor_port=8222 + port_offset, auth=True)
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = False

    def shutdown(*_: Any) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        typer.echo("\nstopping ...")
        for _name, proc in reversed(children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, proc in children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        nats.stop()
        pg.stop()
        typer.echo("stopped; data kept in " + str(var_dir))

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    try:
        typer.echo(f"starting PostgreSQL on 127.0.0.1:{pg_port} (data in {var_dir / 'postgres'}) ...")
        pg.start()
        typer.echo(f"starting NATS JetStream on 127.0.0.1:{nats_port} (sync_interval: always) ...")
        nats.start()
        env = {
            **os.environ,
            "ZHIFA_ENV": os.environ.get("ZHIFA_ENV", "dev"),
            "ZHIFA_NATS_URL": nats.url,
            "ZHIFA_LOG_JSON": os.environ.get("ZHIFA_LOG_JSON", "true"),
            **nats.client_env(),
        }
        for info in SERVICES.values():
            pg.ensure_database(info.database_name)
            url = pg.dsn(info.database_name, driver="postgresql+asyncpg")
            env[f"{info.env_prefix}DATABASE_URL"] = url
            env[f"ZHIFA_GATEWAY_{info.name.upper()}_URL"] = f"http://127.0.0.1:{ports[info.name]}"
            env[f"{info.env_prefix}PORT"] = str(ports[info.name])
            migrations.upgrade(info.name, url)
            typer.echo(f"  {info.database_name}: migrated")
        if sample:
            for info in SERVICES.values():
                try:
                    loader = importlib.import_module(f"services.{info.name}.sample")
                except ModuleNotFoundError:
                    continue
                summary = asyncio.run(loader.load(env[f"{info.env_prefix}DATABASE_URL"]))
                typer.echo(f"  {info.name}: sample data {summary}")
        calendar_note = _calendar_note(
            {info.name: env[f"{info.env_prefix}DATABASE_URL"] for info in SERVICES.values()}
        )
        env["ZHIFA_GATEWAY_PORT"] = str(ports["gateway"])
        for target in SERVE_TARGETS:
            log_path = var_dir / "logs" / f"{target}.log"
            proc = subprocess.Popen(
                [sys.executable, "-m", "zhifa.cli", "serve", target],
                env=env,
                stdout=log_path.open("ab"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            children.append((target, proc))
        for target, proc in children:
            if not _wait_ready(f"http://127.0.0.1:{ports[target]}/readyz", 60):
                typer.echo(
                    f"{target} did not become ready; see {var_dir / 'logs' / (target + '.log')}", err=True
                )
                shutdown()
                raise typer.Exit(1)
            if proc.poll() is not None:
                typer.echo(f"{target} exited; see its log", err=True)
                shutdown()
                raise typer.Exit(1)
        elapsed = time.monotonic() - started
        _print_welcome(elapsed, var_dir, ports, calendar_note)
        while not stopping:
            for target, proc in children:
                if proc.poll() is not None and not stopping:
                    typer.echo(
                        f"{target} exited with {proc.returncode}; see {var_dir / 'logs' / (target + '.log')}",
                        err=True,
                    )
                    shutdown()
                    raise typer.Exit(1)
            time.sleep(0.5)
    except BaseException:
        shutdown()
        raise


def _print_welcome(elapsed: float, var_dir: Path, ports: dict[str, int], calendar_note: str | None) -> None:
    tokens = sample_tokens()
    base = f"http://127.0.0.1:{ports['gateway']}"
    typer.echo(f"\nzhifa is ready in {elapsed:.1f}s\n")
    typer.echo(f"  gateway       {base}   (API docs: {base}/docs, readiness: {base}/readyz)")
    for s in SERVICES.values():
        typer.echo(f"  {s.name:<13} http://127.0.0.1:{ports[s.name]}")
    typer.echo(f"  logs          {var_dir / 'logs'}\n")
    typer.echo("Ready-made development tokens (8 h):")
    for label, tok in tokens.items():
        typer.echo(f"  {label}:\n    {tok}")
    (var_dir / "tokens.json").write_text(json.dumps(tokens, ensure_ascii=False, indent=2))
    typer.echo(f"  (also written to {var_dir / 'tokens.json'})\n")
    from services.common import sample_identities

    typer.echo("Try it:")
    typer.echo(sample_identities.try_it(base))
    if calendar_note:
        typer.echo(calendar_note)
    typer.echo("\nCtrl-C stops everything; data stays in ./var.")


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
        f"deadlines that fall in {year} are refused with CALENDAR_NOT_COVERED until an administrator enters\n"
        f'it in each service: PUT /api/v1/<prefix>/admin/calendar/{year} (docs/operations.md, "Every year").'
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
