"""Cursor pagination (SPEC §1.6): ``?cursor=...&limit=...`` in, ``next_cursor`` out, stable ordering.

The cursor is an opaque, URL-safe encoding of the last row's sort key. Queries order by a unique key (or a
tuple ending in one) and select rows strictly after the cursor, so concurrent inserts never shift a page.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from services.common.errors import BadRequest

T = TypeVar("T")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class InvalidCursor(BadRequest):
    code = "INVALID_CURSOR"
    title = "分页游标无效"
    title_en = "Invalid cursor"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key, default=str)).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> Any:
    if not cursor:
        return None
    try:
        return orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor(
            "分页游标无法解析，请使用上一页返回的 next_cursor", detail_en="unparseable cursor"
        ) from exc


# --- the keys inside a cursor -------------------------------------------------------------------------------
# A cursor that decodes is still only a client's JSON: each key is checked to be one the server could have
# written before it reaches the database, where a value asyncpg cannot encode (an instant past year 9999 in
# UTC, an integer past bigint, a NUL character in text) fails the query: a 500, not the 400 it is.

BIGINT_MAX = 2**63 - 1


def invalid_cursor(detail_en: str = "not a cursor of this list") -> InvalidCursor:
    return InvalidCursor("分页游标无效，请使用上一页返回的 next_cursor", detail_en=detail_en)


def cursor_instant(value: Any) -> datetime:
    """A timezone-aware ISO 8601 instant that Python and PostgreSQL can both hold once in UTC (asyncpg converts
    to UTC: ``9999-12-31T23:59:59-12:00`` is in year 10000 there; timestamptz's own range is wider)."""
    if not isinstance(value, str):
        raise invalid_cursor("the cursor's instant is not a string")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise invalid_cursor("the cursor's instant is not an ISO 8601 instant") from None
    if at.utcoffset() is None:
        raise invalid_cursor("the cursor's instant has no UTC offset")
    try:
        at.astimezone(UTC)
    except OverflowError:
        raise invalid_cursor("the cursor's instant is outside years 1 to 9999 in UTC") from None
    return at


def cursor_date(value: Any) -> date:
    """An ISO 8601 calendar date (``2026-03-31``)."""
    if not isinstance(value, str):
        raise invalid_cursor("the cursor's date is not a string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid_cursor("the cursor's date is not an ISO 8601 date") from None


def cursor_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise invalid_cursor("the cursor's id is not a string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid_cursor("the cursor's id is not a UUID") from None


def cursor_text(value: Any) -> str:
    """A text key (a code, a USCC, a name): a string PostgreSQL can hold in text (no NUL; a lone surrogate
    does not get this far: decode_cursor's JSON parser refuses it)."""
    if not isinstance(value, str) or "\x00" in value:
        raise invalid_cursor("the cursor's key is not a text without NUL characters")
    return value


def cursor_int(value: Any, *, minimum: int = 0) -> int:
    """An integer key (a sequence number, an id, an offset) within PostgreSQL's bigint."""
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= BIGINT_MAX:
        raise invalid_cursor("the cursor's key is not an integer in range")
    return value


def cursor_tuple(value: Any, *parts: Callable[[Any], Any]) -> tuple[Any, ...]:
    """A list of exactly ``len(parts)`` keys, each read by its part (``cursor_instant``, ``cursor_uuid``...)."""
    if not isinstance(value, list) or len(value) != len(parts):
        raise invalid_cursor(f"the cursor is not a list of {len(parts)} keys")
    return tuple(part(v) for part, v in zip(parts, value, strict=True))


# A cursor is URL-safe base64 without padding (encode_cursor); anything else cannot be one of ours. A string of
# that alphabet that we did not issue is still refused, with 400 INVALID_CURSOR.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size (at most {MAX_LIMIT})")]
CursorQuery = Annotated[
    str | None,
    Query(
        max_length=512,
        pattern=CURSOR_PATTERN,
        description="next_cursor of the previous page, unchanged (another value is 400 INVALID_CURSOR)",
    ),
]


def page_of(rows: list[T], limit: int, key: Any) -> Page[T]:
    """Build a page from ``limit + 1`` fetched rows; ``key(row)`` gives the sort key of a row."""
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(items=rows, next_cursor=encode_cursor(key(rows[-1])))
    return Page(items=rows, next_cursor=None)
