"""The lawful procedure of a penalty case (行政处罚程序) as a pure state machine.

A transition is a function of (case, command, now[, calendar]) that returns a ``Transition``: the new case
and the domain events it produced. It never reads the clock, the database or the network; it refuses a
step the law forbids by raising a ``DomainError`` subclass with a stable ``PROCEDURE_*`` code and a Chinese
message that cites the article.

States (SPEC §3.3)::

    general procedure (普通程序, 行政处罚法 第五十四条—第六十五条):

      filed ─► investigating ─► notified ─┬─► statement ──────────────┐
      (立案)                     (告知)    ├─► hearing_requested ─► hearing_held
        │                          ▲       │        (听证)             │
        │                          └───────┴── re-notice ◄─────────────┤
        │                                                              ▼
        │                         [legal_review] ─► [collective_discussion] ─► decided ─► delivered
        │                           (法制审核)         (集体讨论)               (决定)     (送达)
        │                                                                        │          │
        ├─► closed (撤销立案 / 移送司法机关)        executed ◄── payment/execution ┘          │
        │                                           revoked / changed ◄── 复议 / 诉讼 / 自行纠错
        │                                           executed | revoked | changed ─► closed
    simple procedure (简易程序, 第五十一条—第五十二条): filed ─► decided ─► delivered (当场交付) ─► ...

The bracketed states are visited only when the case needs them; what a decision needs is checked from the
records (notice, statements, waivers, hearing, reviews), not from the state name, so the order in which the
optional steps were recorded cannot open a gap.

The assessment (tier, fine range, allowed kinds, flags) comes from the discretion engine as plain data
(``AssessedPenalty``); this package does not depend on the engine's internals.

Modules: the data (``vocabulary``, ``values``, ``records``, ``case``, ``events``, ``commands``); the state
machine table (``states``: where each command may be applied and where it leads); the transitions by stage,
one function per step of the law (``filing``, ``notice``, ``hearing``, ``review``, ``decision``,
``delivery``, ``execution``, ``correction``, ``closing``) with their shared ``checks``; and ``dispatch``
(``handle``). Import the package: ``from services.penalty.domain import procedure as p``.
"""

from __future__ import annotations

from services.penalty.domain.errors import (
    AlreadyDecided,
    AssessmentMissing,
    ChangeHeavier,
    CollectiveDiscussionMissing,
    DecisionBeforeNotice,
    DeliveryConsentMissing,
    FineOutstanding,
    HearingNoticeTooShort,
    HearingNotOffered,
    HearingPending,
    HearingPresiderConflict,
    HearingRequestLate,
    HeavierThanNotice,
    InvalidDate,
    InvalidPenalty,
    InvalidTransition,
    KindNotAllowed,
    LegalReviewMissing,
    LegalReviewNotPassed,
    NoticeIncomplete,
    OfficersInsufficient,
    PaymentExceedsFine,
    ReasonRequired,
    SimpleProcedureNotAllowed,
    StatementNotReviewed,
    StatementPeriodOpen,
    TimeLimitExceeded,
)
from services.penalty.domain.procedure.case import (
    Case,
)
from services.penalty.domain.procedure.closing import (
    close,
)
from services.penalty.domain.procedure.commands import (
    Change,
    Close,
    Command,
    ConcludeRemedy,
    Decide,
    DecideNoPenalty,
    Deliver,
    ExtendTimeLimit,
    FileCase,
    FileRemedy,
    GrantDeferral,
    Notify,
    RecordAssessment,
    RecordCollectiveDiscussion,
    RecordExecution,
    RecordHearing,
    RecordLegalReview,
    RecordPayment,
    RecordPublication,
    RecordStatement,
    RequestHearing,
    ReviewStatements,
    Revoke,
    ScheduleHearing,
    StartInvestigation,
    WaiveRights,
    WithdrawHearing,
)
from services.penalty.domain.procedure.correction import (
    change,
    conclude_remedy,
    file_remedy,
    revoke,
)
from services.penalty.domain.procedure.decision import (
    decide,
    decide_no_penalty,
    extend_time_limit,
)
from services.penalty.domain.procedure.delivery import (
    deliver,
    record_publication,
)
from services.penalty.domain.procedure.dispatch import (
    _HANDLERS,
    handle,
)
from services.penalty.domain.procedure.events import (
    AssessmentRecorded,
    CaseClosed,
    CaseFiled,
    CaseNotified,
    CollectiveDiscussionRecorded,
    DeadlineMissed,
    DecisionChanged,
    DecisionDelivered,
    DecisionExecuted,
    DecisionIssued,
    DecisionRevoked,
    DomainEvent,
    FinePaid,
    HearingHeld,
    HearingRequested,
    HearingScheduled,
    HearingWithdrawn,
    InvestigationStarted,
    LegalReviewRecorded,
    PaymentDeferred,
    PublicationRecorded,
    RemedyConcluded,
    RemedyFiled,
    RightsWaived,
    StatementReceived,
    StatementReviewed,
    TimeLimitExtended,
    Transition,
)
from services.penalty.domain.procedure.execution import (
    grant_deferral,
    record_execution,
    record_payment,
)
from services.penalty.domain.procedure.filing import (
    file_case,
    record_assessment,
    start_investigation,
)
from services.penalty.domain.procedure.hearing import (
    record_hearing,
    request_hearing,
    schedule_hearing,
    withdraw_hearing,
)
from services.penalty.domain.procedure.notice import (
    notify,
    record_statement,
    review_statements,
    waive_rights,
)
from services.penalty.domain.procedure.records import (
    ClosureRecord,
    CollectiveDiscussionRecord,
    CorrectionRecord,
    DecisionRecord,
    DeferralRecord,
    DeliveryRecord,
    HearingRecord,
    LegalReviewRecord,
    NoticeRecord,
    PartyRef,
    PaymentRecord,
    RemedyRecord,
    StatementRecord,
    TimeLimitExtension,
    WaiverRecord,
)
from services.penalty.domain.procedure.review import (
    record_collective_discussion,
    record_legal_review,
)
from services.penalty.domain.procedure.states import (
    CORRECTABLE,
    NOTICE_STAGE,
    POST_DECISION,
    PRE_DECISION,
    PRE_NOTICE,
)
from services.penalty.domain.procedure.values import (
    AssessedPenalty,
    Penalty,
    heavier_reasons,
    validate_penalty,
)
from services.penalty.domain.procedure.vocabulary import (
    CORRECTION_SOURCE_LABELS,
    KIND_LABELS,
    KIND_RANK,
    LAW,
    SIMPLE_PROCEDURE_KINDS,
    SIMPLE_PROCEDURE_MAX_FINE_FEN,
    STATE_LABELS,
    CaseState,
    ClosureReason,
    CorrectionSource,
    DecisionOutcome,
    DeliveryMethod,
    HearingOutcome,
    PartyKind,
    PenaltyKind,
    ProcedureKind,
    RemedySource,
    kind_order,
)

