"""The consumer's hot path: penalty decisions issued, revoked and changed, and fines paid.

``penalty.decision.issued`` must be answered fast (两书同达: the notice on the stream within 250 ms of the
decision's own event): one transaction creates the credit record, classes it under the rule set in force on
the decision date, opens the publication, numbers and renders the 信用修复提示书 as HTML, and stages
``credit.notice.issued`` (and ``credit.publication.started``). The PDF is rendered only when someone first
asks for it, then kept (use_cases.records).

Events about a case may arrive out of order: every handler of a case takes the case's advisory lock;
revocations, changes and payments that arrive before their decision are kept in ``pending_case_event`` and
applied, in revision order, as soon as the decision arrives; revisions older than what a record already
reflects are ignored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, masking, outbox
from services.common.contracts import penalty as penalty_contracts
from services.common.events import Envelope
from services.common.inbox import PoisonMessage, parse
from services.credit_repair import events
from services.credit_repair.domain import notice as notice_domain
from services.credit_repair.domain import publication as pub_domain
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import Classification, Decision, Window
from services.credit_repair.domain.rules import PartyKind, PenaltyKind, ProcedureKind, RuleSet
from services.credit_repair.errors import DecisionInvalid, UnknownPenaltyKind
from services.credit_repair.models import CreditRecord, Publication, RepairNotice
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.repository import deferred
from services.credit_repair.repository import notices as notice_repo
from services.credit_repair.repository import records as record_repo
from services.credit_repair.repository import rule_sets as rule_set_repo
from services.credit_repair.settings import CreditRepairContext
from services.credit_repair.use_cases import records as record_cases
from services.credit_repair.use_cases.rule_sets import rule_set_for_decision

log = logging.getLogger(__name__)

SYSTEM = "system"
NOTICES_KEY = "credit_notices_pending"

_SOURCES = {
    "reconsideration": "行政复议决定",
    "litigation": "人民法院裁判",
    "self_correction": "行政机关自行纠正",
}


@dataclass(frozen=True)
class DecisionFacts:
    """What a credit record is built from: ``penalty.decision.issued`` or a record plus a change."""

    case_id: uuid.UUID
    revision: int
    decision_no: str
    decided_on: date
    effective_on: date | None
    party_kind: str
    party_uscc: str | None
    party_id_masked: str | None
    party_name: str
    department_code: str
    department_name: str
    district_code: str
    penalty_domain: str
    benchmark_code: str
    kinds: tuple[str, ...]
    fine_fen: int
    confiscation_fen: int
    procedure: str
    serious: bool
    restriction_months: int | None = None

    @classmethod
    def from_event(cls, e: penalty_contracts.DecisionIssued) -> DecisionFacts:
        return cls(
            case_id=e.case_id,
            revision=e.revision,
            decision_no=e.decision_no,
            decided_on=e.decided_on,
            effective_on=e.effective_on,
            party_kind=e.party_kind,
            party_uscc=e.party_uscc,
            party_id_masked=e.party_id_masked,
            party_name=e.party_name,
            department_code=e.department_code,
            department_name=e.department_name,
            district_code=e.district_code,
            penalty_domain=e.domain,
            benchmark_code=e.benchmark_code,
            kinds=tuple(e.kinds),
            fine_fen=e.fine_fen,
            confiscation_fen=e.confiscation_fen,
            procedure=e.procedure,
            serious=e.serious,
            # 总局令第45号 第十三条第三款: a restriction longer than the maximum extends publication (the rule
            # is in domain.publication); None from an event written before penalty sent the term
            restriction_months=e.restriction_months,
        )

    @classmethod
    def from_change(cls, current: CreditRecord, e: penalty_contracts.DecisionChanged) -> DecisionFacts:
        """The changed decision: the record's facts with the change's penalties. It keeps the original
        decision date, so its publication never lasts longer than the original one would have (行政处罚法
        第四十八条第二款 ends the original publication)."""
        return cls(
            case_id=current.case_id,
            revision=e.revision,
            decision_no=e.decision_no,
            decided_on=current.decided_on,
            effective_on=current.effective_on,
            party_kind=current.party_kind,
            party_uscc=current.party_uscc,
            party_id_masked=current.party_id_masked,
            party_name=current.party_name,
            department_code=current.department_code,
            department_name=current.department_name,
            district_code=current.district_code,
            penalty_domain=current.penalty_domain,
            benchmark_code=current.benchmark_code,
            kinds=tuple(e.kinds),
            fine_fen=e.fine_fen,
            confiscation_fen=current.confiscation_fen,
            procedure=current.procedure,
            serious=current.serious,
            # the changed decision's own term: the change may shorten the restriction or drop it. A change
            # written before the field existed carries None, as did every decision then (no event carried it).
            restriction_months=e.restriction_months,
        )

    def decision(self, context: CreditRepairContext) -> Decision:
        """The domain's view of the decision; a malformed decision can never be handled (dead letter)."""
        try:
            kinds = frozenset(rules.parse_penalty_kind(k) for k in self.kinds)
            return Decision(
                decision_no=self.decision_no,
                decision_date=self.decided_on,
                party_kind=PartyKind(self.party_kind),
                procedure=ProcedureKind(self.procedure),
                kinds=kinds,
                fine_fen=self.fine_fen,
                department_serious=self.serious,
                department_domain=context.domain_key(self.department_code),
                violation_kind=self.benchmark_code,
                restriction_months=self.restriction_months,
            )
        except (UnknownPenaltyKind, DecisionInvalid, ValueError) as exc:
            raise PoisonMessage(f"decision {self.decision_no} cannot be classed: {exc}") from exc


