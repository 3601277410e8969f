"""通报 (bulletins): issued by a supervisor from a supervision result, numbered in the bureau's yearly series,
rendered as an official document (HTML, and PDF with the CJK fonts embedded), read by the units concerned and,
when public, by everyone (services/risk/domain/bulletins.py for the rules and their sources)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, documents
from services.common.access import Scope
from services.common.auth import Principal
from services.risk import schemas as s
from services.risk import views
from services.risk.domain import bulletins as rules
from services.risk.domain.matters import MatterKind, MatterStatus
from services.risk.domain.report import Colour, Quarter
from services.risk.errors import BulletinInvalid, BulletinNotFound, BulletinOutsideScope
from services.risk.models import Bulletin
from services.risk.repository import bulletins as bulletin_repo
from services.risk.repository import matters as matter_repo
from services.risk.repository import rectifications as rect_repo
from services.risk.repository import reviews as review_repo
from services.risk.repository import units as unit_repo
from services.risk.use_cases.paging import timed_cursor

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PDF_TIMEOUT_S = 60.0


def _no_source(kind: str, source_id: uuid.UUID, what: str) -> BulletinInvalid:
    return BulletinInvalid(
        f"通报来源{what}{source_id}不存在或不可见",
        detail_en=f"The {kind} source {source_id} does not exist or is not visible",
        errors=[{"field": "source_id", "message": f"{what}{source_id}不存在或不可见"}],
    )


async def _source(
    session: AsyncSession, scope: Scope, kind: str, source_id: uuid.UUID
) -> tuple[str, list[str]]:
    """The source's description for the document and the units it concerns."""
    if kind == "quarter_colour":
        rect = await rect_repo.readable_rectification(session, scope, source_id)
        if rect is None:
            raise _no_source(kind, source_id, "风险预警")
        label = Colour(rect.colour).label if rect.colour != "none" else ""
        lamp = "亮灯警示" if rect.lamp else ""
        marks = "、".join(x for x in (label, lamp) if x)
        return f"{Quarter.parse(rect.quarter).label}风险预警（{rect.unit_code}：{marks}）", [rect.unit_code]
    if kind == "review":
        campaign = await review_repo.readable_campaign(session, scope, source_id)
        if campaign is None or campaign.status != "completed":
            raise _no_source(kind, source_id, "已办结的案卷评查活动")
        return f"案卷评查《{campaign.title}》评查结果", list(campaign.unit_codes)
    matter = await matter_repo.readable_matter(session, scope, source_id)
    if matter is None:
        raise _no_source(kind, source_id, "监督事项")
    label = MatterKind(matter.kind).label
    return f"个案监督（{label}{matter.document_no}，{MatterStatus(matter.status).label}）", [matter.unit_code]


async def _units(session: AsyncSession, principal: Principal, codes: list[str]) -> dict[str, str]:
    """code → name of the units concerned (known units; a district supervisor's own district only)."""
    known = await unit_repo.units_by_code(session, codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BulletinInvalid(
            f"执法单位{'、'.join(unknown)}不存在",
            detail_en=f"Unknown enforcement units: {', '.join(unknown)}",
            errors=[{"field": "unit_codes", "message": f"执法单位{c}不存在"} for c in unknown],
        )
    if principal.role == "supervisor" and principal.scope != "city":
        outside = [c for c in codes if known[c].district_code != principal.scope]
        if outside:
            raise BulletinOutsideScope(
                f"执法单位{'、'.join(outside)}不在本辖区（{principal.scope}）",
                detail_en=f"Units {', '.join(outside)} are outside the district {principal.scope}",
            )
    return {c: known[c].name or c for c in codes}


async def issue(
    session: AsyncSession, *, principal: Principal, scope: Scope, body: s.BulletinCreate
) -> s.BulletinRead:
    """Number the bulletin in this year's series and render it; the units concerned see it at once."""
    described, source_units = await _source(session, scope, body.source_kind, body.source_id)
    codes = sorted(set(body.unit_codes or source_units))
    if not codes:
        raise BulletinInvalid(
            "通报须写明被通报单位",
            detail_en="The bulletin names no unit concerned",
            errors=[{"field": "unit_codes", "message": "须写明被通报单位"}],
        )
    names = await _units(session, principal, codes)
    known = await unit_repo.units_by_code(session, codes)
    today = clock.today()
    seq = await bulletin_repo.next_seq(session, today.year)
    number = rules.number(today.year, seq)
    html = documents.render_html(
        TEMPLATES,
        "bulletin.html",
        b={
            "agency": rules.AGENCY,
            "title": body.title.strip(),
            "number": number,
            "units": [names[c] for c in codes],
            "paragraphs": [p.strip() for p in body.text.splitlines() if p.strip()],
            "source": described,
            "issued_on": today,
            "public": body.public,
        },
    )
    row = Bulletin(
        id=uuid.uuid4(),
        year=today.year,
        seq=seq,
        number=number,
        title=body.title.strip(),
        text=body.text.strip(),
        source_kind=body.source_kind,
        source_id=str(body.source_id),
        unit_codes=codes,
        district_codes=sorted({k.district_code for k in known.values() if k.district_code}),
        public=body.public,
        issued_on=today,
        issued_by=principal.sub,
        issuer_name=principal.name or principal.sub,
        html=html,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="bulletin.issued",
        entity_type="bulletin",
        entity_id=str(row.id),
        after={"number": number, "source": [body.source_kind, str(body.source_id)], "units": codes},
    )
    return views.bulletin_read(row)


async def list_bulletins(
    session: AsyncSession, scope: Scope, *, after: Any, limit: int
) -> list[s.BulletinRead]:
    rows = await bulletin_repo.list_bulletins(session, scope, after=timed_cursor(after), limit=limit)
    return [views.bulletin_read(r) for r in rows]


async def list_public(session: AsyncSession, *, after: Any, limit: int) -> list[s.PublicBulletinRead]:
    rows = await bulletin_repo.list_bulletins(session, None, after=timed_cursor(after), limit=limit)
    return [views.public_bulletin_read(r) for r in rows]


async def pdf(row: Bulletin) -> bytes:
    """The bulletin as PDF (CJK fonts embedded), rendered in a worker thread."""
    return await documents.pdf(row.html, base_url=TEMPLATES, timeout=PDF_TIMEOUT_S)


async def public_pdf(session: AsyncSession, bulletin_id: uuid.UUID) -> tuple[str, bytes]:
    """A public bulletin's number and PDF (a bulletin that is not public does not exist here)."""
    row = await bulletin_repo.public_bulletin(session, bulletin_id)
    if row is None:
        raise BulletinNotFound.of(bulletin_id)
    return row.number, await pdf(row)
