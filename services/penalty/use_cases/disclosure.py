"""行政执法公示 (rules: domain.disclosure): every decision gets a publication record when it is issued; the
record is published, masked, on ``GET /public/penalty/decisions`` when the decision is delivered, withdrawn
with its public reason when the decision is revoked, changed (the changed decision is published anew) or
confirmed illegal or void (行政处罚法 第四十八条第二款),
and left unpublished only under a lawful exception recorded by an officer (who, when, the ground, why).

When: at delivery, in the delivering step's own transaction (``follow``, called for every step of a
decided case by ``timeline.save``). Publishing before delivery would tell the public before the party; the
deadline (7 or 20 working days from the decision) is no later than delivery's own (7 working days,
第六十一条), so a decision delivered on time is published on time, and a late delivery shows as a late
publication. A periodic sweep (``sweep``, jobs.py) catches what no step reached: decisions taken before this
record existed or imported, deadlines whose year's calendar was entered later, and overdue publications,
each reported once as ``penalty.deadline.missed`` (deadline ``publication``).

The officer-typed ``POST /cases/{id}/publication`` is kept for compatibility; it no longer counts. An
exemption typed there without a lawful ground keeps the decision from being published automatically (never
publish what someone said is secret) but the record stays due, so it is counted overdue until an exception
with its ground is recorded here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit as audit_chain
from services.common import calendar_store, clock
from services.common.access import Scope
from services.common.auth import Principal
from services.common.db import transaction
from services.common.pagination import (
    Page,
    cursor_date,
    cursor_tuple,
    cursor_uuid,
    decode_cursor,
    encode_cursor,
)
from services.common.workdays import WorkingDayCalendar
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import deadlines as dl
from services.penalty.domain import disclosure as dis
from services.penalty.domain import procedure as p
from services.penalty.errors import DisclosureNotOpen, PublicDecisionNotFound
from services.penalty.models import DecisionDisclosure, PenaltyCase
from services.penalty.use_cases import codec
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit, department
from services.penalty.use_cases.publishing import report_deadline

SYSTEM = "system:disclosure"
ACTIVE = (dis.Status.PENDING.value, dis.Status.PUBLISHED.value)


def _case(row: PenaltyCase) -> p.Case:
    return codec.decode(p.Case, row.domain_case)


def _revision_facts(case: p.Case, revision: int) -> tuple[date, p.Penalty | None, p.CorrectionRecord | None]:
    """The decision's date, penalty and (for a change) the correction of one revision."""
    decision = case.decision
    assert decision is not None
    if revision == 1:
        return decision.decided_on, decision.penalty, None
    correction = case.corrections[revision - 2]
    return correction.effective_on, correction.penalty, correction


async def _content(session: AsyncSession, row: PenaltyCase, case: p.Case, revision: int) -> dict[str, Any]:
    """The masked public record of one revision (content named by seed 003 and 第四十八条: number, party,
    facts, basis, penalty, agency, date)."""
    decision = case.decision
    assert decision is not None
    decided_on, penalty, correction = _revision_facts(case, revision)
    kind = p.PartyKind(row.party_kind)
    party = dis.public_party(kind, row.party_name, row.party_uscc, row.party_id_number)
    dept = await department(session, row.dept_code)

    def masked(text: str) -> str:
        return dis.masked_text(text, kind, row.party_name, row.party_id_number)

    return {
        "decision_no": decision.document_number,
        "outcome": decision.outcome.value,
        "procedure": case.procedure.value,
        "party_kind": party.kind.value,
        "party_name": party.name,
        "party_uscc": party.uscc,
        "party_id_masked": party.id_masked,
        "facts": masked(decision.facts),
        "basis": decision.basis,
        "penalty": penalty.describe() if penalty else "不予行政处罚",
        "agency": dept.name,
        "decided_on": decided_on.isoformat(),
        "change_document": masked(correction.source_document) if correction else None,
    }


def _withdrawal_reason(correction: p.CorrectionRecord, row: PenaltyCase) -> str:
    if correction.finding is not None:
        what = p.FINDING_LABELS[correction.finding]
    else:
        what = "撤销" if correction.revoked else "变更"
    source = p.CORRECTION_SOURCE_LABELS[correction.source]
    reason = dis.masked_text(
        correction.reason, p.PartyKind(row.party_kind), row.party_name, row.party_id_number
    )
    return (
        f"该行政处罚决定已于{correction.effective_on.isoformat()}经{source}{what}（{reason}），"
        f"依据{dis.WITHDRAWAL_ARTICLE}撤回原公开信息"
    )


