"""The authorisation matrix of a service, generated from its OpenAPI document (SPEC §1.5, §8).

Every operation the service documents × every persona, and every object in its path × someone else's:

- no token → 401 (``/public`` operations take none and are checked like any caller);
- a role the operation does not admit (``x-zhifa-roles``) → 403;
- an integration client without the operation's scope (``x-zhifa-client-scope``) → 403;
- an object in the path the persona may not see → 404, never 403, so ids cannot be probed;
- otherwise the request gets past authentication, the role gate and the object check: any answer but
  401, 403, 404 or a 5xx (bodies are empty, so a 422 for the body is the usual answer of a write).

Because the operations come from the document, a new endpoint is in the matrix the moment it exists, and
a path parameter the service's test does not declare fails the test with the name to add. A service's test
declares its personas (who is "own" and who is "other") and, per path parameter, either an ``Owned``
object with the personas that may see it, or an ``Open`` value that any caller may name (a year, a
registry code, a quarter).

Refusals are checked by status AND code: 401 ``TOKEN_MISSING`` (no token), 403 ``ROLE_FORBIDDEN`` (or
``CLIENT_SCOPE_FORBIDDEN`` for an integration client without the scope), 404 the ``missing`` code of the
``Owned`` object. What the roles and objects cannot say (an action-level 403 inside a use case, a read that
must answer exactly 200) is an ``Expect`` in ``overrides``, per operation and persona. ``roles()`` gives the
document's role table, which each service's test pins (so a new endpoint cannot pass unnoticed and a role
cannot be added to or dropped from an operation silently).

Path values are declared per parameter name, or per ``(template, name)`` where one name means different
things on different paths (``/items/{code}`` and ``/departments/{code}``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.common import scopes
from tests.support.documents import api_document

METHODS = ("get", "post", "put", "patch", "delete")
ACCESS_REFUSALS = {401, 403, 404}


@dataclass(frozen=True)
class Persona:
    """A caller: a role, its token's headers, and (integration) its client."""

    name: str
    role: str | None  # None: no token
    headers: Mapping[str, str]
    client: str | None = None


@dataclass(frozen=True)
class Owned:
    """An object named in the path, the personas that may see it (everyone else gets 404), and the code of
    that 404."""

    value: str
    seen_by: frozenset[str]
    missing: str | None = None


@dataclass(frozen=True)
class Expect:
    """An expected answer: ``"passes"`` (past the access checks) or a status, with its problem code."""

    status: str
    code: str | None = None


PASSES = Expect("passes")


@dataclass(frozen=True)
class Open:
    """A path value anyone admitted by the role gate may name (no object-level rule)."""

    value: str


@dataclass(frozen=True)
class Case:
    method: str
    template: str
    path: str
    persona: Persona
    expected: str  # "401", "403", "404", another status, or "passes"
    destructive: bool = False
    body: Mapping[str, Any] | None = None
    code: str | None = None  # the problem code of a refusal

    @property
    def id(self) -> str:
        return f"{self.method} {self.template} as {self.persona.name}"


