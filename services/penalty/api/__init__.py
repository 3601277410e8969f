"""HTTP routes of the penalty service, one module per topic: thin — validate, call one use case, return its
view. This module assembles them under the service's two prefixes."""

from __future__ import annotations

from fastapi import APIRouter

from services.penalty.api import (
    acts,
    cases,
    catalogue,
    collections,
    consistency,
    disclosure,
    documents,
    enforcement,
    follow_ups,
    imports,
    leads,
    ledgers,
)

router = APIRouter(prefix="/api/v1/penalty", tags=["penalty"])
public_router = APIRouter(prefix="/public/penalty", tags=["penalty: public"])

for _topic in (catalogue, leads, cases, disclosure, documents, consistency, imports):
    router.include_router(_topic.router)
# after the decision: deferral and instalments, enforcement (issue #17)
router.include_router(enforcement.router)
# issue #17: one act, one fine (行政处罚法 第二十九条); on-the-spot collection (第六十八条–第七十一条)
router.include_router(acts.router)
router.include_router(collections.router)
# 台账 exports (issue #15)
router.include_router(ledgers.router)
public_router.include_router(catalogue.public_router)
public_router.include_router(disclosure.public_router)
# issue #14 item 6: 责令改正 follow-ups of decisions (第二十八条第一款)
router.include_router(follow_ups.router)
