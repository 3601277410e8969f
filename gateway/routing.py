"""The gateway's routing table: which upstream serves a path, and the coarse role gate in front of it.

Services enforce fine-grained and object-level access themselves; the gateway only turns away what can
never succeed (no token, a role that has no business under a prefix) before it costs an upstream call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.common.auth import ROLES, Role
from services.common.registry import SERVICES


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    service: str
    public: bool
    roles: frozenset[Role]
    # What ``match`` compares, worked out once: the prefix as a directory (``/api/v1/webhooks/``), and the
    # path it also matches exactly when it is not written as one (``/api/v1/webhooks``; None otherwise).
    under: str = field(init=False, compare=False)
    exact: str | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        is_dir = self.prefix.endswith("/")
        object.__setattr__(self, "under", self.prefix if is_dir else self.prefix + "/")
        object.__setattr__(self, "exact", None if is_dir else self.prefix)


ALL_ROLES: frozenset[Role] = frozenset(ROLES)

# Narrower gates (longest prefix wins).
_GATES: dict[str, frozenset[Role]] = {
    "/api/v1/risk/intake": frozenset({"integration", "admin"}),
    "/api/v1/risk/reports": frozenset({"supervisor", "admin"}),
    "/api/v1/penalty/consistency": frozenset({"supervisor", "admin"}),
    "/api/v1/credit/feed": frozenset({"integration", "admin", "supervisor"}),
    "/api/v1/credit/cleanups": frozenset({"admin", "supervisor"}),
}


def build_routes() -> list[Route]:
    routes: list[Route] = []
    for info in SERVICES.values():
        routes.append(Route(f"/public/{info.url_prefix}/", info.name, True, frozenset()))
        routes.append(Route(f"/api/v1/{info.url_prefix}/", info.name, False, ALL_ROLES))
        for extra in (info.url_prefix, *info.extra_prefixes):
            # the bare collection path (GET /api/v1/notifications) and further prefixes (/api/v1/webhooks)
            routes.append(Route(f"/api/v1/{extra}", info.name, False, ALL_ROLES))
    for prefix, roles in _GATES.items():
        service = next(i.name for i in SERVICES.values() if prefix.startswith(f"/api/v1/{i.url_prefix}/"))
        routes.append(Route(prefix, service, False, roles))
    routes.sort(key=lambda r: len(r.prefix), reverse=True)
    return routes


def match(routes: list[Route], path: str) -> Route | None:
    for route in routes:
        if path.startswith(route.under) or path == route.exact:
            return route
    return None
