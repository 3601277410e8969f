"""``append_many`` writes its entries from arrays on the driver connection and hashes each value without the
JSON round trip (issue #16 item 1, round six): the stored entries, their hashes and the chain are those the
round trip and SQLAlchemy's insert gave."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit
from services.common.db import create_engine, session_factory, transaction
from services.common.logs import request_id_var
from services.common.tables import audit_t
from tests.support.stack import Stack


class Kind(enum.Enum):
    RANDOM = "random"


#: Values an entry's ``before`` or ``after`` takes: keys out of order at every depth, Chinese text, dates and
#: ids (orjson writes them as strings), a Decimal and a set (``default=str``), an enum, floats, an integer
#: key (the round trip's ``OPT_NON_STR_KEYS``) and an integer key colliding with a string one (the round
#: trip keeps the last).
VALUES: list[Any] = [
    None,
    {},
    [],
    "已检查",
    3,
    {"z": 1, "a": {"y": [{"q": None, "b": True}], "c": "执法"}, "m": [3, 1.5, 0.1]},
    {
        "started_at": datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC),
        "day": date(2026, 3, 1),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "fine": Decimal("1500.50"),
        "tags": {"a"},
        "kind": Kind.RANDOM,
        "nan": float("nan"),
        "big": 10**18,
    },
    {1: "one", "b": {2: "two"}},
    {1: "int", "1": "str"},
]


def test_a_value_hashes_as_its_round_trip() -> None:
    for value in [*VALUES, [-0.0, 1e300, 2.5e-8, 1e16]]:  # (numbers jsonb rewrites: test_audit_numbers.py)
        text, hashed = audit._encoded(value)
        plain = audit._jsonable(value)
        assert orjson.loads(text) == plain
        fields: dict[str, Any] = {
            "seq": 7,
            "at": datetime(2026, 3, 1, 1, 2, 3, 4, tzinfo=UTC),
            "actor": "officer-1",
            "actor_role": "officer",
            "action": "visit.started.code",
            "entity_type": "visit",
            "entity_id": "v1",
            "request_id": None,
            "prev_hash": audit.GENESIS,
        }
        assert audit.entry_hash(**fields, before=hashed, after=hashed) == audit.entry_hash(
            **fields, before=plain, after=plain
        ), value


@pytest.fixture
async def factory(stack: Stack) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await stack.anew_database("penalty"), pool_size=4)
    yield session_factory(engine)
    await engine.dispose()


async def test_entries_appended_in_a_batch_are_those_the_round_trip_stored(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(factory) as s:  # one entry by ``append`` (SQLAlchemy's insert, the round trip)
        await audit.append(
            s, actor="u0", actor_role="officer", action="a", entity_type="t", entity_id="0", after=VALUES[5]
        )
    entries = [
        audit.AuditEntry("u1", "officer", "a", "t", str(i), before=v, after=VALUES[-1 - i], request_id=rid)
        for i, (v, rid) in enumerate(zip(VALUES, ["r1", None] * len(VALUES), strict=False))
    ]
    token = request_id_var.set("req-of-the-job")
    try:
        async with transaction(factory) as s:
            assert await audit.append_many(s, entries) == list(range(2, 2 + len(VALUES)))
        async with transaction(factory) as s:  # a failed round leaves nothing: the chain goes on from 10
            with pytest.raises(RuntimeError):
                async with s.begin_nested():
                    await audit.append_many(s, entries[:2])
                    raise RuntimeError("the round failed")
        async with transaction(factory) as s:
            assert await audit.append_many(s, entries[:1]) == [2 + len(VALUES)]
    finally:
        request_id_var.reset(token)
    async with transaction(factory) as s:
        rows = (await s.execute(sa.select(audit_t).order_by(audit_t.c.seq))).all()
        nulls = (
            await s.execute(
                sa.text(
                    "SELECT seq, jsonb_typeof(before), jsonb_typeof(after) FROM audit_entry WHERE seq IN (1, 2)"
                    " ORDER BY seq"
                )
            )
        ).all()
        report = await audit.verify(s)
    assert [r.seq for r in rows] == list(range(1, 3 + len(VALUES)))
    assert (report.valid, report.entries) == (True, 2 + len(VALUES))
    # None is stored as JSON null by both (append's first entry has no ``before``; the batch's first entry none)
    assert [tuple(n) for n in nulls] == [(1, "null", "object"), (2, "null", "object")]
    prev = rows[0].hash
    for row, entry in zip(rows[1:], [*entries, entries[0]], strict=True):
        before, after = audit._jsonable(entry.before), audit._jsonable(entry.after)
        assert (row.before, row.after) == (before, after)
        assert row.request_id == (entry.request_id or "req-of-the-job")
        assert row.prev_hash == prev
        # the old way's hash: the round trip's values, the stored instant and link
        assert row.hash == audit.entry_hash(
            seq=row.seq,
            at=row.at,
            actor=entry.actor,
            actor_role=entry.actor_role,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            before=before,
            after=after,
            request_id=row.request_id,
            prev_hash=prev,
        )
        prev = row.hash
    stamps = [r.at for r in rows]
    assert stamps == sorted(stamps)
