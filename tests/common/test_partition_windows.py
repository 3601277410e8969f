"""``partitions.newest_first``: a newest-first page read window by window (issue #16 item 6). Pure: the
windows' bounds, and a page assembled from an in-memory "table" whose ``fetch`` applies the conditions the
helper gives it."""

from __future__ import annotations

import operator
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from services.common import partitions
from services.common.clock import CHINA

MONTHLY = partitions.spec_of("entry_refusal")
YEARLY = partitions.spec_of("penalty_case")


def test_the_windows_count_back_whole_periods_from_the_newest_ones() -> None:
    # months: 2 (March and February 2026: from 1 February), then 12 (March 2026 and 11 before: from 1 April 2025)
    assert partitions.window_starts(MONTHLY, date(2026, 3, 15)) == [date(2026, 2, 1), date(2025, 4, 1)]
    # across a year's start: January 2026 and December 2025; then back to February 2025
    assert partitions.window_starts(MONTHLY, date(2026, 1, 1)) == [date(2025, 12, 1), date(2025, 2, 1)]
    # years: the newest year only
    assert partitions.window_starts(YEARLY, date(2026, 12, 31)) == [date(2026, 1, 1)]


def test_a_bound_is_a_constant_at_midnight_in_china() -> None:
    sql = str(partitions.bound(MONTHLY, date(2026, 2, 1)))
    assert sql == "TIMESTAMPTZ '2026-02-01T00:00:00+08:00'"
    assert str(partitions.bound(partitions.spec_of("publication"), date(2026, 1, 1))) == "DATE '2026-01-01'"


class _Table:
    """Rows (an instant each) newest first; ``fetch`` reads the conditions' ``>=``/``<`` bounds back."""

    def __init__(self, rows: list[datetime]) -> None:
        self.rows = sorted(rows, reverse=True)
        self.reads: list[tuple[datetime | None, datetime | None, int]] = []

    async def fetch(self, conditions: list[sa.ColumnElement[bool]], n: int) -> list[datetime]:
        lo = hi = None
        for c in conditions:
            at = datetime.fromisoformat(str(c.right).split("'")[1])  # type: ignore[attr-defined]
            if c.operator is operator.ge:  # type: ignore[attr-defined]
                lo = at
            else:
                hi = at
        self.reads.append((lo, hi, n))
        return [r for r in self.rows if (lo is None or r >= lo) and (hi is None or r < hi)][:n]


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=CHINA)


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 6, 10])
async def test_the_windows_give_the_rows_of_one_read_in_its_order(limit: int) -> None:
    rows = [_at(2026, 3, 2), _at(2026, 2, 27), _at(2026, 1, 5), _at(2025, 6, 1), _at(2023, 7, 7)]
    table = _Table(rows)
    column = sa.column("refused_at")
    got = await partitions.newest_first(MONTHLY, column, table.fetch, newest=_at(2026, 3, 10), limit=limit)
    assert got == sorted(rows, reverse=True)[:limit]
    # the windows: [1 Feb 2026, …), [1 Apr 2025, 1 Feb 2026), [… 1 Apr 2025); the next read only while the page
    # is not full, asking for what is missing: 2 rows in the first window, 2 in the second, 1 in the rest
    feb, apr = datetime(2026, 2, 1, tzinfo=CHINA), datetime(2025, 4, 1, tzinfo=CHINA)
    expected = [(feb, None, limit)]
    if limit > 2:
        expected.append((apr, feb, limit - 2))
    if limit > 4:
        expected.append((None, apr, limit - 4))
    assert table.reads == expected


async def test_a_cursor_at_the_calendars_end_reads_once_without_a_window() -> None:
    table = _Table([_at(2026, 3, 2)])
    column = sa.column("refused_at")
    got = await partitions.newest_first(MONTHLY, column, table.fetch, newest=date(1, 1, 1), limit=5)
    assert got == [_at(2026, 3, 2)] and table.reads == [(None, None, 5)]
