"""Every typed error the penalty domain raises, in one place (codes, statuses and titles are stable).

The service's own errors (a case not found, a certificate suspended ...) are in services/penalty/errors.py;
these are the domain's: a benchmark file or version that breaks a catalogue rule, facts the assessment
engine refuses, a procedural step the law forbids, a document number that cannot be made. Each module of
the domain re-exports the ones it raises under the names it always had (``catalogue.VersionOverlap``,
``discretion.NoVersionInForce``, ``procedure.HeavierThanNotice``, ``documents.UnknownDepartment``).
"""

from __future__ import annotations

from services.common.errors import BadRequest, Conflict, NotFound

# --------------------------------------------------------------------------------------------------------
# The benchmark catalogue
# --------------------------------------------------------------------------------------------------------


class BenchmarkInvalid(BadRequest):
    """A benchmark version breaks a catalogue rule; subclasses carry the specific stable code."""

    code = "BENCHMARK_INVALID"
    title = "裁量基准数据不符合规则"
    title_en = "The benchmark data breaks a catalogue rule"


class CatalogueFormatInvalid(BenchmarkInvalid):
    code = "CATALOGUE_FORMAT_INVALID"
    title = "裁量基准文件格式错误"
    title_en = "The benchmark file is malformed"


class BenchmarkCodeInvalid(BenchmarkInvalid):
    code = "BENCHMARK_CODE_INVALID"
    title = "裁量基准编码格式错误"
    title_en = "Malformed benchmark code"


class FineRangeInvalid(BenchmarkInvalid):
    code = "FINE_RANGE_INVALID"
    title = "罚款幅度无效"
    title_en = "Invalid fine range"


class MultipleRangeInvalid(BenchmarkInvalid):
    code = "MULTIPLE_RANGE_INVALID"
    title = "罚款倍数无效"
    title_en = "Invalid fine multiples"


class BracketsInvalid(BenchmarkInvalid):
    code = "BRACKETS_INVALID"
    title = "罚款分段无效"
    title_en = "Invalid fine brackets"


class EscalationInvalid(BenchmarkInvalid):
    code = "ESCALATION_INVALID"
    title = "加重情形的罚款幅度无效"
    title_en = "Invalid escalation"


class PenaltyKindsInvalid(BenchmarkInvalid):
    code = "PENALTY_KINDS_INVALID"
    title = "处罚种类设置无效"
    title_en = "Invalid penalty kinds"


class TierSharesInvalid(BenchmarkInvalid):
    code = "TIER_SHARES_INVALID"
    title = "裁量档次划分比例无效"
    title_en = "Invalid tier shares"


class FirstViolationNotAllowed(BenchmarkInvalid):
    code = "FIRST_VIOLATION_NOT_ALLOWED"
    title = "该事项不得适用首违不罚"
    title_en = "First-violation waiver not allowed for this item"


class ProtectedInterestMissing(BenchmarkInvalid):
    code = "PROTECTED_INTEREST_MISSING"
    title = "事项领域应当标注的保护法益缺失"
    title_en = "The domain requires a protected-interest flag"


class EffectiveDatesInvalid(BenchmarkInvalid):
    code = "EFFECTIVE_DATES_INVALID"
    title = "裁量基准施行日期无效"
    title_en = "Invalid effective dates"


class VersionOverlap(BenchmarkInvalid):
    code = "VERSION_OVERLAP"
    title = "同一基准的不同版本施行期间重叠"
    title_en = "Versions of one benchmark overlap in time"


class VersionDuplicate(BenchmarkInvalid):
    code = "VERSION_DUPLICATE"
    title = "同一基准的版本号重复"
    title_en = "Duplicate version number"


class PartyTypesInvalid(BenchmarkInvalid):
    code = "PARTY_TYPES_INVALID"
    title = "适用对象无效"
    title_en = "Invalid party types"


class ProvisionMissing(BenchmarkInvalid):
    code = "PROVISION_MISSING"
    title = "缺少违法依据或处罚依据"
    title_en = "Missing provision"


class TierSplitInvalid(BadRequest):
    code = "TIER_SPLIT_INVALID"
    title = "裁量档次划分配置无效"
    title_en = "Invalid tier split configuration"


# --------------------------------------------------------------------------------------------------------
# The assessment engine
# --------------------------------------------------------------------------------------------------------


class FactsInvalid(BadRequest):
    code = "ASSESSMENT_FACTS_INVALID"
    title = "案件事实不符合规则"
    title_en = "The case facts are invalid"


class ViolationDateInFuture(FactsInvalid):
    code = "VIOLATION_DATE_IN_FUTURE"
    title = "违法行为发生日期晚于当前日期"
    title_en = "The violation date is in the future"


