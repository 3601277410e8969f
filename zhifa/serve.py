"""``zhifa serve``: run one process of the platform (the gateway or a service's API, worker, or both).

Every process of the platform starts here, so this module and what it imports stay lean: the command line is
parsed with argparse, not typer and click (~1.3 MiB in every process; docs/benchmarks.md, "Idle memory per
process"). ``zhifa serve ...`` and ``python -m zhifa serve ...`` come straight here (zhifa/__main__.py);
``zhifa serve --help`` and the other commands are the typer application in zhifa/cli.py.
"""

from __future__ import annotations

import argparse
import gc
import importlib
from typing import Any

from services.common.registry import SERVICES

SERVE_TARGETS: tuple[str, ...] = ("gateway", *SERVICES)
ROLES = ("api", "worker", "all")


def service_settings(name: str) -> Any:
    module = importlib.import_module(f"services.{name}.settings")
    cls = getattr(module, f"{name.title().replace('_', '')}Settings")
    return cls()


def serve(
    target: str,
    role: str = "all",
    host: str | None = None,
    port: int | None = None,
    admin_port: int | None = None,
) -> None:
    """Run one process; ValueError for an unknown target or role."""
    from services.common import listeners

    if target not in SERVE_TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {', '.join(SERVE_TARGETS)}")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if target == "gateway":
        from gateway.app import create_app as create_gateway
        from gateway.settings import GatewaySettings

        gw_settings = GatewaySettings()
        asgi = create_gateway(gw_settings)
        bind_host, bind_port = host or gw_settings.host, port or gw_settings.port
        limits = gw_settings
        admin_only = listeners.GATEWAY_ADMIN_ONLY
    else:
        settings = service_settings(target)
        module = importlib.import_module(f"services.{target}.app")
        asgi = module.create_app(settings, role=role)
        bind_host, bind_port = host or settings.host, port or settings.port or SERVICES[target].port
        limits = settings
        admin_only = listeners.SERVICE_ADMIN_ONLY
    freeze_startup_heap()
    listeners.run(
        asgi,
        host=bind_host,
        port=bind_port,
        admin_port=admin_port,
        admin_only=admin_only,
        loop="uvloop",
        max_header_bytes=limits.http_max_header_bytes,
        max_headers=limits.http_max_headers,
    )


#: The collector's thresholds in a serving process: the youngest generation collected after 5,000 net
#: allocations of container objects instead of CPython's 700. Requests in flight hold a few thousand young
#: objects that die with the request (freed by reference counting, not by the collector); at 700 the count
#: crosses the threshold again and again while they live, so the collector walks them and promotes them for
#: nothing: 0.05 collections of the youngest generation per check-in, 0.017-0.074 ms of collector time per
#: check-in at 8 in flight (load 6.5), against one collection in 3,000 check-ins and < 0.001 ms at 5,000
#: (bench: docs/benchmarks/checkin-python.md, "Round seven"). Cyclic garbage still goes within 5,000
#: allocations; the older generations keep CPython's defaults.
GC_THRESHOLDS = (5000, 10, 10)


def freeze_startup_heap() -> None:
    """Move everything built at start-up (modules, the ORM's metadata, the OpenAPI models, the routes) out of
    the collector's reach. Without it every full collection walks that heap: about 80 ms with the request
    loop stopped, several times a minute under load, which was most of the check-in p99 (docs/benchmarks.md).
    Then collect the youngest generation less often (``GC_THRESHOLDS``).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def parser() -> argparse.ArgumentParser:
    """``zhifa serve``'s options, as the typer command in zhifa/cli.py has them (``zhifa serve --help``)."""
    parsing = argparse.ArgumentParser(prog="zhifa serve", add_help=False)
    parsing.add_argument("target", choices=SERVE_TARGETS)
    parsing.add_argument("--role", choices=ROLES, default="all")
    parsing.add_argument("--host")
    parsing.add_argument("--port", type=int)
    parsing.add_argument("--admin-port", type=int)
    return parsing


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)  # exits with status 2 and the usage on a bad command line, as typer does
    serve(args.target, args.role, args.host, args.port, args.admin_port)
