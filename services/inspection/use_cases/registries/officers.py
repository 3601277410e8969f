"""Officers (执法人员) and auxiliary staff (执法辅助人员), and their certificates (执法证): registration,
corrections, status changes under the rules (暂扣 / 收缴 / 恢复 / 过期), the expiry job. Every change of a
certified officer is audited and published (inspection.officer.changed), which the penalty service uses to
check who may sign what."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.masking import mask_ric
from services.common.pagination import InvalidCursor, Page, cursor_uuid, decode_cursor, page_of
from services.inspection import events, views
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection.domain import qualifications as q
from services.inspection.domain import registry
from services.inspection.domain.events import OfficerChanged
from services.inspection.errors import (
    InvalidOfficer,
    OfficerExists,
    RetrainingExamRequired,
    ReturnDateRequired,
    StatusReasonRequired,
)
from services.inspection.repository import qualifications as qual_repo
from services.inspection.repository import registries as registry_repo
from services.inspection.repository.rows import to_officer
from services.inspection.use_cases import unreadable_cursor
from services.inspection.use_cases.registries.departments import department_not_found


def officer_audit(row: m.Officer) -> dict[str, Any]:
    """The officer's registry fields as the audit chain records them."""
    return {
        "name": row.name,
        "dept_code": row.dept_code,
        "body_code": row.body_code,
        "cert_no": row.cert_no,
        "status": row.status,
        "valid_until": row.valid_until,
        "auxiliary": row.auxiliary,
        "status_reason": row.status_reason,
        "retraining": row.retraining,
        "return_date": row.return_date,
        "revision": row.revision,
    }


async def list_officers(
    session: AsyncSession,
    *,
    principal: Principal,
    scope: Scope,
    dept_code: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.OfficerRead]:
    if principal.role == "officer":
        dept_code = principal.dept_code  # an officer's filter is their department, whatever they ask for
    after = decode_cursor(cursor)
    if after is not None:
        try:
            cursor_uuid(after)
        except InvalidCursor:
            raise unreadable_cursor() from None
    rows = await registry_repo.list_officers(
        session, scope, dept_code=dept_code, status=status, after=after, limit=limit + 1
    )
    today = clock.today()
    return page_of([views.officer_read(r, today) for r in rows], limit, lambda o: str(o.officer_id))


def get_officer(row: m.Officer) -> s.OfficerRead:
    return views.officer_read(row, clock.today())


def publish_officer(session: AsyncSession, row: m.Officer) -> None:
    """inspection.officer.changed for a certified officer (auxiliary staff hold no certificate to report)."""
    if row.cert_no:
        outbox.add(session, events.officer_changed(OfficerChanged(to_officer(row), changed_at=clock.now())))


async def new_officer(session: AsyncSession, principal: Principal, body: s.OfficerImport) -> m.Officer:
    """Register an officer as given (a status other than active needs its reason, retraining its date)."""
    problems: list[tuple[str, str]] = []
    if await registry_repo.get_department(session, body.dept_code) is None:
        problems.append(
            (f"部门代码“{body.dept_code}”不存在", f"department code {body.dept_code} does not exist")
        )
    cert_no = registry.validate_cert_no(body.cert_no) if body.cert_no else None
    if body.auxiliary and cert_no:
        problems.append(
            ("执法辅助人员不持有执法证，不应填写执法证号", "auxiliary staff hold no certificate: no number")
        )
    if not body.auxiliary and cert_no is None and body.status == "active":
        problems.append(
            (
                "执法人员须填写执法证号（执法辅助人员请标记为辅助人员）",
                "an officer needs a certificate number (mark auxiliary staff as auxiliary)",
            )
        )
    if cert_no and await registry_repo.officer_by_cert(session, cert_no) is not None:
        raise OfficerExists(
            f"执法证号 {cert_no} 已登记", detail_en=f"Certificate number {cert_no} is already registered"
        )
    if problems:
        raise InvalidOfficer(
            "；".join(zh for zh, _ in problems), detail_en="; ".join(en for _, en in problems)
        )
    if body.retraining and (body.return_date is None or body.status != "suspended"):
        raise ReturnDateRequired(
            "离岗轮训须为暂扣状态并填写返岗日期",
            detail_en="Retraining is a suspension with a return date",
        )
    if body.status in ("suspended", "revoked") and not body.status_reason.strip():
        raise StatusReasonRequired(
            "暂扣或收缴执法证须说明理由", detail_en="A suspended or revoked certificate needs a reason"
        )
    row = m.Officer(
        officer_id=body.officer_id or uuid.uuid4(),
        name=body.name.strip(),
        dept_code=body.dept_code,
        body_code=body.body_code,
        cert_no=cert_no,
        status=body.status,
        valid_until=body.valid_until,
        auxiliary=body.auxiliary,
        id_number_masked=mask_ric(registry.validate_ric(body.id_number)) if body.id_number else "",
        status_since=body.status_since,
        status_reason=body.status_reason.strip(),
        retraining=body.retraining,
        return_date=body.return_date,
        revision=1,
    )
    session.add(row)
    await session.flush()
    publish_officer(session, row)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.created",
        entity_type="officer",
        entity_id=str(row.officer_id),
        after=officer_audit(row),
    )
    return row


