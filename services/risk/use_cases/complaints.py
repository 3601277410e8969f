"""Complaints (投诉举报, issue #14 item 3): filed by an enterprise, by anyone on the public page (with a filing
token, limited per client address), opened by a rating carrying a misconduct tag, or filed by a contact point;
received by the justice bureau with a 受理编号 and a handling deadline, forwarded (转办) to the department, replied,
concluded (属实 / 部分属实 / 不属实, 移交纪检监察 recorded) and answered to the complainant. The rules are in
domain/complaints.py; who may act is checked before the complaint is loaded (deps.py)."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, calendar_store, clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.contracts import inspection
from services.risk import events
from services.risk.domain import complaints as rules
from services.risk.domain.history import with_pending
from services.risk.domain.units import UnitRef, unit_of_event
from services.risk.errors import ComplaintLookupFailed, ComplaintRateLimited, ComplaintTokenUsed
from services.risk.models import Complaint
from services.risk.repository import complaints as repo
from services.risk.repository import units as unit_repo
from services.risk.schemas import (
    ComplaintBody,
    ComplaintFiledRead,
    ComplaintPublicRead,
    ComplaintRead,
    ComplaintTokenRead,
    ComplaintWrite,
    ConcludeWrite,
    PublicComplaintWrite,
)
from services.risk.settings import RiskContext, RiskSettings
from services.risk.use_cases.paging import cursor_pair
from services.risk.views import complaint_public_read, complaint_read


async def working_days_after(session: AsyncSession, start: date, days: int) -> date | None:
    """``days`` statutory working days after ``start``; None (pending, never guessed) while they run into a year
    whose holiday arrangement is not entered: :func:`fill_in` computes it once the year is."""
    calendar = await calendar_store.load_calendar(session)
    return calendar.add_working_days_or_pending(start, days)[0]


def _step(
    action: str, status: str, actor_role: str, note: str = "", at: datetime | None = None
) -> dict[str, Any]:
    return {
        "at": (at or clock.now()).isoformat(),
        "action": action,
        "status": status,
        "actor_role": actor_role,
        "note": note,
    }


async def receive(
    session: AsyncSession,
    context: RiskContext,
    *,
    source: rules.Source,
    body: ComplaintBody,
    anonymous: bool,
    actor: str,
    actor_role: str,
    extra: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Complaint | None:
    """Store a received complaint (受理) with its number and deadline, audit it and stage
    ``risk.complaint.received``; None when a rating already opened this one."""
    received_at = at or clock.now()
    received_on = clock.local_date(received_at)
    await unit_repo.ensure_units(session, [UnitRef.of(body.unit_code)])
    complaint_id = uuid.uuid4()
    due = await working_days_after(session, received_on, context.settings.complaint_handling_working_days)
    values = {
        "id": complaint_id,
        "ack_no": rules.ack_no(received_on.year, await repo.next_seq(session, received_on.year)),
        "source": source.value,
        "subject_kind": body.subject_kind,
        "visit_id": body.visit_id,
        "officer_cert_no": body.officer_cert_no,
        "unit_code": body.unit_code,
        "category": body.category,
        "text": body.text,
        "anonymous": anonymous,
        "contact_name": body.contact_name,
        "contact_phone": body.contact_phone,
        "status": rules.Status.RECEIVED.value,
        "received_at": received_at,
        "due_on": due,
        "history": [
            _step(
                "receive",
                rules.Status.RECEIVED.value,
                actor_role,
                with_pending(rules.SOURCE_ZH[source], due),
                received_at,
            )
        ],
        **(extra or {}),
    }
    if not await repo.insert(session, values):
        return None
    await audit.append(
        session,
        # the unit reads a forwarded complaint's trail: an anonymous complainant is not named in it (the row
        # keeps who filed, for the bureau)
        actor="anonymous" if anonymous else actor,
        actor_role=actor_role,
        action="complaint.received",
        entity_type="complaint",
        entity_id=str(complaint_id),
        after={"ack_no": values["ack_no"], "source": source.value, "unit_code": body.unit_code},
    )
    row = await repo.readable_complaint(session, Scope("admin", everything=True), complaint_id)
    assert row is not None
    outbox.add(session, events.complaint_received(row))
    return row


def _filed(row: Complaint, secret: str | None) -> ComplaintFiledRead:
    return ComplaintFiledRead(
        id=row.id,
        ack_no=row.ack_no,
        secret=secret,
        status=row.status,
        status_label=rules.STATUS_ZH[rules.Status(row.status)],
        received_at=row.received_at,
        due_on=row.due_on,
    )


async def file_by_enterprise(
    session: AsyncSession, *, body: ComplaintWrite, principal: Principal, context: RiskContext
) -> ComplaintRead:
    """An enterprise complains from the app (authenticated): it reads its complaint and the answer later."""
    row = await receive(
        session,
        context,
        source=rules.Source.ENTERPRISE,
        body=body,
        anonymous=body.anonymous,
        actor=principal.sub,
        actor_role=principal.role,
        extra={"complainant_uscc": principal.uscc, "complainant_sub": principal.sub},
    )
    assert row is not None
    return complaint_read(row, viewer_role=principal.role, today=clock.today())


def issue_token(context: RiskContext) -> ComplaintTokenRead:
    """A public filing token, valid ``complaint_token_minutes``, good for one complaint."""
    expires = rules.token_expiry(clock.now(), context.settings.complaint_token_minutes)
    token = rules.sign_token(context.complaint_token_key, secrets.token_urlsafe(16), expires)
    return ComplaintTokenRead(token=token, expires_at=expires)


async def file_public(
    session: AsyncSession, *, body: PublicComplaintWrite, client_key: str, context: RiskContext
) -> ComplaintFiledRead:
    """Anyone complains on the public page: a valid unused token, at most ``complaint_public_per_hour`` from
    one address; always anonymous to the department. The secret is returned once (only its hash is kept)."""
    now = clock.now()
    token = rules.verify_token(context.complaint_token_key, body.token, now)
    limit = context.settings.complaint_public_per_hour
    if await repo.filed_since(session, client_key, now - timedelta(hours=1)) >= limit:
        raise ComplaintRateLimited(
            f"同一网络地址每小时最多提交{limit}件投诉，请稍后再试",
            detail_en=f"At most {limit} complaints an hour from one address: try again later",
        )
    if await repo.nonce_used(session, token.nonce):
        raise ComplaintTokenUsed(
            "该投诉凭证已用于提交投诉，请重新获取",
            detail_en="This filing token was already used: fetch a new one",
        )
    secret = secrets.token_urlsafe(12)
    row = await receive(
        session,
        context,
        source=rules.Source.PUBLIC,
        body=body,
        anonymous=True,
        actor="public",
        actor_role="public",
        extra={
            "secret_hash": rules.secret_hash(secret),
            "token_nonce": token.nonce,
            "client_key": client_key,
        },
        at=now,
    )
    assert row is not None
    return _filed(row, secret)


async def lookup(session: AsyncSession, *, ack_no: str, secret: str) -> ComplaintPublicRead:
    """An anonymous complainant reads the state and the answer with the number and the secret."""
    row = await repo.by_ack_no(session, ack_no)
    if row is None or not rules.secret_matches(secret, row.secret_hash):
        raise ComplaintLookupFailed(
            "受理编号或查询密码不正确", detail_en="Wrong acknowledgement number or secret"
        )
    return complaint_public_read(row)


async def from_rating(session: AsyncSession, event: inspection.VisitRated, context: RiskContext) -> None:
    """A rating carrying 索要财物 / 未出示证件 / 超范围检查 opens a complaint for each unit of the visit, whatever
    its stars (issue #14 item 3); anonymous to the department when the rating was anonymous."""
    tags = [t for t in rules.RATING_MISCONDUCT_TAGS if t in event.tags]
    if not tags:
        return
    for department in sorted(set(event.department_codes)):
        ref = unit_of_event(department, event.district_code)
        await unit_repo.ensure_units(session, [ref])
        unit = ref.code
        if await repo.rating_complaint_exists(session, event.visit_id, unit):
            continue
        body = ComplaintBody(
            subject_kind="visit",
            unit_code=unit,
            visit_id=event.visit_id,
            category=tags[0],
            text=f"企业对检查的评价（{event.stars}星）标注：{'、'.join(event.tags)}",
        )
        await receive(
            session,
            context,
            source=rules.Source.RATING,
            body=body,
            anonymous=event.anonymous,
            actor="system:rating",
            actor_role="system",
            extra={"complainant_uscc": event.enterprise_uscc},
            at=event.rated_at,
        )


async def list_complaints(
    session: AsyncSession,
    scope: Scope,
    *,
    status: str | None,
    unit_code: str | None,
    overdue: bool,
    after: Any,
    limit: int,
    pending: bool = False,
) -> list[ComplaintRead]:
    rows = await repo.list_complaints(
        session,
        scope,
        status=status,
        unit_code=unit_code,
        overdue_on=clock.today() if overdue else None,
        pending=pending,
        after=cursor_pair(after),
        limit=limit,
    )
    today = clock.today()
    return [complaint_read(r, viewer_role=scope.role, today=today) for r in rows]


def get_complaint(row: Complaint, principal: Principal) -> ComplaintRead:
    return complaint_read(row, viewer_role=principal.role, today=clock.today())


async def _transition(
    session: AsyncSession,
    *,
    row: Complaint,
    action: str,
    values: dict[str, Any],
    principal: Principal,
    scope: Scope,
    note: str = "",
) -> ComplaintRead:
    to = rules.step(row.status, action)
    before = {"status": row.status}
    history = [*row.history, _step(action, to.value, principal.role, note)]
    await repo.update(session, row.id, {**values, "status": to.value, "history": history})
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"complaint.{action}",
        entity_type="complaint",
        entity_id=str(row.id),
        before=before,
        after={"status": to.value, "note": note[:500]},
    )
    fresh = await repo.readable_complaint(session, scope, row.id)
    assert fresh is not None
    if to is rules.Status.ANSWERED:
        outbox.add(session, events.complaint_answered(fresh))
    return complaint_read(fresh, viewer_role=principal.role, today=clock.today())


