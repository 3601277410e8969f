"""Every typed error of the risk service, in one place (stable codes: docs/errors.md).

The pure rules in ``domain/`` raise these too (a rectification's state, a malformed quarter); a raise site
gives the Chinese detail with its specifics and the same specifics in English (``detail_en``), so a caller
with ``Accept-Language: en`` reads the whole fact in English.
"""

from __future__ import annotations

from services.common import scopes
from services.common.errors import BadRequest, Conflict, Forbidden, NotFound, TooManyRequests, Unprocessable

# --------------------------------------------------------------------------------------------------- access


class CityScopeRequired(Forbidden):
    code = "RISK_CITY_SCOPE_REQUIRED"
    title = "须由市级监督人员或管理员操作"
    title_en = "Only a city-wide supervisor or an administrator may do this"


class UnitNotFound(NotFound):
    code = "RISK_UNIT_NOT_FOUND"
    title = "执法单位不存在"
    title_en = "No such enforcement unit"

    @classmethod
    def of(cls, unit_code: str) -> UnitNotFound:
        return cls(f"执法单位{unit_code}不存在", detail_en=f"There is no enforcement unit {unit_code}")


# --------------------------------------------------------------------------------------------------- intake


class IntakeInvalid(Unprocessable):
    code = "INTAKE_INVALID"
    title = "数据内容无效"
    title_en = "Invalid record"


class IntakeConflict(Conflict):
    code = "INTAKE_EXTERNAL_ID_CONFLICT"
    title = "外部编号已用于内容不同的记录"
    title_en = "The external id was already used with a different record"


class IntakeClientNotAllowed(scopes.ClientScopeForbidden):
    code = "INTAKE_CLIENT_NOT_ALLOWED"
    title = "该接入方无权报送此类数据"
    title_en = "This client may not send records of this kind"


class UploadNotFound(NotFound):
    code = "INTAKE_UPLOAD_NOT_FOUND"
    title = "批量上传不存在"
    title_en = "No such bulk upload"

    @classmethod
    def of(cls, upload_id: object) -> UploadNotFound:
        return cls(f"批量上传{upload_id}不存在", detail_en=f"There is no bulk upload {upload_id}")


class UploadNotFinished(Conflict):
    code = "INTAKE_UPLOAD_NOT_FINISHED"
    title = "批量上传尚未处理完毕"
    title_en = "The bulk upload is still being processed"


# --------------------------------------------------------------------------------------------------- reports


class QuarterInvalid(BadRequest):
    code = "RISK_QUARTER_INVALID"
    title = "季度格式无效"
    title_en = "Invalid quarter"


class QuarterInFuture(Unprocessable):
    code = "RISK_QUARTER_IN_FUTURE"
    title = "季度尚未开始"
    title_en = "The quarter has not started yet"


class QuarterNotClosed(Conflict):
    code = "RISK_QUARTER_NOT_CLOSED"
    title = "季度尚未结束，不能发布报告"
    title_en = "The quarter has not ended; its report cannot be published"


class FiguresInvalid(Unprocessable):
    code = "RISK_FIGURES_INVALID"
    title = "统计数据无效"
    title_en = "Invalid figures"


class RiskConfigInvalid(Unprocessable):
    code = "RISK_CONFIG_INVALID"
    title = "风险预警配置无效"
    title_en = "Invalid risk configuration"


class RiskConfigNotInEffect(Unprocessable):
    code = "RISK_CONFIG_NOT_IN_EFFECT"
    title = "该日期没有生效的风险预警配置"
    title_en = "No risk configuration is in effect on that date"


# --------------------------------------------------------------------------------------------------- rectifications


class RectificationNotFound(NotFound):
    code = "RECTIFICATION_NOT_FOUND"
    title = "整改事项不存在"
    title_en = "No such rectification"

    @classmethod
    def of(cls, warning_id: object) -> RectificationNotFound:
        return cls(f"整改事项{warning_id}不存在", detail_en=f"There is no rectification {warning_id}")


class RectificationUnitOnly(Forbidden):
    code = "RECTIFICATION_UNIT_ONLY"
    title = "整改措施由被预警单位报送"
    title_en = "Only the warned unit submits rectification measures"


