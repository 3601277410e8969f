"""Use cases of the credit_repair service: repository + domain + outbox. Never commits (the edge does).

The consumer of ``penalty.decision.issued`` is the hot path (两书同达: the notice must be on the stream
within 250 ms of the decision's own event): one transaction creates the credit record, classes it under the
rule set in force on the decision date, opens the publication, numbers and renders the 信用修复提示书 as
HTML, and stages ``credit.notice.issued`` (and ``credit.publication.started``). The PDF is rendered only
when someone first asks for it, then kept.

Events about a case may arrive out of order: every handler of a case takes the case's advisory lock;
revocations, changes and payments that arrive before their decision are kept in ``pending_case_event`` and
applied, in revision order, as soon as the decision arrives; revisions older than what a record already
reflects are ignored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.common import audit, clock, outbox
from services.common.auth import Principal
from services.common.calendar_store import load_calendar
from services.common.contracts import credit as contracts
from services.common.contracts import penalty as penalty_contracts
from services.common.db import transaction
from services.common.errors import Conflict, Forbidden, NotFound
from services.common.events import Envelope
from services.common.inbox import PoisonMessage, parse
from services.credit_repair import rendering
from services.credit_repair import repository as repo
from services.credit_repair.domain import notice as notice_domain
from services.credit_repair.domain import publication as pub_domain
from services.credit_repair.domain import repair as repair_domain
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import (
    Classification,
    CleanupReason,
    Decision,
    DecisionInvalid,
    Window,
)
from services.credit_repair.domain.rules import CreditClass, PartyKind, PenaltyKind, ProcedureKind, RuleSet
from services.credit_repair.models import (
    CleanupRun,
    CreditRecord,
    Publication,
    PublicationEnd,
    RepairApplication,
    RepairNotice,
    RuleSetRow,
)
from services.credit_repair.settings import CreditRepairSettings

log = logging.getLogger(__name__)

SYSTEM = "system"
API = "/api/v1/credit"


# --- errors ---------------------------------------------------------------------------------------


class RecordNotFound(NotFound):
    code = "CREDIT_RECORD_NOT_FOUND"
    title = "信用记录不存在"
    title_en = "No such credit record"


class NoticeNotFound(NotFound):
    code = "CREDIT_NOTICE_NOT_FOUND"
    title = "信用修复提示书不存在"
    title_en = "No such credit repair notice"


class RepairNotFound(NotFound):
    code = "REPAIR_NOT_FOUND"
    title = "信用修复申请不存在"
    title_en = "No such repair application"


class RuleSetNotFound(NotFound):
    code = "CREDIT_RULESET_NOT_FOUND"
    title = "信用修复规则集不存在"
    title_en = "No such credit-repair rule set"


class RuleSetExists(Conflict):
    code = "CREDIT_RULESET_EXISTS"
    title = "信用修复规则集编号已存在"
    title_en = "A rule set with this id exists"


class CleanupNotFound(NotFound):
    code = "CLEANUP_NOT_FOUND"
    title = "清理任务不存在"
    title_en = "No such clean-up run"


class CleanupNotResumable(Conflict):
    code = "CLEANUP_NOT_RESUMABLE"
    title = "只有失败的清理任务可以继续执行"
    title_en = "Only a failed clean-up run can be resumed"


class CleanupDryRunOnly(Forbidden):
    code = "CLEANUP_DRY_RUN_ONLY"
    title = "监督人员只能预演清理，正式清理须由管理员执行"
    title_en = "Supervisors may only dry-run a clean-up"


class RepairAlreadyDecided(Conflict):
    code = "REPAIR_ALREADY_DECIDED"
    title = "该信用修复申请已办结"
    title_en = "The application has been decided"


class RepairReviewerForbidden(Forbidden):
    code = "REPAIR_REVIEWER_FORBIDDEN"
    title = "只有作出处罚决定的部门可以审核信用修复申请"
    title_en = "Only the deciding department reviews a repair application"


class RepairAlreadyAccepted(Conflict):
    code = "REPAIR_ALREADY_ACCEPTED"
    title = "该信用修复申请已受理"
    title_en = "The application has already been accepted for review"


# --- who sees what --------------------------------------------------------------------------------


def scope_for(principal: Principal) -> repo.Scope:
    """Objects a caller may see: an enterprise its own, an officer its department's (谁认定谁修复), a
    district supervisor the district's, a city supervisor and an administrator everything."""
    if principal.role == "admin":
        return repo.Scope()
    if principal.role == "enterprise":
        return repo.Scope(uscc=principal.uscc or "")
    if principal.role == "officer":
        return repo.Scope(department_code=principal.dept_code or "")
    if principal.role == "supervisor":
        return repo.Scope() if principal.scope == "city" else repo.Scope(district_code=principal.scope or "")
    return repo.Scope(nothing=True)


def department_root(code: str) -> str:
    """SJ-210102 (an enforcement body) -> SJ (its department)."""
    return code.split("-", 1)[0]


