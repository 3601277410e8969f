"""Events the inspection service consumes, declared where they are handled (what it publishes is built in
``events``).

The consumer names are the durable JetStream consumers (``inspection-<name>``) and the inbox keys: never
rename one (a new name replays the stream).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts.risk import EnterpriseClassified
from services.common.inbox import Consumers, Delivery
from services.inspection.settings import InspectionContext
from services.inspection.use_cases.registries import enterprises

consumers: Consumers[InspectionContext] = Consumers()


@consumers.consumes(EnterpriseClassified, name="enterprise-classified")
async def on_enterprise_classified(
    session: AsyncSession, event: EnterpriseClassified, delivery: Delivery[InspectionContext]
) -> None:
    """Keep the newest class per enterprise; an older revision arriving late changes nothing."""
    await enterprises.record_classification(
        session,
        uscc=event.uscc,
        risk_class=event.risk_class,
        previous_class=event.previous_class,
        score=event.score,
        reasons=list(event.reasons),
        classified_at=event.classified_at,
        revision=event.revision,
    )
