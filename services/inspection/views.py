"""Rows and domain records → the response models of the HTTP API, in one place.

Where a response has the shape of its row it is read from the row's attributes
(``model_validate(from_attributes=True)``); the rest is built field by field because it computes (effective
status, deadlines, masked names) or hides (an anonymous rating from the rated department).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from pydantic import BaseModel

from services.common.auth import Principal
from services.common.clock import local_date
from services.common.masking import mask_name
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection.domain import (
    entry_code,
    entry_rules,
    follow_ups,
    frequency,
    qr,
    qualifications,
    registry,
    sampling,
    visits,
)
from services.inspection.repository.rows import to_officer, to_task
from services.inspection.repository.supervision import FrequencyCount
from services.inspection.schemas import follow_ups as fs
from services.inspection.schemas import qualifications as qs
from services.inspection.settings import SigningKeys

RIGHTS = [
    "有权要求执法人员出示执法证件并当场核验；执法人员不出示执法证件的，有权拒绝接受检查（《中华人民共和国行政处罚法》第五十五条）。",
    "执法人员不得少于两人（《中华人民共和国行政处罚法》第四十二条）；本次在场检查人员的持证状态已由系统核验。",
    "本次检查仅限上列检查事项；超出范围的检查，有权拒绝并向执法监督机构反映。",
    "检查结束后7日内可以对本次检查进行评价，可选择对被检查部门匿名。",
]
COMPLAINT_CHANNELS = ["12345政务服务便民热线", "沈阳市司法局行政执法监督投诉"]

# ---------------------------------------------------------------------------------------------------------
# Registries


def district_read(row: m.District) -> s.DistrictRead:
    return s.DistrictRead.model_validate(row, from_attributes=True)


def department_read(row: m.Department) -> s.DepartmentRead:
    return s.DepartmentRead.model_validate(row, from_attributes=True)


def body_read(row: m.EnforcementBody) -> s.EnforcementBodyRead:
    return s.EnforcementBodyRead.model_validate(row, from_attributes=True)


def item_read(item: registry.InspectionItem) -> s.ItemRead:
    return s.ItemRead(
        code=item.code,
        version=item.version,
        name=item.name,
        dept_code=item.dept_code,
        level=item.level.value,
        enterprise_related=item.enterprise_related,
        key_area=item.key_area,
        on_site=item.on_site,
        legal_basis=[s.LegalRefModel(law=r.law, article=r.article, title=r.title) for r in item.legal_basis],
        legal_basis_text=item.legal_basis_text(),
        effective_from=item.effective_from,
        retired_on=item.retired_on,
    )


def officer_read(row: m.Officer, today: date) -> s.OfficerRead:
    """The officer as stored, and the certificate's status today (an active one past its date is expired)."""
    effective = to_officer(row).status_on(today).value
    return s.OfficerRead.model_validate({**_attributes(row, s.OfficerRead), "effective_status": effective})


def enterprise_read(row: m.Enterprise, risk: str | None) -> s.EnterpriseRead:
    return s.EnterpriseRead.model_validate({**_attributes(row, s.EnterpriseRead), "risk_class": risk})


def enterprise_class_read(row: m.EnterpriseClass) -> s.EnterpriseClassRead:
    return s.EnterpriseClassRead.model_validate(row, from_attributes=True)


def enterprise_code_read(row: m.Enterprise, code: str) -> s.EnterpriseCodeRead:
    """The printed 企业码 and its QR images (error correction Q against dirt and wear)."""
    return s.EnterpriseCodeRead(
        uscc=row.uscc,
        serial=row.code_serial,
        code=code,
        qr_svg=qr.qr_svg(code, error=qr.PRINT_ERROR),
        qr_png_base64=base64.b64encode(qr.qr_png(code, error=qr.PRINT_ERROR)).decode("ascii"),
        issued_at=row.code_issued_at,
    )


def quiet_window_read(row: m.QuietWindow) -> s.QuietWindowRead:
    return s.QuietWindowRead.model_validate(row, from_attributes=True)


def import_result(counts: Mapping[str, int]) -> s.ImportResult:
    return s.ImportResult(**counts)


# ---------------------------------------------------------------------------------------------------------
# Tasks


