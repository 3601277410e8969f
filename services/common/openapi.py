"""The service's OpenAPI document says what the server enforces (SPEC §1.6, issue #11 item 8).

FastAPI's document is completed from the routes themselves, so it cannot drift from them:

- **security**: the bearer scheme on every operation that reads the principal; ``security: []`` on the
  others (``/public/...``), so a client knows which calls need no token;
- **who may call**: ``x-zhifa-roles`` and ``x-zhifa-client-scope`` from the route's principal dependency
  (``services.common.deps.roles``), also written into the description;
- **every status the platform can answer** as a problem document (one ``Problem`` component): 401/403 where a
  token is needed, 400/404/422/429/503 everywhere, 409/413 where there is a body; ``Retry-After`` on 429/503;
- **Idempotency-Key** as an optional header of every POST (at most 255 characters, as the edge enforces);
- **links** from each response that carries an object's identifier to the operations on that object (a case
  created by ``POST /cases`` to ``GET /cases/{case_id}``, ``POST /cases/{case_id}/notice`` ...), so
  schemathesis' stateful phase, and a reader, can follow them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from services.common import problems, scopes
from services.common.auth import ROLES

BEARER = "bearer"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_DESCRIPTIONS = {
    400: "请求无效 (a business rule refused it; see `code`)",
    401: "身份认证失败 (missing, invalid or expired token)",
    403: "无权执行此操作 (role, client scope or rule forbids it)",
    404: "资源不存在 (or not yours)",
    409: "与当前状态冲突 (state conflict, Idempotency-Key in flight)",
    413: "请求体过大",
    422: "请求内容校验失败 (validation, Idempotency-Key reused with another body)",
    429: "请求过于频繁 (rate limit at the gateway; see Retry-After)",
    503: "服务暂不可用 (database unavailable; nothing was saved; see Retry-After)",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "string", "pattern": r"^[0-9]+$"},
    }
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a retry with the same key and body returns the first response (docs/api.md)",
    "schema": {"type": "string", "maxLength": 255},
}


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the completed document (built once, on first request)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = FastAPI.openapi(app)
            complete(doc, app)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def access(dependant: Dependant) -> tuple[tuple[str, ...], str | None] | None:
    """The roles and client scope a route's principal dependency admits; None when it reads no principal."""
    for dep in dependant.dependencies:
        declared = getattr(dep.call, "zhifa_access", None)
        if declared is not None:
            return declared  # type: ignore[no-any-return]
        found = access(dep)
        if found is not None:
            return found
    return None


def _operations(app: FastAPI, doc: dict[str, Any]) -> Iterator[tuple[Any, str, dict[str, Any]]]:
    """(route, method, operation) of every documented operation; included routers flattened."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods or ():
                op = doc["paths"].get(route.path_format, {}).get(method.lower())
                if op is not None:
                    yield route, method, op


CONVENTIONS = """

