"""Helpers of the examiner's credit repair cases. Decisions reach the service the only way they can, as
``penalty.decision.issued`` (and revoked / paid) events on JetStream, published as the penalty service's relay
publishes them; everything is then judged by what the HTTP API answers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from services.common import clock
from services.common.contracts import penalty as pc
from tests.credit_repair.conftest import Credit
from tests.credit_repair.helpers import ADMIN, publish
from tests.support.contracts import decision_issued, fine_paid
from tests.support.stack import client, wait_for

API = "/api/v1/credit"
FEN = 1
YUAN = 100
# The examiner's day: Monday 2026-12-07 (a working day), 10:00 in China.
TODAY = date(2026, 12, 7)


def pin(day: date = TODAY, hour: int = 10) -> None:
    """Make the service clock (same process) read ``day`` at ``hour`` o'clock in China."""
    clock.set_offset(datetime.combine(day, time(hour), tzinfo=clock.CHINA) - datetime.now(UTC))


def zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


async def record_of(credit: Credit, case_id: uuid.UUID, revision: int | None = None) -> dict[str, Any]:
    """The credit record of the case as an administrator reads it (waiting for the event to be consumed)."""
    async with client(credit.base, headers=ADMIN) as http:

        async def found() -> Any:
            r = await http.get(f"{API}/records", params={"case_id": str(case_id)})
            assert r.status_code == 200, r.text
            items = r.json()["items"]
            if revision is not None:
                items = [i for i in items if i.get("revision") == revision]
            return items[-1] if items else None

        return dict(await wait_for(found))


async def decide(credit: Credit, *, pay: bool = False, **kw: Any) -> tuple[pc.DecisionIssued, dict[str, Any]]:
    """A decision published on the bus (a benchmark code of its own unless told), and its credit record."""
    kw.setdefault("benchmark_code", f"SY-SJ-{uuid.uuid4().hex[:6]}")
    d = decision_issued(**kw)
    await publish(credit.js, d)
    record = await record_of(credit, d.case_id)
    if pay:
        await paid(credit, d)
        record = await record_of(credit, d.case_id)
    return d, record


async def paid(credit: Credit, d: pc.DecisionIssued, fine_fen: int | None = None) -> None:
    """The fine of ``d`` paid (all of it unless told), as penalty.fine.paid; waits until the record shows it."""
    event = fine_paid(d, fine_fen=fine_fen, fully_performed=fine_fen is None or fine_fen >= d.fine_fen)
    await publish(credit.js, event)

    async def shown() -> Any:
        record = await record_of(credit, d.case_id)
        return record if record.get("paid_fen", record.get("fine_paid_fen")) == event.fine_fen else None

    await wait_for(shown)


def publication(record: dict[str, Any]) -> dict[str, Any] | None:
    pub = record.get("publication")
    return dict(pub) if pub else None
