"""Where the inspection service's CPU goes on a check-in: the service's ASGI app in this process (``--role
api``: no relay, consumers or jobs), driven directly (no HTTP server, no gateway, no load generator), against
durable PostgreSQL and NATS, 8 check-ins at a time.

Prints one JSON object: the process's CPU milliseconds per check-in (median of the unprofiled runs) and the
share of each component in a profiled run (cProfile on the process's CPU clock, own time grouped by package:
the profiler inflates many small Python calls, so the shares are indicative and the unprofiled figure is the
one to quote). bench_checkin runs it, by path, for the old and the new code, and under py-spy for the flame
graph (docs/benchmarks/checkin-service.svg).

    python bench/profile_checkin.py [--runs 3] [--checkins 2000] [--top N (own-time functions, to stderr)]
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from bench import bench_checkin as b
from services.common import migrate
from services.common.embedded import EmbeddedNats, EmbeddedPostgres, free_port

CONCURRENCY = 8
#: Components by where their code lives (the first match wins); the rest is "Python runtime and stdlib".
COMPONENTS = [
    ("entry rules, code signature, the use case", ("/services/inspection/",)),
    (
        "edge: transaction, Idempotency-Key, metrics, logging",
        ("/services/common/edge.py", "prometheus_client"),
    ),
    ("token check (cached)", ("/services/common/auth.py", "/jwt/")),
    ("outbox staging and events", ("/services/common/outbox.py", "/services/common/events.py")),
    ("other kernel", ("/services/common/",)),
    ("FastAPI + Starlette: routing, dependencies, validation, serialisation", ("/fastapi/", "/starlette/")),
    ("pydantic", ("/pydantic", "pydantic_core")),
    ("SQLAlchemy: session, unit of work, statements", ("/sqlalchemy/", "greenlet")),
    ("asyncpg: driver", ("/asyncpg/",)),
    ("event loop and sockets", ("asyncio", "_socket", "selectors", "uvloop")),
    (
        "Ed25519 (libsodium; cryptography without PyNaCl)",
        ("/nacl/", "crypto_sign", "cryptography", "ed25519"),
    ),
    ("JSON (orjson)", ("orjson",)),
]


def _component(filename: str, name: str) -> str:
    where = f"{filename} {name}"
    if "/bench/" in where:
        return "benchmark driver"
    for component, needles in COMPONENTS:
        if any(n in where for n in needles):
            return component
    return "Python runtime and stdlib"


async def _drive(app: Any, lines: list[list[str]]) -> int:
    """Every (token, code) checked in once, CONCURRENCY at a time; the number answered 201."""
    created = 0

    async def one(token: str, code: str) -> None:
        nonlocal created
        body = orjson.dumps({"code": code})
        headers = [
            (b"host", b"inspection"),
            (b"authorization", b"Bearer " + token.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": b.PATH,
            "raw_path": b.PATH.encode(),
            "query_string": b"",
            "root_path": "",
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "headers": headers,
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()  # a client that stays connected
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        created += status == [201]

    async def worker() -> None:
        while lines:
            token, code = lines.pop()
            await one(token, code)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return created


async def _runs(
    url: str, nats_url: str, tokens: list[tuple[str, str]], data: Path, args: dict[str, Any]
) -> Any:
    os.environ.update(
        {
            "ZHIFA_ENV": "dev",
            "ZHIFA_LOG_LEVEL": "WARNING",
            "ZHIFA_NATS_URL": nats_url,
            "ZHIFA_INSPECTION_DATABASE_URL": url,
            "ZHIFA_INSPECTION_DATABASE_POOL_SIZE": str(CONCURRENCY * 2),
        }
    )
    from services.inspection.app import create_app

    app = create_app(role="api")
    cpu: list[float] = []
    async with app.router.lifespan_context(app):
        for _, token in tokens:  # each enterprise's token verified once, as for a returning user
            await app.state.verifier.verify("Bearer " + token)

        async def batch() -> tuple[list[list[str]], int]:
            await b._issue(url, tokens, args["checkins"], data)
            text = await asyncio.to_thread(data.read_text)
            lines = [line.split("\t") for line in text.splitlines()]
            return lines, len(lines)

        lines, _ = await batch()
        await _drive(app, lines[:500])  # warm: pool, prepared statements
        gc.collect()
        gc.freeze()
        for _ in range(args["runs"]):
            lines, _ = await batch()
            started = time.process_time()
            created = await _drive(app, lines)
            cpu.append((time.process_time() - started) * 1000 / max(created, 1))
        created = 0
        profile = cProfile.Profile(time.process_time)
        if args["profile"]:
            lines, _ = await batch()
            profile.enable()
            created = await _drive(app, lines)
            profile.disable()
    shares: Counter[str] = Counter()
    stats = pstats.Stats(profile).stats if args["profile"] else {}  # type: ignore[attr-defined]
    if args["top"]:  # the functions with the most own time, cumulative time beside, to stderr
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(args["top"])
    for (filename, _, name), stat in stats.items():
        shares[_component(filename, name)] += stat[2]  # own time
    total = sum(shares.values()) or 1.0
    return {
        "cpu_ms": sorted(cpu)[len(cpu) // 2],
        "runs_cpu_ms": cpu,
        "shares": {k: v / total for k, v in shares.most_common()},
        "created": created,
        "load": os.getloadavg()[0],
    }


def measure(args: dict[str, Any]) -> Any:
    root = Path(tempfile.mkdtemp(prefix="zhifa-profile-checkin-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root / "pg", free_port(), durable=True)
    nats = EmbeddedNats(root / "nats", free_port(), sync_always=True)
    pg.start()
    nats.start()
    try:
        pg.psql('CREATE DATABASE "bench_checkin"')
        url = pg.dsn("bench_checkin", driver="postgresql+asyncpg")
        migrate.upgrade("inspection", url)
        tokens = asyncio.run(b._prepare(url))
        return asyncio.run(_runs(url, nats.url, tokens, root / "codes.tsv", args))
    finally:
        nats.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    argv = sys.argv[1:]
    args = {"runs": 3, "checkins": 2000, "top": 0, "profile": "--no-profile" not in argv}
    for name in ("runs", "checkins", "top"):
        if f"--{name}" in argv:
            args[name] = int(argv[argv.index(f"--{name}") + 1])
    print(json.dumps(measure(args)))


if __name__ == "__main__":
    main()
