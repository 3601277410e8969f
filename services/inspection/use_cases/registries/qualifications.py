"""Officers' qualifications (issue #14 item 5): the training ledger and its import, the yearly summary
(辽政办发〔2023〕18号 二(一)2: 60 学时 a year by default). Every record is audited on the officer.

Who writes: a supervisor, an administrator, or the head of the officer's department (an officer token with
the ``dept_head`` claim); the officer is loaded through the registry's access rule first, so another
department's officer is a 404 before this is asked.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock
from services.common.auth import Principal
from services.inspection import models as m
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.domain import qualifications as q
from services.inspection.domain import registry
from services.inspection.errors import (
    DeptHeadRequired,
    ImportInvalid,
    InvalidCertNumber,
    OfficerNotFound,
    QualificationInvalid,
)
from services.inspection.repository import qualifications as qual_repo
from services.inspection.repository import registries as registry_repo
from services.inspection.repository.rows import to_officer
from services.inspection.schemas import qualifications as qs
from services.inspection.settings import InspectionContext
from services.inspection.use_cases import imports
from services.inspection.use_cases.registries import officers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Column headers of a spreadsheet import, Chinese or English.
XLSX_COLUMNS = {
    "执法证号": "cert_no",
    "课程": "course",
    "课程名称": "course",
    "学时": "hours",
    "培训日期": "held_on",
    "日期": "held_on",
    "培训机构": "provider",
    "主办单位": "provider",
    "证书编号": "certificate_ref",
    **{name: name for name in ("cert_no", "course", "hours", "held_on", "provider", "certificate_ref")},
}


def require_manager(principal: Principal) -> None:
    """An officer writes qualification records only as the head of the department (the ``dept_head`` claim);
    supervisors and administrators always may."""
    if principal.role == "officer" and principal.claims.get("dept_head") is not True:
        raise DeptHeadRequired(
            "培训、考试、轮训和日常考核记录由部门负责人或执法监督人员登记",
            detail_en="Training, exams, retraining and appraisals are recorded by a head of department or a "
            "supervisor",
        )


def not_in_future(day: date, what: str, what_en: str) -> None:
    today = clock.today()
    if day > today:
        raise QualificationInvalid(
            f"{what}不能晚于今天（{today.isoformat()}）",
            detail_en=f"The {what_en} cannot be after today ({today.isoformat()})",
            extra={"date": day.isoformat()},
        )


async def list_trainings(session: AsyncSession, *, officer: m.Officer) -> list[qs.TrainingRead]:
    return [views.training_read(r) for r in await qual_repo.trainings(session, officer.officer_id)]


def _new_training(principal: Principal, officer: m.Officer, body: qs.TrainingWrite) -> m.OfficerTraining:
    return m.OfficerTraining(
        training_id=uuid.uuid4(),
        officer_id=officer.officer_id,
        course=body.course,
        hours=body.hours,
        held_on=body.held_on,
        provider=body.provider,
        certificate_ref=body.certificate_ref,
        recorded_by=principal.sub,
        recorded_at=clock.now(),
    )


def _training_audit(row: m.OfficerTraining) -> dict[str, Any]:
    return {
        "training_id": str(row.training_id),
        "course": row.course,
        "hours": str(row.hours),
        "held_on": row.held_on.isoformat(),
        "provider": row.provider,
        "certificate_ref": row.certificate_ref,
    }


async def record_training(
    session: AsyncSession, *, principal: Principal, officer: m.Officer, body: qs.TrainingWrite
) -> qs.TrainingRead:
    """One course in the officer's ledger (audited)."""
    require_manager(principal)
    not_in_future(body.held_on, "培训日期", "training date")
    row = _new_training(principal, officer, body)
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.training.recorded",
        entity_type="officer",
        entity_id=str(officer.officer_id),
        after=_training_audit(row),
    )
    return views.training_read(row)


async def training_summary(
    session: AsyncSession, *, ctx: InspectionContext, officer: m.Officer, year: int
) -> qs.TrainingSummary:
    """The year's hours against the requirement, and the shortfall."""
    trainings = await qual_repo.trainings_of_year(session, officer.officer_id, year)
    summary = q.year_summary(trainings, year, ctx.entry.training_required_hours)
    return views.training_summary(officer.officer_id, summary)


# ---------------------------------------------------------------------------------------------------------
# The import: a JSON array or a spreadsheet, at most 500 rows, all or nothing


def _unreadable(exc: Exception, kind: str) -> ImportInvalid:
    return ImportInvalid(
        f"无法解析导入内容（应为{kind}）：{type(exc).__name__}",
        detail_en=f"The import cannot be read ({kind} expected): {exc}",
    )


