"""Architecture: the boundaries (import-linter contracts in pyproject.toml: services never import each other or
the gateway, the kernel and the gateway import no service, one `layers` contract for every service) and the
one shape every service has (docs/architecture.md, "One service, one shape"): the same top-level modules,
each playing the same role, none of them over 800 lines."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from services.common.app import durable_consumers
from services.common.events import Event
from services.common.inbox import Consumers
from services.common.jobs import Periodic
from services.common.registry import SERVICES
from services.common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent

#: Every top-level entry of services/<name>/, and whether it is a module (``x.py``), a package (``x/``) or
#: may be either (a topic grows into a package when it outgrows one module).
MODULE, PACKAGE, EITHER = "module", "package", "module or package"
SHAPE = {
    "app": MODULE,
    "settings": MODULE,
    "api": EITHER,
    "consumers": MODULE,
    "jobs": MODULE,
    "deps": MODULE,
    "schemas": EITHER,
    "use_cases": PACKAGE,
    "views": EITHER,
    "events": MODULE,
    "repository": EITHER,
    "models": EITHER,
    "domain": PACKAGE,
    "errors": MODULE,
}
OPTIONAL = {"sample.py", "templates"}
ALWAYS = {"__init__.py", "migrations", "__pycache__"}
#: What the outbound contract builders may not import: what calls them (events.py sits below the use cases,
#: which stage its contracts) and the repository (a builder is pure: it reads what it is given).
ABOVE_EVENTS = ("app", "api", "consumers", "jobs", "deps", "use_cases", "repository")
MAX_LINES = 800


def camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def role_of(entry: Path) -> str | None:
    """The role ``entry`` of services/<name>/ plays (its name without .py), or None for a data file."""
    if entry.is_dir():
        return entry.name if (entry / "__init__.py").is_file() else f"{entry.name}/ (not a package)"
    if entry.suffix == ".py":
        return entry.stem
    return None


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_the_same_top_level_modules(name: str) -> None:
    directory = ROOT / "services" / name
    entries = {e.name: e for e in directory.iterdir() if e.name not in ALWAYS | OPTIONAL}
    assert "service.py" not in entries, f"services/{name}/service.py: split into use_cases/ (issue #12)"
    found = {role: e for e in entries.values() if (role := role_of(e)) is not None}
    missing = sorted(set(SHAPE) - set(found))
    extra = sorted(set(found) - set(SHAPE))
    assert not missing, f"services/{name} lacks {missing}"
    assert not extra, (
        f"services/{name} has modules no other service has: {extra} (put them where their job is)"
    )
    for role, kind in SHAPE.items():
        is_package = found[role].is_dir()
        assert kind == EITHER or (kind == PACKAGE) == is_package, f"services/{name}/{role} must be a {kind}"
    assert (directory / "migrations" / "env.py").is_file(), f"services/{name} has no Alembic migrations"


def test_every_service_has_the_same_set_of_modules() -> None:
    def roles(name: str) -> set[str]:
        directory = ROOT / "services" / name
        return {
            role
            for e in directory.iterdir()
            if e.name not in ALWAYS | OPTIONAL and (role := role_of(e)) is not None
        }

    shapes = {name: roles(name) for name in SERVICES}
    every = set().union(*shapes.values())
    lacking = {name: sorted(every - shape) for name, shape in shapes.items() if shape != every}
    assert not lacking, f"modules another service has: {lacking}"


def _module(name: str, module: str) -> ModuleType:
    return importlib.import_module(f"services.{name}.{module}")


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_modules_play_the_same_roles(name: str) -> None:
    settings, context = f"{camel(name)}Settings", f"{camel(name)}Context"
    settings_module = _module(name, "settings")
    settings_class = getattr(settings_module, settings, None)
    context_class = getattr(settings_module, context, None)
    assert inspect.isclass(settings_class) and issubclass(settings_class, ServiceSettings), (
        f"services/{name}/settings.py defines no {settings}"
    )
    assert inspect.isclass(context_class), f"services/{name}/settings.py defines no {context}"
    assert inspect.ismethod(getattr(context_class, "from_settings", None)), (
        f"{context}.from_settings(settings) builds the context at start-up"
    )

    consumers = _module(name, "consumers").consumers
    assert isinstance(consumers, Consumers), (
        f"services/{name}/consumers.py: consumers = Consumers[{context}]()"
    )
    jobs = _module(name, "jobs").JOBS
    assert isinstance(jobs, list) and all(isinstance(job, Periodic) for job in jobs), (
        f"services/{name}/jobs.py: JOBS = [periodic(...), ...]"
    )
    published = _module(name, "events").PUBLISHED
    assert published and all(
        inspect.isclass(contract) and issubclass(contract, Event) and callable(build)
        for contract, build in published.items()
    ), f"services/{name}/events.py: PUBLISHED maps each contract it publishes to its builder"

    create_app = _module(name, "app").create_app
    assert list(inspect.signature(create_app).parameters) == ["settings", "role"]
    app = create_app()
    assert isinstance(app.state.runtime.context, context_class), f"the context of {name} is a {context}"
    durables = {durable for _, durable in durable_consumers(app)}
    assert {f"{name}-{d.name}" for d in consumers.declared} <= durables, (
        "app.py hands over consumers.consumers"
    )
    assert _composed(name) == {
        "context": f"{context}.from_settings",
        "consumers": "consumers.consumers",
        "periodic": "jobs.JOBS",
    }


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_context_dependency_is_the_kernels_and_runs_on_the_loop(name: str) -> None:
    """``deps.ContextDep`` resolves through the kernel's ``get_context``, an ``async`` function: FastAPI runs
    a plain function dependency in its thread pool, one hop per request (four services had their own, plain,
    copy)."""
    from typing import get_args

    from services.common.deps import get_context

    [_, depends] = get_args(_module(name, "deps").ContextDep)
    assert depends.dependency is get_context
    assert inspect.iscoroutinefunction(get_context)


def _composed(name: str) -> dict[str, str]:
    """What app.py hands ``ServiceParts`` as its context, consumers and periodic jobs (as written)."""
    tree = ast.parse((ROOT / "services" / name / "app.py").read_text(encoding="utf-8"))
    [parts] = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "ServiceParts"
    ]
    given = {k.arg: k.value for k in parts.keywords if k.arg in ("context", "consumers", "periodic")}
    if isinstance(given.get("context"), ast.Call):
        given["context"] = given["context"].func  # type: ignore[union-attr]
    return {arg: ast.unparse(value) for arg, value in given.items()}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_events_build_contracts_and_import_nothing_above_them(name: str) -> None:
    path = ROOT / "services" / name / "events.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = f"services.{name}."
    imported = {
        f"{node.module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if isinstance(node, ast.Import) or node.module is not None
    }
    above = sorted(
        m for m in imported for layer in ABOVE_EVENTS if m.startswith(own + layer + ".") or m == own + layer
    )
    assert not above, f"services/{name}/events.py imports {above}: it builds contracts, it does not call"
    io = [node.name for node in ast.walk(tree) if isinstance(node, ast.AsyncFunctionDef)]
    assert not io, f"services/{name}/events.py: builders are pure (no I/O): {io}"


def test_no_module_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "services").rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these by topic: {long}"


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


def test_one_layers_contract_covers_every_service() -> None:
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layered = [c for c in contracts if c["type"] == "layers"]
    assert len(layered) == 1, [c["name"] for c in layered]
    [layers] = layered
    assert sorted(layers["containers"]) == sorted(f"services.{name}" for name in SERVICES)
    assert layers.get("exhaustive") is True
