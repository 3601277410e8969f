"""Dependencies of the credit_repair API: who may call what, the service context, and loaders that find an
object through the one access rule or answer 404 (a foreign object looks absent).

A route declares its role gate before its loader, so a role that may never call it gets 403 first and the
OpenAPI document names the gate's roles (services.common.openapi reads the first principal dependency).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from services.common import scopes
from services.common.audit_api import AuditKind
from services.common.auth import Principal
from services.common.deps import AdminDep, PrincipalDep, ScopeDep, SessionDep, get_context, load_or_404, roles
from services.credit_repair import schemas
from services.credit_repair.errors import (
    CleanupNotFound,
    NoticeNotFound,
    RecordNotFound,
    RepairNotFound,
    RuleSetNotFound,
)
from services.credit_repair.models import (
    CleanupRun,
    CreditRecord,
    RepairApplication,
    RepairNotice,
    RuleSetRow,
)
from services.credit_repair.repository import bulk as bulk_repo
from services.credit_repair.repository import notices as notice_repo
from services.credit_repair.repository import records as record_repo
from services.credit_repair.repository import repairs as repair_repo
from services.credit_repair.repository import rule_sets as rule_set_repo
from services.credit_repair.settings import CreditRepairContext

__all__ = [
    "AdminDep",
    "CleanupDep",
    "CleanupStaffDep",
    "ContextDep",
    "EnterpriseDep",
    "FeedReaderDep",
    "NoticeDep",
    "PrincipalDep",
    "ReaderDep",
    "RecordDep",
    "RepairAcceptanceDep",
    "RepairDecisionDep",
    "RepairDep",
    "ResumedCleanupDep",
    "ReviewerDep",
    "RuleSetDep",
    "ScopeDep",
    "SessionDep",
    "StaffDep",
]


ContextDep = Annotated[CreditRepairContext, Depends(get_context)]

# Who may call what; which objects they see is the access rule's (repository: VISIBILITY per kind).
ReaderDep = Annotated[Principal, roles("enterprise", "officer", "supervisor", "admin")]
EnterpriseDep = Annotated[Principal, roles("enterprise")]
StaffDep = Annotated[Principal, roles("officer", "supervisor", "admin")]
ReviewerDep = Annotated[Principal, roles("officer", "admin")]
CleanupStaffDep = Annotated[Principal, roles("supervisor", "admin")]
FeedReaderDep = Annotated[
    Principal, roles("integration", "supervisor", "admin", scope=scopes.CREDIT_FEED_READ)
]

RecordDep = Annotated[
    CreditRecord,
    load_or_404(record_repo.readable_record, param="record_id", key=uuid.UUID, missing=RecordNotFound.of),
]
NoticeDep = Annotated[
    RepairNotice,
    load_or_404(notice_repo.readable_notice, param="notice_id", key=uuid.UUID, missing=NoticeNotFound.of),
]
RepairDep = Annotated[
    RepairApplication,
    load_or_404(
        repair_repo.readable_application, param="repair_id", key=uuid.UUID, missing=RepairNotFound.of
    ),
]
CleanupDep = Annotated[
    CleanupRun,
    load_or_404(
        bulk_repo.readable_cleanup_run, param="cleanup_id", key=uuid.UUID, missing=CleanupNotFound.of
    ),
]
#: The run locked until the request commits, to change its status.
ResumedCleanupDep = Annotated[
    CleanupRun,
    load_or_404(
        bulk_repo.cleanup_run_to_resume, param="cleanup_id", key=uuid.UUID, missing=CleanupNotFound.of
    ),
]
# An application under review, locked until the request commits (one review at a time), with the review's
# body: the body is validated before the lookup, so a malformed one is refused at its field (422) whether or
# not the application exists or is visible.
RepairAcceptanceDep = Annotated[
    tuple[RepairApplication, schemas.RepairAcceptance],
    load_or_404(
        repair_repo.application_for_review,
        param="repair_id",
        key=uuid.UUID,
        missing=RepairNotFound.of,
        body=schemas.RepairAcceptance,
    ),
]
RepairDecisionDep = Annotated[
    tuple[RepairApplication, schemas.RepairDecision],
    load_or_404(
        repair_repo.application_for_review,
        param="repair_id",
        key=uuid.UUID,
        missing=RepairNotFound.of,
        body=schemas.RepairDecision,
    ),
]
RuleSetId = Annotated[str, Path(min_length=1, max_length=100)]
RuleSetDep = Annotated[
    RuleSetRow,
    load_or_404(
        rule_set_repo.readable_rule_set,
        param="rule_set_id",
        key=RuleSetId,
        missing=RuleSetNotFound.of,
    ),
]


#: Objects whose audit trail GET /api/v1/credit/audit/entities/{kind}/{id} shows, through their access rule.
AUDIT_ENTITIES = {"record": AuditKind("credit_record", record_repo.readable_record)}
