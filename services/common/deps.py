"""Request dependencies shared by every service: the session owned by the edge, and the principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role, TokenVerifier, require_role


async def get_session(request: Request) -> AsyncSession:
    """The request's session; the edge middleware commits or rolls it back."""
    return request.state.zhifa.get_session()  # type: ignore[no-any-return]


async def get_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(request.headers.get("authorization"))


SessionDep = Annotated[AsyncSession, Depends(get_session)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def roles(*allowed: Role) -> object:
    """Dependency: the principal, provided its role is one of ``allowed`` (403 otherwise)."""

    async def dependency(principal: PrincipalDep) -> Principal:
        return require_role(principal, *allowed)

    return Depends(dependency)


AdminDep = Annotated[Principal, roles("admin")]
