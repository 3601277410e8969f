"""Cursor pagination helpers of the kernel."""

from __future__ import annotations

import pytest

from services.common.pagination import InvalidCursor, decode_cursor, encode_cursor, page_of


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor(["2026-11-23", 42])) == ["2026-11-23", 42]
    with pytest.raises(InvalidCursor):
        decode_cursor("%%%")
    page = page_of([1, 2, 3], 2, key=lambda x: x)
    assert page.items == [1, 2] and decode_cursor(page.next_cursor) == 2
    assert page_of([1, 2], 2, key=lambda x: x).next_cursor is None