def sees(principal: Principal, *, uscc: str | None, department_code: str, district_code: str) -> bool:
    scope = scope_for(principal)
    if scope.nothing:
        return False
    if scope.uscc is not None and uscc != scope.uscc:
        return False
    if scope.department_code is not None and scope.department_code not in (
        department_code,
        department_root(department_code),
    ):
        return False
    return scope.district_code is None or scope.district_code == district_code


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳小明 -> 欧***: natural persons are never named in full on public pages."""
    name = name.strip()
    if not name:
        return "*"
    return name[0] + "*" * max(1, len(name) - 1)


# --- rule sets ------------------------------------------------------------------------------------


def rule_set_status(row: RuleSetRow, today: date) -> str:
    return rules.status_on(repo._parsed(row), today)


async def list_rule_sets(session: AsyncSession) -> list[RuleSetRow]:
    return await repo.rule_set_rows(session)


async def get_rule_set(session: AsyncSession, rule_set_id: str) -> RuleSetRow:
    row = await repo.rule_set_row(session, rule_set_id)
    if row is None:
        raise RuleSetNotFound(f"信用修复规则集 {rule_set_id} 不存在")
    return row


async def add_rule_set(
    session: AsyncSession,
    *,
    document: dict[str, Any],
    supersede_open_ended: bool,
    actor: str,
    actor_role: str,
) -> RuleSetRow:
    """Add a rule set; refuses an invalid one (CREDIT_RULESET_INVALID) and one whose effective period
    overlaps another's (CREDIT_RULESET_OVERLAP, 409). With ``supersede_open_ended`` the open-ended set in
    force before it is closed on the day before it takes effect."""
    new = rules.parse_rule_set(document)
    await repo.lock_rule_sets(session)
    rows = await repo.rule_set_rows(session)
    if any(r.id == new.id for r in rows):
        raise RuleSetExists(f"信用修复规则集编号 {new.id} 已存在，规则集不可修改，请使用新的编号")
    existing = [repo._parsed(r) for r in rows]
    closed: RuleSet | None = None
    if supersede_open_ended:
        for old in existing:
            if old.effective_to is None and old.effective_from < new.effective_from:
                closed = old.model_copy(update={"effective_to": new.effective_from - timedelta(days=1)})
    candidates = [closed if closed is not None and s.id == closed.id else s for s in existing]
    rules.check_no_overlap([*candidates, new])
    if closed is not None:
        await repo.close_rule_set(session, closed.id, closed.effective_to)  # type: ignore[arg-type]
    row = RuleSetRow(
        id=new.id,
        effective_from=new.effective_from,
        effective_to=new.effective_to,
        document=new.model_dump(mode="json"),
        sample=new.sample,
        created_by=actor,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    repo.forget_rule_sets()
    repo.defer_audit(
        session,
        actor=actor,
        actor_role=actor_role,
        action="rule_set.added",
        entity_type="credit_rule_set",
        entity_id=new.id,
        before={"closed": closed.id if closed else None},
        after=row.document,
    )
    await repo.write_deferred_audit(session)
    return row


async def load_rule_set_document(session: AsyncSession, text: str, *, actor: str) -> int:
    """Load every rule set of a ``{"rule_sets": [...]}`` document that is not there yet; returns how many."""
    sets = rules.parse_rule_sets(text)
    have = {r.id for r in await repo.rule_set_rows(session)}
    added = 0
    for rule_set in sets:
        if rule_set.id in have:
            continue
        await add_rule_set(
            session,
            document=rule_set.model_dump(mode="json"),
            supersede_open_ended=False,
            actor=actor,
            actor_role=SYSTEM,
        )
        added += 1
    return added


def _choose_rule_set(sets: Sequence[RuleSet], decided_on: date, today: date) -> RuleSet:
    """The rule set in force on the decision date (the day the record arises); a decision older than every
    configured rule set is judged by today's rules (the only ones known)."""
    try:
        return rules.rule_set_for(sets, decided_on)
    except rules.RuleSetNotInForce:
        return rules.rule_set_for(sets, today)


# --- decisions: the consumer's hot path -----------------------------------------------------------


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
        )

    def decision(self, settings: CreditRepairSettings) -> Decision:
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
                department_domain=domain_key(settings, self.department_code),
                violation_kind=self.benchmark_code,
                restriction_months=self.restriction_months,
            )
        except (rules.UnknownPenaltyKind, DecisionInvalid, ValueError) as exc:
            raise PoisonMessage(f"decision {self.decision_no} cannot be classed: {exc}") from exc


def domain_key(settings: CreditRepairSettings, department_code: str) -> str:
    """The rule sets' domain of a department: SJ and SJ-210102 -> market_regulation."""
    return settings.department_domains.get(department_root(department_code), department_root(department_code))


def _class_label(code: str) -> contracts.CreditClass:
    return CreditClass(code).label  # type: ignore[return-value]


async def on_decision_issued(
    session: AsyncSession,
    *,
    envelope: Envelope,
    event: penalty_contracts.DecisionIssued,
    settings: CreditRepairSettings,
) -> None:
    """Credit record, class, publication and notice for a decision; then the case's early arrivals."""
    await repo.lock_case(session, event.case_id)
    records = await repo.records_for_case(session, event.case_id)
    if any(r.revision >= event.revision for r in records):
        log.info("decision %s revision %d already recorded", event.decision_no, event.revision)
        return
    now, today = clock.now(), clock.today()
    facts = DecisionFacts.from_event(event)
    decision = facts.decision(settings)
    current = _current_record(records)
    rule_set = _choose_rule_set(await repo.recent_rule_sets(session), facts.decided_on, today)
    replaced = current is not None and current.decision_status == "in_force"
    if current is not None and replaced:
        # A later revision of the same case's decision replaces the earlier one.
        await _end_record(
            session,
            current,
            status="changed",
            reason="changed",
            revision=event.revision,
            on=facts.decided_on,
            note="处罚决定已重新作出",
            now=now,
            today=today,
        )
    record = await _issue(
        session, facts, decision, rule_set, settings, now=now, today=today, cause=envelope.type
    )
    if current is not None and replaced:
        current.superseded_by = record.id
    await _apply_pending(session, event.case_id, settings, now=now, today=today)
    await _finish(session)


