"""The documents of a visit (issue #15 item 5), rendered from its record and outcomes on each request:

- 现场检查笔录 (on-site inspection record): the enterprise, the place (its registered address), the time span,
  the officers with their certificate numbers (行政处罚法 第四十二条 two officers at least, 第五十五条 the
  certificates shown), each item checked with its legal basis and outcome, and the areas where the
  enterprise states its view and signs and the officers sign;
- 责令改正通知书 (correction order): the items ordered corrected (outcome ``ordered_to_correct``) with their
  deadlines and legal basis, and how to appeal (行政复议法 第二十条: sixty days from knowing of the act;
  or an action before the people's court). A visit that ordered nothing corrected has none (409).

Both as HTML and as A4 PDF with the CJK fonts embedded (services/common/documents.py), sealed as penalty's
documents are (services/common/seal.py, docs/api/penalty.md §5): the SHA-256 of the document with its seal area
unfilled and an Ed25519 signature over it with the service's audit-checkpoint key (its public keys at
``GET /public/inspection/audit/keys``). The correction order, issued in the agency's name, also has the seal
(the configured ``document_seal_image``, else 「（印章）」 for the hand stamp); the record, which the officers
and the enterprise sign on paper, carries the electronic signature alone. Both are rendered on each request
from the visit; Ed25519 being deterministic, the same visit gives the same signed document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock, documents, seal
from services.common.auth import Principal
from services.common.dates import cn_date
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.errors import NoCorrectionOrdered
from services.inspection.repository import registries as registry_repo
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import visits

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
Kind = Literal["inspection_record", "correction_order"]

OUTCOME_LABELS = {
    "compliant": "符合要求",
    "violation": "发现违法行为",
    "ordered_to_correct": "责令改正",
    "educated": "批评教育",
}
MODE_LABELS = {
    "entry_code": "现场检查（企业扫入企码）",
    "enterprise_code": "现场检查（执法人员扫企业码）",
    "emergency": "紧急检查（事后补扫码）",
    "backfilled": "现场检查（事后补录）",
}
TITLES = {"inspection_record": "现场检查笔录", "correction_order": "责令改正通知书"}


@dataclass(frozen=True)
class Rendered:
    title: str
    html: str


def _moment(at: datetime | None) -> str:
    if at is None:
        return "（检查尚未结束）"
    local = at.astimezone(clock.CHINA)
    return f"{cn_date(local.date())}{local:%H:%M}"


def _enterprise(visit: s.VisitRead, row: m.Enterprise | None) -> dict[str, str]:
    return {
        "name": (row.name if row else visit.enterprise_name) or "",
        "uscc": (row.uscc if row else visit.enterprise_uscc) or "",
        "address": row.address if row else "",
        "legal_rep": row.legal_rep_masked if row else "",
    }


def _items(visit: s.VisitRead) -> list[dict[str, Any]]:
    """Each item checked, in the visit's order, with its outcome (or 未记录结果)."""
    outcomes = {o.item_code: o for o in visit.outcomes}
    rows = []
    for item in visit.items:
        found = outcomes.get(item.code)
        rows.append(
            {
                "code": item.code,
                "name": item.name,
                "legal_basis": item.legal_basis,
                "outcome_code": found.outcome if found else None,
                "outcome": OUTCOME_LABELS.get(found.outcome, found.outcome) if found else "未记录结果",
                "description": found.description if found else "",
                "deadline": cn_date(found.correction_deadline) if found and found.correction_deadline else "",
                "evidence": "、".join(found.evidence_sha256) if found else "",
            }
        )
    return rows


def _number(visit: s.VisitRead, prefix: str) -> str:
    return f"沈{prefix}〔{visit.started_at.astimezone(clock.CHINA).year}〕{visit.visit_id.hex[:10].upper()}"


async def render(
    session: AsyncSession, *, ctx: InspectionContext, principal: Principal, row: m.Visit, kind: Kind
) -> Rendered:
    """The document ``kind`` of the visit as HTML (409 NO_CORRECTION_ORDERED for a correction order of a
    visit that ordered nothing corrected)."""
    visit = await visits.get_visit(session, ctx=ctx, principal=principal, row=row)
    enterprise = await registry_repo.get_enterprise(session, row.uscc)
    doc = document_html(kind, visit, enterprise)
    return Rendered(
        doc.title, seal.seal_with_settings(doc.html, ctx.settings, stamp=kind == "correction_order")
    )


def document_html(kind: Kind, visit: s.VisitRead, enterprise: m.Enterprise | None) -> Rendered:
    """The document ``kind`` of ``visit``, its seal area not yet filled (pure: the layout tests render it
    without a database)."""
    items = _items(visit)
    agency = "、".join(dict.fromkeys(o.department for o in visit.officers if o.department)) or "行政执法机关"
    values: dict[str, Any] = {
        "agency": agency,
        "enterprise": _enterprise(visit, enterprise),
        "started": _moment(visit.started_at),
        "ended": _moment(visit.completed_at),
        "mode": MODE_LABELS.get(visit.mode, visit.mode),
        "officers": visit.officers,
        "accompanying": visit.accompanying,
        "channels": views.COMPLAINT_CHANNELS,
    }
    if kind == "inspection_record":
        html = documents.render_html(
            TEMPLATES, "inspection_record.html", number=_number(visit, "检录"), items=items, **values
        )
        return Rendered(TITLES[kind], html)
    ordered = [i for i in items if i["outcome_code"] == "ordered_to_correct"]
    if not ordered:
        raise NoCorrectionOrdered(
            "本次检查没有责令改正的事项", detail_en="No item of the visit was ordered corrected"
        )
    html = documents.render_html(
        TEMPLATES,
        "correction_order.html",
        number=_number(visit, "责改"),
        items=ordered,
        officer_names="、".join(o.name for o in visit.officers),
        issued=cn_date(clock.local_date(visit.completed_at or visit.started_at)),
        **values,
    )
    return Rendered(TITLES[kind], html)


async def render_pdf(html: str) -> bytes:
    return await documents.pdf(html, base_url=TEMPLATES, timeout=30)