Conventions of every operation (docs/api.md): errors are RFC 9457 problem documents (`Problem`, with a stable
`code`, docs/errors.md). Money (`*_fen`) and counts are JSON integer literals: `true`, `"100"` and `100.0` are
refused (422), never read as 1 or 100. Dates are `YYYY-MM-DD`; times are RFC 3339 with their offset. Strings
never contain U+0000 (422 `NUL_CHARACTER`). A USCC's shape is in the schema; its check character is verified
by the service (422). A cursor is the `next_cursor` of the previous page, unchanged (another one is 400
`INVALID_CURSOR`)."""


def complete(doc: dict[str, Any], app: FastAPI) -> None:
    info = doc.setdefault("info", {})
    info["description"] = (info.get("description") or "").rstrip() + CONVENTIONS
    components = doc.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (EdDSA)",
        "description": "a token of the platform's identity provider (docs/api.md, Authentication)",
    }
    components.setdefault("schemas", {})["Problem"] = problems.Problem.model_json_schema()
    for route, method, op in _operations(app, doc):
        declared = access(route.dependant)
        _security(op, declared)
        _statuses(op, secured=declared is not None, writes="requestBody" in op or method == "POST")
        if method == "POST":
            op.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    _links(doc)


def _security(op: dict[str, Any], declared: tuple[tuple[str, ...], str | None] | None) -> None:
    if declared is None:
        op["security"] = []
        return
    roles, scope = declared
    op["security"] = [{BEARER: []}]
    op["x-zhifa-roles"] = [r for r in ROLES if r in roles]
    line = "Roles: " + ", ".join(op["x-zhifa-roles"])
    if scope is not None:
        op["x-zhifa-client-scope"] = scope
        line += f" (an integration client needs the scope `{scope}`: {scopes.SCOPES[scope][1]})"
    op["description"] = (op.get("description", "").rstrip() + "\n\n" + line + ".").lstrip()


def _statuses(op: dict[str, Any], *, secured: bool, writes: bool) -> None:
    wanted = (
        {400, 404, 422, 429, 503} | ({401, 403} if secured else set()) | ({409, 413} if writes else set())
    )
    responses = op.setdefault("responses", {})
    if not secured:  # no token is read, so none is refused (the router's PROBLEM_RESPONSES list them all)
        responses.pop("401", None)
        responses.pop("403", None)
    for status in sorted(wanted):
        response = responses.setdefault(str(status), {"description": _PROBLEM_DESCRIPTIONS[status]})
        response.setdefault("content", {})["application/problem+json"] = {"schema": PROBLEM_REF}
        if status in (429, 503):
            response["headers"] = _RETRY_AFTER
    for status, response in responses.items():  # the problem schema inlined by problems.PROBLEM_RESPONSES
        media = response.get("content", {}).get("application/problem+json")
        if media is not None and status.startswith(("4", "5")):
            media["schema"] = PROBLEM_REF


# ------------------------------------------------------------------------------------------------------ links

_ID_SUFFIXES = ("Read", "Detail", "Summary")


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    name = None
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return name, schema


def _snake(name: str) -> str:
    for suffix in _ID_SUFFIXES:
        name = name.removesuffix(suffix)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _identifiers(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> dict[str, tuple[str, str]]:
    """Path parameter name -> (JSON pointer, the schema holding it), for the identifiers a response carries.

    A field named like a path parameter (``visit_id``, ``uscc``, ``code``) is that parameter; an ``id`` field
    of ``CaseRead`` is ``case_id``. One level of nesting is followed (``CheckInRead.visit.visit_id``).
    """
    name, schema = _resolve(schema, doc)
    owner = _snake(name or "")
    found: dict[str, tuple[str, str]] = {}
    for field, sub in schema.get("properties", {}).items():
        if field != "id":
            found.setdefault(field, (f"/{field}", owner))
        elif name is not None:
            found.setdefault(f"{owner}_id", ("/id", owner))
        _, inner = _resolve(sub, doc)
        if depth == 0 and inner.get("type") == "object" and "properties" in inner:
            for param, (pointer, holder) in _identifiers(sub, doc, depth + 1).items():
                found.setdefault(param, (f"/{field}{pointer}", holder))
    return found


def _names_the_same_thing(param: str, holder: str, path: str) -> bool:
    """An ``x_id`` or a USCC identifies one kind of thing; a ``code`` only within its collection (the code of
    an enforcement body is not a department's code): ``/departments/{code}`` takes the ``code`` of a
    ``DepartmentRead``."""
    if param.endswith("_id") or param == "uscc":
        return True
    segments = path.split("/")
    collection = segments[segments.index("{" + param + "}") - 1].replace("-", "_")
    return collection in (holder, holder + "s", holder.removesuffix("y") + "ies")


def _links(doc: dict[str, Any]) -> None:
    targets = [
        (path, method, op, re.findall(r"{([^}]+)}", path))
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if re.search(r"{[^}]+}", path)
    ]
    for source_path, ops in doc["paths"].items():
        source_params = set(re.findall(r"{([^}]+)}", source_path))
        for op in ops.values():
            for status, response in op.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if not status.startswith("2") or schema is None:
                    continue
                carried = _identifiers(schema, doc)
                links: dict[str, Any] = {}
                for target_path, target_method, target, params in targets:
                    if target is op or any(
                        p not in source_params
                        and (p not in carried or not _names_the_same_thing(p, carried[p][1], target_path))
                        for p in params
                    ):
                        continue
                    creates = any(p not in source_params for p in params)  # create -> the object's operations
                    if creates and target_method == "get" and not target_path.endswith("}"):
                        continue  # but not to a part of it that may not exist yet (a case's decision)
                    # an action on an object -> reading that object (its path a prefix of the action's)
                    reads_back = (
                        target_method == "get"
                        and target_path.endswith("}")
                        and source_path.startswith(target_path)
                    )
                    if not (creates or reads_back):
                        continue
                    links[target["operationId"]] = {
                        "operationId": target["operationId"],
                        "parameters": {
                            p: f"$request.path.{p}"
                            if p in source_params
                            else f"$response.body#{carried[p][0]}"
                            for p in params
                        },
                    }
                if links:
                    response["links"] = links