def _current_record(records: Sequence[CreditRecord]) -> CreditRecord | None:
    return records[-1] if records else None


async def _issue(
    session: AsyncSession,
    facts: DecisionFacts,
    decision: Decision,
    rule_set: RuleSet,
    settings: CreditRepairSettings,
    *,
    now: datetime,
    today: date,
    cause: str,
    fine_paid_fen: int = 0,
    fully_performed: bool = False,
) -> CreditRecord:
    classification = pub_domain.classify(decision, rule_set)
    window = pub_domain.publication_window(facts.decided_on, classification, rule_set)
    record = CreditRecord(
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
        kinds=[k.value for k in sorted(decision.kinds, key=list(PenaltyKind).index)],
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
        never_early_kinds=[
            k.value for k in sorted(classification.never_early_kinds, key=list(PenaltyKind).index)
        ],
        platforms=list(classification.platforms),
        decision_status="in_force",
        status_revision=facts.revision,
        status_reason="",
        fine_paid_fen=min(fine_paid_fen, facts.fine_fen),
        fully_performed=fully_performed,
    )
    session.add(record)
    await session.flush()
    publication = None
    if window is not None:
        publication = _publication(record, decision, window)
        session.add(publication)
        await session.flush()
        repo.stage_feed(session, publication.id, "started", None, now)
        outbox.add(
            session,
            contracts.PublicationStarted(
                publication_id=publication.id,
                record_id=record.id,
                case_id=record.case_id,
                party_uscc=record.party_uscc,
                department_code=record.department_code,
                credit_class=_class_label(record.credit_class),
                starts_on=window.start,
                earliest_repair_on=window.earliest_repair_date or window.maximum_end,
                ends_on=window.maximum_end,
                never_early=not window.early_end_allowed,
            ),
        )
    audit_after: dict[str, Any] = {
        "case_id": str(record.case_id),
        "revision": record.revision,
        "decision_no": record.decision_no,
        "credit_class": record.credit_class,
        "published": record.published,
        "rule_set_id": record.rule_set_id,
        "publication_id": str(publication.id) if publication else None,
    }
    repo.defer_audit(
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
        _PendingNotice(record, decision, classification, window, rule_set, settings, now, today, audit_after)
    )
    return record


NOTICES_KEY = "credit_notices_pending"


@dataclass(frozen=True)
class _PendingNotice:
    record: CreditRecord
    decision: Decision
    classification: Classification
    window: Window | None
    rule_set: RuleSet
    settings: CreditRepairSettings
    now: datetime
    today: date
    audit_after: dict[str, Any]  # the record's audit entry, completed with the notice


async def _finish(session: AsyncSession) -> None:
    """The end of a consumer's transaction: number, render and store the notices it issues, stage
    ``credit.notice.issued``, then append the audit entries. Gap-free numbering holds the notice counter's
    row until commit, so numbering comes last (the lock order is notice counter → audit → feed counter)."""
    for pending in session.info.pop(NOTICES_KEY, []):
        record, window = pending.record, pending.window
        notice = await _issue_notice(
            session,
            record,
            pending.decision,
            pending.classification,
            window,
            pending.rule_set,
            pending.settings,
            now=pending.now,
            today=pending.today,
        )
        outbox.add(
            session,
            contracts.NoticeIssued(
                notice_id=notice.id,
                notice_no=notice.notice_no,
                case_id=record.case_id,
                decision_no=record.decision_no,
                party_uscc=record.party_uscc,
                credit_class=_class_label(record.credit_class),
                published=record.published,
                publication_starts_on=window.start if window else None,
                earliest_repair_on=window.earliest_repair_date if window else None,
                publication_ends_on=window.maximum_end if window else None,
                document_url=f"{API}/notices/{notice.id}/pdf",
                html_url=f"{API}/notices/{notice.id}/html",
                issued_at=pending.now,
                department_code=record.department_code,
            ),
        )
        pending.audit_after.update(notice_id=str(notice.id), notice_no=notice.notice_no)
    await repo.write_deferred_audit(session)


def _publication(record: CreditRecord, decision: Decision, window: Window) -> Publication:
    return Publication(
        id=uuid.uuid4(),
        record_id=record.id,
        case_id=record.case_id,
        decision_no=record.decision_no,
        party_kind=record.party_kind,
        party_uscc=record.party_uscc,
        public_name=record.party_name
        if record.party_kind == "organisation"
        else mask_name(record.party_name),
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
        kinds_mask=repo.kinds_mask(decision.kinds),
        fine_fen=record.fine_fen,
        serious=record.serious,
        restriction_months=record.restriction_months,
        decision_status="in_force",
    )


def _notice_json(notice: notice_domain.RepairNotice) -> dict[str, Any]:
    data = dataclasses.asdict(notice)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    data["credit_class"] = notice.credit_class.value
    return data


def notice_from_json(data: dict[str, Any]) -> notice_domain.RepairNotice:
    fields = {f.name: f for f in dataclasses.fields(notice_domain.RepairNotice)}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            continue
        if name in {
            "issued_on",
            "decision_date",
            "publication_start",
            "minimum_end",
            "maximum_end",
            "earliest_repair_date",
        }:
            values[name] = date.fromisoformat(value) if value else None
        elif name == "credit_class":
            values[name] = CreditClass(value)
        elif isinstance(value, list):
            values[name] = tuple(value)
        else:
            values[name] = value
    return notice_domain.RepairNotice(**values)


