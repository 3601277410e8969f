"""Rows and domain objects → what the API answers, in one place.

The quarterly report is built here as a JSON document, not a response model: a published report keeps that
document as its snapshot (``quarter_report.snapshot``), so a later reading returns exactly what the units were
told. Everything else becomes its response model.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from services.common.events import json_time
from services.common.workdays import PENDING_NOTE, CalendarNotCovered, WorkingDayCalendar
from services.risk.domain import intake, leads, rectification, report
from services.risk.domain.classes import RiskClass
from services.risk.domain.intake import IntakeKind
from services.risk.domain.report import (
    UNKNOWN_DOMAIN,
    Colour,
    QuarterlyReport,
    RiskConfigSet,
)
from services.risk.models import (
    ClassificationRun,
    ComplaintLead,
    ExternalOutcome,
    IntakeUpload,
    LeadTransfer,
    Rectification,
    RiskCase,
    Unit,
)
from services.risk.repository import leads as lead_repo
from services.risk.repository import rectifications as rect_repo
from services.risk.repository.classes import ClassifiedEnterprise
from services.risk.repository.evidence import EVIDENCE_KINDS, EvidenceLead, EvidenceSignal
from services.risk.repository.intake import StoredIntake
from services.risk.repository.reports import IssuedWarning
from services.risk.schemas import (
    ClassificationRunRead,
    ConfigRead,
    DrillDownRead,
    EnterpriseClassRead,
    HeatTableRead,
    IntakeRead,
    LeadRead,
    OverviewRead,
    RectificationRead,
    TransferRead,
    UploadRead,
    WarningRead,
)

UPLOADS_PATH = "/api/v1/risk/intake/uploads"
#: What became of a decision since, after its number in the evidence (a decision still in force: nothing).
STATUS_LABELS = {
    "changed": "（已变更）",
    "revoked": "（已撤销）",
    "confirmed_illegal": "（确认违法）",
    "confirmed_void": "（确认无效）",
}

# --------------------------------------------------------------------------------------------------- intake


def intake_read(kind: IntakeKind, stored: StoredIntake) -> IntakeRead:
    """A stored record, from stored columns only (so a replay answers byte for byte the same)."""
    return IntakeRead(
        id=stored.id,
        kind=kind.value,
        external_id=stored.external_id,
        unit_code=stored.unit_code,
        domain=stored.domain,
        penalty_case_id=stored.penalty_case_id,
        event_date=stored.event_date,
        counts_as=stored.counts_as,
        batch=stored.batch,
    )


def status_url(upload_id: object) -> str:
    return f"{UPLOADS_PATH}/{upload_id}"


def upload_read(row: IntakeUpload) -> UploadRead:
    url = status_url(row.id)
    first = list(row.first_errors)
    return UploadRead.model_validate(
        {
            "id": row.id,
            "kind": row.kind,
            "state": row.state,
            "mode": row.mode,
            "bytes": row.bytes,
            "bytes_processed": row.bytes_processed,
            "lines": row.lines,
            "stored": row.stored,
            "duplicates": row.duplicates,
            "rejected": row.rejected,
            "errors": first,
            "errors_truncated": row.rejected > len(first),
            "errors_by_code": dict(row.errors_by_code),
            "report_lines": row.report_lines,
            "report_truncated": row.rejected > row.report_lines,
            "status_url": url,
            "report_url": f"{url}/errors" if row.rejected else None,
            "created_at": row.created_at,
            "started_at": row.started_at,
            "finished_at": row.finished_at,
            "attempts": row.attempts,
            "error": row.error,
        }
    )


# --------------------------------------------------------------------------------------------------- reports


def config_read(config: RiskConfigSet, today: date) -> ConfigRead:
    return ConfigRead.model_validate(
        {
            "schema": config.schema_,
            "versions": [v.model_dump(mode="json") for v in config.versions],
            "in_effect": config.in_effect(today).version,
        }
    )


def figures_json(f: report.Figures) -> dict[str, Any]:
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
        "overdue_matters": f.overdue_matters,
        "overdue_follow_ups": f.overdue_follow_ups,
        "correction_rate": report.percent(f.rate) if f.rate is not None else None,
    }


def reason_json(r: report.Reason) -> dict[str, Any]:
    return {"rule": r.rule, "colour": r.colour.value, "text": r.text, "figures": dict(r.figures)}


def assessment_json(a: report.Assessment, units: Mapping[str, Unit]) -> dict[str, Any]:
    unit = units.get(a.unit_code or "")
    return {
        "level": a.level.value,
        "unit_code": a.unit_code,
        "unit_name": (unit.name or None) if unit is not None else None,
        "district_code": unit.district_code if unit is not None else None,
        "domain": a.domain,
        "figures": figures_json(a.figures),
        "colour": a.colour.value,
        "colour_label": a.colour.label,
        "lamp": a.lamp,
        "reasons": [reason_json(r) for r in a.reasons],
        "lamp_reason": reason_json(a.lamp_reason) if a.lamp_reason else None,
    }


def warning_reasons(a: report.Assessment) -> list[dict[str, Any]]:
    """The reasons a warning records: every rule the unit triggered, then the light's."""
    reasons = [reason_json(r) for r in a.reasons]
    if a.lamp_reason is not None:
        reasons.append(reason_json(a.lamp_reason))
    return reasons


