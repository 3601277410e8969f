"""Each service's OpenAPI document as its API process serves it, built once per test process.

Building one (``create_app(settings, role="api").openapi()``: FastAPI's schema generation and the kernel's
reading of the routes' code for their error codes) takes 0.2-3.5 s at load 8, and the suite needs it in
tests/test_openapi_document.py, test_http_contract.py, test_request_types.py, test_authorization_matrices.py,
each service's test_authorization.py (at collection, in every xdist worker) and
tests/gateway/test_typescript_client.py: 30 builds a worker for 5 different documents. The document does not
depend on the settings a test gives (ports, URLs), so it is built once per service per process and each
caller gets its own copy, free to change it.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import orjson

from tests.support.stack import settings_for


@functools.cache
def _serialized(service: str) -> bytes:
    module = importlib.import_module(f"services.{service}.app")
    return orjson.dumps(module.create_app(settings_for(service), role="api").openapi())


def api_document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, as its API process serves it (no database needed): a fresh copy."""
    document: dict[str, Any] = orjson.loads(_serialized(service))
    return document
