"""The whole-API probes' shared parts: the persona a route admits (tests/test_cursors.py), and bodies and path
values at the ends of their ranges sent to every write (tests/test_extremes.py and tests/<service>/
test_extremes.py, which probe the objects of the service's authorisation matrix)."""

from __future__ import annotations

import copy
import functools
import importlib
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

from services.common import scopes
from services.common.registry import SERVICES
from tests.support.authz import Matrix, Persona, _fill

# the admitting persona tried first: the widest view, so the query reaches the database
PREFERENCE = ("admin", "supervisor_city", "supervisor", "officer", "integration", "enterprise")


def matrix_of(service: str) -> Matrix:
    return importlib.import_module(f"tests.{service}.test_authorization").MATRIX  # type: ignore[no-any-return]


def caller(matrix: Matrix, op: dict[str, Any]) -> Persona:
    if op.get("security") == []:
        return next(p for p in matrix.personas if p.role is None)
    roles, scope = op.get("x-zhifa-roles", ()), op.get("x-zhifa-client-scope")
    for name in PREFERENCE:
        for persona in matrix.personas:
            if persona.role != name or persona.role not in roles:
                continue
            if (
                name == "integration"
                and scope
                and scope not in scopes.DEFAULT_CLIENT_SCOPES.get(persona.client or "", [])
            ):
                continue
            return persona
    raise AssertionError(f"no persona may call {op.get('operationId')}")


ID = str(uuid.uuid4())

EXTREMES: dict[str, list[Any]] = {
    "date": ["9999-12-31", "0001-01-01"],
    "date-time": ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"],
    "integer": [2**63, -(2**63) - 1, 2**31],
    # json.dumps writes inf and nan as the tokens Infinity and NaN, which JSON does not have (a 1e400 in a
    # body reads as inf in Python's json)
    "number": [1e308, -0.0, float("inf"), float("nan")],
    "string": ["\ud800"],
}
PATH_EXTREMES = [str(2**63), "not-a-uuid"]