def task_read(
    row: m.Task, enterprise_count: int, config: entry_rules.EntryConfig, now: datetime
) -> s.TaskRead:
    task = to_task(row, [])
    return s.TaskRead(
        task_id=row.task_id,
        title=row.title,
        kind=row.kind,
        status=row.status,
        lead_dept=row.lead_dept,
        dept_codes=list(row.dept_codes),
        item_codes=list(row.item_codes),
        district_codes=list(row.district_codes),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        urgent=row.urgent,
        lead_id=row.lead_id,
        requested_by_enterprise=row.requested_by_enterprise,
        created_at=row.created_at,
        created_by=row.created_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        approval_due_at=entry_rules.approval_deadline(task, config),
        approval_overdue=row.approval_overdue_at is not None
        or entry_rules.approval_overdue(task, now, config),
        status_reason=row.status_reason,
        completed_at=row.completed_at,
        enterprise_count=enterprise_count,
        draw_algorithm=row.draw_algorithm,
        draw_commitment=row.draw_commitment,
        draw_fingerprint=row.draw_fingerprint,
    )


def task_detail(
    read: s.TaskRead, members: Sequence[m.TaskEnterprise], enterprises: Mapping[str, m.Enterprise]
) -> s.TaskDetail:
    return s.TaskDetail(
        **read.model_dump(),
        enterprises=[
            s.TaskEnterpriseRead(
                uscc=t.uscc,
                name=enterprises[t.uscc].name if t.uscc in enterprises else "",
                district_code=enterprises[t.uscc].district_code if t.uscc in enterprises else "",
                assigned_cert_nos=list(t.assigned_cert_nos),
            )
            for t in members
        ],
    )


def _class_counts(record: Mapping[str, Any] | None) -> list[s.ClassCount]:
    return [s.ClassCount(**q) for q in (record or {}).get("quotas", [])]


def _reveal(draw: m.TaskDraw) -> s.DrawReveal:
    """Every input of a draw and a check of each step (commitment, pool hash, seed, result)."""
    verified = sampling.commitment(draw.nonce) == draw.commitment
    if draw.record is not None and draw.pool_snapshot is not None and draw.pool_hash is not None:
        record = draw.record
        recomputed = sampling.recompute(record)
        snapshot = sampling.pool_snapshot(
            recomputed.pool,
            recomputed.officer_pool,
            dict(recomputed.ratios_bp),
            unknown_class=recomputed.unknown_class,
            group_size=recomputed.group_size,
        )
        verified = (
            verified
            and sampling.pool_hash(draw.pool_snapshot) == draw.pool_hash
            and snapshot == draw.pool_snapshot  # the record's inputs are the hashed pool
            and sampling.derive_seed(draw.nonce, draw.pool_hash, draw.public_value or "") == draw.seed
            and record.get("seed") == draw.seed
            and sampling.verify_record(record)
            and recomputed.fingerprint() == draw.fingerprint
        )
    return s.DrawReveal(
        nonce=draw.nonce.hex(),
        pool_snapshot=draw.pool_snapshot,
        pool_hash=draw.pool_hash,
        seed=draw.seed,
        record=draw.record,
        fingerprint=draw.fingerprint,
        verified=verified,
    )


def draw_read(row: m.Task, draws: Sequence[m.TaskDraw], *, revealed: bool, staff: bool = False) -> s.DrawRead:
    """Every draw of a task in order. Until ``revealed`` (the task has ended): commitment, schedule, public
    value and counts by class only; no enterprise, no per-enterprise class, no officer, no nonce. ``staff``
    (a reader who may see the task, and so its enterprises and officers) also sees the inputs of draws already
    made; a nonce whose draw has not happened is shown to nobody."""
    return s.DrawRead(
        task_id=row.task_id,
        task_status=row.status,
        revealed=revealed,
        draws=[
            s.DrawEntry(
                seq=d.seq,
                status=d.status,
                reason=d.reason,
                protocol=sampling.PROTOCOL_V1,
                algorithm=sampling.ALGORITHM_V1,
                commitment=d.commitment,
                public_source=d.public_source,
                draw_at=d.draw_at,
                committed_at=d.committed_at,
                public_value=d.public_value,
                drawn_at=d.drawn_at,
                counts=_class_counts(d.record),
                cancelled_at=d.cancelled_at,
                cancel_reason=d.cancel_reason,
                reveal=_reveal(d) if revealed or (staff and d.drawn_at is not None) else None,
            )
            for d in draws
        ],
    )


# ---------------------------------------------------------------------------------------------------------
# Scan-to-enter and visits


