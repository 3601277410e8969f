"""Use cases of the risk service: repository + domain + outbox. Never commits (the edge does)."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.cn import uscc as stdnum_uscc

from services.common import audit, calendar_store, clock, outbox, scopes
from services.common.auth import Principal
from services.common.contracts.risk import WarningIssued
from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.common.logs import request_id_var
from services.common.workdays import CalendarNotCovered
from services.risk import repository as repo
from services.risk.deps import require_city, unit_of
from services.risk.domain import classes, intake, leads, rectification, report
from services.risk.domain.intake import IntakeKind, LineError
from services.risk.domain.report import Colour, Quarter, QuarterlyReport, RiskConfigSet

log = logging.getLogger(__name__)

_TIME = TypeAdapter(datetime)


def json_time(moment: datetime) -> str:
    """A timestamp exactly as pydantic writes it into an event envelope."""
    return str(_TIME.dump_python(moment, mode="json"))


# --------------------------------------------------------------------------------------------------- errors


class IntakeInvalid(Unprocessable):
    code = "INTAKE_INVALID"
    title = "数据内容无效"
    title_en = "Invalid record"


class IntakeConflict(Conflict):
    code = "INTAKE_EXTERNAL_ID_CONFLICT"
    title = "外部编号已用于内容不同的记录"
    title_en = "The external id was already used with a different record"


class IntakeClientNotAllowed(scopes.ClientScopeForbidden):
    code = "INTAKE_CLIENT_NOT_ALLOWED"
    title = "该接入方无权报送此类数据"
    title_en = "This client may not send records of this kind"


class QuarterNotClosed(Conflict):
    code = "RISK_QUARTER_NOT_CLOSED"
    title = "季度尚未结束，不能发布报告"
    title_en = "The quarter has not ended; its report cannot be published"


class LeadBatchNotEnded(Conflict):
    code = "LEAD_BATCH_NOT_ENDED"
    title = "该周尚未结束，不能移送"
    title_en = "The week has not ended; its leads cannot be transferred yet"


class UsccInvalid(Unprocessable):
    code = "ENTERPRISE_USCC_INVALID"
    title = "统一社会信用代码无效"
    title_en = "Invalid unified social credit code"


class UnitNotFound(NotFound):
    code = "RISK_UNIT_NOT_FOUND"
    title = "执法单位不存在"
    title_en = "No such enforcement unit"


class RectificationNotFound(NotFound):
    code = "RECTIFICATION_NOT_FOUND"
    title = "整改事项不存在"
    title_en = "No such rectification"


class LeadNotFound(NotFound):
    code = "LEAD_NOT_FOUND"
    title = "线索不存在"
    title_en = "No such lead"


class EnterpriseNotFound(NotFound):
    code = "ENTERPRISE_NOT_FOUND"
    title = "企业尚无风险分类"
    title_en = "The enterprise has no risk class"


class RunNotFound(NotFound):
    code = "CLASSIFICATION_RUN_NOT_FOUND"
    title = "分类任务不存在"
    title_en = "No such classification run"


class RectificationUnitOnly(Forbidden):
    code = "RECTIFICATION_UNIT_ONLY"
    title = "整改措施由被预警单位报送"
    title_en = "Only the warned unit submits rectification measures"


class RectificationSupervisorOnly(Forbidden):
    code = "RECTIFICATION_SUPERVISOR_ONLY"
    title = "须由监督人员操作"
    title_en = "Only a supervisor may do this"


class LeadUnitOnly(Forbidden):
    code = "LEAD_UNIT_ONLY"
    title = "线索由承办单位答复"
    title_en = "Only the department the lead was transferred to answers it"


class LeadSupervisorOnly(Forbidden):
    code = "LEAD_SUPERVISOR_ONLY"
    title = "须由监督人员操作"
    title_en = "Only a supervisor may do this"


# --------------------------------------------------------------------------------------------------- units


def unit_code_for(department_code: str, district_code: str | None) -> str:
    """The enforcement unit of an event: ``<department>-<district>`` (``SJ-210102``), as in departments.json."""
    if "-" in department_code or not district_code:
        return department_code
    return f"{department_code}-{district_code}"


def unit_row(code: str) -> dict[str, Any]:
    """A unit row inferred from its code: ``SJ-210102`` → department SJ, district 210102."""
    department, _, district = code.partition("-")
    return {
        "code": code,
        "department_code": department if district else None,
        "district_code": district if district.isdigit() and len(district) == 6 else None,
    }


async def _visible_unit(session: AsyncSession, principal: Principal, unit_code: str) -> Any:
    """The unit if the principal may see it; 404 otherwise (never 403 for a foreign object)."""
    unit = await repo.get_unit(session, unit_code)
    if unit is None:
        raise UnitNotFound(f"执法单位{unit_code}不存在")
    if principal.role == "officer":
        if unit_of(principal) != unit_code:
            raise UnitNotFound(f"执法单位{unit_code}不存在")
    elif not principal.sees_district(unit.district_code):
        raise UnitNotFound(f"执法单位{unit_code}不存在")
    return unit


def _district_filter(principal: Principal) -> str | None:
    if principal.role == "supervisor" and principal.scope != "city":
        return principal.scope
    return None


# --------------------------------------------------------------------------------------------------- intake


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
            "received_on": intake.local_date(record.received_at),
            "batch": str(leads.WeekBatch.of(record.received_at)),
            "status": leads.LeadStatus.RECEIVED.value,
            "history": orjson.dumps(
                [_step_json(record.received_at, client, None, leads.LeadStatus.RECEIVED.value, "")]
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


def intake_read(kind: IntakeKind, row: Mapping[str, Any]) -> dict[str, Any]:
    """The response of a stored record, built only from stored columns (so a replay is byte-identical)."""
    complaint = kind is IntakeKind.COMPLAINT
    return {
        "id": row["id"],
        "kind": kind.value,
        "external_id": row["external_id"],
        "unit_code": row["unit_code"],
        "domain": row["domain"],
        "penalty_case_id": row["penalty_case_id"],
        "event_date": row["received_on"] if complaint else row["decided_on"],
        "counts_as": None if complaint else row["counts_as"],
        "batch": row["batch"] if complaint else None,
    }


def check_client(principal: Principal, kind: IntakeKind, grants: Mapping[str, Sequence[str]]) -> None:
    """Each kind of record has its own client scope (risk.intake.<kind>, services/common/scopes.py)."""
    scopes.require(principal, _KIND_SCOPES[kind], grants, error=IntakeClientNotAllowed)


_KIND_SCOPES = {
    IntakeKind.RECONSIDERATION: scopes.RECONSIDERATION_INTAKE,
    IntakeKind.LITIGATION: scopes.LITIGATION_INTAKE,
    IntakeKind.COMPLAINT: scopes.COMPLAINT_INTAKE,
}


async def after_intake(
    session: AsyncSession, *, units: Iterable[str], usccs: Iterable[str], config: RiskConfigSet
) -> None:
    """Register the units and enterprises named by newly stored records and reclassify those enterprises."""
    await repo.ensure_units(session, [unit_row(code) for code in sorted(set(units))])
    found = sorted(set(usccs))
    if found:
        await repo.ensure_enterprises(session, found)
        await classify_enterprises(session, config=config, usccs=found)


async def intake_one(
    session: AsyncSession,
    *,
    kind: IntakeKind,
    body: bytes,
    principal: Principal,
    config: RiskConfigSet,
) -> tuple[dict[str, Any], bool]:
    """Store one record; returns its representation and whether it was stored now (False: a replay)."""
    now = clock.now()
    parsed = intake.parse_line(kind, 1, body.strip(), now=now)
    if isinstance(parsed, LineError):
        raise IntakeInvalid(
            parsed.message,
            code=parsed.code,
            errors=[{"field": i.field, "code": i.code, "detail": i.message} for i in parsed.issues],
        )
    row = intake_row(parsed.record, client=principal.client or "", now=now)
    inserted = await repo.insert_intake(session, kind.value, [row])
    if not inserted:
        existing = await repo.find_intake(session, kind.value, row["external_id"])
        assert existing is not None
        if existing.body_hash != row["body_hash"]:
            raise IntakeConflict(
                f"外部编号{row['external_id']}已报送过内容不同的记录；更正请使用新的编号并说明",
                extra={"external_id": row["external_id"]},
            )
        return intake_read(kind, existing._mapping), False
    uscc = row.get("uscc")
    await after_intake(session, units=[row["unit_code"]], usccs=[uscc] if uscc else [], config=config)
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
    return intake_read(kind, row), True


# --------------------------------------------------------------------------------------------------- reports


def config_document(config: RiskConfigSet) -> dict[str, Any]:
    return {
        "schema": config.schema_,
        "versions": [v.model_dump(mode="json") for v in config.versions],
        "in_effect": config.in_effect(clock.today()).version,
    }


async def build_report(
    session: AsyncSession, *, quarter: Quarter, config: RiskConfigSet, today: date
) -> QuarterlyReport:
    quarter.ensure_started(today)
    q1 = quarter.previous()
    q2 = q1.previous()
    return report.build_quarterly_report(
        quarter,
        await repo.quarter_counts(session, quarter.first_day, quarter.last_day),
        previous=await repo.quarter_counts(session, q1.first_day, q1.last_day),
        before_previous=await repo.quarter_counts(session, q2.first_day, q2.last_day),
        config=config.for_quarter(quarter),
        today=today,
    )


def _figures_json(f: report.Figures) -> dict[str, Any]:
    return {
        "decisions": f.decisions,
        "reconsideration_corrections": f.reconsideration_corrections,
        "litigation_losses": f.litigation_losses,
        "corrections": f.corrections,
        "complaints": f.complaints,
        "refused_entries": f.refused_entries,
        "low_ratings": f.low_ratings,
        "benchmark_deviations": f.benchmark_deviations,
        "overdue_procedures": f.overdue_procedures,
        "correction_rate": report.percent(f.rate) if f.rate is not None else None,
    }


def _reason_json(r: report.Reason) -> dict[str, Any]:
    return {"rule": r.rule, "colour": r.colour.value, "text": r.text, "figures": dict(r.figures)}


def _assessment_json(a: report.Assessment, units: Mapping[str, Any]) -> dict[str, Any]:
    unit = units.get(a.unit_code or "")
    return {
        "level": a.level.value,
        "unit_code": a.unit_code,
        "unit_name": (unit.name or None) if unit is not None else None,
        "district_code": unit.district_code if unit is not None else None,
        "domain": a.domain,
        "figures": _figures_json(a.figures),
        "colour": a.colour.value,
        "colour_label": a.colour.label,
        "lamp": a.lamp,
        "reasons": [_reason_json(r) for r in a.reasons],
        "lamp_reason": _reason_json(a.lamp_reason) if a.lamp_reason else None,
    }


def _follow_up(rep: QuarterlyReport, previous: Sequence[Any]) -> list[dict[str, Any]]:
    by_unit = {a.unit_code: a for a in rep.units}
    out = []
    for w in previous:
        now = by_unit.get(w.unit_code)
        colour = now.colour if now is not None else Colour.NONE
        lamp = now.lamp if now is not None else False
        before = (Colour(w.colour).severity, w.lamp)
        after = (colour.severity, lamp)
        improved = after < before
        lamp_text = "，亮灯" if lamp else ""
        prev_lamp = "，亮灯" if w.lamp else ""
        out.append(
            {
                "unit_code": w.unit_code,
                "previous": {
                    "quarter": w.quarter,
                    "warning_id": w.id,
                    "colour": w.colour,
                    "lamp": w.lamp,
                    "rectification_status": w.rectification_status,
                },
                "colour": colour.value,
                "lamp": lamp,
                "improved": improved,
                "text": (
                    f"上季度{Colour(w.colour).label}{prev_lamp}，本季度{colour.label}{lamp_text}，"
                    + ("有所好转" if improved else "未见好转")
                    + f"；整改状态：{rectification.RectificationStatus(w.rectification_status).label}"
                ),
            }
        )
    return out


async def report_document(
    session: AsyncSession, rep: QuarterlyReport, *, published_at: datetime | None
) -> dict[str, Any]:
    """The report as JSON (the response, and the snapshot kept when it is published)."""
    codes = {a.unit_code for a in (*rep.units, *rep.cells) if a.unit_code}
    previous = await repo.warnings_of(session, str(rep.quarter.previous()))
    codes |= {w.unit_code for w in previous}
    units = await repo.units_by_code(session, sorted(codes))
    city = rep.city
    return {
        "quarter": str(rep.quarter),
        "label": rep.quarter.label,
        "config_version": rep.config_version,
        "provisional": rep.provisional,
        "published": published_at is not None,
        "published_at": json_time(published_at) if published_at else None,
        "city": {
            "figures": _figures_json(city.totals),
            "correction_rate_text": city.rate_text,
            "active_units": city.active_units,
            "average_losses": report.decimal2(city.average_losses)
            if city.average_losses is not None
            else None,
        },
        "units": [_assessment_json(a, units) for a in rep.units],
        "domains": [_assessment_json(a, units) for a in rep.domains],
        "cells": [_assessment_json(a, units) for a in rep.cells],
        "follow_up": [
            {**f, "district_code": getattr(units.get(f["unit_code"]), "district_code", None)}
            for f in _follow_up(rep, previous)
        ],
    }


def _scoped(document: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """A district supervisor sees the city figures and domains, but only the units of the district."""
    district = _district_filter(principal)
    if district is None:
        return document
    return {
        **document,
        "units": [a for a in document["units"] if a["district_code"] == district],
        "cells": [a for a in document["cells"] if a["district_code"] == district],
        "follow_up": [f for f in document["follow_up"] if f.get("district_code") == district],
    }


async def get_report(
    session: AsyncSession, *, quarter_text: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    """The published snapshot of a quarter, or the live (possibly provisional) report."""
    quarter = Quarter.parse(quarter_text)
    quarter.ensure_started(clock.today())
    published = await repo.get_published(session, str(quarter))
    if published is not None:
        return _scoped(dict(published.snapshot), principal)
    rep = await build_report(session, quarter=quarter, config=config, today=clock.today())
    return _scoped(await report_document(session, rep, published_at=None), principal)


def _warning_read(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "quarter": row.quarter,
        "unit_code": row.unit_code,
        "colour": row.colour,
        "lamp": row.lamp,
        "reasons": row.reasons,
        "issued_at": row.issued_at,
        "rectification_status": row.rectification_status,
        "deadline": row.deadline,
    }


async def publish_report(
    session: AsyncSession, *, quarter_text: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    """Publish a closed quarter: keep the snapshot, issue a warning and a rectification to every coloured or
    lit unit, and emit ``risk.warning.issued`` for each. Publishing again changes and issues nothing."""
    require_city(principal, "发布季度报告")
    quarter = Quarter.parse(quarter_text)
    today, now = clock.today(), clock.now()
    quarter.ensure_started(today)
    if not quarter.is_closed(today):
        raise QuarterNotClosed(
            f"{quarter.label}尚未结束（{quarter.last_day.isoformat()}结束），报告为临时数据，不能发布",
            extra={"quarter": str(quarter)},
        )
    await repo.lock_quarter(session, str(quarter))
    existing = await repo.get_published(session, str(quarter))
    if existing is not None:
        return {
            "quarter": existing.quarter,
            "newly_published": False,
            "published_at": existing.published_at,
            "published_by": existing.published_by,
            "config_version": existing.config_version,
            "warnings": [_warning_read(w) for w in await repo.warnings_of(session, str(quarter))],
        }
    rep = await build_report(session, quarter=quarter, config=config, today=today)
    document = await report_document(session, rep, published_at=now)
    warned = rep.warnings()
    # Every deadline first: a refusal (CALENDAR_NOT_COVERED when a deadline falls in a year whose holidays
    # are not entered yet) must come before anything is written or staged.
    calendar = await calendar_store.load_calendar(session)
    deadlines = config.in_effect(today).rectification
    issued = []
    for assessment in warned:
        assert assessment.unit_code is not None
        warning_id = uuid.uuid4()
        rect = rectification.issue(
            warning_id=str(warning_id),
            unit_code=assessment.unit_code,
            quarter=str(quarter),
            colour=assessment.colour.value,
            lamp=assessment.lamp,
            issued_at=now,
            actor=principal.sub,
            config=deadlines,
            calendar=calendar,
        )
        issued.append((assessment, warning_id, rect))
    await repo.insert_report(
        session,
        {
            "quarter": str(quarter),
            "config_version": rep.config_version,
            "published_at": now,
            "published_by": principal.sub,
            "warnings": len(warned),
            "snapshot": document,
        },
    )
    for assessment, warning_id, rect in issued:
        assert assessment.unit_code is not None
        reasons = [_reason_json(r) for r in assessment.reasons]
        if assessment.lamp_reason is not None:
            reasons.append(_reason_json(assessment.lamp_reason))
        await repo.insert_warning(
            session,
            {
                "id": warning_id,
                "quarter": str(quarter),
                "unit_code": assessment.unit_code,
                "colour": assessment.colour.value,
                "lamp": assessment.lamp,
                "reasons": reasons,
                "issued_at": now,
            },
        )
        await repo.insert_rectification(session, _rect_values(rect) | {"warning_id": warning_id})
        outbox.add(
            session,
            WarningIssued(
                warning_id=warning_id,
                quarter=str(quarter),
                unit_code=assessment.unit_code,
                domain=None,
                colour=assessment.colour.value,
                lit=assessment.lamp,
                reasons=[r["text"] for r in reasons],
                rectification_due_on=rect.deadline,
                issued_at=now,
            ),
        )
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="report.published",
        entity_type="quarter_report",
        entity_id=str(quarter),
        after={
            "config_version": rep.config_version,
            "warnings": [
                {"unit_code": a.unit_code, "colour": a.colour.value, "lamp": a.lamp} for a in warned
            ],
        },
    )
    return {
        "quarter": str(quarter),
        "newly_published": True,
        "published_at": now,
        "published_by": principal.sub,
        "config_version": rep.config_version,
        "warnings": [_warning_read(w) for w in await repo.warnings_of(session, str(quarter))],
    }


async def heat_table(
    session: AsyncSession, *, quarter_text: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    """Domains × units: colour, decisions, corrections and rate of every cell (热力表)."""
    document = await get_report(session, quarter_text=quarter_text, principal=principal, config=config)
    cells: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in document["cells"]:
        cells[c["domain"]].append(
            {
                "unit_code": c["unit_code"],
                "colour": c["colour"],
                "decisions": c["figures"]["decisions"],
                "corrections": c["figures"]["corrections"],
                "correction_rate": c["figures"]["correction_rate"],
            }
        )
    rows = [
        {
            "domain": d["domain"],
            "colour": d["colour"],
            "decisions": d["figures"]["decisions"],
            "corrections": d["figures"]["corrections"],
            "correction_rate": d["figures"]["correction_rate"],
            "cells": cells.get(d["domain"], []),
        }
        for d in document["domains"]
        if cells.get(d["domain"]) or _district_filter(principal) is None
    ]
    return {
        "quarter": document["quarter"],
        "city_correction_rate": document["city"]["figures"]["correction_rate"],
        "units": sorted({c["unit_code"] for c in document["cells"]}),
        "rows": rows,
    }


CSV_COLUMNS = (
    ("level", "层级"),
    ("unit_code", "执法单位代码"),
    ("unit_name", "执法单位"),
    ("district_code", "区县代码"),
    ("domain", "领域"),
    ("decisions", "处罚决定"),
    ("reconsideration_corrections", "复议纠错"),
    ("litigation_losses", "诉讼败诉"),
    ("corrections", "纠错合计"),
    ("correction_rate", "纠错率"),
    ("complaints", "12345投诉"),
    ("refused_entries", "扫码入企被拒"),
    ("low_ratings", "两星及以下评价"),
    ("benchmark_deviations", "偏离裁量基准"),
    ("overdue_procedures", "程序超期"),
    ("colour", "预警颜色"),
    ("lamp", "亮灯"),
    ("reasons", "理由"),
)


def report_csv(document: Mapping[str, Any]) -> str:
    """The report's units, domains and cells as CSV (UTF-8 with BOM so spreadsheet programs read Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    levels = {"unit": "单位", "domain": "领域", "cell": "单位×领域"}
    for a in (*document["units"], *document["domains"], *document["cells"]):
        f = a["figures"]
        reasons = [r["text"] for r in a["reasons"]] + ([a["lamp_reason"]["text"]] if a["lamp_reason"] else [])
        values = {
            **f,
            "level": levels[a["level"]],
            "unit_code": a["unit_code"] or "",
            "unit_name": a["unit_name"] or "",
            "district_code": a["district_code"] or "",
            "domain": a["domain"] or "",
            "correction_rate": f["correction_rate"] or "",
            "colour": a["colour_label"],
            "lamp": "是" if a["lamp"] else "否",
            "reasons": "；".join(reasons),
        }
        writer.writerow([_csv_safe(values[key]) for key, _ in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()


def _csv_safe(value: Any) -> str:
    text = str(value)
    # A cell starting with = + - @ is a formula in spreadsheet programs (CSV injection): quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


async def overview(
    session: AsyncSession, *, quarter_text: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    document = await get_report(session, quarter_text=quarter_text, principal=principal, config=config)
    district = _district_filter(principal)
    counts = {"red": 0, "yellow": 0, "blue": 0, "none": 0}
    for a in document["units"]:
        counts[a["colour"]] += 1
    warned = sorted(
        (a for a in document["units"] if a["colour"] != "none" or a["lamp"]),
        key=lambda a: (-Colour(a["colour"]).severity, not a["lamp"], a["unit_code"]),
    )
    return {
        "quarter": document["quarter"],
        "provisional": document["provisional"],
        "published": document["published"],
        "city": document["city"],
        "units": counts,
        "lit_units": [a["unit_code"] for a in document["units"] if a["lamp"]],
        "warned_units": warned,
        "rectifications": await repo.rectification_counts(session, district=district, today=clock.today()),
        "leads": await repo.lead_counts(session, district=district),
        "enterprise_classes": await repo.class_counts(session, district=district),
    }


def _evidence(ref: Any, on: date, domain: str, detail: str) -> dict[str, Any]:
    return {"ref": str(ref), "on": on, "domain": domain, "detail": detail}


async def drill_down(
    session: AsyncSession,
    *,
    unit_code: str,
    quarter_text: str,
    principal: Principal,
    config: RiskConfigSet,
) -> dict[str, Any]:
    """One unit in one quarter: its colour and reasons, and the records behind every number."""
    quarter = Quarter.parse(quarter_text)
    unit = await _visible_unit(session, principal, unit_code)
    quarter.ensure_started(clock.today())
    rep = await build_report(session, quarter=quarter, config=config, today=clock.today())
    units = {unit.code: unit}
    assessment = next((a for a in rep.units if a.unit_code == unit_code), None)
    cells = [a for a in rep.cells if a.unit_code == unit_code]
    ev = await repo.unit_evidence(session, unit_code, quarter.first_day, quarter.last_day)
    out: dict[str, list[dict[str, Any]]] = {
        key: []
        for key in (
            "decisions",
            "reconsideration_corrections",
            "litigation_losses",
            "complaints",
            "refused_entries",
            "low_ratings",
            "benchmark_deviations",
            "overdue_procedures",
            "visits",
        )
    }
    for c in ev["cases"]:
        domain = c.domain or repo.UNKNOWN_DOMAIN
        status = {"revoked": "（已撤销）", "changed": "（已变更）"}.get(c.status, "")
        out["decisions"].append(_evidence(c.case_id, c.decided_on, domain, f"{c.decision_no or ''}{status}"))
        if c.outside_tier:
            out["benchmark_deviations"].append(
                _evidence(c.case_id, c.decided_on, domain, f"{c.decision_no or ''}：罚款超出裁量阶次")
            )
    for o in ev["outcomes"]:
        label = (
            intake.ReconsiderationOutcome(o.outcome).label
            if o.kind == "reconsideration"
            else intake.LitigationLossType(o.loss_type or "other").label
        )
        detail = f"{o.external_id}：{label}" + (
            f"（处罚案件{o.penalty_case_id}）" if o.penalty_case_id else ""
        )
        key = (
            "reconsideration_corrections"
            if o.counts_as == "reconsideration_correction"
            else "litigation_losses"
        )
        out[key].append(_evidence(o.external_id, o.decided_on, o.domain, detail))
    for lead in ev["leads"]:
        out["complaints"].append(
            _evidence(lead.id, lead.received_on, lead.domain, f"{lead.external_id}：{lead.category}")
        )
    names = {
        "refused_entry": "refused_entries",
        "overdue_procedure": "overdue_procedures",
        "visit": "visits",
    }
    for s in ev["signals"]:
        if s.kind == "rating":
            if s.value is not None and s.value <= repo.LOW_RATING_MAX_STARS:
                out["low_ratings"].append(_evidence(s.ref, s.occurred_on, s.resolved_domain, f"{s.value}星"))
            continue
        out[names[s.kind]].append(_evidence(s.ref, s.occurred_on, s.resolved_domain, s.detail))
    return {
        "quarter": str(quarter),
        "unit_code": unit.code,
        "unit_name": unit.name,
        "district_code": unit.district_code,
        "assessment": _assessment_json(assessment, units) if assessment else None,
        "cells": [_assessment_json(a, units) for a in cells],
        **out,
    }


# --------------------------------------------------------------------------------------------------- rectifications


def _step_json(
    at: datetime, actor: str, from_status: str | None, to_status: str, note: str
) -> dict[str, Any]:
    return {
        "at": json_time(at),
        "actor": actor,
        "from_status": from_status,
        "to_status": to_status,
        "note": note,
    }


def _rect_values(r: rectification.Rectification) -> dict[str, Any]:
    return {
        "unit_code": r.unit_code,
        "quarter": r.quarter,
        "colour": r.colour,
        "lamp": r.lamp,
        "issued_on": r.issued_on,
        "deadline": r.deadline,
        "status": r.status.value,
        "measures": r.measures,
        "submitted_at": r.submitted_at,
        "submitted_late": r.submitted_late,
        "reopen_count": r.reopen_count,
        "history": [
            _step_json(
                t.at, t.actor, t.from_status.value if t.from_status else None, t.to_status.value, t.note
            )
            for t in r.history
        ],
    }


def _rect_from_row(row: Any) -> rectification.Rectification:
    return rectification.Rectification(
        warning_id=str(row.warning_id),
        unit_code=row.unit_code,
        quarter=row.quarter,
        colour=row.colour,
        lamp=row.lamp,
        issued_on=row.issued_on,
        deadline=row.deadline,
        status=rectification.RectificationStatus(row.status),
        measures=row.measures,
        submitted_at=row.submitted_at,
        submitted_late=row.submitted_late,
        reopen_count=row.reopen_count,
        history=tuple(
            rectification.Transition(
                datetime.fromisoformat(h["at"]),
                h["actor"],
                rectification.RectificationStatus(h["from_status"]) if h["from_status"] else None,
                rectification.RectificationStatus(h["to_status"]),
                h["note"],
            )
            for h in row.history
        ),
    )


def rectification_read(row: Any, today: date) -> dict[str, Any]:
    r = _rect_from_row(row)
    return {
        "warning_id": row.warning_id,
        **{k: v for k, v in _rect_values(r).items() if k != "history"},
        "status_label": r.status.label,
        "overdue": rectification.is_overdue(r, today),
        "days_overdue": rectification.days_overdue(r, today),
        "history": row.history,
    }


async def _load_rectification(
    session: AsyncSession, warning_id: uuid.UUID, principal: Principal, *, lock: bool = False
) -> Any:
    row = await repo.get_rectification(session, warning_id, lock=lock)
    missing = RectificationNotFound(f"整改事项{warning_id}不存在")
    if row is None:
        raise missing
    if principal.role == "officer":
        if unit_of(principal) != row.unit_code:
            raise missing
    elif principal.role == "supervisor":
        unit = await repo.get_unit(session, row.unit_code)
        if not principal.sees_district(unit.district_code if unit else None):
            raise missing
    elif principal.role != "admin":
        raise missing
    return row


async def get_rectification(
    session: AsyncSession, *, warning_id: uuid.UUID, principal: Principal
) -> dict[str, Any]:
    row = await _load_rectification(session, warning_id, principal)
    return rectification_read(row, clock.today())


async def list_rectifications(
    session: AsyncSession,
    *,
    principal: Principal,
    status: str | None,
    quarter: str | None,
    overdue: bool,
    after: Any,
    limit: int,
) -> list[dict[str, Any]]:
    today = clock.today()
    cursor = (date.fromisoformat(after[0]), str(after[1])) if after else None
    rows = await repo.list_rectifications(
        session,
        unit=unit_of(principal) if principal.role == "officer" else None,
        district=_district_filter(principal),
        status=status,
        quarter=quarter,
        overdue_on=today if overdue else None,
        after=cursor,
        limit=limit,
    )
    return [rectification_read(r, today) for r in rows]


async def _transition(
    session: AsyncSession, *, row: Any, new: rectification.Rectification, principal: Principal, action: str
) -> dict[str, Any]:
    values = _rect_values(new)
    await repo.update_rectification(session, row.warning_id, values)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"rectification.{action}",
        entity_type="rectification",
        entity_id=str(row.warning_id),
        before={"status": row.status, "deadline": row.deadline.isoformat()},
        after={
            "status": new.status.value,
            "deadline": new.deadline.isoformat(),
            "note": new.history[-1].note,
        },
    )
    fresh = await repo.get_rectification(session, row.warning_id)
    return rectification_read(fresh, clock.today())


async def submit_rectification(
    session: AsyncSession, *, warning_id: uuid.UUID, measures: str, principal: Principal
) -> dict[str, Any]:
    """The unit reports its rectification measures (late submissions are accepted and marked)."""
    if principal.role not in ("officer", "admin"):
        raise RectificationUnitOnly("整改措施由被预警单位报送")
    row = await _load_rectification(session, warning_id, principal, lock=True)
    new = rectification.submit(
        _rect_from_row(row), measures=measures, submitted_at=clock.now(), actor=principal.sub
    )
    return await _transition(session, row=row, new=new, principal=principal, action="submitted")


def _supervisor_only(principal: Principal, action: str) -> None:
    if principal.role not in ("supervisor", "admin"):
        raise RectificationSupervisorOnly(f"{action}须由监督人员操作")


async def close_rectification(
    session: AsyncSession, *, warning_id: uuid.UUID, note: str, principal: Principal
) -> dict[str, Any]:
    _supervisor_only(principal, "整改销号")
    row = await _load_rectification(session, warning_id, principal, lock=True)
    new = rectification.close(_rect_from_row(row), closed_at=clock.now(), actor=principal.sub, note=note)
    return await _transition(session, row=row, new=new, principal=principal, action="closed")


async def reopen_rectification(
    session: AsyncSession, *, warning_id: uuid.UUID, reason: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    _supervisor_only(principal, "退回重新整改")
    row = await _load_rectification(session, warning_id, principal, lock=True)
    calendar = await calendar_store.load_calendar(session)
    new = rectification.reopen(
        _rect_from_row(row),
        reason=reason,
        reopened_at=clock.now(),
        actor=principal.sub,
        config=config.in_effect(clock.today()).rectification,
        calendar=calendar,
    )
    return await _transition(session, row=row, new=new, principal=principal, action="reopened")


async def withdraw_rectification(
    session: AsyncSession, *, warning_id: uuid.UUID, reason: str, principal: Principal
) -> dict[str, Any]:
    _supervisor_only(principal, "撤回预警")
    row = await _load_rectification(session, warning_id, principal, lock=True)
    new = rectification.withdraw(
        _rect_from_row(row), reason=reason, withdrawn_at=clock.now(), actor=principal.sub
    )
    return await _transition(session, row=row, new=new, principal=principal, action="withdrawn")


# --------------------------------------------------------------------------------------------------- leads


def _lead_from_row(row: Any) -> leads.Lead:
    return leads.Lead(
        lead_id=str(row.id),
        unit_code=row.unit_code,
        category=row.category,
        received_at=row.received_at,
        batch=leads.WeekBatch.parse(row.batch),
        status=leads.LeadStatus(row.status),
        department=row.department,
        transferred_at=row.transferred_at,
        answer_due_on=row.answer_due_on,
        answered_at=row.answered_at,
        answered_late=row.answered_late,
        answer=row.answer,
        close_due_on=row.close_due_on,
        closed_at=row.closed_at,
        return_count=row.return_count,
        history=tuple(
            leads.LeadStep(
                datetime.fromisoformat(h["at"]),
                h["actor"],
                leads.LeadStatus(h["from_status"]) if h["from_status"] else None,
                leads.LeadStatus(h["to_status"]),
                h["note"],
            )
            for h in row.history
        ),
    )


def _lead_values(lead: leads.Lead) -> dict[str, Any]:
    return {
        "status": lead.status.value,
        "department": lead.department,
        "transferred_at": lead.transferred_at,
        "answer_due_on": lead.answer_due_on,
        "answered_at": lead.answered_at,
        "answered_late": lead.answered_late,
        "answer": lead.answer,
        "close_due_on": lead.close_due_on,
        "closed_at": lead.closed_at,
        "return_count": lead.return_count,
        "history": [
            _step_json(
                s.at, s.actor, s.from_status.value if s.from_status else None, s.to_status.value, s.note
            )
            for s in lead.history
        ],
    }


def lead_read(row: Any, *, today: date, config: leads.LeadConfig, calendar: Any) -> dict[str, Any]:
    lead = _lead_from_row(row)
    try:
        f = leads.flags(lead, today=today, config=config, calendar=calendar)
        unknown = False
    except CalendarNotCovered:
        # the transfer deadline falls in a year whose holidays are not entered yet: say so, do not guess
        f, unknown = leads.LeadFlags(False, False, False, None), True
    return {
        "id": row.id,
        "external_id": row.external_id,
        "unit_code": row.unit_code,
        "domain": row.domain,
        "uscc": row.uscc,
        "category": row.category,
        "text": row.text,
        "received_at": row.received_at,
        "batch": row.batch,
        "status_label": lead.status.label,
        **{k: v for k, v in _lead_values(lead).items() if k != "history"},
        "flags": {
            "transfer_overdue": f.transfer_overdue,
            "answer_overdue": f.answer_overdue,
            "close_overdue": f.close_overdue,
            "due_on": f.due_on,
            "due_unknown": unknown,
        },
        "history": row.history,
    }


async def _load_lead(
    session: AsyncSession, lead_id: uuid.UUID, principal: Principal, *, lock: bool = False
) -> Any:
    row = await repo.get_lead(session, lead_id, lock=lock)
    missing = LeadNotFound(f"线索{lead_id}不存在")
    if row is None:
        raise missing
    if principal.role == "officer":
        if unit_of(principal) != row.unit_code:
            raise missing
    elif principal.role == "supervisor":
        unit = await repo.get_unit(session, row.unit_code)
        if not principal.sees_district(unit.district_code if unit else None):
            raise missing
    elif principal.role != "admin":
        raise missing
    return row


async def _lead_context(session: AsyncSession, config: RiskConfigSet) -> tuple[date, leads.LeadConfig, Any]:
    today = clock.today()
    return today, config.in_effect(today).leads, await calendar_store.load_calendar(session)


async def get_lead(
    session: AsyncSession, *, lead_id: uuid.UUID, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    row = await _load_lead(session, lead_id, principal)
    today, cfg, calendar = await _lead_context(session, config)
    return lead_read(row, today=today, config=cfg, calendar=calendar)


async def list_leads(
    session: AsyncSession,
    *,
    principal: Principal,
    config: RiskConfigSet,
    status: str | None,
    batch: str | None,
    after: Any,
    limit: int,
) -> list[dict[str, Any]]:
    if batch is not None:
        batch = str(leads.WeekBatch.parse(batch))
    rows = await repo.list_leads(
        session,
        unit=unit_of(principal) if principal.role == "officer" else None,
        district=_district_filter(principal),
        status=status,
        batch=batch,
        open_only=False,
        after=(str(after[0]), str(after[1])) if after else None,
        limit=limit,
    )
    today, cfg, calendar = await _lead_context(session, config)
    return [lead_read(r, today=today, config=cfg, calendar=calendar) for r in rows]


OVERDUE_LEADS_CAP = 2000


async def overdue_leads(
    session: AsyncSession, *, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    """Open leads past a deadline (transfer, answer or closing), earliest deadline first."""
    today, cfg, calendar = await _lead_context(session, config)
    found: list[dict[str, Any]] = []
    after: tuple[str, str] | None = None
    while True:
        rows = await repo.list_leads(
            session,
            unit=unit_of(principal) if principal.role == "officer" else None,
            district=_district_filter(principal),
            status=None,
            batch=None,
            open_only=True,
            after=after,
            limit=1000,
        )
        for r in rows:
            item = lead_read(r, today=today, config=cfg, calendar=calendar)
            flags = item["flags"]
            if flags["transfer_overdue"] or flags["answer_overdue"] or flags["close_overdue"]:
                found.append(item)
        if len(rows) < 1000 or len(found) > OVERDUE_LEADS_CAP:
            break
        last = rows[-1]
        after = (last.received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(last.id))
    found.sort(key=lambda i: (i["flags"]["due_on"] or date.max, str(i["id"])))
    return {"items": found[:OVERDUE_LEADS_CAP], "truncated": len(found) > OVERDUE_LEADS_CAP}


async def _lead_transition(
    session: AsyncSession,
    *,
    row: Any,
    new: leads.Lead,
    principal: Principal,
    action: str,
    config: RiskConfigSet,
) -> dict[str, Any]:
    await repo.update_lead(session, row.id, _lead_values(new))
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"lead.{action}",
        entity_type="complaint_lead",
        entity_id=str(row.id),
        before={"status": row.status},
        after={"status": new.status.value, "note": new.history[-1].note},
    )
    fresh = await repo.get_lead(session, row.id)
    today, cfg, calendar = await _lead_context(session, config)
    return lead_read(fresh, today=today, config=cfg, calendar=calendar)


async def answer_lead(
    session: AsyncSession, *, lead_id: uuid.UUID, text: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    """The department the lead was transferred to answers it."""
    if principal.role not in ("officer", "admin"):
        raise LeadUnitOnly("线索由承办单位答复")
    row = await _load_lead(session, lead_id, principal, lock=True)
    today, cfg, calendar = await _lead_context(session, config)
    new = leads.answer(
        _lead_from_row(row),
        text=text,
        answered_at=clock.now(),
        actor=principal.sub,
        config=cfg,
        calendar=calendar,
    )
    return await _lead_transition(
        session, row=row, new=new, principal=principal, action="answered", config=config
    )


async def return_lead(
    session: AsyncSession, *, lead_id: uuid.UUID, reason: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    if principal.role not in ("supervisor", "admin"):
        raise LeadSupervisorOnly("退回重办须由监督人员操作")
    row = await _load_lead(session, lead_id, principal, lock=True)
    today, cfg, calendar = await _lead_context(session, config)
    new = leads.return_for_rework(
        _lead_from_row(row),
        reason=reason,
        returned_at=clock.now(),
        actor=principal.sub,
        config=cfg,
        calendar=calendar,
    )
    return await _lead_transition(
        session, row=row, new=new, principal=principal, action="returned", config=config
    )


async def close_lead(
    session: AsyncSession, *, lead_id: uuid.UUID, note: str, principal: Principal, config: RiskConfigSet
) -> dict[str, Any]:
    if principal.role not in ("supervisor", "admin"):
        raise LeadSupervisorOnly("线索办结须由监督人员操作")
    row = await _load_lead(session, lead_id, principal, lock=True)
    new = leads.close(_lead_from_row(row), closed_at=clock.now(), actor=principal.sub, note=note)
    return await _lead_transition(
        session, row=row, new=new, principal=principal, action="closed", config=config
    )


async def list_transfers(session: AsyncSession, *, batch: str | None, limit: int) -> list[Any]:
    return await repo.list_transfers(session, batch=batch, limit=limit)


async def transfer_leads(
    session: AsyncSession, *, batch: str | None, actor: str, actor_role: str, config: RiskConfigSet
) -> list[dict[str, Any]]:
    """Weekly transfer (周移送): every received lead of a finished week goes to its department, one transfer
    per (week, department). Leads that arrive late for a week already transferred go in a further transfer."""
    now = clock.now()
    if batch is not None:
        week = leads.WeekBatch.parse(batch)
        if week.ends_at > now:
            raise LeadBatchNotEnded(
                f"{week}周至{(week.sunday).isoformat()}（周日）结束，结束后方可移送",
                extra={"batch": str(week)},
            )
        batches = [str(week)]
    else:
        batches = [b for b in await repo.received_batches(session) if leads.WeekBatch.parse(b).ends_at <= now]
    rows = await repo.received_leads_to_transfer(session, batches)
    if not rows:
        return []
    today = clock.today()
    cfg = config.in_effect(today).leads
    calendar = await calendar_store.load_calendar(session)
    day = now.astimezone(clock.CHINA).date()
    due_by_category: dict[str, date] = {}
    transfers: dict[tuple[str, str], dict[str, Any]] = {}
    lead_ids, transfer_ids, departments, dues = [], [], [], []
    for r in rows:
        key = (r.batch, r.unit_code)
        if key not in transfers:
            transfers[key] = {
                "id": uuid.uuid4(),
                "batch": r.batch,
                "unit_code": r.unit_code,
                "transferred_at": now,
                "transferred_by": actor,
                "lead_count": 0,
            }
        transfers[key]["lead_count"] += 1
        if r.category not in due_by_category:
            # as leads.transfer(): N working days after the (Beijing) transfer day
            due_by_category[r.category] = calendar.add_working_days(day, cfg.answer_days(r.category))
        lead_ids.append(r.id)
        transfer_ids.append(transfers[key]["id"])
        departments.append(r.unit_code)
        dues.append(due_by_category[r.category])
    await repo.insert_transfers(session, list(transfers.values()))
    await repo.mark_transferred(
        session,
        lead_ids=lead_ids,
        transfer_ids=transfer_ids,
        departments=departments,
        due=dues,
        at=now,
        at_text=json_time(now),
        actor=actor,
    )
    await audit.append(
        session,
        actor=actor,
        actor_role=actor_role,
        action="lead.batch.transferred",
        entity_type="lead_transfer",
        entity_id=",".join(sorted({t["batch"] for t in transfers.values()})),
        after={
            "transfers": [
                {**t, "id": str(t["id"]), "transferred_at": json_time(now)} for t in transfers.values()
            ]
        },
    )
    return list(transfers.values())


# --------------------------------------------------------------------------------------------------- classes


async def classify_enterprises(
    session: AsyncSession, *, config: RiskConfigSet, usccs: Sequence[str] | None = None
) -> repo.ClassificationCounts:
    """Reclassify every enterprise (``usccs`` None) or the given ones; emits risk.enterprise.classified for
    every class change, set-based in the same statement."""
    today, now = clock.today(), clock.now()
    version = config.in_effect(today)
    await repo.lock_classification(session, exclusive=usccs is None)
    return await repo.classify(
        session,
        config=version.classes,
        version=version.version,
        today=today,
        at=now,
        at_text=json_time(now),
        request_id=request_id_var.get(),
        usccs=usccs,
    )


def _valid_uscc(uscc: str) -> str:
    try:
        return str(stdnum_uscc.validate(uscc))
    except Exception:
        raise UsccInvalid(f"统一社会信用代码“{uscc[:40]}”无效（格式或校验位错误）") from None


def enterprise_read(row: Any) -> dict[str, Any]:
    risk_class = classes.RiskClass(row._mapping["class"])
    texts = list(row.reason_texts or [])
    reasons = [{**r, "text": texts[i] if i < len(texts) else ""} for i, r in enumerate(row.reasons)]
    explanation = (
        f"{'；'.join(texts)}；合计{row.score}分，{risk_class.label}"
        if texts
        else f"近期无处罚、公示、投诉、检查违法记录，评分0分，{risk_class.label}"
    )
    return {
        "uscc": row.uscc,
        "name": row.name,
        "district_code": row.district_code,
        "risk_class": risk_class.value,
        "class_label": risk_class.label,
        "score": row.score,
        "reasons": reasons,
        "explanation": explanation,
        "config_version": row.version,
        "changed_on": row.changed_on,
        "revision": row.revision,
        "classified_at": row.classified_at,
    }


async def get_enterprise(session: AsyncSession, *, uscc: str, principal: Principal) -> dict[str, Any]:
    uscc = _valid_uscc(uscc)
    missing = EnterpriseNotFound(f"企业{uscc}尚无风险分类")
    if principal.role == "enterprise" and principal.uscc != uscc:
        raise missing
    row = await repo.get_enterprise_class(session, uscc)
    if row is None:
        raise missing
    if principal.role == "supervisor" and not principal.sees_district(row.district_code):
        raise missing
    return enterprise_read(row)


async def list_enterprises(
    session: AsyncSession, *, principal: Principal, risk_class: str | None, after: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = await repo.list_enterprise_classes(
        session, risk_class=risk_class, district=_district_filter(principal), after=after, limit=limit
    )
    return [enterprise_read(r) for r in rows]


async def request_reclassification(session: AsyncSession, *, principal: Principal) -> dict[str, Any]:
    """Queue a full reclassification; the worker runs it (it can take a minute for a million enterprises)."""
    require_city(principal, "全量重新分类")
    values = {
        "id": uuid.uuid4(),
        "kind": "requested",
        "run_on": clock.today(),
        "status": "requested",
        "requested_by": principal.sub,
        "requested_at": clock.now(),
    }
    await repo.request_run(session, values)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="classification.requested",
        entity_type="classification_run",
        entity_id=str(values["id"]),
        after={"run_on": values["run_on"].isoformat()},
    )
    row = await repo.get_run(session, values["id"])
    return dict(row._mapping)


async def get_run(session: AsyncSession, *, run_id: uuid.UUID) -> dict[str, Any]:
    row = await repo.get_run(session, run_id)
    if row is None:
        raise RunNotFound(f"分类任务{run_id}不存在")
    return dict(row._mapping)


async def execute_run(session: AsyncSession, *, run_id: uuid.UUID, config: RiskConfigSet) -> None:
    """Run one full reclassification and record its figures on the run row (same transaction)."""
    started = time.perf_counter()
    counts = await classify_enterprises(session, config=config)
    await repo.update_run(
        session,
        run_id,
        {
            "status": "done",
            "finished_at": clock.now(),
            "config_version": config.in_effect(clock.today()).version,
            "enterprises": await repo.count_enterprises(session),
            "written": counts.written,
            "emitted": counts.emitted,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    log.info("reclassification %s: %d written, %d events", run_id, counts.written, counts.emitted)
