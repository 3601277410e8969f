"""Every typed error of the credit_repair service, in one place (codes are stable: docs/errors.md).

Errors that a domain rule raises live here too: ``domain`` imports this module and nothing else of the
service. Each error carries a Chinese detail (the users' language) and an English one with the same
specifics (ids, dates, amounts) for ``Accept-Language: en``.
"""

from __future__ import annotations

import uuid

from services.common.errors import BadRequest, Conflict, Forbidden, NotFound

# --- objects that are not there (or not the caller's: a foreign object looks absent) ---------------


class RecordNotFound(NotFound):
    code = "CREDIT_RECORD_NOT_FOUND"
    title = "信用记录不存在"
    title_en = "No such credit record"

    @classmethod
    def of(cls, record_id: uuid.UUID) -> RecordNotFound:
        return cls(f"信用记录 {record_id} 不存在", detail_en=f"There is no credit record {record_id}")


class NoticeNotFound(NotFound):
    code = "CREDIT_NOTICE_NOT_FOUND"
    title = "信用修复提示书不存在"
    title_en = "No such credit repair notice"

    @classmethod
    def of(cls, notice_id: uuid.UUID) -> NoticeNotFound:
        return cls(
            f"信用修复提示书 {notice_id} 不存在", detail_en=f"There is no credit repair notice {notice_id}"
        )


class RepairNotFound(NotFound):
    code = "REPAIR_NOT_FOUND"
    title = "信用修复申请不存在"
    title_en = "No such repair application"

    @classmethod
    def of(cls, application_id: uuid.UUID) -> RepairNotFound:
        return cls(
            f"信用修复申请 {application_id} 不存在",
            detail_en=f"There is no repair application {application_id}",
        )


class RuleSetNotFound(NotFound):
    code = "CREDIT_RULESET_NOT_FOUND"
    title = "信用修复规则集不存在"
    title_en = "No such credit-repair rule set"

    @classmethod
    def of(cls, rule_set_id: str) -> RuleSetNotFound:
        return cls(
            f"信用修复规则集 {rule_set_id} 不存在",
            detail_en=f"There is no credit-repair rule set {rule_set_id}",
        )


class CleanupNotFound(NotFound):
    code = "CLEANUP_NOT_FOUND"
    title = "清理任务不存在"
    title_en = "No such clean-up run"

    @classmethod
    def of(cls, run_id: uuid.UUID) -> CleanupNotFound:
        return cls(f"清理任务 {run_id} 不存在", detail_en=f"There is no clean-up run {run_id}")


# --- rule sets ------------------------------------------------------------------------------------


class RuleSetExists(Conflict):
    code = "CREDIT_RULESET_EXISTS"
    title = "信用修复规则集编号已存在"
    title_en = "A rule set with this id exists"


class RuleSetInvalid(BadRequest):
    code = "CREDIT_RULESET_INVALID"
    title = "信用修复规则集配置无效"
    title_en = "The credit-repair rule set is invalid"


class RuleSetOverlap(Conflict):
    code = "CREDIT_RULESET_OVERLAP"
    title = "信用修复规则集的生效期间重叠"
    title_en = "Credit-repair rule sets have overlapping effective periods"


class RuleSetNotInForce(Conflict):
    code = "CREDIT_RULESET_NOT_IN_FORCE"
    title = "该日期没有生效的信用修复规则集"
    title_en = "No credit-repair rule set is in force on that date"


class UnknownPenaltyKind(BadRequest):
    code = "CREDIT_PENALTY_KIND_UNKNOWN"
    title = "无法识别的行政处罚种类"
    title_en = "Unknown kind of administrative penalty"


# --- decisions and notices ------------------------------------------------------------------------


class DecisionInvalid(BadRequest):
    code = "CREDIT_DECISION_INVALID"
    title = "处罚决定信息不完整或自相矛盾"
    title_en = "The penalty decision is incomplete or inconsistent"


