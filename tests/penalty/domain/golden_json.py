"""Serialisation for the golden (characterisation) tests of the penalty domain.

Written independently of the code under test (not ``codec``), so a refactoring of the domain cannot change
how its output is recorded: dataclasses become objects tagged with their class name, enums their value,
dates ISO 8601, frozensets sorted arrays, a ``DomainError`` its code, status, detail, errors and extra.
One record per line (JSON Lines), keys sorted, UTF-8, so a failure diff points at one case. A large record
is kept xz-compressed (``*.jsonl.xz``; read it with ``xzcat``); the comparison is on the decompressed text.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import json
import lzma
import os
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from services.common.errors import DomainError

GOLDEN = Path(__file__).resolve().parent / "golden"

#: Set to 1 to rewrite the golden files from the current code (only when a behaviour change is intended
#: and reviewed: the files are the record of what the engine and the state machine did before).
REGENERATE = os.environ.get("ZHIFA_GOLDEN_REGENERATE") == "1"


def plain(value: Any) -> Any:
    """A JSON-ready structure for any domain value."""
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, DomainError):
        return {
            "_error": type(value).__name__,
            "code": value.code,
            "status": value.status,
            "detail": value.detail,
            "errors": plain(value.errors),
            "extra": plain(value.extra),
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"_type": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = plain(getattr(value, f.name))
        event_type = getattr(type(value), "event_type", None)
        if isinstance(event_type, str):
            out["_event_type"] = event_type
        return out
    if isinstance(value, frozenset | set):
        return sorted((plain(v) for v in value), key=lambda v: json.dumps(v, ensure_ascii=False))
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    raise TypeError(f"cannot record {type(value).__name__}")


def line(record: Mapping[str, Any]) -> str:
    return json.dumps(plain(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compare(name: str, records: Iterable[Mapping[str, Any]]) -> None:
    """Compare the records with the golden file ``name`` byte for byte (or rewrite it when regenerating)."""
    text = "".join(line(r) + "\n" for r in records)
    path = GOLDEN / name
    packed = name.endswith(".xz")
    if REGENERATE:
        data = text.encode("utf-8")
        path.write_bytes(lzma.compress(data, preset=9) if packed else data)
        return
    raw = path.read_bytes()
    expected = (lzma.decompress(raw) if packed else raw).decode("utf-8")
    if text == expected:
        return
    diff = difflib.unified_diff(
        expected.splitlines(), text.splitlines(), "golden/" + name, "current", lineterm="", n=0
    )
    shown = "\n".join(list(diff)[:40])
    raise AssertionError(f"the output differs from golden/{name} (first differences):\n{shown}")
