"""Use cases of the penalty service: the catalogue, assessments, cases through the lawful procedure, documents,
两书同达, the consistency report and missed deadlines.

Every function takes the caller's session and never commits (the HTTP edge, the inbox runner or the job's
``transaction`` does). A procedure step loads the case row ``FOR UPDATE``, rebuilds the pure ``Case`` from
JSONB, applies ``procedure.handle``, writes the new ``Case`` and its projections back in the same row, appends
the step to the timeline, stages the integration events in the outbox and appends the audit entry.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit, calendar_store, clock, outbox
from services.common.auth import Principal
from services.common.contracts import credit as credit_contracts
from services.common.contracts import inspection as inspection_contracts
from services.common.contracts import penalty as contracts
from services.common.db import transaction
from services.common.errors import BadRequest, Conflict, Forbidden, NotFound
from services.common.pagination import Page, decode_cursor, page_of
from services.common.workdays import WorkingDayCalendar
from services.penalty import codec, issuing, rendering
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import bridge
from services.penalty.domain import catalogue as cat
from services.penalty.domain import deadlines as dl
from services.penalty.domain import discretion as d
from services.penalty.domain import documents as docs
from services.penalty.domain import procedure as p
from services.penalty.models import (
    BenchmarkVersionRow,
    CaseStep,
    CreditNotice,
    Department,
    Document,
    Lead,
    PenaltyCase,
)
from services.penalty.settings import PenaltySettings

# --------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------


class CaseNotFound(NotFound):
    code = "CASE_NOT_FOUND"
    title = "案件不存在"
    title_en = "Case not found"


class LeadNotFound(NotFound):
    code = "LEAD_NOT_FOUND"
    title = "案件线索不存在"
    title_en = "Lead not found"


class DocumentNotFound(NotFound):
    code = "DOCUMENT_NOT_FOUND"
    title = "文书不存在"
    title_en = "Document not found"


class BenchmarkVersionNotFound(NotFound):
    code = "BENCHMARK_VERSION_NOT_FOUND"
    title = "裁量基准版本不存在"
    title_en = "Benchmark version not found"


class BenchmarkImmutable(Conflict):
    code = "BENCHMARK_VERSION_IMMUTABLE"
    title = "已审核或已公布的裁量基准版本不得修改"
    title_en = "An approved or published benchmark version cannot be changed"


class BenchmarkStatusInvalid(Conflict):
    code = "BENCHMARK_STATUS_INVALID"
    title = "裁量基准版本的状态不允许该操作"
    title_en = "The benchmark version's status does not allow this"


class BenchmarkSelfApproval(Conflict):
    code = "BENCHMARK_SELF_APPROVAL"
    title = "起草人不得审核自己起草的裁量基准"
    title_en = "The drafter cannot approve their own draft"


class BenchmarkOtherDepartment(Conflict):
    code = "BENCHMARK_OTHER_DEPARTMENT"
    title = "裁量基准不属于本部门"
    title_en = "The benchmark belongs to another department"


class DepartmentNotConfigured(Conflict):
    code = "DEPARTMENT_NOT_CONFIGURED"
    title = "部门信息未配置"
    title_en = "The department is not configured"


class LeadAlreadyHandled(Conflict):
    code = "LEAD_ALREADY_HANDLED"
    title = "该线索已处理"
    title_en = "The lead has already been handled"


class CreditNoticePending(Conflict):
    code = "CREDIT_NOTICE_PENDING"
    title = "信用修复提示书尚未生成"
    title_en = "The credit repair notice has not arrived yet"


class CertSuspended(Forbidden):
    code = "CERT_SUSPENDED"
    title = "执法证已暂扣"
    title_en = "Enforcement certificate suspended"


class CertRevoked(Forbidden):
    code = "CERT_REVOKED"
    title = "执法证已收缴"
    title_en = "Enforcement certificate revoked"


class CertExpired(Forbidden):
    code = "CERT_EXPIRED"
    title = "执法证已过期"
    title_en = "Enforcement certificate expired"


class NotCertified(Forbidden):
    code = "NOT_CERTIFIED"
    title = "未取得行政执法证件"
    title_en = "Not a certified enforcement officer"


class OfficerRequired(Forbidden):
    code = "OFFICER_CERT_REQUIRED"
    title = "须由持证执法人员办理"
    title_en = "A certified officer must act"


# --------------------------------------------------------------------------------------------------------
# Context and the catalogue cache
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The published catalogue at one revision, parsed once."""

    revision: int
    meta: Mapping[str, Any]
    versions: Mapping[str, tuple[cat.BenchmarkVersion, ...]]
    config: d.AssessmentConfig

    def of(self, code: str) -> tuple[cat.BenchmarkVersion, ...]:
        found = self.versions.get(code)
        if not found:
            raise d.NoBenchmarkVersion(f"裁量基准{code}不存在或尚未公布", extra={"code": code})
        return found

    def version(self, code: str, number: int) -> cat.BenchmarkVersion:
        for v in self.of(code):
            if v.version == number:
                return v
        raise BenchmarkVersionNotFound(f"裁量基准{code}第{number}版不存在或尚未公布")

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or "本机关公布的行政处罚裁量基准")


def version_of_row(row: BenchmarkVersionRow) -> cat.BenchmarkVersion:
    data = dict(row.body)
    data["status"] = row.status
    data["effective_to"] = row.effective_to.isoformat() if row.effective_to else None
    return cat.version_from_dict(data)


class CatalogueCache:
    """Published versions parsed once per catalogue revision. Each use costs one indexed read of the revision
    counter; a publication anywhere bumps it, so every process reloads on its next use."""

    def __init__(self, settings: PenaltySettings) -> None:
        self.settings = settings
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()

    async def snapshot(self, session: AsyncSession) -> Snapshot:
        revision = await repo.catalogue_revision(session)
        current = self._snapshot
        if current is not None and current.revision == revision:
            return current
        async with self._lock:
            current = self._snapshot
            if current is not None and current.revision == revision:
                return current
            state = await repo.catalogue_state(session)
            rows = await repo.published_versions(session)
            grouped: dict[str, list[cat.BenchmarkVersion]] = {}
            for row in rows:
                grouped.setdefault(row.code, []).append(version_of_row(row))
            split = state.meta.get("tier_split") if isinstance(state.meta, dict) else None
            snapshot = Snapshot(
                revision=state.revision,
                meta=dict(state.meta),
                versions={code: tuple(vs) for code, vs in grouped.items()},
                config=self.settings.engine_config(split if isinstance(split, dict) else None),
            )
            self._snapshot = snapshot
            return snapshot


@dataclass(frozen=True, slots=True)
class Context:
    settings: PenaltySettings
    catalogue: CatalogueCache


def make_context(settings: PenaltySettings) -> Context:
    return Context(settings=settings, catalogue=CatalogueCache(settings))


# --------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------

_PDF_LOCK = threading.Lock()  # WeasyPrint (pango, fontconfig) is not documented as thread-safe


