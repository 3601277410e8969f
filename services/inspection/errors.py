"""Every typed error of the inspection service, in one place (stable codes: docs/errors.md).

The domain raises them (``domain`` imports this module and nothing else of the service besides itself), the
use cases raise the rest; one handler of the kernel renders each as an RFC 9457 problem. Refusals of entry
(``EntryRefused``) are recorded and published before they are raised (use_cases/entry.py).
"""

from __future__ import annotations

from typing import ClassVar

from services.common.errors import Conflict, DomainError, Forbidden, NotFound, Unavailable, Unprocessable

# ---------------------------------------------------------------------------------------------------------
# Refusals of entry (SPEC §2.3; domain/entry_rules.py decides them) and the task lifecycle


class EntryRefused(DomainError):
    """Base of every refusal of entry; the service records and publishes each one.

    ``counts_against_unit``: whether the refusal is a sign of how the officers inspect (乱检查) and counts in
    the inspecting unit's risk figures. It is False for the refusals that are the caller's own doing — a code
    that does not verify, a used code presented again by the enterprise that used it — which anyone holding
    a phone can repeat at will (docs/risk-model.md §2, "Refused entries").
    """

    code = "ENTRY_REFUSED"
    status = 403
    title = "不得入企检查"
    title_en = "Entry refused"
    counts_against_unit: ClassVar[bool] = True


class TaskNotApproved(EntryRefused):
    code = "TASK_NOT_APPROVED"
    title = "检查任务未经批准或不在有效期内"
    title_en = "The inspection task is not approved or not active"


class EnterpriseNotInTask(EntryRefused):
    code = "ENTERPRISE_NOT_IN_TASK"
    title = "该企业不在本检查任务范围内"
    title_en = "The enterprise is not part of this task"


class NotCertified(EntryRefused):
    code = "NOT_CERTIFIED"
    title = "未取得行政执法证件，不得从事行政检查"
    title_en = "Not a certified enforcement officer"


class CertSuspended(EntryRefused):
    code = "CERT_SUSPENDED"
    title = "执法证已暂扣"
    title_en = "Certificate suspended"


class CertRevoked(EntryRefused):
    code = "CERT_REVOKED"
    title = "执法证已收缴"
    title_en = "Certificate revoked"


class CertExpired(EntryRefused):
    code = "CERT_EXPIRED"
    title = "执法证已过期"
    title_en = "Certificate expired"


class OfficerOutOfAuthority(EntryRefused):
    code = "OFFICER_OUT_OF_AUTHORITY"
    title = "执法人员不属于本任务的执法部门"
    title_en = "The officer's department does not take part in this task"


class TooFewOfficers(EntryRefused):
    code = "TOO_FEW_OFFICERS"
    title = "在场持证执法人员少于两人"
    title_en = "Fewer than two certified officers"


class NoItems(EntryRefused):
    code = "NO_ITEMS"
    status = 422
    title = "未列明检查事项"
    title_en = "No inspection items given"


class ItemNotInCatalogue(EntryRefused):
    code = "ITEM_NOT_IN_CATALOGUE"
    title = "检查事项不在行政检查事项清单中"
    title_en = "Item not in the inspection item catalogue"


class ItemNotOnSite(EntryRefused):
    code = "ITEM_NOT_ON_SITE"
    title = "该检查事项不实施入企现场检查"
    title_en = "The item is inspected off-site only"


class ItemNotInTask(EntryRefused):
    code = "ITEM_NOT_IN_TASK"
    title = "检查事项不在本检查任务范围内"
    title_en = "The item is not part of this task"


class ItemOutOfAuthority(EntryRefused):
    code = "ITEM_OUT_OF_AUTHORITY"
    title = "检查事项超出在场执法人员的职权"
    title_en = "The item is outside the present officers' authority"


