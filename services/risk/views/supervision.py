"""Row → response mapping of the supervision instruments (issue #14): complaints, supervisors and contact points, supervision matters, case-file review, bulletins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.common import clock
from services.common.masking import mask_name, mask_phone
from services.common.workdays import PENDING_NOTE
from services.risk.domain import complaints as rules
from services.risk.domain import matters
from services.risk.models import (
    Complaint,
    ContactPoint,
    MemberInvitation,
    SupervisionMatter,
    SupervisionMember,
)
from services.risk.schemas import (
    ComplaintPublicRead,
    ComplaintRead,
    ComplaintStepRead,
    ContactPointRead,
    InvitationRead,
    MatterRead,
    MemberRead,
)

# --------------------------------------------------------------------------------------------------- complaints (issue #14)


def complaint_read(row: Complaint, *, viewer_role: str, today: date) -> ComplaintRead:
    """A complaint as ``viewer_role`` may read it: the department complained about (an officer) never learns
    an anonymous complainant, and reads the contact masked (services.common.masking)."""
    department = viewer_role == "officer"
    hidden = department and row.anonymous
    name, phone = row.contact_name, row.contact_phone
    if hidden:
        name = phone = None
    elif department:
        name = mask_name(name) if name else name
        phone = mask_phone(phone) if phone else phone
    finding = rules.Finding(row.finding) if row.finding else None
    return ComplaintRead(
        id=row.id,
        ack_no=row.ack_no,
        source=row.source,
        source_label=rules.SOURCE_ZH[rules.Source(row.source)],
        subject_kind=row.subject_kind,
        visit_id=row.visit_id,
        officer_cert_no=row.officer_cert_no,
        unit_code=row.unit_code,
        category=row.category,
        summary=f"{row.category}：{row.text[:60]}",
        text=row.text,
        anonymous=row.anonymous,
        complainant_uscc=None if hidden else row.complainant_uscc,
        contact_name=name,
        contact_phone=phone,
        status=row.status,
        status_label=rules.STATUS_ZH[rules.Status(row.status)],
        received_at=row.received_at,
        due_on=row.due_on,
        overdue=rules.is_overdue(row.status, row.due_on, today),
        forwarded_at=row.forwarded_at,
        reply_due_on=row.reply_due_on,
        reply_overdue=row.status == "forwarded" and row.reply_due_on is not None and today > row.reply_due_on,
        replied_at=row.replied_at,
        reply=row.reply,
        concluded_at=row.concluded_at,
        finding=row.finding,
        finding_label=rules.FINDING_ZH[finding] if finding else None,
        conclusion=row.conclusion,
        referred_to_discipline=row.referred_to_discipline,
        answered_at=row.answered_at,
        answer=row.answer,
        history=[ComplaintStepRead(**step) for step in row.history],
    )


def complaint_public_read(row: Complaint) -> ComplaintPublicRead:
    """What an anonymous complainant reads (no department, no internal notes)."""
    finding = rules.Finding(row.finding) if row.finding and row.status == "answered" else None
    return ComplaintPublicRead(
        ack_no=row.ack_no,
        category=row.category,
        status=row.status,
        status_label=rules.STATUS_ZH[rules.Status(row.status)],
        received_at=row.received_at,
        due_on=row.due_on,
        finding_label=rules.FINDING_ZH[finding] if finding else None,
        answer=row.answer if row.status == "answered" else "",
        answered_at=row.answered_at,
    )


# --------------------------------------------------------------------------------------------------- supervisors and contact points (issue #14)

MEMBER_STATUS_ZH = {"active": "履职中", "suspended": "暂停履职", "ended": "已解聘"}


def _serving(status: str, start: date, end: date, today: date) -> bool:
    return status == "active" and start <= today <= end


def member_read(row: SupervisionMember, *, masked: bool, today: date) -> MemberRead:
    """An appointed supervisor; ``masked`` (lists): the telephone masked (services.common.masking)."""
    phone = mask_phone(row.phone) if masked and row.phone else row.phone
    return MemberRead(
        id=row.id,
        name=row.name,
        background=row.background,
        organisation=row.organisation,
        district_code=row.district_code,
        phone=phone,
        term_start=row.term_start,
        term_end=row.term_end,
        status=row.status,
        status_label=MEMBER_STATUS_ZH.get(row.status, row.status),
        serving=_serving(row.status, row.term_start, row.term_end, today),
    )


def invitation_read(row: MemberInvitation) -> InvitationRead:
    return InvitationRead.model_validate(row, from_attributes=True)


def point_read(row: ContactPoint, *, masked: bool, today: date) -> ContactPointRead:
    """A contact point; ``masked`` (lists): the contact person's name and telephone masked."""
    name, phone = row.contact_name, row.contact_phone
    if masked:
        name = mask_name(name) if name else name
        phone = mask_phone(phone) if phone else phone
    return ContactPointRead(
        id=row.id,
        kind=row.kind,
        name=row.name,
        uscc=row.uscc,
        address=row.address,
        district_code=row.district_code,
        contact_name=name,
        contact_phone=phone,
        term_start=row.term_start,
        term_end=row.term_end,
        status=row.status,
        serving=_serving(row.status, row.term_start, row.term_end, today),
    )


