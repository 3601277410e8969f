"""The quarterly 红黄蓝 report: live (provisional while the quarter runs) or as published, its heat table,
CSV export, the city overview and one unit's drill-down; publishing a closed quarter issues the warnings and
their rectifications (risk.warning.issued)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, calendar_store, clock, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.pagination import DEFAULT_LIMIT, Page, decode_cursor, encode_cursor
from services.risk import events
from services.risk.domain import rectification, report, review_report
from services.risk.domain.report import Assessment, Quarter, QuarterlyReport
from services.risk.errors import QuarterNotClosed
from services.risk.models import Unit
from services.risk.repository import classes as class_repo
from services.risk.repository import complaints as complaint_repo
from services.risk.repository import evidence as evidence_repo
from services.risk.repository import leads as lead_repo
from services.risk.repository import rectifications as rect_repo
from services.risk.repository import reports as report_repo
from services.risk.repository import reviews as review_repo
from services.risk.repository import units as unit_repo
from services.risk.schemas import (
    ComplaintCountsRead,
    DrillDownRead,
    EvidenceKind,
    EvidenceRead,
    HeatTableRead,
    OverviewRead,
    PublishRead,
)
from services.risk.settings import RiskContext
from services.risk.views import (
    drill_down,
    evidence_item,
    heat_table,
    overview,
    report_document,
    report_units,
    scoped,
    warning_read,
    warning_reasons,
)


def district_of(scope: Scope) -> str | None:
    """The district a scope is narrowed to (a district supervisor), else None (city-wide)."""
    return scope.district_code if not scope.everything else None


async def _reviewed(session: AsyncSession, quarter: Quarter) -> dict[str, review_report.ReviewFigures]:
    """案卷评查 campaigns completed in the quarter (China time), an input from config version 2026.5 on."""
    start = datetime.combine(quarter.first_day, time(), tzinfo=clock.CHINA)
    end = datetime.combine(quarter.last_day + timedelta(days=1), time(), tzinfo=clock.CHINA)
    return review_report.review_figures(await review_repo.completed_between(session, start, end))


async def build_report(
    session: AsyncSession, *, quarter: Quarter, config: report.RiskConfigSet, today: date
) -> QuarterlyReport:
    """Colour the quarter from its figures and those of the two quarters before (for the trends)."""
    quarter.ensure_started(today)
    q1 = quarter.previous()
    q2 = q1.previous()
    reviewed = await _reviewed(session, quarter)
    in_effect = config.for_quarter(quarter)
    rep = report.build_quarterly_report(
        quarter,
        await report_repo.quarter_counts(session, quarter.first_day, quarter.last_day),
        previous=await report_repo.quarter_counts(session, q1.first_day, q1.last_day),
        before_previous=await report_repo.quarter_counts(session, q2.first_day, q2.last_day),
        config=in_effect,
        today=today,
    )
    return review_report.apply_reviews(rep, reviewed, in_effect)


async def build_unit_report(
    session: AsyncSession, *, quarter: Quarter, unit_code: str, config: report.RiskConfigSet, today: date
) -> QuarterlyReport:
    """One unit's part of ``build_report`` (its assessment and cells, against the city's figures): the
    drill-down's, without judging every unit of the province."""
    quarter.ensure_started(today)
    q1 = quarter.previous()
    q2 = q1.previous()
    reviewed = await _reviewed(session, quarter)
    in_effect = config.for_quarter(quarter)
    rep = report.build_unit_report(
        quarter,
        await report_repo.quarter_counts(session, quarter.first_day, quarter.last_day),
        unit_code=unit_code,
        previous=await report_repo.unit_quarter_counts(session, q1.first_day, q1.last_day, unit_code),
        before_previous=await report_repo.unit_quarter_counts(session, q2.first_day, q2.last_day, unit_code),
        config=in_effect,
        today=today,
    )
    # the unit's own review results only: the report is the unit's part of the whole one
    mine = {unit_code: reviewed[unit_code]} if unit_code in reviewed else {}
    return review_report.apply_reviews(rep, mine, in_effect)


async def document_of(
    session: AsyncSession, rep: QuarterlyReport, *, published_at: datetime | None
) -> dict[str, Any]:
    """The report as JSON, with the names and districts of its units and last quarter's warnings."""
    previous = await report_repo.warnings_of(session, str(rep.quarter.previous()))
    units = await unit_repo.units_by_code(session, report_units(rep, previous))
    return report_document(rep, units=units, previous=previous, published_at=published_at)


