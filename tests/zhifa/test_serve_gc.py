"""``zhifa serve`` freezes the start-up heap and collects the youngest generation less often (zhifa/serve.py
``GC_THRESHOLDS``), and cyclic garbage made while serving is still collected."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json
from zhifa.serve import GC_THRESHOLDS, freeze_startup_heap
before = gc.get_threshold()
freeze_startup_heap()
class Node:
    pass
def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
import weakref
probe = Node(); probe.self = probe; ref = weakref.ref(probe); del probe
for _ in range(GC_THRESHOLDS[0] * 3):  # enough allocations to cross the youngest generation's threshold
    cycle()
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "cycle_collected": ref() is None}))
"""


def test_serving_process_thresholds_and_cycles_still_collected() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    assert got["before"] == [700, 10, 10]  # CPython's defaults, before
    assert got["after"] == [5000, 10, 10]
    assert got["frozen"] > 10_000  # the start-up heap (modules imported by zhifa.serve and below)
    assert (
        got["cycle_collected"] is True
    )  # a reference cycle made after start-up is collected without gc.collect()
