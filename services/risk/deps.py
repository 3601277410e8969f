"""Dependencies of the risk API: the service context, who may call, what the caller may see, and the
objects of a path loaded through the one access rule (or 404: a foreign object looks absent).

In risk an officer acts for an enforcement unit (执法主体, ``SJ-210102``), not for a whole department: the
``unit_code`` claim, else ``<dept_code>-<district_code>``. That unit is the officer's scope here
(``Scope.department_code``): a unit's officers see its drill-down, rectifications and leads, and no other
unit's. Supervisors and administrators are scoped as everywhere (services.common.access).

A route that acts on an object declares who may act before the object (``SubmitterDep`` before
``SubmittingMeasures``): a caller of the wrong role is told 403 whether or not the object is theirs.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from services.common.access import Scope, scope_for
from services.common.audit_api import AuditKind
from services.common.auth import Principal
from services.common.clientip import ClientAddress, bucket_key, parse_networks
from services.common.deps import PrincipalDep, SessionDep, get_context, load_or_404, roles
from services.common.errors import DomainError
from services.common.fields import UsccText
from services.risk.errors import (
    CityScopeRequired,
    ComplaintNotFound,
    ComplaintSupervisorOnly,
    ComplaintUnitOnly,
    ContactPointNotFound,
    EnterpriseNotFound,
    LeadNotFound,
    LeadSupervisorOnly,
    LeadUnitOnly,
    MatterNotFound,
    MatterSupervisorOnly,
    MatterUnitOnly,
    MemberNotFound,
    RectificationNotFound,
    RectificationSupervisorOnly,
    RectificationUnitOnly,
    RunNotFound,
    UnitNotFound,
    UploadNotFound,
)
from services.risk.models import (
    ClassificationRun,
    Complaint,
    ComplaintLead,
    ContactPoint,
    IntakeUpload,
    Rectification,
    SupervisionMatter,
    SupervisionMember,
    Unit,
)
from services.risk.repository import classes as class_repo
from services.risk.repository import complaints as complaint_repo
from services.risk.repository import leads as lead_repo
from services.risk.repository import matters as matter_repo
from services.risk.repository import rectifications as rect_repo
from services.risk.repository import registries as registry_repo
from services.risk.repository import units as unit_repo
from services.risk.repository import uploads as upload_repo
from services.risk.repository.classes import ClassifiedEnterprise
from services.risk.schemas import AnswerWrite, MeasuresWrite, NoteWrite, ReasonWrite, UnitCode
from services.risk.settings import RiskContext
from services.risk.use_cases.classes import readable_enterprise, valid_uscc

__all__ = ["PrincipalDep", "SessionDep", "roles"]


ContextDep = Annotated[RiskContext, Depends(get_context)]


# --------------------------------------------------------------------------------------------------- who calls

IntegrationDep = Annotated[Principal, roles("integration")]
UploaderDep = Annotated[Principal, roles("integration", "admin")]
SupervisorDep = Annotated[Principal, roles("supervisor", "admin")]
OfficerOrSupervisorDep = Annotated[Principal, roles("officer", "supervisor", "admin")]
ClassReaderDep = Annotated[Principal, roles("supervisor", "admin", "officer", "enterprise")]
#: 12345 leads are read by their unit and supervisors, and by the integration client that brought them in
#: (issue #15: the hotline reads the answers; the lead's ``client`` column narrows it to its own).
LeadReaderDep = Annotated[Principal, roles("officer", "supervisor", "admin", "integration")]


def unit_of(principal: Principal) -> str | None:
    """The enforcement unit an officer acts for: the ``unit_code`` claim, else ``<dept_code>-<district_code>``."""
    if principal.role != "officer":
        return None
    explicit = principal.claims.get("unit_code")
    if isinstance(explicit, str) and explicit:
        return explicit
    if principal.dept_code and principal.district_code:
        return f"{principal.dept_code}-{principal.district_code}"
    return principal.dept_code


def scope_of(principal: Principal) -> Scope:
    """What the caller may read in risk: the kernel's scope, an officer narrowed to its unit."""
    scope = scope_for(principal)
    if principal.role == "officer":
        return dataclasses.replace(scope, department_code=unit_of(principal) or "")
    return scope