async def _recent_rule_sets(session: AsyncSession, context: CreditRepairContext) -> list[RuleSet]:
    """The rule sets as read at most 30 s ago from this database (the consumer's hot path)."""
    database = str(session.get_bind().engine.url)
    return await context.rule_sets.recent(database, lambda: rule_set_repo.rule_sets(session))


# --- decision issued ------------------------------------------------------------------------------


async def decision_issued(
    session: AsyncSession,
    *,
    envelope: Envelope,
    event: penalty_contracts.DecisionIssued,
    context: CreditRepairContext,
) -> None:
    """Credit record, class, publication and notice for a decision; then the case's early arrivals."""
    await record_repo.lock_case(session, event.case_id)
    records = await record_repo.records_for_case(session, event.case_id)
    if any(r.revision >= event.revision for r in records):
        log.info("decision %s revision %d already recorded", event.decision_no, event.revision)
        return
    now, today = clock.now(), clock.today()
    facts = DecisionFacts.from_event(event)
    decision = facts.decision(context)
    current = records[-1] if records else None
    rule_set = rule_set_for_decision(await _recent_rule_sets(session, context), facts.decided_on, today)
    replaced = current is not None and current.decision_status == "in_force"
    if current is not None and replaced:
        # A later revision of the same case's decision replaces the earlier one.
        await _end_record(
            session,
            current,
            status="changed",
            revision=event.revision,
            on=facts.decided_on,
            note="处罚决定已重新作出",
            now=now,
            today=today,
        )
    record = await _issue(
        session, facts, decision, rule_set, context, now=now, today=today, cause=envelope.type
    )
    if current is not None and replaced:
        current.superseded_by = record.id
    await _apply_pending(session, event.case_id, context, now=now, today=today)
    await _finish(session)


def _credit_record(
    facts: DecisionFacts,
    decision: Decision,
    classification: Classification,
    rule_set: RuleSet,
    *,
    fine_paid_fen: int,
    fully_performed: bool,
) -> CreditRecord:
    def ordered(kinds: frozenset[PenaltyKind]) -> list[str]:
        return [k.value for k in sorted(kinds, key=list(PenaltyKind).index)]

    return CreditRecord(
        id=uuid.uuid4(),
        case_id=facts.case_id,
        revision=facts.revision,
        decision_no=facts.decision_no,
        decided_on=facts.decided_on,
        effective_on=facts.effective_on,
        party_kind=facts.party_kind,
        party_uscc=facts.party_uscc,
        party_id_masked=facts.party_id_masked,
        party_name=facts.party_name,
        department_code=facts.department_code,
        department_name=facts.department_name,
        district_code=facts.district_code,
        penalty_domain=facts.penalty_domain,
        domain_key=decision.department_domain,
        benchmark_code=facts.benchmark_code,
        kinds=ordered(decision.kinds),
        fine_fen=facts.fine_fen,
        confiscation_fen=facts.confiscation_fen,
        procedure=facts.procedure,
        serious=facts.serious,
        restriction_months=facts.restriction_months,
        credit_class=classification.credit_class.value,
        published=classification.published,
        class_reason=classification.reason,
        rule_set_id=rule_set.id,
        min_months=classification.min_months,
        max_months=classification.max_months,
        never_early=classification.never_early,
        never_early_kinds=ordered(classification.never_early_kinds),
        platforms=list(classification.platforms),
        decision_status="in_force",
        status_revision=facts.revision,
        status_reason="",
        fine_paid_fen=min(fine_paid_fen, facts.fine_fen),
        fully_performed=fully_performed,
    )


