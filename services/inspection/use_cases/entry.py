"""Scan-to-enter (SPEC §2.3): the officers' entry code and the enterprise's check-in, the enterprise code
scanned by the officers, the emergency and back-fill exceptions, and every refusal on the way.

Every channel (entry code, check-in, enterprise-code scan, emergency, back-fill) runs the same steps: resolve
the enterprise (locked when a visit may start), read every fact the rules need in one statement
(repository.entry.entry_facts), resolve the people and the task, let the domain start the visit (times and
windows) and judge the entry (entry_rules.check_entry at the moment of entering), then write the visit —
with its event, consuming the code in the same statement for a check-in. Check-in is the hot path: four round
trips (BEGIN sent with the enterprise's lock, the facts, the claim-and-insert, COMMIT), no ORM instance in the
reply (docs/benchmarks.md).

Refusals of entry are the exception that proves the rule that use cases never commit: the request that is
refused answers 4xx, so the edge rolls its transaction back, yet every refusal must be kept (refused attempts
are the signal of 乱检查). ``refuse`` therefore first rolls the request's session back — releasing its row
locks and its pooled connection, so a refusal never waits on its own request and a request never holds two
connections — and then writes the refusal and its ``inspection.entry.refused`` outbox row in one short
transaction of its own (``services.common.db.transaction`` on the runtime's session factory), committed
before the error is raised to the edge. If that transaction cannot commit, the request answers 503 instead
of the refusal: no refusal is ever reported that was not recorded. A retry carrying the same Idempotency-Key
is the same attempt and is recorded once (``entry_refusal.attempt_key``).
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import audit, clock, outbox
from services.common.auth import Principal
from services.common.clock import local_date
from services.common.db import transaction
from services.common.logs import request_id_var
from services.inspection import events, views
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection.domain import entry_code, entry_rules, frequency, qualifications, registry, visits
from services.inspection.domain.events import EntryRefusal, VisitStarted
from services.inspection.domain.frequency import year_of
from services.inspection.errors import (
    CodeInvalid,
    CodeUsed,
    CodeWrongEnterprise,
    EnterpriseCodeInvalid,
    EnterpriseNotInTask,
    EntryRefused,
    NotCertified,
    RefusalNotRecorded,
    TaskNotApproved,
)
from services.inspection.repository import entry as entry_repo
from services.inspection.repository import visits as visit_repo
from services.inspection.settings import InspectionContext

log = logging.getLogger(__name__)

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


async def refuse(
    session: AsyncSession,
    factory: async_sessionmaker[AsyncSession],
    attempt: Attempt,
    refusal: EntryRefused,
) -> None:
    """Record and publish ``refusal`` in its own committed transaction (see the module docstring)."""
    await entry_repo.rollback(session)
    now = clock.now()
    refusal_id = uuid.uuid4()
    cert_nos = list(dict.fromkeys(c for c in attempt.cert_nos if c))
    try:
        async with transaction(factory) as side:
            inserted = await entry_repo.insert_refusal(
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
                    events.entry_refused(
                        EntryRefusal(
                            refusal_id=refusal_id,
                            code=refusal.code,
                            task_id=attempt.task_id,
                            enterprise_uscc=attempt.uscc,
                            department_code=attempt.dept_code,
                            district_code=attempt.district_code,
                            officer_cert_nos=tuple(cert_nos),
                            detail=refusal.detail,
                            refused_at=now,
                            counts_against_unit=refusal.counts_against_unit,
                            attempt_ref=str(attempt.entry_code_id) if attempt.entry_code_id else None,
                        ),
                    ),
                )
    except (DBAPIError, OSError) as exc:
        log.error("could not record refusal %s: %s", refusal.code, exc)
        raise RefusalNotRecorded(
            "拒绝入企的记录暂时无法保存，请稍后重试", detail_en="refusal not recorded"
        ) from exc


# ---------------------------------------------------------------------------------------------------------
# The steps every channel shares


CERT_LIKE = re.compile(r"^\S+-\d+$")


@dataclass
class Entry:
    """An entry being judged: the enterprise, the facts read for it, and the people resolved from them."""

    enterprise: entry_repo.EnterpriseRow
    facts: entry_repo.EntryFacts
    inspectors: list[registry.Officer]
    companions: list[registry.Officer]
    departments: dict[str, str]
    unknown: list[str]
    item_codes: list[str]

    def task(self, task_id: uuid.UUID | str | None) -> entry_rules.Task:
        """The task (the enterprise counted in it only if it is a member), or ``TASK_NOT_APPROVED``."""
        if self.facts.task is None:
            raise TaskNotApproved(
                f"检查任务 {task_id} 不存在，不得入企检查",
                detail_en=f"Task {task_id} does not exist; no entry to inspect",
                extra={"task_id": str(task_id)},
            )
        return self.facts.task

    def require_people(self) -> None:
        """Anyone put forward who is not in the registry is refused as ``NOT_CERTIFIED``."""
        if self.unknown:
            ref = self.unknown[0]
            raise NotCertified(
                f"“{ref}”未在执法人员名录中登记，不得从事行政检查",
                detail_en=f"{ref} is not in the register of officers: no inspection",
                extra={"ref": ref},
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
    enterprise: entry_repo.EnterpriseRow | str,
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
    # a USCC alone: the enterprise was only locked (``begin_and_lock``), its row comes with the facts
    facts = await entry_repo.entry_facts(
        session,
        uscc=enterprise if isinstance(enterprise, str) else enterprise.uscc,
        task_id=task_id,
        cert_nos=cert_nos,
        officer_ids=[*ids, *accompanying],
        item_codes=item_codes,
        at=at,
        code_id=code_id,
        with_enterprise=isinstance(enterprise, str),
    )
    if isinstance(enterprise, str):
        if facts.enterprise is None:  # locked in this transaction, so it cannot have been deleted since
            raise RuntimeError(f"the locked enterprise {enterprise} was not read with the facts")
        enterprise = facts.enterprise
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
        companion_ids = list(facts.code.accompanying_ids)
    companions = []
    for oid_text in companion_ids:
        if oid_text in by_id:
            companions.append(by_id[oid_text])
        else:
            unknown.append(oid_text)
    return Entry(enterprise, facts, inspectors, companions, departments, unknown, list(item_codes))


async def _judge(
    session: AsyncSession, ctx: InspectionContext, entry: Entry, task: entry_rules.Task, at: datetime
) -> None:
    """Every rule of SPEC §2.3 for this entry as of ``at``; raises the first refusal that applies."""
    uscc = entry.enterprise.uscc
    counts = frequency.enterprise_year(entry.facts.records, uscc, year_of(at), ctx.policy)
    hours = None
    if qualifications.training_rule_applies(ctx.entry.training_enforced_from, local_date(at)):
        # read only while the rule is on: the check-in hot path stays at its three statements otherwise
        hours = await entry_repo.hours_in_window(
            session, [o.officer_id for o in entry.inspectors], local_date(at)
        )
    entry_rules.check_entry(
        task,
        entry.enterprise.domain(),
        entry.inspectors,
        entry.item_codes,
        entry.facts.catalogue,
        counts,
        entry.facts.risk_class,
        ctx.entry,
        at,
        accompanying=entry.companions,
        quiet_windows=entry.facts.windows,
        training_hours=hours,
    )
    entry_rules.check_assignment(task, uscc, entry.facts.assigned or [], entry.inspectors)


async def _enterprise_for_entry(
    session: AsyncSession, uscc: str, task_id: uuid.UUID, *, lock: bool
) -> entry_repo.EnterpriseRow:
    row = await entry_repo.enterprise_row(session, uscc, lock=lock)
    if row is None:
        raise EnterpriseNotInTask(
            f"统一社会信用代码 {uscc} 的企业未在企业名录中登记，不在检查任务 {task_id} 范围内",
            detail_en=f"No enterprise with USCC {uscc} is registered: it is not part of task {task_id}",
            extra={"uscc": uscc},
        )
    return row


def _new_visit(
    ctx: InspectionContext,
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
        backfill_window=ctx.backfill_window,
        emergency_window=ctx.emergency_window,
    )


def _visit_values(
    entry: Entry,
    visit: visits.Visit,
    principal: Principal,
    ids: tuple[uuid.UUID, uuid.UUID, uuid.UUID | None] | None = None,
) -> dict[str, Any]:
    """The visit's columns. ``ids``: the visit's, its task's and its entry code's ids as the caller already holds
    them parsed (the visit's own strings parsed otherwise: ~1.5 us each)."""
    if ids is None:
        code = visit.entry_code_id
        ids = (uuid.UUID(visit.visit_id), uuid.UUID(visit.task_id), uuid.UUID(code) if code else None)
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
        "visit_id": ids[0],
        "task_id": ids[1],
        "task_kind": visit.task_kind.value,
        "uscc": visit.uscc,
        "district_code": visit.district_code,
        "mode": visit.mode.value,
        "status": visit.status.value,
        "started_at": visit.started_at,
        "recorded_at": visit.recorded_at,
        "reason": visit.reason,
        "entry_code_id": ids[2],
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


async def _write_start(
    session: AsyncSession, visit: visits.Visit, values: dict[str, Any], *, claim_code: uuid.UUID | None
) -> bool:
    """Write the visit with its ``inspection.visit.started`` event (one statement, the same transaction);
    with ``claim_code``, only if that code is still unused (False otherwise: nothing is written).

    Its audit-chain entry is appended by ``audit_visit_starts`` (the auditor job) within about a second: the
    chain's lock serialises every writer of the service until commit, and on the check-in path it would cap
    the throughput (see docs/api/inspection.md, "Audit of visits").
    """
    outbox.add(
        session, events.visit_started(VisitStarted(visit), ids=(values["visit_id"], values["task_id"]))
    )
    return await entry_repo.insert_visit(session, values, claim_code=claim_code)


def _started_row(values: dict[str, Any]) -> m.Visit:
    """The written visit as a detached record for the reply."""
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
    """Append the start of every visit not yet in the audit chain, oldest first (job); returns how many. The
    visits leave ``visit_unaudited`` in this transaction (``claim_unaudited``): each is appended once."""
    rows = await visit_repo.claim_unaudited(session, limit)
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
    return len(rows)


# ---------------------------------------------------------------------------------------------------------
# The channels


async def issue_entry_code(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    ctx: InspectionContext,
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
        await _judge(session, ctx, entry, entry.task(body.task_id), now)
    except EntryRefused as refusal:
        await refuse(session, factory, attempt, refusal)
        raise
    payload = entry_code.new_payload(
        code_id=str(uuid.uuid4()),
        task_id=str(body.task_id),
        uscc=body.enterprise_uscc,
        cert_nos=[o.cert_no for o in entry.inspectors if o.cert_no],
        item_codes=list(dict.fromkeys(body.item_codes)),
        now=now,
        nonce=secrets.token_urlsafe(12),
        ttl=ctx.code_ttl,
    )
    code = entry_code.sign(payload, ctx.keys.private_key, ctx.keys.kid)
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
            kid=ctx.keys.kid,
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
            "kid": ctx.keys.kid,
            "accompanying": [o.officer_id for o in entry.companions],
        },
    )
    return views.entry_code_read(payload, code, ctx.keys)