def json_records(raw: bytes) -> list[Any]:
    """The records of a JSON import (an array, or an object with ``items``), unvalidated."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _unreadable(exc, "JSON 数组") from exc
    loaded = data.get("items") if isinstance(data, dict) else data
    if not isinstance(loaded, list):
        raise _unreadable(ValueError("not an array"), "JSON 数组")
    return loaded


def xlsx_records(raw: bytes) -> list[dict[str, Any]]:
    """The records of the first sheet of an xlsx workbook, unvalidated."""
    try:
        return _xlsx_records(raw)
    except Exception as exc:  # openpyxl and zipfile raise several kinds of their own on a damaged file
        raise _unreadable(exc, "xlsx 表格") from exc


def _xlsx_records(raw: bytes) -> list[dict[str, Any]]:
    """The first sheet's rows as records keyed by the header row (blank rows skipped)."""
    from openpyxl import load_workbook  # heavy: imported on the first xlsx import (services/common/lazy.py)

    book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return []
        keys = [XLSX_COLUMNS.get(str(h).strip(), str(h).strip()) if h is not None else "" for h in header]
        records: list[dict[str, Any]] = []
        for values in rows:
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            record = {k: _cell(v) for k, v in zip(keys, values, strict=False) if k and v is not None}
            records.append(record)
            if len(records) > q.MAX_IMPORT_ROWS:
                break  # validate_records rejects the oversized import
        return records
    finally:
        book.close()


