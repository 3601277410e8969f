"""Dependencies of the risk API: the request session, the principal, and loaders that 404."""

from __future__ import annotations

from services.common.deps import PrincipalDep, SessionDep, roles

__all__ = ["PrincipalDep", "SessionDep", "roles"]