class QuietPeriod(EntryRefused):
    code = "QUIET_PERIOD"
    title = "企业处于无事不扰期"
    title_en = "The enterprise is in a no-disturbance period"


class FrequencyCapReached(EntryRefused):
    code = "FREQUENCY_CAP_REACHED"
    title = "企业年度检查次数已达上限"
    title_en = "The enterprise's yearly inspection cap is reached"


class InvalidTask(Unprocessable):
    code = "INVALID_TASK"
    title = "检查任务信息不符合要求"
    title_en = "Invalid inspection task"


class ApprovalNotAllowed(Forbidden):
    code = "APPROVAL_NOT_ALLOWED"
    title = "无权审批该检查任务"
    title_en = "Not allowed to approve this task"


class TaskStateConflict(Conflict):
    code = "TASK_STATE_CONFLICT"
    title = "检查任务当前状态不允许此操作"
    title_en = "The task's state does not allow this"


# ---------------------------------------------------------------------------------------------------------
# Entry codes (检查码) and enterprise codes (企业码): domain/entry_code.py


class CodeInvalid(EntryRefused):
    code = "CODE_INVALID"
    title = "检查码无效"
    title_en = "Invalid entry code"
    counts_against_unit = False  # unreadable, forged or foreign: nothing says which officers, if any


class CodeExpired(EntryRefused):
    code = "CODE_EXPIRED"
    title = "检查码已过期"
    title_en = "Entry code expired"


class CodeUsed(EntryRefused):
    code = "CODE_USED"
    status = 409
    title = "检查码已使用"
    title_en = "Entry code already used"
    # Checked after the enterprise (step 6 after 7): only the enterprise the code names, which used it, can
    # get this; presenting it again is its own doing.
    counts_against_unit = False


class CodeWrongEnterprise(EntryRefused):
    code = "CODE_WRONG_ENTERPRISE"
    title = "检查码不是为本企业签发的"
    title_en = "Entry code issued for another enterprise"


class EnterpriseCodeInvalid(EntryRefused):
    code = "ENTERPRISE_CODE_INVALID"
    title = "企业码无效"
    title_en = "Invalid enterprise code"
    counts_against_unit = False  # a misread or forged QR code says nothing about the inspection


class EnterpriseCodeRevoked(EntryRefused):
    code = "ENTERPRISE_CODE_REVOKED"
    title = "企业码已作废"
    title_en = "Enterprise code superseded"
    counts_against_unit = False  # the enterprise still shows a code it has replaced


class InvalidEntryPayload(Unprocessable):
    code = "INVALID_ENTRY_PAYLOAD"
    title = "检查码内容不完整"
    title_en = "Invalid entry code content"


# ---------------------------------------------------------------------------------------------------------
# Visits: domain/visits.py


class VisitReasonRequired(Unprocessable):
    code = "VISIT_REASON_REQUIRED"
    title = "紧急检查或补录须说明理由"
    title_en = "Emergency and back-filled visits need a reason"


class VisitTimeInvalid(Unprocessable):
    code = "VISIT_TIME_INVALID"
    title = "检查时间不正确"
    title_en = "Invalid visit time"


class BackfillWindowPassed(EntryRefused):
    code = "BACKFILL_WINDOW_PASSED"
    title = "已超过补录期限"
    title_en = "The back-fill window has passed"


class EmergencyScanLate(EntryRefused):
    code = "EMERGENCY_SCAN_LATE"
    title = "紧急检查未在离开前扫码"
    title_en = "Emergency visit scanned too late"


class VisitNotInProgress(Conflict):
    code = "VISIT_NOT_IN_PROGRESS"
    title = "检查已结束，不能再记录"
    title_en = "The visit is not in progress"


class ItemNotInVisit(Unprocessable):
    code = "ITEM_NOT_IN_VISIT"
    title = "该事项不在本次检查范围内"
    title_en = "The item is not part of this visit"


