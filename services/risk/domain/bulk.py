"""Bulk NDJSON intake in bounded memory: the rules that do not need a database.

* ``LineSplitter`` cuts a body arriving in pieces into numbered lines (1-based, blank lines counted and
  skipped, ``\\r\\n`` accepted, a last line without newline kept) and never holds more than one line of at most
  ``MAX_LINE_BYTES + 1`` bytes: a longer line is cut there, and ``intake.parse_line`` reports it as too long.
  Each line carries the offset just past it, so processing can resume after a restart from the last line
  whose effects were committed.
* ``ErrorSummary`` keeps the first ``keep`` errors by line number and a count per code, whatever the number of
  errors.
* ``answered_at_once``: a small upload is processed in the request (200 with the summary); a large one, or one
  sent with ``Prefer: respond-async`` (RFC 7240), becomes a job (202 and a status URL).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.risk.domain.intake import MAX_LINE_BYTES


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of bulk intake (the ``intake_*`` settings): what is answered at once, how a job's body is
    kept, the size of a batch, how many errors are listed and kept, and how a stopped job is taken over."""

    sync_max_bytes: int
    chunk_bytes: int
    batch_lines: int
    batch_bytes: int
    first_errors: int
    report_max: int
    lease_s: float
    max_attempts: int
    retention: timedelta


# A line error's texts are cut to this many characters in summaries and reports (a detail may quote a value).
MAX_DETAIL_CHARS = 500


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based, blank lines counted
    raw: bytes  # without the line end; at most MAX_LINE_BYTES + 1 bytes (cut: reported as too long)
    end: int  # offset in the whole body just past this line and its newline


class LineSplitter:
    """Numbered lines from a body fed in pieces, starting at ``offset`` after ``number`` lines."""

    def __init__(self, *, offset: int = 0, number: int = 0, max_line: int = MAX_LINE_BYTES) -> None:
        self.offset = offset
        self.number = number
        self._max = max_line + 1
        self._carry = bytearray()
        self._open = False  # bytes seen since the last newline (a last line without one)

    def _keep(self, data: bytes) -> None:
        room = self._max - len(self._carry)
        if room > 0:
            self._carry += data[:room]
        self._open = self._open or bool(data)

    def _line(self) -> Line | None:
        self.number += 1
        raw = bytes(self._carry).rstrip(b"\r")
        self._carry.clear()
        self._open = False
        return Line(self.number, raw, self.offset) if raw.strip() else None

    def feed(self, piece: bytes) -> Iterator[Line]:
        start = 0
        while True:
            end = piece.find(b"\n", start)
            if end < 0:
                self._keep(piece[start:])
                self.offset += len(piece) - start
                return
            self._keep(piece[start:end])
            self.offset += end + 1 - start
            line = self._line()
            if line is not None:
                yield line
            start = end + 1

    def finish(self) -> Iterator[Line]:
        """The last line, when the body does not end with a newline."""
        if self._open:
            line = self._line()
            if line is not None:
                yield line


def _cut(text: Any) -> Any:
    if isinstance(text, str) and len(text) > MAX_DETAIL_CHARS:
        return text[: MAX_DETAIL_CHARS - 1] + "…"
    return text


def bounded(problem: Mapping[str, Any]) -> dict[str, Any]:
    """A line error with its texts cut to ``MAX_DETAIL_CHARS`` (a value quoted in a detail can be 32 KiB)."""
    return {
        **problem,
        "detail": _cut(problem.get("detail")),
        "issues": [{**i, "detail": _cut(i.get("detail"))} for i in problem.get("issues", [])][:20],
    }


class ErrorSummary:
    """The first ``keep`` line errors (by line number) and the number of errors per code."""

    def __init__(
        self, keep: int, first: Iterable[Mapping[str, Any]] = (), by_code: Mapping[str, int] | None = None
    ) -> None:
        self.keep = keep
        self.by_code: dict[str, int] = dict(by_code or {})
        self._heap: list[tuple[int, int, dict[str, Any]]] = []  # (-line, tiebreak, problem): a max-heap
        self._seq = 0
        for problem in first:
            self._push(dict(problem))

    def _push(self, problem: dict[str, Any]) -> bool:
        self._seq += 1
        item = (-int(problem["line"]), self._seq, problem)
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, item)
            return True
        if self._heap and item[0] > self._heap[0][0]:
            heapq.heapreplace(self._heap, item)
            return True
        return False

    def add(self, problem: Mapping[str, Any]) -> bool:
        """Count the error; True when it is (for now) among the first ``keep``."""
        self.by_code[problem["code"]] = self.by_code.get(problem["code"], 0) + 1
        return self._push(bounded(problem)) if self.keep > 0 else False

    @property
    def rejected(self) -> int:
        return sum(self.by_code.values())

    def first(self) -> list[dict[str, Any]]:
        return [p for _, _, p in sorted(self._heap, key=lambda item: -item[0])]


def prefers_async(prefer: str | None) -> bool:
    """``Prefer: respond-async`` (RFC 7240 §4.1), among other preferences, in any case."""
    if not prefer:
        return False
    tokens = (part.split(";", 1)[0].strip().lower() for part in prefer.split(","))
    return "respond-async" in tokens


def answered_at_once(size: int, *, sync_max_bytes: int, respond_async: bool) -> bool:
    """A body of at most ``sync_max_bytes`` is processed in the request unless the client asked for a job."""
    return not respond_async and size <= sync_max_bytes