async def get_report(
    session: AsyncSession, *, quarter_text: str, scope: Scope, config: report.RiskConfigSet
) -> dict[str, Any]:
    """The published snapshot of a quarter, or the live (possibly provisional) report, as ``scope`` sees it."""
    quarter = Quarter.parse(quarter_text)
    quarter.ensure_started(clock.today())
    published = await report_repo.get_published(session, str(quarter))
    if published is not None:
        return scoped(dict(published.snapshot), district_of(scope))
    rep = await build_report(session, quarter=quarter, config=config, today=clock.today())
    return scoped(await document_of(session, rep, published_at=None), district_of(scope))


def _closed_quarter(quarter_text: str, today: date) -> Quarter:
    """The quarter to publish: started and ended (a running quarter's report is provisional)."""
    quarter = Quarter.parse(quarter_text)
    quarter.ensure_started(today)
    if not quarter.is_closed(today):
        raise QuarterNotClosed(
            f"{quarter.label}尚未结束（{quarter.last_day.isoformat()}结束），报告为临时数据，不能发布",
            detail_en=f"{quarter} ends on {quarter.last_day.isoformat()}: its report is provisional "
            "and cannot be published yet",
            extra={"quarter": str(quarter)},
        )
    return quarter


async def _published(
    session: AsyncSession,
    *,
    quarter: str,
    newly: bool,
    published_at: datetime,
    published_by: str,
    config_version: str,
) -> PublishRead:
    return PublishRead(
        quarter=quarter,
        newly_published=newly,
        published_at=published_at,
        published_by=published_by,
        config_version=config_version,
        warnings=[warning_read(w) for w in await report_repo.warnings_of(session, quarter)],
    )


Issued = tuple[Assessment, uuid.UUID, rectification.Rectification]


async def _rectifications(
    session: AsyncSession,
    rep: QuarterlyReport,
    *,
    today: date,
    now: datetime,
    actor: str,
    context: RiskContext,
) -> list[Issued]:
    """A rectification with its deadline for every warned unit, before anything is written (a refusal leaves
    nothing). A deadline running into a year whose holidays are not entered yet is pending, not refused: the
    fourth quarter's report is published in January, maybe before the new year is entered."""
    calendar = await calendar_store.load_calendar(session)
    deadlines = context.config.in_effect(today).rectification
    issued = []
    for assessment in rep.warnings():
        assert assessment.unit_code is not None
        warning_id = uuid.uuid4()
        rect = rectification.issue(
            warning_id=str(warning_id),
            unit_code=assessment.unit_code,
            quarter=str(rep.quarter),
            colour=assessment.colour.value,
            lamp=assessment.lamp,
            issued_at=now,
            actor=actor,
            config=deadlines,
            calendar=calendar,
        )
        issued.append((assessment, warning_id, rect))
    return issued


async def _warn(session: AsyncSession, issued: list[Issued], *, now: datetime) -> None:
    """Write each warning and its rectification, and stage risk.warning.issued for it."""
    for assessment, warning_id, rect in issued:
        assert assessment.unit_code is not None
        reasons = warning_reasons(assessment)
        await report_repo.insert_warning(
            session,
            id=warning_id,
            quarter=rect.quarter,
            unit_code=assessment.unit_code,
            colour=assessment.colour.value,
            lamp=assessment.lamp,
            reasons=reasons,
            issued_at=now,
        )
        await rect_repo.insert_rectification(session, rect_repo.values_of(rect) | {"warning_id": warning_id})
        outbox.add(
            session, events.warning_issued(warning_id, assessment, rect, [r["text"] for r in reasons], now)
        )