def entry_code_read(payload: entry_code.EntryPayload, code: str, keys: SigningKeys) -> s.EntryCodeRead:
    """The signed 检查码 and its QR images (error correction M: a ~510-character code on a phone screen)."""
    return s.EntryCodeRead(
        code_id=uuid.UUID(payload.code_id),
        code=code,
        kid=keys.kid,
        task_id=uuid.UUID(payload.task_id),
        enterprise_uscc=payload.uscc,
        officer_cert_nos=list(payload.cert_nos),
        item_codes=list(payload.item_codes),
        issued_at=payload.issued_at,
        expires_at=payload.expires_at,
        qr_svg=qr.qr_svg(code),
        qr_png_base64=base64.b64encode(qr.qr_png(code)).decode("ascii"),
    )


def key_set_read(keys: SigningKeys) -> s.KeySetRead:
    return s.KeySetRead(keys=keys.jwks["keys"])


def check_in_read(visit: s.VisitRead) -> s.CheckInRead:
    """The visit and what the enterprise's screen shows with it: its rights and where to complain."""
    return s.CheckInRead(visit=visit, rights=RIGHTS, complaint_channels=COMPLAINT_CHANNELS)


def check_in_json(values: Mapping[str, Any], enterprise_name: str | None) -> bytes:
    """The check-in's reply for the visit it just wrote (``values``: the written row's columns), as JSON bytes:
    the very bytes FastAPI writes for ``check_in_read(visit_read(row, [], enterprise_name, ...))`` through the
    route's response model (the same keys in the same order, UUIDs and times as pydantic writes them), built
    without the models (issue #16 item 1: a model per person and item, the visit's and the reply's, then their
    dump: ~20 against ~3 us, timeit). A visit
    just started has no outcome, completion or rating, whoever asks; tests/inspection/test_check_in_json.py
    holds the two equal."""
    mode = values["mode"]
    return orjson.dumps(
        {
            "visit": {
                "visit_id": values["visit_id"],
                "task_id": values["task_id"],
                "task_kind": values["task_kind"],
                "enterprise_uscc": values["uscc"],
                "enterprise_name": enterprise_name,
                "district_code": values["district_code"],
                "mode": mode,
                "status": values["status"],
                "emergency": mode == "emergency",
                "backfilled": mode == "backfilled",
                "reason": values["reason"],
                "started_at": values["started_at"],
                "recorded_at": values["recorded_at"],
                "completed_at": None,
                "officers": [
                    {
                        "name": o["name"],
                        "cert_no": o["cert_no"],
                        "dept_code": o["dept_code"],
                        "department": o.get("department", ""),
                        "auxiliary": False,
                    }
                    for o in values["officers"]
                ],
                "accompanying": [
                    {
                        "name": o["name"],
                        "cert_no": None,
                        "dept_code": o["dept_code"],
                        "department": o.get("department", ""),
                        "auxiliary": True,
                    }
                    for o in values["accompanying"]
                ],
                "items": [
                    {
                        "code": i["code"],
                        "name": i["name"],
                        "dept_code": i["dept_code"],
                        "legal_basis": i["legal_basis"],
                    }
                    for i in values["items"]
                ],
                "outcomes": [],
                "rating": None,
                "rating_due_at": None,
            },
            "rights": RIGHTS,
            "complaint_channels": COMPLAINT_CHANNELS,
        },
        option=orjson.OPT_UTC_Z,
    )


def hides_rater(principal: Principal, row: m.Visit) -> bool:
    """An anonymous rating is hidden from the inspected department, never from supervisors."""
    return bool(row.rating_anonymous) and principal.role == "officer"


def visit_read(
    row: m.Visit,
    outcomes: Sequence[m.VisitOutcome],
    enterprise_name: str | None,
    principal: Principal,
    rating_window: timedelta = visits.RATING_WINDOW,
) -> s.VisitRead:
    rating = None
    if row.rated_at is not None and row.rating_stars is not None and not hides_rater(principal, row):
        rating = s.RatingRead(
            stars=row.rating_stars,
            tags=list(row.rating_tags or []),
            comment=row.rating_comment or "",
            anonymous=bool(row.rating_anonymous),
            rated_at=row.rated_at,
            rated_by=row.rated_by if principal.role in ("supervisor", "admin", "enterprise") else None,
        )
    order = {code: i for i, code in enumerate(row.item_codes)}
    return s.VisitRead(
        visit_id=row.visit_id,
        task_id=row.task_id,
        task_kind=row.task_kind,
        enterprise_uscc=row.uscc,
        enterprise_name=enterprise_name,
        district_code=row.district_code,
        mode=row.mode,
        status=row.status,
        emergency=row.mode == "emergency",
        backfilled=row.mode == "backfilled",
        reason=row.reason,
        started_at=row.started_at,
        recorded_at=row.recorded_at,
        completed_at=row.completed_at,
        officers=[
            s.PersonRead(
                name=o["name"],
                cert_no=o["cert_no"],
                dept_code=o["dept_code"],
                department=o.get("department", ""),
            )
            for o in row.officers
        ],
        accompanying=[
            s.PersonRead(
                name=o["name"],
                cert_no=None,
                dept_code=o["dept_code"],
                department=o.get("department", ""),
                auxiliary=True,
            )
            for o in row.accompanying
        ],
        items=[s.ItemBrief(**i) for i in row.items],
        outcomes=[
            s.OutcomeRead(
                item_code=o.item_code,
                outcome=o.outcome,
                description=o.description,
                evidence_sha256=list(o.evidence_sha256),
                correction_deadline=o.correction_deadline,
                recorded_by=o.recorded_by,
                recorded_at=o.recorded_at,
            )
            for o in sorted(outcomes, key=lambda o: order.get(o.item_code, 0))
        ],
        rating=rating,
        # An anonymous rating leaves the department's view looking unrated (the due date included).
        rating_due_at=(
            row.completed_at + rating_window
            if row.completed_at and (row.rated_at is None or hides_rater(principal, row))
            else None
        ),
    )


