"""The ``zhifa`` command: the embedded stack, serving, migrations, tokens, outbox replay, key rotation."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, cast

import typer

from services.common.auth import Role
from services.common.devtokens import mint_dev_token
from services.common.registry import NATS_PORT, POSTGRES_PORT, SERVICES
from zhifa import serve as serving
from zhifa.serve import SERVE_TARGETS, freeze_startup_heap

__all__ = ["SERVE_TARGETS", "app", "freeze_startup_heap", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="zhifa (执法) platform command line")
outbox_app = typer.Typer(no_args_is_help=True, help="outbox maintenance")
keys_app = typer.Typer(no_args_is_help=True, help="signing keys")
app.add_typer(outbox_app, name="outbox")
app.add_typer(keys_app, name="keys")


_service_settings = serving.service_settings


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
    # `zhifa serve` and `python -m zhifa serve` run zhifa/serve.py without typer (zhifa/__main__.py); this
    # command serves `--help` and `python -m zhifa.cli serve`.
    try:
        serving.serve(target, role, host, port, admin_port)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def migrate(target: Annotated[str, typer.Argument(help="a service name or 'all'")]) -> None:
    """Run a service's Alembic migrations as the owner (ZHIFA_<SERVICE>_DATABASE_OWNER_URL, else
    ZHIFA_<SERVICE>_DATABASE_URL), then grant the service role (ZHIFA_<SERVICE>_DATABASE_URL) its DML."""
    from services.common import migrate as migrations

    names = list(SERVICES) if target == "all" else [target]
    for name in names:
        if name not in SERVICES:
            raise typer.BadParameter(f"unknown service {name!r}")
        settings = _service_settings(name)
        granted = migrations.migrate_service(name, settings.database_url, settings.database_owner_url)
        typer.echo(f"{name}: migrated to head" + (f"; privileges granted to {granted}" if granted else ""))


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
    ttl: Annotated[
        int | None, typer.Option(help="lifetime in seconds (default 8 h, at most the role's maximum)")
    ] = None,
) -> None:
    """Mint a development token (signed with the dev key; refused by services outside dev/test)."""
    try:
        minted = mint_dev_token(
            cast(Role, role),  # checked by mint_dev_token
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
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(minted)


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
            count = await outbox.replay(session_factory(engine), since)
            if service == "credit_repair":  # clean-up ends are published from the feed, not outbox rows
                from services.credit_repair.use_cases import announcements

                count += await announcements.replay(session_factory(engine), since)
            if service == "risk":  # a first classification's events are announced from its classes
                from services.risk.use_cases import announcements as class_announcements

                count += await class_announcements.replay(session_factory(engine), since)
            return count
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
    """Regenerate docs/errors.md, docs/asyncapi.json and the KEDA lag triggers of the workers from the code."""
    from zhifa import docs, keda

    for path in [*docs.write_all(), keda.write()]:
        typer.echo(f"wrote {path}")


@app.command()
def up(
    var_dir: Annotated[
        Path, typer.Option(envvar="ZHIFA_UP_VAR_DIR", help="where data, logs and pid files live (kept)")
    ] = Path("var"),
    pg_port: Annotated[int, typer.Option(envvar="ZHIFA_UP_PG_PORT", help="PostgreSQL port")] = POSTGRES_PORT,
    nats_port: Annotated[int, typer.Option(envvar="ZHIFA_UP_NATS_PORT", help="NATS port")] = NATS_PORT,
    sample: Annotated[
        bool, typer.Option(envvar="ZHIFA_UP_SAMPLE", help="load the sample data (idempotent)")
    ] = True,
    port_offset: Annotated[
        int,
        typer.Option(
            envvar="ZHIFA_UP_PORT_OFFSET",
            help="add this to every HTTP port and the NATS monitoring port (to run a second stack)",
        ),
    ] = 0,
    fsync: Annotated[
        bool,
        typer.Option(
            hidden=True,
            help="tests only: --no-fsync runs PostgreSQL without fsync (throwaway data; a machine crash can "
            "corrupt it)",
        ),
    ] = True,
) -> None:
    """Run the whole platform locally, supervised: embedded PostgreSQL and NATS, migrations, sample data,
    services, gateway; restarts what dies, Ctrl-C stops everything."""
    from zhifa import localstack

    options = localstack.Options(var_dir, pg_port, nats_port, port_offset, sample, fsync)
    raise typer.Exit(localstack.run(options))


@app.command()
def status(
    var_dir: Annotated[
        Path, typer.Option(envvar="ZHIFA_UP_VAR_DIR", help="the var dir of `zhifa up`")
    ] = Path("var"),
) -> None:
    """Show what `zhifa up` supervises: each process's state, pid and restarts (exit 1 unless all ready)."""
    from zhifa import localstack

    code, text = localstack.status(var_dir.resolve())
    typer.echo(text)
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