@dataclass(frozen=True, slots=True)
class _Step:
    session: AsyncSession
    row: PenaltyCase
    case: p.Case
    calendar: WorkingDayCalendar
    today: date
    now: datetime
    actor: str
    actor_role: str


async def _audit(step: _Step, record: DecisionDisclosure, action: str, before: Any) -> None:
    """An automatic change is attributed to the step that caused it, or to the sweep ("system")."""
    await audit_chain.append(
        step.session,
        actor=step.actor,
        actor_role=step.actor_role,
        action=f"penalty.disclosure.{action}",
        entity_type="decision_disclosure",
        entity_id=str(record.id),
        before=before,
        after=_summary(record),
    )


def _summary(record: DecisionDisclosure) -> dict[str, Any]:
    return {
        "case_id": str(record.case_id),
        "revision": record.revision,
        "status": record.status,
        "due_on": record.due_on.isoformat() if record.due_on else None,
        "published_on": record.published_on.isoformat() if record.published_on else None,
        "withdrawn_on": record.withdrawn_on.isoformat() if record.withdrawn_on else None,
    }


async def _end(step: _Step, record: DecisionDisclosure) -> None:
    """The revision was revoked, changed or confirmed illegal or void: withdraw it if published (第四十八条
    第二款), else drop it."""
    correction = step.case.corrections[record.revision - 1]
    before = _summary(record)
    if record.status == dis.Status.PUBLISHED.value:
        record.status = dis.Status.WITHDRAWN.value
        record.withdraw_by = dis.withdraw_by(correction.effective_on, step.calendar)
        record.withdrawn_on = step.today
        record.withdrawal_reason = _withdrawal_reason(correction, step.row)
        await _audit(step, record, "withdrawn", before)
    else:
        record.status = dis.Status.SUPERSEDED.value
        await _audit(step, record, "superseded", before)


async def _open(step: _Step, revision: int) -> DecisionDisclosure:
    decision = step.case.decision
    assert decision is not None
    decided_on, _, _ = _revision_facts(step.case, revision)
    rule = dis.rule_for(step.case.procedure, decision.outcome)
    record = DecisionDisclosure(
        id=uuid.uuid4(),
        case_id=step.row.id,
        revision=revision,
        case_version=step.row.revision,
        dept_code=step.row.dept_code,
        district_code=step.row.district_code,
        rule=rule.value,
        status=dis.Status.PENDING.value,
        decision_no=decision.document_number,
        decided_on=decided_on,
        due_on=dis.due_on(decided_on, rule, step.calendar),
        content={},
        withdrawal_reason="",
        exempt_reason="",
    )
    await repo.add_disclosure(step.session, record)
    await _audit(step, record, "opened", None)
    return record


async def _publish(step: _Step, record: DecisionDisclosure) -> None:
    before = _summary(record)
    record.content = await _content(step.session, step.row, step.case, record.revision)
    record.status = dis.Status.PUBLISHED.value
    record.published_on = step.today
    record.published_at = step.now
    await _audit(step, record, "published", before)
    if record.due_on is not None and step.today > record.due_on:
        await report_deadline(
            step.session,
            step.row,
            deadline=dl.DeadlineKind.PUBLICATION,
            due_on=record.due_on,
            detected_on=step.today,
        )


async def follow(
    session: AsyncSession, row: PenaltyCase, *, principal: Principal | None, now: datetime
) -> bool:
    """Bring the case's publication records up to its decision: open, publish at delivery, withdraw or
    drop a revoked, changed or confirmed revision, open the changed one (a revoked or confirmed one has no
    successor). True when a record was published now."""
    case = _case(row)
    if case.decision is None:
        return False
    step = _Step(
        session=session,
        row=row,
        case=case,
        calendar=await calendar_store.load_calendar(session),
        today=clock.local_date(now),
        now=now,
        actor=principal.sub if principal else SYSTEM,
        actor_role=principal.role if principal else "system",
    )
    records = await repo.disclosures_of(session, row.id)
    current = case.decision_revision
    for record in records:
        if record.revision < current and record.status in ACTIVE:
            await _end(step, record)
    ended = bool(case.corrections) and case.corrections[-1].ends_publication
    latest = next((r for r in records if r.revision == current), None)
    if latest is None and not ended:
        latest = await _open(step, current)
        records.append(latest)
    published = False
    if latest is not None and latest.status == dis.Status.PENDING.value:
        if latest.due_on is None:
            decided_on, _, _ = _revision_facts(case, latest.revision)
            latest.due_on = dis.due_on(decided_on, dis.Rule(latest.rule), step.calendar)
        if case.delivery is not None and not case.publication_exempt_reason:
            await _publish(step, latest)
            published = True
    for record in records:
        record.case_version = row.revision
    await session.flush()
    return published


