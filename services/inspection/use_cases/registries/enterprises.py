"""Enterprises by USCC (统一社会信用代码): registration (published: inspection.enterprise.registered),
corrections, the printed enterprise code (企业码) and its re-issue, and the risk class received from the
risk service (risk.enterprise.classified, newest revision kept)."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, documents, outbox
from services.common.access import Scope
from services.common.auth import Principal
from services.common.masking import mask_name
from services.common.pagination import Page, page_of
from services.inspection import events, views
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection.domain import entry_code
from services.inspection.domain.events import EnterpriseRegistered
from services.inspection.errors import EnterpriseExists, EnterpriseNotClassified, EnterpriseNotFound
from services.inspection.repository import registries as registry_repo
from services.inspection.repository.rows import to_enterprise
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import text_cursor


def enterprise_not_found(uscc: str) -> EnterpriseNotFound:
    return EnterpriseNotFound(f"企业 {uscc} 不存在", detail_en=f"There is no enterprise {uscc}")


def enterprise_audit(row: m.Enterprise) -> dict[str, Any]:
    """The enterprise's registry fields as the audit chain records them."""
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
    scope: Scope,
    district_code: str | None,
    industry: str | None,
    name: str | None,
    cursor: str | None,
    limit: int,
) -> Page[s.EnterpriseRead]:
    rows = await registry_repo.list_enterprises(
        session,
        scope,
        district_code=district_code,
        industry=industry,
        name=name,
        after=text_cursor(cursor),
        limit=limit + 1,
    )
    classes = await registry_repo.risk_classes(session, [r.uscc for r in rows])
    return page_of([views.enterprise_read(r, classes.get(r.uscc)) for r in rows], limit, lambda e: e.uscc)


async def get_enterprise(session: AsyncSession, *, row: m.Enterprise) -> s.EnterpriseRead:
    return views.enterprise_read(row, await registry_repo.risk_class(session, row.uscc))


def legal_rep_masked(body: s.EnterpriseImport) -> str:
    """The legal representative's name as stored: masked (个人信息保护法 第五十一条)."""
    return body.legal_rep_masked or (mask_name(body.legal_rep_name) if body.legal_rep_name else "")


async def new_enterprise(
    session: AsyncSession, principal: Principal, body: s.EnterpriseImport
) -> m.Enterprise:
    """Register an enterprise with its first enterprise code (serial 1); published and audited."""
    now = clock.now()
    row = m.Enterprise(
        uscc=body.uscc,
        name=body.name.strip(),
        district_code=body.district_code,
        industry=body.industry.strip(),
        address=body.address.strip(),
        legal_rep_masked=legal_rep_masked(body),
        registered_on=body.registered_on,
        code_serial=1,
        code_issued_at=now,
    )
    session.add(row)
    await session.flush()
    outbox.add(
        session, events.enterprise_registered(EnterpriseRegistered(to_enterprise(row), registered_at=now))
    )
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="enterprise.registered",
        entity_type="enterprise",
        entity_id=row.uscc,
        after=enterprise_audit(row),
    )
    return row


async def create_enterprise(
    session: AsyncSession, *, principal: Principal, body: s.EnterpriseWrite
) -> s.EnterpriseRead:
    if await registry_repo.get_enterprise(session, body.uscc) is not None:
        raise EnterpriseExists(
            f"统一社会信用代码 {body.uscc} 的企业已登记",
            detail_en=f"The enterprise with USCC {body.uscc} is already registered",
        )
    row = await new_enterprise(session, principal, s.EnterpriseImport(**body.model_dump()))
    return views.enterprise_read(row, await registry_repo.risk_class(session, row.uscc))


