"""The sample activity `zhifa up` adds after the sample data (services/inspection/sample.py ``activity``): one
completed visit of the sample enterprise, made through the entry-code path, whose events the relay publishes
(tests/e2e/test_make_run.py shows them reaching the enterprise's notification log)."""

from __future__ import annotations

from services.common import sample_identities as ids
from services.common.db import create_engine, session_factory
from services.inspection import sample
from tests.support.outbox import envelopes
from tests.support.stack import Stack


async def test_one_completed_visit_of_the_sample_enterprise_staged_for_publication_once(stack: Stack) -> None:
    url = await stack.anew_sample_database("inspection")  # sample.load's data (the session's template)
    first, again = await sample.activity(url), await sample.activity(url)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        factory = session_factory(engine)
        started = await envelopes(factory, "inspection.visit.started", enterprise_uscc=ids.ENTERPRISE_USCC)
        completed = await envelopes(
            factory, "inspection.visit.completed", enterprise_uscc=ids.ENTERPRISE_USCC
        )
    finally:
        await engine.dispose()
    assert first.startswith("1 completed visit") and again == "sample visit present"
    assert len(started) == len(completed) == 1  # once: the second call found the visit
    assert started[0]["data"]["visit_id"] == completed[0]["data"]["visit_id"]
    assert started[0]["data"]["task_id"] == ids.KEY_AREA_TASK_ID
    assert sorted(started[0]["data"]["officer_cert_nos"]) == [ids.OFFICER_CERT_NO, ids.PARTNER_CERT_NO]
    assert completed[0]["data"]["outcomes"]["ordered_to_correct"] == 1
