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

from zhifa.localstack import PROCESS_ENV

# A kernel module every service imports, loaded from its .pyc (compiled with column tables); its columns.
PROBE = """
import json, services.common.money as m
def codes(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_positions"):
            yield from codes(c)
loader = m.__spec__.loader
code = loader.get_code(m.__name__)
positions = [p for c in codes(code) for p in c.co_positions()]
print(json.dumps([sum(p[2] is not None for p in positions), len(positions), m.__cached__ is not None]))
"""


def _columns(env: dict[str, str]) -> list[int]:
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONNODEBUGRANGES"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
        check=True,
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_zhifa_up_starts_processes_whose_code_objects_carry_no_column_tables() -> None:
    with_columns, positions, cached = _columns({})
    assert cached and positions > 100 and with_columns > positions // 2  # the default: columns everywhere
    without, positions_again, _ = _columns(PROCESS_ENV)
    assert PROCESS_ENV["PYTHONNODEBUGRANGES"] == "1"
    assert positions_again == positions and without == 0  # the same instructions, no column left