class OfficerNotInVisit(Forbidden):
    code = "OFFICER_NOT_IN_VISIT"
    title = "非本次检查的执法人员"
    title_en = "Not an officer of this visit"


class InvalidOutcome(Unprocessable):
    code = "INVALID_OUTCOME"
    title = "检查结果记录不完整"
    title_en = "Incomplete item outcome"


class OutcomesMissing(Conflict):
    code = "OUTCOMES_MISSING"
    title = "尚有检查事项未记录结果"
    title_en = "Some items have no outcome"


class VisitNotCompleted(Conflict):
    code = "VISIT_NOT_COMPLETED"
    title = "检查尚未结束，暂不能评价"
    title_en = "The visit is not completed"


class RatingWindowClosed(Conflict):
    code = "RATING_WINDOW_CLOSED"
    title = "已超过评价期限"
    title_en = "The rating window has closed"


class AlreadyRated(Conflict):
    code = "ALREADY_RATED"
    title = "该次检查已评价"
    title_en = "The visit is already rated"


class InvalidRating(Unprocessable):
    code = "INVALID_RATING"
    title = "评价内容不符合要求"
    title_en = "Invalid rating"


# ---------------------------------------------------------------------------------------------------------
# Registries: identifiers, certificates and the item catalogue (domain/registry.py)


class InvalidUscc(Unprocessable):
    code = "INVALID_USCC"
    title = "统一社会信用代码无效"
    title_en = "Invalid unified social credit code"


class InvalidIdNumber(Unprocessable):
    code = "INVALID_ID_NUMBER"
    title = "居民身份证号码无效"
    title_en = "Invalid resident identity card number"


class InvalidCertNumber(Unprocessable):
    code = "INVALID_CERT_NO"
    title = "执法证号格式无效"
    title_en = "Invalid enforcement certificate number"


class StatusReasonRequired(Unprocessable):
    code = "STATUS_REASON_REQUIRED"
    title = "变更执法证状态须说明理由"
    title_en = "A reason is required for this certificate status change"


class ReturnDateRequired(Unprocessable):
    code = "RETURN_DATE_REQUIRED"
    title = "离岗轮训须填写返岗日期"
    title_en = "Retraining requires a return date"


class ValidUntilRequired(Unprocessable):
    code = "VALID_UNTIL_REQUIRED"
    title = "换发执法证须填写新的有效期"
    title_en = "A renewed certificate needs a new valid-until date"


class InvalidStatusTransition(Conflict):
    code = "INVALID_STATUS_TRANSITION"
    title = "执法证状态不允许此变更"
    title_en = "This certificate status change is not allowed"


class InvalidInspectionItem(Unprocessable):
    code = "INVALID_INSPECTION_ITEM"
    title = "检查事项信息不完整或格式错误"
    title_en = "Invalid inspection item"


class ItemVersionConflict(Conflict):
    code = "ITEM_VERSION_CONFLICT"
    title = "检查事项版本冲突"
    title_en = "Inspection item version conflict"


# ---------------------------------------------------------------------------------------------------------
# The 双随机 draw: domain/sampling.py


class UnknownAlgorithm(Unprocessable):
    code = "UNKNOWN_DRAW_ALGORITHM"
    title = "抽取算法版本不受支持"
    title_en = "Unsupported draw algorithm"


class InvalidDrawInput(Unprocessable):
    code = "INVALID_DRAW_INPUT"
    title = "抽取参数无效"
    title_en = "Invalid draw input"


class TooFewOfficersForDraw(Conflict):
    code = "DRAW_TOO_FEW_OFFICERS"
    title = "可抽取的持证执法人员不足"
    title_en = "Not enough certified officers to draw from"


class DrawSeedNotAccepted(Unprocessable):
    code = "DRAW_SEED_NOT_ACCEPTED"
    title = "不接受调用方指定的抽取种子"
    title_en = "A caller-chosen draw seed is not accepted"