__all__ = [
    "AlreadyDecided",
    "AssessedPenalty",
    "AssessmentMissing",
    "AssessmentRecorded",
    "CORRECTABLE",
    "CORRECTION_SOURCE_LABELS",
    "Case",
    "CaseClosed",
    "CaseFiled",
    "CaseNotified",
    "CaseState",
    "Change",
    "ChangeHeavier",
    "Close",
    "ClosureReason",
    "ClosureRecord",
    "CollectiveDiscussionMissing",
    "CollectiveDiscussionRecord",
    "CollectiveDiscussionRecorded",
    "Command",
    "ConcludeRemedy",
    "CorrectionRecord",
    "CorrectionSource",
    "DeadlineMissed",
    "Decide",
    "DecideNoPenalty",
    "DecisionBeforeNotice",
    "DecisionChanged",
    "DecisionDelivered",
    "DecisionExecuted",
    "DecisionIssued",
    "DecisionOutcome",
    "DecisionRecord",
    "DecisionRevoked",
    "DeferralRecord",
    "Deliver",
    "DeliveryConsentMissing",
    "DeliveryMethod",
    "DeliveryRecord",
    "DomainEvent",
    "ExtendTimeLimit",
    "FileCase",
    "FileRemedy",
    "FineOutstanding",
    "FinePaid",
    "GrantDeferral",
    "HearingHeld",
    "HearingNotOffered",
    "HearingNoticeTooShort",
    "HearingOutcome",
    "HearingPending",
    "HearingPresiderConflict",
    "HearingRecord",
    "HearingRequestLate",
    "HearingRequested",
    "HearingScheduled",
    "HearingWithdrawn",
    "HeavierThanNotice",
    "InvalidDate",
    "InvalidPenalty",
    "InvalidTransition",
    "InvestigationStarted",
    "KIND_LABELS",
    "KIND_RANK",
    "KindNotAllowed",
    "LAW",
    "LegalReviewMissing",
    "LegalReviewNotPassed",
    "LegalReviewRecord",
    "LegalReviewRecorded",
    "NOTICE_STAGE",
    "NoticeIncomplete",
    "NoticeRecord",
    "Notify",
    "OfficersInsufficient",
    "POST_DECISION",
    "PRE_DECISION",
    "PRE_NOTICE",
    "PartyKind",
    "PartyRef",
    "PaymentDeferred",
    "PaymentExceedsFine",
    "PaymentRecord",
    "Penalty",
    "PenaltyKind",
    "ProcedureKind",
    "PublicationRecorded",
    "ReasonRequired",
    "RecordAssessment",
    "RecordCollectiveDiscussion",
    "RecordExecution",
    "RecordHearing",
    "RecordLegalReview",
    "RecordPayment",
    "RecordPublication",
    "RecordStatement",
    "RemedyConcluded",
    "RemedyFiled",
    "RemedyRecord",
    "RemedySource",
    "RequestHearing",
    "ReviewStatements",
    "Revoke",
    "RightsWaived",
    "SIMPLE_PROCEDURE_KINDS",
    "SIMPLE_PROCEDURE_MAX_FINE_FEN",
    "STATE_LABELS",
    "ScheduleHearing",
    "SimpleProcedureNotAllowed",
    "StartInvestigation",
    "StatementNotReviewed",
    "StatementPeriodOpen",
    "StatementReceived",
    "StatementRecord",
    "StatementReviewed",
    "TimeLimitExceeded",
    "TimeLimitExtended",
    "TimeLimitExtension",
    "Transition",
    "WaiveRights",
    "WaiverRecord",
    "WithdrawHearing",
    "_HANDLERS",
    "change",
    "close",
    "conclude_remedy",
    "decide",
    "decide_no_penalty",
    "deliver",
    "extend_time_limit",
    "file_case",
    "file_remedy",
    "grant_deferral",
    "handle",
    "heavier_reasons",
    "kind_order",
    "notify",
    "record_assessment",
    "record_collective_discussion",
    "record_execution",
    "record_hearing",
    "record_legal_review",
    "record_payment",
    "record_publication",
    "record_statement",
    "request_hearing",
    "review_statements",
    "revoke",
    "schedule_hearing",
    "start_investigation",
    "validate_penalty",
    "waive_rights",
    "withdraw_hearing",
]
