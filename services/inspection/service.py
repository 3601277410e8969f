"""Use cases of the inspection service: repository + domain + outbox + audit. Never commits (the edge does).

Refusals of entry are the exception that proves the rule: the request that is refused answers 4xx, so the
edge rolls its transaction back, yet every refusal must be kept (SPEC §2.3: refused attempts are the signal
of 乱检查). ``_refuse`` therefore first rolls the request's session back — releasing its row locks and its
pooled connection, so a refusal never waits on its own request and a request never holds two connections —
and then writes the refusal and its ``inspection.entry.refused`` outbox row in one short transaction of
its own (``services.common.db.transaction`` on the runtime's session factory), committed before the error
is raised to the edge. If that transaction cannot commit, the request answers 503 instead of the refusal:
no refusal is ever reported that was not recorded. A retry carrying the same Idempotency-Key is the same
attempt and is recorded once (``entry_refusal.attempt_key``).
"""

from __future__ import annotations

import base64
import csv
import io
import logging
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit, clock, messages, outbox
from services.common.auth import Principal
from services.common.contracts import inspection as contracts
from services.common.db import transaction
from services.common.errors import Conflict, DomainError, Forbidden, NotFound, Unavailable, Unprocessable
from services.common.logs import request_id_var
from services.common.pagination import InvalidCursor, Page, decode_cursor, encode_cursor, page_of
from services.inspection import events, qr
from services.inspection import models as m
from services.inspection import repository as repo
from services.inspection import schemas as s
from services.inspection.domain import entry_code, entry_rules, frequency, registry, sampling, visits
from services.inspection.domain.entry_rules import EntryRefused
from services.inspection.domain.frequency import TaskKind, local_date, year_of
from services.inspection.keys import SigningKeys
from services.inspection.settings import InspectionSettings

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------------
# Configuration and errors


@dataclass(frozen=True)
class Config:
    """What the use cases need from the settings, built once at start-up."""

    keys: SigningKeys
    entry: entry_rules.EntryConfig
    code_ttl: timedelta
    code_leeway: timedelta
    ratios_bp: dict[str, int]
    unknown_class: str
    group_size: int
    backfill_window: timedelta
    emergency_window: timedelta
    rating_window: timedelta

    @property
    def policy(self) -> frequency.FrequencyPolicy:
        return self.entry.frequency


def config_from(settings: InspectionSettings, keys: SigningKeys) -> Config:
    policy = frequency.FrequencyPolicy(
        per_department_cap=settings.per_department_cap,
        enterprise_total_cap=settings.enterprise_total_cap,
        quiet_classes=frozenset(c.strip().upper() for c in settings.quiet_classes),
        quiet_allows_random=settings.quiet_allows_random,
    )
    return Config(
        keys=keys,
        entry=entry_rules.EntryConfig(
            min_officers=settings.min_officers,
            min_officers_per_department=settings.min_officers_per_department,
            urgent_approval_window=timedelta(hours=settings.urgent_approval_window_h),
            frequency=policy,
        ),
        code_ttl=timedelta(seconds=settings.entry_code_ttl_s),
        code_leeway=timedelta(seconds=settings.entry_code_leeway_s),
        ratios_bp=dict(settings.sampling_ratios_bp),
        unknown_class=settings.sampling_unknown_class,
        group_size=settings.sampling_group_size,
        backfill_window=timedelta(days=settings.backfill_window_days),
        emergency_window=timedelta(hours=settings.emergency_scan_window_h),
        rating_window=timedelta(days=settings.rating_window_days),
    )


class TaskNotFound(NotFound):
    code = "TASK_NOT_FOUND"
    title = "检查任务不存在"
    title_en = "Task not found"


class VisitNotFound(NotFound):
    code = "VISIT_NOT_FOUND"
    title = "检查记录不存在"
    title_en = "Visit not found"


class OfficerNotFound(NotFound):
    code = "OFFICER_NOT_FOUND"
    title = "执法人员不存在"
    title_en = "Officer not found"


class EnterpriseNotFound(NotFound):
    code = "ENTERPRISE_NOT_FOUND"
    title = "企业不存在"
    title_en = "Enterprise not found"


class ItemNotFound(NotFound):
    code = "ITEM_NOT_FOUND"
    title = "检查事项不存在"
    title_en = "Inspection item not found"


class DepartmentNotFound(NotFound):
    code = "DEPARTMENT_NOT_FOUND"
    title = "部门不存在"
    title_en = "Department not found"


class QuietWindowNotFound(NotFound):
    code = "QUIET_WINDOW_NOT_FOUND"
    title = "无事不扰期不存在"
    title_en = "Quiet window not found"


class AlreadyExists(Conflict):
    code = "ALREADY_EXISTS"
    title = "记录已存在"
    title_en = "Already exists"


class DepartmentExists(AlreadyExists):
    code = "DEPARTMENT_EXISTS"
    title = "部门代码已存在"
    title_en = "Department code already exists"


class EnforcementBodyExists(AlreadyExists):
    code = "ENFORCEMENT_BODY_EXISTS"
    title = "执法主体编码已存在"
    title_en = "Enforcement body code already exists"


class ItemExists(AlreadyExists):
    code = "ITEM_EXISTS"
    title = "检查事项已存在"
    title_en = "Inspection item already exists"


class OfficerExists(AlreadyExists):
    code = "OFFICER_EXISTS"
    title = "执法人员已登记"
    title_en = "Officer already registered"


class EnterpriseExists(AlreadyExists):
    code = "ENTERPRISE_EXISTS"
    title = "企业已登记"
    title_en = "Enterprise already registered"


class EnterpriseNotClassified(NotFound):
    code = "ENTERPRISE_NOT_CLASSIFIED"
    title = "企业尚无风险分类"
    title_en = "Enterprise not classified yet"


class InvalidOfficer(Unprocessable):
    code = "INVALID_OFFICER"
    title = "执法人员信息不符合要求"
    title_en = "Invalid officer"


class InvalidQuietWindow(Unprocessable):
    code = "INVALID_QUIET_WINDOW"
    title = "无事不扰期设置无效"
    title_en = "Invalid quiet window"


class RefusalNotRecorded(Unavailable):
    code = "REFUSAL_NOT_RECORDED"
    title = "拒绝入企记录暂无法保存"
    title_en = "The refusal could not be recorded"


class ImportInvalid(Unprocessable):
    code = "IMPORT_INVALID"
    title = "导入数据有误，未导入任何记录"
    title_en = "Import rejected; nothing was imported"


class NotYourDepartment(Forbidden):
    code = "NOT_YOUR_DEPARTMENT"
    title = "只能办理本部门的检查任务"
    title_en = "Only your department's tasks"


class ResultsNotPublished(NotFound):
    code = "RESULTS_NOT_PUBLISHED"
    title = "检查结果尚未公开"
    title_en = "Results not published yet"


_REFUSAL_CLASSES: tuple[type[EntryRefused], ...] = (
    *entry_rules.REFUSALS,
    *entry_code.CODE_REFUSALS,
    entry_code.EnterpriseCodeInvalid,
    entry_code.EnterpriseCodeRevoked,
    visits.BackfillWindowPassed,
    visits.EmergencyScanLate,
)
REFUSAL_TITLES: dict[str, str] = {cls.code: cls.title for cls in _REFUSAL_CLASSES}

RIGHTS = [
    "有权要求执法人员出示执法证件并当场核验；执法人员不出示执法证件的，有权拒绝接受检查（《中华人民共和国行政处罚法》第五十五条）。",
    "执法人员不得少于两人（《中华人民共和国行政处罚法》第四十二条）；本次在场检查人员的持证状态已由系统核验。",
    "本次检查仅限上列检查事项；超出范围的检查，有权拒绝并向执法监督机构反映。",
    "检查结束后7日内可以对本次检查进行评价，可选择对被检查部门匿名。",
]
COMPLAINT_CHANNELS = ["12345政务服务便民热线", "沈阳市司法局行政执法监督投诉"]


# ---------------------------------------------------------------------------------------------------------
# Refusals


@dataclass
class Attempt:
    """What is known about an entry attempt so far: the refusal record is built from it."""

    channel: str  # entry_code, check_in, scan, emergency, backfill
    principal: Principal
    attempt_key: str | None
    task_id: uuid.UUID | None = None
    uscc: str | None = None
    dept_code: str | None = None
    district_code: str | None = None
    cert_nos: list[str] = field(default_factory=list)
    entry_code_id: uuid.UUID | None = None


def attempt_key(principal: Principal, idempotency_key: str | None, path: str) -> str | None:
    """Scopes a client's Idempotency-Key to the caller and the endpoint (None without a key)."""
    if not idempotency_key:
        return None
    return f"{principal.caller_key}|{path}|{idempotency_key[:255]}"


async def _refuse(
    session: AsyncSession,
    factory: async_sessionmaker[AsyncSession],
    attempt: Attempt,
    refusal: EntryRefused,
) -> None:
    """Record and publish ``refusal`` in its own committed transaction (see the module docstring)."""
    await session.rollback()
    repo.forget_driver(session)
    now = clock.now()
    refusal_id = uuid.uuid4()
    cert_nos = list(dict.fromkeys(c for c in attempt.cert_nos if c))
    try:
        async with transaction(factory) as side:
            inserted = await repo.insert_refusal(
                side,
                {
                    "refusal_id": refusal_id,
                    "code": refusal.code,
                    "status": refusal.status,
                    "detail": refusal.detail,
                    "channel": attempt.channel,
                    "task_id": attempt.task_id,
                    "uscc": attempt.uscc,
                    "dept_code": attempt.dept_code,
                    "district_code": attempt.district_code,
                    "cert_nos": cert_nos,
                    "entry_code_id": attempt.entry_code_id,
                    "actor": attempt.principal.sub,
                    "actor_role": attempt.principal.role,
                    "request_id": None,
                    "attempt_key": attempt.attempt_key,
                    "refused_at": now,
                },
            )
            if inserted:
                outbox.add(
                    side,
                    contracts.EntryRefused(
                        refusal_id=refusal_id,
                        code=refusal.code,
                        task_id=attempt.task_id,
                        enterprise_uscc=attempt.uscc,
                        department_code=attempt.dept_code,
                        district_code=attempt.district_code,
                        officer_cert_nos=cert_nos,
                        detail=refusal.detail,
                        refused_at=now,
                        counts_against_unit=refusal.counts_against_unit,
                        # a code presented again is the same attempt by the officers who were given it
                        attempt_ref=str(attempt.entry_code_id) if attempt.entry_code_id else None,
                    ),
                )
    except (DBAPIError, OSError) as exc:
        log.error("could not record refusal %s: %s", refusal.code, exc)
        raise RefusalNotRecorded(
            "拒绝入企的记录暂时无法保存，请稍后重试", detail_en="refusal not recorded"
        ) from exc


# ---------------------------------------------------------------------------------------------------------
# Scan-to-enter
#
# Every channel (entry code, check-in, enterprise-code scan, emergency, back-fill) runs the same steps:
# resolve the enterprise (locked when a visit may start), read every fact the rules need in one statement
# (repository.entry_facts), resolve the people and the task, let the domain start the visit (times and
# windows) and judge the entry (entry_rules.check_entry at the moment of entering), then write the visit —
# consuming the code in the same statement for a check-in. Any refusal is recorded by ``_refuse``.


CERT_LIKE = re.compile(r"^\S+-\d+$")


@dataclass
class Entry:
    """An entry being judged: the enterprise, the facts read for it, and the people resolved from them."""

    enterprise: repo.EnterpriseRow
    facts: repo.EntryFacts
    inspectors: list[registry.Officer]
    companions: list[registry.Officer]
    departments: dict[str, str]
    unknown: list[str]
    item_codes: list[str]

    def task(self, task_id: uuid.UUID | str | None) -> entry_rules.Task:
        """The task (the enterprise counted in it only if it is a member), or ``TASK_NOT_APPROVED``."""
        if self.facts.task is None:
            raise entry_rules.TaskNotApproved(
                f"检查任务 {task_id} 不存在，不得入企检查", extra={"task_id": str(task_id)}
            )
        members = [self.enterprise.uscc] if self.facts.assigned is not None else []
        return repo.task_from_json(self.facts.task, members)

    def require_people(self) -> None:
        """Anyone put forward who is not in the registry is refused as ``NOT_CERTIFIED``."""
        if self.unknown:
            ref = self.unknown[0]
            raise entry_rules.NotCertified(
                f"“{ref}”未在执法人员名录中登记，不得从事行政检查", extra={"ref": ref}
            )