async def _issue_notice(
    session: AsyncSession,
    record: CreditRecord,
    decision: Decision,
    classification: Classification,
    window: Window | None,
    rule_set: RuleSet,
    settings: CreditRepairSettings,
    *,
    now: datetime,
    today: date,
) -> RepairNotice:
    prefix = settings.notice_prefixes.get(
        department_root(record.department_code), settings.default_notice_prefix
    )
    seq = await repo.next_notice_number(session, prefix, today.year)
    number = notice_domain.NoticeNumber(prefix, today.year, seq)
    content = notice_domain.build_notice(
        number=number,
        issued_on=today,
        issuer=record.department_name,
        subject_name=record.party_name,
        subject_id=record.party_uscc or record.party_id_masked or "",
        decision=decision,
        classification=classification,
        window=window,
        rule_set=rule_set,
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
        issued_at=now,
        party_uscc=record.party_uscc,
        department_code=record.department_code,
        district_code=record.district_code,
        content=_notice_json(content),
        html=rendering.render_notice_html(content),
    )
    session.add(row)
    await session.flush()
    return row


async def _end_record(
    session: AsyncSession,
    record: CreditRecord,
    *,
    status: str,
    reason: str,
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
    publication = await repo.publication_for_record(session, record.id, lock=True)
    if publication is not None:
        publication.decision_status = status
        await _end_publication(session, record, publication, reason=reason, now=now, today=today)
    repo.defer_audit(
        session,
        actor=SYSTEM,
        actor_role=SYSTEM,
        action=f"credit_record.{status}",
        entity_type="credit_record",
        entity_id=str(record.id),
        before=before,
        after={"decision_status": status, "revision": revision, "on": on.isoformat(), "note": note},
    )


async def _end_publication(
    session: AsyncSession,
    record: CreditRecord,
    publication: Publication,
    *,
    reason: str,
    now: datetime,
    today: date,
) -> bool:
    """End a publication (feed entry and ``credit.publication.ended``) unless it has ended already."""
    if not await repo.end_publication(session, publication.id, reason=reason, now=now, today=today):
        return False
    repo.stage_feed(session, publication.id, "ended", reason, now)
    outbox.add(
        session,
        contracts.PublicationEnded(
            publication_id=publication.id,
            record_id=record.id,
            case_id=record.case_id,
            party_uscc=record.party_uscc,
            department_code=record.department_code,
            reason=reason,
            ended_at=now,
        ),
    )
    return True


async def on_decision_revoked(
    session: AsyncSession, *, envelope: Envelope, event: penalty_contracts.DecisionRevoked
) -> None:
    """End the case's publication at once; kept for later if the decision has not arrived yet."""
    await repo.lock_case(session, event.case_id)
    records = await repo.records_for_case(session, event.case_id)
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
                status="revoked",
                reason="revoked",
                revision=event.revision,
                on=event.revoked_on,
                note=f"{_SOURCES[event.source]}：{event.reason}",
                now=now,
                today=today,
            )
        else:
            record.status_revision = max(record.status_revision, event.revision)


_SOURCES = {
    "reconsideration": "行政复议决定",
    "litigation": "人民法院裁判",
    "self_correction": "行政机关自行纠正",
}


async def on_decision_changed(
    session: AsyncSession,
    *,
    envelope: Envelope,
    event: penalty_contracts.DecisionChanged,
    settings: CreditRepairSettings,
) -> None:
    """End the publication of the changed decision and record the decision as changed (classed anew)."""
    await repo.lock_case(session, event.case_id)
    records = await repo.records_for_case(session, event.case_id)
    if not records:
        await _keep_pending(session, envelope, event.case_id, event.revision)
        return
    await _apply_changed(session, records, event, settings, now=clock.now(), today=clock.today())
    await _finish(session)