async def forward(
    session: AsyncSession,
    *,
    row: Complaint,
    note: str,
    principal: Principal,
    scope: Scope,
    context: RiskContext,
) -> ComplaintRead:
    """转办: the bureau forwards the complaint to the unit, which must reply within the reply deadline."""
    now = clock.now()
    due = await working_days_after(
        session, clock.local_date(now), context.settings.complaint_reply_working_days
    )
    values = {"forwarded_at": now, "forwarded_by": principal.sub, "reply_due_on": due}
    return await _transition(
        session,
        row=row,
        action="forward",
        values=values,
        principal=principal,
        scope=scope,
        note=with_pending(note, due),
    )


async def reply(
    session: AsyncSession, *, row: Complaint, text: str, principal: Principal, scope: Scope
) -> ComplaintRead:
    """The unit replies to a forwarded complaint (办理情况)."""
    values = {"replied_at": clock.now(), "reply": text}
    return await _transition(
        session, row=row, action="reply", values=values, principal=principal, scope=scope
    )


async def conclude(
    session: AsyncSession, *, row: Complaint, body: ConcludeWrite, principal: Principal, scope: Scope
) -> ComplaintRead:
    """The bureau concludes: 属实 / 部分属实 / 不属实, and whether it refers the matter to 纪检监察."""
    values = {
        "concluded_at": clock.now(),
        "finding": body.finding,
        "conclusion": body.conclusion,
        "referred_to_discipline": body.refer_to_discipline,
    }
    note = rules.FINDING_ZH[rules.Finding(body.finding)] + (
        "；移交纪检监察" if body.refer_to_discipline else ""
    )
    return await _transition(
        session, row=row, action="conclude", values=values, principal=principal, scope=scope, note=note
    )


