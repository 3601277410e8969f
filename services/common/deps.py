"""Request dependencies shared by every service: the session owned by the edge, the principal, its scope
(what it may read), loaders that find an object through the one access rule or answer 404, and the role
and client-scope gate each endpoint declares (also read back by the OpenAPI document: ``declared_access``)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import scopes
from services.common.access import Scope, scope_for
from services.common.auth import ROLES, Principal, Role, TokenVerifier, require_role
from services.common.errors import DomainError


async def get_session(request: Request) -> AsyncSession:
    """The request's session; the edge middleware commits or rolls it back."""
    return request.state.zhifa.get_session()  # type: ignore[no-any-return]


async def get_context(request: Request) -> Any:
    """The service's context (``<Name>Context``, built at start-up). ``async`` so FastAPI calls it on the
    event loop: a plain function dependency is run in the thread pool, one hop per request for nothing.
    Each service types it: ``ContextDep = Annotated[<Name>Context, Depends(get_context)]``."""
    return request.app.state.runtime.context


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


async def get_scope(principal: PrincipalDep) -> Scope:
    """What the caller may read (services.common.access)."""
    return scope_for(principal)


ScopeDep = Annotated[Scope, Depends(get_scope)]

Key = TypeVar("Key")
Loaded = TypeVar("Loaded")
Fetch = Callable[[AsyncSession, Scope, Key], Awaitable[Loaded | None]]


def load_or_404(
    fetch: Fetch[Key, Loaded],
    *,
    param: str,
    key: Any,
    missing: Callable[[Key], DomainError],
    body: type[Any] | None = None,
    query: Mapping[str, Any] | None = None,
    scope: Any = ScopeDep,
) -> Any:
    """A dependency that loads the object named by path parameter ``param`` through ``fetch`` (which
    applies the access rule) or raises ``missing(key)`` (a 404): a foreign object looks absent.

    ``CaseDep = Annotated[PenaltyCase, load_or_404(repo.readable_case, param="case_id", key=uuid.UUID,
    missing=CaseNotFound.of)]``; a route taking ``case: CaseDep`` has the path parameter ``{case_id}``.

    With ``body`` (the request body's model), the body is validated first and handed over with the object
    as ``(object, body)``, and the route declares no body of its own: a body that does not validate is
    refused at its field (422) whether or not the object exists. FastAPI runs dependencies before it
    validates the endpoint's own body, so without it a lookup's 404 would hide the 422.

    With ``query`` (name → annotation, e.g. ``{"on": Annotated[Day | None, Query()]}``), those optional query
    parameters are validated with the key, before the lookup, and handed over as ``(object, {name: value})``:
    a malformed query value is refused at its field (422) whether or not the object exists.

    ``key`` may carry constraints (``Annotated[str, Field(pattern=...)]``: a malformed key is a 422, as a
    plain path parameter would be); ``scope`` is the scope dependency, for a service that narrows the
    kernel's (risk: an officer sees its own enforcement unit).
    """

    async def dependency(**kwargs: Any) -> Any:
        value: Key = kwargs[param]
        found = await fetch(kwargs["_session"], kwargs["_scope"], value)
        if found is None:
            raise missing(value)
        if query is not None:
            return found, {name: kwargs[name] for name in query}
        return found if body is None else (found, kwargs["body"])

    parameters = [
        inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[key, Path()]),
        inspect.Parameter("_session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep),
        inspect.Parameter("_scope", inspect.Parameter.KEYWORD_ONLY, annotation=scope),
    ]
    if body is not None and query is not None:
        raise TypeError("load_or_404 takes a body or query parameters, not both")
    if body is not None:
        parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body))
    for name, annotation in (query or {}).items():
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=None)
        )
    dependency.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    dependency.__name__ = f"load_{param}"
    return Depends(dependency)
