"""The processes of the platform: names, default ports, environment prefixes, stream names.

The CLI, the gateway's routing table, the deployment tests and the docs all read this one table, so a
service cannot exist in one place and be missing from another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str  # python package under services/, also the CLI name
    port: int
    url_prefix: str  # /api/v1/<url_prefix>/..., /public/<url_prefix>/...
    stream: str  # JetStream stream owning <subject_prefix>.>
    subject_prefix: str  # event type prefix, e.g. "credit" for credit.notice.issued
    # further prefixes the service answers under /api/v1/<prefix>/ (notify: webhooks)
    extra_prefixes: tuple[str, ...] = ()

    @property
    def api_prefix(self) -> str:
        """Where the service's authenticated API lives: ``/api/v1/<url_prefix>``."""
        return f"/api/v1/{self.url_prefix}"

    @property
    def env_prefix(self) -> str:
        return f"ZHIFA_{self.name.upper()}_"

    @property
    def database_name(self) -> str:
        return f"zhifa_{self.name}"

    @property
    def module(self) -> str:
        return f"services.{self.name}"


SERVICES: dict[str, ServiceInfo] = {
    s.name: s
    for s in (
        ServiceInfo("inspection", 8101, "inspection", "INSPECTION", "inspection"),
        ServiceInfo("penalty", 8102, "penalty", "PENALTY", "penalty"),
        ServiceInfo("credit_repair", 8103, "credit", "CREDIT", "credit"),
        ServiceInfo("risk", 8104, "risk", "RISK", "risk"),
        ServiceInfo("notify", 8105, "notifications", "NOTIFY", "notify", ("webhooks",)),
    )
}

GATEWAY_PORT = 8000
NATS_PORT = 4222
POSTGRES_PORT = 5432


def by_subject(subject: str) -> ServiceInfo:
    """The service that owns an event type such as ``penalty.decision.issued``."""
    prefix = subject.split(".", 1)[0]
    for info in SERVICES.values():
        if info.subject_prefix == prefix:
            return info
    raise KeyError(subject)
