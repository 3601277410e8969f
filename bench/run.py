"""``make bench``: run every benchmark and write docs/benchmarks.md (machine, command, figures)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import bench
from bench.common import machine

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["bench_gateway", "bench_relay"]


def modules() -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    return [m for m in ORDER if m in found] + [m for m in found if m not in ORDER]


def main() -> None:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    sections = []
    for name in modules():
        if only and name not in only:
            continue
        print(f"running {name} ...", flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
            sections.append(module.run(quick=quick))
        except Exception:
            sections.append(f"## {name}\n\nFailed:\n\n```\n{traceback.format_exc()}\n```")
        print(f"  {name}: {time.monotonic() - started:.0f}s", flush=True)
    header = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Written by `make bench` (`python -m bench.run`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            f"Machine: {machine()}. Everything (load generator, gateway, services, PostgreSQL, NATS) runs on this one",
            "machine, which is shared and noisy: figures are medians of several runs, and ratios measured in the same",
            "run are more telling than absolute numbers.",
            "",
        ]
    )
    out = ROOT / "docs" / "benchmarks.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(header + "\n" + "\n\n".join(sections) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
