"""Heavy libraries are imported where they are first used, never when a service process starts.

Every service process (API, relay, consumers) starts with the same imports, and most never render a PDF,
read a spreadsheet or draw a QR code; each such library imported at module level costs every process its
resident memory (docs/benchmarks.md, "Idle memory per process": a few MiB each, ~20 MiB together). The rule:
a module in :data:`HEAVY` is imported inside the function that needs it (``import openpyxl`` as the first
line of the export), with ``if TYPE_CHECKING:`` for annotations. tests/common/test_lazy_imports.py imports
every service's app, calls ``create_app()``, and fails when any of these is in ``sys.modules``: add a library
here when you add one of its kind (xlsx, PDF, images, templating, HTTP clients, test tools).
"""

from __future__ import annotations

import contextlib
import sys
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi._compat.v2 import ModelField
    from fastapi.dependencies.models import Dependant

#: Modules no service may import at start-up, with what they are for (a package, or a module and its submodules).
HEAVY: dict[str, str] = {
    "weasyprint": "PDF rendering (services/common/documents.py)",
    "pydyf": "PDF rendering (weasyprint)",
    "fontTools": "PDF rendering (weasyprint)",
    "jinja2": "document templates (services/common/documents.py)",
    "openpyxl": "xlsx import and export",
    "xlsxwriter": "xlsx export",
    "PIL": "images (openpyxl, weasyprint)",
    "segno": "QR codes (services/inspection/domain/qr.py)",
    "httpx": "outbound HTTP (JWKS by URL); its package imports its command line's rich and pygments",
    "rich": "terminal output (command-line tools)",
    "pygments": "syntax highlighting (command-line tools)",
    "alembic": "migrations (`zhifa migrate`; readiness reads the revisions itself)",
    "mako": "migration templates (alembic)",
    "aiohttp": "nats-py's websocket transport, unused (see import_nats)",
    "schemathesis": "tests only",
    "hypothesis": "tests only",
    "pytest": "tests only",
    "typer": "the command line of `zhifa` (zhifa/cli.py); `zhifa serve` parses its arguments with argparse "
    "(zhifa/serve.py)",
    "click": "command lines: typer's and uvicorn's (uvicorn.main, loaded when first used: see import_uvicorn)",
    "uvicorn.supervisors": "uvicorn's reloader and workers (multiprocessing), for its command line only",
    "stdnum": "python-stdnum (~1 MiB: `stdnum.util` imports pydoc): imported when services/common/idnumbers.py "
    "first checks a USCC or 居民身份证号",
}


