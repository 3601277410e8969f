"""Request dependencies shared by every service: the session owned by the edge, the principal, and the role
and client-scope gate each endpoint declares (also read back by the OpenAPI document: ``declared_access``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import scopes
from services.common.auth import ROLES, Principal, Role, TokenVerifier, require_role


async def get_session(request: Request) -> AsyncSession:
    """The request's session; the edge middleware commits or rolls it back."""
    return request.state.zhifa.get_session()  # type: ignore[no-any-return]


async def get_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(request.headers.get("authorization"))


SessionDep = Annotated[AsyncSession, Depends(get_session)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def roles(*allowed: Role, scope: str | None = None) -> Any:
    """Dependency: the principal, provided its role is one of ``allowed`` (403 otherwise) and, for an
    integration client, that its client holds ``scope`` (403 CLIENT_SCOPE_FORBIDDEN otherwise)."""

    async def dependency(request: Request, principal: PrincipalDep) -> Principal:
        require_role(principal, *allowed)
        if scope is not None:
            scopes.require(principal, scope, request.app.state.runtime.settings.integration_scopes)
        return principal

    return Depends(declare_access(dependency, allowed, scope))


def declare_access(dependency: Callable[..., Any], allowed: tuple[Role, ...], scope: str | None) -> Any:
    """Mark a principal dependency with the roles (and client scope) it admits, for the OpenAPI document."""
    dependency.zhifa_access = (tuple(allowed), scope)  # type: ignore[attr-defined]
    return dependency


declare_access(get_principal, ROLES, None)


AdminDep = Annotated[Principal, roles("admin")]