async def _apply_changed(
    session: AsyncSession,
    records: Sequence[CreditRecord],
    event: penalty_contracts.DecisionChanged,
    settings: CreditRepairSettings,
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
    # The changed decision keeps the original decision date: its publication never lasts longer than the
    # original one would have (行政处罚法 第四十八条第二款 ends the original publication).
    facts = DecisionFacts(
        case_id=current.case_id,
        revision=event.revision,
        decision_no=event.decision_no,
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
        kinds=tuple(event.kinds),
        fine_fen=event.fine_fen,
        confiscation_fen=current.confiscation_fen,
        procedure=current.procedure,
        serious=current.serious,
        restriction_months=current.restriction_months,
    )
    decision = facts.decision(settings)
    rule_set = await repo.rule_set(session, current.rule_set_id)
    assert rule_set is not None
    await _end_record(
        session,
        current,
        status="changed",
        reason="changed",
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
        settings,
        now=now,
        today=today,
        cause=event.TYPE,
        fine_paid_fen=current.fine_paid_fen,
        fully_performed=current.fully_performed,
    )
    current.superseded_by = successor.id


async def on_fine_paid(
    session: AsyncSession, *, envelope: Envelope, event: penalty_contracts.FinePaid
) -> None:
    """Record the payment (a condition of repair); kept for later if the decision has not arrived yet."""
    await repo.lock_case(session, event.case_id)
    records = await repo.records_for_case(session, event.case_id)
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
        repo.defer_audit(
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
    await repo.store_pending(
        session,
        event_id=envelope.id,
        case_id=case_id,
        type_=envelope.type,
        revision=revision,
        envelope=envelope.model_dump(mode="json"),
    )
    log.info("%s for case %s arrived before its decision; kept", envelope.type, case_id)


async def _apply_pending(
    session: AsyncSession, case_id: uuid.UUID, settings: CreditRepairSettings, *, now: datetime, today: date
) -> None:
    for pending in await repo.pending_for_case(session, case_id):
        _, event = parse(orjson.dumps(pending.envelope))
        records = await repo.records_for_case(session, case_id)
        if isinstance(event, penalty_contracts.DecisionRevoked):
            await _apply_revoked(session, records, event, now=now, today=today)
        elif isinstance(event, penalty_contracts.DecisionChanged):
            await _apply_changed(session, records, event, settings, now=now, today=today)
        elif isinstance(event, penalty_contracts.FinePaid):
            _apply_paid(session, records, event, now=now)
        pending.applied_at = now


# --- records and notices --------------------------------------------------------------------------


async def list_records(
    session: AsyncSession,
    principal: Principal,
    *,
    case_id: uuid.UUID | None,
    uscc: str | None,
    published: bool | None,
    before: str | None,
    limit: int,
) -> tuple[
    list[CreditRecord],
    dict[uuid.UUID, Publication],
    dict[uuid.UUID, PublicationEnd],
    dict[uuid.UUID, uuid.UUID],
]:
    rows = await repo.list_records(
        session,
        scope_for(principal),
        case_id=case_id,
        uscc=uscc,
        published=published,
        before=before,
        limit=limit,
    )
    ids = [r.id for r in rows]
    publications = await repo.publications_for_records(session, ids)
    ends = await repo.ends_for(session, [p.id for p in publications.values()])
    return rows, publications, ends, await repo.notice_ids_for_records(session, ids)


async def get_record(
    session: AsyncSession, principal: Principal, record_id: uuid.UUID
) -> tuple[CreditRecord, Publication | None, PublicationEnd | None, uuid.UUID | None]:
    record = await repo.record(session, record_id)
    if record is None or not sees(
        principal,
        uscc=record.party_uscc,
        department_code=record.department_code,
        district_code=record.district_code,
    ):
        raise RecordNotFound(f"信用记录 {record_id} 不存在")
    publication = await repo.publication_for_record(session, record.id)
    end = await repo.end_of(session, publication.id) if publication is not None else None
    notices = await repo.notice_ids_for_records(session, [record.id])
    return record, publication, end, notices.get(record.id)


async def get_notice(session: AsyncSession, principal: Principal, notice_id: uuid.UUID) -> RepairNotice:
    row = await repo.notice(session, notice_id)
    if row is None or not sees(
        principal, uscc=row.party_uscc, department_code=row.department_code, district_code=row.district_code
    ):
        raise NoticeNotFound(f"信用修复提示书 {notice_id} 不存在")
    return row


async def list_notices(
    session: AsyncSession, principal: Principal, *, case_id: uuid.UUID | None, before: str | None, limit: int
) -> list[RepairNotice]:
    return await repo.list_notices(session, scope_for(principal), case_id=case_id, before=before, limit=limit)


async def notice_pdf(session: AsyncSession, principal: Principal, notice_id: uuid.UUID) -> bytes:
    """The notice as PDF: rendered on the first request (off the event loop) and kept."""
    row = await get_notice(session, principal, notice_id)
    pdf = await repo.notice_pdf(session, row.id)
    if pdf is not None:
        return pdf
    content = notice_from_json(row.content)
    pdf = await asyncio.to_thread(rendering.render_notice_pdf, content)
    await repo.store_notice_pdf(session, row.id, pdf, clock.now())
    return pdf


# --- repairs --------------------------------------------------------------------------------------


def _domain_record(
    record: CreditRecord, publication: Publication | None, end: PublicationEnd | None
) -> repair_domain.CreditRecord:
    decision = Decision(
        decision_no=record.decision_no,
        decision_date=record.decided_on,
        party_kind=PartyKind(record.party_kind),
        procedure=ProcedureKind(record.procedure),
        kinds=frozenset(PenaltyKind(k) for k in record.kinds),
        fine_fen=record.fine_fen,
        department_serious=record.serious,
        department_domain=record.domain_key,
        violation_kind=record.benchmark_code,
        restriction_months=record.restriction_months,
    )
    classification = Classification(
        credit_class=CreditClass(record.credit_class),
        published=record.published,
        reason=record.class_reason,
        rule_set_id=record.rule_set_id,
        min_months=record.min_months,
        max_months=record.max_months,
        never_early=record.never_early,
        never_early_kinds=frozenset(PenaltyKind(k) for k in record.never_early_kinds),
        platforms=tuple(record.platforms),
    )
    window = None
    if publication is not None:
        window = Window(
            start=publication.starts_on,
            minimum_end=publication.min_ends_on,
            maximum_end=publication.max_ends_on,
            early_end_allowed=publication.earliest_repair_on is not None,
        )
    return repair_domain.CreditRecord(
        record_id=str(record.id),
        subject_id=record.party_uscc or record.party_id_masked or "",
        decision=decision,
        classification=classification,
        window=window,
        fine_paid_fen=record.fine_fen if record.fully_performed else record.fine_paid_fen,
        publication_ended_on=end.ended_on if end is not None else None,
    )


async def _end(session: AsyncSession, publication: Publication | None) -> PublicationEnd | None:
    return await repo.end_of(session, publication.id) if publication is not None else None


def _domain_application(app: RepairApplication) -> repair_domain.RepairApplication:
    return repair_domain.RepairApplication(
        application_id=str(app.id),
        record_id=str(app.record_id),
        subject_id=app.party_uscc,
        submitted_on=app.submitted_on,
        commitment_signed=True,
        violation_corrected=app.violation_corrected,
    )


async def _others(session: AsyncSession, record: CreditRecord) -> list[repair_domain.OtherDecision]:
    if record.party_uscc is None:
        return []
    rows = await repo.other_decisions(session, record.party_uscc, record.case_id)
    return [repair_domain.OtherDecision(r.decision_no, r.decided_on, r.benchmark_code) for r in rows]


async def _rule_set_today(session: AsyncSession, today: date) -> RuleSet:
    return rules.rule_set_for(await repo.rule_sets(session), today)


async def apply_for_repair(
    session: AsyncSession,
    principal: Principal,
    *,
    record_id: uuid.UUID,
    commitment_text: str,
    commitment_accepted: bool,
    violation_corrected: bool,
    evidence_refs: Sequence[str],
) -> RepairApplication:
    """An enterprise applies to end the publication of its record early (信用修复)."""
    record = await repo.record(session, record_id, lock=True)
    if record is None or record.party_uscc is None or record.party_uscc != principal.uscc:
        raise RecordNotFound(f"信用记录 {record_id} 不存在")
    publication = await repo.publication_for_record(session, record.id, lock=True)
    now, today = clock.now(), clock.today()
    # The repair procedure (review deadlines, repeat-violation bar) follows the rules in force today; the
    # record keeps the class and periods it was given when it arose.
    rule_set = await _rule_set_today(session, today)
    application_id = uuid.uuid4()
    candidate = repair_domain.RepairApplication(
        application_id=str(application_id),
        record_id=str(record.id),
        subject_id=record.party_uscc,
        submitted_on=today,
        commitment_signed=commitment_accepted and bool(commitment_text.strip()),
        violation_corrected=violation_corrected,
    )
    repair_domain.check_eligibility(
        _domain_record(record, publication, await _end(session, publication)),
        candidate,
        today,
        rule_set,
        open_application_ids=await repo.open_application_ids(session, record.id),
        other_decisions=await _others(session, record),
    )
    assert publication is not None  # eligibility refuses an unpublished record
    deadlines = repair_domain.review_deadlines(today, rule_set, await load_calendar(session))
    app = RepairApplication(
        id=application_id,
        record_id=record.id,
        publication_id=publication.id,
        case_id=record.case_id,
        party_uscc=record.party_uscc,
        department_code=record.department_code,
        district_code=record.district_code,
        status="submitted",
        submitted_on=today,
        submitted_at=now,
        submitted_by=principal.sub,
        commitment_text=commitment_text.strip(),
        violation_corrected=violation_corrected,
        evidence_refs=list(evidence_refs),
        rule_set_id=rule_set.id,
        acceptance_due=deadlines.acceptance_due,
        decision_due=deadlines.decision_due,
        window_due=deadlines.window_due,
        extended=False,
        reasons=[],
    )
    session.add(app)
    await session.flush()
    repo.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="repair.submitted",
        entity_type="repair_application",
        entity_id=str(app.id),
        after={"record_id": str(record.id), "evidence_refs": list(evidence_refs), "rule_set_id": rule_set.id},
    )
    await repo.write_deferred_audit(session)
    return app


def _can_review(principal: Principal, app: RepairApplication) -> bool:
    if principal.role == "admin":
        return True
    return principal.role == "officer" and principal.dept_code in (
        app.department_code,
        department_root(app.department_code),
    )


async def _reviewable(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> RepairApplication:
    app = await repo.application(session, application_id, lock=True)
    if app is None or not sees(
        principal, uscc=app.party_uscc, department_code=app.department_code, district_code=app.district_code
    ):
        raise RepairNotFound(f"信用修复申请 {application_id} 不存在")
    if not _can_review(principal, app):
        # 谁认定谁修复: the department that made the finding reviews
        raise RepairReviewerForbidden("只有作出处罚决定的部门可以审核信用修复申请")
    if app.status not in repo.OPEN_STATUSES:
        raise RepairAlreadyDecided(f"信用修复申请 {application_id} 已办结（{app.status}）")
    return app


async def accept_for_review(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, *, extended: bool
) -> RepairApplication:
    """Record that the department has accepted the application (受理); the decision period runs from here."""
    app = await _reviewable(session, principal, application_id)
    if app.accepted_on is not None:
        raise RepairAlreadyAccepted(f"信用修复申请 {application_id} 已于{app.accepted_on}受理")
    today = clock.today()
    rule_set = await repo.rule_set(session, app.rule_set_id)
    assert rule_set is not None
    deadlines = repair_domain.review_deadlines(
        app.submitted_on, rule_set, await load_calendar(session), accepted_on=today, extended=extended
    )
    before = {"status": app.status, "decision_due": app.decision_due.isoformat()}
    app.status = "under_review"
    app.accepted_on = today
    app.extended = extended
    app.decision_due = deadlines.decision_due
    repo.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="repair.accepted_for_review",
        entity_type="repair_application",
        entity_id=str(app.id),
        before=before,
        after={"status": app.status, "decision_due": app.decision_due.isoformat(), "extended": extended},
    )
    await repo.write_deferred_audit(session)
    return app


async def decide_repair(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    outcome: str,
    reasons: Sequence[str],
) -> RepairApplication:
    """The reviewer's decision; acceptance ends the publication at once (credit.publication.ended, repaired)."""
    app = await _reviewable(session, principal, application_id)
    record = await repo.record(session, app.record_id, lock=True)
    assert record is not None
    publication = await repo.publication_for_record(session, record.id, lock=True)
    now, today = clock.now(), clock.today()
    rule_set = await repo.rule_set(session, app.rule_set_id)
    assert rule_set is not None
    deadlines = repair_domain.ReviewDeadlines(
        received_on=app.submitted_on,
        acceptance_due=app.acceptance_due,
        decision_due=app.decision_due,
        window_due=app.window_due,
        extended=app.extended,
    )
    domain_app = _domain_application(app)
    eligibility = None
    review_outcome = repair_domain.ReviewOutcome(outcome)
    if review_outcome is repair_domain.ReviewOutcome.ACCEPTED:
        eligibility = repair_domain.assess_eligibility(
            _domain_record(record, publication, await _end(session, publication)),
            domain_app,
            today,
            rule_set,
            open_application_ids=[str(app.id)],
            other_decisions=await _others(session, record),
        )
    decision = repair_domain.decide_review(
        domain_app, review_outcome, reasons, today, deadlines, eligibility=eligibility
    )
    before = {"status": app.status}
    app.decided_on = decision.decided_on
    app.decided_at = now
    app.reviewer = principal.sub
    app.outcome = decision.outcome.value
    app.reasons = list(decision.reasons)
    app.on_time = decision.on_time
    if decision.outcome is repair_domain.ReviewOutcome.ACCEPTED:
        assert publication is not None
        app.status = "repaired"
        publication.repaired_on = today
        await _end_publication(session, record, publication, reason="repaired", now=now, today=today)
        outbox.add(
            session,
            contracts.RepairCompleted(
                repair_id=app.id,
                record_id=record.id,
                case_id=record.case_id,
                party_uscc=record.party_uscc,
                accepted_at=now,
            ),
        )
    else:
        app.status = "rejected"
    repo.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"repair.{app.status}",
        entity_type="repair_application",
        entity_id=str(app.id),
        before=before,
        after={"status": app.status, "reasons": app.reasons, "on_time": app.on_time},
    )
    await repo.write_deferred_audit(session)
    return app