def mask_ric(number: str) -> str:
    """'2101**********157X': the first four and the last four characters (SPEC §1.6)."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _doc_url(document_id: uuid.UUID, ext: str) -> str:
    return f"/api/v1/penalty/documents/{document_id}.{ext}"


def _case_url(case_id: uuid.UUID) -> str:
    return f"/api/v1/penalty/cases/{case_id}"


def _case(row: PenaltyCase) -> p.Case:
    return codec.decode(p.Case, row.domain_case)


def _visible(principal: Principal, row: PenaltyCase) -> bool:
    if principal.role == "officer":
        return row.dept_code == principal.dept_code
    if principal.role == "enterprise":
        return row.party_uscc is not None and row.party_uscc == principal.uscc
    if principal.role in ("supervisor", "admin"):
        return principal.sees_district(row.district_code)
    return False


async def _load(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, *, lock: bool = False
) -> PenaltyCase:
    row = await repo.get_case(session, case_id, lock=lock)
    if row is None or not _visible(principal, row):
        raise CaseNotFound(f"案件 {case_id} 不存在")
    return row


async def _load_for_payment(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> PenaltyCase:
    row = await repo.get_case(session, case_id, lock=True)
    # Integration clients (the non-tax revenue system, banks) report payments for any case.
    if row is None or (principal.role != "integration" and not _visible(principal, row)):
        raise CaseNotFound(f"案件 {case_id} 不存在")
    return row


async def _department(session: AsyncSession, code: str) -> Department:
    dept = await repo.department(session, code)
    if dept is None:
        raise DepartmentNotConfigured(
            f"部门 {code} 的名称、文书简称等信息未配置，请管理员先行配置", extra={"dept_code": code}
        )
    return dept


async def check_certificates(session: AsyncSession, cert_nos: Iterable[str], today: date) -> None:
    """A suspended, revoked, expired or auxiliary certificate cannot sign (inspection's projection).

    A certificate the projection has never heard of is allowed: inspection is the registry and announces
    every change, so no record means no adverse one.
    """
    for cert_no in dict.fromkeys(cert_nos):
        cert = await repo.certificate(session, cert_no)
        if cert is None:
            continue
        since = cert.changed_at.astimezone(clock.CHINA).date().isoformat()
        reason = f"（{cert.reason}）" if cert.reason else ""
        if cert.auxiliary:
            raise NotCertified(f"{cert_no} 为执法辅助人员证件，不得从事行政处罚的执法活动")
        if cert.status == "suspended":
            raise CertSuspended(f"执法证 {cert_no} 已于{since}暂扣{reason}，不得从事行政执法活动")
        if cert.status == "revoked":
            raise CertRevoked(f"执法证 {cert_no} 已于{since}收缴{reason}，不得从事行政执法活动")
        if cert.status == "expired" or (cert.valid_until is not None and cert.valid_until < today):
            until = cert.valid_until.isoformat() if cert.valid_until else since
            raise CertExpired(f"执法证 {cert_no} 有效期至{until}，已过期，不得从事行政执法活动")


async def _officer_signs(session: AsyncSession, principal: Principal, today: date) -> str:
    if principal.role != "officer" or not principal.cert_no:
        raise OfficerRequired("该操作须由持证执法人员办理")
    await check_certificates(session, [principal.cert_no], today)
    return principal.cert_no


def _remember_officer(row: PenaltyCase, principal: Principal) -> None:
    if principal.role == "officer" and principal.cert_no and principal.name:
        names = dict(row.details.get("officer_names", {}))
        if names.get(principal.cert_no) != principal.name:
            names[principal.cert_no] = principal.name
            row.details = {**row.details, "officer_names": names}


def _project(row: PenaltyCase, case: p.Case, now: datetime) -> None:
    row.state = case.state.value
    row.procedure = case.procedure.value
    row.revision = case.version
    row.domain_case = codec.to_json(case)
    row.updated_at = now
    if case.assessment is not None:
        row.benchmark_code = case.assessment.benchmark_code
        row.benchmark_version = case.assessment.benchmark_version
        row.tier = case.assessment.tier
    if case.decision is not None:
        row.decision_no = case.decision.document_number
        row.decided_on = case.decision.decided_on
        row.serious = case.decision.serious
    row.fine_fen = case.fine_due_fen


def _event_json(event: p.DomainEvent) -> dict[str, Any]:
    return {"type": event.event_type, **codec.to_json(event)}


async def _audit(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any,
    after: Any,
) -> None:
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )


def _party_fields(row: PenaltyCase) -> dict[str, Any]:
    return {
        "party_kind": row.party_kind,
        "party_uscc": row.party_uscc,
        "party_id_masked": row.party_id_masked,
        "party_name": row.party_name,
    }


async def _report_deadline(
    session: AsyncSession, row: PenaltyCase, *, deadline: dl.DeadlineKind, due_on: date, detected_on: date
) -> bool:
    """Publish ``penalty.deadline.missed`` once per (case, deadline, due date)."""
    fresh = await repo.record_deadline_report(
        session, case_id=row.id, deadline=deadline.value, due_on=due_on, detected_on=detected_on
    )
    if fresh:
        outbox.add(
            session,
            contracts.DeadlineMissed(
                case_id=row.id,
                department_code=row.dept_code,
                district_code=row.district_code,
                deadline=deadline.value,
                due_on=due_on,
                detected_on=detected_on,
            ),
        )
    return fresh


async def _publish(session: AsyncSession, row: PenaltyCase, case: p.Case, event: p.DomainEvent) -> None:
    """Integration events for the domain events other services care about (the rest stay on the timeline)."""
    if isinstance(event, p.CaseFiled):
        outbox.add(
            session,
            contracts.CaseOpened(
                **_party_fields(row),
                case_id=row.id,
                case_no=row.case_no,
                department_code=row.dept_code,
                district_code=row.district_code,
                domain=row.domain,
                benchmark_code=row.benchmark_code,
                source=row.source,
                violation_id=row.violation_id,
                opened_at=event.occurred_at,
            ),
        )
    elif isinstance(event, p.DecisionIssued):
        if event.outcome is not p.DecisionOutcome.PENALTY:
            return  # 不予行政处罚: no penalty to class or publish (see docs/api/penalty.md)
        dept = await _department(session, row.dept_code)
        assert event.benchmark_code is not None and event.benchmark_version is not None and event.tier
        outbox.add(
            session,
            contracts.DecisionIssued(
                **_party_fields(row),
                case_id=row.id,
                decision_no=event.document_number,
                department_code=row.dept_code,
                department_name=dept.name,
                district_code=row.district_code,
                domain=row.domain,
                benchmark_code=event.benchmark_code,
                benchmark_version=event.benchmark_version,
                tier=event.tier,
                kinds=list(event.kinds),
                fine_fen=event.fine_fen,
                confiscation_fen=event.confiscation_fen,
                procedure=event.procedure.value,
                decided_on=event.decided_on,
                # The decision document's date: periods of publication count from it (SPEC §4); it binds
                # the party once delivered, which 两书同达 makes wait for the credit notice.
                effective_on=event.decided_on,
                serious=event.serious,
                outside_tier=event.outside_tier,
                revision=event.revision,
            ),
        )
    elif isinstance(event, p.DecisionRevoked):
        outbox.add(
            session,
            contracts.DecisionRevoked(
                case_id=row.id,
                decision_no=event.document_number,
                party_uscc=row.party_uscc,
                department_code=row.dept_code,
                district_code=row.district_code,
                source=event.source.value,
                reason=event.reason,
                revoked_on=event.revoked_on,
                revision=event.revision,
            ),
        )
    elif isinstance(event, p.DecisionChanged):
        outbox.add(
            session,
            contracts.DecisionChanged(
                case_id=row.id,
                decision_no=event.document_number,
                party_uscc=row.party_uscc,
                department_code=row.dept_code,
                district_code=row.district_code,
                source=event.source.value,
                reason=event.reason,
                kinds=list(event.kinds),
                fine_fen=event.fine_fen,
                changed_on=event.changed_on,
                revision=event.revision,
            ),
        )
    elif isinstance(event, p.FinePaid):
        outbox.add(
            session,
            contracts.FinePaid(
                case_id=row.id,
                decision_no=event.document_number,
                party_uscc=row.party_uscc,
                fine_fen=event.fine_fen,
                surcharge_fen=event.surcharge_fen,
                paid_on=event.paid_on,
                fully_performed=event.fully_performed,
            ),
        )
    elif isinstance(event, p.DeadlineMissed):
        await _report_deadline(
            session, row, deadline=event.deadline, due_on=event.due_on, detected_on=event.detected_on
        )


async def _save(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    transition: p.Transition,
    principal: Principal,
    action: str,
    now: datetime,
) -> None:
    _project(row, transition.case, now)
    _remember_officer(row, principal)
    seq = await repo.next_step_seq(session, row.id)
    await repo.add_step(
        session,
        CaseStep(
            case_id=row.id,
            seq=seq,
            action=action,
            state=transition.case.state.value,
            actor=principal.sub,
            actor_role=principal.role,
            at=now,
            events=[_event_json(e) for e in transition.events],
        ),
    )
    for event in transition.events:
        await _publish(session, row, transition.case, event)


async def _apply(
    session: AsyncSession,
    *,
    row: PenaltyCase,
    case: p.Case,
    command: p.Command,
    principal: Principal,
    action: str,
    now: datetime,
    calendar: WorkingDayCalendar | None = None,
) -> p.Transition:
    cal = calendar or await calendar_store.load_calendar(session)
    transition = p.handle(case, command, now=now, calendar=cal)
    await _save(session, row=row, transition=transition, principal=principal, action=action, now=now)
    return transition


async def _allocate(session: AsyncSession, dept: Department, kind: docs.DocumentKind, ctx: Context) -> str:
    year = clock.today().year
    seq = await repo.next_document_seq(session, dept_code=dept.code, year=year, kind=kind.value)
    config = docs.NumberingConfig(
        city=ctx.settings.numbering_city, abbreviations={dept.code: dept.abbreviation}
    )
    return docs.document_number(dept.code, year, seq, kind, config)


async def _store_document(
    session: AsyncSession, row: PenaltyCase, built: issuing.Built, issued_on: date
) -> Document:
    document = Document(
        id=uuid.uuid4(),
        case_id=row.id,
        kind=built.kind.value,
        number=built.number,
        title=built.title,
        html=built.html,
        issued_on=issued_on,
        created_at=datetime.now(UTC),  # real time, not the service clock: orders a case's documents
    )
    await repo.add_document(session, document)
    return document


def _summary(row: PenaltyCase) -> dict[str, Any]:
    return {"state": row.state, "revision": row.revision}


# --------------------------------------------------------------------------------------------------------
# Catalogue: drafting, approval, publication, import and export
# --------------------------------------------------------------------------------------------------------


def _canonical(v: cat.BenchmarkVersion) -> dict[str, Any]:
    data = cat.version_to_dict(v)
    data.pop("status", None)
    data.pop("effective_to", None)
    return data


def _validate_code(rows: Sequence[BenchmarkVersionRow], replaced: Mapping[int, cat.BenchmarkVersion]) -> None:
    versions = [replaced.get(r.version) or version_of_row(r) for r in rows]
    versions += [v for n, v in replaced.items() if n not in {r.version for r in rows}]
    cat.validate_versions(versions)


async def draft_version(
    session: AsyncSession, *, principal: Principal, data: Mapping[str, Any]
) -> tuple[BenchmarkVersionRow, str]:
    """Add a draft version (or replace a draft of the same number); returns the row and what happened."""
    version = cat.version_from_dict({**data, "status": "draft"})
    cat.validate_version(version)
    await repo.lock_code(session, version.code)
    rows = await repo.versions_of(session, version.code, lock=True)
    existing = next((r for r in rows if r.version == version.version), None)
    body = cat.version_to_dict(version)
    if existing is not None:
        if existing.status != "draft":
            if _canonical(version_of_row(existing)) == _canonical(version):
                return existing, "unchanged"
            raise BenchmarkImmutable(
                f"{version.code}第{version.version}版已{'公布' if existing.status == 'published' else '审核'}，"
                f"不得修改；请起草新的版本",
                extra={"code": version.code, "version": version.version},
            )
        _validate_code(rows, {version.version: version})
        before = existing.body
        existing.body = body
        existing.effective_from = version.effective_from
        existing.effective_to = version.effective_to
        existing.department_code = version.department_code
        existing.domain = version.domain
        existing.violation_name = version.violation_name
        existing.approving_document = version.approving_document
        existing.drafted_by = principal.sub
        existing.drafted_at = clock.now()
        await session.flush()
        await _audit(
            session,
            principal,
            action="benchmark.draft.replaced",
            entity_type="benchmark_version",
            entity_id=f"{version.code}/{version.version}",
            before=before,
            after=body,
        )
        return existing, "replaced_draft"
    _validate_code(rows, {version.version: version})
    row = BenchmarkVersionRow(
        code=version.code,
        version=version.version,
        status="draft",
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        department_code=version.department_code,
        domain=version.domain,
        violation_name=version.violation_name,
        approving_document=version.approving_document,
        body=body,
        drafted_by=principal.sub,
        drafted_at=clock.now(),
    )
    await repo.add_version(session, row)
    await _audit(
        session,
        principal,
        action="benchmark.drafted",
        entity_type="benchmark_version",
        entity_id=f"{version.code}/{version.version}",
        before=None,
        after=body,
    )
    return row, "drafted"


async def import_catalogue(
    session: AsyncSession, *, principal: Principal, text: str, fmt: str
) -> s.ImportResultRead:
    """Import a JSON or CSV file as drafts. Versions already approved or published must be unchanged."""
    if fmt == "json":
        versions: Sequence[cat.BenchmarkVersion] = cat.parse_json(text).all_versions()
    else:
        items = cat.parse_csv(text)
        versions = [v for code in sorted(items) for v in items[code].versions]
    result = s.ImportResultRead(drafted=[], unchanged=[], replaced_drafts=[], catalogue_revision=0)
    for version in versions:
        _, outcome = await draft_version(session, principal=principal, data=cat.version_to_dict(version))
        label = f"{version.code}/{version.version}"
        {"drafted": result.drafted, "unchanged": result.unchanged, "replaced_draft": result.replaced_drafts}[
            outcome
        ].append(label)
    result.catalogue_revision = await repo.catalogue_revision(session)
    return result


async def install_catalogue(session: AsyncSession, *, catalogue: cat.Catalogue, actor: str) -> int:
    """Install a whole catalogue with its files' statuses, as a jurisdiction's first load (sample data, a
    migration from another system); versions already present are left alone. Returns the number added."""
    added = 0
    for version in catalogue.all_versions():
        rows = await repo.versions_of(session, version.code)
        if any(r.version == version.version for r in rows):
            continue
        now = clock.now()
        status = version.status.value
        await repo.add_version(
            session,
            BenchmarkVersionRow(
                code=version.code,
                version=version.version,
                status=status,
                effective_from=version.effective_from,
                effective_to=version.effective_to,
                department_code=version.department_code,
                domain=version.domain,
                violation_name=version.violation_name,
                approving_document=version.approving_document,
                body=cat.version_to_dict(version),
                drafted_by=actor,
                drafted_at=now,
                approved_by=actor if status != "draft" else None,
                approved_at=now if status != "draft" else None,
                published_by=actor if status == "published" else None,
                published_at=now if status == "published" else None,
            ),
        )
        added += 1
    state = await repo.catalogue_state(session, lock=True)
    meta = {k: v for k, v in catalogue.metadata.items() if k != "format"}
    if added or state.meta != meta:
        await repo.bump_catalogue(session, meta=meta)
    return added


async def _version_row(
    session: AsyncSession, code: str, number: int
) -> tuple[BenchmarkVersionRow, Sequence[BenchmarkVersionRow]]:
    await repo.lock_code(session, code)
    rows = await repo.versions_of(session, code, lock=True)
    row = next((r for r in rows if r.version == number), None)
    if row is None:
        raise BenchmarkVersionNotFound(f"裁量基准{code}第{number}版不存在")
    return row, rows


def _with_predecessors_closed(
    rows: Sequence[BenchmarkVersionRow], candidate: cat.BenchmarkVersion
) -> dict[int, cat.BenchmarkVersion]:
    """Published open-ended versions that start earlier end the day before the candidate starts
    (自新版施行之日起, 旧版同时废止)."""
    replaced: dict[int, cat.BenchmarkVersion] = {candidate.version: candidate}
    for r in rows:
        if (
            r.version != candidate.version
            and r.status == "published"
            and r.effective_to is None
            and r.effective_from < candidate.effective_from
        ):
            replaced[r.version] = replace(
                version_of_row(r), effective_to=candidate.effective_from - timedelta(days=1)
            )
    return replaced


async def approve_version(
    session: AsyncSession, *, principal: Principal, code: str, number: int
) -> BenchmarkVersionRow:
    """审核: a draft becomes approved; the drafter cannot approve their own draft."""
    row, rows = await _version_row(session, code, number)
    if row.status != "draft":
        raise BenchmarkStatusInvalid(f"{code}第{number}版当前状态为{row.status}，只有草稿可以审核")
    if row.drafted_by == principal.sub:
        raise BenchmarkSelfApproval(f"{code}第{number}版由{principal.sub}起草，须由其他人员审核")
    candidate = replace(version_of_row(row), status=cat.Status.APPROVED)
    _validate_code(rows, _with_predecessors_closed(rows, candidate))
    row.status = "approved"
    row.approved_by = principal.sub
    row.approved_at = clock.now()
    await session.flush()
    await _audit(
        session,
        principal,
        action="benchmark.approved",
        entity_type="benchmark_version",
        entity_id=f"{code}/{number}",
        before={"status": "draft"},
        after={"status": "approved"},
    )
    return row


async def publish_version(
    session: AsyncSession, *, principal: Principal, code: str, number: int
) -> BenchmarkVersionRow:
    """公布 (行政处罚法 第三十四条: 裁量基准应当向社会公布). From now on the version is immutable."""
    row, rows = await _version_row(session, code, number)
    if row.status != "approved":
        raise BenchmarkStatusInvalid(f"{code}第{number}版当前状态为{row.status}，须经审核后方可公布")
    candidate = replace(version_of_row(row), status=cat.Status.PUBLISHED)
    replaced = _with_predecessors_closed(rows, candidate)
    _validate_code(rows, replaced)
    closed = []
    for r in rows:
        if r.version != number and r.version in replaced:
            r.effective_to = replaced[r.version].effective_to
            closed.append(f"{code}/{r.version}")
    row.status = "published"
    row.published_by = principal.sub
    row.published_at = clock.now()
    await session.flush()
    revision = await repo.bump_catalogue(session)
    await _audit(
        session,
        principal,
        action="benchmark.published",
        entity_type="benchmark_version",
        entity_id=f"{code}/{number}",
        before={"status": "approved"},
        after={"status": "published", "closed": closed, "catalogue_revision": revision},
    )
    return row


async def delete_draft(session: AsyncSession, *, principal: Principal, code: str, number: int) -> None:
    row, _ = await _version_row(session, code, number)
    if row.status != "draft":
        raise BenchmarkStatusInvalid(f"{code}第{number}版已{row.status}，不得删除")
    body = row.body
    await session.delete(row)
    await session.flush()
    await _audit(
        session,
        principal,
        action="benchmark.draft.deleted",
        entity_type="benchmark_version",
        entity_id=f"{code}/{number}",
        before=body,
        after=None,
    )


async def set_catalogue_meta(
    session: AsyncSession, *, principal: Principal, body: s.CatalogueMetaIn, ctx: Context
) -> s.CatalogueMetaRead:
    """Set the catalogue's title, jurisdiction and tier split (jurisdiction configuration, SPEC §3.1)."""
    meta: dict[str, Any] = {"title": body.title, "jurisdiction": body.jurisdiction, "note": body.note}
    if body.tier_split is not None:
        cat.TierSplit.from_mapping(body.tier_split)
        ctx.settings.engine_config(body.tier_split)
        meta["tier_split"] = body.tier_split
    state = await repo.catalogue_state(session, lock=True)
    before = dict(state.meta)
    revision = await repo.bump_catalogue(session, meta=meta)
    await _audit(
        session,
        principal,
        action="catalogue.meta.set",
        entity_type="catalogue",
        entity_id="1",
        before=before,
        after=meta,
    )
    return s.CatalogueMetaRead(revision=revision, meta=meta)


async def catalogue_meta(session: AsyncSession) -> s.CatalogueMetaRead:
    state = await repo.catalogue_state(session)
    return s.CatalogueMetaRead(revision=state.revision, meta=dict(state.meta))


def version_read(row: BenchmarkVersionRow) -> s.BenchmarkVersionRead:
    detail = dict(row.body)
    detail["status"] = row.status
    detail["effective_to"] = row.effective_to.isoformat() if row.effective_to else None
    return s.BenchmarkVersionRead(
        code=row.code,
        version=row.version,
        status=row.status,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        approving_document=row.approving_document,
        department_code=row.department_code,
        department_name=str(detail.get("department_name", "")),
        domain=row.domain,
        violation_name=row.violation_name,
        first_violation_allowed=bool(detail.get("first_violation_allowed", False)),
        detail=detail,
    )


def admin_version_read(row: BenchmarkVersionRow) -> s.BenchmarkAdminRead:
    return s.BenchmarkAdminRead(
        **version_read(row).model_dump(),
        drafted_by=row.drafted_by,
        drafted_at=row.drafted_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        published_by=row.published_by,
        published_at=row.published_at,
    )


async def list_published(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int,
    department_code: str | None,
    domain: str | None,
    in_force_on: date | None,
    query: str | None,
) -> Page[s.BenchmarkVersionRead]:
    after = decode_cursor(cursor)
    key = (str(after[0]), int(after[1])) if isinstance(after, list) and len(after) == 2 else None
    rows = await repo.list_published_page(
        session,
        after=key,
        limit=limit,
        department_code=department_code,
        domain=domain,
        in_force_on=in_force_on,
        query=query,
    )
    return page_of([version_read(r) for r in rows], limit, lambda v: [v.code, v.version])


async def published_item(session: AsyncSession, code: str) -> list[s.BenchmarkVersionRead]:
    rows = [r for r in await repo.versions_of(session, code) if r.status == "published"]
    if not rows:
        raise d.NoBenchmarkVersion(f"裁量基准{code}不存在或尚未公布")
    return [version_read(r) for r in rows]


async def admin_versions(session: AsyncSession, *, status: str | None) -> list[s.BenchmarkAdminRead]:
    return [admin_version_read(r) for r in await repo.all_versions(session, status=status)]


async def export_catalogue(session: AsyncSession, *, fmt: str, published_only: bool) -> str:
    rows = await repo.all_versions(session, status="published" if published_only else None)
    versions = [version_of_row(r) for r in rows]
    if fmt == "csv":
        return cat.to_csv(versions)
    state = await repo.catalogue_state(session)
    grouped: dict[str, list[cat.BenchmarkVersion]] = {}
    for v in versions:
        grouped.setdefault(v.code, []).append(v)
    items = {code: cat.BenchmarkItem(code, tuple(vs)) for code, vs in grouped.items()}
    return cat.to_json(cat.Catalogue(metadata=dict(state.meta), items=items))


# --------------------------------------------------------------------------------------------------------
# Assessment
# --------------------------------------------------------------------------------------------------------


def _facts(body: s.FactsIn, *, party_type: cat.PartyType, enterprise: bool, today: date) -> d.Facts:
    return d.Facts(
        violation_date=body.violation_date,
        decision_date=body.decision_date or today,
        party_type=party_type,
        harm=body.harm,
        correction=body.correction,
        first_offence=body.first_offence,
        minor_violation=body.minor_violation,
        no_fault_proven=body.no_fault_proven,
        continuing_until=body.continuing_until,
        discovered_on=body.discovered_on,
        base_amounts=dict(body.base_amounts),
        obviously_low_bases=frozenset(body.obviously_low_bases),
        illegal_property_value_fen=body.illegal_property_value_fen,
        enterprise=enterprise,
        birth_date=body.birth_date,
        age_years=body.age_years,
        capacity=body.capacity,
        mitigations=frozenset(body.mitigations),
        aggravations=frozenset(body.aggravations),
        statutory_serious=body.statutory_serious,
        meets_no_penalty_list=body.meets_no_penalty_list,
        meets_lighter_list=body.meets_lighter_list,
        meets_mitigated_list=body.meets_mitigated_list,
        major_public_interest=body.major_public_interest,
        complex_case=body.complex_case,
    )


_OUTCOME_LABELS = {
    d.Outcome.LIMITATION_EXPIRED: "超过追责期限，不再给予行政处罚",
    d.Outcome.NO_PENALTY: "不予行政处罚",
    d.Outcome.CORRECTION_ONLY: "责令改正，不予处罚",
    d.Outcome.FIRST_VIOLATION_WAIVER: "首违不罚：可以不予行政处罚",
    d.Outcome.PENALTY: "给予行政处罚",
}


def _range(r: d.FenRange | None) -> s.FenRangeRead | None:
    if r is None:
        return None
    return s.FenRangeRead(low_fen=r.low, high_fen=r.high, text=d.range_text(r, closed=True))


def assessment_read(a: d.Assessment) -> s.AssessmentRead:
    proposal = None
    if a.penalty is not None:
        pp = a.penalty
        proposal = s.ProposalRead(
            tier=bridge.TIER_NAMES[pp.tier],
            tier_key=pp.tier.value,
            legal_range=_range(pp.legal_range),
            tier_range=_range(pp.tier_range),
            suggested_fine_fen=pp.suggested_fine_fen,
            fine_optional=pp.fine_optional,
            kinds=[s.KindRead(kind=k.value, label=k.label) for k in pp.kinds],
            allowed_kinds=[s.KindRead(kind=k.value, label=k.label) for k in pp.allowed_kinds],
            escalations=[e.label for e in pp.escalations],
        )
    return s.AssessmentRead(
        benchmark_code=a.code,
        benchmark_version=a.version,
        outcome=a.outcome.value,
        outcome_label=_OUTCOME_LABELS[a.outcome],
        limitation=s.LimitationRead(
            years=a.limitation.years,
            starts_on=a.limitation.starts_on,
            last_day=a.limitation.last_day,
            measured_on=a.limitation.measured_on,
            expired=a.limitation.expired,
        ),
        penalty=proposal,
        first_violation_eligible=a.first_violation_eligible,
        education_required=a.education_required,
        guardian_order=a.guardian_order,
        coercive_measures_excluded=a.coercive_measures_excluded,
        simple_procedure_allowed=a.simple_procedure_allowed,
        hearing_required=a.hearing_required,
        hearing_reasons=list(a.hearing_reasons),
        legal_review_required=a.legal_review_required,
        legal_review_reasons=list(a.legal_review_reasons),
        collective_discussion_required=a.collective_discussion_required,
        collective_discussion_reasons=list(a.collective_discussion_reasons),
        economic_impact_assessment_required=a.economic_impact_assessment_required,
        economic_impact_reasons=list(a.economic_impact_reasons),
        steps=[
            s.StepRead(
                rule=step.rule,
                text=step.text,
                citations=[
                    s.CitationRead(
                        law=c.law,
                        article=c.article,
                        benchmark_code=c.benchmark_code,
                        benchmark_version=c.benchmark_version,
                        text=c.render(),
                    )
                    for c in step.citations
                ],
            )
            for step in a.steps
        ],
        explanation=a.explanation(),
    )


async def assess_what_if(
    session: AsyncSession, *, code: str, body: s.AssessRequest, ctx: Context
) -> s.AssessmentRead:
    """Stateless assessment against the published catalogue (nothing is stored)."""
    snapshot = await ctx.catalogue.snapshot(session)
    today = clock.today()
    facts = _facts(body, party_type=body.party_type, enterprise=body.enterprise, today=today)
    return assessment_read(d.assess(facts, snapshot.of(code), today=today, config=snapshot.config))


async def assess_case(
    session: AsyncSession,
    *,
    principal: Principal,
    case_id: uuid.UUID,
    body: s.CaseAssessmentRequest,
    ctx: Context,
) -> s.AssessmentRead:
    """Assess the case's facts and record the result as the case's assessment (行政处罚法 第三十四条)."""
    today, now = clock.today(), clock.now()
    await _officer_signs(session, principal, today)
    row = await _load(session, principal, case_id, lock=True)
    before = _summary(row)
    snapshot = await ctx.catalogue.snapshot(session)
    code = body.benchmark_code or row.benchmark_code
    if code is None:
        raise BadRequest("请指定本案适用的裁量基准", code="BENCHMARK_CODE_REQUIRED")
    versions = snapshot.of(code)
    if versions[-1].department_code != row.dept_code:
        raise BenchmarkOtherDepartment(
            f"裁量基准{code}属于{versions[-1].department_name}，不适用于本部门案件"
        )
    case = _case(row)
    party_type = bridge.PARTY_TYPES[case.party.kind]
    facts = _facts(
        body, party_type=party_type, enterprise=case.party.kind is p.PartyKind.ORGANISATION, today=today
    )
    if facts.decision_date < today:
        raise d.DatesInconsistent(
            f"拟作出决定的日期（{facts.decision_date.isoformat()}）早于今日（{today.isoformat()}）"
        )
    assessment = d.assess(facts, versions, today=today, config=snapshot.config)
    chosen = snapshot.version(assessment.code, assessment.version)
    await _apply(
        session,
        row=row,
        case=case,
        command=p.RecordAssessment(bridge.to_assessed(assessment)),
        principal=principal,
        action="assessment",
        now=now,
    )
    row.facts = codec.to_json(facts)
    row.assessment = codec.to_json(assessment)
    row.domain = chosen.domain
    await _audit(
        session,
        principal,
        action="penalty.case.assessed",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**_summary(row), "benchmark": f"{assessment.code}/{assessment.version}", "tier": row.tier},
    )
    return assessment_read(assessment)