def department_rating_read(row: m.Visit, principal: Principal) -> s.DepartmentRatingRead:
    """A rating; the department sees an anonymous one without visit, enterprise or time of day."""
    hidden = hides_rater(principal, row)
    assert row.rated_at is not None and row.rating_stars is not None
    return s.DepartmentRatingRead(
        visit_id=None if hidden else row.visit_id,
        enterprise_uscc=None if hidden else row.uscc,
        stars=row.rating_stars,
        tags=list(row.rating_tags or []),
        comment=row.rating_comment or "",
        anonymous=bool(row.rating_anonymous),
        rated_on=local_date(row.rated_at),
        rated_by=row.rated_by if principal.role in ("supervisor", "admin") else None,
    )


# ---------------------------------------------------------------------------------------------------------
# Supervision


def frequency_row(row: FrequencyCount) -> s.FrequencyRow:
    return s.FrequencyRow(
        enterprise_uscc=row.uscc,
        enterprise_name=row.name,
        district_code=row.district_code,
        dept_code=row.dept_code,
        visits=int(row.visits),
        capped_visits=int(row.capped_visits or 0),
    )


def cap_excess_row(excess: frequency.CapExcess, enterprise_name: str) -> s.CapExcessRow:
    return s.CapExcessRow(
        enterprise_uscc=excess.uscc,
        enterprise_name=enterprise_name,
        scope=excess.scope,
        dept_code=excess.dept_code,
        count=excess.count,
        limit=excess.limit,
    )


def year_on_year_row(row: frequency.DepartmentYearOnYear) -> s.YearOnYearRow:
    return s.YearOnYearRow(
        dept_code=row.dept_code,
        previous=row.change.previous,
        current=row.change.current,
        change=row.change.change,
        permille=row.change.permille,
        text=row.change.text,
        text_zh=row.change.text_zh,
    )


def joint_share_read(year: int, share: frequency.Share) -> s.JointShareRead:
    return s.JointShareRead(
        year=year, joint=share.part, total=share.whole, permille=share.permille, text=share.text
    )


def refusal_count_row(code: str, count: int, titles: Mapping[str, str]) -> s.RefusalCountRow:
    return s.RefusalCountRow(code=code, title=titles.get(code, code), count=count)


def refusal_read(row: m.EntryRefusal) -> s.RefusalRead:
    return s.RefusalRead(
        refusal_id=row.refusal_id,
        code=row.code,
        status=row.status,
        detail=row.detail,
        channel=row.channel,
        task_id=row.task_id,
        enterprise_uscc=row.uscc,
        dept_code=row.dept_code,
        district_code=row.district_code,
        officer_cert_nos=list(row.cert_nos),
        actor_role=row.actor_role,
        refused_at=row.refused_at,
    )


def mode_counts(modes: Mapping[str, int]) -> list[s.ModeCountRow]:
    """Visits by mode, every mode listed (zero included), in the modes' order."""
    return [s.ModeCountRow(mode=mode.value, count=modes.get(mode.value, 0)) for mode in visits.VisitMode]


# ---------------------------------------------------------------------------------------------------------
# Public (一公开): names of people masked


