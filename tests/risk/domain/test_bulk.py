"""Bulk intake rules without a database (services/risk/domain/bulk.py): lines cut from a body read in pieces,
the bounded summary of errors, and when an upload becomes a job."""

from __future__ import annotations

import random

import pytest

from services.risk.domain import bulk
from services.risk.domain.intake import MAX_LINE_BYTES

BODY = b'{"a":1}\r\n\n   \n{"b":2}\n{"c":3}'  # lines 1 .. 5; 2 and 3 blank; 5 without a newline


def lines_of(pieces: list[bytes], **start: int) -> list[tuple[int, bytes, int]]:
    splitter = bulk.LineSplitter(**start)
    out = [(x.number, x.raw, x.end) for piece in pieces for x in splitter.feed(piece)]
    return out + [(x.number, x.raw, x.end) for x in splitter.finish()]


class TestLineSplitter:
    def test_numbers_blank_lines_crlf_and_a_last_line_without_newline(self) -> None:
        # offsets: line 1 is 9 bytes with \r\n (ends at 9), line 2 '\n' (10), line 3 '   \n' (14),
        # line 4 '{"b":2}\n' (22), line 5 '{"c":3}' (29, the end of the body)
        assert lines_of([BODY]) == [(1, b'{"a":1}', 9), (4, b'{"b":2}', 22), (5, b'{"c":3}', 29)]

    @pytest.mark.parametrize("seed", range(20))
    def test_any_cut_into_pieces_gives_the_same_lines(self, seed: int) -> None:
        rnd = random.Random(seed)
        cuts = sorted(rnd.sample(range(1, len(BODY)), rnd.randint(1, 10)))
        pieces = [BODY[a:b] for a, b in zip([0, *cuts], [*cuts, len(BODY)], strict=True)]
        assert lines_of(pieces) == lines_of([BODY])

    def test_resuming_after_a_line(self) -> None:
        # after line 1 (9 bytes): the rest of the body, numbered from 2, offsets from 9
        assert lines_of([BODY[9:]], offset=9, number=1) == lines_of([BODY])[1:]

    def test_an_overlong_line_is_cut_never_held_whole(self) -> None:
        huge = b"x" * (10 * MAX_LINE_BYTES)
        got = lines_of([huge[:100_000], huge[100_000:], b"\n{}\n"])
        assert [(n, len(raw), end) for n, raw, end in got] == [
            (1, MAX_LINE_BYTES + 1, len(huge) + 1),  # cut one byte past the limit: reported as too long
            (2, 2, len(huge) + 4),
        ]

    def test_empty_body_and_only_blank_lines(self) -> None:
        assert lines_of([b""]) == []
        splitter = bulk.LineSplitter()
        assert [*splitter.feed(b"\n\n  \n"), *splitter.finish()] == []
        assert (splitter.number, splitter.offset) == (3, 5)


class TestErrorSummary:
    def problem(self, line: int, code: str = "INTAKE_BAD_JSON") -> dict[str, object]:
        return {"line": line, "code": code, "field": None, "detail": "不是有效的 JSON", "issues": []}

    def test_keeps_the_lowest_lines_whatever_the_order_and_counts_all(self) -> None:
        summary = bulk.ErrorSummary(3)
        for line in (9, 4, 7, 1, 8, 2):
            summary.add(self.problem(line, "A" if line % 2 else "B"))
        assert [p["line"] for p in summary.first()] == [1, 2, 4]
        # odd lines 9, 7, 1 -> A: 3; even 4, 8, 2 -> B: 3
        assert summary.by_code == {"A": 3, "B": 3} and summary.rejected == 6

    def test_resumes_from_what_was_kept(self) -> None:
        summary = bulk.ErrorSummary(2, [self.problem(5), self.problem(6)], {"INTAKE_BAD_JSON": 10})
        summary.add(self.problem(3))
        assert [p["line"] for p in summary.first()] == [3, 5]
        assert summary.rejected == 11

    def test_long_texts_are_cut(self) -> None:
        summary = bulk.ErrorSummary(1)
        summary.add({**self.problem(1), "detail": "值" * 5000, "issues": [{"detail": "x" * 5000}]})
        [kept] = summary.first()
        assert len(kept["detail"]) == bulk.MAX_DETAIL_CHARS and kept["detail"].endswith("…")
        assert len(kept["issues"][0]["detail"]) == bulk.MAX_DETAIL_CHARS


class TestAtOnceOrAJob:
    @pytest.mark.parametrize(
        ("prefer", "expected"),
        [
            (None, False),
            ("respond-async", True),
            ("Respond-Async, wait=10", True),
            ("return=minimal; foo=bar, respond-async", True),
            ("return=representation", False),
            ("respond-asynchronously", False),
        ],
    )
    def test_prefer_header(self, prefer: str | None, expected: bool) -> None:
        assert bulk.prefers_async(prefer) is expected

    def test_size_rule(self) -> None:
        mib = 1024 * 1024
        assert bulk.answered_at_once(mib, sync_max_bytes=mib, respond_async=False) is True
        assert bulk.answered_at_once(mib + 1, sync_max_bytes=mib, respond_async=False) is False
        assert bulk.answered_at_once(10, sync_max_bytes=mib, respond_async=True) is False
