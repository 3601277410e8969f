"""Reference documents generated from the code: every error code (docs/errors.md) and every event contract
(docs/asyncapi.json). ``zhifa docs`` rewrites them; tests/test_docs.py fails when they are stale."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import services
import services.common.contracts  # registers every contract
from services.common import httpserver
from services.common.errors import DomainError
from services.common.events import REGISTRY, Envelope
from services.common.registry import SERVICES, by_subject

ROOT = Path(__file__).resolve().parent.parent

# Codes the edge, the gateway and the problem handlers produce without a DomainError class.
INFRASTRUCTURE_CODES: list[tuple[str, int, str, str]] = [
    (
        "VALIDATION_FAILED",
        422,
        "请求内容校验失败",
        "the body, query or path did not validate; `errors` lists each field",
    ),
    ("NUL_CHARACTER", 422, "请求内容校验失败", "a string contained the NUL character"),
    (
        "INVALID_DATA",
        422,
        "请求中的数值超出范围或无法保存",
        "a value the database cannot store, or a day derived from the request (a deadline, a publication's"
        " end) outside 1900-01-01..2199-12-31 (the `*_in_range` constraints)",
    ),
    ("PAYLOAD_TOO_LARGE", 413, "请求体过大", "body above the limit (2 MB; 64 MB for .../bulk)"),
    ("IDEMPOTENCY_KEY_INVALID", 400, "Idempotency-Key 无效", "key longer than 255 characters"),
    (
        "IDEMPOTENCY_IN_FLIGHT",
        409,
        "相同请求正在处理中",
        "a request with this key is still running; retry shortly",
    ),
    (
        "IDEMPOTENCY_KEY_MISMATCH",
        422,
        "Idempotency-Key 已用于不同的请求",
        "same key, different method, path or body",
    ),
    ("CONFLICT", 409, "与当前状态冲突", "a concurrent change or a uniqueness rule"),
    ("NOT_FOUND", 404, "资源不存在", "no such path or object, or not visible to the caller"),
    ("METHOD_NOT_ALLOWED", 405, "不支持该请求方法", ""),
    ("ROLE_FORBIDDEN", 403, "当前角色无权访问", "the token's role may not call this"),
    ("RATE_LIMITED", 429, "请求过于频繁", "per-caller limit at the gateway; see Retry-After"),
    ("INTERNAL_ERROR", 500, "服务器内部错误", "a bug: nothing was changed; quote the request_id"),
    (
        "DATABASE_UNAVAILABLE",
        503,
        "服务暂不可用",
        "the database did not answer; retry (same Idempotency-Key for a write)",
    ),
    ("UPSTREAM_UNAVAILABLE", 503, "服务暂不可用", "gateway: the service is down"),
    ("UPSTREAM_TIMEOUT", 504, "上游服务响应超时", "gateway: the service did not answer in time"),
    ("UPSTREAM_ERROR", 502, "上游服务响应异常", "gateway: the service answered badly"),
    *(
        (code, status, title, "HTTP server (services.common.httpserver): refused before the app runs")
        for code, (status, title, _) in httpserver.REFUSALS.items()
    ),
]


@dataclass(frozen=True)
class ErrorDoc:
    code: str
    status: int | str
    title: str
    where: str


def _import_all() -> None:
    for module in pkgutil.walk_packages(services.__path__, "services."):
        if ".migrations" in module.name or module.name.endswith(".sample"):
            continue
        importlib.import_module(module.name)
    importlib.import_module("gateway.app")


def _subclasses(cls: type[DomainError]) -> list[type[DomainError]]:
    out: list[type[DomainError]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def _resolve(module: Any, func: ast.expr) -> Any:
    """The object a call's ``func`` names in ``module`` (``BadRequest``, ``errors.BadRequest``), or None."""
    if isinstance(func, ast.Name):
        return getattr(module, func.id, None)
    if isinstance(func, ast.Attribute):
        owner = _resolve(module, func.value)
        return getattr(owner, func.attr, None) if owner is not None else None
    return None


def _constant(call: ast.Call, name: str) -> Any:
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return None