class NoticeNumberInvalid(BadRequest):
    code = "CREDIT_NOTICE_NUMBER_INVALID"
    title = "信用修复提示书编号无效"
    title_en = "Invalid credit repair notice number"


# --- repair applications: eligibility -------------------------------------------------------------


class RepairRefused(Conflict):
    code = "REPAIR_REFUSED"
    title = "不符合信用修复条件"
    title_en = "Not eligible for credit repair"


class RepairNotPublished(RepairRefused):
    code = "REPAIR_NOT_PUBLISHED"
    title = "该处罚信息未在公示中，无需信用修复"
    title_en = "The record is not published; there is nothing to repair"


class RepairDuplicate(RepairRefused):
    code = "REPAIR_DUPLICATE"
    title = "该处罚信息已有正在办理的信用修复申请"
    title_en = "An open repair application already exists for this record"


class RepairNeverEarly(RepairRefused):
    code = "REPAIR_NEVER_EARLY"
    title = "该处罚信息不得提前停止公示"
    title_en = "This record can never end publication early"


class RepairTooEarly(RepairRefused):
    code = "REPAIR_TOO_EARLY"
    title = "最短公示期尚未届满"
    title_en = "The minimum publication period has not been served"


class RepairFineUnpaid(RepairRefused):
    code = "REPAIR_FINE_UNPAID"
    title = "罚款尚未缴清"
    title_en = "The fine has not been paid in full"


class RepairNotCorrected(RepairRefused):
    code = "REPAIR_NOT_CORRECTED"
    title = "失信行为尚未纠正"
    title_en = "The violation has not been corrected"


class RepairNewViolation(RepairRefused):
    code = "REPAIR_NEW_VIOLATION"
    title = "此后又因同一类违法行为受到行政处罚"
    title_en = "Penalised again for the same kind of violation since"


class RepairRepeatBarred(RepairRefused):
    code = "REPAIR_REPEAT_BARRED"
    title = "屡次违法，按规定暂不得申请信用修复"
    title_en = "Repeat violations bar repair for now"


class RepairCommitmentMissing(BadRequest):
    code = "REPAIR_COMMITMENT_MISSING"
    title = "未提交信用承诺书"
    title_en = "The credit commitment (信用承诺书) is missing"


class RepairApplicationMismatch(BadRequest):
    code = "REPAIR_APPLICATION_MISMATCH"
    title = "修复申请与处罚信息不对应"
    title_en = "The application does not belong to this record"


# --- repair applications: the review --------------------------------------------------------------


class ReviewReasonRequired(BadRequest):
    code = "REPAIR_REJECTION_REASON_REQUIRED"
    title = "不予修复应当说明理由"
    title_en = "A rejection must state its reasons"


class ReviewDateInvalid(BadRequest):
    code = "REPAIR_REVIEW_DATE_INVALID"
    title = "审核日期早于申请日期"
    title_en = "The review date is before the application date"


class RepairAlreadyDecided(Conflict):
    code = "REPAIR_ALREADY_DECIDED"
    title = "该信用修复申请已办结"
    title_en = "The application has been decided"


class RepairReviewerForbidden(Forbidden):
    code = "REPAIR_REVIEWER_FORBIDDEN"
    title = "只有作出处罚决定的部门可以审核信用修复申请"
    title_en = "Only the deciding department reviews a repair application"


class RepairAlreadyAccepted(Conflict):
    code = "REPAIR_ALREADY_ACCEPTED"
    title = "该信用修复申请已受理"
    title_en = "The application has already been accepted for review"


# --- clean-up runs --------------------------------------------------------------------------------


class CleanupNotResumable(Conflict):
    code = "CLEANUP_NOT_RESUMABLE"
    title = "只有失败的清理任务可以继续执行"
    title_en = "Only a failed clean-up run can be resumed"


class CleanupDryRunOnly(Forbidden):
    code = "CLEANUP_DRY_RUN_ONLY"
    title = "监督人员只能预演清理，正式清理须由管理员执行"
    title_en = "Supervisors may only dry-run a clean-up"
