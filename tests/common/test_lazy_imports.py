"""Heavy libraries are imported when first used, never at a service's start-up (services/common/lazy.py).

Each service's app is imported and built (``create_app()``) in a fresh interpreter, as ``zhifa serve`` does;
none of ``lazy.HEAVY`` may be in ``sys.modules`` then. A module-level ``import openpyxl`` (or xlsxwriter,
weasyprint, jinja2, segno, httpx, alembic, ...) anywhere in what a service imports fails this test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from services.common import lazy, migrate
from services.common.registry import SERVICES
from tests.support.interpreter import fresh_report

# One fresh interpreter per service imports and builds its app, as ``zhifa serve`` does, and reports what it
# loaded: the heavy libraries, the blocked modules, and whether two models no request uses were built.


PROBE = """
import json, sys, importlib
from services.common.lazy import BLOCKED, HEAVY
importlib.import_module(f"services.{sys.argv[1]}.app").create_app()
import fastapi.openapi.models as m
from services.common.contracts.diagnostics import Ping
loaded = [n for n in sys.modules if sys.modules[n] is not None]
print(json.dumps({
    "heavy": sorted({h for n in loaded for h in HEAVY if n == h or n.startswith(h + ".")}),
    "blocked": sorted(n for n in loaded if (n + ".").startswith(tuple(b + "." for b in BLOCKED))),
    "built": [m.OpenAPI.__pydantic_complete__, Ping.__pydantic_complete__],
}))
"""


@pytest.fixture(scope="module")
def started() -> dict[str, dict[str, Any]]:
    """What each service's process has loaded once its app is built (one probe per service, shared)."""
    reports: dict[str, dict[str, Any]] = {}
    for service in sorted(SERVICES):
        reports[service] = fresh_report(PROBE, service)
    return reports


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_starts_without_heavy_libraries(service: str, started: dict[str, dict[str, Any]]) -> None:
    found = started[service]["heavy"]  # the entries of lazy.HEAVY (a package, or a module and its submodules)
    assert not found, (
        f"{service} imports {found} at start-up; import them where first used (services/common/lazy.py)"
    )


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_readiness_reads_the_same_revisions_as_alembic(service: str) -> None:
    # migrate.heads parses the migration files itself (no Alembic in a running service): it must agree.
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(service, "postgresql://unused"))
    assert migrate.heads(service) == frozenset(script.get_heads())
    assert migrate.revisions(service).keys() == {s.revision for s in script.walk_revisions()}
    for rev in script.walk_revisions():
        assert migrate.revisions(service)[rev.revision] == frozenset(rev._normalized_down_revisions)


def test_without_blocks_an_optional_import_only_within_the_block() -> None:
    name = "zhifa_lazy_probe_module_that_does_not_exist"
    with lazy.without("json", name):  # json is already imported: left alone
        import json as again

        with pytest.raises(ImportError):
            __import__(name)
    assert again is json
    assert name not in sys.modules


def test_nats_is_imported_without_its_websocket_transport_in_a_service() -> None:
    code = "import sys, services.common.bus, nats.aio.transport as t; print(t.aiohttp is None, 'aiohttp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["True", "False"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_never_loads_the_blocked_modules(service: str, started: dict[str, dict[str, Any]]) -> None:
    # FastAPI imports pydantic.v1 for every route it builds unless the kernel blocks it (lazy.BLOCKED)
    assert started[service]["blocked"] == []