async def get_scope(principal: PrincipalDep) -> Scope:
    """What the caller may read in risk: the kernel's scope, an officer narrowed to its unit."""
    return scope_of(principal)


ScopeDep = Annotated[Scope, Depends(get_scope)]


def by_path(fetch: Any, param: str, missing: Callable[[uuid.UUID], DomainError]) -> Callable[..., Any]:
    """``factory(body=None)``: the object of the path parameter ``param`` (a UUID) through ``fetch`` (the
    access rule; a locking fetch for a write) in the caller's risk scope, or ``missing`` (404); with ``body``,
    the request body is validated before the lookup (422 first) and the route gets ``(object, body)``."""

    def factory(body: type[Any] | None = None) -> Any:
        return load_or_404(fetch, param=param, key=uuid.UUID, missing=missing, body=body, scope=ScopeDep)

    return factory


def city_wide(action: str, action_en: str) -> Any:
    """Dependency: a supervisor or administrator who acts for the whole city (publishing a report,
    transferring leads, reclassifying every enterprise); 403 RISK_CITY_SCOPE_REQUIRED for a district one."""

    async def dependency(principal: SupervisorDep) -> Principal:
        if principal.role == "admin" or (principal.role == "supervisor" and principal.scope == "city"):
            return principal
        raise CityScopeRequired(
            f"{action}须由市级监督人员或管理员操作",
            detail_en=f"Only a city-wide supervisor or an administrator may {action_en}",
        )

    return Depends(dependency)


def acting(*allowed: str, error: Callable[[], DomainError]) -> Any:
    """Dependency: an officer, supervisor or administrator whose role may take this action on the object
    (403 ``error()`` otherwise), checked before the object is loaded."""

    async def dependency(principal: OfficerOrSupervisorDep) -> Principal:
        if principal.role not in allowed:
            raise error()
        return principal

    return Depends(dependency)


def unit_acts(error: type[DomainError], detail: str, detail_en: str) -> Any:
    """Dependency: the unit concerned (an officer, or an administrator) takes this action; a supervisor is
    refused with ``error``."""
    return acting("officer", "admin", error=functools.partial(error, detail, detail_en=detail_en))


def supervisor_acts(error: type[DomainError], *, who: str = "监督人员") -> Callable[[str, str], Any]:
    """The dependency factory of the actions a supervisor (or an administrator) takes: ``factory(action,
    action_en)`` refuses an officer with ``error`` ("<action>须由<who>操作")."""

    def factory(action: str, action_en: str) -> Any:
        return acting(
            "supervisor",
            "admin",
            error=functools.partial(
                error, f"{action}须由{who}操作", detail_en=f"Only a supervisor may {action_en}"
            ),
        )

    return factory


RectificationSubmitterDep = Annotated[
    Principal,
    unit_acts(
        RectificationUnitOnly,
        "整改措施由被预警单位报送",
        "Only the warned unit submits rectification measures",
    ),
]
rectification_supervisor = supervisor_acts(RectificationSupervisorOnly)

LeadAnswererDep = Annotated[
    Principal,
    unit_acts(
        LeadUnitOnly, "线索由承办单位答复", "Only the department the lead was transferred to answers it"
    ),
]
lead_supervisor = supervisor_acts(LeadSupervisorOnly)


# --------------------------------------------------------------------------------------------------- objects

UnitDep = Annotated[
    Unit,
    load_or_404(
        unit_repo.readable_unit, param="unit_code", key=UnitCode, missing=UnitNotFound.of, scope=ScopeDep
    ),
]
RectificationDep = Annotated[
    Rectification,
    load_or_404(
        rect_repo.readable_rectification,
        param="warning_id",
        key=uuid.UUID,
        missing=RectificationNotFound.of,
        scope=ScopeDep,
    ),
]
LeadDep = Annotated[
    ComplaintLead,
    load_or_404(
        lead_repo.readable_lead, param="lead_id", key=uuid.UUID, missing=LeadNotFound.of, scope=ScopeDep
    ),
]


