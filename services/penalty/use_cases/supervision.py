"""Supervision matters on cases (issue #14): risk's 监督意见书, 纠错通知书 and 提级办理 on a penalty case, kept from
risk.supervision.matter_opened / matter_closed (and matter_deadline_set: a pending deadline computed). While one is open the case cannot close (结案): the unit
answers the matter and the supervisor closes it first."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.contracts import risk as risk_contracts
from services.penalty.errors import CaseUnderSupervision
from services.penalty.models import CaseSupervisionMatter, PenaltyCase
from services.penalty.repository import supervision as repo

KIND_LABELS = {"opinion": "监督意见书", "correction": "纠错通知书", "escalation": "提级办理决定书"}


def _values(
    event: risk_contracts.SupervisionMatterOpened
    | risk_contracts.SupervisionMatterClosed
    | risk_contracts.SupervisionMatterDeadlineSet,
) -> dict[str, object]:
    return {
        "matter_id": event.matter_id,
        "case_id": event.target_id,
        "kind": event.kind,
        "document_no": event.document_no,
        "unit_code": event.unit_code,
        "due_on": event.due_on,
    }


async def record_opened(session: AsyncSession, event: risk_contracts.SupervisionMatterOpened) -> None:
    """A matter opened on a case (other targets are not penalty's)."""
    if event.target_kind == "case":
        await repo.record_opened(session, {**_values(event), "opened_at": event.opened_at})


async def record_closed(session: AsyncSession, event: risk_contracts.SupervisionMatterClosed) -> None:
    if event.target_kind == "case":
        await repo.record_closed(session, {**_values(event), "closed_at": event.closed_at})


async def record_deadline(session: AsyncSession, event: risk_contracts.SupervisionMatterDeadlineSet) -> None:
    """A pending deadline computed in risk once its year was entered (it may arrive before the opening)."""
    if event.target_kind == "case":
        await repo.record_deadline(session, _values(event))


def label(matter: CaseSupervisionMatter) -> str:
    """'纠错通知书 沈司纠错〔2026〕1号'."""
    return f"{KIND_LABELS.get(matter.kind, '监督事项')} {matter.document_no}"


def _due(matter: CaseSupervisionMatter) -> str:
    return matter.due_on.isoformat() if matter.due_on else "待定"


async def ensure_closable(session: AsyncSession, row: PenaltyCase) -> None:
    """结案 is refused while the justice bureau's supervision matter on the case is open."""
    open_ = await repo.open_matters(session, row.id)
    if not open_:
        return
    first = open_[0]
    names = "、".join(label(m) for m in open_)
    raise CaseUnderSupervision(
        f"案件{row.case_no}有未办结的监督事项（{names}，答复期限{_due(first)}），"
        "须待执法监督机构办结后方可结案",
        detail_en=f"The case {row.case_no} has open supervision matters ({', '.join(m.document_no for m in open_)}); "
        "it can be closed once the supervisor closes them",
        extra={"matters": [str(m.matter_id) for m in open_]},
    )
