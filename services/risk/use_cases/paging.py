"""Keyset cursors of the risk lists: a page's ``next_cursor`` decodes to its last row's sort key and id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.pagination import cursor_instant, cursor_text, cursor_tuple


def cursor_pair(after: Any) -> tuple[str, str] | None:
    """A decoded two-string cursor (sort key and id), or 400 INVALID_CURSOR for anything else (a cursor
    decoding to a number or a string was indexed as a pair, a NUL in a key failed in the database: 500s)."""
    if after is None:
        return None
    key, row_id = cursor_tuple(after, cursor_text, cursor_text)
    return key, row_id


def timed_cursor(after: Any) -> tuple[datetime, str] | None:
    """A decoded (instant, id) cursor: the instant one asyncpg can hold in UTC (past year 9999 in UTC was a
    500), the id a text."""
    if after is None:
        return None
    at, row_id = cursor_tuple(after, cursor_instant, cursor_text)
    return at, row_id
