"""Container health check: GET /healthz on the (admin) port of the zhifa process running in this container.

Docker's HEALTHCHECK runs this with no arguments. The port comes from the command line of the
container's main process (``zhifa serve <target> [--port N]``), else from the registry's default for
that target. Kubernetes ignores HEALTHCHECK and uses the probes in deploy/k8s instead. Standard
library only, plus the registry of the installed zhifa package.
"""

from __future__ import annotations

import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path


def default_port(target: str) -> int:
    from services.common import registry

    if target == "gateway":
        return registry.GATEWAY_PORT
    return registry.SERVICES[target].port


def port_from_argv(argv: Sequence[str]) -> int | None:
    """The port serving /healthz of ``... zhifa serve <target> [--port N] [--admin-port N]``: the admin port
    when there is one (the public port refuses /healthz then), else the HTTP port; None when it is not
    ``serve``."""
    args = list(argv)
    if "serve" not in args:
        return None
    rest = args[args.index("serve") + 1 :]
    for name in ("--admin-port", "--port"):
        for i, arg in enumerate(rest):
            if arg == name and i + 1 < len(rest):
                return int(rest[i + 1])
            if arg.startswith(name + "="):
                return int(arg.split("=", 1)[1])
    targets = [arg for arg in rest if not arg.startswith("-")]
    if not targets:
        return default_port("gateway")
    return default_port(targets[0])


def main_process_argv(proc: Path = Path("/proc")) -> list[str]:
    """The argv of the container's main process (PID 1, or the child of an init such as tini)."""
    for pid in ("1", *sorted(p.name for p in proc.iterdir() if p.name.isdigit())):
        try:
            raw = (proc / pid / "cmdline").read_bytes()
        except OSError:
            continue
        argv = [part.decode() for part in raw.split(b"\0") if part]
        if "serve" in argv or "migrate" in argv:
            return argv
    return []


def check(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main() -> int:
    argv = main_process_argv()
    if "serve" not in argv:
        # `zhifa migrate` and other one-shot commands have no HTTP server: healthy while running.
        return 0
    port = port_from_argv(argv)
    return 0 if port is not None and check(port) else 1


if __name__ == "__main__":
    sys.exit(main())
