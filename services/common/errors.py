"""Typed errors with stable codes, rendered as RFC 9457 problem details by one handler.

Every error the platform returns has an UPPER_SNAKE ``code`` that clients can rely on, a Chinese title
(the users' language) and an English one for ``Accept-Language: en``. Domain code raises
``DomainError`` subclasses; it never builds HTTP responses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class DomainError(Exception):
    """A rule was broken; carries a stable code, an HTTP status and a Chinese message."""

    code: ClassVar[str] = "DOMAIN_ERROR"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "请求不符合业务规则"
    title_en: ClassVar[str] = "The request breaks a business rule"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        title_en: str | None = None,
        detail_en: str | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail = detail or (title or self.title)
        self.detail_en = detail_en
        if code is not None:
            self.code = code  # type: ignore[misc]
        if status is not None:
            self.status = status  # type: ignore[misc]
        if title is not None:
            self.title = title  # type: ignore[misc]
        if title_en is not None:
            self.title_en = title_en  # type: ignore[misc]
        self.errors = list(errors or [])
        self.extra = dict(extra or {})
        super().__init__(f"{self.code}: {self.detail}")


class BadRequest(DomainError):
    code = "BAD_REQUEST"
    status = 400
    title = "请求无效"
    title_en = "Bad request"


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"
    status = 401
    title = "身份认证失败"
    title_en = "Authentication failed"


class Forbidden(DomainError):
    code = "FORBIDDEN"
    status = 403
    title = "无权执行此操作"
    title_en = "Forbidden"


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404
    title = "资源不存在"
    title_en = "Not found"


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409
    title = "与当前状态冲突"
    title_en = "Conflict with the current state"


class Unprocessable(DomainError):
    code = "UNPROCESSABLE"
    status = 422
    title = "请求内容无法处理"
    title_en = "Unprocessable content"


class TooManyRequests(DomainError):
    code = "RATE_LIMITED"
    status = 429
    title = "请求过于频繁"
    title_en = "Too many requests"


class Unavailable(DomainError):
    code = "UNAVAILABLE"
    status = 503
    title = "服务暂不可用"
    title_en = "Service unavailable"
