"""Cursor pagination (SPEC §1.6): ``?cursor=...&limit=...`` in, ``next_cursor`` out, stable ordering.

The cursor is an opaque, URL-safe encoding of the last row's sort key. Queries order by a unique key (or a
tuple ending in one) and select rows strictly after the cursor, so concurrent inserts never shift a page.
"""

from __future__ import annotations

import base64
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