locked_rectification_with = by_path(rect_repo.locked_rectification, "warning_id", RectificationNotFound.of)
locked_lead_with = by_path(lead_repo.locked_lead, "lead_id", LeadNotFound.of)


# The writes of api/monitoring.py: the locked object with the route's body, ``(row, body)``
SubmittingMeasures = Annotated[tuple[Rectification, MeasuresWrite], locked_rectification_with(MeasuresWrite)]
RectificationWithNote = Annotated[tuple[Rectification, NoteWrite], locked_rectification_with(NoteWrite)]
RectificationWithReason = Annotated[tuple[Rectification, ReasonWrite], locked_rectification_with(ReasonWrite)]
AnsweringLead = Annotated[tuple[ComplaintLead, AnswerWrite], locked_lead_with(AnswerWrite)]
LeadWithNote = Annotated[tuple[ComplaintLead, NoteWrite], locked_lead_with(NoteWrite)]
LeadWithReason = Annotated[tuple[ComplaintLead, ReasonWrite], locked_lead_with(ReasonWrite)]

UploadDep = Annotated[
    IntakeUpload,
    load_or_404(
        upload_repo.readable_upload,
        param="upload_id",
        key=uuid.UUID,
        missing=UploadNotFound.of,
        scope=ScopeDep,
    ),
]
EnterpriseDep = Annotated[
    ClassifiedEnterprise,
    load_or_404(
        readable_enterprise,
        param="uscc",
        key=UsccText,
        # the USCC verified (422 before any 404), in its normal form
        missing=lambda uscc: EnterpriseNotFound.of(valid_uscc(uscc)),
        scope=ScopeDep,
    ),
]
RunDep = Annotated[
    ClassificationRun,
    load_or_404(
        class_repo.readable_run, param="run_id", key=uuid.UUID, missing=RunNotFound.of, scope=ScopeDep
    ),
]


#: Objects whose audit trail GET /api/v1/risk/audit/entities/{kind}/{id} shows, through their access rule.
AUDIT_ENTITIES = {
    "lead": AuditKind("complaint_lead", lead_repo.readable_lead, scope=scope_of),
    "rectification": AuditKind("rectification", rect_repo.readable_rectification, scope=scope_of),
}


# --------------------------------------------------------------------------------------------------- complaints (issue #14)

ComplaintReaderDep = Annotated[Principal, roles("supervisor", "admin", "officer", "enterprise")]
ComplaintFilerDep = Annotated[Principal, roles("enterprise")]


# the bureau (a supervisor or administrator) takes these actions; an officer is refused
complaint_supervisor = supervisor_acts(ComplaintSupervisorOnly, who="司法局监督人员")
ComplaintReplierDep = Annotated[
    Principal,
    unit_acts(
        ComplaintUnitOnly,
        "转办的投诉由承办单位回复",
        "Only the department a complaint was forwarded to replies",
    ),
]
ComplaintDep = Annotated[
    Complaint,
    load_or_404(
        complaint_repo.readable_complaint,
        param="complaint_id",
        key=uuid.UUID,
        missing=ComplaintNotFound.of,
        scope=ScopeDep,
    ),
]
LockedComplaintDep = Annotated[
    Complaint,
    load_or_404(
        complaint_repo.locked_complaint,
        param="complaint_id",
        key=uuid.UUID,
        missing=ComplaintNotFound.of,
        scope=ScopeDep,
    ),
]
AUDIT_ENTITIES["complaint"] = AuditKind("complaint", complaint_repo.readable_complaint, scope=scope_of)


locked_complaint_with = by_path(complaint_repo.locked_complaint, "complaint_id", ComplaintNotFound.of)