async def get_repair(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> RepairApplication:
    app = await repo.application(session, application_id)
    if app is None or not sees(
        principal, uscc=app.party_uscc, department_code=app.department_code, district_code=app.district_code
    ):
        raise RepairNotFound(f"信用修复申请 {application_id} 不存在")
    return app


async def list_repairs(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    overdue: bool,
    before: str | None,
    limit: int,
) -> list[RepairApplication]:
    return await repo.list_applications(
        session,
        scope_for(principal),
        status=status,
        overdue_on=clock.today() if overdue else None,
        before=before,
        limit=limit,
    )


def overdue_stage(app: RepairApplication, today: date) -> str | None:
    if app.status not in repo.OPEN_STATUSES:
        return None
    deadlines = repair_domain.ReviewDeadlines(
        received_on=app.submitted_on,
        acceptance_due=app.acceptance_due,
        decision_due=app.decision_due,
        window_due=app.window_due,
        extended=app.extended,
    )
    stage = repair_domain.overdue_stage(
        deadlines, today, accepted_on=app.accepted_on, decided_on=app.decided_on
    )
    return None if stage is None else stage.value


# --- the sweep ------------------------------------------------------------------------------------


async def sweep(
    factory: async_sessionmaker[AsyncSession], *, actor: str, actor_role: str
) -> tuple[date, int]:
    """End every publication whose maximum period has run (最长公示期届满后自动停止公示)."""
    now, today = clock.now(), clock.today()
    async with transaction(factory) as session:
        ended = await repo.sweep_expired(session, today=today, now=now)
    if ended:
        # Audited after the bulk end (its feed numbering must be the transaction's last lock).
        async with transaction(factory) as session:
            await audit.append(
                session,
                actor=actor,
                actor_role=actor_role,
                action="publication.sweep",
                entity_type="publication",
                entity_id=today.isoformat(),
                after={"ended": ended},
            )
    return today, ended


# --- clean-up runs --------------------------------------------------------------------------------


async def create_cleanup(
    session: AsyncSession,
    principal: Principal,
    *,
    dry_run: bool,
    reasons: Sequence[str] | None,
    department_codes: Sequence[str] | None,
) -> CleanupRun:
    """Queue a 信用松绑 clean-up under the rules in force today; a worker runs it (202)."""
    if not dry_run and principal.role != "admin":
        raise CleanupDryRunOnly("监督人员只能预演（dry_run）清理，正式清理须由管理员执行")
    today = clock.today()
    rule_set = await _rule_set_today(session, today)
    run = CleanupRun(
        id=uuid.uuid4(),
        dry_run=dry_run,
        status="pending",
        as_of=today,
        rule_set_id=rule_set.id,
        reasons=sorted(set(reasons), key=repo.CLEANUP_REASON_VALUES.index) if reasons else None,
        department_codes=sorted(set(department_codes)) if department_codes else None,
        requested_by=principal.sub,
        requested_role=principal.role,
        requested_at=clock.now(),
        next_seq=0,
        examined=0,
        matched=0,
    )
    session.add(run)
    await session.flush()
    repo.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="cleanup.requested",
        entity_type="cleanup_run",
        entity_id=str(run.id),
        after={
            "dry_run": dry_run,
            "rule_set_id": rule_set.id,
            "as_of": today.isoformat(),
            "reasons": run.reasons,
            "department_codes": run.department_codes,
        },
    )
    await repo.write_deferred_audit(session)
    return run


