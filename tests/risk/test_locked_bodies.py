"""A write to a rectification or a lead validates its body before it looks the object up: a malformed body
is refused at its field (422) whether or not the object exists, as everywhere else (services.common.deps
``load_or_404(..., body=)``).

These routes took the locked object and the body as two parameters; FastAPI runs the lookup (a dependency)
before it validates the route's own body, so a bad body to an id that does not exist answered 404.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.risk.helpers import SUPERVISOR, unit_officer
from tests.support.http import problem
from tests.support.stack import Running, client

OFFICER = unit_officer("SJ-210102")

# (path under /api/v1/risk, the caller the route admits, a body that does not validate, the field)
CASES = [
    ("/rectifications/{id}/submit", OFFICER, {"measures": ""}, "measures"),  # min_length 1
    ("/rectifications/{id}/close", SUPERVISOR, {"note": 5}, "note"),  # a string
    ("/rectifications/{id}/reopen", SUPERVISOR, {"reason": ""}, "reason"),
    ("/rectifications/{id}/withdraw", SUPERVISOR, {}, "reason"),  # required
    ("/leads/{id}/answer", OFFICER, {"text": ""}, "text"),
    ("/leads/{id}/return", SUPERVISOR, {"reason": ""}, "reason"),
    ("/leads/{id}/close", SUPERVISOR, {"note": ["x"]}, "note"),
]


@pytest.mark.parametrize(("path", "headers", "body", "field"), CASES, ids=[c[0] for c in CASES])
async def test_a_bad_body_is_refused_at_its_field_for_any_id(
    risk: Running, path: str, headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    url = "/api/v1/risk" + path.format(id=uuid.uuid4())  # no such object
    async with client(risk.url, headers=headers) as http:
        found = problem(await http.post(url, json=body), 422, "VALIDATION_FAILED")
    assert any(error.get("loc", [])[:2] == ["body", field] for error in found["errors"]), found