def _split_refs(principal: Principal, refs: Sequence[str]) -> tuple[list[str], list[str]]:
    """(certificate numbers, registry ids) of the caller and the people named; the caller comes first."""
    certs: list[str] = [principal.cert_no] if principal.cert_no else []
    ids: list[str] = []
    for ref in refs:
        ref = ref.strip().replace("－", "-")
        if CERT_LIKE.match(ref):
            certs.append(ref.upper())
        else:
            ids.append(ref)
    return list(dict.fromkeys(certs)), list(dict.fromkeys(ids))


async def _gather(
    session: AsyncSession,
    *,
    enterprise: repo.EnterpriseRow,
    task_id: uuid.UUID | None,
    cert_nos: Sequence[str],
    officer_ids: Sequence[str],
    accompanying: Sequence[uuid.UUID],
    item_codes: Sequence[str],
    at: datetime,
    code_id: uuid.UUID | None = None,
) -> Entry:
    ids: list[uuid.UUID] = []
    unknown: list[str] = []
    for ref in officer_ids:
        try:
            ids.append(uuid.UUID(ref))
        except ValueError:
            unknown.append(ref)
    facts = await repo.entry_facts(
        session,
        uscc=enterprise.uscc,
        task_id=task_id,
        cert_nos=cert_nos,
        officer_ids=[*ids, *accompanying],
        item_codes=item_codes,
        at=at,
        code_id=code_id,
    )
    by_cert = {o.cert_no: o for o, _ in facts.officers if o.cert_no}
    by_id = {o.officer_id: o for o, _ in facts.officers}
    departments = {o.dept_code: name for o, name in facts.officers}
    inspectors: list[registry.Officer] = []
    for cert in cert_nos:
        if cert in by_cert:
            inspectors.append(by_cert[cert])
        else:
            unknown.append(cert)
    for oid in ids:
        if str(oid) in by_id:
            inspectors.append(by_id[str(oid)])
        else:
            unknown.append(str(oid))
    companion_ids = [str(a) for a in accompanying]
    if code_id is not None and facts.code is not None:
        companion_ids = list(facts.code["accompanying_ids"])
    companions = []
    for oid_text in companion_ids:
        if oid_text in by_id:
            companions.append(by_id[oid_text])
        else:
            unknown.append(oid_text)
    return Entry(enterprise, facts, inspectors, companions, departments, unknown, list(item_codes))


def _judge(cfg: Config, entry: Entry, task: entry_rules.Task, at: datetime) -> None:
    """Every rule of SPEC §2.3 for this entry as of ``at``; raises the first refusal that applies."""
    uscc = entry.enterprise.uscc
    counts = frequency.enterprise_year(entry.facts.records, uscc, year_of(at), cfg.policy)
    entry_rules.check_entry(
        task,
        entry.enterprise.domain(),
        entry.inspectors,
        entry.item_codes,
        entry.facts.catalogue,
        counts,
        entry.facts.risk_class,
        cfg.entry,
        at,
        accompanying=entry.companions,
        quiet_windows=entry.facts.windows,
    )
    entry_rules.check_assignment(task, uscc, entry.facts.assigned or [], entry.inspectors)


async def _enterprise_for_entry(
    session: AsyncSession, uscc: str, task_id: uuid.UUID, *, lock: bool
) -> repo.EnterpriseRow:
    row = await repo.enterprise_row(session, uscc, lock=lock)
    if row is None:
        raise entry_rules.EnterpriseNotInTask(
            f"统一社会信用代码 {uscc} 的企业未在企业名录中登记，不在检查任务 {task_id} 范围内",
            extra={"uscc": uscc},
        )
    return row


def _new_visit(
    cfg: Config,
    entry: Entry,
    task: entry_rules.Task,
    *,
    visit_id: uuid.UUID,
    mode: visits.VisitMode,
    now: datetime,
    started_at: datetime | None = None,
    reason: str = "",
    entry_code_id: uuid.UUID | None = None,
) -> visits.Visit:
    """The domain's visit: checks the times and windows of emergency and back-filled visits."""
    return visits.start_visit(
        visit_id=str(visit_id),
        task=task,
        enterprise=entry.enterprise.domain(),
        officers=entry.inspectors,
        item_codes=entry.item_codes,
        mode=mode,
        now=now,
        started_at=started_at,
        reason=reason,
        entry_code_id=str(entry_code_id) if entry_code_id else None,
        backfill_window=cfg.backfill_window,
        emergency_window=cfg.emergency_window,
    )


def _visit_values(entry: Entry, visit: visits.Visit, principal: Principal) -> dict[str, Any]:
    day = local_date(visit.started_at)
    items = []
    for code in visit.item_codes:
        item = entry.facts.catalogue.get(code, day)
        assert item is not None  # check_entry resolved every item on this day
        items.append(
            {
                "code": item.code,
                "name": item.name,
                "dept_code": item.dept_code,
                "legal_basis": item.legal_basis_text(),
            }
        )
    names = entry.departments
    return {
        "visit_id": uuid.UUID(visit.visit_id),
        "task_id": uuid.UUID(visit.task_id),
        "task_kind": visit.task_kind.value,
        "uscc": visit.uscc,
        "district_code": visit.district_code,
        "mode": visit.mode.value,
        "status": visit.status.value,
        "started_at": visit.started_at,
        "recorded_at": visit.recorded_at,
        "reason": visit.reason,
        "entry_code_id": uuid.UUID(visit.entry_code_id) if visit.entry_code_id else None,
        "requested_by_enterprise": visit.requested_by_enterprise,
        "dept_codes": sorted(visit.dept_codes),
        "cert_nos": list(visit.cert_nos),
        "officers": [
            {
                "cert_no": o.cert_no,
                "name": o.name,
                "dept_code": o.dept_code,
                "department": names.get(o.dept_code, ""),
            }
            for o in visit.officers
        ],
        "accompanying": [
            {
                "officer_id": o.officer_id,
                "name": o.name,
                "dept_code": o.dept_code,
                "department": names.get(o.dept_code, ""),
            }
            for o in entry.companions
        ],
        "item_codes": list(visit.item_codes),
        "items": items,
        "started_by": principal.sub,
        "started_by_role": principal.role,
        "request_id": request_id_var.get(),
    }


def _record_start(session: AsyncSession, visit: visits.Visit, values: dict[str, Any]) -> m.Visit:
    """After the visit row is written: its event (same transaction); returns a detached row for the reply.

    Its audit-chain entry is appended by ``audit_visit_starts`` (the auditor job) within about a second: the
    chain's lock serialises every writer of the service until commit, and on the check-in path it would cap
    the throughput (see docs/api/inspection.md, "Audit of visits").
    """
    outbox.add(session, events.visit_started(visit))
    # A plain record with the row's attributes: building an ORM instance costs more than the rest of the reply.
    return SimpleNamespace(  # type: ignore[return-value]
        **values,
        completed_at=None,
        rating_stars=None,
        rating_tags=None,
        rating_comment=None,
        rating_anonymous=None,
        rated_at=None,
        rated_by=None,
    )


async def audit_visit_starts(session: AsyncSession, *, limit: int = 500) -> int:
    """Append the start of every visit not yet in the audit chain, oldest first (job); returns how many."""
    rows = await repo.unaudited_visits(session, limit)
    await audit.append_many(
        session,
        [
            audit.AuditEntry(
                actor=row.started_by,
                actor_role=row.started_by_role,
                action=f"visit.started.{row.mode}",
                entity_type="visit",
                entity_id=str(row.visit_id),
                after={
                    "task_id": str(row.task_id),
                    "uscc": row.uscc,
                    "mode": row.mode,
                    "started_at": row.started_at.isoformat(),
                    "recorded_at": row.recorded_at.isoformat(),
                    "officers": list(row.cert_nos),
                    "accompanying": [c["officer_id"] for c in row.accompanying],
                    "items": list(row.item_codes),
                    "reason": row.reason,
                    "entry_code_id": str(row.entry_code_id) if row.entry_code_id else None,
                },
                request_id=row.request_id,
            )
            for row in rows
        ],
    )
    if rows:
        await repo.mark_audited(session, [r.visit_id for r in rows], clock.now())
    return len(rows)


async def issue_entry_code(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    cfg: Config,
    principal: Principal,
    body: s.EntryCodeRequest,
    attempt_key: str | None,
) -> s.EntryCodeRead:
    """检查码: check every rule for the officers at the door and sign a short-lived single-use code."""
    now = clock.now()
    certs, ids = _split_refs(principal, body.officers)
    attempt = Attempt(
        "entry_code",
        principal,
        attempt_key,
        task_id=body.task_id,
        uscc=body.enterprise_uscc,
        dept_code=principal.dept_code,
        cert_nos=certs,
    )
    try:
        enterprise = await _enterprise_for_entry(session, body.enterprise_uscc, body.task_id, lock=False)
        attempt.district_code = enterprise.district_code
        entry = await _gather(
            session,
            enterprise=enterprise,
            task_id=body.task_id,
            cert_nos=certs,
            officer_ids=ids,
            accompanying=body.accompanying,
            item_codes=body.item_codes,
            at=now,
        )
        entry.require_people()
        _judge(cfg, entry, entry.task(body.task_id), now)
    except EntryRefused as refusal:
        await _refuse(session, factory, attempt, refusal)
        raise
    payload = entry_code.new_payload(
        code_id=str(uuid.uuid4()),
        task_id=str(body.task_id),
        uscc=body.enterprise_uscc,
        cert_nos=[o.cert_no for o in entry.inspectors if o.cert_no],
        item_codes=list(dict.fromkeys(body.item_codes)),
        now=now,
        nonce=secrets.token_urlsafe(12),
        ttl=cfg.code_ttl,
    )
    code = entry_code.sign(payload, cfg.keys.private_key, cfg.keys.kid)
    session.add(
        m.EntryCode(
            code_id=uuid.UUID(payload.code_id),
            task_id=body.task_id,
            uscc=payload.uscc,
            cert_nos=list(payload.cert_nos),
            accompanying_ids=[o.officer_id for o in entry.companions],
            item_codes=list(payload.item_codes),
            issued_at=payload.issued_at,
            expires_at=payload.expires_at,
            issued_by=principal.sub,
            kid=cfg.keys.kid,
        )
    )
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="entry_code.issued",
        entity_type="entry_code",
        entity_id=payload.code_id,
        after={
            **payload.claims(),
            "kid": cfg.keys.kid,
            "accompanying": [o.officer_id for o in entry.companions],
        },
    )
    return s.EntryCodeRead(
        code_id=uuid.UUID(payload.code_id),
        code=code,
        kid=cfg.keys.kid,
        task_id=body.task_id,
        enterprise_uscc=payload.uscc,
        officer_cert_nos=list(payload.cert_nos),
        item_codes=list(payload.item_codes),
        issued_at=payload.issued_at,
        expires_at=payload.expires_at,
        qr_svg=qr.qr_svg(code),
        qr_png_base64=base64.b64encode(qr.qr_png(code)).decode("ascii"),
    )