class DrawPublicValueRequired(Unprocessable):
    code = "DRAW_PUBLIC_VALUE_REQUIRED"
    title = "抽取须录入约定公开来源的值"
    title_en = "The draw needs the value of the agreed public source"


class DrawStateConflict(Conflict):
    code = "DRAW_STATE_CONFLICT"
    title = "抽取当前状态不允许此操作"
    title_en = "The draw's state does not allow this"


class DrawNotDue(Conflict):
    code = "DRAW_NOT_DUE"
    title = "尚未到公布的抽取时间"
    title_en = "The published draw time has not come"


class DrawNotDone(Conflict):
    code = "DRAW_NOT_DONE"
    title = "双随机抽查任务尚未抽取"
    title_en = "The random task has not been drawn"


# ---------------------------------------------------------------------------------------------------------
# Objects that do not exist (or are not the caller's to see), duplicates, and the use cases' own rules


class TaskNotFound(NotFound):
    code = "TASK_NOT_FOUND"
    title = "检查任务不存在"
    title_en = "Task not found"


class VisitNotFound(NotFound):
    code = "VISIT_NOT_FOUND"
    title = "检查记录不存在"
    title_en = "Visit not found"


class OfficerNotFound(NotFound):
    code = "OFFICER_NOT_FOUND"
    title = "执法人员不存在"
    title_en = "Officer not found"


class EnterpriseNotFound(NotFound):
    code = "ENTERPRISE_NOT_FOUND"
    title = "企业不存在"
    title_en = "Enterprise not found"


class ItemNotFound(NotFound):
    code = "ITEM_NOT_FOUND"
    title = "检查事项不存在"
    title_en = "Inspection item not found"


class DepartmentNotFound(NotFound):
    code = "DEPARTMENT_NOT_FOUND"
    title = "部门不存在"
    title_en = "Department not found"


class QuietWindowNotFound(NotFound):
    code = "QUIET_WINDOW_NOT_FOUND"
    title = "无事不扰期不存在"
    title_en = "Quiet window not found"


class AlreadyExists(Conflict):
    code = "ALREADY_EXISTS"
    title = "记录已存在"
    title_en = "Already exists"


class DepartmentExists(AlreadyExists):
    code = "DEPARTMENT_EXISTS"
    title = "部门代码已存在"
    title_en = "Department code already exists"


class EnforcementBodyExists(AlreadyExists):
    code = "ENFORCEMENT_BODY_EXISTS"
    title = "执法主体编码已存在"
    title_en = "Enforcement body code already exists"


class ItemExists(AlreadyExists):
    code = "ITEM_EXISTS"
    title = "检查事项已存在"
    title_en = "Inspection item already exists"


class OfficerExists(AlreadyExists):
    code = "OFFICER_EXISTS"
    title = "执法人员已登记"
    title_en = "Officer already registered"


class EnterpriseExists(AlreadyExists):
    code = "ENTERPRISE_EXISTS"
    title = "企业已登记"
    title_en = "Enterprise already registered"


class EnterpriseNotClassified(NotFound):
    code = "ENTERPRISE_NOT_CLASSIFIED"
    title = "企业尚无风险分类"
    title_en = "Enterprise not classified yet"


class InvalidOfficer(Unprocessable):
    code = "INVALID_OFFICER"
    title = "执法人员信息不符合要求"
    title_en = "Invalid officer"


class InvalidQuietWindow(Unprocessable):
    code = "INVALID_QUIET_WINDOW"
    title = "无事不扰期设置无效"
    title_en = "Invalid quiet window"


class RefusalNotRecorded(Unavailable):
    code = "REFUSAL_NOT_RECORDED"
    title = "拒绝入企记录暂无法保存"
    title_en = "The refusal could not be recorded"


class ImportInvalid(Unprocessable):
    code = "IMPORT_INVALID"
    title = "导入数据有误，未导入任何记录"
    title_en = "Import rejected; nothing was imported"