def public_task_read(
    row: m.Task,
    department: m.Department | None,
    catalogue: registry.Catalogue,
    members: Sequence[m.TaskEnterprise],
    enterprises: Mapping[str, m.Enterprise],
    current: m.TaskDraw | None,
) -> s.PublicTaskRead:
    """A published 双随机 task; the drawn enterprises only once it is completed (before, naming them would
    tell them to expect the inspection)."""
    day = row.starts_on or local_date(row.created_at)
    items = []
    for code in row.item_codes:
        item = catalogue.get(code, day)
        if item is not None:
            items.append(
                s.ItemBrief(
                    code=code, name=item.name, dept_code=item.dept_code, legal_basis=item.legal_basis_text()
                )
            )
    return s.PublicTaskRead(
        task_id=row.task_id,
        title=row.title,
        status=row.status,
        department=department.name if department else row.lead_dept,
        authority=department.authority if department else "",
        items=items,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        approved_at=row.approved_at,
        completed_at=row.completed_at,
        enterprises=[enterprises[t.uscc].name for t in members if t.uscc in enterprises]
        if row.status == "completed"
        else [],
        draw_algorithm=row.draw_algorithm,
        draw_commitment=row.draw_commitment,
        draw_at=current.draw_at if current else None,
    )


def _public_result(outcomes: Sequence[str]) -> str:
    if not outcomes:
        return "检查中"
    if "violation" in outcomes:
        return "发现违法行为，依法处理"
    if "ordered_to_correct" in outcomes:
        return "发现问题，已责令改正"
    if "educated" in outcomes:
        return "发现轻微问题，已说服教育"
    return "未发现问题"


def public_result_row(
    uscc: str, enterprise: m.Enterprise | None, done: Sequence[m.Visit], outcomes: Iterable[str]
) -> s.PublicResultRow:
    """One drawn enterprise: inspected or not, when, by whom (masked names), and the result in one phrase."""
    return s.PublicResultRow(
        enterprise_name=enterprise.name if enterprise else "",
        enterprise_uscc=uscc,
        inspected=bool(done),
        inspected_on=local_date(done[0].started_at) if done else None,
        officers=sorted({mask_name(o["name"]) for v in done for o in v.officers}),
        result=_public_result(list(outcomes)) if done else "未检查",
    )


def _attributes(row: object, model: type[BaseModel]) -> dict[str, object]:
    """The attributes of ``row`` named like the fields of ``model`` (the ones the row has)."""
    return {name: getattr(row, name) for name in model.model_fields if hasattr(row, name)}


# ---------------------------------------------------------------------------------------------------------
# Officers' qualifications (issue #14 item 5)


def training_read(row: m.OfficerTraining) -> qs.TrainingRead:
    return qs.TrainingRead.model_validate(row, from_attributes=True)


def training_summary(officer_id: uuid.UUID, summary: qualifications.YearSummary) -> qs.TrainingSummary:
    return qs.TrainingSummary(
        officer_id=officer_id,
        year=summary.year,
        hours=float(summary.hours),
        required=float(summary.required),
        shortfall=float(summary.shortfall),
        met=summary.met,
        courses=summary.courses,
    )


def exam_read(row: m.OfficerExam) -> qs.ExamRead:
    return qs.ExamRead.model_validate(row, from_attributes=True)


def public_officer_read(
    row: m.Officer, department: m.Department | None, status: qualifications.PublicStatus
) -> qs.PublicOfficerRead:
    """A certificate as the public sees it: the holder's name masked (SPEC §1.6), the department in full."""
    assert row.cert_no is not None  # auxiliary staff hold none and are never looked up
    return qs.PublicOfficerRead(
        cert_no=row.cert_no,
        name=mask_name(row.name),
        dept_code=row.dept_code,
        department=department.authority if department is not None else row.dept_code,
        status=status.value,
        status_zh=qualifications.PUBLIC_STATUS_ZH[status],
        valid_until=row.valid_until,
    )


def appraisal_read(row: m.OfficerAppraisal) -> qs.AppraisalRead:
    return qs.AppraisalRead.model_validate(row, from_attributes=True)


# ---------------------------------------------------------------------------------------------------------
# 责令改正 follow-up (issue #14 item 6)


def follow_up_read(row: m.CorrectionFollowUp, today: date) -> fs.FollowUpRead:
    not_corrected = row.status == follow_ups.FollowUpStatus.NOT_CORRECTED.value
    return fs.FollowUpRead.model_validate(
        {
            **_attributes(row, fs.FollowUpRead),
            "state": follow_ups.state(row.status, row.due_on, today).value,
            "violation_id": visits.violation_id(follow_ups.violation_key(row.follow_up_id))
            if not_corrected
            else None,
        }
    )
