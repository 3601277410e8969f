"""Intake of one record (reconsideration outcome, judgment, 12345 lead) from an integration client,
idempotent on the external id: the same record again is a replay, another record under the same id a 409."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, scopes
from services.common.auth import Principal
from services.common.events import json_time
from services.risk.domain import intake, leads
from services.risk.domain.history import step_json
from services.risk.domain.intake import IntakeKind, LineError
from services.risk.domain.report import RiskConfigSet
from services.risk.errors import IntakeClientNotAllowed, IntakeConflict, IntakeInvalid
from services.risk.repository import classes as class_repo
from services.risk.repository import intake as intake_repo
from services.risk.repository.intake import StoredIntake
from services.risk.schemas import IntakeRead
from services.risk.use_cases import classes, units
from services.risk.views import intake_read

_KIND_SCOPES = {
    IntakeKind.RECONSIDERATION: scopes.RECONSIDERATION_INTAKE,
    IntakeKind.LITIGATION: scopes.LITIGATION_INTAKE,
    IntakeKind.COMPLAINT: scopes.COMPLAINT_INTAKE,
}


def check_client(principal: Principal, kind: IntakeKind, grants: Mapping[str, Sequence[str]]) -> None:
    """Each kind of record has its own client scope (risk.intake.<kind>, services/common/scopes.py)."""
    scopes.require(principal, _KIND_SCOPES[kind], grants, error=IntakeClientNotAllowed)


def _canonical(record: intake.IntakeRecord) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    if isinstance(record, intake.ComplaintLeadIn):
        # The same instant written with another offset is the same record.
        data["received_at"] = json_time(record.received_at.astimezone(UTC))
    return data


def _body_hash(canonical: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


def intake_row(
    record: intake.IntakeRecord, *, client: str, now: datetime, upload_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """The column values that store ``record`` (``repository.intake.insert_intake`` takes batches of them)."""
    canonical = _canonical(record)
    common: dict[str, Any] = {
        "id": uuid.uuid4(),
        "upload_id": upload_id,
        "external_id": record.external_id,
        "body_hash": _body_hash(canonical),
        "client": client,
        "unit_code": record.unit_code,
        "domain": record.domain,
        "penalty_case_id": record.penalty_case_id,
        "record": orjson.dumps(canonical).decode(),
    }
    if isinstance(record, intake.ComplaintLeadIn):
        return {
            **common,
            "uscc": record.uscc,
            "category": record.category,
            "text": record.text,
            "received_at": record.received_at,
            "received_on": intake.event_date(record),
            "batch": str(leads.WeekBatch.of(record.received_at)),
            "status": leads.LeadStatus.RECEIVED.value,
            "history": orjson.dumps(
                [step_json(record.received_at, client, None, leads.LeadStatus.RECEIVED.value, "")]
            ).decode(),
        }
    if isinstance(record, intake.ReconsiderationOutcomeIn):
        outcome, loss_type = record.outcome.value, None
        counts_as = "reconsideration_correction" if intake.is_correction(record.outcome) else None
        kind = "reconsideration"
    else:
        outcome, loss_type = record.result.value, record.loss_type.value if record.loss_type else None
        counts_as = "litigation_loss" if intake.is_litigation_loss(record.result) else None
        kind = "litigation"
    return {
        **common,
        "kind": kind,
        "decided_on": record.decided_on,
        "penalty_decided_on": record.penalty_decided_on,
        "outcome": outcome,
        "loss_type": loss_type,
        "illegality": record.illegality.value if record.illegality else None,
        "counts_as": counts_as,
        "received_at": now,
    }


def _stored(kind: IntakeKind, row: Mapping[str, Any]) -> StoredIntake:
    """What the answer says about a record just stored (the same columns a replay reads back)."""
    complaint = kind is IntakeKind.COMPLAINT
    return StoredIntake(
        id=row["id"],
        external_id=row["external_id"],
        body_hash=row["body_hash"],
        unit_code=row["unit_code"],
        domain=row["domain"],
        penalty_case_id=row["penalty_case_id"],
        event_date=row["received_on"] if complaint else row["decided_on"],
        counts_as=None if complaint else row["counts_as"],
        batch=row["batch"] if complaint else None,
    )


async def after_intake(
    session: AsyncSession, *, units_named: Iterable[str], usccs: Iterable[str], config: RiskConfigSet
) -> None:
    """Register the units and enterprises named by newly stored records and reclassify those enterprises."""
    await units.register(session, units_named)
    found = sorted(set(usccs))
    if found:
        await class_repo.ensure_enterprises(session, found)
        await classes.classify_enterprises(session, config=config, usccs=found)


async def intake_one(
    session: AsyncSession,
    *,
    kind: IntakeKind,
    body: bytes,
    principal: Principal,
    config: RiskConfigSet,
    grants: Mapping[str, Sequence[str]],
) -> tuple[IntakeRead, bool]:
    """Store one record; returns its representation and whether it was stored now (False: a replay)."""
    check_client(principal, kind, grants)
    now = clock.now()
    parsed = intake.parse_line(kind, 1, body.strip(), now=now)
    if isinstance(parsed, LineError):
        raise IntakeInvalid(
            parsed.message,
            code=parsed.code,
            detail_en=parsed.message_en,
            errors=[{"field": i.field, "code": i.code, "detail": i.message} for i in parsed.issues],
        )
    row = intake_row(parsed.record, client=principal.client or "", now=now)
    inserted = await intake_repo.insert_intake(session, kind.value, [row])
    if not inserted:
        existing = await intake_repo.find_intake(session, kind.value, row["external_id"])
        assert existing is not None
        if existing.body_hash != row["body_hash"]:
            external_id = row["external_id"]
            raise IntakeConflict(
                f"外部编号{external_id}已报送过内容不同的记录；更正请使用新的编号并说明",
                detail_en=f"The external id {external_id} was already sent with other content; "
                "send a correction under a new id and say so",
                extra={"external_id": external_id},
            )
        return intake_read(kind, existing), False
    uscc = row.get("uscc")
    await after_intake(session, units_named=[row["unit_code"]], usccs=[uscc] if uscc else [], config=config)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"intake.{kind.value}",
        entity_type="complaint_lead" if kind is IntakeKind.COMPLAINT else "external_outcome",
        entity_id=str(row["id"]),
        after={
            "external_id": row["external_id"],
            "client": principal.client,
            "record": orjson.loads(row["record"]),
        },
    )
    return intake_read(kind, _stored(kind, row)), True
