"""Which problem codes an operation can answer, for its OpenAPI document (issue #15 item 6).

Two sources, both derived, so a route added tomorrow is documented without an edit of its own:

- **generic** codes the kernel answers for any operation of a kind, per status (``GENERIC``): the token checks
  (401) and the role gate (403) where a token is read, the client scope where one is declared, validation and
  NUL (422), the Idempotency-Key rules on POST, the rate limit (429), the database (503);
- **the operation's own** codes, found by reading the code: the endpoint and every dependency it declares
  (``load_or_404``'s ``missing``, the role gate) are parsed (``ast``), and every name they use is resolved
  through the function's globals and closure. A ``DomainError`` subclass named there (raised, or built with
  ``X.of(...)``) is a code it can answer; ``BadRequest(..., code="X")`` is the code ``X``; a function of the
  platform (``services.*``) it calls is read the same way, transitively.

What this cannot see, and the document says so (docs/api.md, "Error codes"): a call through an object's
method (``self.repo.x()``, ``session.execute``), an error chosen at run time from a table, and an error named
but caught. The list is therefore the codes an operation's own code path names: nearly always a superset of
what it answers in practice, and never a promise that no other code appears (clients branch on ``status``
first, ``code`` second; docs/errors.md lists every code).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.dependencies.models import Dependant

from services.common.errors import DomainError

OWN_PACKAGES = ("services.", "gateway.")


@dataclass(frozen=True, order=True)
class Code:
    """A problem code an operation can answer, with the status and Chinese title it carries."""

    status: int
    code: str
    title: str


# (status, code, title, when): answered by the kernel (edge, token verifier, role gate, router, handlers).
GENERIC: list[tuple[int, str, str, str]] = [
    (400, "BAD_REQUEST", "请求无效", "any"),
    (400, "IDEMPOTENCY_KEY_INVALID", "Idempotency-Key 无效", "post"),
    (401, "TOKEN_MISSING", "缺少访问令牌", "secured"),
    (401, "TOKEN_INVALID", "访问令牌无效", "secured"),
    (401, "TOKEN_EXPIRED", "访问令牌已过期", "secured"),
    (403, "ROLE_FORBIDDEN", "当前角色无权访问", "secured"),
    (403, "CLIENT_SCOPE_FORBIDDEN", "该接入方无权执行此操作", "scoped"),
    (404, "NOT_FOUND", "资源不存在", "any"),
    (409, "CONFLICT", "与当前状态冲突", "writes"),
    (409, "IDEMPOTENCY_IN_FLIGHT", "相同请求正在处理中", "post"),
    (413, "PAYLOAD_TOO_LARGE", "请求体过大", "writes"),
    (422, "VALIDATION_FAILED", "请求内容校验失败", "any"),
    (422, "NUL_CHARACTER", "请求内容校验失败", "any"),
    (422, "INVALID_DATA", "请求中的数值超出范围或无法保存", "writes"),
    (422, "IDEMPOTENCY_KEY_MISMATCH", "Idempotency-Key 已用于不同的请求", "post"),
    (429, "RATE_LIMITED", "请求过于频繁", "any"),
    (503, "DATABASE_UNAVAILABLE", "服务暂不可用", "any"),
    (503, "JWKS_UNAVAILABLE", "身份认证服务暂不可用", "secured"),
]


_GENERIC_CODES = {code for _, code, _, _ in GENERIC}


def operation_codes(endpoint: Callable[..., Any], dependant: Dependant) -> set[Code]:
    """The codes the endpoint and its dependencies name (read from their code; see the module's docstring),
    but the kernel's generic ones (``GENERIC``: documented by kind, not by where the code names them)."""
    found: set[Code] = set()
    for function in [endpoint, *_dependency_calls(dependant)]:
        found |= _codes_of(function)
    return {c for c in found if c.code not in _GENERIC_CODES}


def _dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _dependency_calls(dep)


_CACHE: dict[Any, frozenset[Code]] = {}
_IN_PROGRESS: set[Any] = set()


def _codes_of(function: Any) -> frozenset[Code]:
    function = inspect.unwrap(function)
    # a closure (load_or_404's loader) is its code and its cells: the same code with another ``missing``
    key = function if getattr(function, "__closure__", None) else getattr(function, "__code__", function)
    if key in _CACHE:
        return _CACHE[key]
    if key in _IN_PROGRESS or not _own(function):
        return frozenset()
    _IN_PROGRESS.add(key)
    try:
        found = frozenset(_read(function))
    finally:
        _IN_PROGRESS.discard(key)
    _CACHE[key] = found
    return found


def _own(function: Any) -> bool:
    module = getattr(function, "__module__", None) or ""
    return isinstance(function, types.FunctionType) and module.startswith(OWN_PACKAGES)


def _error_class(obj: Any) -> type[DomainError] | None:
    if isinstance(obj, type) and issubclass(obj, DomainError):
        return obj
    owner = getattr(obj, "__self__", None)  # NotFound.of: a classmethod bound to the error class
    if isinstance(owner, type) and issubclass(owner, DomainError):
        return owner
    return None


def _read(function: types.FunctionType) -> set[Code]:
    scope = _names(function)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):  # a lambda's line is not a statement: its plain names only
        return _from_objects(scope.get(name) for name in function.__code__.co_names)
    found: set[Code] = set()
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            skipped |= {id(n) for n in ast.walk(node.type)}  # caught, not answered
        elif isinstance(node, ast.Call):
            cls = _error_class(_resolve(node.func, scope))
            literal = _keyword(node, "code")
            if cls is not None and isinstance(literal, str):
                status = _keyword(node, "status")
                title = _keyword(node, "title")
                found.add(
                    Code(
                        status if isinstance(status, int) else cls.status,
                        literal,
                        title if isinstance(title, str) else cls.title,
                    )
                )
                skipped |= {id(n) for n in ast.walk(node.func)}
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, ast.Name | ast.Attribute):
            continue
        found |= _from_objects([_resolve(node, scope)])
    return found


def _from_objects(objects: Any) -> set[Code]:
    found: set[Code] = set()
    for obj in objects:
        cls = _error_class(obj)
        if cls is not None and cls.__module__ != "services.common.errors":  # the bases are not codes
            found.add(Code(cls.status, cls.code, cls.title))
        target = getattr(obj, "__func__", obj)
        if isinstance(target, types.FunctionType):
            found |= _codes_of(target)
    return found


def _names(function: types.FunctionType) -> dict[str, Any]:
    scope: dict[str, Any] = dict(vars(builtins))
    scope.update(function.__globals__)
    for name, cell in zip(function.__code__.co_freevars, function.__closure__ or (), strict=False):
        try:
            scope[name] = cell.cell_contents
        except ValueError:  # an empty cell
            continue
    return scope


def _resolve(node: ast.expr, scope: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, scope)
        if isinstance(owner, types.ModuleType | type):
            return getattr(owner, node.attr, None)
    return None


def _keyword(call: ast.Call, name: str) -> Any:
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return None
