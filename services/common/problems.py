"""RFC 9457 problem details for every error, FastAPI's validation errors included (SPEC §1.6)."""

from __future__ import annotations

import http
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from services.common import messages
from services.common.date_bounds import out_of_range
from services.common.db import database_unavailable
from services.common.errors import DomainError
from services.common.logs import request_id_var

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_HTTP_CODES: dict[int, tuple[str, str, str]] = {
    400: ("BAD_REQUEST", "请求无效", "Bad request"),
    401: ("UNAUTHORIZED", "身份认证失败", "Unauthorized"),
    403: ("FORBIDDEN", "无权执行此操作", "Forbidden"),
    404: ("NOT_FOUND", "资源不存在", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法", "Method not allowed"),
    406: ("NOT_ACCEPTABLE", "无法提供所请求的格式", "Not acceptable"),
    409: ("CONFLICT", "与当前状态冲突", "Conflict"),
    413: ("PAYLOAD_TOO_LARGE", "请求体过大", "Payload too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型", "Unsupported media type"),
    422: ("VALIDATION_FAILED", "请求内容校验失败", "Validation failed"),
    429: ("RATE_LIMITED", "请求过于频繁", "Too many requests"),
    500: ("INTERNAL_ERROR", "服务器内部错误", "Internal server error"),
    502: ("UPSTREAM_ERROR", "上游服务响应异常", "Bad gateway"),
    503: ("UNAVAILABLE", "服务暂不可用", "Service unavailable"),
    504: ("UPSTREAM_TIMEOUT", "上游服务响应超时", "Gateway timeout"),
}


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of the platform is rendered."""

    type: str = Field(examples=["/errors/CERT_SUSPENDED"])
    title: str = Field(examples=["执法证已暂扣"])
    status: int = Field(examples=[403])
    detail: str = Field(examples=["执法证 辽A-0012345 已于2026-05-01暂扣，不得从事行政检查"])
    code: str = Field(examples=["CERT_SUSPENDED"], description="stable identifier, see docs/errors.md")
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = Field(None, description="per-field problems of a 422")

    model_config = {"extra": "allow"}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("请求无效 (bad request, a business rule refused it)"),
    401: _problem_response("身份认证失败 (missing, invalid or expired token)"),
    403: _problem_response("无权执行此操作 (role or rule forbids it)"),
    404: _problem_response("资源不存在 (or not yours)"),
    409: _problem_response("与当前状态冲突 (state conflict, Idempotency-Key in flight)"),
    413: _problem_response("请求体过大"),
    422: _problem_response("请求内容校验失败 (validation, Idempotency-Key reused with another body)"),
    503: _problem_response("服务暂不可用"),
}


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def wants_english(accept_language: str | None) -> bool:
    return bool(accept_language) and accept_language.strip().lower().startswith("en")  # type: ignore[union-attr]


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "type": f"/errors/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id or request_id_var.get(),
    }
    if errors:
        body["errors"] = [dict(e) for e in errors]
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    try:
        return orjson.dumps(body, default=str)
    except TypeError:  # a lone surrogate the client sent, echoed in a detail: UTF-8 cannot hold it
        return orjson.dumps(_without_surrogates(body), default=str)


# in a Python str a surrogate code point is always a lone one (a pair from JSON is one character)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)  # U+FFFD REPLACEMENT CHARACTER
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_surrogates(v) for v in value]
    return value


def problem_response(
    status: int,
    code: str | None = None,
    detail: str | None = None,
    *,
    english: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    default_code, zh, en = _HTTP_CODES.get(status, ("ERROR", "请求失败", "Request failed"))
    title = en if english else zh
    return Response(
        problem_body(status=status, code=code or default_code, title=title, detail=detail or title),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


# Seconds a client is asked to wait when a dependency (the database, NATS, an upstream) is down.
RETRY_AFTER_S = 2


def database_unavailable_response(*, english: bool = False) -> Response:
    """503 ``DATABASE_UNAVAILABLE``: the database cannot be reached; retry."""
    return problem_response(
        503,
        "DATABASE_UNAVAILABLE",
        database_unavailable_detail(english),
        english=english,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def out_of_range_detail(english: bool) -> str:
    """The detail of a 422 for a write the database refused because a day or an instant in it — one the
    request did not give but that was derived from it (a deadline, a publication's end) — lies outside the
    years the platform stores (services/common/date_bounds.py ``out_of_range``)."""
    if english:
        return "A date derived from the request lies outside 1900-01-01..2199-12-31, which cannot be stored"
    return "由请求推算出的日期超出可保存的范围（1900-01-01 至 2199-12-31）"


def database_unavailable_detail(english: bool) -> str:
    # Not "nothing was saved": a connection lost during COMMIT leaves the outcome unknown. A transaction is
    # all or nothing either way, and a retry with the same Idempotency-Key cannot apply it twice.
    if english:
        return "The database is unavailable; retry later (with the same Idempotency-Key for a write)"
    return "数据库暂不可用，请稍后重试（写操作请使用相同的 Idempotency-Key 重试）"


# A token of a detail that carries a specific: it holds a digit (a date, an amount, an id, a number).
_SPECIFIC = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:/+-]*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def english_detail(exc: DomainError) -> str:
    """The English detail of a domain error, never poorer than the Chinese one.

    Most domain errors carry their specifics (dates, amounts, ids, articles of law) only in the Chinese
    detail. When there is no English detail, or it lacks a number the Chinese one has, the Chinese detail
    follows the English words in parentheses: an English reader loses no fact, and the code and the title
    still say in English what happened.
    """
    base = exc.detail_en or exc.title_en
    if not exc.detail or exc.detail in (exc.title, exc.title_en):
        return base
    if not _CJK.search(exc.detail):
        return exc.detail
    specifics = [t for t in _SPECIFIC.findall(exc.detail) if any(c.isdigit() for c in t)]
    if exc.detail_en and all(t in exc.detail_en for t in specifics):
        return exc.detail_en
    return f"{base} ({exc.detail})"


def domain_error_response(exc: DomainError, *, english: bool = False) -> Response:
    title = exc.title_en if english else exc.title
    detail = english_detail(exc) if english else exc.detail
    return Response(
        problem_body(
            status=exc.status, code=exc.code, title=title, detail=detail, errors=exc.errors, extra=exc.extra
        ),
        status_code=exc.status,
        media_type=PROBLEM_JSON,
        headers={"Retry-After": str(RETRY_AFTER_S)} if exc.status == 503 else None,
    )


def validation_errors(exc: RequestValidationError, english: bool) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "type": err.get("type"),
            "message": messages.validation_message(err, english=english),
        }
        for err in exc.errors()
    ]


def install(app: FastAPI) -> None:
    """Register the problem handlers on an app."""

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return domain_error_response(exc, english=wants_english(request.headers.get("accept-language")))

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        english = wants_english(request.headers.get("accept-language"))
        errors = validation_errors(exc, english)
        first = errors[0] if errors else {"loc": [], "message": ""}
        where = ".".join(p for p in first["loc"] if p != "body") or "body"
        detail = (
            f"{where}: {first['message']}"
            if errors
            else ("Validation failed" if english else "请求内容校验失败")
        )
        return Response(
            problem_body(
                status=422,
                code="VALIDATION_FAILED",
                title="Validation failed" if english else "请求内容校验失败",
                detail=detail,
                errors=errors,
            ),
            status_code=422,
            media_type=PROBLEM_JSON,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        english = wants_english(request.headers.get("accept-language"))
        # Starlette's own details are the English reason phrases ("Method Not Allowed"): the title says it.
        detail = (
            exc.detail if isinstance(exc.detail, str) and exc.detail != _phrase(exc.status_code) else None
        )
        return problem_response(
            exc.status_code, detail=detail, english=english, headers=getattr(exc, "headers", None)
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, english=wants_english(request.headers.get("accept-language")))

    async def on_data_error(request: Request, exc: Exception) -> Response:
        log.info("database refused a value on %s %s: %s", request.method, request.url.path, exc)
        english = wants_english(request.headers.get("accept-language"))
        return problem_response(
            422,
            "INVALID_DATA",
            "A value is out of range or not storable" if english else "请求中的数值超出范围或无法保存",
            english=english,
        )

    async def on_integrity_error(request: Request, exc: Exception) -> Response:
        english = wants_english(request.headers.get("accept-language"))
        if out_of_range(exc):
            log.info(
                "database refused a day out of range on %s %s: %s", request.method, request.url.path, exc
            )
            return problem_response(422, "INVALID_DATA", out_of_range_detail(english), english=english)
        return problem_response(
            409,
            "CONFLICT",
            "The change conflicts with existing data" if english else "该操作与已有数据冲突",
            english=english,
        )

    async def on_database_down(request: Request, exc: Exception) -> Response:
        if not database_unavailable(exc):  # ProgrammingError and the like: a bug, not an outage
            return await on_unexpected(request, exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return database_unavailable_response(english=wants_english(request.headers.get("accept-language")))

    app.add_exception_handler(DataError, on_data_error)
    app.add_exception_handler(IntegrityError, on_integrity_error)
    app.add_exception_handler(DBAPIError, on_database_down)
    app.add_exception_handler(SQLAlchemyTimeoutError, on_database_down)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
