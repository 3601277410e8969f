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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.common import scopes

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
    """An object named in the path, and the personas that may see it (everyone else gets 404)."""

    value: str
    seen_by: frozenset[str]


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
    expected: str  # "401", "403", "404" or "passes"
    destructive: bool = False
    body: Mapping[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.template} as {self.persona.name}"


@dataclass
class Matrix:
    """One service's matrix: its document, its personas, its path values."""

    openapi: Mapping[str, Any]
    personas: list[Persona]
    values: Mapping[str, Owned | Open]
    # Operations whose success would remove or invalidate a shared object: their "passes" cases are
    # not sent (the refusals still are).
    destructive: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # Valid bodies for writes that check their object after the body (a route that loads the object in its
    # use case validates the body first, so an empty body would answer 422 before the 404 under test).
    bodies: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)

    def operations(self) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        for template, item in sorted(self.openapi["paths"].items()):
            for method in METHODS:
                if method in item:
                    yield method.upper(), template, item[method]

    def undeclared(self) -> list[str]:
        """Path parameters of documented operations the service's test does not declare."""
        missing = set()
        for _, template, _op in self.operations():
            missing |= {name for name in _parameters(template) if name not in self.values}
        return sorted(missing)

    def cases(self) -> list[Case]:
        out = []
        for method, template, op in self.operations():
            path = _fill(template, self.values)
            for persona in self.personas:
                expected = self.expect(op, template, persona)
                destructive = (method, template) in self.destructive
                body = self.bodies.get((method, template))
                out.append(Case(method, template, path, persona, expected, destructive, body))
        return out

    def expect(self, op: Mapping[str, Any], template: str, persona: Persona) -> str:
        public = op.get("security") == []
        if not public:
            if persona.role is None:
                return "401"
            if persona.role not in op.get("x-zhifa-roles", ()):
                return "403"
            scope = op.get("x-zhifa-client-scope")
            granted = scopes.DEFAULT_CLIENT_SCOPES.get(persona.client or "", [])
            if persona.role == "integration" and scope and scope not in granted:
                return "403"
        for name in _parameters(template):
            value = self.values[name]
            if isinstance(value, Owned) and persona.name not in value.seen_by:
                return "404"
        return "passes"


async def check(http: httpx.AsyncClient, case: Case) -> str | None:
    """Send the case; None when the answer is the expected one, else what went wrong."""
    body: Mapping[str, Any] | None = None
    if case.method in ("POST", "PUT", "PATCH"):
        body = case.body if case.body is not None else {}
    r = await http.request(case.method, case.path, json=body, headers=dict(case.persona.headers))
    if r.status_code >= 500:
        return f"{case.id}: {r.status_code} {r.text[:300]}"
    if case.expected == "passes":
        if r.status_code in ACCESS_REFUSALS:
            return f"{case.id}: expected to pass the access checks, got {r.status_code} {r.text[:300]}"
        return None
    if str(r.status_code) != case.expected:
        return f"{case.id}: expected {case.expected}, got {r.status_code} {r.text[:300]}"
    if not r.headers.get("content-type", "").startswith("application/problem+json"):
        return f"{case.id}: {r.status_code} without a problem body"
    return None


def _parameters(template: str) -> list[str]:
    return re.findall(r"{([^}:]+)(?::[^}]*)?}", template)


def _fill(template: str, values: Mapping[str, Owned | Open]) -> str:
    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        return found.value if found is not None else match.group(0)

    return re.sub(r"{([^}:]+)(?::[^}]*)?}", value, template)