# --------------------------------------------------------------------------------------------------------
# Opening cases: directly, or from a lead (inspection.violation.found)
# --------------------------------------------------------------------------------------------------------


async def _open(
    session: AsyncSession,
    *,
    principal: Principal,
    ctx: Context,
    party: s.PartyIn,
    benchmark_code: str,
    procedure: p.ProcedureKind,
    summary: str,
    facts_brief: str,
    officers: Sequence[str],
    approved_by: str,
    source: str,
    district_code: str,
    place: str,
    violation_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    evidence: Sequence[str] = (),
    case_id: uuid.UUID | None = None,
) -> PenaltyCase:
    today, now = clock.today(), clock.now()
    cert = await _officer_signs(session, principal, today)
    assert principal.dept_code is not None
    team = list(dict.fromkeys([cert, *[o.strip() for o in officers if o.strip()]]))
    if len(team) < 2:
        raise p.OfficersInsufficient("承办案件的执法人员不得少于两人（行政处罚法 第四十二条第一款）")
    await check_certificates(session, team, today)
    snapshot = await ctx.catalogue.snapshot(session)
    versions = snapshot.of(benchmark_code)
    current = versions[-1]
    if current.department_code != principal.dept_code:
        raise BenchmarkOtherDepartment(
            f"裁量基准{benchmark_code}属于{current.department_name}，不适用于本部门案件"
        )
    dept = await _department(session, principal.dept_code)
    case_no = await _allocate(session, dept, docs.DocumentKind.FILING_APPROVAL, ctx)
    case_id = case_id or uuid.uuid4()
    summary = summary.strip() or current.violation_name
    party_ref = p.PartyRef(party.name, party.kind)
    transition = p.file_case(
        p.FileCase(
            case_id=case_id,
            dept_code=principal.dept_code,
            party=party_ref,
            procedure=procedure,
            summary=summary,
            approved_by=approved_by,
            officers=tuple(team) if procedure is p.ProcedureKind.SIMPLE else (),
        ),
        now=now,
    )
    row = PenaltyCase(
        id=case_id,
        case_no=case_no,
        dept_code=principal.dept_code,
        district_code=district_code,
        domain=current.domain,
        state=transition.case.state.value,
        procedure=procedure.value,
        source=source,
        violation_id=violation_id,
        lead_id=lead_id,
        party_kind=party.kind.value,
        party_name=party.name,
        party_uscc=party.uscc,
        party_id_number=party.id_number,
        party_id_masked=mask_ric(party.id_number) if party.id_number else None,
        party_address=party.address,
        party_legal_rep=party.legal_representative,
        summary=summary,
        benchmark_code=benchmark_code,
        benchmark_version=current.version,
        tier=None,
        fine_fen=0,
        serious=False,
        opened_by=principal.sub,
        opened_at=now,
        updated_at=now,
        revision=transition.case.version,
        domain_case=codec.to_json(transition.case),
        details={
            "officers": team,
            "officer_names": {cert: principal.name} if principal.name else {},
            "facts_brief": facts_brief,
            "evidence": list(evidence),
            "place": place,
            "approved_by": approved_by,
        },
    )
    await repo.add_case(session, row)
    await _save(session, row=row, transition=transition, principal=principal, action="filed", now=now)
    built = issuing.filing_approval(
        number=case_no,
        dept=dept,
        row=row,
        version=current,
        facts_brief=facts_brief,
        approver=approved_by,
        filed_on=today,
    )
    await _store_document(session, row, built, today)
    await _audit(
        session,
        principal,
        action="penalty.case.opened",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=None,
        after={"case_no": case_no, "state": row.state, "source": source, "party": party.name},
    )
    return row


