"""Dependencies of the risk API: the request session, the principal, the configuration, and scope checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.common.auth import Principal
from services.common.deps import AdminDep, PrincipalDep, SessionDep, roles
from services.common.errors import Forbidden
from services.risk.domain.report import RiskConfigSet
from services.risk.settings import RiskSettings

__all__ = [
    "AdminDep",
    "ConfigDep",
    "IntegrationDep",
    "OfficerOrSupervisorDep",
    "PrincipalDep",
    "SessionDep",
    "SettingsDep",
    "SupervisorDep",
    "roles",
    "unit_of",
]


def get_settings(request: Request) -> RiskSettings:
    return request.app.state.runtime.settings  # type: ignore[no-any-return]


def get_config(request: Request) -> RiskConfigSet:
    return request.app.state.risk_config  # type: ignore[no-any-return]


SettingsDep = Annotated[RiskSettings, Depends(get_settings)]
ConfigDep = Annotated[RiskConfigSet, Depends(get_config)]
IntegrationDep = Annotated[Principal, roles("integration")]
SupervisorDep = Annotated[Principal, roles("supervisor", "admin")]
OfficerOrSupervisorDep = Annotated[Principal, roles("officer", "supervisor", "admin")]


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


class CityScopeRequired(Forbidden):
    code = "RISK_CITY_SCOPE_REQUIRED"
    title = "须由市级监督人员或管理员操作"
    title_en = "Only a city-wide supervisor or an administrator may do this"


def require_city(principal: Principal, action: str) -> None:
    """City-wide acts (publishing a report, transferring leads, reclassifying) need city scope or admin."""
    if principal.role == "admin" or (principal.role == "supervisor" and principal.scope == "city"):
        return
    raise CityScopeRequired(f"{action}须由市级监督人员或管理员操作")
