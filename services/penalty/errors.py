"""Every typed error of the penalty service outside its pure rules (the rules' own errors live with them in
``domain/``). Codes, statuses and titles are part of the HTTP contract (docs/errors.md): never change them.

The constructors that name an object (``CaseNotFound.of(case_id)``) keep the Chinese and English details of
one kind of error identical wherever it is raised.
"""

from __future__ import annotations

import uuid

from services.common.errors import BadRequest, Conflict, DomainError, Forbidden, NotFound, Unprocessable


class CaseNotFound(NotFound):
    code = "CASE_NOT_FOUND"
    title = "案件不存在"
    title_en = "Case not found"

    @classmethod
    def of(cls, case_id: uuid.UUID) -> CaseNotFound:
        return cls(f"案件 {case_id} 不存在", detail_en=f"Case {case_id} does not exist")


class LeadNotFound(NotFound):
    code = "LEAD_NOT_FOUND"
    title = "案件线索不存在"
    title_en = "Lead not found"

    @classmethod
    def of(cls, lead_id: uuid.UUID) -> LeadNotFound:
        return cls(f"线索 {lead_id} 不存在", detail_en=f"Lead {lead_id} does not exist")


class DocumentNotFound(NotFound):
    code = "DOCUMENT_NOT_FOUND"
    title = "文书不存在"
    title_en = "Document not found"

    @classmethod
    def of(cls, document_id: uuid.UUID) -> DocumentNotFound:
        return cls(f"文书 {document_id} 不存在", detail_en=f"Document {document_id} does not exist")


class BenchmarkVersionNotFound(NotFound):
    code = "BENCHMARK_VERSION_NOT_FOUND"
    title = "裁量基准版本不存在"
    title_en = "Benchmark version not found"


class BenchmarkCodeRequired(BadRequest):
    """No benchmark named by the request nor recorded on the case (the title is the generic 400's)."""

    code = "BENCHMARK_CODE_REQUIRED"


class BenchmarkImmutable(Conflict):
    code = "BENCHMARK_VERSION_IMMUTABLE"
    title = "已审核或已公布的裁量基准版本不得修改"
    title_en = "An approved or published benchmark version cannot be changed"


class BenchmarkStatusInvalid(Conflict):
    code = "BENCHMARK_STATUS_INVALID"
    title = "裁量基准版本的状态不允许该操作"
    title_en = "The benchmark version's status does not allow this"


class BenchmarkSelfApproval(Conflict):
    code = "BENCHMARK_SELF_APPROVAL"
    title = "起草人不得审核自己起草的裁量基准"
    title_en = "The drafter cannot approve their own draft"


class BenchmarkOtherDepartment(Conflict):
    code = "BENCHMARK_OTHER_DEPARTMENT"
    title = "裁量基准不属于本部门"
    title_en = "The benchmark belongs to another department"


class DepartmentNotConfigured(Conflict):
    code = "DEPARTMENT_NOT_CONFIGURED"
    title = "部门信息未配置"
    title_en = "The department is not configured"


class LeadAlreadyHandled(Conflict):
    code = "LEAD_ALREADY_HANDLED"
    title = "该线索已处理"
    title_en = "The lead has already been handled"


class CreditNoticePending(Conflict):
    code = "CREDIT_NOTICE_PENDING"
    title = "信用修复提示书尚未生成"
    title_en = "The credit repair notice has not arrived yet"


class CertSuspended(Forbidden):
    code = "CERT_SUSPENDED"
    title = "执法证已暂扣"
    title_en = "Enforcement certificate suspended"


class CertRevoked(Forbidden):
    code = "CERT_REVOKED"
    title = "执法证已收缴"
    title_en = "Enforcement certificate revoked"


class CertExpired(Forbidden):
    code = "CERT_EXPIRED"
    title = "执法证已过期"
    title_en = "Enforcement certificate expired"


class NotCertified(Forbidden):
    code = "NOT_CERTIFIED"
    title = "未取得行政执法证件"
    title_en = "Not a certified enforcement officer"


class OfficerRequired(Forbidden):
    code = "OFFICER_CERT_REQUIRED"
    title = "须由持证执法人员办理"
    title_en = "A certified officer must act"


# -- the case import (use_cases/imports.py) ----------------------------------------------------------------


class ImportFileInvalid(Unprocessable):
    code = "IMPORT_FILE_INVALID"
    title = "导入文件无法读取"
    title_en = "The import file cannot be read"


class ImportTooLarge(DomainError):
    code = "IMPORT_TOO_LARGE"
    status = 413
    title = "导入的案件过多"
    title_en = "Too many cases in one import"


class ImportRowInvalid(BadRequest):
    code = "IMPORT_ROW_INVALID"
    title = "导入行的内容不符合要求"
    title_en = "An import row is malformed"


class ImportCaseChanged(Conflict):
    code = "IMPORT_CASE_CHANGED"
    title = "该案件已导入，内容与此前不同"
    title_en = "The case was imported before with other content"


class ImportNumberTaken(Conflict):
    code = "IMPORT_NUMBER_TAKEN"
    title = "案件编号或决定书文号已被其他案件使用"
    title_en = "The case number or decision number belongs to another case"


class DisclosureNotOpen(Conflict):
    """行政执法公示: no publication record the exception could apply to (no decision yet, or it was withdrawn)."""

    code = "DISCLOSURE_NOT_OPEN"
    title = "没有可以不予公开的决定信息"
    title_en = "No decision publication open for an exception"


class PublicDecisionNotFound(NotFound):
    code = "PUBLIC_DECISION_NOT_FOUND"
    title = "公开的处罚决定信息不存在"
    title_en = "Published decision not found"


class EconomicImpactAssessmentMissing(Conflict):
    """Seed 000 (《沈阳市涉企行政执法案件经济影响评估实施办法》), seed 004: a flagged enterprise case is decided
    only after its economic impact assessment is recorded (a procedure refusal, 409 like the others)."""

    code = "ECONOMIC_IMPACT_ASSESSMENT_MISSING"
    title = "未开展涉企行政执法案件经济影响评估"
    title_en = "The economic impact assessment of the enterprise case is missing"


class CaseUnderSupervision(Conflict):
    """Issue #14: the justice bureau's supervision matter on the case must be closed first."""

    code = "CASE_UNDER_SUPERVISION"
    title = "案件有未办结的监督事项，不能结案"
    title_en = "The case has an open supervision matter and cannot be closed"