def _publication(record: CreditRecord, decision: Decision, window: Window) -> Publication:
    # A natural person is never named in full in public (个人信息保护法 第五十一条). A name of blank
    # characters reaches here (the penalty service does not strip it) and has always been shown as one
    # star, where the kernel's rule leaves it empty.
    public_name = (
        record.party_name
        if record.party_kind == "organisation"
        else masking.mask_name(record.party_name) or "*"
    )
    return Publication(
        id=uuid.uuid4(),
        record_id=record.id,
        case_id=record.case_id,
        decision_no=record.decision_no,
        party_kind=record.party_kind,
        party_uscc=record.party_uscc,
        public_name=public_name,
        department_code=record.department_code,
        department_name=record.department_name,
        district_code=record.district_code,
        credit_class=record.credit_class,
        rule_set_id=record.rule_set_id,
        platforms=list(record.platforms),
        starts_on=window.start,
        min_ends_on=window.minimum_end,
        earliest_repair_on=window.earliest_repair_date,
        max_ends_on=window.maximum_end,
        decided_on=record.decided_on,
        procedure=record.procedure,
        kinds_mask=bulk_repo.kinds_mask(decision.kinds),
        fine_fen=record.fine_fen,
        serious=record.serious,
        restriction_months=record.restriction_months,
        decision_status="in_force",
    )


@dataclass(frozen=True)
class _PendingNotice:
    record: CreditRecord
    decision: Decision
    classification: Classification
    window: Window | None
    rule_set: RuleSet
    context: CreditRepairContext
    now: datetime
    today: date
    audit_after: dict[str, Any]  # the record's audit entry, completed with the notice


async def _issue(
    session: AsyncSession,
    facts: DecisionFacts,
    decision: Decision,
    rule_set: RuleSet,
    context: CreditRepairContext,
    *,
    now: datetime,
    today: date,
    cause: str,
    fine_paid_fen: int = 0,
    fully_performed: bool = False,
) -> CreditRecord:
    """The record, classed under ``rule_set``, and its publication; its notice is numbered at the end of
    the transaction (``_finish``)."""
    classification = pub_domain.classify(decision, rule_set)
    window = pub_domain.publication_window(facts.decided_on, classification, rule_set)
    record = _credit_record(
        facts,
        decision,
        classification,
        rule_set,
        fine_paid_fen=fine_paid_fen,
        fully_performed=fully_performed,
    )
    session.add(record)
    await session.flush()
    publication = None
    if window is not None:
        publication = _publication(record, decision, window)
        await record_repo.add_publication(session, publication)
        deferred.stage_feed(session, publication.id, "started", None, now)
        outbox.add(session, events.publication_started(record, publication, window))
    audit_after: dict[str, Any] = {
        "case_id": str(record.case_id),
        "revision": record.revision,
        "decision_no": record.decision_no,
        "credit_class": record.credit_class,
        "published": record.published,
        "rule_set_id": record.rule_set_id,
        "publication_id": str(publication.id) if publication else None,
    }
    deferred.defer_audit(
        session,
        actor=cause,
        actor_role=SYSTEM,
        action="credit_record.created",
        entity_type="credit_record",
        entity_id=str(record.id),
        after=audit_after,
    )
    # The notice is numbered as late as possible (see _finish): its counter row stays locked until commit.
    session.info.setdefault(NOTICES_KEY, []).append(
        _PendingNotice(record, decision, classification, window, rule_set, context, now, today, audit_after)
    )
    return record


