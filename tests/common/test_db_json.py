"""The engine's JSON serialiser (jsonb columns): values read from the database go back into jsonb as they
are (issue #11, item 2: asyncpg's own UUID class made ``orjson`` refuse a report snapshot)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from services.common.db import create_engine, json_dumps
from tests.support.stack import Stack


async def test_values_read_from_postgres_are_written_back_into_jsonb(stack: Stack) -> None:
    url = await stack.anew_database("risk", migrated=False)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    table = sa.Table(
        "doc", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.JSON)
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE doc (id int PRIMARY KEY, body jsonb NOT NULL)"))
            row = (
                await conn.execute(
                    sa.text(
                        "SELECT CAST('6f9c3c1e-2b7a-4d55-9a4e-5a1d6b7e2026' AS uuid) AS id, "
                        "CAST('12.30' AS numeric) AS amount, DATE '2026-10-01' AS day"
                    )
                )
            ).one()
            assert type(row.id) is not uuid.UUID  # asyncpg's subclass: what orjson refused
            await conn.execute(
                sa.insert(table).values(id=1, body={"id": row.id, "amount": row.amount, "day": row.day})
            )
            stored = await conn.scalar(sa.select(table.c.body).where(table.c.id == 1))
    finally:
        await engine.dispose()
    assert stored == {"id": "6f9c3c1e-2b7a-4d55-9a4e-5a1d6b7e2026", "amount": "12.30", "day": "2026-10-01"}


def test_a_value_without_a_json_form_is_still_refused() -> None:
    assert json_dumps({"id": uuid.UUID(int=1), "n": Decimal("1.5")}) == (
        '{"id":"00000000-0000-0000-0000-000000000001","n":"1.5"}'
    )
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_dumps({"x": object()})