# --------------------------------------------------------------------------------------------------- supervision matters


def matter_read(row: SupervisionMatter, today: date | None = None) -> MatterRead:
    """A supervision matter with its Chinese labels and the title the supervisors' console lists."""
    kind, target, status = (
        matters.MatterKind(row.kind),
        matters.TargetKind(row.target_kind),
        matters.MatterStatus(row.status),
    )
    return MatterRead.model_validate(
        {
            **{c: getattr(row, c) for c in MatterRead.model_fields if hasattr(row, c)},
            "title": matters.title(kind, target, row.target_ref),
            "kind_label": kind.label,
            "status_label": status.label,
            "due_note": PENDING_NOTE if row.due_on is None else "",
            "days_overdue": matters.days_overdue(
                matters.Matter(status=status, due_on=row.due_on), today or clock.today()
            ),
        }
    )


# --------------------------------------------------------------------------------------------------- case-file review (案卷评查)

from services.risk import schemas as review_schemas  # noqa: E402
from services.risk.domain import review_sampling  # noqa: E402
from services.risk.domain import reviews as review_rules  # noqa: E402
from services.risk.models import ReviewCampaign, ReviewFile, ReviewFinding  # noqa: E402

REVIEW_STATUS_LABELS = {"committed": "待抽取", "drawn": "评查中", "completed": "已完成"}


def review_scope_label(row: ReviewCampaign) -> str:
    """``3个执法单位 · 2026-01-01至2026-06-30 · 每单位抽取5件`` (with the items when the scope names them)."""
    parts = [
        f"{len(row.unit_codes)}个执法单位",
        f"{row.period_from.isoformat()}至{row.period_to.isoformat()}",
        f"每单位抽取{row.sample_size}件",
    ]
    if row.item_codes:
        parts.insert(1, "事项" + "、".join(row.item_codes))
    return " · ".join(parts)


