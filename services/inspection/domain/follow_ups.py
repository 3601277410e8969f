"""责令改正 follow-up (issue #14 item 6): an order to correct with a deadline is checked again when it falls due.

辽政办发〔2023〕18号 二(二)9 (seed 004): "综合运用多种方式督促引导受处罚企业加强合规管理、及时整改违法问题，防止以罚代管";
沈法治发〔2021〕7号 8 (seed 001): "坚决杜绝以罚代处、以罚代管". An order to correct (``ordered_to_correct``, with
its deadline) that nobody checks is the 以罚代管 the seeds forbid: every such order becomes a follow-up due on
its deadline, overdue the day after while still open, and closed by the follow-up check's result. A result of
"not corrected" is a violation found, which becomes a penalty lead exactly as a violation of a visit does
(行政处罚法 第二十八条: 责令改正; an enterprise that does not correct within the period is dealt with under the
applicable law, so that conclusion can only be drawn after the deadline).

Pure functions of their inputs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.common.clock import local_date
from services.inspection.domain.registry import Catalogue, Enterprise
from services.inspection.domain.visits import Outcome, Visit
from services.inspection.errors import FollowUpConflict, ItemNotInVisit

FOLLOW_UP_NAMESPACE = uuid.UUID("5d3c1a52-8b0e-4f7e-9c1d-2f6a4e8b7c90")


class FollowUpStatus(StrEnum):
    OPEN = "open"
    CORRECTED = "corrected"
    NOT_CORRECTED = "not_corrected"


class FollowUpState(StrEnum):
    """How a list reads a follow-up: ``due`` (open, deadline today or later), ``overdue`` (open, deadline
    passed), ``done`` (result recorded)."""

    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


def follow_up_id(visit_id: str, item_code: str) -> uuid.UUID:
    """Stable per ordered item: checkout retried creates no second follow-up."""
    return uuid.uuid5(FOLLOW_UP_NAMESPACE, f"{visit_id}:{item_code}")


def state(status: str, due_on: date, today: date) -> FollowUpState:
    if status != FollowUpStatus.OPEN.value:
        return FollowUpState.DONE
    return FollowUpState.OVERDUE if today > due_on else FollowUpState.DUE


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A follow-up as checkout creates it."""

    follow_up_id: uuid.UUID
    visit_id: str
    item_code: str
    item_name: str
    legal_basis: str
    uscc: str
    enterprise_name: str
    dept_code: str
    district_code: str
    requirement: str
    ordered_on: date
    due_on: date
    officer_cert_nos: tuple[str, ...]


def follow_ups(visit: Visit, enterprise: Enterprise, catalogue: Catalogue) -> list[FollowUp]:
    """One follow-up per ``ordered_to_correct`` outcome of a completed visit, due on its deadline."""
    day = local_date(visit.started_at)
    out: list[FollowUp] = []
    for o in visit.outcomes:
        if o.outcome is not Outcome.ORDERED_TO_CORRECT or o.correction_deadline is None:
            continue
        item = catalogue.get(o.item_code, day)
        if item is None:
            raise ItemNotInVisit(
                f"检查事项 {o.item_code} 在检查当日不在事项清单中",
                detail_en=f"Item {o.item_code} was not in the catalogue on the day of the visit",
                extra={"item_code": o.item_code},
            )
        dept_officers = tuple(p.cert_no for p in visit.officers if p.dept_code == item.dept_code)
        out.append(
            FollowUp(
                follow_up_id=follow_up_id(visit.visit_id, o.item_code),
                visit_id=visit.visit_id,
                item_code=o.item_code,
                item_name=item.name,
                legal_basis=item.legal_basis_text(),
                uscc=visit.uscc,
                enterprise_name=enterprise.name,
                dept_code=item.dept_code,
                district_code=visit.district_code,
                requirement=o.description,
                ordered_on=day,
                due_on=o.correction_deadline,
                officer_cert_nos=dept_officers or visit.cert_nos,
            )
        )
    return out


def check_result(
    *,
    status: str,
    ordered_on: date,
    due_on: date,
    corrected: bool,
    checked_on: date,
    today: date,
    evidence: int,
) -> FollowUpStatus:
    """The follow-up's new status, or ``FOLLOW_UP_CONFLICT`` (409) when the result cannot be recorded: it is
    recorded once; the check is dated between the order and today; "not corrected" only after the deadline
    (逾期不改正) and with evidence, as a violation needs."""
    if status != FollowUpStatus.OPEN.value:
        raise FollowUpConflict(
            "该责令改正事项的复查结果已登记", detail_en="The follow-up's result is already recorded"
        )
    if checked_on < ordered_on or checked_on > today:
        raise FollowUpConflict(
            f"复查日期须在责令改正之日（{ordered_on.isoformat()}）与今天（{today.isoformat()}）之间",
            detail_en=f"The check is dated between the order ({ordered_on}) and today ({today})",
        )
    if corrected:
        return FollowUpStatus.CORRECTED
    if checked_on <= due_on:
        raise FollowUpConflict(
            f"改正期限至{due_on.isoformat()}，期限届满前不能认定逾期未改正",
            detail_en=f"The correction period runs to {due_on}: not corrected can only be found after it",
            extra={"due_on": due_on.isoformat()},
        )
    if evidence < 1:
        raise FollowUpConflict(
            "认定逾期未改正须附至少一份证据文件摘要（SHA-256）",
            detail_en="Not corrected needs at least one evidence file hash (SHA-256)",
        )
    return FollowUpStatus.NOT_CORRECTED


def violation_key(follow_up: uuid.UUID) -> str:
    """The stable key of the violation a "not corrected" result publishes (its id is uuid5 of it)."""
    return f"follow-up:{follow_up}"


def overdue_since(due_on: date) -> date:
    """The first day a follow-up still open is overdue."""
    return date.fromordinal(due_on.toordinal() + 1)