async def _finish(session: AsyncSession) -> None:
    """The end of a consumer's transaction: number, render and store the notices it issues, stage
    ``credit.notice.issued``, then append the audit entries. Gap-free numbering holds the notice counter's
    row until commit, so numbering comes last (the lock order is notice counter → audit → feed counter)."""
    for pending in session.info.pop(NOTICES_KEY, []):
        notice = await _issue_notice(session, pending)
        outbox.add(session, events.notice_issued(pending.record, notice, pending.window, pending.now))
        pending.audit_after.update(notice_id=str(notice.id), notice_no=notice.notice_no)
    await deferred.write_deferred_audit(session)


async def _issue_notice(session: AsyncSession, pending: _PendingNotice) -> RepairNotice:
    record, today = pending.record, pending.today
    prefix = pending.context.notice_prefix(record.department_code)
    seq = await notice_repo.next_notice_number(session, prefix, today.year)
    number = notice_domain.NoticeNumber(prefix, today.year, seq)
    content = notice_domain.build_notice(
        number=number,
        issued_on=today,
        issuer=record.department_name,
        subject_name=record.party_name,
        subject_id=record.party_uscc or record.party_id_masked or "",
        decision=pending.decision,
        classification=pending.classification,
        window=pending.window,
        rule_set=pending.rule_set,
    )
    row = RepairNotice(
        id=uuid.uuid4(),
        record_id=record.id,
        case_id=record.case_id,
        notice_no=str(number),
        prefix=prefix,
        year=today.year,
        seq=seq,
        issued_on=today,
        issued_at=pending.now,
        party_uscc=record.party_uscc,
        department_code=record.department_code,
        district_code=record.district_code,
        content=notice_domain.to_json(content),
        html=record_cases.notice_html(content),
    )
    session.add(row)
    await session.flush()
    return row


async def _end_record(
    session: AsyncSession,
    record: CreditRecord,
    *,
    status: str,
    revision: int,
    on: date,
    note: str,
    now: datetime,
    today: date,
) -> None:
    """Mark a decision revoked or changed and end its publication at once (行政处罚法 第四十八条第二款:
    within three days; here within the transaction that learns of it)."""
    before = {"decision_status": record.decision_status}
    record.decision_status = status
    record.status_revision = revision
    record.status_changed_on = on
    record.status_reason = note
    record.updated_at = now
    publication = await record_repo.publication_for_record(session, record.id, lock=True)
    if publication is not None:
        publication.decision_status = status
        await record_cases.end_publication(session, record, publication, reason=status, now=now, today=today)
    deferred.defer_audit(
        session,
        actor=SYSTEM,
        actor_role=SYSTEM,
        action=f"credit_record.{status}",
        entity_type="credit_record",
        entity_id=str(record.id),
        before=before,
        after={"decision_status": status, "revision": revision, "on": on.isoformat(), "note": note},
    )


# --- revoked, changed, paid (possibly before their decision) --------------------------------------


async def decision_revoked(
    session: AsyncSession, *, envelope: Envelope, event: penalty_contracts.DecisionRevoked
) -> None:
    """End the case's publication at once; kept for later if the decision has not arrived yet."""
    await record_repo.lock_case(session, event.case_id)
    records = await record_repo.records_for_case(session, event.case_id)
    if not records:
        await _keep_pending(session, envelope, event.case_id, event.revision)
        return
    await _apply_revoked(session, records, event, now=clock.now(), today=clock.today())
    await _finish(session)


async def _apply_revoked(
    session: AsyncSession,
    records: Sequence[CreditRecord],
    event: penalty_contracts.DecisionRevoked,
    *,
    now: datetime,
    today: date,
) -> None:
    current = records[-1]
    if event.revision <= current.status_revision:
        log.info("revocation of %s revision %d is older than the record", event.decision_no, event.revision)
        return
    for record in records:
        if record.decision_status == "in_force":
            await _end_record(
                session,
                record,
                status=event.outcome,  # revoked, or confirmed illegal or void: the publication ends alike
                revision=event.revision,
                on=event.revoked_on,
                note=f"{_SOURCES[event.source]}：{event.reason}",
                now=now,
                today=today,
            )
        else:
            record.status_revision = max(record.status_revision, event.revision)