async def create_officer(
    session: AsyncSession, *, principal: Principal, body: s.OfficerWrite
) -> s.OfficerRead:
    if body.officer_id and await registry_repo.get_officer(session, body.officer_id) is not None:
        raise OfficerExists(
            f"执法人员 {body.officer_id} 已存在", detail_en=f"Officer {body.officer_id} already exists"
        )
    row = await new_officer(session, principal, s.OfficerImport(**body.model_dump()))
    return views.officer_read(row, clock.today())


async def update_officer(
    session: AsyncSession,
    *,
    principal: Principal,
    row: m.Officer,
    body: s.OfficerUpdate,
) -> s.OfficerRead:
    before = officer_audit(row)
    changes = body.model_dump(exclude_unset=True)
    new_dept = changes.get("dept_code")
    if new_dept is not None and await registry_repo.get_department(session, new_dept) is None:
        raise department_not_found(new_dept)
    for key, value in changes.items():
        if value is not None or key in ("body_code", "valid_until"):
            setattr(row, key, value)
    if officer_audit(row) == before:
        return views.officer_read(row, clock.today())
    row.revision += 1
    row.updated_at = clock.now()
    await session.flush()
    publish_officer(session, row)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.updated",
        entity_type="officer",
        entity_id=str(row.officer_id),
        before=before,
        after=officer_audit(row),
    )
    return views.officer_read(row, clock.today())


async def change_officer_status(
    session: AsyncSession,
    *,
    principal: Principal,
    row: m.Officer,
    body: s.OfficerStatusChange,
) -> s.OfficerRead:
    """暂扣 / 收缴 / 恢复 / 过期 a certificate: reason and return date rules, audited, published."""
    today = clock.today()
    if body.status == registry.OfficerStatus.ACTIVE.value:
        await require_lifting_exam(session, row)
    before = officer_audit(row)
    changed = registry.change_officer_status(
        to_officer(row),
        registry.OfficerStatus(body.status),
        on=today,
        reason=body.reason,
        retraining=body.retraining,
        return_date=body.return_date,
        valid_until=body.valid_until,
    )
    apply_status(row, changed)
    await session.flush()
    publish_officer(session, row)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"officer.status.{changed.status.value}",
        entity_type="officer",
        entity_id=str(row.officer_id),
        before=before,
        after=officer_audit(row),
    )
    return views.officer_read(row, today)


def apply_status(row: m.Officer, changed: registry.Officer) -> None:
    """Write the domain's certificate status change onto the row."""
    row.status = changed.status.value
    row.status_since = changed.status_since
    row.status_reason = changed.status_reason
    row.retraining = changed.retraining
    row.return_date = changed.return_date
    row.valid_until = changed.valid_until
    row.revision = changed.revision
    row.updated_at = clock.now()


async def expire_certificates(session: AsyncSession) -> int:
    """Mark active certificates past their valid-until date expired (job); audited and published."""
    today = clock.today()
    rows = await registry_repo.officers_expiring(session, today)
    for row in rows:
        before = officer_audit(row)
        changed = registry.record_expiry(to_officer(row), on=today)
        apply_status(row, changed)
        await session.flush()
        publish_officer(session, row)
        await audit.append(
            session,
            actor="system",
            actor_role="system",
            action="officer.status.expired",
            entity_type="officer",
            entity_id=str(row.officer_id),
            before=before,
            after=officer_audit(row),
        )
    return len(rows)


async def require_lifting_exam(session: AsyncSession, officer: m.Officer) -> None:
    """A 轮训 suspension is not lifted by hand without a passed exam dated after it
    (``RETRAINING_EXAM_REQUIRED``)."""
    if officer.status != registry.OfficerStatus.SUSPENDED.value or not officer.retraining:
        return
    since = officer.status_since or date.min
    exams = [q.Exam(e.held_on, e.passed) for e in await qual_repo.exams(session, officer.officer_id)]
    if q.lifting_exam(exams, since) is None:
        raise RetrainingExamRequired(
            f"{officer.name}（执法证 {officer.cert_no}）自{since.isoformat()}离岗轮训，须登记此后考试合格的记录方可"
            f"恢复执法（{q.SEED_RETRAINING}）",
            detail_en=f"{officer.cert_no} is suspended for retraining since {since.isoformat()}: record an exam "
            "passed after that date to reinstate",
            extra={"cert_no": officer.cert_no, "suspended_on": since.isoformat()},
        )
