"""The audit chain verifies whatever numbers an entry carries: the value an entry's hash is computed over is
the value ``verify`` reads back from the jsonb column, so no number raises a false tamper alarm (nor lets a
department poison its own chain on purpose), and no number makes ``append`` raise.

PostgreSQL's jsonb keeps numbers as ``numeric`` and prints them in plain digits; the engine reads them back
with ``orjson.loads`` (``services/common/db.py``, ``json_deserializer``), which gives an ``int`` for plain
digits within 64 bits and a ``float`` beyond. What the real PostgreSQL here does with each value (checked
with ``SELECT CAST(:text AS jsonb)::text`` before the fix):

- ``-0.0``: orjson writes ``-0.0``, jsonb prints ``0.0`` (numeric has no negative zero): reads back ``0.0``;
- ``1e16``: orjson writes ``1e+16``, jsonb prints ``10000000000000000``: reads back the int;
- ``1.2345678901234568e17``: jsonb prints ``123456789012345680``: the int;
- ``1e19`` (< 2**64): jsonb prints ``10000000000000000000``: the int;
- ``1e20``, ``1e300``, ``-1e19``: plain digits beyond 64 bits, orjson reads the same float: unchanged;
- ``1.5e-7``: jsonb prints ``0.00000015``, orjson reads the same float: unchanged;
- ints beyond 64 bits (``2**64``, ``-2**63 - 1``): orjson cannot write them at all (``TypeError``).
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit
from services.common.db import create_engine, session_factory, transaction
from services.common.tables import audit_t
from tests.support.stack import Stack

NAN, INF = float("nan"), float("inf")

#: (value put in ``after``, the value the entry must read back as), the second worked out by hand from what
#: jsonb prints (module docstring) and what orjson reads from it.
CASES: dict[str, tuple[Any, Any]] = {
    "negative zero": ({"v": -0.0}, {"v": 0.0}),
    "negative zero alone": (-0.0, 0.0),
    "1e16": ({"v": 1e16}, {"v": 10_000_000_000_000_000}),  # 1 × 10^16: 17 digits, an int
    "1e16 alone": (1e16, 10_000_000_000_000_000),
    "-1e16": ({"v": -1e16}, {"v": -10_000_000_000_000_000}),
    # 1.2345678901234568 × 10^17 = 123456789012345680 (< 2**63 = 9223372036854775808)
    "1.2345678901234568e17": ({"v": 1.2345678901234568e17}, {"v": 123_456_789_012_345_680}),
    # 10^19 = 10000000000000000000 < 2**64 = 18446744073709551616: orjson reads it as an int
    "1e19": ({"v": 1e19}, {"v": 10_000_000_000_000_000_000}),
    # 10^20 > 2**64: orjson reads the plain digits as the same float
    "1e20": ({"v": 1e20}, {"v": 1e20}),
    "1e300": ({"v": 1e300}, {"v": 1e300}),
    # -10^19 < -2**63 = -9223372036854775808: the same float
    "-1e19": ({"v": -1e19}, {"v": -1e19}),
    "1.5e-7": ({"v": 1.5e-7}, {"v": 1.5e-7}),
    # ints orjson cannot write (beyond [-2**63, 2**64 - 1]): their decimal text
    "2**64": ({"v": 2**64}, {"v": "18446744073709551616"}),
    "-2**63 - 1": ({"v": -(2**63) - 1}, {"v": "-9223372036854775809"}),
    "2**64 - 1": ({"v": 2**64 - 1}, {"v": 18_446_744_073_709_551_615}),  # fits: an int, as before
    "nan and inf": ({"v": [NAN, INF, -INF]}, {"v": [None, None, None]}),  # orjson writes null
    "decimals": ({"v": [Decimal("1E+16"), Decimal("-0.0")]}, {"v": ["1E+16", "-0.0"]}),  # default=str
    "nested": (
        {"a": [-0.0, {"b": 1e16, "c": (2**70,)}], "d": {"e": [1.5, 1e19]}},
        {"a": [0.0, {"b": 10**16, "c": ["1180591620717411303424"]}], "d": {"e": [1.5, 10**19]}},
    ),
    # keys that are not strings become their text (OPT_NON_STR_KEYS); a key beyond 64 bits too
    "non-string keys": (
        {1e16: -0.0, -0.0: 1e16, 2**70: 2**64, 3: [1e16]},
        {"1e+16": 0.0, "-0.0": 10**16, "1180591620717411303424": "18446744073709551616", "3": [10**16]},
    ),
}


#: An entry of ordinary values: floats written in plain digits, a small float in exponent form and a float
#: beyond 64 bits (both read back as themselves), ints, Chinese text, a date, a time, an id, a Decimal.
ORDINARY: dict[str, Any] = {
    "fine_fen": 150_000,
    "rate": 0.25,
    "score": [4.5, 100.0, 0.1, 1e15],
    "tiny": 1.5e-7,
    "huge": 1e300,
    "big": 10**18,
    "text": "责令改正",
    "day": date(2026, 3, 1),
    "at": datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "amount": Decimal("1500.50"),
    "none": None,
    "flag": True,
}

#: ``entry_hash`` of ``ORDINARY`` through ``append``'s and ``append_many``'s paths, computed with main's code
#: (ff28fb0) before the canonicalisation was added: every existing chain's hashes stay valid.
ORDINARY_HASH = "f4b6257b1c1658b88776293f28d5cc34866458ff0ce0c08378c3b659246f6e2f"


CASES["ordinary values"] = (
    ORDINARY,
    {
        **{
            k: ORDINARY[k]
            for k in ("fine_fen", "rate", "score", "tiny", "huge", "big", "text", "none", "flag")
        },
        "day": "2026-03-01",
        "at": "2026-03-01T09:30:00.123456+00:00",
        "id": "12345678-1234-5678-1234-567812345678",
        "amount": "1500.50",
    },
)


@pytest.fixture(scope="module")
async def factory(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """One chain for the module; each test verifies its own entries (``verify(after=...)``)."""
    engine = create_engine(await stack.anew_database("penalty"), pool_size=2)
    yield session_factory(engine)
    await engine.dispose()


async def _tail(s: AsyncSession) -> tuple[int, str]:
    last = (await s.execute(sa.select(audit_t.c.seq, audit_t.c.hash).order_by(audit_t.c.seq.desc()))).first()
    return (last.seq, last.hash) if last is not None else (0, audit.GENESIS)


def _same(got: Any, expected: Any) -> bool:
    """Equal, of the same types at every depth, and no negative zero (``-0.0 == 0.0``)."""
    if type(got) is not type(expected):
        return False
    if isinstance(got, dict):
        return set(got) == set(expected) and all(_same(got[k], expected[k]) for k in got)
    if isinstance(got, list):
        return len(got) == len(expected) and all(_same(a, b) for a, b in zip(got, expected, strict=True))
    if isinstance(got, float):
        return got == expected and math.copysign(1, got) == math.copysign(1, expected)
    return bool(got == expected)


@pytest.mark.parametrize("name", list(CASES))
class TestAnyNumberVerifies:
    async def test_append(self, factory: async_sessionmaker[AsyncSession], name: str) -> None:
        value, expected = CASES[name]
        async with transaction(factory) as s:
            start = await _tail(s)
            seq = await audit.append(
                s, actor="u1", actor_role="officer", action="a", entity_type="t", entity_id=name, after=value
            )
        async with transaction(factory) as s:
            stored = (await s.execute(sa.select(audit_t.c.after).where(audit_t.c.seq == seq))).scalar_one()
            report = await audit.verify(s, after=start)
        assert (report.valid, report.entries, report.reason) == (True, 1, None)
        assert _same(stored, expected), stored

    async def test_append_many(self, factory: async_sessionmaker[AsyncSession], name: str) -> None:
        value, expected = CASES[name]
        async with transaction(factory) as s:
            start = await _tail(s)
            seqs = await audit.append_many(
                s,
                [
                    audit.AuditEntry("u1", "officer", "a", "t", name, after=value),
                    audit.AuditEntry("u1", "officer", "a", "t", name, before=value, after={"ok": 1}),
                ],
            )
        async with transaction(factory) as s:
            rows = (
                await s.execute(
                    sa.select(audit_t.c.before, audit_t.c.after)
                    .where(audit_t.c.seq.in_(seqs))
                    .order_by(audit_t.c.seq)
                )
            ).all()
            report = await audit.verify(s, after=start)
        assert (report.valid, report.entries, report.reason) == (True, 2, None)
        assert _same(rows[0].after, expected), rows[0].after
        assert _same(rows[1].before, expected), rows[1].before


class TestExistingHashesStay:
    def test_ordinary_values_hash_as_before(self) -> None:
        fields: dict[str, Any] = {
            "seq": 42,
            "at": datetime(2026, 3, 1, 1, 2, 3, 4, tzinfo=UTC),
            "actor": "辽A-0012340",
            "actor_role": "officer",
            "action": "case.update",
            "entity_type": "case",
            "entity_id": "c1",
            "request_id": "r1",
            "prev_hash": "ab" * 32,
        }
        by_append = audit._jsonable(ORDINARY)
        by_batch = audit._encoded(ORDINARY)[1]
        assert audit.entry_hash(**fields, before=None, after=by_append) == ORDINARY_HASH
        assert audit.entry_hash(**fields, before=None, after=by_batch) == ORDINARY_HASH

    def test_a_value_without_exponents_takes_the_fast_path(self) -> None:
        """``append_many`` hashes such a value itself, without the JSON round trip (issue #16 item 1)."""
        plain = {k: v for k, v in ORDINARY.items() if k not in ("tiny", "huge")}
        assert audit._encoded(plain)[1] is plain
        # text that only looks like such a number, inside strings, takes the round trip and keeps its value
        looks = {"note": "比例:1e5,-0.0", "items": ["[1e5"]}
        assert audit._encoded(looks)[1] == looks


class TestTheFastPathMissesNoNumber:
    def test_random_values_hash_as_their_canonical_round_trip(self) -> None:
        """``append_many``'s fast path hashes a value itself only when ``append``'s canonical round trip would
        hash the same bytes: random nests of the numbers above, ordinary ones and strings that look like them."""
        rng = random.Random(20261207)
        numbers = [-0.0, 0.0, 1e16, -1e16, 1.2345678901234568e17, 1e19, 1e20, 1e300, 1.5e-7, 4.5, 10**18, 7]
        texts = [
            "1e+16",
            "-0.0",
            ":1e+5",
            "a,-0.0]",
            "[2e+3",
            "x-0.05",
            "5a3e8f2c-7b1d",
            "2026-03-01T09:30:00+00:00",
        ]

        def value(depth: int) -> Any:
            pick = rng.random()
            if depth < 3 and pick < 0.25:
                return {
                    rng.choice(texts + ["k", "v"]) + str(i): value(depth + 1)
                    for i in range(rng.randint(0, 4))
                }
            if depth < 3 and pick < 0.4:
                return [value(depth + 1) for _ in range(rng.randint(0, 4))]
            if pick < 0.7:
                return rng.choice(numbers) * rng.choice([1, -1, 1.0])
            return rng.choice(texts)

        fields: dict[str, Any] = {
            "seq": 1,
            "at": datetime(2026, 3, 1, tzinfo=UTC),
            "actor": "u",
            "actor_role": "officer",
            "action": "a",
            "entity_type": "t",
            "entity_id": "e",
            "request_id": None,
            "prev_hash": audit.GENESIS,
        }
        for _ in range(3000):
            v = value(0)
            hashed = audit._encoded(v)[1]
            assert audit.entry_hash(**fields, before=None, after=hashed) == audit.entry_hash(
                **fields, before=None, after=audit._jsonable(v)
            ), v
