"""Routes of officers' qualifications (issue #14 item 5): the training ledger and its import, the yearly
summary, exams and quizzes, the 轮训 suspension, daily
appraisals, and the public certificate lookup. Thin: validate, call one use case, return its response model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from services.common import clock
from services.inspection import schemas as s
from services.inspection.deps import (
    AppraisalWriteDep,
    ContextDep,
    ExamWriteDep,
    OfficerDep,
    OfficerYearDep,
    QualificationWriterDep,
    RetrainingDep,
    SessionDep,
    StaffDep,
    TrainingWriteDep,
)
from services.inspection.schemas import qualifications as qs
from services.inspection.use_cases.registries import qualifications

router = APIRouter(tags=["inspection: qualifications"])
public_router = APIRouter(tags=["inspection: public"])

CertNoPath = Annotated[str, Path(min_length=1, max_length=20, examples=["辽A-0012340"])]

JSON_ROWS: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}},
    }
}
XLSX_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {qualifications.XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get("/officers/{officer_id}/trainings", response_model=list[qs.TrainingRead])
async def list_trainings(
    session: SessionDep, principal: StaffDep, officer: OfficerDep
) -> list[qs.TrainingRead]:
    """The officer's training ledger (学时), newest first."""
    return await qualifications.list_trainings(session, officer=officer)


@router.post("/officers/{officer_id}/trainings", status_code=201, response_model=qs.TrainingRead)
async def record_training(
    session: SessionDep, principal: QualificationWriterDep, write: TrainingWriteDep
) -> qs.TrainingRead:
    """Record a course the officer attended (head of department, supervisor or admin)."""
    officer, body = write
    return await qualifications.record_training(session, principal=principal, officer=officer, body=body)


@router.get("/officers/{officer_id}/training-summary", response_model=qs.TrainingSummary)
async def training_summary(
    session: SessionDep, principal: StaffDep, ctx: ContextDep, officer_year: OfficerYearDep
) -> qs.TrainingSummary:
    """The year's 学时 against the yearly requirement (辽政办发〔2023〕18号 二(一)2: 60), and the shortfall."""
    officer, query = officer_year
    year = query.get("year") or clock.today().year
    return await qualifications.training_summary(session, ctx=ctx, officer=officer, year=year)


@router.post(
    "/trainings/bulk", response_model=qs.TrainingImportResult, status_code=201, openapi_extra=JSON_ROWS
)
async def import_trainings(
    request: Request, session: SessionDep, principal: QualificationWriterDep
) -> qs.TrainingImportResult:
    """Import training records from a JSON array (at most 500 rows); any bad row rejects them all."""
    records = qualifications.json_records(await request.body())
    return await qualifications.import_trainings(session, principal=principal, records=records)


@router.post(
    "/trainings/bulk.xlsx", response_model=qs.TrainingImportResult, status_code=201, openapi_extra=XLSX_BODY
)
async def import_trainings_xlsx(
    request: Request, session: SessionDep, principal: QualificationWriterDep
) -> qs.TrainingImportResult:
    """Import training records from an xlsx sheet (header row 执法证号, 课程, 学时, 培训日期, 培训机构, 证书编号;
    at most 500 rows); any bad row rejects them all."""
    records = qualifications.xlsx_records(await request.body())
    return await qualifications.import_trainings(session, principal=principal, records=records)


@router.get("/officers/{officer_id}/exams", response_model=list[qs.ExamRead])
async def list_exams(session: SessionDep, principal: StaffDep, officer: OfficerDep) -> list[qs.ExamRead]:
    """The officer's exams and random quizzes (随机抽考), newest first."""
    return await qualifications.list_exams(session, officer=officer)


@router.post("/officers/{officer_id}/exams", status_code=201, response_model=qs.ExamRead)
async def record_exam(
    session: SessionDep, principal: QualificationWriterDep, write: ExamWriteDep
) -> qs.ExamRead:
    """Record an exam or quiz; a passed one dated after a 轮训 suspension returns the officer to duty."""
    officer, body = write
    return await qualifications.record_exam(session, principal=principal, officer=officer, body=body)


@router.post("/officers/{officer_id}/retraining", response_model=s.OfficerRead)
async def suspend_for_retraining(
    session: SessionDep, principal: QualificationWriterDep, write: RetrainingDep
) -> s.OfficerRead:
    """Suspend the certificate for 轮训 (沈法治发〔2021〕7号): no entry until an exam passed after it."""
    officer, body = write
    return await qualifications.suspend_for_retraining(
        session, principal=principal, officer=officer, body=body
    )


@router.get("/officers/{officer_id}/appraisals", response_model=list[qs.AppraisalRead])
async def list_appraisals(
    session: SessionDep, principal: StaffDep, officer: OfficerDep
) -> list[qs.AppraisalRead]:
    """The officer's daily appraisals (日常考核), newest first."""
    return await qualifications.list_appraisals(session, officer=officer)


@router.post("/officers/{officer_id}/appraisals", status_code=201, response_model=qs.AppraisalRead)
async def record_appraisal(
    session: SessionDep, principal: QualificationWriterDep, write: AppraisalWriteDep
) -> qs.AppraisalRead:
    """Record a daily appraisal: 优秀, 合格, 基本合格 or 不合格 (辽政办发〔2023〕18号 二(一)4)."""
    officer, body = write
    return await qualifications.record_appraisal(session, principal=principal, officer=officer, body=body)


@public_router.get("/officers/{cert_no}", response_model=qs.PublicOfficerRead)
async def public_certificate(session: SessionDep, cert_no: CertNoPath) -> qs.PublicOfficerRead:
    """Check an enforcement certificate (执法证): holder (masked), department, status today, valid until."""
    return await qualifications.public_certificate(session, cert_no=cert_no)