async def check_in(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    cfg: Config,
    principal: Principal,
    body: s.CheckIn,
    attempt_key: str | None,
) -> s.CheckInRead:
    """The enterprise scanned an entry code: verify it, re-check the rules, consume it once, start the visit."""
    now = clock.now()
    uscc = principal.uscc or ""
    attempt = Attempt("check_in", principal, attempt_key, uscc=uscc)
    try:
        payload = entry_code.verify(body.code, cfg.keys.public_keys, now, leeway=cfg.code_leeway)
        task_id, code_id = _uuid_or_none(payload.task_id), _uuid_or_none(payload.code_id)
        attempt.task_id, attempt.entry_code_id, attempt.cert_nos = task_id, code_id, list(payload.cert_nos)
        # The scanning enterprise is locked first: two phones of one enterprise racing one code, or two codes
        # racing the yearly cap, are serialised here (and the facts below are read after the winner commits).
        enterprise = await repo.enterprise_row(session, uscc, lock=True)
        if enterprise is None:
            raise entry_code.CodeWrongEnterprise(
                "本企业未在企业名录中登记，不能使用该检查码", extra={"uscc": uscc}
            )
        attempt.district_code = enterprise.district_code
        entry = await _gather(
            session,
            enterprise=enterprise,
            task_id=task_id,
            cert_nos=list(payload.cert_nos),
            officer_ids=[],
            accompanying=[],
            item_codes=list(payload.item_codes),
            at=now,
            code_id=code_id,
        )
        code_row = entry.facts.code
        if code_row is None or code_row["uscc"] != payload.uscc or code_row["task_id"] != payload.task_id:
            raise entry_code.CodeInvalid("检查码不是由本系统签发的，不得据此入企检查")
        task = entry.task(task_id)
        attempt.dept_code = task.lead_dept
        # The enterprise first: another enterprise holding a used code must not learn when it was used.
        entry_code.check_enterprise(payload, uscc)
        entry_code.check_unused(payload, repo.ts_or_none(code_row["used_at"]))
        entry.require_people()
        visit = _new_visit(
            cfg,
            entry,
            task,
            visit_id=uuid.uuid4(),
            mode=visits.VisitMode.ENTRY_CODE,
            now=now,
            entry_code_id=code_id,
        )
        _judge(cfg, entry, task, now)
        values = _visit_values(entry, visit, principal)
        if not await repo.insert_visit(session, values, claim_code=code_id):
            raise entry_code.CodeUsed(f"检查码 {payload.code_id} 已使用，每个检查码只能使用一次")
    except EntryRefused as refusal:
        await _refuse(session, factory, attempt, refusal)
        raise
    row = _record_start(session, visit, values)
    read = _visit_read(row, [], enterprise.name, principal, cfg.rating_window)
    return s.CheckInRead(visit=read, rights=RIGHTS, complaint_channels=COMPLAINT_CHANNELS)


async def scan_enterprise_code(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    cfg: Config,
    principal: Principal,
    body: s.EnterpriseScan,
    attempt_key: str | None,
) -> s.VisitRead:
    """The officers scanned the enterprise's 企业码 (or, in an emergency, scan before leaving)."""
    now = clock.now()
    certs, ids = _split_refs(principal, body.officers)
    attempt = Attempt(
        "emergency" if body.emergency else "scan",
        principal,
        attempt_key,
        task_id=body.task_id,
        dept_code=principal.dept_code,
        cert_nos=certs,
    )
    mode = visits.VisitMode.EMERGENCY if body.emergency else visits.VisitMode.ENTERPRISE_CODE
    started_at = body.started_at if body.emergency else None
    try:
        scanned = entry_code.verify_enterprise_code(body.enterprise_code, cfg.keys.public_keys)
        attempt.uscc = scanned.uscc
        enterprise = await repo.enterprise_row(session, scanned.uscc, lock=True)
        if enterprise is None:
            raise entry_code.EnterpriseCodeInvalid("企业码对应的企业未在企业名录中登记")
        attempt.district_code = enterprise.district_code
        entry_code.verify_enterprise_code(
            body.enterprise_code, cfg.keys.public_keys, current_serial=enterprise.code_serial
        )
        at = started_at or now
        entry = await _gather(
            session,
            enterprise=enterprise,
            task_id=body.task_id,
            cert_nos=certs,
            officer_ids=ids,
            accompanying=body.accompanying,
            item_codes=body.item_codes,
            at=at if at <= now else now,
        )
        entry.require_people()
        task = entry.task(body.task_id)
        # The times first (an emergency must be scanned before leaving), then every rule as of entering.
        visit = _new_visit(
            cfg,
            entry,
            task,
            visit_id=uuid.uuid4(),
            mode=mode,
            now=now,
            started_at=started_at,
            reason=body.reason,
        )
        _judge(cfg, entry, task, visit.started_at)
        values = _visit_values(entry, visit, principal)
        await repo.insert_visit(session, values, claim_code=None)
    except EntryRefused as refusal:
        await _refuse(session, factory, attempt, refusal)
        raise
    row = _record_start(session, visit, values)
    return _visit_read(row, [], enterprise.name, principal, cfg.rating_window)


async def backfill(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    cfg: Config,
    principal: Principal,
    body: s.Backfill,
    attempt_key: str | None,
) -> s.VisitRead:
    """Record a visit made while the system was down, within the back-fill window (marked and counted)."""
    now = clock.now()
    certs, ids = _split_refs(principal, body.officers)
    attempt = Attempt(
        "backfill",
        principal,
        attempt_key,
        task_id=body.task_id,
        uscc=body.enterprise_uscc,
        dept_code=principal.dept_code,
        cert_nos=certs,
    )
    try:
        enterprise = await _enterprise_for_entry(session, body.enterprise_uscc, body.task_id, lock=True)
        attempt.district_code = enterprise.district_code
        entry = await _gather(
            session,
            enterprise=enterprise,
            task_id=body.task_id,
            cert_nos=certs,
            officer_ids=ids,
            accompanying=body.accompanying,
            item_codes=body.item_codes,
            at=min(body.started_at, now),
        )
        entry.require_people()
        task = entry.task(body.task_id)
        visit = _new_visit(
            cfg,
            entry,
            task,
            visit_id=uuid.uuid4(),
            mode=visits.VisitMode.BACKFILLED,
            now=now,
            started_at=body.started_at,
            reason=body.reason,
        )
        _judge(cfg, entry, task, visit.started_at)
        values = _visit_values(entry, visit, principal)
        await repo.insert_visit(session, values, claim_code=None)
    except EntryRefused as refusal:
        await _refuse(session, factory, attempt, refusal)
        raise
    row = _record_start(session, visit, values)
    return _visit_read(row, [], enterprise.name, principal, cfg.rating_window)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def public_keys(cfg: Config) -> s.KeySetRead:
    return s.KeySetRead(keys=cfg.keys.jwks["keys"])


# ---------------------------------------------------------------------------------------------------------
# Visits: outcomes, checkout, rating, reads


def _sees_visit(principal: Principal, row: m.Visit) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "supervisor":
        return principal.sees_district(row.district_code)
    if principal.role == "enterprise":
        return row.uscc == principal.uscc
    if principal.role == "officer":
        return principal.dept_code in row.dept_codes
    return False


async def _visible_visit(
    session: AsyncSession, principal: Principal, visit_id: uuid.UUID, *, lock: bool = False
) -> m.Visit:
    row = await repo.get_visit(session, visit_id, lock=lock)
    if row is None or not _sees_visit(principal, row):
        raise VisitNotFound(f"检查记录 {visit_id} 不存在", extra={"visit_id": str(visit_id)})
    return row


def _hides_rater(principal: Principal, row: m.Visit) -> bool:
    """An anonymous rating is hidden from the inspected department, never from supervisors."""
    return bool(row.rating_anonymous) and principal.role == "officer"


def _visit_read(
    row: m.Visit,
    outcomes: Sequence[m.VisitOutcome],
    enterprise_name: str | None,
    principal: Principal,
    rating_window: timedelta = visits.RATING_WINDOW,
) -> s.VisitRead:
    rating = None
    if row.rated_at is not None and row.rating_stars is not None and not _hides_rater(principal, row):
        rating = s.RatingRead(
            stars=row.rating_stars,
            tags=list(row.rating_tags or []),
            comment=row.rating_comment or "",
            anonymous=bool(row.rating_anonymous),
            rated_at=row.rated_at,
            rated_by=row.rated_by if principal.role in ("supervisor", "admin", "enterprise") else None,
        )
    order = {code: i for i, code in enumerate(row.item_codes)}
    return s.VisitRead(
        visit_id=row.visit_id,
        task_id=row.task_id,
        task_kind=row.task_kind,
        enterprise_uscc=row.uscc,
        enterprise_name=enterprise_name,
        district_code=row.district_code,
        mode=row.mode,
        status=row.status,
        emergency=row.mode == "emergency",
        backfilled=row.mode == "backfilled",
        reason=row.reason,
        started_at=row.started_at,
        recorded_at=row.recorded_at,
        completed_at=row.completed_at,
        officers=[
            s.PersonRead(
                name=o["name"],
                cert_no=o["cert_no"],
                dept_code=o["dept_code"],
                department=o.get("department", ""),
            )
            for o in row.officers
        ],
        accompanying=[
            s.PersonRead(
                name=o["name"],
                cert_no=None,
                dept_code=o["dept_code"],
                department=o.get("department", ""),
                auxiliary=True,
            )
            for o in row.accompanying
        ],
        items=[s.ItemBrief(**i) for i in row.items],
        outcomes=[
            s.OutcomeRead(
                item_code=o.item_code,
                outcome=o.outcome,
                description=o.description,
                evidence_sha256=list(o.evidence_sha256),
                correction_deadline=o.correction_deadline,
                recorded_by=o.recorded_by,
                recorded_at=o.recorded_at,
            )
            for o in sorted(outcomes, key=lambda o: order.get(o.item_code, 0))
        ],
        rating=rating,
        # An anonymous rating leaves the department's view looking unrated (the due date included).
        rating_due_at=(
            row.completed_at + rating_window
            if row.completed_at and (row.rated_at is None or _hides_rater(principal, row))
            else None
        ),
    )


async def get_visit(
    session: AsyncSession, *, cfg: Config, principal: Principal, visit_id: uuid.UUID
) -> s.VisitRead:
    row = await _visible_visit(session, principal, visit_id)
    outcomes = (await repo.visit_outcomes(session, [row.visit_id]))[row.visit_id]
    enterprise = await repo.get_enterprise(session, row.uscc)
    return _visit_read(row, outcomes, enterprise.name if enterprise else None, principal, cfg.rating_window)


async def list_visits(
    session: AsyncSession,
    *,
    cfg: Config,
    principal: Principal,
    scope: str,
    year: int | None,
    uscc: str | None,
    task_id: uuid.UUID | None,
    mode: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.VisitRead]:
    """An enterprise sees its own visits; an officer theirs (or the department's); supervisors their scope."""
    filters: dict[str, Any] = {"task_id": task_id, "mode": mode, "status": status, "year": year, "uscc": uscc}
    if principal.role == "enterprise":
        filters["uscc"] = principal.uscc
    elif principal.role == "officer":
        if scope == "department":
            filters["dept_code"] = principal.dept_code
        else:
            filters["cert_no"] = principal.cert_no
    elif principal.role == "supervisor" and principal.scope != "city":
        filters["district_code"] = principal.scope
    after = _cursor_pair(cursor)
    rows = await repo.list_visits(session, **filters, after=after, limit=limit + 1)
    outcomes = await repo.visit_outcomes(session, [r.visit_id for r in rows[:limit]])
    names = {u: e.name for u, e in (await repo.enterprises_by_uscc(session, [r.uscc for r in rows])).items()}
    reads = [
        _visit_read(r, outcomes.get(r.visit_id, []), names.get(r.uscc), principal, cfg.rating_window)
        for r in rows
    ]
    return page_of(reads, limit, lambda v: [v.started_at.isoformat(), str(v.visit_id)])


def _cursor_pair(cursor: str | None, *, timed: bool = True) -> tuple[str, str] | None:
    value = decode_cursor(cursor)
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        try:
            if timed:
                datetime.fromisoformat(value[0])
                uuid.UUID(value[1])
        except ValueError:
            pass
        else:
            return str(value[0]), str(value[1])
    raise InvalidCursor("分页游标无法解析，请使用上一页返回的 next_cursor")


def _require_visit_officer(principal: Principal) -> str:
    if not principal.cert_no:
        raise visits.OfficerNotInVisit("令牌缺少执法证号")
    return principal.cert_no


async def record_outcomes(
    session: AsyncSession, *, cfg: Config, principal: Principal, visit_id: uuid.UUID, body: s.OutcomesWrite
) -> s.VisitRead:
    """Record (or correct, before checkout) the outcome of one or more items."""
    now = clock.now()
    cert_no = _require_visit_officer(principal)
    row = await _visible_visit(session, principal, visit_id, lock=True)
    outcomes = (await repo.visit_outcomes(session, [row.visit_id]))[row.visit_id]
    visit = repo.to_visit(row, outcomes)
    before = {o.item_code: o.outcome.value for o in visit.outcomes}
    for item in body.outcomes:
        visit = visits.record_outcome(
            visit,
            visits.ItemOutcome(
                item_code=item.item_code,
                outcome=visits.Outcome(item.outcome),
                description=item.description,
                evidence_sha256=tuple(item.evidence_sha256),
                correction_deadline=item.correction_deadline,
            ),
            recorded_by=cert_no,
            now=now,
        )
    written = {i.item_code for i in body.outcomes}
    for outcome in visit.outcomes:
        if outcome.item_code in written:
            await repo.upsert_outcome(session, row.visit_id, outcome)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="visit.outcomes.recorded",
        entity_type="visit",
        entity_id=str(visit_id),
        before=before,
        after={
            o.item_code: {
                "outcome": o.outcome.value,
                "description": o.description,
                "evidence_sha256": list(o.evidence_sha256),
                "correction_deadline": o.correction_deadline,
            }
            for o in visit.outcomes
            if o.item_code in written
        },
    )
    return await get_visit(session, cfg=cfg, principal=principal, visit_id=visit_id)


