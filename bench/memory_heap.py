"""What the Python heap of a service process holds after its start-up (tracemalloc), for bench_memory: by kind
(:func:`heap_table`) and the files that allocated most (:func:`top_files`)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from zhifa.localstack import PROCESS_ENV

ROOT = Path(__file__).resolve().parent.parent


def _environ() -> dict[str, str]:
    """As bench_memory's: the code loaded from .pyc files."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


#: Kinds of Python allocations, by the file of the allocating frame (tracemalloc, one frame): first match wins.
HEAP_KINDS = [
    (
        "code objects (the modules' bytecode, constants, names, docstrings and line tables, from the .pyc)",
        ("<frozen importlib._bootstrap_external>",),
    ),
    ("module namespaces and class bodies (module globals, class dicts)", ("<frozen importlib._bootstrap>",)),
    ("SQLAlchemy: tables, ORM mappers and their attributes, compiled constructs", ("sqlalchemy/",)),
    (
        "pydantic: models' fields and deferred validators (pydantic-core's own memory is not traced)",
        ("pydantic/", "pydantic_core/", "typing_inspection/"),
    ),
    (
        "classes' machinery: dataclasses, ABCs, typing, enums",
        ("dataclasses.py", "<frozen abc>", "/typing.py", "typing_extensions.py", "/enum.py", "<string>"),
    ),
    ("FastAPI, Starlette: routes, dependants", ("fastapi/", "starlette/")),
    ("the service's and the kernel's own code at run time", ("/services/",)),
]

_HEAP_PROBE = """
import gc, importlib, json, sys, tracemalloc
svc, out = sys.argv[1], {}
def snap():
    gc.collect()
    return {s.traceback[0].filename: s.size for s in tracemalloc.take_snapshot().statistics("filename")}
importlib.import_module("services.common.app")
out["kernel"] = snap()
app = importlib.import_module(f"services.{svc}.app")
out["own"] = snap()
app.create_app()
out["create"] = snap()
print(json.dumps(out))
"""


def _heap(svc: str, start: str) -> dict[str, dict[str, float]]:
    """MiB of Python allocations by kind (HEAP_KINDS, 'other' for the rest) after the kernel's import, the
    service's modules and create_app(), in one fresh interpreter (tracemalloc from its start, one frame),
    started by the code ``start`` (bench_memory's AS_SERVED: as `zhifa serve` starts)."""
    import json

    result = subprocess.run(
        [sys.executable, "-X", "tracemalloc=1", "-c", start + _HEAP_PROBE, svc],
        capture_output=True,
        text=True,
        check=True,
        env={**_environ(), "ZHIFA_ENV": "dev", **PROCESS_ENV},
        cwd=str(ROOT),
    )
    out: dict[str, dict[str, float]] = {}
    for stage, sizes in json.loads(result.stdout).items():
        kinds: dict[str, float] = {}
        for filename, size in sizes.items():
            kind = next((k for k, marks in HEAP_KINDS if any(m in filename for m in marks)), "other")
            kinds[kind] = kinds.get(kind, 0.0) + size / 2**20
        out[stage] = kinds
    return out


def heap_table(services: list[str], start: str) -> list[str]:
    """The table of what the Python heap holds after create_app(), and what the service's own modules and
    create_app() added to it, for ``services``."""
    heaps = {svc: _heap(svc, start) for svc in services}
    kinds = [k for k, _ in HEAP_KINDS] + ["other"]
    head = (
        "| Python allocations, MiB (tracemalloc) | "
        + " | ".join(f"{svc}: after create_app() | {svc}: own modules + create_app()" for svc in services)
        + " |"
    )
    rows = [head, "|---|" + "---:|---:|" * len(services)]
    for kind in [*kinds, "total"]:
        cells = []
        for svc in services:
            h = heaps[svc]
            create, kernel = (
                sum(h[stage].values()) if kind == "total" else h[stage].get(kind, 0.0)
                for stage in ("create", "kernel")
            )
            cells += [f"{create:.1f}", f"{create - kernel:+.1f}"]
        label = f"**{kind}**" if kind == "total" else kind
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


_TOP_PROBE = """
import gc, importlib, json, sys, tracemalloc
svc, role, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
importlib.import_module(f"services.{svc}.app").create_app(role=role)
import zhifa.serve, uvicorn.protocols.http.httptools_impl, uvicorn.lifespan.on, uvicorn.loops.uvloop
gc.collect()
top = tracemalloc.take_snapshot().statistics("filename")
print(json.dumps({
    "total": sum(s.size for s in top),
    "top": [[s.traceback[0].filename, s.size] for s in top[:count]],
}))
"""


def _short(filename: str) -> str:
    """A file's name as the prose shows it: relative to the repository, the libraries or the standard library."""
    paths = sysconfig.get_paths()
    for prefix in (paths["purelib"], paths["platlib"], paths["stdlib"], str(ROOT)):
        if filename.startswith(prefix + "/"):
            return filename[len(prefix) + 1 :]
    return WHAT.get(filename, filename)


#: What the allocations of a frozen or generated frame are (tracemalloc names the frame's file).
WHAT = {
    "<frozen importlib._bootstrap_external>": "code objects unmarshalled from the .pyc",
    "<frozen importlib._bootstrap>": "module namespaces (import)",
    "<frozen abc>": "classes created through ABCMeta (their type objects)",
    "<string>": "methods generated by exec (dataclasses, namedtuple)",
}


def top_files(svc: str, role: str, start: str, count: int = 10) -> tuple[float, list[tuple[str, float]]]:
    """The MiB of Python allocations after ``create_app(role=role)`` and uvicorn's imports (a process as
    `zhifa serve` starts it: ``start``, tracemalloc from the start, one frame), and the ``count`` files whose
    frames allocated most, with their MiB."""
    import json

    result = subprocess.run(
        [sys.executable, "-X", "tracemalloc=1", "-c", start + _TOP_PROBE, svc, role, str(count)],
        capture_output=True,
        text=True,
        check=True,
        env={**_environ(), "ZHIFA_ENV": "dev", **PROCESS_ENV},
        cwd=str(ROOT),
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return out["total"] / 2**20, [(_short(f), size / 2**20) for f, size in out["top"]]