class RectificationSupervisorOnly(Forbidden):
    code = "RECTIFICATION_SUPERVISOR_ONLY"
    title = "须由监督人员操作"
    title_en = "Only a supervisor may do this"


class RectificationError(Conflict):
    code = "RECTIFICATION_INVALID_TRANSITION"
    title = "整改状态不允许该操作"
    title_en = "The rectification's state does not allow this action"


class RectificationAlreadySubmitted(RectificationError):
    code = "RECTIFICATION_ALREADY_SUBMITTED"
    title = "整改措施已报送，待监督机关审核"
    title_en = "The measures were submitted and await the supervisor's review"


class RectificationNotSubmitted(RectificationError):
    code = "RECTIFICATION_NOT_SUBMITTED"
    title = "尚未报送整改措施，不能销号"
    title_en = "No measures were submitted yet; the rectification cannot be closed"


class RectificationClosed(RectificationError):
    code = "RECTIFICATION_CLOSED"
    title = "整改已销号"
    title_en = "The rectification is closed"


class RectificationWithdrawn(RectificationError):
    code = "RECTIFICATION_WITHDRAWN"
    title = "预警已撤回"
    title_en = "The warning was withdrawn"


class RectificationNotRequired(Unprocessable):
    code = "RECTIFICATION_NOT_REQUIRED"
    title = "无需整改"
    title_en = "No rectification is required"


class RectificationColourInvalid(Unprocessable):
    code = "RECTIFICATION_COLOUR_INVALID"
    title = "预警颜色无效"
    title_en = "Invalid warning colour"


class RectificationMeasuresInvalid(Unprocessable):
    code = "RECTIFICATION_MEASURES_INVALID"
    title = "整改措施内容无效"
    title_en = "Invalid rectification measures"


class RectificationReasonRequired(Unprocessable):
    code = "RECTIFICATION_REASON_REQUIRED"
    title = "退回或撤回须说明理由"
    title_en = "Sending back or withdrawing needs a reason"


class RectificationTimeInvalid(Unprocessable):
    code = "RECTIFICATION_TIME_INVALID"
    title = "操作时间无效"
    title_en = "Invalid time of the action"


# --------------------------------------------------------------------------------------------------- leads


class LeadNotFound(NotFound):
    code = "LEAD_NOT_FOUND"
    title = "线索不存在"
    title_en = "No such lead"

    @classmethod
    def of(cls, lead_id: object) -> LeadNotFound:
        return cls(f"线索{lead_id}不存在", detail_en=f"There is no lead {lead_id}")


class LeadUnitOnly(Forbidden):
    code = "LEAD_UNIT_ONLY"
    title = "线索由承办单位答复"
    title_en = "Only the department the lead was transferred to answers it"


class LeadSupervisorOnly(Forbidden):
    code = "LEAD_SUPERVISOR_ONLY"
    title = "须由监督人员操作"
    title_en = "Only a supervisor may do this"


class LeadBatchNotEnded(Conflict):
    code = "LEAD_BATCH_NOT_ENDED"
    title = "该周尚未结束，不能移送"
    title_en = "The week has not ended; its leads cannot be transferred yet"


class LeadError(Conflict):
    """A lead asked for a step its state does not allow; each subclass names the state the step needs."""

    title = "线索状态不允许该操作"
    title_en = "The lead's state does not allow this action"


class LeadNotReceived(LeadError):
    code = "LEAD_NOT_RECEIVED"  # transfer: only a received lead


class LeadNotTransferred(LeadError):
    code = "LEAD_NOT_TRANSFERRED"  # answer: only a transferred lead


class LeadNotAnswered(LeadError):
    code = "LEAD_NOT_ANSWERED"  # close, return: only an answered lead


class LeadWeekInvalid(BadRequest):
    code = "LEAD_WEEK_INVALID"
    title = "周批次格式无效"
    title_en = "Invalid weekly batch"


class LeadInputInvalid(Unprocessable):
    code = "LEAD_INPUT_INVALID"
    title = "线索操作内容无效"
    title_en = "Invalid lead action"


# --------------------------------------------------------------------------------------------------- classes