async def checkout(
    session: AsyncSession, *, cfg: Config, principal: Principal, visit_id: uuid.UUID
) -> s.VisitRead:
    """Complete the visit: inspection.visit.completed, and inspection.violation.found per violating item."""
    now = clock.now()
    cert_no = _require_visit_officer(principal)
    row = await _visible_visit(session, principal, visit_id, lock=True)
    outcomes = (await repo.visit_outcomes(session, [row.visit_id]))[row.visit_id]
    visit = visits.checkout(repo.to_visit(row, outcomes), by=cert_no, now=now)
    row.status = visit.status.value
    row.completed_at = visit.completed_at
    enterprise = await repo.get_enterprise(session, row.uscc)
    assert enterprise is not None
    catalogue = await repo.catalogue_for(session, visit.item_codes)
    outbox.add(session, events.visit_completed(visit))
    found = visits.violations(visit, repo.to_enterprise(enterprise), catalogue)
    for payload in found:
        outbox.add(session, events.violation_found(payload))
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="visit.completed",
        entity_type="visit",
        entity_id=str(visit_id),
        before={"status": "in_progress"},
        after={
            "status": "completed",
            "completed_at": now.isoformat(),
            "outcomes": visit.outcome_counts(),
            "violations": [str(events.violation_id(p.key)) for p in found],
        },
    )
    return _visit_read(row, outcomes, enterprise.name, principal, cfg.rating_window)


async def rate_visit(
    session: AsyncSession, *, cfg: Config, principal: Principal, visit_id: uuid.UUID, body: s.RatingWrite
) -> s.VisitRead:
    """The enterprise rates its own completed visit, once, within the rating window."""
    now = clock.now()
    row = await _visible_visit(session, principal, visit_id, lock=True)
    outcomes = (await repo.visit_outcomes(session, [row.visit_id]))[row.visit_id]
    visit = visits.rate(
        repo.to_visit(row, outcomes),
        stars=body.stars,
        tags=body.tags,
        comment=body.comment,
        anonymous=body.anonymous,
        now=now,
        window=cfg.rating_window,
    )
    assert visit.rating is not None
    row.rating_stars = visit.rating.stars
    row.rating_tags = list(visit.rating.tags)
    row.rating_comment = visit.rating.comment
    row.rating_anonymous = visit.rating.anonymous
    row.rated_at = now
    row.rated_by = principal.sub
    await session.flush()
    outbox.add(session, events.visit_rated(visit))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="visit.rated",
        entity_type="visit",
        entity_id=str(visit_id),
        after={
            "stars": visit.rating.stars,
            "tags": list(visit.rating.tags),
            "comment": visit.rating.comment,
            "anonymous": visit.rating.anonymous,
            "needs_attention": visit.rating.needs_attention,
        },
    )
    enterprise = await repo.get_enterprise(session, row.uscc)
    return _visit_read(row, outcomes, enterprise.name if enterprise else None, principal, cfg.rating_window)


async def list_ratings(
    session: AsyncSession, *, principal: Principal, cursor: str | None, limit: int
) -> Page[s.DepartmentRatingRead]:
    """Ratings of visits: the department sees anonymous ones without visit, enterprise or time of day.

    The cursor is a plain offset here, so it carries nothing that could link an anonymous rating to a visit.
    """
    dept = principal.dept_code if principal.role == "officer" else None
    district = principal.scope if principal.role == "supervisor" and principal.scope != "city" else None
    offset = _offset_cursor(cursor)
    rows = await repo.rated_visits(
        session, dept_code=dept, district_code=district, offset=offset, limit=limit + 1
    )
    reads: list[s.DepartmentRatingRead] = []
    for r in rows:
        hidden = _hides_rater(principal, r)
        assert r.rated_at is not None and r.rating_stars is not None
        reads.append(
            s.DepartmentRatingRead(
                visit_id=None if hidden else r.visit_id,
                enterprise_uscc=None if hidden else r.uscc,
                stars=r.rating_stars,
                tags=list(r.rating_tags or []),
                comment=r.rating_comment or "",
                anonymous=bool(r.rating_anonymous),
                rated_on=local_date(r.rated_at),
                rated_by=r.rated_by if principal.role in ("supervisor", "admin") else None,
            )
        )
    if len(reads) > limit:
        return Page(items=reads[:limit], next_cursor=encode_cursor(["offset", offset + limit]))
    return Page(items=reads, next_cursor=None)


def _offset_cursor(cursor: str | None) -> int:
    value = decode_cursor(cursor)
    if value is None:
        return 0
    if (
        isinstance(value, list)
        and len(value) == 2
        and value[0] == "offset"
        and isinstance(value[1], int)
        and value[1] >= 0
    ):
        return int(value[1])
    raise InvalidCursor("分页游标无法解析，请使用上一页返回的 next_cursor")


# ---------------------------------------------------------------------------------------------------------
# Tasks


def _sees_task(principal: Principal, row: m.Task) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "supervisor":
        return principal.scope == "city" or principal.scope in row.district_codes
    if principal.role == "officer":
        return principal.dept_code in row.dept_codes
    return False


async def _visible_task(session: AsyncSession, principal: Principal, task_id: uuid.UUID) -> m.Task:
    row = await repo.get_task(session, task_id)
    if row is None or not _sees_task(principal, row):
        raise TaskNotFound(f"检查任务 {task_id} 不存在", extra={"task_id": str(task_id)})
    return row


def _task_read(row: m.Task, enterprise_count: int, cfg: Config, now: datetime) -> s.TaskRead:
    task = repo.to_task(row, [])
    return s.TaskRead(
        task_id=row.task_id,
        title=row.title,
        kind=row.kind,
        status=row.status,
        lead_dept=row.lead_dept,
        dept_codes=list(row.dept_codes),
        item_codes=list(row.item_codes),
        district_codes=list(row.district_codes),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        urgent=row.urgent,
        lead_id=row.lead_id,
        requested_by_enterprise=row.requested_by_enterprise,
        created_at=row.created_at,
        created_by=row.created_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        approval_due_at=entry_rules.approval_deadline(task, cfg.entry),
        approval_overdue=row.approval_overdue_at is not None
        or entry_rules.approval_overdue(task, now, cfg.entry),
        status_reason=row.status_reason,
        completed_at=row.completed_at,
        enterprise_count=enterprise_count,
        draw_algorithm=row.draw_algorithm,
        draw_seed_commitment=sampling.seed_commitment(row.draw_seed) if row.draw_seed else None,
        draw_fingerprint=row.draw_fingerprint,
    )


async def _task_detail(session: AsyncSession, row: m.Task, cfg: Config) -> s.TaskDetail:
    members = await repo.task_enterprises(session, row.task_id)
    enterprises = await repo.enterprises_by_uscc(session, [t.uscc for t in members])
    read = _task_read(row, len(members), cfg, clock.now())
    return s.TaskDetail(
        **read.model_dump(),
        enterprises=[
            s.TaskEnterpriseRead(
                uscc=t.uscc,
                name=enterprises[t.uscc].name if t.uscc in enterprises else "",
                district_code=enterprises[t.uscc].district_code if t.uscc in enterprises else "",
                assigned_cert_nos=list(t.assigned_cert_nos),
            )
            for t in members
        ],
    )


def _task_audit(row: m.Task) -> dict[str, Any]:
    return {
        "title": row.title,
        "kind": row.kind,
        "status": row.status,
        "lead_dept": row.lead_dept,
        "dept_codes": list(row.dept_codes),
        "item_codes": list(row.item_codes),
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "urgent": row.urgent,
        "lead_id": row.lead_id,
        "approved_by": row.approved_by,
        "status_reason": row.status_reason,
        "draw_fingerprint": row.draw_fingerprint,
    }


async def create_task(
    session: AsyncSession,
    *,
    cfg: Config,
    principal: Principal,
    body: s.TaskCreate,
    task_id: uuid.UUID | None = None,
) -> s.TaskDetail:
    """A task awaiting approval; a 双随机 task is drawn now, from the pool and the certified officers."""
    now = clock.now()
    today = local_date(now)
    if principal.role == "officer" and body.lead_dept != principal.dept_code:
        raise NotYourDepartment(f"只能发起本部门（{principal.dept_code}）牵头的检查任务")
    kind = TaskKind(body.kind)
    depts = sorted({body.lead_dept, *body.dept_codes})
    known = await repo.department_names(session)
    unknown = [d for d in depts if d not in known]
    problems: list[str] = [f"部门代码“{d}”不存在" for d in unknown]
    item_codes = list(dict.fromkeys(body.item_codes))
    catalogue = await repo.catalogue_for(session, item_codes)
    day = body.starts_on or today
    if kind is TaskKind.RANDOM and not item_codes:
        problems.append("双随机抽查任务须列明抽查事项")
    if kind is TaskKind.KEY_AREA:
        not_key = [c for c in item_codes if (i := catalogue.get(c, day)) is not None and not i.key_area]
        if not_key:
            problems.append(f"重点领域检查只能包含重点领域检查事项，{'、'.join(not_key)}不是")
    if kind is TaskKind.RANDOM and body.enterprises:
        problems.append("双随机抽查任务的检查对象由系统随机抽取，不能指定")
    if kind is not TaskKind.RANDOM and body.pool is not None:
        problems.append("仅双随机抽查任务可以设定抽取名录")
    if problems:
        raise entry_rules.InvalidTask("；".join(problems), extra={"problems": problems})

    task_id = task_id or uuid.uuid4()
    assignments: dict[str, list[str]] = {}
    drawn: sampling.Draw | None = None
    if kind is TaskKind.RANDOM:
        drawn = await _draw(session, cfg, body, now)
        assignments = {a.uscc: list(a.officers) for a in drawn.assignments}
        usccs = list(assignments)
    else:
        usccs = list(dict.fromkeys(body.enterprises))
        found = await repo.enterprises_by_uscc(session, usccs)
        missing = [u for u in usccs if u not in found]
        if missing:
            raise entry_rules.InvalidTask(
                f"以下企业未在企业名录中登记：{'、'.join(missing)}",
                extra={"problems": [f"{u} 未登记" for u in missing]},
            )
    task = entry_rules.new_task(
        task_id=str(task_id),
        kind=kind,
        lead_dept=body.lead_dept,
        enterprises=usccs,
        created_at=now,
        created_by=principal.sub,
        dept_codes=depts,
        item_codes=item_codes,
        catalogue=catalogue,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        urgent=body.urgent,
        lead_id=body.lead_id,
        requested_by_enterprise=body.requested_by_enterprise,
        draw_fingerprint=drawn.fingerprint() if drawn else None,
    )
    enterprises = await repo.enterprises_by_uscc(session, usccs)
    row = m.Task(
        task_id=task_id,
        title=body.title,
        kind=task.kind.value,
        lead_dept=task.lead_dept,
        dept_codes=sorted(task.dept_codes),
        item_codes=sorted(task.item_codes),
        district_codes=sorted({e.district_code for e in enterprises.values()}),
        status=task.status.value,
        starts_on=task.starts_on,
        ends_on=task.ends_on,
        urgent=task.urgent,
        lead_id=task.lead_id,
        requested_by_enterprise=task.requested_by_enterprise,
        created_at=now,
        created_by=principal.sub,
        created_by_role=principal.role,
        status_reason="",
        draw_algorithm=drawn.algorithm if drawn else None,
        draw_seed=drawn.seed if drawn else None,
        draw_fingerprint=task.draw_fingerprint,
        draw_record=drawn.to_record() if drawn else None,
    )
    session.add(row)
    await session.flush()
    session.add_all(
        m.TaskEnterprise(task_id=task_id, uscc=u, assigned_cert_nos=assignments.get(u, []))
        for u in sorted(task.enterprises)
    )
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="task.created",
        entity_type="task",
        entity_id=str(task_id),
        after={**_task_audit(row), "enterprises": sorted(task.enterprises)},
    )
    return await _task_detail(session, row, cfg)