def test_fastapi_still_tells_a_model_is_not_a_pydantic_1_model_with_the_block() -> None:
    code = (
        "import sys, services.common, pydantic\n"
        "from fastapi._compat.shared import is_pydantic_v1_model_class\n"
        "class M(pydantic.BaseModel):\n    a: int\n"
        "print(is_pydantic_v1_model_class(M), sys.modules['pydantic.v1'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "None"]


REVISIONS_PROBE = """
import gc
from services.common import migrate
from services.common.registry import SERVICES
def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
gc.collect()
before = rss()
for service in SERVICES:
    migrate.heads(service)
gc.collect()
print(rss() - before)
"""


def test_readiness_reads_the_revisions_without_keeping_a_mib_of_syntax_trees() -> None:
    # Parsing the whole migration files left ~1.4 MiB resident in every service process after its first
    # readiness check (measured: 1.38 MiB before, 0.14 MiB after); only the assignments are parsed now.
    result = subprocess.run(
        [sys.executable, "-c", REVISIONS_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert float(result.stdout.strip()) < 0.7


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_models_no_request_uses_are_not_built_at_start_up(
    service: str, started: dict[str, dict[str, Any]]
) -> None:
    # pydantic builds a model's validator and serializer (pydantic-core, in Rust) when the class is defined,
    # unless it is deferred (services/common/lazy.py `defer_model_builds`): FastAPI's ~60 OpenAPI models
    # (~1.2 MiB) serve only GET /openapi.json, and an event contract only the events that arrive.
    assert started[service]["built"] == [False, False]


def test_a_deferred_model_is_built_on_first_use_and_validates_as_before() -> None:
    code = (
        "import services.common, pydantic\n"
        "class M(pydantic.BaseModel):\n    a: int\n"
        "before = M.__pydantic_complete__\n"
        "try:\n    M(a='x')\nexcept pydantic.ValidationError as e:\n    err = e.errors()[0]['type']\n"
        "print(before, M(a='1').a, err, M.__pydantic_complete__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "1", "int_parsing", "True"]


WARNING_PROBE = """
import json, warnings
import services.common  # noqa: F401  (the kernel's process set-up: models deferred)
import pydantic
from fastapi import FastAPI
from fastapi.testclient import TestClient
class Note(pydantic.BaseModel):
    text: str
app = FastAPI()
@app.post("/notes")
async def post(note: Note) -> Note:
    return note
with warnings.catch_warnings(record=True) as caught:  # the process's filters, as a server has them
    response = TestClient(app).post("/notes", json={"text": "x"})
print(json.dumps([response.status_code, sorted({type(w.message).__name__ for w in caught})]))
"""


def test_a_deferred_route_model_is_built_without_fastapis_silenced_warning() -> None:
    # FastAPI silences pydantic's UnsupportedFieldAttributeWarning while it builds a route's body adapter (the
    # alias it gives the body); deferred, the adapter is built on the first request, outside that silence: the
    # first POST of every route logged a warning until the kernel silenced it the same way.
    result = subprocess.run(
        [sys.executable, "-c", WARNING_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [200, []]


FIRST_USE_PROBE = """
import json, sys
from services.penalty.app import create_app
create_app()
from pydantic import TypeAdapter, ValidationError
from services.common.masking import mask_ric
from services.credit_repair.schemas import check_uscc
from services.inspection.domain.registry import validate_ric
from services.penalty.schemas import RIC, USCC
before = "stdnum" in sys.modules
out = [before, TypeAdapter(USCC).validate_python("91210102ma0p5qxx4q"), mask_ric("11010519491231002X")]
from pydantic_core import PydanticCustomError
try:
    TypeAdapter(RIC).validate_python("110105194912310021")
except ValidationError as exc:
    out.append(exc.errors()[0]["msg"])
try:
    check_uscc("91210102MA0P5QXX4R")
except PydanticCustomError as exc:
    out.append(exc.message())
try:
    validate_ric("110105194912310021")
except Exception as exc:
    out.append(exc.code)
print(json.dumps(out, ensure_ascii=False))
"""


def test_python_stdnum_is_imported_when_a_number_is_first_checked() -> None:
    # Not at start-up (services/common/lazy.py HEAVY "stdnum"), and the checks work on first use. The sample
    # numbers: USCC 91210102MA0P5QXX4Q (check character Q; ...4R is wrong), 居民身份证号 11010519491231002X
    # (GB 11643-1999 check digit X; ...0021 is wrong).
    before, uscc, masked, *refusals = fresh_report(FIRST_USE_PROBE)
    assert before is False
    assert uscc == "91210102MA0P5QXX4Q" and masked == "1101**********002X"
    assert refusals == [
        "Value error, 居民身份证号码无效（校验位、出生日期或格式错误）",
        "统一社会信用代码“91210102MA0P5QXX4R”无效（位数或校验码错误）",
        "INVALID_ID_NUMBER",
    ]


SERVE_PROBE = """
import json, runpy, sys
from services.common import listeners
from services.common.lazy import HEAVY
def run(app, **options):  # where the server would start: report what the process has loaded, and stop
    loaded = [n for n in sys.modules if sys.modules[n] is not None]
    heavy = sorted({h for n in loaded for h in HEAVY if n == h or n.startswith(h + ".")})
    print(json.dumps({"heavy": heavy, "port": options["port"], "admin_port": options["admin_port"]}))
    raise SystemExit(0)
listeners.run = run
sys.argv = ["zhifa", "serve", "notify", "--role", "all", "--port", "18999", "--admin-port", "19999"]
runpy.run_module("zhifa", run_name="__main__")
"""


def test_zhifa_serve_starts_a_process_without_the_command_line_framework() -> None:
    # `zhifa serve` (every process of the platform) parses its few options with argparse (zhifa/serve.py):
    # typer (~1.3 MiB) is for the other commands; uvicorn's own command line (click, its supervisors with
    # multiprocessing: 0.7-0.9 MiB) is loaded only if called (services/common/lazy.py import_uvicorn).
    assert fresh_report(SERVE_PROBE) == {"heavy": [], "port": 18999, "admin_port": 19999}


UVICORN_PROBE = """
import json, sys
import services.common
import uvicorn, uvicorn.server
before = {"click": "click" in sys.modules, "multiprocessing": "multiprocessing" in sys.modules,
          "server": uvicorn.Server is uvicorn.server.Server}
from uvicorn.main import STARTUP_FAILURE  # any other name of the command line's module loads it
import click
print(json.dumps({**before, "exit": STARTUP_FAILURE, "main": isinstance(uvicorn.main, click.Command),
                  "run": sys.modules["uvicorn.main"].run.__module__}))
"""


def test_uvicorn_is_imported_without_its_command_line_which_loads_when_used() -> None:
    assert fresh_report(UVICORN_PROBE) == {
        "click": False,
        "multiprocessing": False,
        "server": True,
        "exit": 3,  # uvicorn.main.STARTUP_FAILURE
        "main": True,  # `uvicorn.main` is the click command again, as uvicorn's package leaves it
        "run": "uvicorn.main",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nowhere"], "invalid choice: 'nowhere'"), (["notify", "--role", "boss"], "invalid choice: 'boss'")],
)
def test_zhifa_serve_refuses_an_unknown_target_or_role(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zhifa", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and message in result.stderr and "usage: zhifa serve" in result.stderr


ROLE_PROBE = """
import json, runpy, sys
from services.common import listeners
service, role = sys.argv[1], sys.argv[2]
def paths(routes, prefix=""):  # included routers flattened with their prefixes (services/common/routing.py)
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from paths(included.routes, prefix + route.include_context.prefix)
        else:
            yield prefix + route.path
def run(app, **options):  # where the server would start: report what the process has built and loaded
    own = [n for n in sys.modules if sys.modules[n] is not None and n.startswith(f"services.{service}.")]
    print(json.dumps({
        "paths": sorted(set(paths(app.router.routes))),
        "routes_imported": sorted(n for n in own if n.split(".")[2] in ("api", "deps")),
    }))
    raise SystemExit(0)
listeners.run = run
sys.argv = ["zhifa", "serve", service, "--role", role]
runpy.run_module("zhifa", run_name="__main__")
"""

#: What a worker serves (services/common/app.py): probes and metrics, and FastAPI's documentation (dev and test).
WORKER_PATHS = ["/docs", "/docs/oauth2-redirect", "/healthz", "/metrics", "/openapi.json", "/readyz"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_worker_process_never_imports_the_routes_it_does_not_serve(service: str) -> None:
    # `zhifa serve <service> --role worker` (production's worker pods) serves health, readiness and metrics
    # only: importing the service's routes, their schemas and dependencies (the api package and deps.py)
    # declared every route and its FastAPI dependants for nothing, up to 2.4 MiB of a worker process (penalty)
    # (docs/benchmarks.md, "Idle memory per process"). The api process imports and serves them.
    worker = fresh_report(ROLE_PROBE, service, "worker")
    assert worker == {"paths": WORKER_PATHS, "routes_imported": []}
    api = fresh_report(ROLE_PROBE, service, "api")
    assert f"services.{service}.api" in api["routes_imported"]
    assert len(api["paths"]) > len(WORKER_PATHS) + 20