class UsccInvalid(Unprocessable):
    code = "ENTERPRISE_USCC_INVALID"
    title = "统一社会信用代码无效"
    title_en = "Invalid unified social credit code"


class EnterpriseNotFound(NotFound):
    code = "ENTERPRISE_NOT_FOUND"
    title = "企业尚无风险分类"
    title_en = "The enterprise has no risk class"

    @classmethod
    def of(cls, uscc: str) -> EnterpriseNotFound:
        return cls(f"企业{uscc}尚无风险分类", detail_en=f"The enterprise {uscc} has no risk class")


class RunNotFound(NotFound):
    code = "CLASSIFICATION_RUN_NOT_FOUND"
    title = "分类任务不存在"
    title_en = "No such classification run"

    @classmethod
    def of(cls, run_id: object) -> RunNotFound:
        return cls(f"分类任务{run_id}不存在", detail_en=f"There is no classification run {run_id}")


# --------------------------------------------------------------------------------------------------- complaints (issue #14)


class ComplaintNotFound(NotFound):
    code = "COMPLAINT_NOT_FOUND"
    title = "投诉不存在"
    title_en = "No such complaint"

    @classmethod
    def of(cls, complaint_id: object) -> ComplaintNotFound:
        return cls(f"投诉{complaint_id}不存在", detail_en=f"There is no complaint {complaint_id}")


class ComplaintSupervisorOnly(Forbidden):
    code = "COMPLAINT_SUPERVISOR_ONLY"
    title = "须由司法局监督人员操作"
    title_en = "Only a supervisor of the justice bureau may do this"


class ComplaintUnitOnly(Forbidden):
    code = "COMPLAINT_UNIT_ONLY"
    title = "转办的投诉由承办单位回复"
    title_en = "Only the department a complaint was forwarded to replies to it"


class ComplaintTransitionInvalid(Conflict):
    code = "COMPLAINT_INVALID_TRANSITION"
    title = "投诉状态不允许该操作"
    title_en = "The complaint's state does not allow this action"


class ComplaintTokenInvalid(Unprocessable):
    code = "COMPLAINT_TOKEN_INVALID"
    title = "投诉凭证无效或已过期"
    title_en = "Invalid or expired filing token"


class ComplaintTokenUsed(Conflict):
    code = "COMPLAINT_TOKEN_USED"
    title = "投诉凭证已使用"
    title_en = "The filing token was already used"


class ComplaintRateLimited(TooManyRequests):
    code = "COMPLAINT_RATE_LIMITED"
    title = "提交投诉过于频繁"
    title_en = "Too many complaints from this address"


class ComplaintLookupFailed(NotFound):
    code = "COMPLAINT_LOOKUP_FAILED"
    title = "受理编号或查询密码不正确"
    title_en = "Wrong acknowledgement number or secret"


class ComplaintInputInvalid(Unprocessable):
    code = "COMPLAINT_INPUT_INVALID"
    title = "投诉内容无效"
    title_en = "Invalid complaint"


# --------------------------------------------------------------------------------------------------- supervisors and contact points (issue #14)


class MemberNotFound(NotFound):
    code = "SUPERVISION_MEMBER_NOT_FOUND"
    title = "行政执法监督员不存在"
    title_en = "No such appointed supervisor"

    @classmethod
    def of(cls, member_id: object) -> MemberNotFound:
        return cls(
            f"行政执法监督员{member_id}不存在", detail_en=f"There is no appointed supervisor {member_id}"
        )


class MemberInactive(Conflict):
    code = "SUPERVISION_MEMBER_INACTIVE"
    title = "监督员不在聘期内或已停止履职"
    title_en = "The appointed supervisor is not serving on that date"


class ContactPointNotFound(NotFound):
    code = "CONTACT_POINT_NOT_FOUND"
    title = "执法监督联系点不存在"
    title_en = "No such contact point"

    @classmethod
    def of(cls, point_id: object) -> ContactPointNotFound:
        return cls(f"执法监督联系点{point_id}不存在", detail_en=f"There is no contact point {point_id}")


class ContactPointInactive(Conflict):
    code = "CONTACT_POINT_INACTIVE"
    title = "联系点不在聘期内"
    title_en = "The contact point is not serving"