async def check_in(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    ctx: InspectionContext,
    principal: Principal,
    body: s.CheckIn,
    attempt_key: str | None,
) -> s.CheckInRead:
    """The enterprise scanned an entry code: verify it, re-check the rules, consume it once, start the visit."""
    values, enterprise_name = await start_check_in(
        session, factory=factory, ctx=ctx, principal=principal, body=body, attempt_key=attempt_key
    )
    read = views.visit_read(_started_row(values), [], enterprise_name, principal, ctx.rating_window)
    return views.check_in_read(read)


async def start_check_in(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    ctx: InspectionContext,
    principal: Principal,
    body: s.CheckIn,
    attempt_key: str | None,
) -> tuple[dict[str, Any], str | None]:
    """``check_in`` up to its reply: the written visit's columns and the enterprise's name, from which the hot
    route writes the reply's JSON itself (``views.check_in_json``: the same bytes)."""
    now = clock.now()
    uscc = principal.uscc or ""
    attempt = Attempt("check_in", principal, attempt_key, uscc=uscc)
    try:
        payload = entry_code.verify(body.code, ctx.keys.public_keys, now, leeway=ctx.code_leeway)
        task_id, code_id = _uuid_or_none(payload.task_id), _uuid_or_none(payload.code_id)
        attempt.task_id, attempt.entry_code_id, attempt.cert_nos = task_id, code_id, list(payload.cert_nos)
        # The scanning enterprise is locked first: two phones of one enterprise racing one code, or two codes
        # racing the yearly cap, are serialised here (and the facts below are read after the winner commits).
        # BEGIN goes with the lock (one round trip); the enterprise's row is read with the facts.
        if not await entry_repo.begin_and_lock(session, uscc):
            raise CodeWrongEnterprise(
                "本企业未在企业名录中登记，不能使用该检查码",
                detail_en=f"This enterprise ({uscc}) is not registered and cannot use the entry code",
                extra={"uscc": uscc},
            )
        entry = await _gather(
            session,
            enterprise=uscc,
            task_id=task_id,
            cert_nos=list(payload.cert_nos),
            officer_ids=[],
            accompanying=[],
            item_codes=list(payload.item_codes),
            at=now,
            code_id=code_id,
        )
        enterprise = entry.enterprise
        attempt.district_code = enterprise.district_code
        code_row = entry.facts.code
        if code_row is None or code_row.uscc != payload.uscc or code_row.task_id != payload.task_id:
            raise CodeInvalid(
                "检查码不是由本系统签发的，不得据此入企检查",
                detail_en="The entry code was not issued by this system: no entry on it",
            )
        task = entry.task(task_id)
        attempt.dept_code = task.lead_dept
        # The enterprise first: another enterprise holding a used code must not learn when it was used.
        entry_code.check_enterprise(payload, uscc)
        entry_code.check_unused(payload, code_row.used_at)
        entry.require_people()
        visit_id = uuid.uuid4()
        visit = _new_visit(
            ctx,
            entry,
            task,
            visit_id=visit_id,
            mode=visits.VisitMode.ENTRY_CODE,
            now=now,
            entry_code_id=code_id,
        )
        await _judge(session, ctx, entry, task, now)
        assert task_id is not None and code_id is not None  # the code's row was read by both
        values = _visit_values(entry, visit, principal, (visit_id, task_id, code_id))
        if not await _write_start(session, visit, values, claim_code=code_id):
            raise CodeUsed(
                f"检查码 {payload.code_id} 已使用，每个检查码只能使用一次",
                detail_en=f"Entry code {payload.code_id} is used; a code is used once",
            )
    except EntryRefused as refusal:
        await refuse(session, factory, attempt, refusal)
        raise
    return values, enterprise.name