def _cell(value: Any) -> Any:
    """A spreadsheet cell as the JSON import would carry it: dates as ISO text, numbers as decimals."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | int) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return str(value).strip()


async def import_trainings(
    session: AsyncSession, *, principal: Principal, records: Sequence[Any]
) -> qs.TrainingImportResult:
    """Record every row or none: each is well formed, names a registered certificate (of the caller's
    department for a head of department), a date not in the future, and appears once; the errors of every
    row are reported together."""
    require_manager(principal)
    rows, errors = imports.validate_each(records, qs.TrainingImport, q.MAX_IMPORT_ROWS)
    certs: dict[int, str] = {}
    for n, row in rows.items():
        try:
            certs[n] = registry.validate_cert_no(row.cert_no)
        except InvalidCertNumber as exc:
            errors.append({"row": n, "loc": ["cert_no"], "message": exc.detail})
    officers = await qual_repo.officers_by_cert(session, sorted(set(certs.values())))
    today = clock.today()
    seen: dict[tuple[str, str, date], int] = {}
    for n, row in rows.items():
        cert = certs.get(n)
        if cert is None:
            continue
        officer = officers.get(cert)
        if officer is None or (principal.role == "officer" and officer.dept_code != principal.dept_code):
            errors.append(
                {"row": n, "loc": ["cert_no"], "message": f"执法证号 {cert} 未在本部门执法人员名录中登记"}
            )
        if row.held_on > today:
            errors.append(
                {"row": n, "loc": ["held_on"], "message": f"培训日期不能晚于今天（{today.isoformat()}）"}
            )
        key = (cert, row.course, row.held_on)
        if key in seen:
            errors.append(
                {
                    "row": n,
                    "loc": ["course"],
                    "message": f"与第{seen[key]}行重复（同一人、同一课程、同一日期）",
                }
            )
        seen.setdefault(key, n)
    if errors:
        raise imports.rejected(sorted(errors, key=lambda e: e["row"]))
    created: dict[uuid.UUID, list[m.OfficerTraining]] = {}
    for n, row in rows.items():
        officer = officers[certs[n]]
        training = _new_training(principal, officer, row)
        session.add(training)
        created.setdefault(officer.officer_id, []).append(training)
    await session.flush()
    await audit.append_many(
        session,
        [
            audit.AuditEntry(
                actor=principal.sub,
                actor_role=principal.role,
                action="officer.training.imported",
                entity_type="officer",
                entity_id=str(officer_id),
                after={"trainings": [_training_audit(t) for t in trainings]},
            )
            for officer_id, trainings in created.items()
        ],
    )
    return qs.TrainingImportResult(created=len(rows), officers=len(created))


# ---------------------------------------------------------------------------------------------------------
# Exams and random quizzes; the retraining suspension (沈法治发〔2021〕7号 12: 暂扣证件，短期轮训，合格后返还)


async def list_exams(session: AsyncSession, *, officer: m.Officer) -> list[qs.ExamRead]:
    return [views.exam_read(r) for r in await qual_repo.exams(session, officer.officer_id)]


async def record_exam(
    session: AsyncSession, *, principal: Principal, officer: m.Officer, body: qs.ExamWrite
) -> qs.ExamRead:
    """Record an exam or quiz; a passed one dated after a 轮训 suspension returns the officer to duty."""
    require_manager(principal)
    not_in_future(body.held_on, "考试日期", "exam date")
    row = m.OfficerExam(
        exam_id=uuid.uuid4(),
        officer_id=officer.officer_id,
        kind=body.kind,
        held_on=body.held_on,
        score=body.score,
        passed=body.passed,
        examiner=body.examiner,
        lifted_retraining=False,
        recorded_by=principal.sub,
        recorded_at=clock.now(),
    )
    session.add(row)
    in_retraining = officer.status == registry.OfficerStatus.SUSPENDED.value and officer.retraining
    since = officer.status_since or date.min
    exam = q.Exam(row.held_on, row.passed)
    row.lifted_retraining = in_retraining and q.lifting_exam([exam], since) is not None
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.exam.recorded",
        entity_type="officer",
        entity_id=str(officer.officer_id),
        after={
            "exam_id": str(row.exam_id),
            "kind": row.kind,
            "held_on": row.held_on.isoformat(),
            "score": None if row.score is None else str(row.score),
            "passed": row.passed,
            "examiner": row.examiner,
        },
    )
    if row.lifted_retraining:
        kind = q.EXAM_KIND_ZH[q.ExamKind(row.kind)]
        reason = f"离岗轮训后{kind}合格（{row.held_on.isoformat()}），返还执法证件（沈法治发〔2021〕7号）"
        await _set_status(
            session, principal, officer, registry.OfficerStatus.ACTIVE, on=clock.today(), reason=reason
        )
    return views.exam_read(row)


async def suspend_for_retraining(
    session: AsyncSession, *, principal: Principal, officer: m.Officer, body: qs.RetrainingWrite
) -> s.OfficerRead:
    """暂扣 the certificate for 轮训 (沈法治发〔2021〕7号 12): refused at entry (OFFICER_IN_RETRAINING) until an
    exam passed after ``suspended_on`` is recorded."""
    require_manager(principal)
    on = body.suspended_on or clock.today()
    not_in_future(on, "暂扣日期", "suspension date")
    if officer.status_since is not None and on < officer.status_since:
        raise QualificationInvalid(
            f"暂扣日期不能早于执法证上次状态变更日期（{officer.status_since.isoformat()}）",
            detail_en=f"The suspension cannot precede the certificate's last change ({officer.status_since})",
        )
    await _set_status(
        session,
        principal,
        officer,
        registry.OfficerStatus.SUSPENDED,
        on=on,
        reason=body.reason,
        retraining=True,
        return_date=body.return_date,
    )
    return views.officer_read(officer, clock.today())


async def _set_status(
    session: AsyncSession,
    principal: Principal,
    officer: m.Officer,
    status: registry.OfficerStatus,
    *,
    on: date,
    reason: str,
    retraining: bool = False,
    return_date: date | None = None,
) -> None:
    """A certificate status change under the registry's rules: applied, published and audited as
    ``POST /officers/{id}/status`` does it."""
    before = officers.officer_audit(officer)
    changed = registry.change_officer_status(
        to_officer(officer), status, on=on, reason=reason, retraining=retraining, return_date=return_date
    )
    officers.apply_status(officer, changed)
    await session.flush()
    officers.publish_officer(session, officer)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action=f"officer.status.{changed.status.value}",
        entity_type="officer",
        entity_id=str(officer.officer_id),
        before=before,
        after=officers.officer_audit(officer),
    )


# ---------------------------------------------------------------------------------------------------------
# Daily appraisal (日常考核, 辽政办发〔2023〕18号 二(一)4: 推行行政执法人员日常考核制度)


async def list_appraisals(session: AsyncSession, *, officer: m.Officer) -> list[qs.AppraisalRead]:
    return [views.appraisal_read(r) for r in await qual_repo.appraisals(session, officer.officer_id)]


async def record_appraisal(
    session: AsyncSession, *, principal: Principal, officer: m.Officer, body: qs.AppraisalWrite
) -> qs.AppraisalRead:
    """Record a daily appraisal (优秀/合格/基本合格/不合格) of the officer (audited)."""
    require_manager(principal)
    not_in_future(body.appraised_on, "考核日期", "appraisal date")
    row = m.OfficerAppraisal(
        appraisal_id=uuid.uuid4(),
        officer_id=officer.officer_id,
        appraised_on=body.appraised_on,
        appraiser=body.appraiser,
        rating=q.AppraisalRating(body.rating).value,
        notes=body.notes.strip(),
        recorded_by=principal.sub,
        recorded_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.appraisal.recorded",
        entity_type="officer",
        entity_id=str(officer.officer_id),
        after={
            "appraisal_id": str(row.appraisal_id),
            "appraised_on": row.appraised_on.isoformat(),
            "appraiser": row.appraiser,
            "rating": row.rating,
            "notes": row.notes,
        },
    )
    return views.appraisal_read(row)


# ---------------------------------------------------------------------------------------------------------
# The public certificate lookup (no token): what an enterprise checks about the 执法证 shown at the door


async def public_certificate(session: AsyncSession, *, cert_no: str) -> qs.PublicOfficerRead:
    """The certificate's holder (name masked), department, status today and validity; auxiliary staff and
    unknown numbers are not found. 行政处罚法 第五十五条: the party may check the certificates shown."""
    cert = registry.validate_cert_no(cert_no)
    officer = await registry_repo.officer_by_cert(session, cert)
    if officer is None or officer.auxiliary:
        raise OfficerNotFound(f"执法证号 {cert} 未登记", detail_en=f"Certificate {cert} is not registered")
    department = await registry_repo.get_department(session, officer.dept_code)
    status = to_officer(officer).status_on(clock.today())
    return views.public_officer_read(officer, department, q.public_status(status.value, officer.retraining))