async def _draw(session: AsyncSession, cfg: Config, body: s.TaskCreate, now: datetime) -> sampling.Draw:
    """双随机: the pool (filter, minus enterprises at the department's yearly cap) and the certified officers."""
    pool_filter = body.pool or s.PoolFilter()
    candidates = await repo.enterprise_pool(session, pool_filter.district_codes, pool_filter.industries)
    year = year_of(now)
    records: dict[str, list[frequency.VisitRecord]] = {}
    for record in await repo.visit_records(session, [year], None):
        records.setdefault(record.uscc, []).append(record)
    pool = [
        sampling.PoolEnterprise(uscc, risk)
        for uscc, risk in candidates
        if frequency.cap_breach(
            frequency.enterprise_year(records.get(uscc, []), uscc, year, cfg.policy),
            TaskKind.RANDOM,
            [body.lead_dept],
            policy=cfg.policy,
        )
        is None
    ]
    if not pool:
        raise entry_rules.InvalidTask(
            "抽取名录中没有可抽取的企业（筛选条件过窄，或企业本年度检查次数已达上限）"
        )
    officers = [repo.to_officer(o) for o in await repo.department_officers(session, body.lead_dept)]
    certified = sampling.certified_pool(officers, body.lead_dept, local_date(now))
    seed = body.seed or f"{local_date(now).isoformat()}-{body.lead_dept}-{secrets.token_hex(16)}"
    drawn = sampling.draw(
        pool,
        certified,
        cfg.ratios_bp,
        seed=seed,
        unknown_class=cfg.unknown_class,
        group_size=cfg.group_size,
    )
    if not drawn.assignments:
        raise entry_rules.InvalidTask("按现行抽查比例未抽中任何企业，请调整抽取名录或抽查比例")
    return drawn


async def get_task(
    session: AsyncSession, *, cfg: Config, principal: Principal, task_id: uuid.UUID
) -> s.TaskDetail:
    return await _task_detail(session, await _visible_task(session, principal, task_id), cfg)


async def list_tasks(
    session: AsyncSession,
    *,
    cfg: Config,
    principal: Principal,
    kind: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.TaskRead]:
    filters: dict[str, Any] = {"kind": kind, "status": status}
    if principal.role == "officer":
        filters["dept_code"] = principal.dept_code
    elif principal.role == "supervisor" and principal.scope != "city":
        filters["district_code"] = principal.scope
    rows = await repo.list_tasks(session, **filters, after=_cursor_pair(cursor), limit=limit + 1)
    counts = await repo.task_enterprise_counts(session, [r.task_id for r in rows])
    now = clock.now()
    reads = [_task_read(r, counts.get(r.task_id, 0), cfg, now) for r in rows]
    return page_of(reads, limit, lambda t: [t.created_at.isoformat(), str(t.task_id)])


def _approver(principal: Principal, row: m.Task) -> tuple[str, str | None]:
    """(approver role for the domain, department): supervisors, or officers holding the dept_head claim."""
    if principal.role == "supervisor":
        if principal.scope != "city" and any(d != principal.scope for d in row.district_codes):
            raise entry_rules.ApprovalNotAllowed("区级执法监督人员只能审批本区范围内的检查任务")
        return "supervisor", None
    if principal.role == "officer" and principal.claims.get("dept_head") is True:
        return "dept_head", principal.dept_code
    return principal.role, principal.dept_code


async def approve_task(
    session: AsyncSession, *, cfg: Config, principal: Principal, task_id: uuid.UUID
) -> s.TaskDetail:
    """Approve a task (supervisor or head of the lead department; nobody approves their own)."""
    now = clock.now()
    row = await _visible_task(session, principal, task_id)
    before = _task_audit(row)
    role, dept = _approver(principal, row)
    task = entry_rules.approve(
        repo.to_task(row, []), approver_id=principal.sub, approver_role=role, approver_dept=dept, now=now
    )
    row.status, row.approved_at, row.approved_by = task.status.value, now, principal.sub
    if entry_rules.approval_overdue(task, now, cfg.entry) and row.approval_overdue_at is None:
        row.approval_overdue_at = now  # an urgent complaint approved after its 24 hours stays flagged
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="task.approved",
        entity_type="task",
        entity_id=str(task_id),
        before=before,
        after=_task_audit(row),
    )
    return await _task_detail(session, row, cfg)


async def reject_task(
    session: AsyncSession, *, cfg: Config, principal: Principal, task_id: uuid.UUID, reason: str
) -> s.TaskDetail:
    now = clock.now()
    row = await _visible_task(session, principal, task_id)
    before = _task_audit(row)
    role, _ = _approver(principal, row)
    task = entry_rules.reject(
        repo.to_task(row, []), approver_id=principal.sub, approver_role=role, reason=reason, now=now
    )
    row.status, row.approved_by, row.status_reason = task.status.value, principal.sub, task.status_reason
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="task.rejected",
        entity_type="task",
        entity_id=str(task_id),
        before=before,
        after=_task_audit(row),
    )
    return await _task_detail(session, row, cfg)


def _require_lead(principal: Principal, row: m.Task) -> None:
    if principal.role == "officer" and principal.dept_code != row.lead_dept:
        raise NotYourDepartment(f"只有牵头部门（{row.lead_dept}）可以办结或撤销该任务")


async def complete_task(
    session: AsyncSession, *, cfg: Config, principal: Principal, task_id: uuid.UUID
) -> s.TaskDetail:
    """Close the task; a 双随机 task's results are public from now on (一公开)."""
    now = clock.now()
    row = await _visible_task(session, principal, task_id)
    _require_lead(principal, row)
    before = _task_audit(row)
    task = entry_rules.complete(repo.to_task(row, []), now=now)
    row.status, row.completed_at = task.status.value, now
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="task.completed",
        entity_type="task",
        entity_id=str(task_id),
        before=before,
        after=_task_audit(row),
    )
    return await _task_detail(session, row, cfg)


async def cancel_task(
    session: AsyncSession, *, cfg: Config, principal: Principal, task_id: uuid.UUID, reason: str
) -> s.TaskDetail:
    now = clock.now()
    row = await _visible_task(session, principal, task_id)
    _require_lead(principal, row)
    before = _task_audit(row)
    task = entry_rules.cancel(repo.to_task(row, []), reason=reason, now=now)
    row.status, row.status_reason = task.status.value, task.status_reason
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="task.cancelled",
        entity_type="task",
        entity_id=str(task_id),
        before=before,
        after=_task_audit(row),
    )
    return await _task_detail(session, row, cfg)


def _draw_read(row: m.Task) -> s.DrawRead:
    assert row.draw_record is not None and row.draw_algorithm is not None and row.draw_fingerprint is not None
    recomputed = sampling.recompute(row.draw_record)
    return s.DrawRead(
        task_id=row.task_id,
        algorithm=row.draw_algorithm,
        record=row.draw_record,
        fingerprint=row.draw_fingerprint,
        recomputed_fingerprint=recomputed.fingerprint(),
        verified=sampling.verify_record(row.draw_record) and recomputed.fingerprint() == row.draw_fingerprint,
    )


async def task_draw(session: AsyncSession, *, principal: Principal | None, task_id: uuid.UUID) -> s.DrawRead:
    """The published draw of a 双随机 task, recomputed from its inputs on every read.

    Anyone may read the draw of an approved or completed task (一公开); a pending one only those who see the task.
    """
    row = await repo.get_task(session, task_id)
    if row is None or row.kind != "random" or row.draw_record is None:
        raise TaskNotFound(f"双随机抽查任务 {task_id} 不存在或尚未公开")
    published = row.status in ("approved", "completed")
    if not published and (principal is None or not _sees_task(principal, row)):
        raise TaskNotFound(f"双随机抽查任务 {task_id} 不存在或尚未公开")
    return _draw_read(row)


async def flag_overdue_approvals(session: AsyncSession, *, cfg: Config) -> int:
    """Flag urgent complaint tasks still unapproved after the window (job); returns how many."""
    now = clock.now()
    rows = await repo.urgent_tasks_past_deadline(session, now, cfg.entry.urgent_approval_window)
    for row in rows:
        row.approval_overdue_at = now
        await session.flush()
        await audit.append(
            session,
            actor="system",
            actor_role="system",
            action="task.approval_overdue",
            entity_type="task",
            entity_id=str(row.task_id),
            after={"created_at": row.created_at.isoformat(), "flagged_at": now.isoformat()},
        )
    return len(rows)


# ---------------------------------------------------------------------------------------------------------
# Registries: districts, departments, enforcement bodies


async def list_districts(session: AsyncSession) -> list[s.DistrictRead]:
    return [s.DistrictRead(code=d.code, name=d.name, kind=d.kind) for d in await repo.list_districts(session)]


async def list_departments(session: AsyncSession) -> list[s.DepartmentRead]:
    return [
        s.DepartmentRead(code=d.code, name=d.name, authority=d.authority)
        for d in await repo.list_departments(session)
    ]


async def create_department(
    session: AsyncSession, *, principal: Principal, body: s.DepartmentWrite
) -> s.DepartmentRead:
    if await repo.get_department(session, body.code) is not None:
        raise DepartmentExists(f"部门代码“{body.code}”已存在")
    session.add(m.Department(code=body.code, name=body.name, authority=body.authority))
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="department.created",
        entity_type="department",
        entity_id=body.code,
        after=body.model_dump(),
    )
    return s.DepartmentRead(**body.model_dump())


async def update_department(
    session: AsyncSession, *, principal: Principal, code: str, body: s.DepartmentUpdate
) -> s.DepartmentRead:
    row = await repo.get_department(session, code)
    if row is None:
        raise DepartmentNotFound(f"部门“{code}”不存在")
    before = {"name": row.name, "authority": row.authority}
    row.name, row.authority, row.updated_at = body.name, body.authority, clock.now()
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="department.updated",
        entity_type="department",
        entity_id=code,
        before=before,
        after=body.model_dump(),
    )
    return s.DepartmentRead(code=row.code, name=row.name, authority=row.authority)


async def list_bodies(session: AsyncSession, dept_code: str | None) -> list[s.EnforcementBodyRead]:
    return [
        s.EnforcementBodyRead(
            code=b.code, name=b.name, dept_code=b.dept_code, level=b.level, district_code=b.district_code
        )
        for b in await repo.list_bodies(session, dept_code)
    ]


async def create_body(
    session: AsyncSession, *, principal: Principal, body: s.EnforcementBodyWrite
) -> s.EnforcementBodyRead:
    if await repo.get_department(session, body.dept_code) is None:
        raise DepartmentNotFound(f"部门“{body.dept_code}”不存在")
    if await repo.get_body(session, body.code) is not None:
        raise EnforcementBodyExists(f"执法主体编码“{body.code}”已存在")
    session.add(m.EnforcementBody(**body.model_dump()))
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="enforcement_body.created",
        entity_type="enforcement_body",
        entity_id=body.code,
        after=body.model_dump(),
    )
    return s.EnforcementBodyRead(**body.model_dump())


# ---------------------------------------------------------------------------------------------------------
# Registries: the inspection item catalogue (versioned)


def _item_read(item: registry.InspectionItem) -> s.ItemRead:
    return s.ItemRead(
        code=item.code,
        version=item.version,
        name=item.name,
        dept_code=item.dept_code,
        level=item.level.value,
        enterprise_related=item.enterprise_related,
        key_area=item.key_area,
        on_site=item.on_site,
        legal_basis=[s.LegalRefModel(law=r.law, article=r.article, title=r.title) for r in item.legal_basis],
        legal_basis_text=item.legal_basis_text(),
        effective_from=item.effective_from,
        retired_on=item.retired_on,
    )


def _item_from(
    body: s.ItemWrite | s.ItemRevision, code: str, dept_code: str, version: int = 1
) -> registry.InspectionItem:
    return registry.InspectionItem(
        code=code,
        name=body.name.strip(),
        dept_code=dept_code,
        legal_basis=tuple(registry.LegalRef(r.law, r.article, r.title.strip()) for r in body.legal_basis),
        level=registry.ItemLevel(body.level),
        enterprise_related=body.enterprise_related,
        key_area=body.key_area,
        on_site=body.on_site,
        version=version,
        effective_from=body.effective_from,
    )


def _item_row(item: registry.InspectionItem, by: str) -> m.InspectionItem:
    return m.InspectionItem(
        id=uuid.uuid4(),
        code=item.code,
        version=item.version,
        name=item.name,
        dept_code=item.dept_code,
        level=item.level.value,
        enterprise_related=item.enterprise_related,
        key_area=item.key_area,
        on_site=item.on_site,
        legal_basis=[{"law": r.law, "article": r.article, "title": r.title} for r in item.legal_basis],
        effective_from=item.effective_from,
        retired_on=item.retired_on,
        created_by=by,
    )


