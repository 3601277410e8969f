"""The gateway's routing table (gateway/routing.py): every prefix a service answers under goes to it."""

from __future__ import annotations

from gateway.routing import build_routes, match


def test_a_service_with_further_prefixes_gets_them_all() -> None:
    routes = build_routes()

    def service(path: str) -> str | None:
        route = match(routes, path)
        return None if route is None else route.service

    assert service("/api/v1/notifications") == "notify"  # the bare collection
    assert service("/api/v1/notifications/stream") == "notify"
    assert service("/api/v1/webhooks") == "notify"
    assert service("/api/v1/webhooks/endpoints/x/deliveries") == "notify"
    assert service("/api/v1/webhooksx") is None  # a prefix is a whole path segment
    assert service("/api/v1/risk/intake/complaints") == "risk"
    assert service("/api/v1/nowhere") is None
