"""What the events of the other services mean to risk: projected cases, unit signals and enterprise signals.

Each use case is idempotent (the consumer's inbox applies an event once, and each write is keyed by the
event's natural key: case id, refusal attempt, visit id, publication id ...) and tolerant of order: cases keep
the newest ``revision``, ratings the newest ``rated_at``, publications merge their start and end whichever
comes first. A signal about an enterprise reclassifies that enterprise at once (the incremental update); the
daily job reclassifies everyone, because points decay with time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.clock import local_date
from services.common.contracts import credit, inspection, penalty
from services.risk.domain import refusals
from services.risk.domain.report import INSPECTION_DOMAIN, RiskConfigSet
from services.risk.errors import RiskConfigNotInEffect
from services.risk.repository import classes as class_repo
from services.risk.repository import signals as signal_repo
from services.risk.use_cases import units
from services.risk.use_cases.classes import reclassify

# penalty contract tiers → the class scorer's tiers (不予处罚 is a decision that carries no class points)
TIERS = {"从重": "aggravated", "一般": "general", "从轻": "lenient", "减轻": "mitigated", "不予处罚": "none"}

# The procedure deadlines penalty reports as missed (penalty.deadline.missed), as the drill-down names them.
DEADLINES = {
    "decision": "作出处罚决定",
    "delivery": "送达",
    "publication": "公示",
    "payment": "缴纳罚款",
    "hearing": "听证",
}

# --------------------------------------------------------------------------------------------------- penalty


async def case_opened(session: AsyncSession, event: penalty.CaseOpened) -> None:
    """A penalty case was opened: project it (its decision, if any, may have arrived first)."""
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.upsert_case_opened(
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


async def decision_issued(
    session: AsyncSession, event: penalty.DecisionIssued, *, config: RiskConfigSet
) -> None:
    """A decision counts for its unit's quarter and, with its tier, for the party's class."""
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.upsert_case_issued(
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
            "benchmark_code": event.benchmark_code,
        },
        event.revision,
    )
    await reclassify(session, uscc=event.party_uscc, config=config)


async def decision_corrected(
    session: AsyncSession, event: penalty.DecisionRevoked | penalty.DecisionChanged, *, config: RiskConfigSet
) -> None:
    """A decision revoked, confirmed illegal or void, or changed: the newest revision decides the case's status
    (a revocation's ``outcome``) and the party's class (the first three weigh nothing on it)."""
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.upsert_case_corrected(
        session,
        {
            "case_id": event.case_id,
            "decision_no": event.decision_no,
            "unit_code": unit,
            "district_code": event.district_code,
            "party_uscc": event.party_uscc,
            "correction_source": event.source,
        },
        status=event.outcome if isinstance(event, penalty.DecisionRevoked) else "changed",
        revision=event.revision,
        on=event.revoked_on if isinstance(event, penalty.DecisionRevoked) else event.changed_on,
    )
    await reclassify(session, uscc=event.party_uscc, config=config)


async def deadline_missed(session: AsyncSession, event: penalty.DeadlineMissed, *, at: datetime) -> None:
    """A procedure deadline was missed: one overdue procedure of the unit (its domain is the case's).

    Not the last day to pay: 行政处罚法 第六十七条第三款 puts the fifteen days on the party ("当事人应当自收到行政
    处罚决定书之日起十五日内……缴纳罚款"), so a late payment is the party's default, not a procedure the unit
    let run over; what the unit then owes (催告, the court within 行政强制法 第五十三条's window) is counted when it
    lapses (``enforcement_window_missed``)."""
    if event.deadline == "payment":
        return
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.add_unit_signal(
        session,
        {
            "kind": "overdue_procedure",
            "ref": f"{event.case_id}:{event.deadline}",
            "unit_code": unit,
            "domain": None,  # resolved from risk_case when the report is built
            "case_id": event.case_id,
            "occurred_at": at,
            "occurred_on": event.detected_on,
            "detail": f"{DEADLINES[event.deadline]}期限{event.due_on.isoformat()}已过",
        },
    )


async def enforcement_window_missed(
    session: AsyncSession, event: penalty.EnforcementWindowMissed, *, at: datetime, config: RiskConfigSet
) -> None:
    """The three months to apply to the court for enforcement ran out unused (行政强制法 第五十三条): counted
    with the unit's overdue procedures (程序超期), once per case, weighted by the configuration version in effect
    on the day it was detected (``report.enforcement_window_weight``; the signal keeps the weight as its value)."""
    try:
        weight = config.in_effect(event.detected_on).report.enforcement_window_weight
    except RiskConfigNotInEffect:
        weight = 1
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.add_unit_signal(
        session,
        {
            "kind": "overdue_procedure",
            "ref": f"{event.case_id}:enforcement_window",
            "unit_code": unit,
            "domain": None,  # resolved from risk_case when the report is built
            "case_id": event.case_id,
            "occurred_at": at,
            "occurred_on": event.detected_on,
            "value": weight,
            "detail": f"申请人民法院强制执行期限{event.window_closed_on.isoformat()}已届满而未申请"
            "（《中华人民共和国行政强制法》第五十三条）",
        },
    )


# --------------------------------------------------------------------------------------------------- inspection


async def entry_refused(session: AsyncSession, event: inspection.EntryRefused) -> None:
    """A refused entry counts against the unit once per attempt, unless it was the caller's own doing."""
    if not event.department_code:
        return  # nobody to attribute it to (e.g. a forged code scanned by an unknown party)
    if not refusals.counts_against_unit(event.code, event.counts_against_unit):
        return  # the caller's own doing (a used code presented again, a code that does not verify)
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.add_unit_signal(
        session,
        {
            "kind": "refused_entry",
            # one row per attempt and unit: a second refusal of the same attempt is absorbed
            "ref": refusals.attempt(event.refusal_id, event.attempt_ref),
            "unit_code": unit,
            "domain": INSPECTION_DOMAIN,
            "occurred_at": event.refused_at,
            "occurred_on": local_date(event.refused_at),
            "detail": f"{event.code}：{event.detail}"[:500],
        },
    )


async def visit_rated(session: AsyncSession, event: inspection.VisitRated) -> None:
    """An enterprise rated a visit: one rating per visit and participating unit, the newest kept."""
    for department in sorted(set(event.department_codes)):
        unit = await units.of_event(session, department, event.district_code)
        await signal_repo.add_unit_signal(
            session,
            {
                "kind": "rating",
                "ref": str(event.visit_id),
                "unit_code": unit,
                "domain": INSPECTION_DOMAIN,
                "occurred_at": event.rated_at,
                "occurred_on": local_date(event.rated_at),
                "value": event.stars,
                "detail": "、".join(event.tags)[:500],
            },
            keep_newest=True,
        )


async def visit_completed(session: AsyncSession, event: inspection.VisitCompleted) -> None:
    """A completed visit is evidence in the drill-down of each participating unit."""
    for department in sorted(set(event.department_codes)):
        unit = await units.of_event(session, department, event.district_code)
        await signal_repo.add_unit_signal(
            session,
            {
                "kind": "visit",
                "ref": str(event.visit_id),
                "unit_code": unit,
                "domain": INSPECTION_DOMAIN,
                "occurred_at": event.completed_at,
                "occurred_on": local_date(event.completed_at),
                "detail": f"{event.enterprise_uscc}（{event.task_kind}）",
            },
        )


async def violation_found(
    session: AsyncSession, event: inspection.ViolationFound, *, config: RiskConfigSet
) -> None:
    """An inspection finding counts for the enterprise's class."""
    unit = await units.of_event(session, event.department_code, event.district_code)
    await class_repo.upsert_enterprise(
        session, uscc=event.enterprise_uscc, name=event.enterprise_name, district_code=None
    )
    await signal_repo.add_violation(
        session,
        violation_id=event.violation_id,
        uscc=event.enterprise_uscc,
        unit_code=unit,
        item_code=event.item_code,
        found_on=local_date(event.found_at),
    )
    await reclassify(session, uscc=event.enterprise_uscc, config=config)


async def enterprise_registered(
    session: AsyncSession, event: inspection.EnterpriseRegistered, *, config: RiskConfigSet
) -> None:
    """A new enterprise joins the classified universe (class A until a signal says otherwise)."""
    await class_repo.upsert_enterprise(
        session, uscc=event.uscc, name=event.name, district_code=event.district_code
    )
    await reclassify(session, uscc=event.uscc, config=config)


# --------------------------------------------------------------------------------------------------- credit


async def publication_started(
    session: AsyncSession, event: credit.PublicationStarted, *, config: RiskConfigSet
) -> None:
    """A penalty published on the credit platform counts for the enterprise's class while it is shown."""
    if not event.party_uscc:
        return  # natural persons are not classified
    await class_repo.ensure_enterprises(session, [event.party_uscc])
    await signal_repo.publication_started(
        session,
        publication_id=event.publication_id,
        uscc=event.party_uscc,
        case_id=event.case_id,
        published_on=event.starts_on,
        ends_on=event.ends_on,
    )
    await reclassify(session, uscc=event.party_uscc, config=config)


async def publication_ended(
    session: AsyncSession, event: credit.PublicationEnded, *, config: RiskConfigSet
) -> None:
    """A publication withdrawn (at its end or after a repair) stops counting from that day."""
    if not event.party_uscc:
        return
    await class_repo.ensure_enterprises(session, [event.party_uscc])
    await signal_repo.publication_ended(
        session,
        publication_id=event.publication_id,
        uscc=event.party_uscc,
        case_id=event.case_id,
        ended_at=event.ended_at,
        withdrawn_on=local_date(event.ended_at),
    )
    await reclassify(session, uscc=event.party_uscc, config=config)


async def repair_completed(
    session: AsyncSession, event: credit.RepairCompleted, *, config: RiskConfigSet
) -> None:
    """A completed credit repair lowers the enterprise's score."""
    if not event.party_uscc:
        return
    await class_repo.ensure_enterprises(session, [event.party_uscc])
    await signal_repo.add_repair(
        session,
        repair_id=event.repair_id,
        uscc=event.party_uscc,
        case_id=event.case_id,
        completed_on=local_date(event.accepted_at),
    )
    await reclassify(session, uscc=event.party_uscc, config=config)


# --------------------------------------------------------------------------------------------------- follow-ups


async def follow_up_overdue(
    session: AsyncSession, event: inspection.CorrectionFollowUpOverdue, *, at: datetime
) -> None:
    """An order to correct still unchecked after its deadline (issue #14 item 6): one overdue follow-up of the
    unit, once per follow-up, in the quarter it was detected (以罚代管, 辽政办发〔2023〕18号 二(二)9)."""
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.add_unit_signal(
        session,
        {
            "kind": "overdue_follow_up",
            "ref": str(event.follow_up_id),
            "unit_code": unit,
            "domain": INSPECTION_DOMAIN,
            "occurred_at": at,
            "occurred_on": event.detected_on,
            "detail": f"责令改正（{event.item_code}，{event.enterprise_uscc}）改正期限{event.due_on.isoformat()}"
            "已过，未复查",
        },
    )


async def penalty_follow_up_overdue(
    session: AsyncSession, event: penalty.CorrectionFollowUpOverdue, *, at: datetime
) -> None:
    """An order to correct of a penalty decision (行政处罚法 第二十八条第一款) still unchecked after its deadline
    (issue #14 item 6): the same overdue follow-up of the unit as an inspection's, once per follow-up."""
    unit = await units.of_event(session, event.department_code, event.district_code)
    await signal_repo.add_unit_signal(
        session,
        {
            "kind": "overdue_follow_up",
            "ref": str(event.follow_up_id),
            "unit_code": unit,
            "domain": None,  # resolved from risk_case when the report is built
            "case_id": event.case_id,
            "occurred_at": at,
            "occurred_on": event.detected_on,
            "detail": f"处罚决定（{event.decision_no}）责令限期改正，改正期限{event.due_on.isoformat()}已过，未复查"
            "（《中华人民共和国行政处罚法》第二十八条第一款）",
        },
    )