async def open_case(
    session: AsyncSession,
    *,
    principal: Principal,
    body: s.CaseOpenIn,
    ctx: Context,
    case_id: uuid.UUID | None = None,
) -> PenaltyCase:
    """立案 directly (a complaint, or what officers found themselves)."""
    assert principal.district_code is not None
    return await _open(
        session,
        principal=principal,
        ctx=ctx,
        party=body.party,
        benchmark_code=body.benchmark_code,
        procedure=body.procedure,
        summary=body.summary,
        facts_brief=body.facts_brief,
        officers=body.officers,
        approved_by=body.approved_by,
        source=body.source,
        district_code=principal.district_code,
        place=body.place,
        case_id=case_id,
    )


async def record_violation(session: AsyncSession, event: inspection_contracts.ViolationFound) -> bool:
    """A violation found during an inspection becomes a lead for the department (idempotent)."""
    return await repo.insert_lead(
        session,
        {
            "id": uuid.uuid5(uuid.NAMESPACE_URL, f"zhifa:lead:{event.violation_id}"),
            "violation_id": event.violation_id,
            "visit_id": event.visit_id,
            "enterprise_uscc": event.enterprise_uscc,
            "enterprise_name": event.enterprise_name,
            "item_code": event.item_code,
            "item_name": event.item_name,
            "legal_basis": event.legal_basis,
            "description": event.description,
            "evidence_hashes": list(event.evidence_hashes),
            "officer_cert_nos": list(event.officer_cert_nos),
            "department_code": event.department_code,
            "district_code": event.district_code,
            "found_at": event.found_at,
        },
    )


