"""Leads: a violation found in an inspection (``inspection.violation.found``) becomes a lead for its
department, which an officer confirms (the case is filed with the inspection's facts and evidence) or
dismisses with a reason."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.access import Scope
from services.common.auth import Principal
from services.common.contracts import inspection as inspection_contracts
from services.common.pagination import Page, cursor_instant, cursor_tuple, cursor_uuid, decode_cursor, page_of
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty import views
from services.penalty.domain import acts as da
from services.penalty.domain import procedure as p
from services.penalty.errors import LeadAlreadyHandled, OfficerRequired
from services.penalty.models import Lead, PenaltyCase
from services.penalty.settings import CatalogueSnapshot, PenaltyContext
from services.penalty.use_cases import acts
from services.penalty.use_cases.cases import Filing, file
from services.penalty.use_cases.catalogue import snapshot
from services.penalty.use_cases.certificates import officer_signs
from services.penalty.use_cases.common import audit


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


def _suggestions(lead: Lead, published: CatalogueSnapshot, today: date) -> list[str]:
    """The department's benchmarks in force whose laws the lead's legal basis names (at most ten)."""
    found = []
    for code, versions in sorted(published.versions.items()):
        current = next((v for v in reversed(versions) if v.in_force_on(today)), None)
        if current is None or current.department_code != lead.department_code:
            continue
        laws = {x.law for x in (*current.violated, *current.punishing)}
        if any(
            law in lead.legal_basis or law.removeprefix("中华人民共和国") in lead.legal_basis for law in laws
        ):
            found.append(code)
    return found[:10]


async def list_leads(
    session: AsyncSession, *, scope: Scope, status: str | None, cursor: str | None, limit: int
) -> Page[s.LeadRead]:
    after = decode_cursor(cursor)
    # any list was read as (instant, uuid) unchecked (a 500), anything else as the first page
    key = None if after is None else cursor_tuple(after, cursor_instant, cursor_uuid)
    rows = await repo.list_leads(session, scope, status=status, after=key, limit=limit)
    return page_of([views.lead_read(r) for r in rows], limit, lambda x: [x.found_at.isoformat(), str(x.id)])


async def lead_view(session: AsyncSession, *, lead: Lead, ctx: PenaltyContext) -> s.LeadRead:
    """The lead with the benchmark items that match its legal basis."""
    published = await snapshot(session, ctx)
    return views.lead_read(lead, _suggestions(lead, published, clock.today()))


async def confirm_lead(
    session: AsyncSession, *, principal: Principal, lead: Lead, body: s.LeadConfirmIn, ctx: PenaltyContext
) -> PenaltyCase:
    """An officer confirms a lead: the case is filed with the inspection's facts and evidence."""
    if principal.role != "officer":
        raise OfficerRequired(
            "须由本部门持证执法人员确认线索",
            detail_en="A certified officer of the department must confirm leads",
        )
    if lead.status != "open":
        raise LeadAlreadyHandled(
            f"该线索已于{lead.handled_at}处理（{lead.status}）",
            detail_en=f"The lead was handled ({lead.status}) at {lead.handled_at}",
            extra={"case_id": str(lead.case_id)},
        )
    filing = Filing(
        party=s.PartyIn(
            kind=p.PartyKind.ORGANISATION,
            name=lead.enterprise_name,
            uscc=lead.enterprise_uscc,
            address=body.party_address,
            legal_representative=body.legal_representative,
        ),
        benchmark_code=body.benchmark_code,
        procedure=body.procedure,
        summary=body.summary,
        facts_brief=body.facts_brief or lead.description,
        officers=body.officers or [c for c in lead.officer_cert_nos if c != principal.cert_no],
        approved_by=body.approved_by,
        source="inspection",
        district_code=lead.district_code,
        place=body.place,
        violation_id=lead.violation_id,
        lead_id=lead.id,
        evidence=[f"检查记录证据（SHA-256 {h}）" for h in lead.evidence_hashes],
        act=acts.ActRef.of(
            body.act,
            derived=da.inspection_act_id(lead.visit_id, lead.enterprise_uscc, lead.item_code),
            visit_id=lead.visit_id,
        ),
    )
    row = await file(session, principal=principal, ctx=ctx, filing=filing)
    lead.status = "confirmed"
    lead.case_id = row.id
    lead.handled_by = principal.sub
    lead.handled_at = clock.now()
    await session.flush()
    return row


async def dismiss_lead(
    session: AsyncSession, *, principal: Principal, lead: Lead, body: s.LeadDismissIn
) -> s.LeadRead:
    if principal.role != "officer":
        raise OfficerRequired(
            "须由本部门持证执法人员处理线索",
            detail_en="A certified officer of the department must handle leads",
        )
    await officer_signs(session, principal, clock.today())
    if lead.status != "open":
        raise LeadAlreadyHandled(
            f"该线索已处理（{lead.status}）", detail_en=f"The lead has already been handled ({lead.status})"
        )
    lead.status = "dismissed"
    lead.note = body.note
    lead.handled_by = principal.sub
    lead.handled_at = clock.now()
    await session.flush()
    await audit(
        session,
        principal,
        action="penalty.lead.dismissed",
        entity_type="lead",
        entity_id=str(lead.id),
        before={"status": "open"},
        after={"status": "dismissed", "note": body.note},
    )
    return views.lead_read(lead)