def _literal_codes() -> dict[str, ErrorDoc]:
    """Errors raised with an explicit ``code="X"``: the status and title are the call's own, else those of
    the DomainError class it constructs (``BadRequest(..., code="X")`` is a 400 "请求无效")."""
    found: dict[str, ErrorDoc] = {}
    for path in sorted([*(ROOT / "services").rglob("*.py"), *(ROOT / "gateway").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        module_name = str(path.relative_to(ROOT).with_suffix("")).replace("/", ".")
        module = importlib.import_module(module_name)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            code = _constant(node, "code")
            if not (isinstance(code, str) and code.isupper()) or code in found:
                continue
            cls = _resolve(module, node.func)
            is_error = isinstance(cls, type) and issubclass(cls, DomainError)
            status = _constant(node, "status") or (cls.status if is_error else "—")
            title = _constant(node, "title") or (cls.title if is_error else "(see the detail)")
            found[code] = ErrorDoc(code, status, title, module_name)
    return found


_PRODUCT_PACKAGES = ("services.", "gateway.", "zhifa.")


def error_docs() -> list[ErrorDoc]:
    _import_all()
    # Keyed by (section, code): two services may use one code (ENTERPRISE_NOT_FOUND) and each lists it, so
    # the page does not depend on which module Python imported first.
    docs: dict[tuple[str, str], ErrorDoc] = {}
    for cls in sorted(_subclasses(DomainError), key=lambda c: (c.__module__, c.__qualname__)):
        code = cls.__dict__.get("code")
        if not code or not cls.__module__.startswith(_PRODUCT_PACKAGES):
            continue  # a test's own error class is not part of the product
        doc = ErrorDoc(code, cls.status, cls.title, cls.__module__)
        docs.setdefault((_section(doc), code), doc)
    for code, status, title, note in INFRASTRUCTURE_CODES:
        doc = ErrorDoc(code, status, title, note or "platform")
        docs.setdefault((_section(doc), code), doc)
    for code, doc in _literal_codes().items():
        if not any(key[1] == code for key in docs):
            docs[(_section(doc), code)] = doc
    return sorted(docs.values(), key=lambda d: (_section(d), d.code))


def _section(doc: ErrorDoc) -> str:
    return doc.where.split(".")[1] if doc.where.startswith("services.") else "~"


def errors_markdown() -> str:
    lines = [
        "# Error codes",
        "",
        "Every error is an RFC 9457 problem (`application/problem+json`) with a stable `code`; `title` and",
        "`detail` are Chinese, English with `Accept-Language: en`. Clients branch on `code`, never on text.",
        "This page is generated from the code by `zhifa docs`; tests/test_docs.py fails when it is stale.",
        "",
        "```json",
        '{"type": "/errors/CERT_SUSPENDED", "title": "执法证已暂扣", "status": 403,',
        ' "detail": "执法证 辽A-0012345 已于2026-05-01暂扣，不得从事行政检查", "code": "CERT_SUSPENDED",',
        ' "request_id": "4f1c…"}',
        "```",
        "",
    ]
    current = None
    for doc in error_docs():
        section = doc.where.split(".")[1] if doc.where.startswith("services.") else "platform"
        if section != current:
            current = section
            lines += ["", f"## {section}", "", "| code | status | title | where |", "|---|---|---|---|"]
        lines.append(f"| `{doc.code}` | {doc.status} | {doc.title} | {doc.where} |")
    return "\n".join(lines) + "\n"


def asyncapi() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for cls in REGISTRY.all():
        name = f"{cls.TYPE}.v{cls.VERSION}"
        producer = by_subject(cls.TYPE)
        messages[name] = {
            "name": cls.TYPE,
            "title": f"{cls.TYPE} (version {cls.VERSION})",
            "summary": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else cls.TYPE,
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {"Nats-Msg-Id": {"type": "string", "format": "uuid"}},
            },
            "payload": {
                "allOf": [{"$ref": "#/components/schemas/Envelope"}],
                "properties": {
                    "type": {"const": cls.TYPE},
                    "version": {"const": cls.VERSION},
                    "source": {"const": producer.name},
                    "data": cls.model_json_schema(),
                },
            },
        }
        channels[name] = {
            "address": cls.TYPE,
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "description": f"stream {producer.stream}",
        }
        operations[f"publish {name}"] = {"action": "send", "channel": {"$ref": f"#/channels/{name}"}}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "zhifa events",
            "version": "1.0",
            "description": "Integration events on NATS JetStream; one stream per producing service. "
            "Published through a transactional outbox with Nats-Msg-Id = envelope id.",
        },
        "servers": {"local": {"host": "127.0.0.1:4222", "protocol": "nats"}},
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"Envelope": Envelope.model_json_schema()},
            "x-streams": {s.stream: f"{s.subject_prefix}.>" for s in SERVICES.values()},
        },
    }


def asyncapi_json() -> str:
    return json.dumps(asyncapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_all() -> list[Path]:
    out = [
        (ROOT / "docs" / "errors.md", errors_markdown()),
        (ROOT / "docs" / "asyncapi.json", asyncapi_json()),
    ]
    for path, text in out:
        path.write_text(text)
    return [p for p, _ in out]