class NotYourDepartment(Forbidden):
    code = "NOT_YOUR_DEPARTMENT"
    title = "只能办理本部门的检查任务"
    title_en = "Only your department's tasks"


class ResultsNotPublished(NotFound):
    code = "RESULTS_NOT_PUBLISHED"
    title = "检查结果尚未公开"
    title_en = "Results not published yet"


# ---------------------------------------------------------------------------------------------------------
# Every refusal of entry, for the supervisors' counts by code

REFUSAL_CLASSES: tuple[type[EntryRefused], ...] = (
    TaskNotApproved,
    EnterpriseNotInTask,
    NotCertified,
    CertSuspended,
    CertRevoked,
    CertExpired,
    OfficerOutOfAuthority,
    TooFewOfficers,
    NoItems,
    ItemNotInCatalogue,
    ItemNotOnSite,
    ItemNotInTask,
    ItemOutOfAuthority,
    QuietPeriod,
    FrequencyCapReached,
    CodeInvalid,
    CodeExpired,
    CodeUsed,
    CodeWrongEnterprise,
    EnterpriseCodeInvalid,
    EnterpriseCodeRevoked,
    BackfillWindowPassed,
    EmergencyScanLate,
)
REFUSAL_TITLES: dict[str, str] = {cls.code: cls.title for cls in REFUSAL_CLASSES}


# ---------------------------------------------------------------------------------------------------------
# Officers' qualifications (issue #14 item 5; domain/qualifications.py)


class OfficerInRetraining(EntryRefused):
    """沈法治发〔2021〕7号 12: 暂扣行政执法证件，进行短期轮训，合格后返还执法证件."""

    code = "OFFICER_IN_RETRAINING"
    title = "执法人员离岗轮训中，暂停执法"
    title_en = "The officer is suspended for retraining"


class TrainingHoursShort(EntryRefused):
    """辽政办发〔2023〕18号 二(一)2: 每人每年接受不少于60学时培训 (enforced from a configured date)."""

    code = "TRAINING_HOURS_SHORT"
    title = "执法人员年度培训学时不足"
    title_en = "The officer's yearly training hours are short"


class DeptHeadRequired(Forbidden):
    code = "DEPT_HEAD_REQUIRED"
    title = "须由部门负责人或执法监督人员办理"
    title_en = "A head of department or a supervisor only"


class QualificationInvalid(Unprocessable):
    code = "QUALIFICATION_INVALID"
    title = "培训、考试或考核记录不符合要求"
    title_en = "The training, exam or appraisal record is invalid"


class RetrainingExamRequired(Conflict):
    code = "RETRAINING_EXAM_REQUIRED"
    title = "离岗轮训人员须考试合格后方可恢复执法"
    title_en = "An officer suspended for retraining returns only after a passed exam"


REFUSAL_CLASSES = (*REFUSAL_CLASSES, OfficerInRetraining, TrainingHoursShort)
REFUSAL_TITLES = {cls.code: cls.title for cls in REFUSAL_CLASSES}


# ---------------------------------------------------------------------------------------------------------
# 责令改正 follow-up (issue #14 item 6; domain/follow_ups.py)


class FollowUpNotFound(NotFound):
    code = "FOLLOW_UP_NOT_FOUND"
    title = "责令改正复查事项不存在"
    title_en = "Follow-up not found"


class FollowUpConflict(Conflict):
    code = "FOLLOW_UP_CONFLICT"
    title = "复查结果不能登记"
    title_en = "The follow-up result cannot be recorded"


# ---------------------------------------------------------------------------------------------------------
# Inspection documents (issue #15 item 5; use_cases/documents.py)


class NoCorrectionOrdered(Conflict):
    code = "NO_CORRECTION_ORDERED"
    title = "本次检查未责令改正，无责令改正通知书"
    title_en = "The visit ordered nothing corrected: there is no correction order"
