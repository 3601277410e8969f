"""Dependencies of the penalty API: the request session, the principal, roles and the service context."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request

from services.common import scopes
from services.common.auth import Principal
from services.common.deps import AdminDep, PrincipalDep, SessionDep, roles
from services.penalty.service import Context


def get_context(request: Request) -> Context:
    return request.app.state.penalty  # type: ignore[no-any-return]


ContextDep = Annotated[Context, Depends(get_context)]
CaseId = Annotated[uuid.UUID, Path(description="the case id")]
LeadId = Annotated[uuid.UUID, Path(description="the lead id")]
DocumentId = Annotated[uuid.UUID, Path(description="the document id")]
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
AssessorDep = Annotated[Principal, roles("officer", "enterprise", "supervisor", "admin")]

__all__ = [
    "AdminDep",
    "AssessorDep",
    "BenchmarkCodePath",
    "CaseId",
    "ContextDep",
    "DocumentId",
    "InternalReaderDep",
    "LeadId",
    "OfficerDep",
    "PartyOrOfficerDep",
    "PaymentDep",
    "PrincipalDep",
    "ReaderDep",
    "SessionDep",
    "SupervisorDep",
    "VersionPath",
]
