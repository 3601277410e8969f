"""Events the risk service consumes (its published contracts live in services/common/contracts/risk.py).

Every handler is idempotent (the inbox applies an event once per consumer, and each handler writes by a
natural key: case id, refusal id, visit id, publication id ...) and tolerant of order: penalty cases keep
the newest ``revision``, ratings the newest ``rated_at``, publications merge their start and end whichever
comes first. A signal about an enterprise reclassifies that enterprise at once (incremental update); the
daily job reclassifies everyone, because points decay with time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.clock import CHINA
from services.common.contracts import credit, inspection, penalty
from services.common.events import Envelope, Event
from services.common.inbox import Subscription
from services.risk import repository as repo
from services.risk import service
from services.risk.domain import refusals
from services.risk.domain.report import RiskConfigSet

# penalty contract tiers → the class scorer's tiers (不予处罚 is a decision that carries no class points)
TIERS = {"从重": "aggravated", "一般": "general", "从轻": "lenient", "减轻": "mitigated", "不予处罚": "none"}

Handler = Callable[[AsyncSession, Envelope, Event], Awaitable[None]]


async def _unit(session: AsyncSession, department_code: str, district_code: str | None) -> str:
    code = service.unit_code_for(department_code, district_code)
    row = service.unit_row(code)
    if district_code and row["district_code"] is None and code == department_code:
        row["district_code"] = district_code
    await repo.ensure_units(session, [row])
    return code


async def _reclassify(session: AsyncSession, config: RiskConfigSet, uscc: str | None) -> None:
    if uscc:
        await repo.ensure_enterprises(session, [uscc])
        await service.classify_enterprises(session, config=config, usccs=[uscc])


def subscriptions(config: RiskConfigSet) -> list[Subscription]:
    """The consumers this service runs (besides the kernel's diagnostic pings)."""

    async def case_opened(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty.CaseOpened)
        unit = await _unit(session, event.department_code, event.district_code)
        await repo.upsert_case_opened(
            session,
            {
                "case_id": event.case_id,
                "case_no": event.case_no,
                "unit_code": unit,
                "district_code": event.district_code,
                "domain": event.domain,
                "party_uscc": event.party_uscc,
            },
        )

    async def decision_issued(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty.DecisionIssued)
        unit = await _unit(session, event.department_code, event.district_code)
        await repo.upsert_case_issued(
            session,
            {
                "case_id": event.case_id,
                "decision_no": event.decision_no,
                "unit_code": unit,
                "district_code": event.district_code,
                "domain": event.domain,
                "party_uscc": event.party_uscc,
                "tier": TIERS[event.tier],
                "decided_on": event.decided_on,
                "outside_tier": event.outside_tier,
            },
            event.revision,
        )
        await _reclassify(session, config, event.party_uscc)

    async def decision_corrected(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty.DecisionRevoked | penalty.DecisionChanged)
        unit = await _unit(session, event.department_code, event.district_code)
        revoked = isinstance(event, penalty.DecisionRevoked)
        await repo.upsert_case_corrected(
            session,
            {
                "case_id": event.case_id,
                "decision_no": event.decision_no,
                "unit_code": unit,
                "district_code": event.district_code,
                "party_uscc": event.party_uscc,
                "correction_source": event.source,
            },
            status="revoked" if revoked else "changed",
            revision=event.revision,
            on=event.revoked_on if isinstance(event, penalty.DecisionRevoked) else event.changed_on,
        )
        await _reclassify(session, config, event.party_uscc)

    async def deadline_missed(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, penalty.DeadlineMissed)
        unit = await _unit(session, event.department_code, event.district_code)
        await repo.add_unit_signal(
            session,
            {
                "kind": "overdue_procedure",
                "ref": f"{event.case_id}:{event.deadline}",
                "unit_code": unit,
                "domain": None,  # resolved from risk_case when the report is built
                "case_id": event.case_id,
                "occurred_at": envelope.time,
                "occurred_on": event.detected_on,
                "detail": f"{_DEADLINES[event.deadline]}期限{event.due_on.isoformat()}已过",
            },
        )

    async def entry_refused(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, inspection.EntryRefused)
        if not event.department_code:
            return  # nobody to attribute it to (e.g. a forged code scanned by an unknown party)
        if not refusals.counts_against_unit(event.code, event.counts_against_unit):
            return  # the caller's own doing (a used code presented again, a code that does not verify)
        unit = await _unit(session, event.department_code, event.district_code)
        await repo.add_unit_signal(
            session,
            {
                "kind": "refused_entry",
                # one row per attempt and unit: a second refusal of the same attempt is absorbed
                "ref": refusals.attempt(event.refusal_id, event.attempt_ref),
                "unit_code": unit,
                "domain": repo.INSPECTION_DOMAIN,
                "occurred_at": event.refused_at,
                "occurred_on": event.refused_at.astimezone(CHINA).date(),
                "detail": f"{event.code}：{event.detail}"[:500],
            },
        )

    async def visit_rated(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, inspection.VisitRated)
        for department in sorted(set(event.department_codes)):
            unit = await _unit(session, department, event.district_code)
            await repo.add_unit_signal(
                session,
                {
                    "kind": "rating",
                    "ref": str(event.visit_id),
                    "unit_code": unit,
                    "domain": repo.INSPECTION_DOMAIN,
                    "occurred_at": event.rated_at,
                    "occurred_on": event.rated_at.astimezone(CHINA).date(),
                    "value": event.stars,
                    "detail": "、".join(event.tags)[:500],
                },
                keep_newest=True,
            )

    async def visit_completed(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, inspection.VisitCompleted)
        for department in sorted(set(event.department_codes)):
            unit = await _unit(session, department, event.district_code)
            await repo.add_unit_signal(
                session,
                {
                    "kind": "visit",
                    "ref": str(event.visit_id),
                    "unit_code": unit,
                    "domain": repo.INSPECTION_DOMAIN,
                    "occurred_at": event.completed_at,
                    "occurred_on": event.completed_at.astimezone(CHINA).date(),
                    "detail": f"{event.enterprise_uscc}（{event.task_kind}）",
                },
            )

    async def violation_found(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, inspection.ViolationFound)
        unit = await _unit(session, event.department_code, event.district_code)
        await repo.upsert_enterprise(
            session, uscc=event.enterprise_uscc, name=event.enterprise_name, district_code=None
        )
        await repo.add_violation(
            session,
            {
                "violation_id": event.violation_id,
                "uscc": event.enterprise_uscc,
                "unit_code": unit,
                "item_code": event.item_code,
                "found_on": event.found_at.astimezone(CHINA).date(),
            },
        )
        await _reclassify(session, config, event.enterprise_uscc)

    async def enterprise_registered(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, inspection.EnterpriseRegistered)
        await repo.upsert_enterprise(
            session, uscc=event.uscc, name=event.name, district_code=event.district_code
        )
        await _reclassify(session, config, event.uscc)

    async def publication_started(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, credit.PublicationStarted)
        if not event.party_uscc:
            return  # natural persons are not classified
        await repo.ensure_enterprises(session, [event.party_uscc])
        await repo.publication_started(
            session,
            {
                "publication_id": event.publication_id,
                "uscc": event.party_uscc,
                "case_id": event.case_id,
                "published_on": event.starts_on,
                "ends_on": event.ends_on,
            },
        )
        await _reclassify(session, config, event.party_uscc)

    async def publication_ended(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, credit.PublicationEnded)
        if not event.party_uscc:
            return
        await repo.ensure_enterprises(session, [event.party_uscc])
        await repo.publication_ended(
            session,
            {
                "publication_id": event.publication_id,
                "uscc": event.party_uscc,
                "case_id": event.case_id,
                "ended_at": event.ended_at,
                "withdrawn_on": event.ended_at.astimezone(CHINA).date(),
            },
        )
        await _reclassify(session, config, event.party_uscc)

    async def repair_completed(session: AsyncSession, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, credit.RepairCompleted)
        if not event.party_uscc:
            return
        await repo.ensure_enterprises(session, [event.party_uscc])
        await repo.add_repair(
            session,
            {
                "repair_id": event.repair_id,
                "uscc": event.party_uscc,
                "case_id": event.case_id,
                "completed_on": event.accepted_at.astimezone(CHINA).date(),
            },
        )
        await _reclassify(session, config, event.party_uscc)

    handlers: list[tuple[str, Any, Handler]] = [
        ("case-opened", penalty.CaseOpened, case_opened),
        ("decision-issued", penalty.DecisionIssued, decision_issued),
        ("decision-revoked", penalty.DecisionRevoked, decision_corrected),
        ("decision-changed", penalty.DecisionChanged, decision_corrected),
        ("deadline-missed", penalty.DeadlineMissed, deadline_missed),
        ("entry-refused", inspection.EntryRefused, entry_refused),
        ("visit-rated", inspection.VisitRated, visit_rated),
        ("visit-completed", inspection.VisitCompleted, visit_completed),
        ("violation-found", inspection.ViolationFound, violation_found),
        ("enterprise-registered", inspection.EnterpriseRegistered, enterprise_registered),
        ("publication-started", credit.PublicationStarted, publication_started),
        ("publication-ended", credit.PublicationEnded, publication_ended),
        ("repair-completed", credit.RepairCompleted, repair_completed),
    ]
    return [
        Subscription(name=name, subject=contract.TYPE, handler=handler)
        for name, contract, handler in handlers
    ]


_DEADLINES = {
    "decision": "作出处罚决定",
    "delivery": "送达",
    "publication": "公示",
    "payment": "缴纳罚款",
    "hearing": "听证",
}