def _same_content(a: registry.InspectionItem, b: registry.InspectionItem) -> bool:
    keys = ("name", "dept_code", "legal_basis", "level", "enterprise_related", "key_area", "on_site")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


async def list_items(
    session: AsyncSession,
    *,
    day: date | None,
    dept_code: str | None,
    key_area: bool | None,
    cursor: str | None,
    limit: int,
) -> Page[s.ItemRead]:
    """The catalogue in force on ``day`` (default today), one version per code."""
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, str):
        raise InvalidCursor("分页游标无法解析，请使用上一页返回的 next_cursor")
    rows = await repo.items_in_force(
        session, day or clock.today(), dept_code=dept_code, key_area=key_area, after=after, limit=limit + 1
    )
    return page_of([_item_read(repo.to_item(r)) for r in rows], limit, lambda i: i.code)


async def item_history(session: AsyncSession, code: str) -> list[s.ItemRead]:
    rows = await repo.item_versions(session, [code])
    if not rows:
        raise ItemNotFound(f"检查事项 {code} 不存在")
    return [_item_read(repo.to_item(r)) for r in rows]


async def _save_item(session: AsyncSession, principal: Principal, item: registry.InspectionItem) -> str:
    """Create version 1 or a new version of ``item``; returns created, updated or unchanged."""
    known = await repo.department_names(session)
    registry.validate_item(item, known)
    history = await repo.item_versions(session, [item.code])
    if not history:
        session.add(_item_row(item, principal.sub))
        await session.flush()
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="item.created",
            entity_type="inspection_item",
            entity_id=f"{item.code}@1",
            after=_item_read(item).model_dump(mode="json"),
        )
        return "created"
    latest_row = history[-1]
    latest = repo.to_item(latest_row)
    if (
        _same_content(latest, replace(item, dept_code=latest.dept_code))
        and latest.dept_code == item.dept_code
    ):
        return "unchanged"
    if item.dept_code != latest.dept_code:
        raise registry.ItemVersionConflict(
            f"检查事项 {item.code} 属于{latest.dept_code}，不能改为{item.dept_code}"
        )
    closed, new = registry.revise_item(latest, item)
    latest_row.retired_on = closed.retired_on
    session.add(_item_row(new, principal.sub))
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="item.revised",
        entity_type="inspection_item",
        entity_id=f"{new.code}@{new.version}",
        before=_item_read(latest).model_dump(mode="json"),
        after=_item_read(new).model_dump(mode="json"),
    )
    return "updated"


async def create_item(session: AsyncSession, *, principal: Principal, body: s.ItemWrite) -> s.ItemRead:
    if await repo.latest_item(session, body.code) is not None:
        raise ItemExists(f"检查事项 {body.code} 已存在，修订请新增版本")
    item = _item_from(body, body.code, body.dept_code)
    await _save_item(session, principal, item)
    return _item_read(item)


async def revise_item(
    session: AsyncSession, *, principal: Principal, code: str, body: s.ItemRevision
) -> s.ItemRead:
    latest = await repo.latest_item(session, code)
    if latest is None:
        raise ItemNotFound(f"检查事项 {code} 不存在")
    item = _item_from(body, code, latest.dept_code)
    outcome = await _save_item(session, principal, item)
    if outcome == "unchanged":
        raise registry.ItemVersionConflict(f"检查事项 {code} 的新版本与现行版本内容相同")
    return _item_read(replace(item, version=latest.version + 1))


# ---------------------------------------------------------------------------------------------------------
# Registries: officers


def _officer_read(row: m.Officer, today: date) -> s.OfficerRead:
    officer = repo.to_officer(row)
    return s.OfficerRead(
        officer_id=row.officer_id,
        name=row.name,
        dept_code=row.dept_code,
        body_code=row.body_code,
        cert_no=row.cert_no,
        status=row.status,
        effective_status=officer.status_on(today).value,
        valid_until=row.valid_until,
        auxiliary=row.auxiliary,
        id_number_masked=row.id_number_masked,
        status_since=row.status_since,
        status_reason=row.status_reason,
        retraining=row.retraining,
        return_date=row.return_date,
        revision=row.revision,
    )


def _officer_audit(row: m.Officer) -> dict[str, Any]:
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


def _sees_officer(principal: Principal, row: m.Officer) -> bool:
    if principal.role in ("admin", "supervisor"):
        return True
    return principal.role == "officer" and principal.dept_code == row.dept_code


async def _visible_officer(session: AsyncSession, principal: Principal, officer_id: uuid.UUID) -> m.Officer:
    row = await repo.get_officer(session, officer_id)
    if row is None or not _sees_officer(principal, row):
        raise OfficerNotFound(f"执法人员 {officer_id} 不存在")
    return row


async def list_officers(
    session: AsyncSession,
    *,
    principal: Principal,
    dept_code: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.OfficerRead]:
    if principal.role == "officer":
        dept_code = principal.dept_code
    after = decode_cursor(cursor)
    if after is not None:
        try:
            uuid.UUID(str(after))
        except ValueError:
            raise InvalidCursor("分页游标无法解析，请使用上一页返回的 next_cursor") from None
    rows = await repo.list_officers(session, dept_code=dept_code, status=status, after=after, limit=limit + 1)
    today = clock.today()
    return page_of([_officer_read(r, today) for r in rows], limit, lambda o: str(o.officer_id))


async def get_officer(session: AsyncSession, *, principal: Principal, officer_id: uuid.UUID) -> s.OfficerRead:
    return _officer_read(await _visible_officer(session, principal, officer_id), clock.today())


async def _publish_officer(session: AsyncSession, row: m.Officer) -> None:
    if row.cert_no:
        outbox.add(session, events.officer_changed(repo.to_officer(row), changed_at=clock.now()))


async def _new_officer(session: AsyncSession, principal: Principal, body: s.OfficerImport) -> m.Officer:
    problems = []
    if await repo.get_department(session, body.dept_code) is None:
        problems.append(f"部门代码“{body.dept_code}”不存在")
    cert_no = registry.validate_cert_no(body.cert_no) if body.cert_no else None
    if body.auxiliary and cert_no:
        problems.append("执法辅助人员不持有执法证，不应填写执法证号")
    if not body.auxiliary and cert_no is None and body.status == "active":
        problems.append("执法人员须填写执法证号（执法辅助人员请标记为辅助人员）")
    if cert_no and await repo.officer_by_cert(session, cert_no) is not None:
        raise OfficerExists(f"执法证号 {cert_no} 已登记")
    if problems:
        raise InvalidOfficer("；".join(problems))
    if body.retraining and (body.return_date is None or body.status != "suspended"):
        raise registry.ReturnDateRequired("离岗轮训须为暂扣状态并填写返岗日期")
    if body.status in ("suspended", "revoked") and not body.status_reason.strip():
        raise registry.StatusReasonRequired("暂扣或收缴执法证须说明理由")
    row = m.Officer(
        officer_id=body.officer_id or uuid.uuid4(),
        name=body.name.strip(),
        dept_code=body.dept_code,
        body_code=body.body_code,
        cert_no=cert_no,
        status=body.status,
        valid_until=body.valid_until,
        auxiliary=body.auxiliary,
        id_number_masked=registry.mask_ric(body.id_number) if body.id_number else "",
        status_since=body.status_since,
        status_reason=body.status_reason.strip(),
        retraining=body.retraining,
        return_date=body.return_date,
        revision=1,
    )
    session.add(row)
    await session.flush()
    await _publish_officer(session, row)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.created",
        entity_type="officer",
        entity_id=str(row.officer_id),
        after=_officer_audit(row),
    )
    return row


async def create_officer(
    session: AsyncSession, *, principal: Principal, body: s.OfficerWrite
) -> s.OfficerRead:
    if body.officer_id and await repo.get_officer(session, body.officer_id) is not None:
        raise OfficerExists(f"执法人员 {body.officer_id} 已存在")
    row = await _new_officer(session, principal, s.OfficerImport(**body.model_dump()))
    return _officer_read(row, clock.today())


async def update_officer(
    session: AsyncSession, *, principal: Principal, officer_id: uuid.UUID, body: s.OfficerUpdate
) -> s.OfficerRead:
    row = await _visible_officer(session, principal, officer_id)
    before = _officer_audit(row)
    changes = body.model_dump(exclude_unset=True)
    new_dept = changes.get("dept_code")
    if new_dept is not None and await repo.get_department(session, new_dept) is None:
        raise DepartmentNotFound(f"部门“{changes['dept_code']}”不存在")
    for key, value in changes.items():
        if value is not None or key in ("body_code", "valid_until"):
            setattr(row, key, value)
    if _officer_audit(row) == before:
        return _officer_read(row, clock.today())
    row.revision += 1
    row.updated_at = clock.now()
    await session.flush()
    await _publish_officer(session, row)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.updated",
        entity_type="officer",
        entity_id=str(officer_id),
        before=before,
        after=_officer_audit(row),
    )
    return _officer_read(row, clock.today())


async def change_officer_status(
    session: AsyncSession, *, principal: Principal, officer_id: uuid.UUID, body: s.OfficerStatusChange
) -> s.OfficerRead:
    """暂扣 / 收缴 / 恢复 / 过期 a certificate: reason and return date rules, audited, published."""
    today = clock.today()
    row = await _visible_officer(session, principal, officer_id)
    before = _officer_audit(row)
    changed = registry.change_officer_status(
        repo.to_officer(row),
        registry.OfficerStatus(body.status),
        on=today,
        reason=body.reason,
        retraining=body.retraining,
        return_date=body.return_date,
        valid_until=body.valid_until,
    )
    _apply_status(row, changed)
    await session.flush()
    await _publish_officer(session, row)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"officer.status.{changed.status.value}",
        entity_type="officer",
        entity_id=str(officer_id),
        before=before,
        after=_officer_audit(row),
    )
    return _officer_read(row, today)


def _apply_status(row: m.Officer, changed: registry.Officer) -> None:
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
    rows = await repo.officers_expiring(session, today)
    for row in rows:
        before = _officer_audit(row)
        changed = registry.record_expiry(repo.to_officer(row), on=today)
        _apply_status(row, changed)
        await session.flush()
        await _publish_officer(session, row)
        await audit.append(
            session,
            actor="system",
            actor_role="system",
            action="officer.status.expired",
            entity_type="officer",
            entity_id=str(row.officer_id),
            before=before,
            after=_officer_audit(row),
        )
    return len(rows)


# ---------------------------------------------------------------------------------------------------------
# Registries: enterprises and their codes


def _sees_enterprise(principal: Principal, row: m.Enterprise) -> bool:
    if principal.role in ("admin", "officer"):
        return True
    if principal.role == "supervisor":
        return principal.sees_district(row.district_code)
    if principal.role == "enterprise":
        return principal.uscc == row.uscc
    return False


async def _visible_enterprise(session: AsyncSession, principal: Principal, uscc: str) -> m.Enterprise:
    row = await repo.get_enterprise(session, uscc)
    if row is None or not _sees_enterprise(principal, row):
        raise EnterpriseNotFound(f"企业 {uscc} 不存在")
    return row


def _enterprise_read(row: m.Enterprise, risk: str | None) -> s.EnterpriseRead:
    return s.EnterpriseRead(
        uscc=row.uscc,
        name=row.name,
        district_code=row.district_code,
        industry=row.industry,
        address=row.address,
        legal_rep_masked=row.legal_rep_masked,
        registered_on=row.registered_on,
        risk_class=risk,
        code_serial=row.code_serial,
    )


def _enterprise_audit(row: m.Enterprise) -> dict[str, Any]:
    return {
        "name": row.name,
        "district_code": row.district_code,
        "industry": row.industry,
        "address": row.address,
        "legal_rep_masked": row.legal_rep_masked,
        "registered_on": row.registered_on,
        "code_serial": row.code_serial,
    }


async def list_enterprises(
    session: AsyncSession,
    *,
    principal: Principal,
    district_code: str | None,
    industry: str | None,
    name: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.EnterpriseRead]:
    if principal.role == "supervisor" and principal.scope != "city":
        if district_code and district_code != principal.scope:
            return Page(items=[], next_cursor=None)
        district_code = principal.scope
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, str):
        raise InvalidCursor("分页游标无法解析，请使用上一页返回的 next_cursor")
    rows = await repo.list_enterprises(
        session, district_code=district_code, industry=industry, name=name, after=after, limit=limit + 1
    )
    classes = await repo.risk_classes(session, [r.uscc for r in rows])
    return page_of([_enterprise_read(r, classes.get(r.uscc)) for r in rows], limit, lambda e: e.uscc)