@dataclass
class Matrix:
    """One service's matrix: its document, its personas, its path values."""

    openapi: Mapping[str, Any]
    personas: list[Persona]
    values: Mapping[str | tuple[str, str], Owned | Open]
    # Operations whose success would remove or invalidate a shared object: their "passes" cases are
    # not sent (the refusals still are).
    destructive: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # Valid bodies for writes that check their object after the body (a route that loads the object in its
    # use case validates the body first, so an empty body would answer 422 before the 404 under test).
    bodies: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    # What the roles and objects cannot say: (method, template) -> persona name -> the expected answer.
    overrides: Mapping[tuple[str, str], Mapping[str, Expect]] = field(default_factory=dict)

    def operations(self) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        for template, item in sorted(self.openapi["paths"].items()):
            for method in METHODS:
                if method in item:
                    yield method.upper(), template, item[method]

    def roles(self) -> dict[tuple[str, str], frozenset[str]]:
        """The document's role table: who may call each operation (``public`` for no token at all)."""
        return {
            (method, template): frozenset(["public"] if op.get("security") == [] else op["x-zhifa-roles"])
            for method, template, op in self.operations()
        }

    def value(self, template: str, name: str) -> Owned | Open | None:
        return self.values.get((template, name)) or self.values.get(name)

    def undeclared(self) -> list[str]:
        """Path parameters of documented operations the service's test does not declare."""
        missing = set()
        for _, template, _op in self.operations():
            missing |= {name for name in _parameters(template) if self.value(template, name) is None}
        return sorted(missing)

    def unknown_overrides(self) -> list[tuple[str, str]]:
        """Overrides, destructive operations and bodies that name no documented operation."""
        known = {(method, template) for method, template, _ in self.operations()}
        named = set(self.overrides) | set(self.destructive) | set(self.bodies)
        return sorted(named - known)

    def cases(self) -> list[Case]:
        out = []
        for method, template, op in self.operations():
            path = _fill(template, functools.partial(self.value, template))
            for persona in self.personas:
                expected = self.overrides.get((method, template), {}).get(persona.name)
                if expected is None:
                    expected = self.expect(op, template, persona)
                destructive = (method, template) in self.destructive
                body = self.bodies.get((method, template))
                out.append(
                    Case(method, template, path, persona, expected.status, destructive, body, expected.code)
                )
        return out

    def expect(self, op: Mapping[str, Any], template: str, persona: Persona) -> Expect:
        public = op.get("security") == []
        if not public:
            if persona.role is None:
                return Expect("401", "TOKEN_MISSING")
            if persona.role not in op.get("x-zhifa-roles", ()):
                return Expect("403", "ROLE_FORBIDDEN")
            scope = op.get("x-zhifa-client-scope")
            granted = scopes.DEFAULT_CLIENT_SCOPES.get(persona.client or "", [])
            if persona.role == "integration" and scope and scope not in granted:
                return Expect("403", "CLIENT_SCOPE_FORBIDDEN")
        for name in _parameters(template):
            value = self.value(template, name)
            if isinstance(value, Owned) and persona.name not in value.seen_by:
                return Expect("404", value.missing)
        return PASSES


def document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, as its API process serves it (no database needed; built once per
    process: tests/support/documents.py)."""
    return api_document(service)


def parameters(matrix: Matrix) -> list[Any]:
    """The matrix as pytest parameters, one per case (a destructive operation's passing cases left out)."""
    import pytest

    return [
        pytest.param(case, id=case.id)
        for case in matrix.cases()
        if not (case.destructive and case.expected == "passes")
    ]


async def check(http: httpx.AsyncClient, case: Case, objects: Mapping[str, str] | None = None) -> str | None:
    """Send the case; None when the answer is the expected one, else what went wrong. ``objects`` fill
    the ``{name}`` placeholders of ``Owned`` values made at run time (``Owned("{case_id}", ...)``)."""
    body: Mapping[str, Any] | None = None
    if case.method in ("POST", "PUT", "PATCH"):
        body = case.body if case.body is not None else {}
    path = case.path.format_map(objects) if objects else case.path
    r = await http.request(case.method, path, json=body, headers=dict(case.persona.headers))
    if r.status_code >= 500:
        return f"{case.id}: {r.status_code} {r.text[:300]}"
    if case.expected == "passes":
        if r.status_code in ACCESS_REFUSALS:
            return f"{case.id}: expected to pass the access checks, got {r.status_code} {r.text[:300]}"
        return None
    if str(r.status_code) != case.expected:
        return f"{case.id}: expected {case.expected}, got {r.status_code} {r.text[:300]}"
    if r.status_code < 400:
        return None
    if not r.headers.get("content-type", "").startswith("application/problem+json"):
        return f"{case.id}: {r.status_code} without a problem body"
    if case.code is not None and r.json().get("code") != case.code:
        return f"{case.id}: expected {case.expected} {case.code}, got {r.status_code} {r.text[:300]}"
    return None


def _parameters(template: str) -> list[str]:
    return re.findall(r"{([^}:]+)(?::[^}]*)?}", template)


def _fill(template: str, values: Callable[[str], Owned | Open | None]) -> str:
    def value(match: re.Match[str]) -> str:
        found = values(match.group(1))
        return found.value if found is not None else match.group(0)

    return re.sub(r"{([^}:]+)(?::[^}]*)?}", value, template)