class ViolationAfterDecision(FactsInvalid):
    code = "VIOLATION_AFTER_DECISION"
    title = "违法行为发生日期晚于决定日期"
    title_en = "The violation date is after the decision date"


class DatesInconsistent(FactsInvalid):
    code = "FACT_DATES_INCONSISTENT"
    title = "案件日期前后矛盾"
    title_en = "The case dates are inconsistent"


class BaseAmountNegative(FactsInvalid):
    code = "BASE_AMOUNT_NEGATIVE"
    title = "计算基数不得为负"
    title_en = "A base amount is negative"


class BaseAmountRequired(FactsInvalid):
    code = "BASE_AMOUNT_REQUIRED"
    title = "缺少罚款计算基数"
    title_en = "The fine formula needs a base amount"


class PartyTypeNotApplicable(FactsInvalid):
    code = "PARTY_TYPE_NOT_APPLICABLE"
    title = "该裁量基准不适用于此类当事人"
    title_en = "The benchmark does not apply to this type of party"


class PersonFactsInvalid(FactsInvalid):
    code = "PERSON_FACTS_INVALID"
    title = "当事人年龄或责任能力信息无效"
    title_en = "Invalid age or capacity facts"


class BenchmarkVersionsMixed(BadRequest):
    code = "BENCHMARK_VERSIONS_MIXED"
    title = "传入的裁量基准版本不属于同一事项"
    title_en = "The versions passed belong to different benchmark items"


class NoBenchmarkVersion(NotFound):
    code = "BENCHMARK_NOT_FOUND"
    title = "裁量基准不存在"
    title_en = "Benchmark not found"


class NoVersionInForce(BadRequest):
    code = "NO_BENCHMARK_VERSION_IN_FORCE"
    title = "违法行为发生时和作出决定时均无施行中的裁量基准版本"
    title_en = "No benchmark version in force at the violation or at the decision"


# --------------------------------------------------------------------------------------------------------
# The case procedure
# --------------------------------------------------------------------------------------------------------


class InvalidTransition(Conflict):
    code = "PROCEDURE_INVALID_TRANSITION"
    title = "当前案件状态不允许该操作"
    title_en = "The case's current state does not allow this step"


class AlreadyDecided(Conflict):
    code = "PROCEDURE_ALREADY_DECIDED"
    title = "本案已作出决定"
    title_en = "The case has already been decided"


class DecisionBeforeNotice(Conflict):
    code = "PROCEDURE_DECISION_BEFORE_NOTICE"
    title = "未履行告知程序不得作出处罚决定"
    title_en = "No decision before the notice of the proposed penalty"


class HeavierThanNotice(Conflict):
    code = "PROCEDURE_HEAVIER_THAN_NOTICE"
    title = "处罚决定不得重于告知的处罚"
    title_en = "The decision is heavier than the notified penalty"


class HearingPending(Conflict):
    code = "PROCEDURE_HEARING_PENDING"
    title = "听证程序尚未结束"
    title_en = "The hearing is pending"


class HearingRequestLate(Conflict):
    code = "PROCEDURE_HEARING_REQUEST_LATE"
    title = "听证申请已超过法定期限"
    title_en = "The hearing request is out of time"


class HearingNotOffered(Conflict):
    code = "PROCEDURE_HEARING_NOT_OFFERED"
    title = "本案告知书未告知听证权利"
    title_en = "The notice did not offer a hearing"


class HearingNoticeTooShort(BadRequest):
    code = "PROCEDURE_HEARING_NOTICE_TOO_SHORT"
    title = "听证通知时间不足"
    title_en = "The hearing was notified too late"


class HearingPresiderConflict(BadRequest):
    code = "PROCEDURE_HEARING_PRESIDER_CONFLICT"
    title = "听证主持人不得为本案调查人员"
    title_en = "The hearing presider must not be an investigator of the case"


class StatementPeriodOpen(Conflict):
    code = "PROCEDURE_STATEMENT_PERIOD_OPEN"
    title = "陈述申辩期限尚未届满"
    title_en = "The period for statement and defence is still open"


class StatementNotReviewed(Conflict):
    code = "PROCEDURE_STATEMENT_NOT_REVIEWED"
    title = "当事人的陈述申辩尚未复核"
    title_en = "The party's statement has not been reviewed"


class LegalReviewMissing(Conflict):
    code = "PROCEDURE_LEGAL_REVIEW_MISSING"
    title = "未经法制审核"
    title_en = "Legal review is missing"


class LegalReviewNotPassed(Conflict):
    code = "PROCEDURE_LEGAL_REVIEW_NOT_PASSED"
    title = "法制审核未通过"
    title_en = "Legal review did not pass"