async def _visible_lead(
    session: AsyncSession, principal: Principal, lead_id: uuid.UUID, *, lock: bool = False
) -> Lead:
    lead = await repo.get_lead(session, lead_id, lock=lock)
    visible = lead is not None and (
        (principal.role == "officer" and lead.department_code == principal.dept_code)
        or (principal.role in ("supervisor", "admin") and principal.sees_district(lead.district_code))
    )
    if lead is None or not visible:
        raise LeadNotFound(f"线索 {lead_id} 不存在")
    return lead


def _suggestions(lead: Lead, snapshot: Snapshot, today: date) -> list[str]:
    found = []
    for code, versions in sorted(snapshot.versions.items()):
        current = next((v for v in reversed(versions) if v.in_force_on(today)), None)
        if current is None or current.department_code != lead.department_code:
            continue
        laws = {x.law for x in (*current.violated, *current.punishing)}
        if any(
            law in lead.legal_basis or law.removeprefix("中华人民共和国") in lead.legal_basis for law in laws
        ):
            found.append(code)
    return found[:10]


def lead_read(lead: Lead, suggestions: list[str] | None = None) -> s.LeadRead:
    return s.LeadRead(
        id=lead.id,
        violation_id=lead.violation_id,
        visit_id=lead.visit_id,
        enterprise_uscc=lead.enterprise_uscc,
        enterprise_name=lead.enterprise_name,
        item_code=lead.item_code,
        item_name=lead.item_name,
        legal_basis=lead.legal_basis,
        description=lead.description,
        evidence_hashes=list(lead.evidence_hashes),
        officer_cert_nos=list(lead.officer_cert_nos),
        department_code=lead.department_code,
        district_code=lead.district_code,
        found_at=lead.found_at,
        status=lead.status,
        case_id=lead.case_id,
        handled_by=lead.handled_by,
        handled_at=lead.handled_at,
        note=lead.note,
        suggested_benchmarks=suggestions or [],
    )


async def list_leads(
    session: AsyncSession, *, principal: Principal, status: str | None, cursor: str | None, limit: int
) -> Page[s.LeadRead]:
    after = decode_cursor(cursor)
    key = (datetime.fromisoformat(after[0]), uuid.UUID(after[1])) if isinstance(after, list) else None
    dept = principal.dept_code if principal.role == "officer" else None
    rows = await repo.list_leads(session, department_code=dept, status=status, after=key, limit=limit)
    if principal.role == "supervisor":
        rows = [r for r in rows if principal.sees_district(r.district_code)]
    return page_of([lead_read(r) for r in rows], limit, lambda x: [x.found_at.isoformat(), str(x.id)])


async def get_lead(
    session: AsyncSession, *, principal: Principal, lead_id: uuid.UUID, ctx: Context
) -> s.LeadRead:
    lead = await _visible_lead(session, principal, lead_id)
    snapshot = await ctx.catalogue.snapshot(session)
    return lead_read(lead, _suggestions(lead, snapshot, clock.today()))


async def confirm_lead(
    session: AsyncSession, *, principal: Principal, lead_id: uuid.UUID, body: s.LeadConfirmIn, ctx: Context
) -> PenaltyCase:
    """An officer confirms a lead: the case is filed with the inspection's facts and evidence."""
    lead = await _visible_lead(session, principal, lead_id, lock=True)
    if principal.role != "officer":
        raise OfficerRequired("须由本部门持证执法人员确认线索")
    if lead.status != "open":
        raise LeadAlreadyHandled(
            f"该线索已于{lead.handled_at}处理（{lead.status}）", extra={"case_id": str(lead.case_id)}
        )
    party = s.PartyIn(
        kind=p.PartyKind.ORGANISATION,
        name=lead.enterprise_name,
        uscc=lead.enterprise_uscc,
        address=body.party_address,
        legal_representative=body.legal_representative,
    )
    officers = body.officers or [c for c in lead.officer_cert_nos if c != principal.cert_no]
    evidence = [f"检查记录证据（SHA-256 {h}）" for h in lead.evidence_hashes]
    row = await _open(
        session,
        principal=principal,
        ctx=ctx,
        party=party,
        benchmark_code=body.benchmark_code,
        procedure=body.procedure,
        summary=body.summary,
        facts_brief=body.facts_brief or lead.description,
        officers=officers,
        approved_by=body.approved_by,
        source="inspection",
        district_code=lead.district_code,
        place=body.place,
        violation_id=lead.violation_id,
        lead_id=lead.id,
        evidence=evidence,
    )
    lead.status = "confirmed"
    lead.case_id = row.id
    lead.handled_by = principal.sub
    lead.handled_at = clock.now()
    await session.flush()
    return row


async def dismiss_lead(
    session: AsyncSession, *, principal: Principal, lead_id: uuid.UUID, body: s.LeadDismissIn
) -> s.LeadRead:
    lead = await _visible_lead(session, principal, lead_id, lock=True)
    if principal.role != "officer":
        raise OfficerRequired("须由本部门持证执法人员处理线索")
    await _officer_signs(session, principal, clock.today())
    if lead.status != "open":
        raise LeadAlreadyHandled(f"该线索已处理（{lead.status}）")
    lead.status = "dismissed"
    lead.note = body.note
    lead.handled_by = principal.sub
    lead.handled_at = clock.now()
    await session.flush()
    await _audit(
        session,
        principal,
        action="penalty.lead.dismissed",
        entity_type="lead",
        entity_id=str(lead.id),
        before={"status": "open"},
        after={"status": "dismissed", "note": body.note},
    )
    return lead_read(lead)


# --------------------------------------------------------------------------------------------------------
# Procedure steps
# --------------------------------------------------------------------------------------------------------


async def _step(
    session: AsyncSession,
    *,
    principal: Principal,
    case_id: uuid.UUID,
    action: str,
    build: Any,
    party_may: bool = False,
) -> PenaltyCase:
    """Load, authorise, apply ``build(case, today)`` as a command, save, audit."""
    today, now = clock.today(), clock.now()
    if principal.role == "officer":
        await _officer_signs(session, principal, today)
    elif not (party_may and principal.role == "enterprise"):
        raise OfficerRequired("该操作须由持证执法人员办理")
    row = await _load(session, principal, case_id, lock=True)
    before = _summary(row)
    case = _case(row)
    command = build(case, today)
    await _apply(session, row=row, case=case, command=command, principal=principal, action=action, now=now)
    await _audit(
        session,
        principal,
        action=f"penalty.case.{action}",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after=_summary(row),
    )
    return row


async def start_investigation(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.InvestigationIn
) -> PenaltyCase:
    """调查取证 by at least two certified officers (第四十二条)."""
    row = await _load(session, principal, case_id, lock=True)
    officers = tuple(dict.fromkeys(body.officers or issuing.details_list(row, "officers")))
    await check_certificates(session, officers, clock.today())
    updated = await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="investigation",
        build=lambda case, today: p.StartInvestigation(officers),
    )
    updated.details = {**updated.details, "officers": list(officers)}
    return updated


def _assessment(row: PenaltyCase) -> d.Assessment | None:
    return codec.decode(d.Assessment, row.assessment) if row.assessment else None


def _explanation(row: PenaltyCase) -> tuple[str, ...]:
    assessment = _assessment(row)
    return bridge.explanation_lines(assessment) if assessment else ()