@contextlib.contextmanager
def without(*names: str) -> Iterator[None]:
    """Within the block, importing any of ``names`` raises ImportError (optional imports are skipped);
    modules already imported are left alone."""
    blocked = [n for n in names if n not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


def import_nats() -> None:
    """Import nats-py without its optional websocket transport: ``nats.aio.transport`` tries ``import aiohttp``
    (~9 MiB with multidict and yarl) for ``ws://`` servers, which the platform never uses (``nats://`` and
    ``tls://`` only). A ``ws://`` URL would fail with nats-py's own clear ImportError. Called by the kernel
    package before anything imports nats; a process that imported aiohttp earlier (the gateway) is unaffected."""
    if "nats.aio.transport" in sys.modules:
        return
    with without("aiohttp"):
        import nats.aio.transport  # noqa: F401


def import_uvicorn() -> None:
    """Import uvicorn without its command line: uvicorn's package re-exports ``run`` and ``main`` from
    ``uvicorn.main``, which imports click and the reloader's and workers' supervisors (with multiprocessing),
    0.7 MiB in every process (docs/benchmarks.md, "Idle memory per process"), while a process of the platform
    runs ``uvicorn.Server`` itself (services/common/listeners.py) and never uvicorn's command line. A stand-in
    ``uvicorn.main`` gives the package ``uvicorn.server.Server`` and a ``run`` and ``main`` that load the real
    module when first called (any other name of it loads it too, and it then takes the stand-in's place), so
    ``uvicorn.run(...)`` and ``uvicorn.main`` behave as before. Called by the kernel package, like
    :func:`import_nats`; a process that imported uvicorn earlier is unaffected."""
    if "uvicorn" in sys.modules or "uvicorn.main" in sys.modules:
        return
    import importlib
    import types

    stand_in = types.ModuleType("uvicorn.main", "uvicorn's command line, loaded when first used")

    def real() -> types.ModuleType:
        if sys.modules.get("uvicorn.main") is stand_in:
            del sys.modules["uvicorn.main"]
            module = importlib.import_module("uvicorn.main")
            package = sys.modules["uvicorn"]
            # as the package's own `from uvicorn.main import main, run` leaves them
            setattr(package, "main", module.main)  # noqa: B010
            setattr(package, "run", module.run)  # noqa: B010
        return sys.modules["uvicorn.main"]

    def run(*args: Any, **kwargs: Any) -> Any:
        return real().run(*args, **kwargs)

    def main(*args: Any, **kwargs: Any) -> Any:
        return real().main(*args, **kwargs)

    def attribute(name: str) -> Any:
        if name == "Server":
            return importlib.import_module("uvicorn.server").Server
        if name.startswith("__"):  # the import system's questions (``__path__``: is it a package?)
            raise AttributeError(name)
        return getattr(real(), name)

    for name, value in (("run", run), ("main", main), ("__getattr__", attribute)):
        setattr(stand_in, name, value)
    sys.modules["uvicorn.main"] = stand_in


#: Modules a service process never loads at all: importing one raises ImportError (see :func:`block_unused`).
BLOCKED: dict[str, str] = {
    "pydantic.v1": "pydantic's 1.x compatibility layer: FastAPI imports it on every route it builds only to "
    "ask whether a model is a 1.x model (its ImportError branch answers no); the platform has none (~1.5 MiB)",
}


def block_unused() -> None:
    """Make the modules of :data:`BLOCKED` unimportable in this process (unless one is already imported).
    Called by the kernel package, like :func:`import_nats`."""
    for name in BLOCKED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def defer_model_builds() -> None:
    """Build every pydantic model defined from now on when it is first used, not when its class is defined.

    pydantic builds a model's validator and serializer (pydantic-core objects, in Rust) at class creation;
    a service process defines hundreds of models and uses a fraction of them before it sees traffic:
    FastAPI's ~60 OpenAPI models (``fastapi.openapi.models``) serve only ``GET /openapi.json``, the event
    contracts only the events that arrive, the domain's only the use cases that run. Deferred, a model is
    built on its first validation, serialization or schema (``defer_build``, documented pydantic config);
    what it accepts, refuses and writes is unchanged (tests/common/test_lazy_imports.py). A model that
    sets ``defer_build`` itself keeps its own. Called by the kernel package before anything defines a
    model; measured in docs/benchmarks.md ("Idle memory per process"). The models FastAPI's routes use are
    built by a route's first request (the hot routes' at start-up: :func:`warm_hot_routes`)."""
    import warnings

    from pydantic import BaseModel
    from pydantic.warnings import UnsupportedFieldAttributeWarning

    BaseModel.model_config["defer_build"] = True
    # FastAPI silences this warning while it builds a route's adapters (the alias it gives a body parameter,
    # fastapi/_compat/v2.py ``ModelField``); deferred, they are built on a first request, outside its silence.
    warnings.filterwarnings("ignore", category=UnsupportedFieldAttributeWarning)


def defer_route_adapters() -> None:
    """Build the pydantic adapter of each of FastAPI's fields (a route's body, parameters, response) when it is
    first used, not when the route is declared.

    FastAPI builds one ``TypeAdapter`` per field (``fastapi._compat.v2.ModelField``) when a route is declared,
    and again for every route of an included router when that router is first matched (its "effective
    context", with the app's prefixes and dependencies): a service's routers are all included, so the
    adapters built at declaration serve no request (the one exception, services/common/hot.py, reads its
    route's response and path fields: built on its first request, or by :func:`warm_hot_routes`). Those of a
    model are deferred already (:func:`defer_model_builds`); a list, a scalar, a union is built at once.
    Deferring them through pydantic's ``defer_build`` costs more than it saves (a mock validator,
    serializer and schema per adapter, each with the type's repr in its message: +1.3 MiB in penalty), so
    the adapter itself is built on the first read of ``_type_adapter``, which is where FastAPI and
    services/common/hot.py use it (docs/benchmarks.md, "Idle memory per process"). What a field accepts,
    refuses and writes is the same adapter's (tests/common/test_route_adapters.py). Called by the kernel
    package before any route is declared."""
    from fastapi._compat import v2

    field = v2.ModelField
    if getattr(field, "_zhifa_deferred", False):
        return
    build = field.__post_init__

    def declared(self: v2.ModelField) -> None:
        """Nothing built yet: the adapter is built when first read."""

    def adapter(self: v2.ModelField, name: str) -> Any:
        if name != "_type_adapter":
            raise AttributeError(name)
        build(self)  # sets self._type_adapter (FastAPI's own code, its warnings silenced as before)
        return self.__dict__["_type_adapter"]

    field.__post_init__ = declared  # type: ignore[method-assign]
    field.__getattr__ = adapter  # type: ignore[attr-defined]
    field._zhifa_deferred = True  # type: ignore[attr-defined]


#: The module of the kernel's hot route classes (services/common/hot.py ``hot_route``): the routes warmed.
HOT_ROUTES_MODULE = "services.common.hot"


def warm_hot_routes(app: FastAPI) -> int:
    """Build at start-up what the first request of each hot route would build (issue #16: check-in and
    the what-if assessment must not pay it on their first real request); the number of routes warmed.

    A route's first request builds its included router's effective routes (FastAPI, once per router), the
    adapters of its fields (:func:`defer_route_adapters`) and the models of its body and response
    (:func:`defer_model_builds`); services/common/hot.py also reads the declared route's response and path
    fields. All of those are built here, for the routes whose class is a hot route's, and nothing else:
    the other routes keep building theirs on first use."""
    warmed = 0
    for route in app.router.routes:
        if _declares(route, HOT_ROUTES_MODULE):
            warmed += _warm(route) if hasattr(route, "original_router") else _warm_route(route, route)
    return warmed


def _warm(included: Any) -> int:
    """Warm the hot routes under one of FastAPI's included routers: its effective routes (built once per
    router by ``effective_candidates``, the method FastAPI's own matching calls, and kept by it), and only
    the branches that declare one (tests/common/test_route_adapters.py counts what is built)."""
    warmed = 0
    for candidate in included.effective_candidates():
        if hasattr(candidate, "original_router"):  # a nested included router
            if _declares(candidate, HOT_ROUTES_MODULE):
                warmed += _warm(candidate)
        elif type(candidate.original_route).__module__ == HOT_ROUTES_MODULE:
            warmed += _warm_route(candidate.original_route, candidate)
    return warmed


def _warm_route(declared: Any, effective: Any) -> int:
    """Build the models and field adapters of a route as declared and as included (its effective route)."""
    for route in (declared, effective):
        for field in [route.body_field, route.response_field, *_fields(route.dependant)]:
            if field is not None:
                _build(field.field_info.annotation)
                field._type_adapter.rebuild()  # a no-op when built; a model's deferred one built now
    return 1


def _declares(route: object, module: str) -> bool:
    """Whether an included router (FastAPI's, with its nested routers) declares a route of a class in ``module``."""
    router = getattr(route, "original_router", None)
    if router is None:
        return type(route).__module__ == module
    return any(_declares(child, module) for child in router.routes)


def _fields(dependant: Dependant) -> Iterator[ModelField]:
    """The fields of a route's dependant and of its dependencies' (parameters and body)."""
    yield from (*dependant.path_params, *dependant.query_params, *dependant.header_params)
    yield from (*dependant.cookie_params, *dependant.body_params)
    for dependency in dependant.dependencies:
        yield from _fields(dependency)


def _build(annotation: object) -> None:
    """Build every pydantic model ``annotation`` names (itself, or in ``list[...]``, unions, ``Annotated``)."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        annotation.model_rebuild()  # builds a deferred model; None when built already
    for arg in typing.get_args(annotation):
        _build(arg)