def _follow_up(rep: QuarterlyReport, previous: Sequence[IssuedWarning]) -> list[dict[str, Any]]:
    """Units warned the quarter before: did they improve (整改落实—考核闭环)?"""
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


def report_document(
    rep: QuarterlyReport,
    *,
    units: Mapping[str, Unit],
    previous: Sequence[IssuedWarning],
    published_at: datetime | None,
) -> dict[str, Any]:
    """The report as JSON: the response, and the snapshot kept when it is published."""
    city = rep.city
    return {
        "quarter": str(rep.quarter),
        "label": rep.quarter.label,
        "config_version": rep.config_version,
        "provisional": rep.provisional,
        "published": published_at is not None,
        "published_at": json_time(published_at) if published_at else None,
        "city": {
            "figures": figures_json(city.totals),
            "correction_rate_text": city.rate_text,
            "active_units": city.active_units,
            "average_losses": report.decimal2(city.average_losses)
            if city.average_losses is not None
            else None,
        },
        "units": [assessment_json(a, units) for a in rep.units],
        "domains": [assessment_json(a, units) for a in rep.domains],
        "cells": [assessment_json(a, units) for a in rep.cells],
        "follow_up": [
            {**f, "district_code": getattr(units.get(f["unit_code"]), "district_code", None)}
            for f in _follow_up(rep, previous)
        ],
    }


def report_units(rep: QuarterlyReport, previous: Iterable[IssuedWarning]) -> list[str]:
    """The units a report document names (to look up their names and districts)."""
    codes = {a.unit_code for a in (*rep.units, *rep.cells) if a.unit_code}
    codes |= {w.unit_code for w in previous}
    return sorted(codes)


def scoped(document: dict[str, Any], district: str | None) -> dict[str, Any]:
    """A district supervisor sees the city figures and domains, but only the units of the district."""
    if district is None:
        return document
    return {
        **document,
        "units": [a for a in document["units"] if a["district_code"] == district],
        "cells": [a for a in document["cells"] if a["district_code"] == district],
        "follow_up": [f for f in document["follow_up"] if f.get("district_code") == district],
    }


def warning_read(w: IssuedWarning) -> WarningRead:
    return WarningRead.model_validate(w._asdict())