# --------------------------------------------------------------------------------------------------------
# Exceptions
# --------------------------------------------------------------------------------------------------------


async def record_exception(
    session: AsyncSession, *, principal: Principal, row: PenaltyCase, body: s.DisclosureExceptionIn
) -> list[s.DisclosureRead]:
    """A lawful exception (政府信息公开条例 第十四条、第十五条): the decision is not published, or is withdrawn."""
    now = clock.now()
    today = clock.local_date(now)
    await officer_signs(session, principal, today)
    records = await repo.disclosures_of(session, row.id)
    open_records = [r for r in records if r.status in ACTIVE]
    if not open_records:
        raise DisclosureNotOpen(
            "本案没有待公开或已公开的决定信息，无须记录不予公开的理由",
            detail_en="The case has no decision pending publication or published",
        )
    ground = dis.Ground(body.ground)
    record = open_records[-1]
    before = _summary(record)
    if record.status == dis.Status.PUBLISHED.value:
        record.withdrawn_on = today
        record.withdrawal_reason = f"经审查，该信息涉及{ground.label}，依据{ground.article}不予公开"
    record.status = dis.Status.EXEMPT.value
    record.exempt_ground = ground.value
    record.exempt_reason = body.reason
    record.exempt_by = principal.sub
    record.exempt_at = now
    await session.flush()
    await audit(
        session,
        principal,
        action="penalty.disclosure.exception",
        entity_type="decision_disclosure",
        entity_id=str(record.id),
        before=before,
        after={**_summary(record), "ground": ground.value, "article": ground.article, "reason": body.reason},
    )
    return [disclosure_read(r) for r in records]


async def case_disclosures(session: AsyncSession, row: PenaltyCase) -> list[s.DisclosureRead]:
    return [disclosure_read(r) for r in await repo.disclosures_of(session, row.id)]


def disclosure_read(record: DecisionDisclosure) -> s.DisclosureRead:
    today = clock.today()
    status = dis.Status(record.status)
    return s.DisclosureRead(
        id=record.id,
        case_id=record.case_id,
        revision=record.revision,
        rule=record.rule,
        status=record.status,
        timeliness=dis.timeliness(status, record.due_on, record.published_on, today).value,
        decision_no=record.decision_no,
        decided_on=record.decided_on,
        due_on=record.due_on,
        published_on=record.published_on,
        withdraw_by=record.withdraw_by,
        withdrawn_on=record.withdrawn_on,
        withdrawal_reason=record.withdrawal_reason,
        exempt_ground=record.exempt_ground,
        exempt_article=dis.Ground(record.exempt_ground).article if record.exempt_ground else None,
        exempt_reason=record.exempt_reason,
        exempt_by=record.exempt_by,
        exempt_at=record.exempt_at,
        public_url=f"/public/penalty/decisions/{record.id}" if status is dis.Status.PUBLISHED else None,
    )


# --------------------------------------------------------------------------------------------------------
# The public list
# --------------------------------------------------------------------------------------------------------


def _cursor_key(cursor: str | None) -> tuple[date, uuid.UUID] | None:
    after = decode_cursor(cursor)
    return None if after is None else cursor_tuple(after, cursor_date, cursor_uuid)


def public_read(record: DecisionDisclosure) -> s.PublicDecisionRead:
    withdrawn = record.status == dis.Status.WITHDRAWN.value
    content = {} if withdrawn else dict(record.content)
    return s.PublicDecisionRead(
        id=record.id,
        status=record.status,
        decision_no=record.decision_no,
        department_code=record.dept_code,
        decided_on=record.decided_on,
        published_on=record.published_on,
        withdrawn_on=record.withdrawn_on,
        withdrawal_reason=record.withdrawal_reason or None,
        agency=str(record.content.get("agency", "")),
        outcome=content.get("outcome"),
        procedure=content.get("procedure"),
        party_kind=content.get("party_kind"),
        party_name=content.get("party_name"),
        party_uscc=content.get("party_uscc"),
        party_id_masked=content.get("party_id_masked"),
        facts=content.get("facts"),
        basis=content.get("basis"),
        penalty=content.get("penalty"),
        change_document=content.get("change_document"),
    )


