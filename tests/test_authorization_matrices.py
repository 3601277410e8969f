"""One authorisation-matrix style for every service (tests/support/authz.py): each service's
tests/<service>/test_authorization.py builds its ``MATRIX`` from the service's own OpenAPI document, so every
operation the service serves is in it (× a persona of every role and an anonymous caller), and runs it."""

from __future__ import annotations

import importlib

import pytest

from services.common.registry import SERVICES
from tests.support.authz import METHODS, Matrix, document

ROLES = {None, "officer", "enterprise", "supervisor", "integration", "admin"}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_operation_of_every_service_is_in_its_matrix(service: str) -> None:
    module = importlib.import_module(f"tests.{service}.test_authorization")
    matrix = module.MATRIX
    assert isinstance(matrix, Matrix) and callable(module.test_matrix)
    served = {
        (method.upper(), template)
        for template, item in document(service)["paths"].items()
        for method in item
        if method in METHODS
    }
    assert {(case.method, case.template) for case in matrix.cases()} == served
    assert {persona.role for persona in matrix.personas} >= ROLES
    assert matrix.undeclared() == []
