"""Dependencies of the credit_repair API: the request session, the principal by role, and the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.common import scopes
from services.common.auth import Principal
from services.common.deps import AdminDep, PrincipalDep, SessionDep, roles
from services.credit_repair.settings import CreditRepairSettings

__all__ = [
    "AdminDep",
    "EnterpriseDep",
    "FeedReaderDep",
    "PrincipalDep",
    "ReaderDep",
    "ReviewerDep",
    "SessionDep",
    "SettingsDep",
    "StaffDep",
    "CleanupDep",
]


def get_settings(request: Request) -> CreditRepairSettings:
    return request.app.state.runtime.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[CreditRepairSettings, Depends(get_settings)]
# Who may call what; object-level visibility (own records, own department, own district) is the service's.
ReaderDep = Annotated[Principal, roles("enterprise", "officer", "supervisor", "admin")]
EnterpriseDep = Annotated[Principal, roles("enterprise")]
StaffDep = Annotated[Principal, roles("officer", "supervisor", "admin")]
ReviewerDep = Annotated[Principal, roles("officer", "admin")]
CleanupDep = Annotated[Principal, roles("supervisor", "admin")]
FeedReaderDep = Annotated[
    Principal, roles("integration", "supervisor", "admin", scope=scopes.CREDIT_FEED_READ)
]
AnyRoleDep = PrincipalDep
