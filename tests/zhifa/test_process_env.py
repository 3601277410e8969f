"""The interpreter options `zhifa up` gives every service and gateway process (zhifa/localstack.py PROCESS_ENV).

PYTHONNODEBUGRANGES drops the column tables of code objects as modules are loaded, also from the ``.pyc``
files compiled without it (the installed venv's and the image's): 0.6 MiB of every process
(docs/benchmarks.md, "Idle memory per process"). Only tracebacks change: no ``^^^^`` under the line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from zhifa.localstack import PROCESS_ENV

# A module loaded from a .pyc compiled with column tables (as the installed venv's and the image's are), and
# its code objects' columns. The .pyc is written here, not taken from the checkout: a process that `zhifa up`
# started (PYTHONNODEBUGRANGES=1) may have written the checkout's own .pyc files without columns.
MODULE = """
def share(amount, parts):
    return [amount * p // sum(parts) for p in parts]

class Ledger:
    def total(self, rows):
        return sum(r["amount"] for r in rows if r.get("amount") is not None)
"""
PROBE = """
import json, sys, importlib.util
sys.path.insert(0, sys.argv[1])
import probe_module as m
def codes(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_positions"):
            yield from codes(c)
code = m.__spec__.loader.get_code(m.__name__)
positions = [p for c in codes(code) for p in c.co_positions()]
cached = m.__cached__ is not None and importlib.util.source_from_cache(m.__cached__) == m.__file__
print(json.dumps([sum(p[2] is not None for p in positions), len(positions), cached]))
"""


def _clean_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if k not in ("PYTHONNODEBUGRANGES", "PYTHONDONTWRITEBYTECODE")
    }


def _compiled_with_columns(directory: Path) -> None:
    (directory / "probe_module.py").write_text(MODULE, encoding="utf-8")
    compile_it = "import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True)"
    source = str(directory / "probe_module.py")
    subprocess.run([sys.executable, "-c", compile_it, source], env=_clean_env(), check=True, timeout=120)


def _columns(directory: Path, env: dict[str, str]) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**_clean_env(), "PYTHONDONTWRITEBYTECODE": "1", **env},
        check=True,
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_zhifa_up_starts_processes_whose_code_objects_carry_no_column_tables(tmp_path: Path) -> None:
    _compiled_with_columns(tmp_path)
    with_columns, positions, cached = _columns(tmp_path, {})
    assert cached and positions > 20 and with_columns > positions // 2  # the default: columns everywhere
    without, positions_again, _ = _columns(tmp_path, PROCESS_ENV)
    assert PROCESS_ENV["PYTHONNODEBUGRANGES"] == "1"
    assert positions_again == positions and without == 0  # the same instructions, no column left