class CollectiveDiscussionMissing(Conflict):
    code = "PROCEDURE_COLLECTIVE_DISCUSSION_MISSING"
    title = "未经负责人集体讨论"
    title_en = "Collective discussion is missing"


class ReasonRequired(BadRequest):
    code = "PROCEDURE_REASON_REQUIRED"
    title = "须说明理由"
    title_en = "A written reason is required"


class TimeLimitExceeded(Conflict):
    code = "PROCEDURE_TIME_LIMIT_EXCEEDED"
    title = "超过作出行政处罚决定的期限"
    title_en = "The time limit for the decision has passed"


class NoticeIncomplete(BadRequest):
    code = "PROCEDURE_NOTICE_INCOMPLETE"
    title = "告知内容不完整"
    title_en = "The notice is incomplete"


class AssessmentMissing(Conflict):
    code = "PROCEDURE_ASSESSMENT_MISSING"
    title = "尚未按裁量基准进行裁量"
    title_en = "The case has no assessment against the benchmark"


class KindNotAllowed(BadRequest):
    code = "PROCEDURE_KIND_NOT_ALLOWED"
    title = "处罚种类不在裁量基准允许范围内"
    title_en = "Penalty kind not allowed by the benchmark"


class SimpleProcedureNotAllowed(BadRequest):
    code = "PROCEDURE_SIMPLE_NOT_ALLOWED"
    title = "不符合适用简易程序的条件"
    title_en = "Simple procedure does not apply"


class InvalidPenalty(BadRequest):
    code = "PROCEDURE_INVALID_PENALTY"
    title = "处罚内容不一致"
    title_en = "The penalty is inconsistent"


class GainsNotConfiscated(BadRequest):
    code = "PROCEDURE_GAINS_NOT_CONFISCATED"
    title = "违法所得未予没收"
    title_en = "The illegal gains are not confiscated"


class InvalidDate(BadRequest):
    code = "PROCEDURE_INVALID_DATE"
    title = "日期不合理"
    title_en = "Impossible date"


class OfficersInsufficient(BadRequest):
    code = "PROCEDURE_OFFICERS_INSUFFICIENT"
    title = "执法人员不得少于两人"
    title_en = "At least two enforcement officers are required"


class DeliveryConsentMissing(BadRequest):
    code = "PROCEDURE_DELIVERY_CONSENT_MISSING"
    title = "电子送达须经当事人同意并签订确认书"
    title_en = "Electronic delivery needs the party's signed consent"


class ChangeHeavier(Conflict):
    code = "PROCEDURE_CHANGE_HEAVIER"
    title = "变更决定不得加重当事人的处罚"
    title_en = "A change must not make the penalty heavier"


class PaymentExceedsFine(BadRequest):
    code = "PROCEDURE_PAYMENT_EXCEEDS_FINE"
    title = "缴纳金额超过应缴罚款"
    title_en = "The payment exceeds the outstanding fine"


class FineOutstanding(Conflict):
    code = "PROCEDURE_FINE_OUTSTANDING"
    title = "罚款尚未缴清"
    title_en = "The fine is still outstanding"


# --------------------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------------------


class UnknownDepartment(BadRequest):
    code = "DOCUMENT_UNKNOWN_DEPARTMENT"
    title = "未配置部门简称"
    title_en = "No abbreviation configured for the department"


class InvalidDocumentNumber(BadRequest):
    code = "DOCUMENT_NUMBER_INVALID"
    title = "文书编号格式不正确"
    title_en = "Malformed document number"


# --------------------------------------------------------------------------------------------------------
# After the decision: deferral and instalments, enforcement (issue #17; domain.instalments, domain.enforcement)
# --------------------------------------------------------------------------------------------------------


class PaymentPlanInvalid(BadRequest):
    code = "PAYMENT_PLAN_INVALID"
    title = "延期或分期缴纳方案不符合规定"
    title_en = "The deferral or instalment plan is not valid"


class PaymentPlanConflict(Conflict):
    code = "PAYMENT_PLAN_CONFLICT"
    title = "延期或分期缴纳的当前状态不允许该操作"
    title_en = "The deferral or instalment application's state does not allow this step"


class EnforcementNotDue(Conflict):
    code = "ENFORCEMENT_NOT_DUE"
    title = "尚未到可以采取该执行措施的日期"
    title_en = "This enforcement step is not yet lawful"


class EnforcementWindowClosed(Conflict):
    code = "ENFORCEMENT_WINDOW_CLOSED"
    title = "申请人民法院强制执行的期限已经届满"
    title_en = "The period for applying to the court for enforcement has run out"


class EnforcementStepInvalid(Conflict):
    code = "ENFORCEMENT_STEP_INVALID"
    title = "本案当前不能采取该执行措施"
    title_en = "This enforcement step does not apply to the case now"