async def update_enterprise(
    session: AsyncSession, *, principal: Principal, row: m.Enterprise, body: s.EnterpriseUpdate
) -> s.EnterpriseRead:
    before = enterprise_audit(row)
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, key, value.strip() if isinstance(value, str) else value)
    if enterprise_audit(row) != before:
        row.updated_at = clock.now()
        await session.flush()
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="enterprise.updated",
            entity_type="enterprise",
            entity_id=row.uscc,
            before=before,
            after=enterprise_audit(row),
        )
    return views.enterprise_read(row, await registry_repo.risk_class(session, row.uscc))


def _own_code(principal: Principal, row: m.Enterprise) -> None:
    """The printed code is the enterprise's own and the administrators': anyone else finds no enterprise."""
    if principal.role not in ("admin", "enterprise"):
        raise enterprise_not_found(row.uscc)


def enterprise_code(ctx: InspectionContext, principal: Principal, row: m.Enterprise) -> s.EnterpriseCodeRead:
    """The enterprise's printed code (企业码) and its QR images: the enterprise itself and admins."""
    _own_code(principal, row)
    code = entry_code.sign_enterprise_code(
        row.uscc, row.code_serial, row.code_issued_at, ctx.keys.private_key, ctx.keys.kid
    )
    return views.enterprise_code_read(row, code)


def enterprise_code_image(
    ctx: InspectionContext, principal: Principal, row: m.Enterprise, kind: Literal["png", "svg"]
) -> bytes:
    """The enterprise code as a printable image: SVG text or PNG bytes."""
    read = enterprise_code(ctx, principal, row)
    if kind == "svg":
        return read.qr_svg.encode("utf-8")
    return base64.b64decode(read.qr_png_base64)


POSTER_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


async def poster_pdf(ctx: InspectionContext, principal: Principal, row: m.Enterprise) -> bytes:
    """The printable door poster (A4 PDF) of the enterprise's code."""
    html = poster_html(row, enterprise_code(ctx, principal, row))
    return await documents.pdf(html, base_url=POSTER_TEMPLATES, timeout=30)


def poster_html(row: m.Enterprise, code: s.EnterpriseCodeRead) -> str:
    """The door poster: the enterprise code's QR, the enterprise's name and USCC, and its rights at an
    inspection (views.RIGHTS, 行政处罚法 第四十二条、第五十五条) with where to complain (pure: the layout
    tests print it without a database)."""
    return documents.render_html(
        POSTER_TEMPLATES,
        "poster.html",
        name=row.name,
        uscc=row.uscc,
        serial=code.serial,
        qr_svg=code.qr_svg,
        rights=views.RIGHTS,
        channels=views.COMPLAINT_CHANNELS,
    )


async def reissue_enterprise_code(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Enterprise
) -> s.EnterpriseCodeRead:
    """A lost or compromised 企业码 is replaced: the serial goes up and every older code is refused."""
    _own_code(principal, row)
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
        entity_id=row.uscc,
        before=before,
        after={"code_serial": row.code_serial},
    )
    return enterprise_code(ctx, principal, row)


async def get_enterprise_class(session: AsyncSession, *, row: m.Enterprise) -> s.EnterpriseClassRead:
    found = await registry_repo.get_enterprise_class(session, row.uscc)
    if found is None:
        raise EnterpriseNotClassified(
            f"企业 {row.uscc} 尚无风险分类", detail_en=f"Enterprise {row.uscc} has no risk class yet"
        )
    return views.enterprise_class_read(found)


async def record_classification(
    session: AsyncSession,
    *,
    uscc: str,
    risk_class: str,
    previous_class: str | None,
    score: int,
    reasons: list[str],
    classified_at: datetime,
    revision: int,
) -> bool:
    """Keep the newest class per enterprise; an older revision arriving late changes nothing."""
    return await registry_repo.apply_classification(
        session,
        {
            "uscc": uscc,
            "risk_class": risk_class,
            "previous_class": previous_class,
            "score": score,
            "reasons": reasons,
            "classified_at": classified_at,
            "revision": revision,
            "source": "risk",
        },
    )