async def get_cleanup(
    session: AsyncSession, run_id: uuid.UUID
) -> tuple[CleanupRun, repo.StepTotals, list[repo.ReportRow]]:
    """A run with its progress (steps done, publications examined and matched so far) and its report."""
    run = await repo.cleanup_run(session, run_id)
    if run is None:
        raise CleanupNotFound(f"清理任务 {run_id} 不存在")
    return run, await repo.step_totals(session, run.id), await repo.cleanup_counts(session, run.id)


async def list_cleanups(session: AsyncSession, *, before: str | None, limit: int) -> list[CleanupRun]:
    return await repo.cleanup_runs(session, before=before, limit=limit)


async def resume_cleanup(session: AsyncSession, principal: Principal, run_id: uuid.UUID) -> CleanupRun:
    run = await repo.cleanup_run(session, run_id, lock=True)
    if run is None:
        raise CleanupNotFound(f"清理任务 {run_id} 不存在")
    if run.status != "failed":
        raise CleanupNotResumable(f"清理任务 {run_id} 当前状态为 {run.status}，无需继续")
    run.status = "pending"
    run.error = None
    repo.defer_audit(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="cleanup.resumed",
        entity_type="cleanup_run",
        entity_id=str(run.id),
        after={"next_seq": run.next_seq},
    )
    await repo.write_deferred_audit(session)
    return run


