"""Dependencies of the inspection API: the request session, the principal by role, the service config,
the runtime's session factory (for refusals) and the attempt key of an entry request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.auth import Principal, Role, TokenVerifier, require_role
from services.common.deps import AdminDep, PrincipalDep, declare_access, roles
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


@dataclass(frozen=True, slots=True)
class Entry:
    """Everything a scan-to-enter endpoint needs besides the caller and the body, as ONE dependency (each
    FastAPI dependency costs tens of microseconds per request, and check-in is the hot path)."""

    session: AsyncSession
    factory: async_sessionmaker[AsyncSession]
    cfg: service.Config
    attempt_key: str | None


def caller(*allowed: Role) -> Any:
    """The principal with one of ``allowed`` roles, verified in a single dependency."""

    async def dependency(request: Request) -> Principal:
        verifier: TokenVerifier = request.app.state.verifier
        principal = await verifier.verify(request.headers.get("authorization"))
        return require_role(principal, *allowed)

    return Depends(declare_access(dependency, allowed, None))


async def entry(request: Request) -> Entry:
    """The session, the factory for refusals, the config, and the attempt key of the Idempotency-Key."""
    principal_key = None
    key = request.headers.get("idempotency-key")
    if key:
        verifier: TokenVerifier = request.app.state.verifier
        principal = await verifier.verify(request.headers.get("authorization"))
        principal_key = service.attempt_key(principal, key, request.scope["path"])
    return Entry(
        request.state.zhifa.get_session(),
        request.app.state.factory,
        request.app.state.inspection,
        principal_key,
    )


EntryDep = Annotated[Entry, Depends(entry)]
EntryOfficerDep = Annotated[Principal, caller("officer")]
EntryEnterpriseDep = Annotated[Principal, caller("enterprise")]


async def idempotency_key(request: Request) -> str | None:
    return request.headers.get("idempotency-key") or None


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]

__all__ = [
    "AdminDep",
    "EntryDep",
    "EntryEnterpriseDep",
    "EntryOfficerDep",
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
