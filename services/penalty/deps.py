"""Dependencies of the penalty API: the service context, the roles each endpoint admits, path parameters,
and the objects a route works on, loaded through the access rule (services.penalty.repository) or 404.

A route declares its role dependency before the object it loads, so a role the endpoint does not serve is
refused (403) before anything is looked up, and a foreign object answers exactly like a missing one (404).
"""

from __future__ import annotations

import inspect
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, get_args

from fastapi import Depends, Path, Request
from pydantic import BaseModel

from services.common import scopes
from services.common.auth import Principal
from services.common.deps import AdminDep, PrincipalDep, ScopeDep, SessionDep, load_or_404, roles
from services.penalty import repository as repo
from services.penalty.errors import CaseNotFound, DocumentNotFound, LeadNotFound
from services.penalty.models import Document, Lead, PenaltyCase
from services.penalty.settings import PenaltyContext


def get_context(request: Request) -> PenaltyContext:
    return request.app.state.runtime.context  # type: ignore[no-any-return]


ContextDep = Annotated[PenaltyContext, Depends(get_context)]

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
# a former case system moving its cases in: administrators, or an integration client with the import scope
ImporterDep = Annotated[Principal, roles("admin", "integration", scope=scopes.CASES_IMPORT)]

Found = TypeVar("Found")
Body = TypeVar("Body", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Posted(Generic[Found, Body]):
    """What a write works on: the object its path names, loaded through the access rule, and the request's
    validated body."""

    found: Found
    body: Body


def _described(loader: Any, description: str, body: type[BaseModel] | None = None) -> Any:
    """The kernel's ``load_or_404`` dependency with its path parameter described and, for a write, the body.

    With ``body``, the body is a parameter of the loading dependency itself: FastAPI does not call a
    dependency whose parameters fail validation, so a malformed body is refused at its field (422) before
    the object is looked up, as it was before the loaders existed (tests/test_request_types.py sends bad
    bodies to ids that do not exist); the route gets both as ``Posted``. (A body validated twice, by the
    loader and by the route, would list every error twice.)
    """
    load = loader.dependency
    parameters = list(inspect.signature(load).parameters.values())
    key = parameters[0]
    parameters[0] = key.replace(
        annotation=Annotated[get_args(key.annotation)[0], Path(description=description)]
    )
    if body is not None:
        parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body))

    async def dependency(**kwargs: Any) -> Any:
        sent = kwargs.pop("body", None)
        found = await load(**kwargs)
        return found if body is None else Posted(found, sent)

    dependency.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    dependency.__name__ = load.__name__
    return Depends(dependency)


_CASE = load_or_404(repo.readable_case, param="case_id", key=uuid.UUID, missing=CaseNotFound.of)
_CASE_FOR_UPDATE = load_or_404(repo.lockable_case, param="case_id", key=uuid.UUID, missing=CaseNotFound.of)
_PAYABLE_CASE = load_or_404(repo.payable_case, param="case_id", key=uuid.UUID, missing=CaseNotFound.of)
_LEAD = load_or_404(repo.readable_lead, param="lead_id", key=uuid.UUID, missing=LeadNotFound.of)
_LEAD_FOR_UPDATE = load_or_404(repo.lockable_lead, param="lead_id", key=uuid.UUID, missing=LeadNotFound.of)
_DOCUMENT = load_or_404(
    repo.readable_document, param="document_id", key=uuid.UUID, missing=DocumentNotFound.of
)

#: The case named by ``{case_id}``, as the caller may read it.
CaseDep = Annotated[PenaltyCase, _described(_CASE, "the case id")]
LeadDep = Annotated[Lead, _described(_LEAD, "the lead id")]
DocumentDep = Annotated[Document, _described(_DOCUMENT, "the document id")]


def case_for_update(body: type[BaseModel]) -> Any:
    """The case, locked for the procedure step the request performs, with the step's body."""
    return _described(_CASE_FOR_UPDATE, "the case id", body)


def payable_case(body: type[BaseModel]) -> Any:
    """The case, locked, for a payment report (integration clients report payments for any case)."""
    return _described(_PAYABLE_CASE, "the case id", body)


def lead_for_update(body: type[BaseModel]) -> Any:
    """The lead, locked for its confirmation or dismissal, with the request's body."""
    return _described(_LEAD_FOR_UPDATE, "the lead id", body)


__all__ = [
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
    "Posted",
    "PrincipalDep",
    "ReaderDep",
    "ScopeDep",
    "SessionDep",
    "SupervisorDep",
    "VersionPath",
    "case_for_update",
    "lead_for_update",
    "payable_case",
]