CLEANUP_LOCK = 0x636C65616E7570  # "cleanup": one clean-up at a time per database


async def run_cleanups(
    engine: AsyncEngine,
    factory: async_sessionmaker[AsyncSession],
    *,
    chunk_size: int,
    parallelism: int = 1,
) -> int:
    """Run every pending (or interrupted) clean-up; returns the number of runs finished.

    A run is cut into steps of ``chunk_size`` publications (by ``seq``), fixed when it starts. Each step is
    one transaction that claims the step's row (``FOR UPDATE SKIP LOCKED``), judges and ends its
    publications and marks the step done, so a run interrupted anywhere resumes with its unfinished steps,
    and ``parallelism`` steps run at once. A session-level advisory lock keeps a second worker out.
    """
    finished = 0
    async with engine.connect() as holder:
        if not await repo.try_session_lock(holder, CLEANUP_LOCK):
            return 0
        try:
            while True:
                async with transaction(factory) as session:
                    run = await repo.next_cleanup_run(session)
                    if run is None:
                        return finished
                    if run.status == "pending":
                        run.status = "running"
                        run.started_at = run.started_at or clock.now()
                    if run.max_seq is None:
                        # Publications created after the run starts are not its business: the next run's.
                        run.max_seq = await repo.max_publication_seq(session)
                        lo = await repo.min_publication_seq(session)
                        await repo.create_steps(session, run.id, lo=lo, hi=run.max_seq, size=chunk_size)
                    run_id = run.id
                try:
                    async with asyncio.TaskGroup() as group:
                        for _ in range(max(1, parallelism)):
                            group.create_task(_run_steps(factory, run_id))
                    await _complete(factory, run_id)
                except Exception as exc:
                    error = exc.exceptions[0] if isinstance(exc, ExceptionGroup) else exc
                    log.error("clean-up %s failed: %r", run_id, error)
                    async with transaction(factory) as session:
                        failed = await repo.cleanup_run(session, run_id, lock=True)
                        if failed is not None:
                            failed.status = "failed"
                            failed.error = repr(error)[:2000]
                    continue
                finished += 1
        finally:
            await repo.release_session_lock(holder, CLEANUP_LOCK)


async def _run_steps(factory: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> None:
    while True:
        async with transaction(factory) as session:
            step = await repo.claim_step(session, run_id)
            if step is None:
                return
            run = await repo.cleanup_run(session, run_id)
            assert run is not None
            rule_set = await repo.rule_set(session, run.rule_set_id)
            assert rule_set is not None
            await repo.judge_step(session, run=run, rule_set=rule_set, step=step, now=clock.now())


async def _complete(factory: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> None:
    async with transaction(factory) as session:
        run = await repo.cleanup_run(session, run_id, lock=True)
        assert run is not None
        totals = await repo.step_totals(session, run_id)
        if totals.done < totals.total:
            return  # another worker still holds a step (cannot happen under the advisory lock)
        run.examined, run.matched = totals.examined, totals.matched
        run.next_seq = (run.max_seq or 0) + 1
        run.status = "completed"
        run.finished_at = clock.now()
        await audit.append(
            session,
            actor=run.requested_by,
            actor_role=run.requested_role,
            action="cleanup.completed",
            entity_type="cleanup_run",
            entity_id=str(run.id),
            after={"dry_run": run.dry_run, "examined": run.examined, "matched": run.matched},
        )


def cleanup_labels() -> dict[str, str]:
    return {r.value: r.label for r in CleanupReason}


# --- feeds ----------------------------------------------------------------------------------------


async def feed(
    session: AsyncSession, *, after_seq: int, limit: int
) -> list[tuple[Any, Publication, PublicationEnd | None]]:
    return await repo.feed_page(session, after_seq, limit)


async def public_publications(
    session: AsyncSession,
    *,
    uscc: str | None,
    department_code: str | None,
    before_seq: int | None,
    limit: int,
) -> list[Publication]:
    return await repo.public_publications(
        session,
        today=clock.today(),
        uscc=uscc,
        department_code=department_code,
        before_seq=before_seq,
        limit=limit,
    )
