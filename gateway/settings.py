"""Gateway settings (environment prefix ``ZHIFA_GATEWAY_``; shared values ``ZHIFA_*``)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from gateway.clientip import parse_networks
from services.common.registry import GATEWAY_PORT, SERVICES
from services.common.settings import CommonSettings


class GatewaySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIFA_GATEWAY_", extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", description="bind address")
    port: int = Field(GATEWAY_PORT, description="HTTP port")
    inspection_url: str = Field(
        f"http://127.0.0.1:{SERVICES['inspection'].port}", description="inspection upstream"
    )
    penalty_url: str = Field(f"http://127.0.0.1:{SERVICES['penalty'].port}", description="penalty upstream")
    credit_repair_url: str = Field(
        f"http://127.0.0.1:{SERVICES['credit_repair'].port}", description="credit upstream"
    )
    risk_url: str = Field(f"http://127.0.0.1:{SERVICES['risk'].port}", description="risk upstream")
    notify_url: str = Field(f"http://127.0.0.1:{SERVICES['notify'].port}", description="notify upstream")
    timeout_s: float = Field(15.0, description="total upstream time before a 504")
    connect_timeout_s: float = Field(2.0, description="upstream connect time before a 503")
    pool_size: int = Field(200, description="pooled upstream connections")
    max_body_bytes: int = Field(2 * 1024 * 1024, description="largest request body forwarded")
    bulk_max_body_bytes: int = Field(64 * 1024 * 1024, description="largest body for .../bulk endpoints")
    rate_per_second: float = Field(
        200.0, description="sustained requests per second per authenticated caller"
    )
    rate_burst: int = Field(400, description="burst size per authenticated caller")
    public_rate_per_second: float = Field(
        5.0, description="sustained requests per second per client address (IPv6: per /64) on /public"
    )
    public_rate_burst: int = Field(30, description="burst per client address on /public")
    trusted_proxies: str = Field(
        "",
        description="comma-separated CIDRs of the proxies in front of the gateway (the Ingress controller "
        "pods); X-Forwarded-For is believed only from them. Empty: the connecting peer is the client",
    )
    rate_limit_max_keys: int = Field(
        200_000, description="callers tracked per limiter; idle (refilled) ones are dropped beyond it"
    )
    upstream_check_interval_s: float = Field(
        5.0, description="how often the upstreams' /readyz is polled (reported by /readyz and a gauge)"
    )
    cors_origins: str = Field("", description="comma-separated app origins allowed by CORS ('*' for any)")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # a typo must stop the start, not silently trust nobody
        return value

    def upstream(self, service: str) -> str:
        return str(getattr(self, f"{service}_url")).rstrip("/")