async def notify(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.NoticeIn, ctx: Context
) -> PenaltyCase:
    """告知 (第四十四条): number the notice, check the proposal's own procedure flags, issue the documents."""
    today, now = clock.today(), clock.now()
    await _officer_signs(session, principal, today)
    row = await _load(session, principal, case_id, lock=True)
    before = _summary(row)
    case = _case(row)
    assessed = case.assessment
    if assessed is None:
        raise p.AssessmentMissing("尚未依据裁量基准对本案进行裁量，请先完成裁量（行政处罚法 第三十四条）")
    snapshot = await ctx.catalogue.snapshot(session)
    version = snapshot.version(assessed.benchmark_code, assessed.benchmark_version)
    proposed = body.proposed.domain()
    p.validate_penalty(proposed)
    facts = codec.decode(d.Facts, row.facts) if row.facts else None
    flags = bridge.flags_for(
        case.party.kind,
        proposed,
        config=snapshot.config,
        illegal_gains_fen=(facts.base_amounts.get(cat.BaseKind.ILLEGAL_GAINS, 0) if facts else 0),
        illegal_property_fen=(facts.illegal_property_value_fen or 0) if facts else 0,
    )
    hearing_needed = assessed.hearing_required or bool(flags.hearing_reasons)
    hearing_offered = hearing_needed if body.hearing_offered is None else body.hearing_offered
    if hearing_needed and not hearing_offered:
        why = "；".join(flags.hearing_reasons) or "裁量结果认定应当告知听证权利"
        raise p.NoticeIncomplete(
            f"告知书须载明要求听证的权利：{why}（行政处罚法 第六十三条、第六十四条）",
            errors=[{"field": "hearing_offered"}],
        )
    calendar = await calendar_store.load_calendar(session)
    upgraded = bridge.with_flags(assessed, flags)
    if upgraded != assessed:
        transition = await _apply(
            session,
            row=row,
            case=case,
            command=p.RecordAssessment(upgraded),
            principal=principal,
            action="assessment_flags",
            now=now,
            calendar=calendar,
        )
        case = transition.case
    dept = await _department(session, row.dept_code)
    number = await _allocate(session, dept, docs.DocumentKind.PENALTY_NOTICE, ctx)
    reasons = [*_explanation(row), *body.reasons]
    if body.outside_range_reason.strip():
        reasons.append(f"拟作出的罚款超出裁量档次幅度的理由：{body.outside_range_reason.strip()}")
    served_on = body.served_on or today
    transition = await _apply(
        session,
        row=row,
        case=case,
        command=p.Notify(
            document_number=number,
            facts="\n".join(body.facts),
            reasons=tuple(reasons),
            basis=issuing.basis_text(version),
            proposed=proposed,
            benchmark_code=upgraded.benchmark_code,
            served_on=served_on,
            hearing_offered=hearing_offered,
            statement_working_days=body.statement_working_days,
            outside_range_reason=body.outside_range_reason,
            renotice_reason=body.renotice_reason,
            new_evidence=body.new_evidence,
        ),
        principal=principal,
        action="notice",
        now=now,
        calendar=calendar,
    )
    notice = transition.case.notice
    assert notice is not None
    evidence = [*issuing.details_list(row, "evidence"), *body.evidence]
    row.details = {**row.details, "notice_facts": list(body.facts), "evidence": evidence}
    built = issuing.penalty_notice(
        number=number,
        dept=dept,
        row=row,
        version=version,
        notice=notice,
        facts=body.facts,
        evidence=evidence,
        source=snapshot.title,
        filed_on=case.filed_on,
        statement_working_days=body.statement_working_days,
        assessment=_assessment(row),
    )
    await _store_document(session, row, built, served_on)
    if hearing_offered:
        hearing_number = await _allocate(session, dept, docs.DocumentKind.HEARING_NOTICE, ctx)
        built = issuing.hearing_notice(
            number=hearing_number, dept=dept, row=row, version=version, notice=notice
        )
        await _store_document(session, row, built, served_on)
    await _audit(
        session,
        principal,
        action="penalty.case.notice",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**_summary(row), "notice": number, "proposed": proposed.describe()},
    )
    return row


def _not_decided(case: p.Case) -> None:
    """A second decision is refused before a document number is spent on it."""
    if case.decision is not None:
        raise p.AlreadyDecided(
            f"本案已于{case.decision.decided_on.isoformat()}作出决定（{case.decision.document_number}），"
            "不得重复作出决定",
            extra={"state": case.state.value},
        )


def _on(value: date | None, today: date) -> date:
    return value or today


async def record_statement(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.StatementIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="statement",
        party_may=True,
        build=lambda case, today: p.RecordStatement(body.content, _on(body.received_on, today)),
    )


async def review_statements(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.StatementReviewIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="statement_review",
        build=lambda case, today: p.ReviewStatements(body.opinion, body.adopted),
    )


async def waive_rights(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.WaiverIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="waiver",
        party_may=True,
        build=lambda case, today: p.WaiveRights(body.statement, body.hearing, _on(body.declared_on, today)),
    )


async def request_hearing(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.HearingRequestIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="hearing_request",
        party_may=True,
        build=lambda case, today: p.RequestHearing(_on(body.requested_on, today)),
    )


async def schedule_hearing(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.HearingScheduleIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="hearing_schedule",
        build=lambda case, today: p.ScheduleHearing(
            _on(body.notified_on, today), body.hearing_on, body.presider
        ),
    )


async def record_hearing(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.HearingRecordIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="hearing_record",
        build=lambda case, today: p.RecordHearing(
            _on(body.held_on, today), body.outcome, body.transcript_ref
        ),
    )


async def withdraw_hearing(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.HearingWithdrawIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="hearing_withdraw",
        party_may=True,
        build=lambda case, today: p.WithdrawHearing(_on(body.withdrawn_on, today)),
    )


async def record_legal_review(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.LegalReviewIn
) -> PenaltyCase:
    reviewer = principal.cert_no or principal.sub
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="legal_review",
        build=lambda case, today: p.RecordLegalReview(
            reviewer, body.passed, body.opinion, _on(body.reviewed_on, today), body.proposal.domain()
        ),
    )


async def record_collective_discussion(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.CollectiveDiscussionIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="collective_discussion",
        build=lambda case, today: p.RecordCollectiveDiscussion(
            _on(body.held_on, today), tuple(body.participants), body.minutes_ref, body.conclusion.domain()
        ),
    )


async def extend_time_limit(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.ExtensionIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="extension",
        build=lambda case, today: p.ExtendTimeLimit(body.new_limit, body.approver, body.basis, body.reason),
    )


async def decide(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.DecisionIn, ctx: Context
) -> PenaltyCase:
    """作出行政处罚决定: the number is taken from the department's counter in this transaction."""
    today, now = clock.today(), clock.now()
    await _officer_signs(session, principal, today)
    row = await _load(session, principal, case_id, lock=True)
    before = _summary(row)
    case = _case(row)
    if case.procedure is p.ProcedureKind.SIMPLE:
        await check_certificates(session, case.officers, today)
    assessed = case.assessment
    if assessed is None:
        raise p.AssessmentMissing("尚未依据裁量基准对本案进行裁量，请先完成裁量（行政处罚法 第三十四条）")
    snapshot = await ctx.catalogue.snapshot(session)
    version = snapshot.version(assessed.benchmark_code, assessed.benchmark_version)
    dept = await _department(session, row.dept_code)
    _not_decided(case)
    number = await _allocate(session, dept, docs.DocumentKind.PENALTY_DECISION, ctx)
    facts = (
        body.facts or issuing.details_list(row, "notice_facts") or [str(row.details.get("facts_brief", ""))]
    )
    reasons = [*_explanation(row), *body.reasons]
    if body.outside_range_reason.strip():
        reasons.append(f"罚款超出裁量档次幅度的理由：{body.outside_range_reason.strip()}")
    transition = await _apply(
        session,
        row=row,
        case=case,
        command=p.Decide(
            document_number=number,
            penalty=body.penalty.domain(),
            facts="\n".join(facts),
            reasons=tuple(reasons),
            basis=issuing.basis_text(version),
            outside_range_reason=body.outside_range_reason,
            serious=body.serious,
        ),
        principal=principal,
        action="decision",
        now=now,
    )
    decided = transition.case
    evidence = body.evidence if body.evidence is not None else issuing.details_list(row, "evidence")
    place = body.place or str(row.details.get("place", ""))
    built = issuing.penalty_decision(
        number=number,
        dept=dept,
        row=row,
        version=version,
        case=decided,
        facts=facts,
        evidence=evidence,
        defence=body.defence,
        source=snapshot.title,
        place=place,
        assessment=_assessment(row),
    )
    await _store_document(session, row, built, today)
    decision = decided.decision
    assert decision is not None and decision.penalty is not None
    facts_key = bridge.facts_key(codec.decode(d.Facts, row.facts)) if row.facts else "unknown"
    await repo.upsert_decided(
        session,
        {
            "case_id": row.id,
            "dept_code": row.dept_code,
            "district_code": row.district_code,
            "benchmark_code": assessed.benchmark_code,
            "benchmark_version": assessed.benchmark_version,
            "tier": assessed.tier,
            "tier_low_fen": assessed.min_fen,
            "tier_high_fen": assessed.max_fen,
            "fine_fen": decision.penalty.fine_fen,
            "has_fine": p.PenaltyKind.FINE in decision.penalty.kinds,
            "facts_key": facts_key,
            "decided_on": decision.decided_on,
            "active": True,
        },
    )
    await _audit(
        session,
        principal,
        action="penalty.case.decision",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**_summary(row), "decision": number, "penalty": decision.penalty.describe()},
    )
    return row


