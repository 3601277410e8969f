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
#: Records of one change, run only when named (their sections are kept as measured): a full run would measure
#: what they compared no longer (each module's docstring says why).
RECORDS = frozenset({"bench_outbox_indexes", "bench_quarter_tally"})


def modules() -> list[str]:
    found = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    return [m for m in ORDER if m in found] + [m for m in found if m not in ORDER]


def selected(only: list[str]) -> list[str]:
    """The benchmarks a run runs: those named, or every one but the records."""
    return [m for m in modules() if (m in only if only else m not in RECORDS)]


def main() -> None:
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = ROOT / "docs" / "benchmarks.md"
    sections = _existing_sections(out)
    for name in modules():
        if name not in selected(only):
            if not only and name in RECORDS:
                print(f"skipping {name} (a record of one change; name it to run it)", flush=True)
            continue
        print(f"running {name} ...", flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
            sections[name] = module.run(quick=quick)
        except Exception:
            sections[name] = f"## {name}\n\nFailed:\n\n```\n{traceback.format_exc()}\n```"
        print(f"  {name}: {time.monotonic() - started:.0f}s", flush=True)
    header = "\n".join(
        [
            "# Benchmarks",
            "",
            f"Written by `make bench` (`python -m bench.run [bench_name ...]`); last run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            f"Machine: {machine()}. Everything (load generator, gateway, services, PostgreSQL, NATS) runs on this one",
            "machine, which is shared and noisy: figures are medians of several runs, and ratios measured in the same",
            "run are more telling than absolute numbers.",
            "",
        ]
    )
    body = "\n\n".join(f"<!-- {name} -->\n{sections[name]}" for name in modules() if name in sections)
    out.parent.mkdir(exist_ok=True)
    out.write_text(header + "\n" + body + "\n")
    print(f"wrote {out}")


def _existing_sections(path: Path) -> dict[str, str]:
    """Sections of a previous run, so that running one benchmark keeps the others' figures."""
    if not path.exists():
        return {}
    sections: dict[str, str] = {}
    current: str | None = None
    for line in path.read_text().splitlines():
        if line.startswith("<!-- bench_") and line.endswith(" -->"):
            current = line[5:-4]
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return {k: v.strip() for k, v in sections.items()}


if __name__ == "__main__":
    main()
