"""`zhifa serve` runs its libraries optimized (``python -OO``) and the platform's own code as written
(zhifa/optimize.py): the libraries' docstrings are ~5 MiB of every process (docs/benchmarks.md, "Idle memory
per process"); the platform's docstrings are its OpenAPI descriptions, and its asserts stay."""

from __future__ import annotations

import sys

import psutil

from services.common.embedded import free_port
from tests.support.interpreter import fresh_report
from tests.support.served import answered, serving
from tests.support.stack import Stack

PROBE = """
import dis, json, sys, types
from zhifa import optimize
optimize.relaunch()  # the process replaces itself: this probe runs again, as python -OO
optimize.keep_own_code()
import fastapi, pydantic, sqlalchemy.orm, starlette.routing
import services.common.app, services.common.problems
def asserts(function):  # whether its code, or a function defined in it, has an assert compiled in
    codes = [function.__code__, *(c for c in function.__code__.co_consts if isinstance(c, types.CodeType))]
    return any(i.opname == "LOAD_ASSERTION_ERROR" for c in codes for i in dis.get_instructions(c))
print(json.dumps({
    "optimize": sys.flags.optimize,
    "library_docstrings": [m.__doc__ for m in (sqlalchemy.orm.Session, pydantic.BaseModel, fastapi.FastAPI)],
    "library_asserts": asserts(starlette.routing.compile_path),
    "own_docstrings": [bool(m.__doc__) for m in (services.common.app, services.common.app.build_service_app)],
    "own_asserts": asserts(services.common.problems.install),
    "own_cached": services.common.app.__cached__.rsplit("/", 1)[-1],
}))
"""


def test_libraries_run_optimized_and_the_platforms_code_as_written() -> None:
    report = fresh_report(PROBE)
    assert report["optimize"] == 2
    assert report["library_docstrings"] == [None, None, None]  # -OO: dropped
    assert report["library_asserts"] is False  # starlette's `assert convertor_type in CONVERTOR_TYPES`
    assert report["own_docstrings"] == [True, True]  # the composition root's module and function: kept
    assert report["own_asserts"] is True  # the problem handlers' `assert isinstance(...)`: compiled in
    tag = sys.implementation.cache_tag
    assert report["own_cached"] == f"app.{tag}.pyc"  # read from the plain .pyc, not the .opt-2.pyc


def test_a_worker_started_as_production_starts_it_runs_optimized_and_serves_its_probes(stack: Stack) -> None:
    # deploy/k8s's worker pods run `zhifa serve <service> --role worker`; `zhifa up` runs `python -m zhifa serve`.
    nats = stack.new_nats()
    try:
        env = {"ZHIFA_PENALTY_DATABASE_URL": stack.new_database("penalty"), "ZHIFA_NATS_URL": nats.url}
        port, admin = free_port(), free_port()
        args = ["penalty", "--role", "worker", "--port", str(port), "--admin-port", str(admin)]
        with serving(args, env) as proc:
            assert answered(f"http://127.0.0.1:{admin}/healthz").status_code == 200
            # The same process (pid), relaunched by itself as python -OO before it imported the platform.
            command = psutil.Process(proc.pid).cmdline()
            assert command[1:5] == ["-OO", "-m", "zhifa", "serve"], command
            assert answered(f"http://127.0.0.1:{admin}/readyz").status_code == 200
            metrics = answered(f"http://127.0.0.1:{admin}/metrics")
            assert metrics.status_code == 200 and "zhifa_" in metrics.text
    finally:
        nats.stop()


def test_an_api_process_optimized_serves_the_same_openapi_document(stack: Stack) -> None:
    # FastAPI takes a route's description from its endpoint's docstring, pydantic a schema's from its model's:
    # the platform's code keeps them. `python -m zhifa.cli serve` (typer's command) does not relaunch.
    env = {
        "ZHIFA_PENALTY_DATABASE_URL": stack.new_database("penalty"),
        "ZHIFA_NATS_URL": "nats://127.0.0.1:1",
    }
    documents, commands = [], []
    for module in ("zhifa", "zhifa.cli"):
        port, admin = free_port(), free_port()
        args = ["penalty", "--role", "api", "--port", str(port), "--admin-port", str(admin)]
        with serving(args, env, module=module) as p:
            document = answered(f"http://127.0.0.1:{port}/openapi.json")
            commands.append(psutil.Process(p.pid).cmdline()[1])
        assert document.status_code == 200
        documents.append(document.content)
    assert commands == ["-OO", "-m"]
    assert len(documents[0]) > 100_000 and documents[0] == documents[1]
    assert b'"description":"' in documents[0]
