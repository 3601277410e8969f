"""Cursor pagination helpers of the kernel."""

from __future__ import annotations

import uuid

import pytest

from services.common.pagination import InvalidCursor, decode_cursor, encode_cursor, page_of


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor(["2026-11-23", 42])) == ["2026-11-23", 42]
    with pytest.raises(InvalidCursor):
        decode_cursor("%%%")
    page = page_of([1, 2, 3], 2, key=lambda x: x)
    assert page.items == [1, 2] and decode_cursor(page.next_cursor) == 2
    assert page_of([1, 2], 2, key=lambda x: x).next_cursor is None


# --- the keys inside a cursor: refused before the database (tests/test_cursors.py sends them to every list) ---


def test_an_instant_must_be_aware_and_fit_years_1_to_9999_in_utc() -> None:
    from datetime import UTC, datetime

    from services.common.pagination import cursor_instant

    # 9999-12-31 11:59:59 at UTC-12 is 23:59:59 UTC the same day (11:59:59 + 12 h): the last second that fits
    last = cursor_instant("9999-12-31T11:59:59-12:00")
    assert last.astimezone(UTC) == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    # 0001-01-01 14:00 at UTC+14 is 00:00 UTC (14:00 - 14 h): the first instant that fits
    assert cursor_instant("0001-01-01T14:00:00+14:00").astimezone(UTC) == datetime(1, 1, 1, tzinfo=UTC)
    for text in (
        "9999-12-31T23:59:59-12:00",  # 23:59:59 + 12 h = 10000-01-01 11:59:59 UTC
        "9999-12-31T12:00:00-12:00",  # 12:00 + 12 h = 10000-01-01 00:00 UTC, one second past the last
        "0001-01-01T00:00:00+14:00",  # 00:00 - 14 h = year 0, 10:00 UTC
        "2026-01-01T00:00:00",  # naive: no instant at all
        "2026-01-01",
        "soon",
    ):
        with pytest.raises(InvalidCursor):
            cursor_instant(text)
    for value in (None, 1767225600, ["2026-01-01T00:00:00+08:00"]):
        with pytest.raises(InvalidCursor):
            cursor_instant(value)


def test_integers_fit_bigint_and_text_has_no_nul() -> None:
    from services.common.pagination import cursor_int, cursor_text, cursor_tuple, cursor_uuid

    assert cursor_int(2**63 - 1) == 9223372036854775807  # bigint's largest
    assert cursor_int(0) == 0 and cursor_int(-5, minimum=-5) == -5
    for value in (2**63, -1, True, 1.0, "7", None):
        with pytest.raises(InvalidCursor):
            cursor_int(value)
    assert cursor_text("SJ-XF-001") == "SJ-XF-001"
    for value in ("a\x00b", 7, None):
        with pytest.raises(InvalidCursor):
            cursor_text(value)
    uid = "5e88cb28-957d-4684-815d-5de2ede17a69"
    assert cursor_tuple(["SJ", uid], cursor_text, cursor_uuid) == ("SJ", uuid.UUID(uid))
    for value in (["SJ"], ["SJ", uid, uid], {"a": uid}, "SJ", ["SJ", "not-a-uuid"], ["SJ", 7]):
        with pytest.raises(InvalidCursor):
            cursor_tuple(value, cursor_text, cursor_uuid)
