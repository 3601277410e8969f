"""The service's OpenAPI document says what the server enforces (SPEC §1.6, issue #11 item 8).

FastAPI's document is completed from the routes themselves, so it cannot drift from them:

- **security**: the bearer scheme on every operation that reads the principal; ``security: []`` on the
  others (``/public/...``), so a client knows which calls need no token;
- **who may call**: ``x-zhifa-roles`` and ``x-zhifa-client-scope`` from the route's principal dependency
  (``services.common.deps.roles``); the client scope is also explained in the description;
- **operation ids** ``<service>.<function in camelCase>`` (``operation_ids``, the app's
  ``generate_unique_id_function``): stable while the function keeps its name;
- **the problems it can answer** (one ``Problem`` schema): ``4XX``/``5XX`` referencing the shared
  ``Problem4XX``/``Problem5XX`` (the kernel's codes with an example each, ``Retry-After``; 401 and 403 are
  among the ``4XX`` of an operation that reads a token), and ``x-zhifa-error-codes``: the codes its own code path names
  (services/common/openapi_errors.py), each with an example in ``components/examples``;
- **files** (``.pdf``, ``.xlsx``, ``.csv``, ...) with their media type and ``format: binary``;
- **Idempotency-Key** as an optional header of every POST (one shared parameter, at most 255 characters);
- **links** from each response that creates an object (201) to the operations on that object (a case
  created by ``POST /cases`` to ``GET /cases/{case_id}``, ``POST /cases/{case_id}/notice`` ...), and from one
  that carries another object's identifier to reading it, so schemathesis' stateful phase, and a reader, can
  follow them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from services.common import openapi_errors, problems, scopes
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
RETRY_AFTER = "Retry-After"
_RETRY_AFTER = {
    "description": "seconds to wait before retrying",
    "schema": {"type": "string", "pattern": r"^[0-9]+$"},
}
RETRY_AFTER_REF = {"$ref": f"#/components/headers/{RETRY_AFTER}"}
IDEMPOTENCY_KEY_REF = {"$ref": "#/components/parameters/IdempotencyKey"}
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


def operation_ids(service: str) -> Callable[[APIRoute], str]:
    """FastAPI's ``generate_unique_id_function`` for a service: ``<service>.<route function in camelCase>``
    (``inspection.checkIn``, ``creditRepair.listRecords``), stable while the function keeps its name.

    FastAPI's default (``check_in_api_v1_inspection_visits_check_in_post``) changed with every path edit and
    made generated clients unreadable. Unique within a service's document (tests/test_http_contract.py
    fails on a duplicate: rename one of the functions); the service's prefix keeps the gateway's merged
    document unique too."""
    prefix = camel(service)

    def generate(route: APIRoute) -> str:
        return f"{prefix}.{camel(route.name)}"

    return generate


def duplicate_operation_ids(doc: dict[str, Any]) -> list[str]:
    """Operation ids used more than once in a document (FastAPI only warns; tests/test_openapi_document.py
    fails on any)."""
    seen: dict[str, int] = {}
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            seen[op["operationId"]] = seen.get(op["operationId"], 0) + 1
    return sorted(op_id for op_id, count in seen.items() if count > 1)


def camel(name: str) -> str:
    head, *rest = [part for part in name.split("_") if part]
    return head[:1].lower() + head[1:] + "".join(p[:1].upper() + p[1:] for p in rest)


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
    components["headers"] = {RETRY_AFTER: _RETRY_AFTER}
    components["parameters"] = {"IdempotencyKey": IDEMPOTENCY_KEY}
    components["responses"] = _shared_responses()
    examples = components.setdefault("examples", {})
    for status, code, title, _ in openapi_errors.GENERIC:
        examples[code] = _example(openapi_errors.Code(status, code, title))
    for route, method, op in _operations(app, doc):
        declared = access(route.dependant)
        _security(op, declared)
        own = openapi_errors.operation_codes(route.original_route.endpoint, route.dependant)
        _statuses(op, own, examples, secured=declared is not None)
        if method == "POST":
            op.setdefault("parameters", []).append(IDEMPOTENCY_KEY_REF)
        _files(route.path_format, op)
        for param in op.get("parameters", []):
            if "schema" in param:
                param["schema"] = _parameter_schema(param)
    for name, schema in components["schemas"].items():
        components["schemas"][name] = {k: _untitled(v) for k, v in schema.items()}
    _links(doc)


_VALUES = ("examples", "example", "default", "const", "enum")


def _parameter_schema(param: dict[str, Any]) -> Any:
    """A parameter's schema, untitled, without FastAPI's copy of the parameter's description, and without
    ``null`` among the types of an optional one (a query parameter is absent or a string, never null)."""
    schema = _untitled(param["schema"])
    if schema.get("description") == param.get("description"):
        schema.pop("description", None)
    variants = schema.get("anyOf", [])
    if len(variants) == 2 and {"type": "null"} in variants:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        schema = {**next(v for v in variants if v != {"type": "null"}), **rest}
    return schema


def _untitled(schema: Any) -> Any:
    """The schema without pydantic's ``title`` of every field and parameter ("Case Id" for ``case_id``): it
    repeats the name, and it was a tenth of the gateway's document. A component keeps its own title."""
    if isinstance(schema, list):
        return [_untitled(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        k: v if k in _VALUES else _untitled(v)
        for k, v in schema.items()
        if not (k == "title" and isinstance(v, str))
    }


def _example(code: openapi_errors.Code) -> dict[str, Any]:
    value = {"type": f"/errors/{code.code}", "title": code.title, "status": code.status, "code": code.code}
    return {"value": {**value, "detail": code.title}}


def _shared_responses() -> dict[str, Any]:
    """The kernel's answers, shared by every operation: ``Problem4XX`` (401 and 403 only where a token is
    read: ``security``) and ``Problem5XX``, each with an example of every code."""

    def shared(statuses: set[int], description: str) -> dict[str, Any]:
        generic = [(s, code, when) for s, code, _, when in openapi_errors.GENERIC if s in statuses]
        codes = "; ".join(
            f"{s} `{code}`" + ("" if when == "any" else f" ({_WHEN[when]})") for s, code, when in generic
        )
        response: dict[str, Any] = {
            "description": f"{description}. Codes: {codes}",
            "content": {
                problems.PROBLEM_JSON: {
                    "schema": PROBLEM_REF,
                    "examples": {code: {"$ref": f"#/components/examples/{code}"} for _, code, _ in generic},
                }
            },
        }
        if statuses & {429, 503}:
            response["headers"] = {RETRY_AFTER: RETRY_AFTER_REF}
        return response

    return {
        "Problem4XX": shared(
            {400, 401, 403, 404, 409, 413, 422, 429},
            "请求被拒绝 (400 a business rule, 401 no valid token and 403 a role or client scope outside "
            "`x-zhifa-roles`/`x-zhifa-client-scope` where the operation has `security`, 404 no such object or "
            "not yours, 409 a state conflict, 413 a body too large, 422 validation, 429 rate limit with "
            "Retry-After)",
        ),
        "Problem5XX": shared({503}, _PROBLEM_DESCRIPTIONS[503]),
    }


_WHEN = {
    "secured": "an operation that needs a token",
    "scoped": "an integration client without the scope",
    "writes": "an operation with a body",
    "post": "POST with Idempotency-Key",
}


def _security(op: dict[str, Any], declared: tuple[tuple[str, ...], str | None] | None) -> None:
    if declared is None:
        op["security"] = []
        return
    roles, scope = declared
    op["security"] = [{BEARER: []}]
    op["x-zhifa-roles"] = [r for r in ROLES if r in roles]  # not repeated in the description (size budget)
    if scope is not None:
        op["x-zhifa-client-scope"] = scope
        line = f"An integration client needs the scope `{scope}`: {scopes.SCOPES[scope][1]}."
        op["description"] = (op.get("description", "").rstrip() + "\n\n" + line).lstrip()


def _statuses(
    op: dict[str, Any], own: set[openapi_errors.Code], examples: dict[str, Any], *, secured: bool
) -> None:
    """The problems the operation can answer: ``4XX`` and ``5XX`` (the kernel's codes, shared, with an
    example of each; 401 and 403 only where a token is read), and in ``x-zhifa-error-codes`` the codes
    its own code path names, each with its example (status, title) in ``components/examples/<code>``.

    Not one response per status with the codes' examples inline: that was a third of the gateway's
    document, over its 500 KB budget, and a generated client types every 4xx as ``Problem`` either way; so
    are explicit ``401``/``403`` responses beside the ``4XX`` (a twentieth of it, and the same ``Problem``)."""
    responses = op.setdefault("responses", {})
    for status, response in list(responses.items()):  # the router's PROBLEM_RESPONSES (inlined copies)
        if status.startswith(("4", "5")) and problems.PROBLEM_JSON in response.get("content", {}):
            del responses[status]
    if not secured:  # no token is read, so none is refused
        own = {c for c in own if c.status not in (401, 403)}
    responses["4XX"] = {"$ref": "#/components/responses/Problem4XX"}
    responses["5XX"] = {"$ref": "#/components/responses/Problem5XX"}
    # ``own`` is a set: in its order, the document would follow PYTHONHASHSEED
    for code in sorted(own, key=lambda c: (c.code, c.status)):
        examples.setdefault(code.code, _example(code))
    if own:
        op["x-zhifa-error-codes"] = sorted({c.code for c in own})


# What a file answer's path says it is: declared with its media type and as binary (generated clients read a
# Blob, not JSON), also for a route that declared none (``response_class=Response``).
FILE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ndjson": "application/x-ndjson",
    ".zip": "application/zip",
}
BINARY = {"type": "string", "format": "binary"}


def _files(path: str, op: dict[str, Any]) -> None:
    suffix = re.search(r"(\.[a-z]+)$|/(pdf|png|csv|xlsx)$", path)
    implied = None
    if suffix is not None:
        implied = FILE_TYPES.get(suffix.group(1) or "." + suffix.group(2))
    for status, response in op.get("responses", {}).items():
        if not status.startswith("2") or status == "204":
            continue
        content = response.get("content")
        if implied is not None and (not content or content == {"application/json": {}}):
            response["content"] = content = {implied: {}}
        for media, body in (content or {}).items():
            if media != "text/html" and not media.endswith(("/json", "+json")):
                body["schema"] = dict(BINARY)


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
                    # a created object (a 201 answer) -> the operations on it. An answer that only mentions
                    # another object (a lead's case, a collection's case) links to reading that object:
                    # linking it to every operation there was a tenth of the gateway's document (size budget)
                    creates = any(p not in source_params for p in params) and (
                        status == "201" or (target_method == "get" and target_path.endswith("}"))
                    )
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
