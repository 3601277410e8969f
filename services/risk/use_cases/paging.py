"""Keyset cursors of the risk lists: a page's ``next_cursor`` decodes to its last row's sort key and id."""

from __future__ import annotations

from typing import Any

from services.common.pagination import InvalidCursor


def cursor_pair(after: Any) -> tuple[str, str] | None:
    """A decoded two-string cursor (sort key and id), or 400 INVALID_CURSOR for anything else (a cursor
    decoding to a number or a string was indexed as a pair: a 500)."""
    if after is None:
        return None
    if not (isinstance(after, list) and len(after) == 2 and all(isinstance(v, str) for v in after)):
        raise InvalidCursor("分页游标无效，请使用上一页返回的 next_cursor", detail_en="invalid cursor")
    return after[0], after[1]