async def decide_no_penalty(
    session: AsyncSession,
    *,
    principal: Principal,
    case_id: uuid.UUID,
    body: s.NoPenaltyDecisionIn,
    ctx: Context,
) -> PenaltyCase:
    """不予行政处罚决定 (第五十七条第一款第二项、第三项), with the education 第三十三条第三款 requires."""
    today, now = clock.today(), clock.now()
    await _officer_signs(session, principal, today)
    row = await _load(session, principal, case_id, lock=True)
    before = _summary(row)
    case = _case(row)
    if case.assessment is None:
        raise p.AssessmentMissing("尚未依据裁量基准对本案进行裁量，请先完成裁量（行政处罚法 第三十四条）")
    snapshot = await ctx.catalogue.snapshot(session)
    version = snapshot.version(case.assessment.benchmark_code, case.assessment.benchmark_version)
    assessment = codec.decode(d.Assessment, row.assessment) if row.assessment else None
    basis = issuing.no_penalty_basis(assessment)
    dept = await _department(session, row.dept_code)
    _not_decided(case)
    number = await _allocate(session, dept, docs.DocumentKind.NO_PENALTY_DECISION, ctx)
    facts = (
        body.facts or issuing.details_list(row, "notice_facts") or [str(row.details.get("facts_brief", ""))]
    )
    transition = await _apply(
        session,
        row=row,
        case=case,
        command=p.DecideNoPenalty(
            document_number=number,
            facts="\n".join(facts),
            reasons=(*_explanation(row), *body.reasons),
            basis=docs.cite_all(basis),
        ),
        principal=principal,
        action="no_penalty_decision",
        now=now,
    )
    evidence = body.evidence if body.evidence is not None else issuing.details_list(row, "evidence")
    built = issuing.no_penalty_decision(
        number=number,
        dept=dept,
        row=row,
        version=version,
        case=transition.case,
        facts=facts,
        evidence=evidence,
        basis=basis,
        education=body.education,
    )
    await _store_document(session, row, built, today)
    await _audit(
        session,
        principal,
        action="penalty.case.no_penalty_decision",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**_summary(row), "decision": number},
    )
    return row


async def deliver(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.DeliveryIn
) -> tuple[PenaltyCase, Document, CreditNotice | None]:
    """送达 with 两书同达: only once the credit repair notice for the case has arrived."""
    today = clock.today()
    await _officer_signs(session, principal, today)
    row = await _load(session, principal, case_id, lock=True)
    case = _case(row)
    notice = await repo.credit_notice(session, row.id)
    if case.decision is not None and case.decision.outcome is p.DecisionOutcome.PENALTY and notice is None:
        raise CreditNoticePending(
            f"两书同达：行政处罚决定书{case.decision.document_number}须与信用修复提示书一并送达，"
            "信用修复提示书尚未生成，请稍后重试",
            extra={"decision_no": case.decision.document_number},
        )
    row = await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="delivery",
        build=lambda case, today: p.Deliver(
            _on(body.delivered_on, today), body.method, body.recipient, body.electronic_consent
        ),
    )
    document = await _decision_document(session, row)
    return row, document, notice


async def grant_deferral(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.DeferralIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="deferral",
        build=lambda case, today: p.GrantDeferral(body.approved_by, body.new_due, body.reason),
    )


async def record_payment(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.PaymentIn
) -> PenaltyCase:
    """缴纳罚款, reported by an officer or by the revenue system (integration)."""
    today, now = clock.today(), clock.now()
    if principal.role == "officer":
        await _officer_signs(session, principal, today)
    row = await _load_for_payment(session, principal, case_id)
    before = _summary(row)
    case = _case(row)
    await _apply(
        session,
        row=row,
        case=case,
        command=p.RecordPayment(
            _on(body.paid_on, today), body.fine_fen, body.surcharge_fen, body.receipt_ref
        ),
        principal=principal,
        action="payment",
        now=now,
    )
    await _audit(
        session,
        principal,
        action="penalty.case.payment",
        entity_type="penalty_case",
        entity_id=str(row.id),
        before=before,
        after={**_summary(row), "paid_fen": body.fine_fen, "surcharge_fen": body.surcharge_fen},
    )
    return row


async def record_execution(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.ExecutionIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="execution",
        build=lambda case, today: p.RecordExecution(_on(body.executed_on, today), body.note),
    )


async def file_remedy(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.RemedyIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="remedy",
        build=lambda case, today: p.FileRemedy(body.source, body.filed_on, body.reference),
    )


async def conclude_remedy(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.RemedyConcludeIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="remedy_concluded",
        build=lambda case, today: p.ConcludeRemedy(_on(body.concluded_on, today), body.upheld),
    )


async def revoke(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.RevocationIn
) -> PenaltyCase:
    row = await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="revocation",
        build=lambda case, today: p.Revoke(
            body.source, body.reason, body.source_document, _on(body.effective_on, today)
        ),
    )
    await repo.update_decided(session, row.id, active=False)
    return row


async def change(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.ChangeIn
) -> PenaltyCase:
    penalty = body.penalty.domain()
    row = await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="change",
        build=lambda case, today: p.Change(
            body.source,
            body.reason,
            body.source_document,
            _on(body.effective_on, today),
            penalty,
            body.contrary_third_party_request,
        ),
    )
    await repo.update_decided(
        session, row.id, fine_fen=penalty.fine_fen, has_fine=p.PenaltyKind.FINE in penalty.kinds
    )
    return row


async def record_publication(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.PublicationIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="publication",
        build=lambda case, today: p.RecordPublication(
            body.published_on if body.published_on or body.exempt_reason else today, body.exempt_reason
        ),
    )


async def close(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID, body: s.CloseIn
) -> PenaltyCase:
    return await _step(
        session,
        principal=principal,
        case_id=case_id,
        action="closure",
        build=lambda case, today: p.Close(body.reason, body.note),
    )


# --------------------------------------------------------------------------------------------------------
# Reading cases and documents
# --------------------------------------------------------------------------------------------------------


def document_ref(document: Document) -> s.DocumentRef:
    return s.DocumentRef(
        id=document.id,
        kind=document.kind,
        title=document.title,
        number=document.number,
        issued_on=document.issued_on,
        html_url=_doc_url(document.id, "html"),
        pdf_url=_doc_url(document.id, "pdf"),
    )


def credit_notice_read(notice: CreditNotice | None) -> s.CreditNoticeRead | None:
    if notice is None:
        return None
    return s.CreditNoticeRead(
        notice_id=notice.notice_id,
        notice_no=notice.notice_no,
        credit_class=notice.credit_class,
        published=notice.published,
        publication_starts_on=notice.publication_starts_on,
        earliest_repair_on=notice.earliest_repair_on,
        publication_ends_on=notice.publication_ends_on,
        document_url=notice.document_url,
        issued_at=notice.issued_at,
    )


def _kinds(penalty: p.Penalty | None) -> list[s.KindRead]:
    if penalty is None:
        return []
    return [s.KindRead(kind=k.value, label=k.label) for k in sorted(penalty.kinds, key=p.kind_order)]


def decision_summary(case: p.Case, today: date) -> s.DecisionSummary | None:
    decision = case.decision
    if decision is None:
        return None
    penalty = case.current_penalty
    surcharge = case.surcharge_on(today)
    return s.DecisionSummary(
        number=decision.document_number,
        outcome=decision.outcome.value,
        decided_on=decision.decided_on,
        kinds=_kinds(penalty),
        fine_fen=penalty.fine_fen if penalty else 0,
        confiscation_fen=penalty.confiscation_fen if penalty else 0,
        terms=penalty.terms if penalty else "",
        outside_tier=decision.outside_tier,
        serious=decision.serious,
        delivery_due=decision.delivery_due,
        publish_by=decision.publish_by,
        delivered_on=case.delivery.delivered_on if case.delivery else None,
        payment_due=case.payment_due,
        fine_paid_fen=case.fine_paid_fen,
        fine_outstanding_fen=case.fine_outstanding_fen,
        surcharge_today_fen=surcharge.amount_fen if surcharge else 0,
    )


async def case_read(session: AsyncSession, *, principal: Principal, row: PenaltyCase) -> s.CaseRead:
    case = _case(row)
    today = clock.today()
    documents = await repo.case_documents(session, row.id)
    notice = await repo.credit_notice(session, row.id)
    internal = principal.role in ("officer", "supervisor", "admin")
    own_officer = principal.role == "officer" and principal.dept_code == row.dept_code
    return s.CaseRead(
        id=row.id,
        case_no=row.case_no,
        state=row.state,
        state_label=p.STATE_LABELS[case.state],
        procedure=row.procedure,
        source=row.source,
        dept_code=row.dept_code,
        district_code=row.district_code,
        domain=row.domain,
        party=s.PartyRead(
            kind=row.party_kind,
            name=row.party_name,
            uscc=row.party_uscc,
            id_masked=row.party_id_masked,
            id_number=row.party_id_number if own_officer else None,
            address=row.party_address,
            legal_representative=row.party_legal_rep,
        ),
        summary=row.summary,
        benchmark_code=row.benchmark_code,
        benchmark_version=row.benchmark_version,
        tier=row.tier,
        filed_on=case.filed_on,
        decision_limit=case.decision_limit,
        violation_id=row.violation_id,
        lead_id=row.lead_id,
        decision=decision_summary(case, today),
        deadlines=[
            s.DeadlineRead(
                deadline=i.kind.value,
                level=i.level.value,
                due_on=i.due_on,
                days_left=i.days_left,
                article=i.article,
                message=i.message,
                surcharge_fen=i.surcharge_fen,
            )
            for i in dl.deadline_status(case, today)
        ],
        documents=[document_ref(x) for x in documents],
        credit_notice=credit_notice_read(notice),
        revision=row.revision,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        procedure_record=row.domain_case if internal else None,
        assessment=assessment_read(codec.decode(d.Assessment, row.assessment)) if row.assessment else None,
    )


async def get_case(session: AsyncSession, *, principal: Principal, case_id: uuid.UUID) -> s.CaseRead:
    row = await _load(session, principal, case_id)
    return await case_read(session, principal=principal, row=row)


def case_summary(row: PenaltyCase) -> s.CaseSummaryRead:
    return s.CaseSummaryRead(
        id=row.id,
        case_no=row.case_no,
        state=row.state,
        state_label=p.STATE_LABELS[p.CaseState(row.state)],
        procedure=row.procedure,
        dept_code=row.dept_code,
        district_code=row.district_code,
        party_name=row.party_name,
        party_uscc=row.party_uscc,
        summary=row.summary,
        benchmark_code=row.benchmark_code,
        tier=row.tier,
        decision_no=row.decision_no,
        decided_on=row.decided_on,
        fine_fen=row.fine_fen,
        opened_at=row.opened_at,
    )


