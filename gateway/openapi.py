"""The gateway's one OpenAPI document over every service's own (``GET /openapi.json``; issue #15 item 6).

Each service's schemas keep their name with the service as a prefix (``PenaltyCaseRead``), so a generated
client names them the same whatever else changes. The kernel's shared components (``Problem<status>``
responses, the ``Retry-After`` header, the examples of each problem code) are identical in every service
and kept once, unprefixed; one that differs in content (a code two services title differently) is prefixed
like a schema. Each operation keeps its own ``security`` (``[]`` on ``/public``), roles, client scope, error
codes and links (operation ids are ``<service>.<name>``, unique across services); the statuses the gateway
itself answers in front of any service (502, 503, 504) are added to the shared ``Problem5XX``.

The merged document is then compacted (gateway/openapi_compact.py) to stay within its 500 KB budget: parts
used alike are written once in ``components``, ``Problem4XX`` and ``Problem5XX`` become one ``default``
``Problem`` response, and what only repeated something else is left out.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import orjson

from gateway.openapi_compact import compact
from services.common.openapi import CONVENTIONS, RETRY_AFTER
from services.common.problems import PROBLEM_JSON

# (status, code, title, when) the gateway itself answers in front of any service
GATEWAY_PROBLEMS = [
    (502, "UPSTREAM_ERROR", "上游服务响应异常", "the service answered badly"),
    (503, "UPSTREAM_UNAVAILABLE", "服务暂不可用", "the service is down; see Retry-After"),
    (504, "UPSTREAM_TIMEOUT", "上游服务响应超时", "the service did not answer in time"),
]
SHARED = ("responses", "examples", "headers", "parameters")


def merge_openapi(docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document for every service (see the module's docstring)."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "zhifa (执法) API",
            "version": "1.0",
            "description": "All services behind the gateway. Errors are RFC 9457 problem details."
            + CONVENTIONS,
        },
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"}
            },
            **{section: {} for section in SHARED},
        },
        "security": [{"bearer": []}],
        "tags": [],
    }
    components = merged["components"]
    kernel = _kernel_schemas(docs)
    for name, doc in docs.items():
        prefix = name.title().replace("_", "")
        renames = _shared_names(components, doc.get("components", {}), prefix)
        text = orjson.dumps(doc).decode().replace('"#/components/schemas/', f'"#/components/schemas/{prefix}')
        text = _SHARED_REF.sub(functools.partial(_rename, renames), text)
        for shared in kernel:  # the kernel's models, the same in every service: one schema each
            text = text.replace(
                f'"#/components/schemas/{prefix}{shared}"', f'"#/components/schemas/{shared}"'
            )
        renamed = orjson.loads(text)
        for path, operations in renamed.get("paths", {}).items():
            merged["paths"][path] = operations
        own = renamed.get("components", {})
        for schema_name, schema in own.get("schemas", {}).items():
            components["schemas"][schema_name if schema_name in kernel else prefix + schema_name] = schema
        for section in SHARED:
            for key, value in own.get(section, {}).items():
                components[section][renames.get((section, key), key)] = value
        components["securitySchemes"].update(own.get("securitySchemes", {}))
        description = doc.get("info", {}).get("description", "").removesuffix(CONVENTIONS)
        merged["tags"].append({"name": name, "description": description})
    _gateway_statuses(components)
    components["headers"].setdefault(RETRY_AFTER, _retry_after(docs))
    for section in SHARED:
        if not components[section]:
            del components[section]
    return compact(merged)


_SHARED_REF = re.compile(r'"#/components/(responses|examples|headers|parameters)/([^"]+)"')


def _rename(renames: dict[tuple[str, str], str], match: re.Match[str]) -> str:
    return f'"#/components/{match[1]}/{renames.get((match[1], match[2]), match[2])}"'


def _kernel_schemas(docs: dict[str, dict[str, Any]]) -> set[str]:
    """Schemas every service has, alike (``Problem``, ``DeadLetterRead``, ``Page_AuditEntryRead_``...): the
    kernel's, kept once and unprefixed. A service's own schema is prefixed even when it looks like
    another's, so its name in a generated client does not depend on the other services."""
    if len(docs) < 2:
        return {"Problem"}
    schemas = [doc.get("components", {}).get("schemas", {}) for doc in docs.values()]
    common = set.intersection(*(set(s) for s in schemas))
    return {name for name in common if all(s[name] == schemas[0][name] for s in schemas)} | {"Problem"}


def _shared_names(merged: dict[str, Any], own: dict[str, Any], prefix: str) -> dict[tuple[str, str], str]:
    """(section, name) -> its name in the merged document: unprefixed when it is new or the same as the one
    already there, else prefixed with the service."""
    renames = {}
    for section in SHARED:
        for key, value in own.get(section, {}).items():
            if merged.get(section, {}).get(key, value) != value:
                renames[(section, key)] = prefix + key
    return renames


def _retry_after(docs: dict[str, dict[str, Any]]) -> Any:
    for doc in docs.values():
        found = doc.get("components", {}).get("headers", {}).get(RETRY_AFTER)
        if found is not None:
            return found
    return {"schema": {"type": "string"}}


def _gateway_statuses(components: dict[str, Any]) -> None:
    """Every operation's ``5XX`` names ``Problem5XX``: the gateway's own codes are added to it."""
    server = components["responses"].setdefault("Problem5XX", {"description": "", "content": {}})
    media = server["content"].setdefault(PROBLEM_JSON, {"schema": {"$ref": "#/components/schemas/Problem"}})
    for status, code, title, when in GATEWAY_PROBLEMS:
        value = {"type": f"/errors/{code}", "title": title, "status": status, "detail": title, "code": code}
        components["examples"][code] = {"value": value}
        media.setdefault("examples", {})[code] = {"$ref": f"#/components/examples/{code}"}
        server["description"] += f"; {status} `{code}` (gateway: {when})"