def review_read(row: ReviewCampaign, reviewed: int, total: int) -> review_schemas.ReviewRead:
    revealed = row.status == "completed"
    return review_schemas.ReviewRead(
        id=row.id,
        title=row.title,
        year=row.year,
        scope_label=review_scope_label(row),
        unit_codes=list(row.unit_codes),
        item_codes=list(row.item_codes),
        period_from=row.period_from,
        period_to=row.period_to,
        sample_size=row.sample_size,
        status=row.status,
        status_label=REVIEW_STATUS_LABELS[row.status],
        starts_on=row.starts_on,
        reviewed=reviewed,
        total=total,
        sheet=review_rules.ScoringSheet.model_validate(row.sheet),
        reviewers=[review_schemas.ReviewerRead.model_validate(r) for r in row.reviewers],
        draw=review_schemas.ReviewDrawRead(
            protocol=review_sampling.PROTOCOL,
            algorithm=row.algorithm,
            commitment=row.commitment,
            public_source=row.public_source,
            draw_at=row.draw_at,
            public_value=row.public_value,
            pool_hash=row.pool_hash,
            drawn_at=row.drawn_at,
            revealed=revealed,
            nonce=row.nonce.hex() if revealed else None,
            pool_snapshot=row.pool_snapshot if revealed else None,
            seed=row.seed if revealed else None,
        ),
        created_by=row.created_by,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


def finding_read(row: ReviewFinding) -> review_schemas.FindingRead:
    return review_schemas.FindingRead(
        id=row.id,
        dimension=row.dimension,
        severity=row.severity,
        severity_label=review_rules.SEVERITY_LABELS[row.severity],
        text=row.text,
        deduction=row.deduction,
        matter_requested=row.matter_requested,
        matter_grounds=row.matter_grounds,
        matter_id=row.matter_id,
        matter_no=row.matter_no,
        case_id=row.case_id,
    )


def review_file_read(
    row: ReviewFile, sheet: review_rules.ScoringSheet, findings: Sequence[ReviewFinding]
) -> review_schemas.ReviewFileRead:
    grade = review_rules.grade(sheet, row.total) if row.total is not None else None
    return review_schemas.ReviewFileRead(
        id=row.id,
        review_id=row.campaign_id,
        unit_code=row.unit_code,
        case_id=row.case_id,
        decision_no=row.decision_no,
        item_code=row.item_code,
        decided_on=row.decided_on,
        rank=row.rank,
        rank_key=row.rank_key,
        points=row.points,
        total=row.total,
        grade=grade,
        grade_label=review_rules.GRADE_LABELS[grade] if grade else None,
        reviewer_id=row.reviewer_id,
        reviewed_at=row.reviewed_at,
        findings=[finding_read(f) for f in findings if f.file_id == row.id],
    )


def unit_result_read(result: review_rules.UnitResult) -> review_schemas.UnitResultRead:
    return review_schemas.UnitResultRead(
        unit_code=result.unit_code,
        files=result.files,
        reviewed=result.reviewed,
        mean=result.mean_text,
        minimum=result.minimum,
        passed=result.passed,
        failed=result.failed,
        excellent=result.excellent,
        grade=result.grade,
        grade_label=review_rules.GRADE_LABELS[result.grade] if result.grade else None,
    )


# --------------------------------------------------------------------------------------------------- bulletins (通报)

from services.risk.domain import bulletins as bulletin_rules  # noqa: E402
from services.risk.models import Bulletin  # noqa: E402


def bulletin_read(row: Bulletin) -> review_schemas.BulletinRead:
    base = f"/api/v1/risk/bulletins/{row.id}"
    return review_schemas.BulletinRead(
        id=row.id,
        number=row.number,
        year=row.year,
        title=row.title,
        text=row.text,
        source_kind=row.source_kind,
        source_label=bulletin_rules.SOURCE_LABELS[row.source_kind],
        source_id=row.source_id,
        unit_codes=list(row.unit_codes),
        public=row.public,
        issued_on=row.issued_on,
        issued_at=row.created_at,
        issuer_name=row.issuer_name,
        html_url=f"{base}/html",
        pdf_url=f"{base}/pdf",
    )


def public_bulletin_read(row: Bulletin) -> review_schemas.PublicBulletinRead:
    return review_schemas.PublicBulletinRead(
        id=row.id,
        number=row.number,
        title=row.title,
        text=row.text,
        source_label=bulletin_rules.SOURCE_LABELS[row.source_kind],
        unit_codes=list(row.unit_codes),
        issued_on=row.issued_on,
        issued_at=row.created_at,
        pdf_url=f"/public/risk/bulletins/{row.id}/pdf",
    )