async def scan_enterprise_code(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    ctx: InspectionContext,
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
        scanned = entry_code.verify_enterprise_code(body.enterprise_code, ctx.keys.public_keys)
        attempt.uscc = scanned.uscc
        enterprise = await entry_repo.enterprise_row(session, scanned.uscc, lock=True)
        if enterprise is None:
            raise EnterpriseCodeInvalid(
                "企业码对应的企业未在企业名录中登记",
                detail_en=f"The enterprise of the enterprise code ({scanned.uscc}) is not registered",
            )
        attempt.district_code = enterprise.district_code
        entry_code.verify_enterprise_code(
            body.enterprise_code, ctx.keys.public_keys, current_serial=enterprise.code_serial
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
            ctx,
            entry,
            task,
            visit_id=uuid.uuid4(),
            mode=mode,
            now=now,
            started_at=started_at,
            reason=body.reason,
        )
        await _judge(session, ctx, entry, task, visit.started_at)
        values = _visit_values(entry, visit, principal)
        await _write_start(session, visit, values, claim_code=None)
    except EntryRefused as refusal:
        await refuse(session, factory, attempt, refusal)
        raise
    row = _started_row(values)
    return views.visit_read(row, [], enterprise.name, principal, ctx.rating_window)


async def backfill(
    session: AsyncSession,
    *,
    factory: async_sessionmaker[AsyncSession],
    ctx: InspectionContext,
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
            ctx,
            entry,
            task,
            visit_id=uuid.uuid4(),
            mode=visits.VisitMode.BACKFILLED,
            now=now,
            started_at=body.started_at,
            reason=body.reason,
        )
        await _judge(session, ctx, entry, task, visit.started_at)
        values = _visit_values(entry, visit, principal)
        await _write_start(session, visit, values, claim_code=None)
    except EntryRefused as refusal:
        await refuse(session, factory, attempt, refusal)
        raise
    row = _started_row(values)
    return views.visit_read(row, [], enterprise.name, principal, ctx.rating_window)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def public_keys(ctx: InspectionContext) -> s.KeySetRead:
    """The key set that verifies entry and enterprise codes offline."""
    return views.key_set_read(ctx.keys)
