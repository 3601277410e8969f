"""The gateway's routing table: which upstream serves a path, and the coarse role gate in front of it.

Services enforce fine-grained and object-level access themselves; the gateway only turns away what can
never succeed (no token, a role that has no business under a prefix) before it costs an upstream call.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import ROLES, Role
from services.common.registry import SERVICES


@dataclass(frozen=True, slots=True)
class Route:
    prefix: str
    service: str
    public: bool
    roles: frozenset[Role]


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
        if route.prefix.endswith("/"):
            if path.startswith(route.prefix):
                return route
        elif path == route.prefix or path.startswith(route.prefix + "/"):
            return route
    return None