# --------------------------------------------------------------------------------------------------- supervision matters


class MatterNotFound(NotFound):
    code = "SUPERVISION_MATTER_NOT_FOUND"
    title = "监督事项不存在"
    title_en = "No such supervision matter"

    @classmethod
    def of(cls, matter_id: object) -> MatterNotFound:
        return cls(f"监督事项{matter_id}不存在", detail_en=f"There is no supervision matter {matter_id}")


class MatterUnitOnly(Forbidden):
    code = "SUPERVISION_MATTER_UNIT_ONLY"
    title = "监督事项由被监督单位答复"
    title_en = "Only the unit concerned answers a supervision matter"


class MatterSupervisorOnly(Forbidden):
    code = "SUPERVISION_MATTER_SUPERVISOR_ONLY"
    title = "须由监督人员操作"
    title_en = "Only a supervisor may do this"


class MatterCityLevel(Forbidden):
    code = "SUPERVISION_CITY_LEVEL"
    title = "该事项已提级由市级监督，区级监督人员不能办理"
    title_en = "The matter's supervision was escalated to the city; a district supervisor cannot act on it"


class MatterInvalidTransition(Conflict):
    code = "SUPERVISION_MATTER_INVALID_TRANSITION"
    title = "监督事项状态不允许该操作"
    title_en = "The supervision matter's state does not allow this action"


class MatterInputInvalid(Unprocessable):
    code = "SUPERVISION_MATTER_INPUT_INVALID"
    title = "监督事项内容无效"
    title_en = "Invalid supervision matter"


# --------------------------------------------------------------------------------------------------- case-file review (案卷评查)


class ReviewNotFound(NotFound):
    code = "REVIEW_NOT_FOUND"
    title = "案卷评查活动不存在"
    title_en = "No such case-file review campaign"

    @classmethod
    def of(cls, review_id: object) -> ReviewNotFound:
        return cls(f"案卷评查活动{review_id}不存在", detail_en=f"There is no review campaign {review_id}")


class ReviewFileNotFound(NotFound):
    code = "REVIEW_FILE_NOT_FOUND"
    title = "评查案卷不存在"
    title_en = "No such file in the review campaign"

    @classmethod
    def of(cls, file_id: object) -> ReviewFileNotFound:
        return cls(f"评查案卷{file_id}不存在", detail_en=f"There is no review file {file_id}")


class ReviewInvalid(Unprocessable):
    code = "REVIEW_INVALID"
    title = "案卷评查活动内容无效"
    title_en = "Invalid review campaign"


class ReviewScoresInvalid(Unprocessable):
    code = "REVIEW_SCORES_INVALID"
    title = "评分或评查发现无效"
    title_en = "Invalid scores or findings"


class ReviewStateConflict(Conflict):
    code = "REVIEW_STATE_CONFLICT"
    title = "案卷评查活动当前状态不允许此操作"
    title_en = "The review campaign's state does not allow this"


class ReviewerNotAssigned(Forbidden):
    code = "REVIEWER_NOT_ASSIGNED"
    title = "评查人员未被分配评查该单位的案卷"
    title_en = "The reviewer is not assigned to this unit's files"


class ReviewOutsideScope(Forbidden):
    code = "REVIEW_OUTSIDE_SCOPE"
    title = "评查范围超出监督人员的辖区"
    title_en = "The review's units are outside the supervisor's district"


# --------------------------------------------------------------------------------------------------- bulletins (通报)


class BulletinNotFound(NotFound):
    code = "BULLETIN_NOT_FOUND"
    title = "通报不存在"
    title_en = "No such bulletin"

    @classmethod
    def of(cls, bulletin_id: object) -> BulletinNotFound:
        return cls(f"通报{bulletin_id}不存在", detail_en=f"There is no bulletin {bulletin_id}")


class BulletinInvalid(Unprocessable):
    code = "BULLETIN_INVALID"
    title = "通报内容无效"
    title_en = "Invalid bulletin"


class BulletinOutsideScope(Forbidden):
    code = "BULLETIN_OUTSIDE_SCOPE"
    title = "通报对象超出监督人员的辖区"
    title_en = "The bulletin's units are outside the supervisor's district"
