"""The methods index in front of every service's router (services/common/routing.py ``RequestTarget``).

It is built on the first request, and the first request of an idle service is a probe (/healthz, /readyz):
it must read the routes' paths and methods without FastAPI building every route's effective context (the
adapters of its parameters, body and response), which each route builds on its own first request. Built
through ``iter_route_contexts`` it cost penalty 2.1 MiB of Python objects (tracemalloc) and 4.5 MiB of RSS
with pydantic-core's (docs/benchmarks.md, "Idle memory per process").
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from services.common.registry import SERVICES
from services.common.routing import RequestTarget
from tests.support.interpreter import fresh_report


def _target(app: Any) -> RequestTarget:
    stack = app.router.middleware_stack
    assert isinstance(stack, RequestTarget)
    return stack


def _fastapis_view(app: Any) -> tuple[dict[str, set[str]], set[tuple[str, frozenset[str]]]]:
    """The index as FastAPI's own flattened routes give it (every effective context built)."""
    literal: dict[str, set[str]] = {}
    templates: set[tuple[str, frozenset[str]]] = set()
    for route in iter_route_contexts(app.router.routes):
        if not route.methods or route.path is None or getattr(route, "path_regex", None) is None:
            continue
        if route.param_convertors:
            templates.add((route.path_regex.pattern, frozenset(route.methods)))
        else:
            literal.setdefault(route.path, set()).update(route.methods)
    return literal, templates


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_index_holds_every_path_and_method_fastapi_serves(service: str) -> None:
    os.environ.setdefault("ZHIFA_ENV", "test")
    app = importlib.import_module(f"services.{service}.app").create_app()
    target = _target(app)
    literal = target._index()
    expected_literal, expected_templates = _fastapis_view(app)
    assert literal == expected_literal
    assert {(regex.pattern, frozenset(methods)) for regex, methods in target._templates} == expected_templates
    assert len(expected_literal) > 5 and len(expected_templates) > 5


PROBE = """
import gc, importlib, json, sys, tracemalloc
app = importlib.import_module(f"services.{sys.argv[1]}.app").create_app()
gc.collect()
tracemalloc.start()
app.router.middleware_stack.allowed("/healthz")  # what the first probe of an idle process asks
gc.collect()
print(json.dumps(tracemalloc.get_traced_memory()[0] / 2**20))
"""


def test_the_first_request_indexes_the_routes_without_building_them() -> None:
    # penalty, the service with the most routes: 2.06 MiB of Python objects through iter_route_contexts
    # (every route's dependant and pydantic adapters); its paths and methods alone are well under 0.5 MiB.
    assert fresh_report(PROBE, "penalty") < 0.5