async def get_enterprise(session: AsyncSession, *, principal: Principal, uscc: str) -> s.EnterpriseRead:
    row = await _visible_enterprise(session, principal, uscc)
    return _enterprise_read(row, await repo.risk_class(session, uscc))


async def _new_enterprise(
    session: AsyncSession, principal: Principal, body: s.EnterpriseImport
) -> m.Enterprise:
    now = clock.now()
    masked = body.legal_rep_masked or (registry.mask_name(body.legal_rep_name) if body.legal_rep_name else "")
    row = m.Enterprise(
        uscc=body.uscc,
        name=body.name.strip(),
        district_code=body.district_code,
        industry=body.industry.strip(),
        address=body.address.strip(),
        legal_rep_masked=masked,
        registered_on=body.registered_on,
        code_serial=1,
        code_issued_at=now,
    )
    session.add(row)
    await session.flush()
    outbox.add(session, events.enterprise_registered(repo.to_enterprise(row), at=now))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="enterprise.registered",
        entity_type="enterprise",
        entity_id=row.uscc,
        after=_enterprise_audit(row),
    )
    return row


async def create_enterprise(
    session: AsyncSession, *, principal: Principal, body: s.EnterpriseWrite
) -> s.EnterpriseRead:
    if await repo.get_enterprise(session, body.uscc) is not None:
        raise EnterpriseExists(f"统一社会信用代码 {body.uscc} 的企业已登记")
    row = await _new_enterprise(session, principal, s.EnterpriseImport(**body.model_dump()))
    return _enterprise_read(row, await repo.risk_class(session, row.uscc))


async def update_enterprise(
    session: AsyncSession, *, principal: Principal, uscc: str, body: s.EnterpriseUpdate
) -> s.EnterpriseRead:
    row = await _visible_enterprise(session, principal, uscc)
    before = _enterprise_audit(row)
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, key, value.strip() if isinstance(value, str) else value)
    if _enterprise_audit(row) != before:
        row.updated_at = clock.now()
        await session.flush()
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="enterprise.updated",
            entity_type="enterprise",
            entity_id=uscc,
            before=before,
            after=_enterprise_audit(row),
        )
    return _enterprise_read(row, await repo.risk_class(session, uscc))


def _code_for(cfg: Config, row: m.Enterprise) -> str:
    return entry_code.sign_enterprise_code(
        row.uscc, row.code_serial, row.code_issued_at, cfg.keys.private_key, cfg.keys.kid
    )


async def enterprise_code(
    session: AsyncSession, *, cfg: Config, principal: Principal, uscc: str
) -> s.EnterpriseCodeRead:
    """The enterprise's printed code (企业码) and its QR images: the enterprise itself and admins."""
    row = await _visible_enterprise(session, principal, uscc)
    if principal.role not in ("admin", "enterprise"):
        raise EnterpriseNotFound(f"企业 {uscc} 不存在")
    code = _code_for(cfg, row)
    return s.EnterpriseCodeRead(
        uscc=row.uscc,
        serial=row.code_serial,
        code=code,
        qr_svg=qr.qr_svg(code, error=qr.PRINT_ERROR),
        qr_png_base64=base64.b64encode(qr.qr_png(code, error=qr.PRINT_ERROR)).decode("ascii"),
        issued_at=row.code_issued_at,
    )


async def enterprise_code_image(
    session: AsyncSession, *, cfg: Config, principal: Principal, uscc: str, kind: str
) -> bytes:
    read = await enterprise_code(session, cfg=cfg, principal=principal, uscc=uscc)
    if kind == "svg":
        return read.qr_svg.encode("utf-8")
    return base64.b64decode(read.qr_png_base64)


async def reissue_enterprise_code(
    session: AsyncSession, *, cfg: Config, principal: Principal, uscc: str
) -> s.EnterpriseCodeRead:
    """A lost or compromised 企业码 is replaced: the serial goes up and every older code is refused."""
    row = await _visible_enterprise(session, principal, uscc)
    if principal.role not in ("admin", "enterprise"):
        raise EnterpriseNotFound(f"企业 {uscc} 不存在")
    before = {"code_serial": row.code_serial}
    row.code_serial += 1
    row.code_issued_at = clock.now()
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="enterprise.code.reissued",
        entity_type="enterprise",
        entity_id=uscc,
        before=before,
        after={"code_serial": row.code_serial},
    )
    return await enterprise_code(session, cfg=cfg, principal=principal, uscc=uscc)


async def get_enterprise_class(
    session: AsyncSession, *, principal: Principal, uscc: str
) -> s.EnterpriseClassRead:
    await _visible_enterprise(session, principal, uscc)
    row = await repo.get_enterprise_class(session, uscc)
    if row is None:
        raise EnterpriseNotClassified(f"企业 {uscc} 尚无风险分类")
    return s.EnterpriseClassRead(
        uscc=row.uscc,
        risk_class=row.risk_class,
        score=row.score,
        reasons=list(row.reasons),
        classified_at=row.classified_at,
        revision=row.revision,
    )


# ---------------------------------------------------------------------------------------------------------
# Quiet windows (无事不扰)


async def list_quiet_windows(session: AsyncSession, *, uscc: str | None) -> list[s.QuietWindowRead]:
    return [
        s.QuietWindowRead(
            window_id=w.window_id, uscc=w.uscc, starts_on=w.starts_on, ends_on=w.ends_on, reason=w.reason
        )
        for w in await repo.list_quiet_windows(session, uscc)
    ]


async def create_quiet_window(
    session: AsyncSession, *, principal: Principal, body: s.QuietWindowWrite
) -> s.QuietWindowRead:
    if body.ends_on < body.starts_on:
        raise InvalidQuietWindow("无事不扰期的结束日期不能早于开始日期")
    if body.uscc and await repo.get_enterprise(session, body.uscc) is None:
        raise EnterpriseNotFound(f"企业 {body.uscc} 不存在")
    row = m.QuietWindow(
        window_id=uuid.uuid4(),
        uscc=body.uscc,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        reason=body.reason.strip(),
        created_by=principal.sub,
    )
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="quiet_window.created",
        entity_type="quiet_window",
        entity_id=str(row.window_id),
        after=body.model_dump(mode="json"),
    )
    return s.QuietWindowRead(
        window_id=row.window_id,
        uscc=row.uscc,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        reason=row.reason,
    )


async def delete_quiet_window(session: AsyncSession, *, principal: Principal, window_id: uuid.UUID) -> None:
    row = await session.get(m.QuietWindow, window_id)
    if row is None:
        raise QuietWindowNotFound(f"无事不扰期 {window_id} 不存在")
    before = {"uscc": row.uscc, "starts_on": row.starts_on, "ends_on": row.ends_on, "reason": row.reason}
    await session.delete(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="quiet_window.deleted",
        entity_type="quiet_window",
        entity_id=str(window_id),
        before=before,
    )


# ---------------------------------------------------------------------------------------------------------
# Imports (CSV or JSON, all or nothing)


def parse_rows(content_type: str, raw: bytes, model: type[BaseModel], csv_row: Any) -> list[Any]:
    """Validate every row with ``model``; any problem rejects the whole import with a list of errors."""
    try:
        if "csv" in content_type:
            text = raw.decode("utf-8-sig")
            records: list[Any] = [csv_row(r) for r in csv.DictReader(io.StringIO(text))]
        else:
            data = orjson.loads(raw)
            loaded = data.get("items") if isinstance(data, dict) else data
            if not isinstance(loaded, list):
                raise ValueError("expected a JSON array or an object with items")
            records = loaded
    except (UnicodeDecodeError, orjson.JSONDecodeError, ValueError, csv.Error) as exc:
        raise ImportInvalid(f"无法解析导入内容（应为 JSON 数组或 UTF-8 CSV）：{exc}") from exc
    if not records:
        raise ImportInvalid("导入内容为空")
    if len(records) > 20000:
        raise ImportInvalid("一次最多导入20000条记录")
    out: list[Any] = []
    errors: list[dict[str, Any]] = []
    for n, record in enumerate(records, start=1):
        try:
            out.append(model.model_validate(record))
        except ValidationError as exc:
            for err in exc.errors()[:5]:
                errors.append(
                    {
                        "row": n,
                        "loc": [str(p) for p in err["loc"]],
                        "message": messages.validation_message(err),
                    }
                )
    if errors:
        raise ImportInvalid(
            f"共{len(errors)}处错误，未导入任何记录；第{errors[0]['row']}行：{errors[0]['message']}",
            errors=errors[:200],
        )
    return out


def _csv_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y", "是", "t")


def _csv_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def item_csv_row(r: dict[str, str]) -> dict[str, Any]:
    """CSV columns: code,name,dept_code,level,enterprise_related,key_area,on_site,legal_basis,effective_from;
    legal_basis as ``食品安全法:第五十三条|食品安全法:第一百一十条``."""
    refs = []
    for part in (r.get("legal_basis") or "").split("|"):
        if part.strip():
            law, _, article = part.strip().partition(":")
            refs.append({"law": law.strip(), "article": article.strip()})
    return {
        "code": r.get("code", ""),
        "name": r.get("name", ""),
        "dept_code": r.get("dept_code", ""),
        "level": (r.get("level") or "city").strip(),
        "enterprise_related": _csv_bool(r.get("enterprise_related", "true")),
        "key_area": _csv_bool(r.get("key_area")),
        "on_site": _csv_bool(r.get("on_site", "true")),
        "legal_basis": refs,
        "effective_from": r.get("effective_from", ""),
    }


def officer_csv_row(r: dict[str, str]) -> dict[str, Any]:
    """CSV columns: officer_id,name,dept_code,body_code,cert_no,auxiliary,valid_until,id_number,status,
    status_since,status_reason,retraining,return_date (empty cells are null)."""
    return {
        "officer_id": _csv_none(r.get("officer_id")),
        "name": r.get("name", ""),
        "dept_code": r.get("dept_code", ""),
        "body_code": _csv_none(r.get("body_code")),
        "cert_no": _csv_none(r.get("cert_no")),
        "auxiliary": _csv_bool(r.get("auxiliary")),
        "valid_until": _csv_none(r.get("valid_until")),
        "id_number": _csv_none(r.get("id_number")),
        "status": (r.get("status") or "active").strip(),
        "status_since": _csv_none(r.get("status_since")),
        "status_reason": (r.get("status_reason") or "").strip(),
        "retraining": _csv_bool(r.get("retraining")),
        "return_date": _csv_none(r.get("return_date")),
    }


def enterprise_csv_row(r: dict[str, str]) -> dict[str, Any]:
    """CSV columns: uscc,name,district_code,industry,address,legal_rep_name,registered_on."""
    return {
        "uscc": r.get("uscc", ""),
        "name": r.get("name", ""),
        "district_code": r.get("district_code", ""),
        "industry": r.get("industry") or "",
        "address": r.get("address") or "",
        "legal_rep_name": _csv_none(r.get("legal_rep_name")),
        "registered_on": _csv_none(r.get("registered_on")),
    }


async def import_items(
    session: AsyncSession, *, principal: Principal, rows: Sequence[s.ItemWrite]
) -> s.ImportResult:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors: list[dict[str, Any]] = []
    for n, body in enumerate(rows, start=1):
        try:
            counts[await _save_item(session, principal, _item_from(body, body.code, body.dept_code))] += 1
        except DomainError as exc:
            errors.append({"row": n, "code": exc.code, "message": exc.detail})
    if errors:
        raise ImportInvalid(
            f"共{len(errors)}处错误，未导入任何记录；第{errors[0]['row']}行：{errors[0]['message']}",
            errors=errors[:200],
        )
    return s.ImportResult(**counts)