async def decision_changed(
    session: AsyncSession,
    *,
    envelope: Envelope,
    event: penalty_contracts.DecisionChanged,
    context: CreditRepairContext,
) -> None:
    """End the publication of the changed decision and record the decision as changed (classed anew)."""
    await record_repo.lock_case(session, event.case_id)
    records = await record_repo.records_for_case(session, event.case_id)
    if not records:
        await _keep_pending(session, envelope, event.case_id, event.revision)
        return
    await _apply_changed(session, records, event, context, now=clock.now(), today=clock.today())
    await _finish(session)


async def _apply_changed(
    session: AsyncSession,
    records: Sequence[CreditRecord],
    event: penalty_contracts.DecisionChanged,
    context: CreditRepairContext,
    *,
    now: datetime,
    today: date,
) -> None:
    current = records[-1]
    if event.revision <= current.status_revision or event.revision <= current.revision:
        log.info("change of %s revision %d is older than the record", event.decision_no, event.revision)
        return
    if current.decision_status != "in_force":
        log.warning(
            "change of %s arrived after the decision was %s", event.decision_no, current.decision_status
        )
        return
    facts = DecisionFacts.from_change(current, event)
    decision = facts.decision(context)
    rule_set = await rule_set_repo.rule_set(session, current.rule_set_id)
    assert rule_set is not None
    await _end_record(
        session,
        current,
        status="changed",
        revision=event.revision,
        on=event.changed_on,
        note=f"{_SOURCES[event.source]}：{event.reason}",
        now=now,
        today=today,
    )
    successor = await _issue(
        session,
        facts,
        decision,
        rule_set,
        context,
        now=now,
        today=today,
        cause=event.TYPE,
        fine_paid_fen=current.fine_paid_fen,
        fully_performed=current.fully_performed,
    )
    current.superseded_by = successor.id


async def fine_paid(session: AsyncSession, *, envelope: Envelope, event: penalty_contracts.FinePaid) -> None:
    """Record the payment (a condition of repair); kept for later if the decision has not arrived yet."""
    await record_repo.lock_case(session, event.case_id)
    records = await record_repo.records_for_case(session, event.case_id)
    if not records:
        await _keep_pending(session, envelope, event.case_id, None)
        return
    _apply_paid(session, records, event, now=clock.now())
    await _finish(session)


def _apply_paid(
    session: AsyncSession,
    records: Sequence[CreditRecord],
    event: penalty_contracts.FinePaid,
    *,
    now: datetime,
) -> None:
    for record in records:
        before = {"fine_paid_fen": record.fine_paid_fen, "fully_performed": record.fully_performed}
        if event.fully_performed:
            record.fine_paid_fen = record.fine_fen
            record.fully_performed = True
        else:
            record.fine_paid_fen = min(record.fine_fen, record.fine_paid_fen + event.fine_fen)
        record.updated_at = now
        deferred.defer_audit(
            session,
            actor=event.TYPE,
            actor_role=SYSTEM,
            action="credit_record.fine_paid",
            entity_type="credit_record",
            entity_id=str(record.id),
            before=before,
            after={
                "fine_paid_fen": record.fine_paid_fen,
                "fully_performed": record.fully_performed,
                "paid_on": event.paid_on.isoformat(),
            },
        )


async def _keep_pending(
    session: AsyncSession, envelope: Envelope, case_id: uuid.UUID, revision: int | None
) -> None:
    await record_repo.store_pending(
        session,
        event_id=envelope.id,
        case_id=case_id,
        type_=envelope.type,
        revision=revision,
        envelope=envelope.model_dump(mode="json"),
    )
    log.info("%s for case %s arrived before its decision; kept", envelope.type, case_id)


async def _apply_pending(
    session: AsyncSession, case_id: uuid.UUID, context: CreditRepairContext, *, now: datetime, today: date
) -> None:
    for pending in await record_repo.pending_for_case(session, case_id):
        _, event = parse(orjson.dumps(pending.envelope))
        records = await record_repo.records_for_case(session, case_id)
        if isinstance(event, penalty_contracts.DecisionRevoked):
            await _apply_revoked(session, records, event, now=now, today=today)
        elif isinstance(event, penalty_contracts.DecisionChanged):
            await _apply_changed(session, records, event, context, now=now, today=today)
        elif isinstance(event, penalty_contracts.FinePaid):
            _apply_paid(session, records, event, now=now)
        pending.applied_at = now