def heat_table(document: Mapping[str, Any], *, district: str | None) -> HeatTableRead:
    """Domains × units: colour, decisions, corrections and rate of every cell (热力表)."""
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
        if cells.get(d["domain"]) or district is None
    ]
    return HeatTableRead.model_validate(
        {
            "quarter": document["quarter"],
            "city_correction_rate": document["city"]["figures"]["correction_rate"],
            "units": sorted({c["unit_code"] for c in document["cells"]}),
            "rows": rows,
        }
    )


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
    ("overdue_matters", "监督事项逾期"),  # issue #14: appended, the earlier columns keep their places
    (
        "overdue_follow_ups",
        "责令改正逾期未复查",
    ),  # issue #14 item 6, last so earlier columns keep their place
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
            "overdue_follow_ups": f.get("overdue_follow_ups", 0),  # absent from reports published before it
        }
        writer.writerow([_csv_safe(values[key]) for key, _ in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()


def _csv_safe(value: Any) -> str:
    text = str(value)
    # A cell starting with = + - @ is a formula in spreadsheet programs (CSV injection): quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def overview(
    document: Mapping[str, Any],
    *,
    rectifications: dict[str, int],
    leads: dict[str, int],
    enterprise_classes: dict[str, int],
) -> OverviewRead:
    counts = {"red": 0, "yellow": 0, "blue": 0, "none": 0}
    for a in document["units"]:
        counts[a["colour"]] += 1
    warned = sorted(
        (a for a in document["units"] if a["colour"] != "none" or a["lamp"]),
        key=lambda a: (-Colour(a["colour"]).severity, not a["lamp"], a["unit_code"]),
    )
    return OverviewRead.model_validate(
        {
            "quarter": document["quarter"],
            "provisional": document["provisional"],
            "published": document["published"],
            "city": document["city"],
            "units": counts,
            "lit_units": [a["unit_code"] for a in document["units"] if a["lamp"]],
            "warned_units": warned,
            "rectifications": rectifications,
            "leads": leads,
            "enterprise_classes": enterprise_classes,
        }
    )


def _evidence(ref: Any, on: date, domain: str, detail: str) -> dict[str, Any]:
    return {"ref": str(ref), "on": on, "domain": domain, "detail": detail}


def case_evidence(c: RiskCase, *, deviation: bool = False) -> dict[str, Any]:
    """An issued decision behind ``decisions`` (or, ``deviation``, behind ``benchmark_deviations``)."""
    domain = c.domain or UNKNOWN_DOMAIN
    assert c.decided_on is not None  # issued decisions only
    if deviation:
        return _evidence(c.case_id, c.decided_on, domain, f"{c.decision_no or ''}：罚款超出裁量阶次")
    status = STATUS_LABELS.get(c.status, "")
    return _evidence(c.case_id, c.decided_on, domain, f"{c.decision_no or ''}{status}")


def outcome_evidence(o: ExternalOutcome) -> dict[str, Any]:
    """A reconsideration correction or a litigation loss."""
    label = (
        intake.ReconsiderationOutcome(o.outcome).label
        if o.kind == "reconsideration"
        else intake.LitigationLossType(o.loss_type or "other").label
    )
    detail = f"{o.external_id}：{label}" + (f"（处罚案件{o.penalty_case_id}）" if o.penalty_case_id else "")
    return _evidence(o.external_id, o.decided_on, o.domain, detail)


def lead_evidence(lead: EvidenceLead) -> dict[str, Any]:
    return _evidence(lead.id, lead.received_on, lead.domain, f"{lead.external_id}：{lead.category}")


def signal_evidence(s: EvidenceSignal) -> dict[str, Any]:
    detail = f"{s.value}星" if s.kind == "rating" else s.detail
    return _evidence(s.ref, s.occurred_on, s.resolved_domain, detail)


def evidence_item(kind: str, record: Any) -> dict[str, Any]:
    """A record of one list of the drill-down (``repository.evidence.evidence_page``'s) as the list shows it."""
    if kind in ("decisions", "benchmark_deviations"):
        return case_evidence(record, deviation=kind == "benchmark_deviations")
    if kind in ("reconsideration_corrections", "litigation_losses"):
        return outcome_evidence(record)
    if kind == "complaints":
        return lead_evidence(record)
    return signal_evidence(record)


def drill_down(
    rep: QuarterlyReport,
    unit: Unit,
    pages: Mapping[str, Sequence[Any]],
    totals: Mapping[str, int],
    next_cursors: Mapping[str, str | None],
) -> DrillDownRead:
    """One unit in one quarter: its colour and reasons, the first page of the records behind every number,
    how many each list holds and the cursor to its next page."""
    units = {unit.code: unit}
    assessment = next((a for a in rep.units if a.unit_code == unit.code), None)
    cells = [a for a in rep.cells if a.unit_code == unit.code]
    return DrillDownRead.model_validate(
        {
            "quarter": str(rep.quarter),
            "unit_code": unit.code,
            "unit_name": unit.name,
            "district_code": unit.district_code,
            "assessment": assessment_json(assessment, units) if assessment else None,
            "cells": [assessment_json(a, units) for a in cells],
            **{kind: [evidence_item(kind, r) for r in pages[kind]] for kind in EVIDENCE_KINDS},
            "evidence_totals": totals,
            "next_cursors": next_cursors,
        }
    )


# --------------------------------------------------------------------------------------------------- rectifications


def rectification_read(row: Rectification, today: date) -> RectificationRead:
    r = rect_repo.to_domain(row)
    return RectificationRead.model_validate(
        {
            "warning_id": row.warning_id,
            **{k: v for k, v in rect_repo.values_of(r).items() if k != "history"},
            "status_label": r.status.label,
            "overdue": rectification.is_overdue(r, today),
            "days_overdue": rectification.days_overdue(r, today),
            "history": row.history,
        }
    )


# --------------------------------------------------------------------------------------------------- leads


def lead_read(
    row: ComplaintLead, *, today: date, config: leads.LeadConfig, calendar: WorkingDayCalendar
) -> LeadRead:
    lead = lead_repo.to_domain(row)
    try:
        f = leads.flags(lead, today=today, config=config, calendar=calendar)
        unknown = f.pending  # a stored deadline left pending at the transfer, return or answer
    except CalendarNotCovered:
        # the transfer deadline falls in a year whose holidays are not entered yet: say so, do not guess
        f, unknown = leads.LeadFlags(False, False, False, None), True
    return LeadRead.model_validate(
        {
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
            **{k: v for k, v in lead_repo.values_of(lead).items() if k != "history"},
            "flags": {
                "transfer_overdue": f.transfer_overdue,
                "answer_overdue": f.answer_overdue,
                "close_overdue": f.close_overdue,
                "due_on": f.due_on,
                "due_unknown": unknown,
                "note": PENDING_NOTE if unknown else "",
            },
            "history": row.history,
        }
    )


def transfer_read(transfer: LeadTransfer | Mapping[str, Any]) -> TransferRead:
    return TransferRead.model_validate(transfer)


# --------------------------------------------------------------------------------------------------- classes


def enterprise_read(found: ClassifiedEnterprise) -> EnterpriseClassRead:
    row = found.risk
    risk_class = RiskClass(row.risk_class)
    texts = list(row.reason_texts or [])
    reasons = [{**r, "text": texts[i] if i < len(texts) else ""} for i, r in enumerate(row.reasons)]
    explanation = (
        f"{'；'.join(texts)}；合计{row.score}分，{risk_class.label}"
        if texts
        else f"近期无处罚、公示、投诉、检查违法记录，评分0分，{risk_class.label}"
    )
    return EnterpriseClassRead.model_validate(
        {
            "uscc": row.uscc,
            "name": found.name,
            "district_code": found.district_code,
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
    )


def run_read(run: ClassificationRun) -> ClassificationRunRead:
    return ClassificationRunRead.model_validate(run)
