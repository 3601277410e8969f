"""Dependencies of the inspection API: the request session, the principal by role, the service config,
the runtime's session factory (for refusals) and the attempt key of an entry request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.auth import Principal
from services.common.deps import AdminDep, PrincipalDep, roles
from services.inspection import service

# Every dependency here is ``async def``: FastAPI runs plain ``def`` dependencies in a thread pool, and the
# thread hand-off and GIL contention cost more than the dependency itself on the check-in hot path.


async def get_session(request: Request) -> AsyncSession:
    """The request's session; the edge middleware commits or rolls it back."""
    return request.state.zhifa.get_session()  # type: ignore[no-any-return]


async def get_config(request: Request) -> service.Config:
    return request.app.state.inspection  # type: ignore[no-any-return]


async def get_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.factory  # type: ignore[no-any-return]


SessionDep = Annotated[AsyncSession, Depends(get_session)]


ConfigDep = Annotated[service.Config, Depends(get_config)]
FactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_factory)]
OfficerDep = Annotated[Principal, roles("officer")]
EnterpriseDep = Annotated[Principal, roles("enterprise")]
SupervisorDep = Annotated[Principal, roles("supervisor", "admin")]
StaffDep = Annotated[Principal, roles("officer", "supervisor", "admin")]
TaskCreatorDep = Annotated[Principal, roles("officer", "admin")]
ApproverDep = Annotated[Principal, roles("supervisor", "officer")]
VisitReaderDep = Annotated[Principal, roles("officer", "enterprise", "supervisor", "admin")]


async def idempotency_key(request: Request) -> str | None:
    return request.headers.get("idempotency-key") or None


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]

__all__ = [
    "AdminDep",
    "ApproverDep",
    "ConfigDep",
    "EnterpriseDep",
    "FactoryDep",
    "IdempotencyKeyDep",
    "OfficerDep",
    "PrincipalDep",
    "SessionDep",
    "StaffDep",
    "SupervisorDep",
    "TaskCreatorDep",
    "VisitReaderDep",
]