async def publish_report(
    session: AsyncSession, *, quarter_text: str, principal: Principal, context: RiskContext
) -> PublishRead:
    """Publish a closed quarter: keep the snapshot, issue a warning and a rectification to every coloured or
    lit unit, and emit ``risk.warning.issued`` for each. Publishing again changes and issues nothing."""
    today, now = clock.today(), clock.now()
    quarter = _closed_quarter(quarter_text, today)
    await report_repo.lock_quarter(session, str(quarter))
    existing = await report_repo.get_published(session, str(quarter))
    if existing is not None:
        return await _published(
            session,
            quarter=existing.quarter,
            newly=False,
            published_at=existing.published_at,
            published_by=existing.published_by,
            config_version=existing.config_version,
        )
    rep = await build_report(session, quarter=quarter, config=context.config, today=today)
    document = await document_of(session, rep, published_at=now)
    issued = await _rectifications(session, rep, today=today, now=now, actor=principal.sub, context=context)
    await report_repo.insert_report(
        session,
        quarter=str(quarter),
        config_version=rep.config_version,
        published_at=now,
        published_by=principal.sub,
        warnings=len(issued),
        snapshot=document,
    )
    await _warn(session, issued, now=now)
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
                {"unit_code": a.unit_code, "colour": a.colour.value, "lamp": a.lamp} for a, _, _ in issued
            ],
        },
    )
    return await _published(
        session,
        quarter=str(quarter),
        newly=True,
        published_at=now,
        published_by=principal.sub,
        config_version=rep.config_version,
    )


async def get_heat_table(
    session: AsyncSession, *, quarter_text: str, scope: Scope, config: report.RiskConfigSet
) -> HeatTableRead:
    """Domains × units: colour, decisions, corrections and rate of every cell (热力表)."""
    document = await get_report(session, quarter_text=quarter_text, scope=scope, config=config)
    return heat_table(document, district=district_of(scope))


async def get_overview(
    session: AsyncSession, *, quarter_text: str, scope: Scope, config: report.RiskConfigSet
) -> OverviewRead:
    """The city (or district) at a glance: colours, lights, rectifications, leads and enterprise classes."""
    document = await get_report(session, quarter_text=quarter_text, scope=scope, config=config)
    return overview(
        document,
        rectifications=await rect_repo.rectification_counts(session, scope, today=clock.today()),
        leads=await lead_repo.lead_counts(session, scope),
        enterprise_classes=await class_repo.class_counts(session, scope),
    )


async def get_drill_down(
    session: AsyncSession,
    *,
    unit: Unit,
    quarter_text: str,
    config: report.RiskConfigSet,
    limit: int = DEFAULT_LIMIT,
) -> DrillDownRead:
    """One unit in one quarter: its colour and reasons, and the first ``limit`` records behind every number
    with each list's total and the cursor of its next page (``get_evidence``)."""
    quarter = Quarter.parse(quarter_text)
    today = clock.today()
    quarter.ensure_started(today)
    rep = await build_unit_report(session, quarter=quarter, unit_code=unit.code, config=config, today=today)
    first, last = quarter.first_day, quarter.last_day
    pages: dict[str, list[Any]] = {}
    cursors: dict[str, str | None] = {}
    for kind in evidence_repo.EVIDENCE_KINDS:
        rows = await evidence_repo.evidence_page(
            session, kind, unit.code, first, last, after=None, limit=limit + 1
        )
        pages[kind] = rows[:limit]
        cursors[kind] = (
            encode_cursor(evidence_repo.key_of(kind, rows[limit - 1])) if len(rows) > limit else None
        )
    totals = await evidence_repo.evidence_totals(session, unit.code, first, last)
    result = drill_down(rep, unit, pages, totals, cursors)
    # complaints to the bureau about the unit (issue #14): received in the quarter, found true, overdue
    counts = await complaint_repo.unit_counts(session, unit.code, first, last, today)
    result.complaint_counts = ComplaintCountsRead(**counts)
    return result


async def get_evidence(
    session: AsyncSession,
    *,
    unit: Unit,
    quarter_text: str,
    kind: EvidenceKind,
    cursor: str | None,
    limit: int,
) -> Page[EvidenceRead]:
    """One list of a unit's drill-down, a page at a time after ``cursor`` (the drill-down's ``next_cursors``
    or a page's ``next_cursor``), in the list's order."""
    quarter = Quarter.parse(quarter_text)
    quarter.ensure_started(clock.today())
    after = evidence_repo.after_of(kind, decode_cursor(cursor))
    rows = await evidence_repo.evidence_page(
        session, kind, unit.code, quarter.first_day, quarter.last_day, after=after, limit=limit + 1
    )
    items = [EvidenceRead.model_validate(evidence_item(kind, r)) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(
        items=items, next_cursor=encode_cursor(evidence_repo.key_of(kind, rows[limit - 1])) if more else None
    )