async def answer(
    session: AsyncSession, *, row: Complaint, text: str, principal: Principal, scope: Scope
) -> ComplaintRead:
    """The bureau answers the complainant (答复): the enterprise reads it in the app, an anonymous complainant
    with the number and the secret; ``risk.complaint.answered`` is published."""
    values = {"answered_at": clock.now(), "answer": text}
    return await _transition(
        session, row=row, action="answer", values=values, principal=principal, scope=scope
    )


async def unit_counts(session: AsyncSession, unit_code: str, first: date, last: date) -> dict[str, int]:
    return await repo.unit_counts(session, unit_code, first, last, clock.today())


async def fill_in(session: AsyncSession, year: int, principal: Principal, *, settings: RiskSettings) -> int:
    """Compute the pending deadlines now that ``year``'s arrangement is entered (same transaction as the
    calendar write): the handling deadline from the day of receipt, the reply deadline from the day of
    forwarding (Beijing days), with the working days configured now. Audited per complaint; returns how many
    complaints got a deadline."""
    rows = await repo.pending_complaints(session)
    if not rows:
        return 0
    calendar = await calendar_store.load_calendar(session)
    done = 0
    for row in rows:
        values: dict[str, Any] = {}
        if row.due_on is None:
            start = clock.local_date(row.received_at)
            values["due_on"] = calendar.add_working_days_or_pending(
                start, settings.complaint_handling_working_days
            )[0]
        if row.forwarded_at is not None and row.reply_due_on is None:
            start = clock.local_date(row.forwarded_at)
            values["reply_due_on"] = calendar.add_working_days_or_pending(
                start, settings.complaint_reply_working_days
            )[0]
        values = {
            k: v for k, v in values.items() if v is not None
        }  # another year still missing: stays pending
        if not values:
            continue
        await repo.update(session, row.id, values)
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="complaint.deadline_computed",
            entity_type="complaint",
            entity_id=str(row.id),
            before={"calendar_year": year},
            after={k: v.isoformat() for k, v in values.items()},
        )
        done += 1
    return done
