"""``outbox.insert_one_sql`` (issue #16: the check-in stages one event): the row it writes from ``row_values`` is
the row ``insert_sql`` writes from ``row_arrays`` of the same envelope, column for column, and its ``where``
holds it back as ``insert_sql``'s does."""

from __future__ import annotations

import json
import uuid

import asyncpg

from services.common import db, outbox
from services.common.contracts.diagnostics import PINGS
from services.common.events import make_envelope
from tests.support.stack import Stack

COLUMNS = "type, version, subject, published_at, attempts, last_error"


async def test_one_row_is_written_as_the_arrays_write_it(stack: Stack) -> None:
    url = await stack.anew_database("inspection")
    conn = await asyncpg.connect(db.plain_dsn(url))
    try:
        ping = PINGS["inspection"](ping_id=uuid.uuid4(), origin="inspection", note='引号 " 与 \\ 反斜杠')
        first = make_envelope(ping, source="inspection", request_id="r-1")
        second = first.model_copy(update={"id": uuid.uuid4()})  # the same event under another id
        await conn.execute(f"WITH w AS ({outbox.insert_sql(1)}) SELECT 1", *outbox.row_arrays([first]))
        await conn.execute(f"WITH w AS ({outbox.insert_one_sql(1)}) SELECT 1", *outbox.row_values(second))
        # a condition that does not hold writes nothing, as with the arrays
        held_back = outbox.insert_one_sql(1, where="WHERE false")
        await conn.execute(
            f"WITH w AS ({held_back}) SELECT 1",
            *outbox.row_values(second.model_copy(update={"id": uuid.uuid4()})),
        )
        rows = await conn.fetch(f"SELECT id, envelope::text, {COLUMNS} FROM outbox ORDER BY seq")
        assert [r["id"] for r in rows] == [first.id, second.id]
        assert [json.loads(r["envelope"]) for r in rows] == [
            json.loads(e.model_dump_json()) for e in (first, second)
        ]
        assert [r[2:] for r in rows] == [
            ("inspection.diagnostic.ping", 1, str(ping.ping_id), None, 0, None)
        ] * 2
    finally:
        await conn.close()