async def public_client_key(request: Request, context: ContextDep) -> str:
    """The key a public caller's complaints are counted under: its address behind the trusted proxies (the
    gateway), IPv6 by /64 (services.common.clientip), keyed with the service's HMAC key so no address is
    stored."""
    trusted = _trusted(context.settings.complaint_trusted_proxies)
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for")
    address = trusted.resolve(peer, forwarded.encode("latin-1") if forwarded else None)
    return hmac.new(context.complaint_token_key, bucket_key(address).encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=8)
def _trusted(text: str) -> ClientAddress:
    return ClientAddress(parse_networks(text))


PublicClientKeyDep = Annotated[str, Depends(public_client_key)]


# --------------------------------------------------------------------------------------------------- supervisors and contact points (issue #14)

ContactPointReaderDep = Annotated[Principal, roles("supervisor", "admin", "enterprise")]


member_with = by_path(registry_repo.readable_member, "member_id", MemberNotFound.of)  # 监督员
point_with = by_path(registry_repo.readable_point, "point_id", ContactPointNotFound.of)  # 联系点


MemberDep = Annotated[SupervisionMember, member_with()]
ContactPointDep = Annotated[ContactPoint, point_with()]


# --------------------------------------------------------------------------------------------------- supervision matters

MatterAnswererDep = Annotated[
    Principal,
    unit_acts(
        MatterUnitOnly, "监督事项由被监督单位答复", "Only the unit concerned answers a supervision matter"
    ),
]
matter_supervisor = supervisor_acts(MatterSupervisorOnly)


MatterDep = Annotated[
    SupervisionMatter,
    load_or_404(
        matter_repo.readable_matter,
        param="matter_id",
        key=uuid.UUID,
        missing=MatterNotFound.of,
        scope=ScopeDep,
    ),
]


locked_matter = by_path(matter_repo.locked_matter, "matter_id", MatterNotFound.of)


AUDIT_ENTITIES["matter"] = AuditKind("supervision_matter", matter_repo.readable_matter, scope=scope_of)


# --------------------------------------------------------------------------------------------------- case-file review (案卷评查)

from services.risk.errors import ReviewNotFound  # noqa: E402
from services.risk.models import ReviewCampaign  # noqa: E402
from services.risk.repository import reviews as review_repo  # noqa: E402
from services.risk.schemas import ReviewApprove, ScoresWrite  # noqa: E402

ReviewDep = Annotated[
    ReviewCampaign,
    load_or_404(
        review_repo.readable_campaign,
        param="review_id",
        key=uuid.UUID,
        missing=ReviewNotFound.of,
        scope=ScopeDep,
    ),
]
LockedReviewDep = Annotated[
    ReviewCampaign,
    load_or_404(
        review_repo.locked_campaign,
        param="review_id",
        key=uuid.UUID,
        missing=ReviewNotFound.of,
        scope=ScopeDep,
    ),
]
# the body validated before the lookup (a bad body is a 422 whether or not the campaign is the caller's)
ApproveReviewDep = Annotated[
    tuple[ReviewCampaign, ReviewApprove],
    load_or_404(
        review_repo.locked_campaign,
        param="review_id",
        key=uuid.UUID,
        missing=ReviewNotFound.of,
        body=ReviewApprove,
        scope=ScopeDep,
    ),
]
ScoreReviewDep = Annotated[
    tuple[ReviewCampaign, ScoresWrite],
    load_or_404(
        review_repo.locked_campaign,
        param="review_id",
        key=uuid.UUID,
        missing=ReviewNotFound.of,
        body=ScoresWrite,
        scope=ScopeDep,
    ),
]


# --------------------------------------------------------------------------------------------------- bulletins (通报)

from services.risk.errors import BulletinNotFound  # noqa: E402
from services.risk.models import Bulletin  # noqa: E402
from services.risk.repository import bulletins as bulletin_repo  # noqa: E402

BulletinDep = Annotated[
    Bulletin,
    load_or_404(
        bulletin_repo.readable_bulletin,
        param="bulletin_id",
        key=uuid.UUID,
        missing=BulletinNotFound.of,
        scope=ScopeDep,
    ),
]