async def public_decisions(
    session: AsyncSession,
    *,
    status: str,
    department: str | None,
    decided_from: date | None,
    decided_to: date | None,
    cursor: str | None,
    limit: int,
) -> Page[s.PublicDecisionRead]:
    key = _cursor_key(cursor)
    rows = await repo.public_disclosures(
        session,
        status=status,
        department=department,
        decided_from=decided_from,
        decided_to=decided_to,
        after=key,
        limit=limit,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [public_read(r) for r in rows]
    last = rows[-1] if rows else None
    return Page(
        items=items,
        next_cursor=encode_cursor([last.decided_on.isoformat(), str(last.id)]) if more and last else None,
    )


# --------------------------------------------------------------------------------------------------------
# The sweep (jobs.py) and the missed-deadline scan
# --------------------------------------------------------------------------------------------------------


async def sweep(
    factory: async_sessionmaker[AsyncSession], *, decided_since: date | None, batch: int = 200
) -> bool:
    """One round: bring up to ``batch`` cases' records up to date, report overdue publications once.
    True when more cases are waiting."""
    now = clock.now()
    today = clock.local_date(now)
    async with transaction(factory) as session:
        ids = await repo.cases_to_disclose(session, decided_since=decided_since, limit=batch)
        for case_id in ids:
            row = await repo.get_case(session, case_id, lock=True)
            if row is not None:
                await follow(session, row, principal=None, now=now)
        await report_overdue(session, today)
    return len(ids) == batch


async def report_overdue(session: AsyncSession, today: date) -> int:
    """``penalty.deadline.missed`` (publication) once for each record still unpublished after its deadline."""
    reported = 0
    for record in await repo.overdue_pending_disclosures(session, today):
        row = await repo.get_case(session, record.case_id)
        assert row is not None and record.due_on is not None
        if await report_deadline(
            session, row, deadline=dl.DeadlineKind.PUBLICATION, due_on=record.due_on, detected_on=today
        ):
            reported += 1
    return reported


async def publication_still_due(session: AsyncSession, case_id: uuid.UUID) -> bool:
    """Whether the case's publication is still to be made: a pending record (or, for a case no record has
    reached yet, the officer-typed state the caller already checked)."""
    records = await repo.disclosures_of(session, case_id)
    return not records or any(r.status == dis.Status.PENDING.value for r in records)


# --------------------------------------------------------------------------------------------------------
# Supervision: the publication rate per department and month, and the late ones
# --------------------------------------------------------------------------------------------------------


def _period(decided_from: date | None, decided_to: date | None, today: date) -> tuple[date, date]:
    to = decided_to or today
    return decided_from or date(to.year, 1, 1), to


def _rate_row(department: str | None, period: str | None, counts: dict[str, int]) -> s.DisclosureRateRow:
    due = counts["on_time"] + counts["late"] + counts["overdue"]
    return s.DisclosureRateRow(
        department_code=department,
        period=period,
        due=due,
        rate=dis.rate(counts["on_time"], due),
        **counts,
    )


async def rate_report(
    session: AsyncSession,
    *,
    scope: Scope,
    decided_from: date | None,
    decided_to: date | None,
    department: str | None,
    rule: str | None,
) -> s.DisclosureRateRead:
    """Published on time / due, per department and month of decision, as of today."""
    today = clock.today()
    start, end = _period(decided_from, decided_to, today)
    rows = await repo.disclosure_counts(
        session, scope, decided_from=start, decided_to=end, department=department, rule=rule, today=today
    )
    names = ("on_time", "late", "overdue", "pending", "unknown", "exempt")
    total = dict.fromkeys(names, 0)
    out: list[s.DisclosureRateRow] = []
    for r in rows:
        counts = {n: int(getattr(r, n)) for n in names}
        for n in names:
            total[n] += counts[n]
        out.append(_rate_row(r.dept_code, r.period, counts))
    return s.DisclosureRateRead(
        decided_from=start,
        decided_to=end,
        as_of=today,
        rule=rule,
        rows=out,
        total=_rate_row(None, None, total),
        basis=dis.SEED,
    )


async def late_list(
    session: AsyncSession,
    *,
    scope: Scope,
    decided_from: date | None,
    decided_to: date | None,
    department: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.DisclosureRead]:
    """Publications made late or still overdue, and withdrawals made after the 第四十八条 limit."""
    today = clock.today()
    start, end = _period(decided_from, decided_to, today)
    key = _cursor_key(cursor)
    rows = await repo.late_disclosures(
        session,
        scope,
        decided_from=start,
        decided_to=end,
        department=department,
        today=today,
        after=key,
        limit=limit,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return Page(
        items=[disclosure_read(r) for r in rows],
        next_cursor=encode_cursor([last.decided_on.isoformat(), str(last.id)]) if more and last else None,
    )


async def public_decision(session: AsyncSession, record_id: uuid.UUID) -> s.PublicDecisionRead:
    record = await repo.public_disclosure(session, record_id)
    if record is None:
        raise PublicDecisionNotFound(
            f"公开的处罚决定信息 {record_id} 不存在", detail_en=f"No published decision {record_id}"
        )
    return public_read(record)