# sample values of a body built from the schema (a field without an example)
SAMPLE: dict[str, Any] = {
    "date": "2026-03-02",
    "date-time": "2026-03-02T09:00:00+08:00",
    "integer": 1,
    "number": 1,
    "string": "测试",
    "boolean": True,
}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _options(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(doc, schema)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [_resolve(doc, o) for o in options if _resolve(doc, o).get("type") != "null"]


def _kind(schema: dict[str, Any]) -> str | None:
    if schema.get("format") in ("date", "date-time"):
        return str(schema["format"])
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "string" and "enum" not in schema and "const" not in schema:
        return "string"
    return None


def _sample(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A value the schema likely accepts: its example, default, first enum value, or a typed sample."""
    options = _options(doc, schema)
    if not options:
        return None
    s = options[0]
    for key in ("examples", "example", "default", "enum"):
        if key in s and s[key] not in (None, []):
            return s[key][0] if key in ("examples", "enum") and isinstance(s[key], list) else s[key]
    if "const" in s:
        return s["const"]
    if s.get("type") == "object" or "properties" in s:
        return {
            name: _sample(doc, prop)
            for name, prop in s.get("properties", {}).items()
            if name in s.get("required", [])
        }
    if s.get("type") == "array":
        return [_sample(doc, s.get("items", {}))] * max(1, s.get("minItems", 1))
    if s.get("format") == "uuid":
        return ID
    if s.get("type") == "string" and "pattern" in s and "format" not in s:
        return _matching(s["pattern"])
    kind = s.get("format") if s.get("format") in ("date", "date-time") else s.get("type")
    value = SAMPLE.get(str(kind), "测试")
    if kind in ("integer", "number") and "minimum" in s:
        value = s["minimum"]
    if kind == "string":
        value = (value * s.get("minLength", 1))[: s.get("maxLength", 100)]
    return value


@functools.cache
def _matching(pattern: str) -> str:
    """The simplest text the pattern matches (hypothesis shrinks to it, the same every run)."""
    return str(hypothesis.find(st.from_regex(pattern, fullmatch=True), lambda _: True))


def _fields(
    doc: dict[str, Any], schema: dict[str, Any], body: Any, at: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(pointer, kind) of every leaf field the schema describes, inside the objects and arrays of ``body``."""
    for s in _options(doc, schema):
        kind = _kind(s)
        if kind is not None:
            yield at, kind
            return
        if (s.get("type") == "object" or "properties" in s) and (isinstance(body, dict) or not at):
            for name, prop in s.get("properties", {}).items():
                yield from _fields(doc, prop, (body or {}).get(name), (*at, name))
            return
        if s.get("type") == "array" and isinstance(body, list) and body:
            yield from _fields(doc, s.get("items", {}), body[0], (*at, 0))
            return


def _set(body: Any, at: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(body)
    target = out
    for key in at[:-1]:
        target = target[key]
    target[at[-1]] = value
    return out


def _body_schema(op: dict[str, Any]) -> dict[str, Any] | None:
    content = op.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def writes() -> list[Any]:
    out = []
    for service in SERVICES:
        matrix: Matrix = matrix_of(service)
        doc = matrix.openapi
        for template, item in sorted(doc["paths"].items()):
            for method in ("post", "put", "patch"):
                op = item.get(method)
                if not op:
                    continue
                persona = caller(matrix, op)
                out.append(
                    pytest.param(
                        service,
                        method.upper(),
                        template,
                        persona,
                        id=f"{service} {method.upper()} {template}",
                    )
                )
    return out


def _cases(
    matrix: Matrix, method: str, template: str, objects: Mapping[str, str] | None = None
) -> Iterator[tuple[str, str, Any]]:
    """(what, path, body) per mutation: each body field × its extremes, then each path value's extremes.
    ``objects`` fill the placeholders of the matrix's ``Owned`` values; without them, a random uuid."""
    doc = matrix.openapi
    op = doc["paths"][template][method.lower()]
    schema = _body_schema(op)
    base: Any = matrix.bodies.get((method, template))
    if base is None and schema is not None:
        base = _sample(doc, schema)

    def resolve(path: str) -> str:
        return path.format_map(objects) if objects else re.sub(r"{[^}]+}", ID, path)

    filled = _fill(template, functools.partial(matrix.value, template))
    if schema is not None:
        for at, kind in _fields(doc, schema, base):
            for value in EXTREMES[kind]:
                name = "/".join(map(str, at)) or "(body)"
                yield f"{name}={value!r}", resolve(filled), (_set(base, at, value) if at else value)
    for param in op.get("parameters", []):
        if param.get("in") != "path":
            continue
        for value in PATH_EXTREMES:
            # the template with this one parameter replaced, then filled as usual
            one = re.sub(r"{" + re.escape(param["name"]) + r"(?::[^}]*)?}", value, template)
            yield (
                f"path {param['name']}={value}",
                resolve(_fill(one, functools.partial(matrix.value, template))),
                base,
            )


async def _send(http: Any, method: str, path: str, body: Any, persona: Persona) -> Any:
    headers = {**persona.headers, "content-type": "application/json"}
    # json.dumps writes a lone surrogate as the escape \ud800 and an integer of any size (orjson would not)
    content = json.dumps(body).encode() if body is not None else None
    return await http.request(method, path, content=content, headers=headers)


async def probe(
    http: Any,
    matrix: Matrix,
    method: str,
    template: str,
    persona: Persona,
    objects: Mapping[str, str] | None = None,
) -> list[str]:
    """Every mutation of the operation's body and path values sent as ``persona``: the ones answered 5xx."""
    wrong = []
    for what, path, body in _cases(matrix, method, template, objects):
        r = await _send(http, method, path, body, persona)
        if r.status_code >= 500:
            wrong.append(f"{method} {template} {what}: {r.status_code} {r.text[:200]}")
    return wrong


def writes_past_the_access_checks(matrix: Matrix) -> list[Any]:
    """One case per write of a service's matrix: its first persona expected past the access checks (a
    destructive one too: the module that probes owns its objects)."""
    seen: dict[tuple[str, str], Any] = {}
    for case in matrix.cases():
        key = (case.method, case.template)
        if case.method in ("POST", "PUT", "PATCH") and case.expected == "passes":
            seen.setdefault(
                key,
                pytest.param(case.method, case.template, case.persona, id=f"{case.method} {case.template}"),
            )
    return list(seen.values())