async def import_officers(
    session: AsyncSession, *, principal: Principal, rows: Sequence[s.OfficerImport]
) -> s.ImportResult:
    """New officers are created as given; known ones (by officer_id or certificate) get their registry
    fields updated and, when the status differs, a status change under the rules (reason etc.)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors: list[dict[str, Any]] = []
    today = clock.today()
    for n, body in enumerate(rows, start=1):
        try:
            row = await repo.get_officer(session, body.officer_id) if body.officer_id else None
            if row is None and body.cert_no:
                row = await repo.officer_by_cert(session, registry.validate_cert_no(body.cert_no))
            if row is None:
                await _new_officer(session, principal, body)
                counts["created"] += 1
                continue
            before = _officer_audit(row)
            row.name, row.dept_code, row.body_code = body.name.strip(), body.dept_code, body.body_code
            row.valid_until = body.valid_until
            if body.status != row.status:
                changed = registry.change_officer_status(
                    repo.to_officer(row),
                    registry.OfficerStatus(body.status),
                    on=today,
                    reason=body.status_reason,
                    retraining=body.retraining,
                    return_date=body.return_date,
                    valid_until=body.valid_until,
                )
                _apply_status(row, changed)
            elif _officer_audit(row) != before:
                row.revision += 1
            if _officer_audit(row) == before:
                counts["unchanged"] += 1
                continue
            row.updated_at = clock.now()
            await session.flush()
            await _publish_officer(session, row)
            await audit.append(
                session,
                actor=principal.sub,
                actor_role=principal.role,
                action="officer.imported",
                entity_type="officer",
                entity_id=str(row.officer_id),
                before=before,
                after=_officer_audit(row),
            )
            counts["updated"] += 1
        except DomainError as exc:
            errors.append({"row": n, "code": exc.code, "message": exc.detail})
    if errors:
        raise ImportInvalid(
            f"共{len(errors)}处错误，未导入任何记录；第{errors[0]['row']}行：{errors[0]['message']}",
            errors=errors[:200],
        )
    return s.ImportResult(**counts)


async def import_enterprises(
    session: AsyncSession, *, principal: Principal, rows: Sequence[s.EnterpriseImport]
) -> s.ImportResult:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for body in rows:
        row = await repo.get_enterprise(session, body.uscc)
        if row is None:
            await _new_enterprise(session, principal, body)
            counts["created"] += 1
            continue
        before = _enterprise_audit(row)
        row.name, row.district_code = body.name.strip(), body.district_code
        row.industry, row.address = body.industry.strip(), body.address.strip()
        if body.registered_on:
            row.registered_on = body.registered_on
        if body.legal_rep_masked or body.legal_rep_name:
            row.legal_rep_masked = body.legal_rep_masked or registry.mask_name(body.legal_rep_name or "")
        if _enterprise_audit(row) == before:
            counts["unchanged"] += 1
            continue
        row.updated_at = clock.now()
        await session.flush()
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="enterprise.imported",
            entity_type="enterprise",
            entity_id=row.uscc,
            before=before,
            after=_enterprise_audit(row),
        )
        counts["updated"] += 1
    return s.ImportResult(**counts)


# ---------------------------------------------------------------------------------------------------------
# Supervision (supervisors of the justice bureau; a district supervisor sees their district)


def _district_scope(principal: Principal) -> str | None:
    if principal.role == "supervisor" and principal.scope != "city":
        return principal.scope
    return None


def _exempt_kinds(cfg: Config) -> list[str]:
    return sorted(k.value for k in cfg.policy.exempt_kinds)


async def frequency_rows(
    session: AsyncSession, *, cfg: Config, principal: Principal, year: int, cursor: str | None, limit: int
) -> Page[s.FrequencyRow]:
    """Visits per enterprise per department in ``year`` (a joint visit counts for each department)."""
    rows = await repo.frequency_rows(
        session,
        year,
        district_code=_district_scope(principal),
        exempt_kinds=_exempt_kinds(cfg),
        after=_cursor_pair(cursor, timed=False),
        limit=limit + 1,
    )
    reads = [
        s.FrequencyRow(
            enterprise_uscc=r.uscc,
            enterprise_name=r.name,
            district_code=r.district_code,
            dept_code=r.dept_code,
            visits=int(r.visits),
            capped_visits=int(r.capped_visits or 0),
        )
        for r in rows
    ]
    return page_of(reads, limit, lambda f: [f.enterprise_uscc, f.dept_code])


async def over_cap(
    session: AsyncSession, *, cfg: Config, principal: Principal, year: int
) -> list[s.CapExcessRow]:
    """Enterprises whose capped visits exceed a cap (possible through emergency or back-filled visits)."""
    records = await repo.visit_records(session, [year], _district_scope(principal))
    excess = frequency.enterprises_above_cap(records, year, cfg.policy)
    names = {
        u: e.name for u, e in (await repo.enterprises_by_uscc(session, [e.uscc for e in excess])).items()
    }
    return [
        s.CapExcessRow(
            enterprise_uscc=e.uscc,
            enterprise_name=names.get(e.uscc, ""),
            scope=e.scope,
            dept_code=e.dept_code,
            count=e.count,
            limit=e.limit,
        )
        for e in excess
    ]


async def year_on_year(session: AsyncSession, *, principal: Principal, year: int) -> list[s.YearOnYearRow]:
    """Each department's on-site visits against the previous year (the seed reports −16.7%)."""
    records = await repo.visit_records(session, [year - 1, year], _district_scope(principal))
    return [
        s.YearOnYearRow(
            dept_code=r.dept_code,
            previous=r.change.previous,
            current=r.change.current,
            change=r.change.change,
            permille=r.change.permille,
            text=r.change.text,
            text_zh=r.change.text_zh,
        )
        for r in frequency.department_year_on_year(records, year)
    ]


async def joint_share(session: AsyncSession, *, principal: Principal, year: int) -> s.JointShareRead:
    records = await repo.visit_records(session, [year], _district_scope(principal))
    share = frequency.joint_share(records, year)
    return s.JointShareRead(
        year=year, joint=share.part, total=share.whole, permille=share.permille, text=share.text
    )


async def refusal_counts(
    session: AsyncSession, *, principal: Principal, year: int
) -> list[s.RefusalCountRow]:
    rows = await repo.refusal_counts(session, year, _district_scope(principal))
    return [s.RefusalCountRow(code=c, title=REFUSAL_TITLES.get(c, c), count=n) for c, n in rows]


async def list_refusals(
    session: AsyncSession,
    *,
    principal: Principal,
    code: str | None,
    dept_code: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.RefusalRead]:
    rows = await repo.list_refusals(
        session,
        code=code,
        district_code=_district_scope(principal),
        dept_code=dept_code,
        after=_cursor_pair(cursor),
        limit=limit + 1,
    )
    reads = [
        s.RefusalRead(
            refusal_id=r.refusal_id,
            code=r.code,
            status=r.status,
            detail=r.detail,
            channel=r.channel,
            task_id=r.task_id,
            enterprise_uscc=r.uscc,
            dept_code=r.dept_code,
            district_code=r.district_code,
            officer_cert_nos=list(r.cert_nos),
            actor_role=r.actor_role,
            refused_at=r.refused_at,
        )
        for r in rows
    ]
    return page_of(reads, limit, lambda r: [r.refused_at.isoformat(), str(r.refusal_id)])


async def overdue_approvals(session: AsyncSession, *, cfg: Config, principal: Principal) -> list[s.TaskRead]:
    rows = await repo.overdue_tasks(session, _district_scope(principal))
    counts = await repo.task_enterprise_counts(session, [r.task_id for r in rows])
    now = clock.now()
    return [_task_read(r, counts.get(r.task_id, 0), cfg, now) for r in rows]


async def summary(
    session: AsyncSession, *, cfg: Config, principal: Principal, year: int
) -> s.SupervisionSummary:
    district = _district_scope(principal)
    modes = await repo.visit_mode_counts(session, year, district)
    return s.SupervisionSummary(
        year=year,
        scope=district or "city",
        visits=sum(modes.values()),
        by_mode=[
            s.ModeCountRow(mode=mode.value, count=modes.get(mode.value, 0)) for mode in visits.VisitMode
        ],
        joint_share=await joint_share(session, principal=principal, year=year),
        refusals=await refusal_counts(session, principal=principal, year=year),
        over_cap=len(await over_cap(session, cfg=cfg, principal=principal, year=year)),
        overdue_urgent_approvals=len(await repo.overdue_tasks(session, district)),
        low_ratings=await repo.low_rating_count(session, year, district),
    )


# ---------------------------------------------------------------------------------------------------------
# Public (一公开): random tasks, their draws and, after completion, their results; the catalogue; keys


PUBLIC_STATUSES = ("approved", "completed")


async def _public_task(session: AsyncSession, row: m.Task) -> s.PublicTaskRead:
    departments = {d.code: d for d in await repo.list_departments(session)}
    catalogue = await repo.catalogue_for(session, row.item_codes)
    day = row.starts_on or local_date(row.created_at)
    items = []
    for code in row.item_codes:
        item = catalogue.get(code, day)
        if item is not None:
            items.append(
                s.ItemBrief(
                    code=code, name=item.name, dept_code=item.dept_code, legal_basis=item.legal_basis_text()
                )
            )
    members = await repo.task_enterprises(session, row.task_id)
    enterprises = await repo.enterprises_by_uscc(session, [t.uscc for t in members])
    dept = departments.get(row.lead_dept)
    return s.PublicTaskRead(
        task_id=row.task_id,
        title=row.title,
        status=row.status,
        department=dept.name if dept else row.lead_dept,
        authority=dept.authority if dept else "",
        items=items,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        approved_at=row.approved_at,
        completed_at=row.completed_at,
        enterprises=[enterprises[t.uscc].name for t in members if t.uscc in enterprises],
        draw_algorithm=row.draw_algorithm,
        draw_seed_commitment=sampling.seed_commitment(row.draw_seed) if row.draw_seed else None,
    )


async def _published_task(session: AsyncSession, task_id: uuid.UUID) -> m.Task:
    row = await repo.get_task(session, task_id)
    if row is None or row.kind != "random" or row.status not in PUBLIC_STATUSES:
        raise TaskNotFound(f"双随机抽查任务 {task_id} 不存在或尚未公开")
    return row


async def public_tasks(session: AsyncSession, *, cursor: str | None, limit: int) -> Page[s.PublicTaskRead]:
    rows = await repo.list_tasks(
        session, kind="random", statuses=PUBLIC_STATUSES, after=_cursor_pair(cursor), limit=limit + 1
    )
    reads = [await _public_task(session, r) for r in rows[: limit + 1]]
    created = {r.task_id: r.created_at for r in rows}
    return page_of(reads, limit, lambda t: [created[t.task_id].isoformat(), str(t.task_id)])


async def public_task(session: AsyncSession, *, task_id: uuid.UUID) -> s.PublicTaskRead:
    return await _public_task(session, await _published_task(session, task_id))


def _public_result(outcomes: Sequence[str]) -> str:
    if not outcomes:
        return "检查中"
    if "violation" in outcomes:
        return "发现违法行为，依法处理"
    if "ordered_to_correct" in outcomes:
        return "发现问题，已责令改正"
    if "educated" in outcomes:
        return "发现轻微问题，已说服教育"
    return "未发现问题"


async def public_results(session: AsyncSession, *, task_id: uuid.UUID) -> s.PublicResultsRead:
    """Per drawn enterprise: inspected or not, when, by whom (masked names), and the result in one phrase."""
    row = await _published_task(session, task_id)
    if row.status != "completed" or row.completed_at is None:
        raise ResultsNotPublished(f"检查任务 {task_id} 尚未办结，结果办结后公开")
    members = await repo.task_enterprises(session, row.task_id)
    enterprises = await repo.enterprises_by_uscc(session, [t.uscc for t in members])
    task_visits = await repo.list_visits(session, task_id=row.task_id, status="completed", limit=10000)
    outcomes = await repo.visit_outcomes(session, [v.visit_id for v in task_visits])
    by_uscc: dict[str, list[m.Visit]] = {}
    for v in task_visits:
        by_uscc.setdefault(v.uscc, []).append(v)
    result_rows = []
    for t in members:
        done = sorted(by_uscc.get(t.uscc, []), key=lambda v: v.started_at)
        ent = enterprises.get(t.uscc)
        codes = [o.outcome for v in done for o in outcomes.get(v.visit_id, [])]
        result_rows.append(
            s.PublicResultRow(
                enterprise_name=ent.name if ent else "",
                enterprise_uscc=t.uscc,
                inspected=bool(done),
                inspected_on=local_date(done[0].started_at) if done else None,
                officers=sorted({registry.mask_name(o["name"]) for v in done for o in v.officers}),
                result=_public_result(codes) if done else "未检查",
            )
        )
    return s.PublicResultsRead(
        task_id=row.task_id, title=row.title, completed_at=row.completed_at, rows=result_rows
    )