async def list_cases(
    session: AsyncSession, *, principal: Principal, state: str | None, cursor: str | None, limit: int
) -> Page[s.CaseSummaryRead]:
    after = decode_cursor(cursor)
    key = None
    if isinstance(after, list) and len(after) == 2:
        try:
            key = (datetime.fromisoformat(str(after[0])), uuid.UUID(str(after[1])))
        except ValueError as exc:
            raise BadRequest("分页游标无效", code="INVALID_CURSOR") from exc
    dept = district = uscc = None
    if principal.role == "officer":
        dept = principal.dept_code
    elif principal.role == "enterprise":
        uscc = principal.uscc
    elif principal.role == "supervisor" and principal.scope != "city":
        district = principal.scope
    rows = await repo.list_cases(
        session, dept_code=dept, district_code=district, party_uscc=uscc, state=state, after=key, limit=limit
    )
    return page_of([case_summary(r) for r in rows], limit, lambda c: [c.opened_at.isoformat(), str(c.id)])


async def case_steps(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID
) -> list[s.StepReadOut]:
    row = await _load(session, principal, case_id)
    if principal.role == "enterprise":
        raise CaseNotFound(f"案件 {case_id} 不存在")
    return [
        s.StepReadOut(
            seq=x.seq,
            action=x.action,
            state=x.state,
            actor=x.actor,
            actor_role=x.actor_role,
            at=x.at,
            events=x.events,
        )
        for x in await repo.steps(session, row.id)
    ]


async def _decision_document(session: AsyncSession, row: PenaltyCase) -> Document:
    kinds = {docs.DocumentKind.PENALTY_DECISION.value, docs.DocumentKind.NO_PENALTY_DECISION.value}
    found = [x for x in await repo.case_documents(session, row.id) if x.kind in kinds]
    if not found:
        raise DocumentNotFound("本案尚未作出决定")
    return found[-1]


async def decision_view(
    session: AsyncSession, *, principal: Principal, case_id: uuid.UUID
) -> s.DecisionViewRead:
    """The decision with both documents of 两书同达 (the enterprise's view)."""
    row = await _load(session, principal, case_id)
    case = _case(row)
    summary = decision_summary(case, clock.today())
    if summary is None:
        raise DocumentNotFound("本案尚未作出决定")
    notice = await repo.credit_notice(session, row.id)
    return s.DecisionViewRead(
        case_id=row.id,
        decision=summary,
        decision_document=document_ref(await _decision_document(session, row)),
        credit_notice=credit_notice_read(notice),
        both_documents_ready=notice is not None,
    )


async def _visible_document(session: AsyncSession, principal: Principal, document_id: uuid.UUID) -> Document:
    document = await repo.get_document(session, document_id)
    if document is None:
        raise DocumentNotFound(f"文书 {document_id} 不存在")
    row = await repo.get_case(session, document.case_id)
    if row is None or not _visible(principal, row):
        raise DocumentNotFound(f"文书 {document_id} 不存在")
    if principal.role == "enterprise" and document.kind == docs.DocumentKind.FILING_APPROVAL.value:
        raise DocumentNotFound(f"文书 {document_id} 不存在")  # an internal form, not served on the party
    return document


async def document_html(session: AsyncSession, *, principal: Principal, document_id: uuid.UUID) -> str:
    return (await _visible_document(session, principal, document_id)).html


def _render_pdf(html: str) -> bytes:
    with _PDF_LOCK:
        return rendering.html_to_pdf(html)


async def document_pdf(
    session: AsyncSession, *, principal: Principal, document_id: uuid.UUID, ctx: Context
) -> tuple[str, bytes]:
    """The PDF, rendered on first request (≈1 s) in a worker thread and cached in the database."""
    document = await _visible_document(session, principal, document_id)
    pdf = await repo.document_pdf(session, document.id)
    if pdf is None:
        pdf = await asyncio.wait_for(
            asyncio.to_thread(_render_pdf, document.html), timeout=ctx.settings.pdf_render_timeout_s
        )
        await repo.store_pdf(session, document.id, pdf)
    return document.number, pdf


# --------------------------------------------------------------------------------------------------------
# Projections (consumers)
# --------------------------------------------------------------------------------------------------------


async def record_officer_change(session: AsyncSession, event: inspection_contracts.OfficerChanged) -> None:
    await repo.upsert_certificate(
        session,
        {
            "cert_no": event.cert_no,
            "officer_id": event.officer_id,
            "department_code": event.department_code,
            "status": event.status,
            "auxiliary": event.auxiliary,
            "valid_until": event.valid_until,
            "reason": event.reason,
            "changed_at": event.changed_at,
            "revision": event.revision,
        },
    )


async def record_credit_notice(session: AsyncSession, event: credit_contracts.NoticeIssued) -> None:
    await repo.upsert_credit_notice(
        session,
        {
            "case_id": event.case_id,
            "notice_id": event.notice_id,
            "notice_no": event.notice_no,
            "decision_no": event.decision_no,
            "credit_class": event.credit_class,
            "published": event.published,
            "publication_starts_on": event.publication_starts_on,
            "earliest_repair_on": event.earliest_repair_on,
            "publication_ends_on": event.publication_ends_on,
            "document_url": event.document_url,
            "issued_at": event.issued_at,
        },
    )


# --------------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------------


def department_read(dept: Department) -> s.DepartmentRead:
    return s.DepartmentRead(
        code=dept.code,
        name=dept.name,
        abbreviation=dept.abbreviation,
        address=dept.address,
        contact=dept.contact,
        phone=dept.phone,
        reconsideration_body=dept.reconsideration_body,
        court=dept.court,
        bank=dept.bank,
        account_name=dept.account_name,
        account_no=dept.account_no,
    )


async def list_departments(session: AsyncSession) -> list[s.DepartmentRead]:
    return [department_read(x) for x in await repo.departments(session)]


async def put_department(
    session: AsyncSession, *, principal: Principal, code: str, body: s.DepartmentIn
) -> s.DepartmentRead:
    existing = await repo.department(session, code)
    before = department_read(existing).model_dump() if existing else None
    await repo.upsert_department(session, {"code": code, **body.model_dump()})
    await session.flush()
    dept = await repo.department(session, code)
    assert dept is not None
    await session.refresh(dept)
    after = department_read(dept)
    await _audit(
        session,
        principal,
        action="penalty.department.set",
        entity_type="department",
        entity_id=code,
        before=before,
        after=after.model_dump(),
    )
    return after


# --------------------------------------------------------------------------------------------------------
# Consistency (类案不同罚, SPEC §3.4)
# --------------------------------------------------------------------------------------------------------


def _links(ids: Sequence[uuid.UUID]) -> list[str]:
    return [_case_url(i) for i in ids]


async def consistency(
    session: AsyncSession, *, principal: Principal, ctx: Context, limit: int
) -> s.ConsistencyRead:
    """Three set-based queries over every decided case; a district supervisor sees their district's flags."""
    district = None if principal.role == "admin" or principal.scope == "city" else principal.scope
    settings = ctx.settings
    outside = await repo.consistency_outside(session, district=district, limit=limit)
    positions = await repo.consistency_positions(
        session,
        district=district,
        margin_bp=settings.consistency_margin_bp,
        min_cases=settings.consistency_min_cases,
        per_flag=settings.consistency_cases_per_flag,
        limit=limit,
    )
    same = await repo.consistency_same_facts(
        session, district=district, per_flag=settings.consistency_cases_per_flag, limit=limit
    )
    return s.ConsistencyRead(
        scope=district or "city",
        decided_cases=await repo.decided_count(session, district=district),
        margin_bp=settings.consistency_margin_bp,
        min_cases=settings.consistency_min_cases,
        outside_range_total=int(outside[0].total) if outside else 0,
        outside_range=[
            s.OutsideRangeFlag(
                benchmark_code=r.benchmark_code,
                tier=r.tier,
                district_code=r.district_code,
                dept_code=r.dept_code,
                fine_fen=r.fine_fen,
                tier_low_fen=r.tier_low_fen,
                tier_high_fen=r.tier_high_fen,
                case_ids=[r.case_id],
                links=_links([r.case_id]),
            )
            for r in outside
        ],
        district_position_total=int(positions[0].total) if positions else 0,
        district_position=[
            s.PositionFlag(
                benchmark_code=r.benchmark_code,
                tier=r.tier,
                district_code=r.district_code,
                district_cases=r.n,
                district_median_bp=round(r.district_median),
                city_cases=r.city_n,
                city_median_bp=round(r.city_median),
                difference_bp=round(r.district_median - r.city_median),
                case_ids=list(r.case_ids),
                links=_links(r.case_ids),
            )
            for r in positions
        ],
        same_facts_total=int(same[0].total) if same else 0,
        same_facts_different_tier=[
            s.SameFactsFlag(
                benchmark_code=r.benchmark_code,
                facts_key=r.facts_key,
                cases=r.n,
                tiers=list(r.tiers),
                districts=list(r.districts),
                case_ids=list(r.case_ids),
                links=_links(r.case_ids),
            )
            for r in same
        ],
        generated_at=clock.now(),
    )


# --------------------------------------------------------------------------------------------------------
# Missed deadlines (the daily job)
# --------------------------------------------------------------------------------------------------------


async def scan_deadlines(factory: async_sessionmaker[AsyncSession], *, batch: int = 500) -> int:
    """Publish ``penalty.deadline.missed`` for every overdue deadline of an open case not reported yet.

    One transaction per batch of cases; the report table makes a rescan (or a second worker) harmless.
    """
    today = clock.today()
    reported = 0
    after: uuid.UUID | None = None
    while True:
        async with transaction(factory) as session:
            ids = await repo.open_case_ids(session, after=after, limit=batch)
            if not ids:
                return reported
            rows = (await session.scalars(sa.select(PenaltyCase).where(PenaltyCase.id.in_(ids)))).all()
            for row in rows:
                for item in dl.deadline_status(_case(row), today):
                    if item.level is dl.DeadlineLevel.OVERDUE and await _report_deadline(
                        session, row, deadline=item.kind, due_on=item.due_on, detected_on=today
                    ):
                        reported += 1
            after = ids[-1]
