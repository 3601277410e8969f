"""Dependencies of the penalty API: the service context, the roles each endpoint admits, path parameters,
and the objects a route works on, loaded through the access rule (services.penalty.repository) or 404.

A route declares its role dependency before the object it loads, so a role the endpoint does not serve is
refused (403) before anything is looked up, and a foreign object answers exactly like a missing one (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import scopes
from services.common.audit_api import AuditKind
from services.common.auth import Principal
from services.common.deps import AdminDep, PrincipalDep, ScopeDep, SessionDep, get_context, load_or_404, roles
from services.common.fields import Day
from services.penalty import repository as repo
from services.penalty import schemas as s
from services.penalty.domain import acts as acts_domain
from services.penalty.domain import collection as collection_domain
from services.penalty.domain.follow_ups import FollowUpNotFound
from services.penalty.errors import CaseNotFound, DocumentNotFound, LeadNotFound
from services.penalty.models import Document, Lead, PenaltyCase, PenaltyFollowUp, ViolationAct
from services.penalty.repository import acts as act_repo
from services.penalty.repository import follow_ups as follow_up_repo
from services.penalty.settings import PenaltyContext

ContextDep = Annotated[PenaltyContext, Depends(get_context)]


async def get_session_opener(request: Request) -> Callable[[], AsyncSession]:
    """What opens the request's session (the edge's, committed or rolled back by it) when called: for a
    read that seldom needs the database (the what-if's catalogue snapshot), no session is opened, committed
    and closed per request for nothing."""
    return request.state.zhifa.get_session  # type: ignore[no-any-return]


SessionOpenerDep = Annotated[Callable[[], AsyncSession], Depends(get_session_opener)]

BenchmarkCodePath = Annotated[
    str, Path(min_length=1, max_length=40, description="benchmark code, e.g. SY-SJ-0001")
]
VersionPath = Annotated[int, Path(ge=1, le=100_000, description="version number")]

OfficerDep = Annotated[Principal, roles("officer")]
ReaderDep = Annotated[Principal, roles("officer", "enterprise", "supervisor", "admin")]
InternalReaderDep = Annotated[Principal, roles("officer", "supervisor", "admin")]
PartyOrOfficerDep = Annotated[Principal, roles("officer", "enterprise")]
# the payment platform reports payments: an integration client needs the payments scope (services/common/scopes.py)
PaymentDep = Annotated[Principal, roles("officer", "integration", scope=scopes.PAYMENTS_RECORD)]
SupervisorDep = Annotated[Principal, roles("supervisor", "admin")]
_ASSESSORS = roles("officer", "enterprise", "supervisor", "admin")
AssessorDep = Annotated[Principal, _ASSESSORS]
#: AssessorDep's role check, called directly by the what-if's hot route (api/catalogue.py ``_assess_hot``).
assessor = _ASSESSORS.dependency
# a former case system moving its cases in: administrators, or an integration client with the import scope
ImporterDep = Annotated[Principal, roles("admin", "integration", scope=scopes.CASES_IMPORT)]

CaseId = Annotated[uuid.UUID, Path(description="the case id")]
LeadId = Annotated[uuid.UUID, Path(description="the lead id")]
DocumentId = Annotated[uuid.UUID, Path(description="the document id")]

#: The case named by ``{case_id}``, as the caller may read it.
CaseDep = Annotated[
    PenaltyCase, load_or_404(repo.readable_case, param="case_id", key=CaseId, missing=CaseNotFound.of)
]
# the surcharge's day is validated before the case is looked up (a malformed day is 422 for any case id)
SurchargeDay = Annotated[Day | None, Query(description="the day of payment (default: today)")]
SurchargeCaseDep = Annotated[
    tuple[PenaltyCase, dict[str, date | None]],
    load_or_404(
        repo.readable_case, param="case_id", key=CaseId, missing=CaseNotFound.of, query={"on": SurchargeDay}
    ),
]
LeadDep = Annotated[
    Lead, load_or_404(repo.readable_lead, param="lead_id", key=LeadId, missing=LeadNotFound.of)
]
DocumentDep = Annotated[
    Document,
    load_or_404(repo.readable_document, param="document_id", key=DocumentId, missing=DocumentNotFound.of),
]

# The objects a write changes, locked until the request's transaction ends, with the request's body: the body
# is validated before the lookup, so a malformed body is refused at its field (422) whether or not the
# object exists (tests/test_request_types.py sends bad bodies to ids that do not exist). The route gets
# ``(object, body)``.


def case_for_update(body: type[BaseModel]) -> Any:
    """The case, locked for the procedure step the request performs, with the step's body."""
    return load_or_404(repo.lockable_case, param="case_id", key=CaseId, missing=CaseNotFound.of, body=body)


def payable_case(body: type[BaseModel]) -> Any:
    """The case, locked, for a payment report (integration clients report payments for any case)."""
    return load_or_404(repo.payable_case, param="case_id", key=CaseId, missing=CaseNotFound.of, body=body)


def lead_for_update(body: type[BaseModel]) -> Any:
    """The lead, locked for its confirmation or dismissal, with the request's body."""
    return load_or_404(repo.lockable_lead, param="lead_id", key=LeadId, missing=LeadNotFound.of, body=body)


__all__ = [
    "AUDIT_ENTITIES",
    "AdminDep",
    "AssessorDep",
    "BenchmarkCodePath",
    "CaseDep",
    "ContextDep",
    "DocumentDep",
    "ImporterDep",
    "InternalReaderDep",
    "LeadDep",
    "OfficerDep",
    "PartyOrOfficerDep",
    "PaymentDep",
    "PrincipalDep",
    "ReaderDep",
    "ScopeDep",
    "SessionDep",
    "SessionOpenerDep",
    "SupervisorDep",
    "SurchargeCaseDep",
    "VersionPath",
    "assessor",
    "case_for_update",
    "get_session_opener",
    "lead_for_update",
    "payable_case",
]


#: Objects whose audit trail GET /api/v1/penalty/audit/entities/{kind}/{id} shows, through their access rule.
AUDIT_ENTITIES = {"case": AuditKind("penalty_case", repo.readable_case)}


# --------------------------------------------------------------------------------------------------------
# Acts (行政处罚法 第二十九条) and on-the-spot collections (第六十八条–第七十一条): issue #17
# --------------------------------------------------------------------------------------------------------

ActId = Annotated[uuid.UUID, Path(description="the act id")]
CollectionId = Annotated[uuid.UUID, Path(description="the on-the-spot collection id")]
ActDep = Annotated[
    ViolationAct,
    load_or_404(act_repo.readable_act, param="act_id", key=ActId, missing=acts_domain.ActNotFound.of),
]


def collection_for_update(body: type[BaseModel]) -> Any:
    """The on-the-spot collection, locked for its landing, hand-over or banking, with the request's body."""
    return load_or_404(
        act_repo.lockable_collection,
        param="collection_id",
        key=CollectionId,
        missing=collection_domain.CollectionNotFound.of,
        body=body,
    )


# --------------------------------------------------------------------------------------------------------
# 责令改正 follow-ups of decisions (issue #14 item 6)
# --------------------------------------------------------------------------------------------------------

FollowUpId = Annotated[uuid.UUID, Path(description="the follow-up id")]
FollowUpDep = Annotated[
    PenaltyFollowUp,
    load_or_404(
        follow_up_repo.readable_follow_up, param="follow_up_id", key=FollowUpId, missing=FollowUpNotFound.of
    ),
]


def follow_up_for_update(body: type[BaseModel]) -> Any:
    """The follow-up, locked for its result, with the request's body."""
    return load_or_404(
        follow_up_repo.lockable_follow_up,
        param="follow_up_id",
        key=FollowUpId,
        missing=FollowUpNotFound.of,
        body=body,
    )


# --------------------------------------------------------------------------------------------------------
# After the decision (api/enforcement.py): the locked case with each step's validated body, ``(row, body)``
# --------------------------------------------------------------------------------------------------------

PlanApplicationStep = Annotated[tuple[PenaltyCase, s.PlanApplicationIn], case_for_update(s.PlanApplicationIn)]
PlanDecisionStep = Annotated[tuple[PenaltyCase, s.PlanDecisionIn], case_for_update(s.PlanDecisionIn)]
InstalmentPaymentStep = Annotated[
    tuple[PenaltyCase, s.InstalmentPaymentIn], payable_case(s.InstalmentPaymentIn)
]
ReminderStep = Annotated[tuple[PenaltyCase, s.ReminderIn], case_for_update(s.ReminderIn)]
ReminderDeliveryStep = Annotated[
    tuple[PenaltyCase, s.ReminderDeliveryIn], case_for_update(s.ReminderDeliveryIn)
]
CourtApplicationStep = Annotated[
    tuple[PenaltyCase, s.CourtApplicationIn], case_for_update(s.CourtApplicationIn)
]
EnforcementDecisionStep = Annotated[
    tuple[PenaltyCase, s.EnforcementDecisionIn], case_for_update(s.EnforcementDecisionIn)
]


# The procedure's steps (api/cases.py): the locked case with each step's validated body, ``(row, body)``
InvestigationStep = Annotated[tuple[PenaltyCase, s.InvestigationIn], case_for_update(s.InvestigationIn)]
NoticeStep = Annotated[tuple[PenaltyCase, s.NoticeIn], case_for_update(s.NoticeIn)]
StatementStep = Annotated[tuple[PenaltyCase, s.StatementIn], case_for_update(s.StatementIn)]
StatementReviewStep = Annotated[tuple[PenaltyCase, s.StatementReviewIn], case_for_update(s.StatementReviewIn)]
WaiverStep = Annotated[tuple[PenaltyCase, s.WaiverIn], case_for_update(s.WaiverIn)]
HearingRequestStep = Annotated[tuple[PenaltyCase, s.HearingRequestIn], case_for_update(s.HearingRequestIn)]
HearingScheduleStep = Annotated[tuple[PenaltyCase, s.HearingScheduleIn], case_for_update(s.HearingScheduleIn)]
HearingRecordStep = Annotated[tuple[PenaltyCase, s.HearingRecordIn], case_for_update(s.HearingRecordIn)]
HearingWithdrawStep = Annotated[tuple[PenaltyCase, s.HearingWithdrawIn], case_for_update(s.HearingWithdrawIn)]
LegalReviewStep = Annotated[tuple[PenaltyCase, s.LegalReviewIn], case_for_update(s.LegalReviewIn)]
EconomicImpactStep = Annotated[tuple[PenaltyCase, s.EconomicImpactIn], case_for_update(s.EconomicImpactIn)]
CollectiveDiscussionStep = Annotated[
    tuple[PenaltyCase, s.CollectiveDiscussionIn], case_for_update(s.CollectiveDiscussionIn)
]
ExtensionStep = Annotated[tuple[PenaltyCase, s.ExtensionIn], case_for_update(s.ExtensionIn)]
DecisionStep = Annotated[tuple[PenaltyCase, s.DecisionIn], case_for_update(s.DecisionIn)]
NoPenaltyDecisionStep = Annotated[
    tuple[PenaltyCase, s.NoPenaltyDecisionIn], case_for_update(s.NoPenaltyDecisionIn)
]
DeliveryStep = Annotated[tuple[PenaltyCase, s.DeliveryIn], case_for_update(s.DeliveryIn)]
DeferralStep = Annotated[tuple[PenaltyCase, s.DeferralIn], case_for_update(s.DeferralIn)]
PaymentStep = Annotated[tuple[PenaltyCase, s.PaymentIn], payable_case(s.PaymentIn)]
ExecutionStep = Annotated[tuple[PenaltyCase, s.ExecutionIn], case_for_update(s.ExecutionIn)]
RemedyStep = Annotated[tuple[PenaltyCase, s.RemedyIn], case_for_update(s.RemedyIn)]
RemedyConcludeStep = Annotated[tuple[PenaltyCase, s.RemedyConcludeIn], case_for_update(s.RemedyConcludeIn)]
RevocationStep = Annotated[tuple[PenaltyCase, s.RevocationIn], case_for_update(s.RevocationIn)]
ChangeStep = Annotated[tuple[PenaltyCase, s.ChangeIn], case_for_update(s.ChangeIn)]
ConfirmationStep = Annotated[tuple[PenaltyCase, s.ConfirmationIn], case_for_update(s.ConfirmationIn)]
PublicationStep = Annotated[tuple[PenaltyCase, s.PublicationIn], case_for_update(s.PublicationIn)]
CloseStep = Annotated[tuple[PenaltyCase, s.CloseIn], case_for_update(s.CloseIn)]
