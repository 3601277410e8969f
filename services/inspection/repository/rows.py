"""Rows → the domain's records, and the calendar year as a range of instants (for the queries)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from services.common.clock import local_start
from services.inspection import models as m
from services.inspection.domain import entry_rules, registry, visits
from services.inspection.domain.frequency import TaskKind


def legal_refs(rows: Sequence[dict[str, str]]) -> tuple[registry.LegalRef, ...]:
    return tuple(registry.LegalRef(r["law"], r["article"], r.get("title", "")) for r in rows)


def to_item(row: m.InspectionItem) -> registry.InspectionItem:
    return registry.InspectionItem(
        code=row.code,
        name=row.name,
        dept_code=row.dept_code,
        legal_basis=legal_refs(row.legal_basis),
        level=registry.ItemLevel(row.level),
        enterprise_related=row.enterprise_related,
        key_area=row.key_area,
        on_site=row.on_site,
        version=row.version,
        effective_from=row.effective_from,
        retired_on=row.retired_on,
    )


def to_officer(row: m.Officer) -> registry.Officer:
    return registry.Officer(
        officer_id=str(row.officer_id),
        name=row.name,
        dept_code=row.dept_code,
        cert_no=row.cert_no,
        status=registry.OfficerStatus(row.status),
        valid_until=row.valid_until,
        auxiliary=row.auxiliary,
        id_number_masked=row.id_number_masked,
        status_since=row.status_since,
        status_reason=row.status_reason,
        retraining=row.retraining,
        return_date=row.return_date,
        revision=row.revision,
    )


def to_enterprise(row: m.Enterprise) -> registry.Enterprise:
    return registry.Enterprise(
        uscc=row.uscc,
        name=row.name,
        district_code=row.district_code,
        industry=row.industry,
        address=row.address,
        legal_rep_masked=row.legal_rep_masked,
    )


def to_task(row: m.Task, usccs: Iterable[str]) -> entry_rules.Task:
    return entry_rules.Task(
        task_id=str(row.task_id),
        kind=TaskKind(row.kind),
        lead_dept=row.lead_dept,
        dept_codes=frozenset(row.dept_codes),
        enterprises=frozenset(usccs),
        created_at=row.created_at,
        created_by=row.created_by,
        item_codes=frozenset(row.item_codes),
        status=entry_rules.TaskStatus(row.status),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        urgent=row.urgent,
        lead_id=row.lead_id,
        requested_by_enterprise=row.requested_by_enterprise,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        status_reason=row.status_reason,
        draw_fingerprint=row.draw_fingerprint,
    )


def to_visit(row: m.Visit, outcomes: Sequence[m.VisitOutcome]) -> visits.Visit:
    rating = None
    if row.rated_at is not None and row.rating_stars is not None:
        rating = visits.Rating(
            stars=row.rating_stars,
            tags=tuple(row.rating_tags or ()),
            comment=row.rating_comment or "",
            anonymous=bool(row.rating_anonymous),
            rated_at=row.rated_at,
        )
    return visits.Visit(
        visit_id=str(row.visit_id),
        task_id=str(row.task_id),
        task_kind=TaskKind(row.task_kind),
        uscc=row.uscc,
        district_code=row.district_code,
        officers=tuple(visits.VisitOfficer(o["cert_no"], o["name"], o["dept_code"]) for o in row.officers),
        item_codes=tuple(row.item_codes),
        mode=visits.VisitMode(row.mode),
        started_at=row.started_at,
        recorded_at=row.recorded_at,
        reason=row.reason,
        entry_code_id=str(row.entry_code_id) if row.entry_code_id else None,
        requested_by_enterprise=row.requested_by_enterprise,
        status=visits.VisitStatus(row.status),
        outcomes=tuple(
            visits.ItemOutcome(
                item_code=o.item_code,
                outcome=visits.Outcome(o.outcome),
                description=o.description,
                evidence_sha256=tuple(o.evidence_sha256),
                correction_deadline=o.correction_deadline,
                recorded_by=o.recorded_by,
                recorded_at=o.recorded_at,
            )
            for o in sorted(outcomes, key=lambda o: list(row.item_codes).index(o.item_code))
        ),
        completed_at=row.completed_at,
        rating=rating,
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, 1 January next year) of ``year`` in China, as aware UTC instants."""
    return local_start(date(year, 1, 1)), local_start(date(year + 1, 1, 1))
