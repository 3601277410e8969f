"""Crafted keyset cursors are refused with 400 INVALID_CURSOR, never a 500 (SPEC §1.6).

A cursor is URL-safe base64 of JSON (services/common/pagination.py); a value that decodes but that the server
did not issue — an instant PostgreSQL or Python cannot hold once in UTC, a naive instant, a non-uuid id, a
number too big for bigint, a NUL character (PostgreSQL refuses it in text), a shape no list uses — must not
reach the database. Every GET operation with a ``cursor`` query parameter is taken from each service's
OpenAPI document (a new list is covered the moment it exists) and called by a persona its role gate admits,
with the path values its authorisation matrix declares (tests/<service>/test_authorization.py).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common.registry import SERVICES
from tests.support.authz import Persona, _fill
from tests.support.probes import caller, matrix_of
from tests.support.stack import Running, Stack, client, running_services

ID = str(uuid.uuid4())
CRAFTED: dict[str, Any] = {
    "instant past 9999 in UTC": ["9999-12-31T23:59:59-12:00", ID],
    "instant before year 1 in UTC": ["0001-01-01T00:00:00+14:00", ID],
    "naive instant": ["2026-01-01T00:00:00", ID],
    "date only": ["2026-01-01", ID],
    "non-uuid id": ["2026-01-01T00:00:00+08:00", "not-a-uuid"],
    "huge integer": [10**30, ID],
    "huge integer alone": 10**30,
    "integer past bigint": 2**63,
    "negative integer": -1,
    "float": [1.5, ID],
    "null inside a pair": [None, ID],
    "triple": ["2026-01-01T00:00:00+08:00", ID, ID],
    "object": {"after": ID},
    "bare string": "2026-01-01T00:00:00+08:00",
    "bare number": 7,
    "very long string": ["x" * 300, ID],
    "NUL in a string": ["a\u0000b", ID],
    "NUL alone": "a\u0000b",
    "lone surrogate": ["\ud800", ID],
    "year 10000": ["10000-01-01T00:00:00+00:00", ID],
}


def crafted(key: Any) -> str:
    """A cursor as encode_cursor writes one, of any JSON (orjson would not write an integer past 64 bits)."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()


# lists of one object (none exists in the empty databases here): 404 before the cursor is read. The audit
# trail of an entity reads its cursor as the public checkpoints' seq (services/common/audit_api.py); an
# endpoint's deliveries as the webhook dead letters (services/notify/use_cases/webhooks.py); a unit's evidence
# of a quarter (risk) needs the unit, and tests/risk/test_reports.py pages it with real and foreign cursors.
NEEDS_AN_OBJECT = ("/audit/entities/", "/webhooks/endpoints/", "/evidence/")


def _lists() -> list[Any]:
    out = []
    for service in SERVICES:
        matrix = matrix_of(service)
        for template, item in sorted(matrix.openapi["paths"].items()):
            op = item.get("get")
            names = {p["name"] for p in (op or {}).get("parameters", []) if p.get("in") == "query"}
            if op and "cursor" in names:
                persona = caller(matrix, op)
                path = _fill(template, functools.partial(matrix.value, template))
                path = re.sub(r"{[^}]+}", ID, path)  # objects made at run time by the matrix's fixtures
                # the credit feed also takes its cursor as ?since= (docs/api/credit_repair.md)
                keys = sorted(names & {"cursor", "since"})
                out.append(pytest.param(service, path, persona, keys, id=f"{service} GET {template}"))
    return out


@pytest.fixture(scope="module")
async def services(stack: Stack) -> AsyncIterator[dict[str, Running]]:
    async with running_services(stack, SERVICES) as running:
        yield running


def test_every_service_has_cursor_lists() -> None:
    assert {param.values[0] for param in _lists()} == set(SERVICES)


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(("service", "path", "persona", "keys"), _lists())
async def test_a_crafted_cursor_is_never_a_500(
    services: dict[str, Running], service: str, path: str, persona: Persona, keys: list[str]
) -> None:
    wrong = []
    async with client(services[service].url) as http:
        first = await http.get(path, headers=dict(persona.headers))
        # the first page, so the crafted cursors reach the list's parsing (an object's list in an empty
        # database is 404 before it: those share their parsing with a list that is exercised)
        assert first.status_code == (404 if any(p in path for p in NEEDS_AN_OBJECT) else 200), first.text
        for (name, key), param in ((item, param) for item in CRAFTED.items() for param in keys):
            name = f"{name} (?{param}=)"
            r = await http.get(path, params={param: crafted(key)}, headers=dict(persona.headers))
            if r.status_code >= 500:
                wrong.append(f"{name}: {r.status_code} {r.text[:200]}")
            elif r.status_code == 400 and r.json().get("code") != "INVALID_CURSOR":
                wrong.append(f"{name}: 400 {r.text[:200]}")
            elif first.status_code == 200 and r.status_code not in (200, 400):
                wrong.append(f"{name}: {r.status_code} {r.text[:200]}")
    assert not wrong, f"GET {path} as {persona.name}:\n" + "\n".join(wrong)


# --- the other query parameters of the reads: dates, instants and integers at the ends of their range -------

EXTREMES = {
    "date": ["9999-12-31", "0001-01-01"],
    "date-time": ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2026-01-01T00:00:00"],
    "integer": [str(2**63), str(-(2**63) - 1), str(2**31), "-1", "0"],
}


def _schema_kind(doc: dict[str, Any], schema: dict[str, Any]) -> str | None:
    for option in schema.get("anyOf", [schema]):
        while "$ref" in option:
            option = doc["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
        if option.get("format") in ("date", "date-time"):
            return str(option["format"])
        if option.get("type") == "integer":
            return "integer"
    return None


def _reads() -> list[Any]:
    out = []
    for service in SERVICES:
        matrix = matrix_of(service)
        for template, item in sorted(matrix.openapi["paths"].items()):
            op = item.get("get")
            if not op:
                continue
            params = [
                (p["name"], kind)
                for p in op.get("parameters", [])
                if p.get("in") == "query"
                and p["name"] != "limit"
                and (kind := _schema_kind(matrix.openapi, p.get("schema", {}))) is not None
            ]
            if params:
                persona = caller(matrix, op)
                path = re.sub(r"{[^}]+}", ID, _fill(template, functools.partial(matrix.value, template)))
                out.append(pytest.param(service, path, persona, params, id=f"{service} GET {template}"))
    return out


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(("service", "path", "persona", "params"), _reads())
async def test_a_query_value_at_the_ends_of_its_range_is_never_a_500(
    services: dict[str, Running], service: str, path: str, persona: Persona, params: list[tuple[str, str]]
) -> None:
    wrong = []
    async with client(services[service].url) as http:
        for name, kind in params:
            for value in EXTREMES[kind]:
                r = await http.get(path, params={name: value}, headers=dict(persona.headers))
                if r.status_code >= 500:
                    wrong.append(f"{name}={value}: {r.status_code} {r.text[:200]}")
    assert not wrong, f"GET {path} as {persona.name}:\n" + "\n".join(wrong)
