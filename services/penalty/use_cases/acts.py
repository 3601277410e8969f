"""Acts (行政处罚法 第二十九条): the violation as one act that cases refer to. A direct case creates its act or
names an existing one; a case confirmed from an inspection lead takes the act derived from the visit and the
finding (domain.acts.inspection_act_id) or names an existing one. A fine is decided only while no other
case's decided, not revoked fine stands on the act; one act under several provisions is assessed under
each and the provision with the higher fine governs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.access import scope_for
from services.common.auth import Principal
from services.penalty.domain import acts as da
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p
from services.penalty.errors import BenchmarkOtherDepartment
from services.penalty.models import CaseAct, PenaltyCase, ViolationAct
from services.penalty.repository import acts as repo
from services.penalty.schemas import acts as sa_
from services.penalty.settings import CatalogueSnapshot


@dataclass(frozen=True, slots=True)
class ActRef:
    """Which act a new case is about: an existing one named by the officer, else the derived id (a lead's),
    else a new act; with what the officer said of it."""

    named: uuid.UUID | None = None
    derived: uuid.UUID | None = None
    started_on: date | None = None
    ended_on: date | None = None
    place: str = ""
    facts_summary: str = ""
    visit_id: uuid.UUID | None = None

    @classmethod
    def of(
        cls, body: sa_.ActIn | None, *, derived: uuid.UUID | None = None, visit_id: uuid.UUID | None = None
    ) -> ActRef:
        if body is None:
            return cls(derived=derived, visit_id=visit_id)
        return cls(
            named=body.id,
            derived=derived,
            started_on=body.started_on,
            ended_on=body.ended_on,
            place=body.place.strip(),
            facts_summary=body.facts_summary.strip(),
            visit_id=visit_id,
        )


def _same_party(act: ViolationAct, row: PenaltyCase) -> bool:
    if act.party_uscc or row.party_uscc:
        return act.party_uscc == row.party_uscc
    return act.party_id_number is not None and act.party_id_number == row.party_id_number


async def attach(
    session: AsyncSession, *, row: PenaltyCase, ref: ActRef, principal: Principal, facts: str, place: str
) -> ViolationAct:
    """Link a newly filed case to its act, creating the act when it is new."""
    now = clock.now()
    da.check_span(ref.started_on, ref.ended_on, clock.today())
    act: ViolationAct | None = None
    if ref.named is not None:
        act = await repo.readable_act(session, scope_for(principal), ref.named)
        if act is None:
            raise da.ActNotFound.of(ref.named)
    elif ref.derived is not None:
        act = await repo.lock_act(session, ref.derived)
    if act is None:
        act = ViolationAct(
            id=ref.derived or uuid.uuid4(),
            dept_code=row.dept_code,
            district_code=row.district_code,
            party_kind=row.party_kind,
            party_name=row.party_name,
            party_uscc=row.party_uscc,
            party_id_number=row.party_id_number,
            place=ref.place or place,
            started_on=ref.started_on,
            ended_on=ref.ended_on,
            facts_summary=ref.facts_summary or facts,
            source=row.source,
            visit_id=ref.visit_id,
            created_by=principal.sub,
            created_at=now,
        )
        await repo.add_act(session, act)
    elif not _same_party(act, row):
        raise da.ActPartyMismatch(
            f"所指违法行为的当事人为{act.party_name}，与本案当事人{row.party_name}不一致",
            detail_en="The act named belongs to another party",
            extra={"act_id": str(act.id)},
        )
    await repo.link_case(session, CaseAct(case_id=row.id, act_id=act.id, provisions=[], linked_at=now))
    return act


async def refuse_second_fine(session: AsyncSession, *, row: PenaltyCase, penalty: p.Penalty) -> None:
    """第二十九条前段: before a decision (or a change) that fines, the act must have no other standing fine.

    The act row is locked first, so two cases of one act deciding at once are serialised and the second
    sees the first's fine."""
    link = await repo.case_act(session, row.id)
    if link is None or p.PenaltyKind.FINE not in penalty.kinds:
        return
    await repo.lock_act(session, link.act_id)
    prior = [
        da.PriorFine(c.case_id, c.decision_no or "", c.decided_on or clock.today(), c.fine_fen)
        for c in await repo.act_cases(session, link.act_id)
        if c.case_id != row.id and c.fine_fen is not None
    ]
    da.refuse_second_fine(fines=True, act_id=link.act_id, prior=prior)


async def governing_assessment(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    codes: Sequence[str],
    facts: d.Facts,
    assessment: d.Assessment,
    published: CatalogueSnapshot,
    today: date,
) -> d.Assessment:
    """第二十九条后段: assess the act under each further provision; the one with the higher fine governs and the
    others are recorded on the case's act as considered."""
    if not codes:
        return assessment
    name = published.version(assessment.code, assessment.version).violation_name
    assessed = [(assessment, name)]
    for code in codes:
        versions = published.of(code)
        if versions[-1].department_code != row.dept_code:
            raise BenchmarkOtherDepartment(
                f"裁量基准{code}属于{versions[-1].department_name}，不适用于本部门案件",
                detail_en=f"Benchmark {code} belongs to {versions[-1].department_name}, not to the case's "
                "department",
            )
        other = d.assess(facts, versions, today=today, config=published.config)
        assessed.append((other, published.version(other.code, other.version).violation_name))
    chosen, considered = da.governing(assessed)
    link = await repo.case_act(session, row.id)
    if link is not None:
        link.provisions = [asdict(c) for c in considered]
        await session.flush()
    return chosen


# --------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------


async def act_view(session: AsyncSession, *, act: ViolationAct) -> sa_.ActRead:
    """The act with every case about it and whether a fine stands on it."""
    cases = [
        sa_.ActCaseRead(
            case_id=c.case_id,
            case_no=c.case_no,
            state=c.state,
            department_code=c.dept_code,
            decision_no=c.decision_no,
            decided_on=c.decided_on,
            standing_fine_fen=c.fine_fen,
            provisions=[sa_.ProvisionRead.model_validate(x) for x in c.provisions],
        )
        for c in await repo.act_cases(session, act.id)
    ]
    return sa_.ActRead(
        id=act.id,
        department_code=act.dept_code,
        district_code=act.district_code,
        party_kind=act.party_kind,
        party_name=act.party_name,
        party_uscc=act.party_uscc,
        place=act.place,
        started_on=act.started_on,
        ended_on=act.ended_on,
        facts_summary=act.facts_summary,
        source=act.source,
        visit_id=act.visit_id,
        created_at=act.created_at,
        fined=any(c.standing_fine_fen is not None for c in cases),
        cases=cases,
    )


async def case_act_view(session: AsyncSession, *, row: PenaltyCase) -> sa_.ActRead:
    """The act the case is about (a case imported from a former system may have none)."""
    link = await repo.case_act(session, row.id)
    act = await repo.act_by_id(session, link.act_id) if link else None
    if act is None:
        raise da.ActNotFound(
            "本案未关联违法行为（自原办案系统导入的案件）",
            detail_en="The case refers to no act (imported from a former case system)",
        )
    return await act_view(session, act=act)
