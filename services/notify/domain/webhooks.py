"""Webhooks, the pure part: what integrations may subscribe to, the Standard Webhooks signature, the
retry schedule, and which receiver addresses are refused (no SSRF into the platform's own network).

Standard Webhooks (v1): the body is signed as ``{webhook-id}.{webhook-timestamp}.{body}`` with
HMAC-SHA256 under the endpoint's secret (``whsec_`` + base64 of 32 random bytes); ``webhook-signature``
holds ``v1,<base64>`` for every secret in force, separated by spaces, so a receiver that still has the
old secret verifies during a rotation's overlap and one that has the new one verifies too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from services.notify.errors import WebhookUrlRefused

#: What integration clients may subscribe to (contract types); a webhook carries the event's envelope.
SUBSCRIBABLE = (
    "inspection.visit.started",
    "inspection.visit.completed",
    "penalty.decision.issued",
    "penalty.decision.revoked",
    "penalty.decision.changed",
    "penalty.fine.paid",
    "credit.notice.issued",
    "credit.publication.started",
    "credit.publication.ended",
    "credit.repair.completed",
    "risk.warning.issued",
)

#: Cloud metadata services, refused whatever range they fall in.
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
LOCALHOST_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of the body under ``secret``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets_in_force: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers: every secret in force signs (a rotation's overlap)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_in_force),
        "content-type": "application/json",
    }


@dataclass(frozen=True, slots=True)
class Schedule:
    """Exponential back-off: ``base`` × 2^(n−1) after the n-th failure, at most ``cap``, for ``window``
    from the delivery's creation; past the window the delivery is dead-lettered."""

    base: timedelta
    cap: timedelta
    window: timedelta

    def next_attempt(self, created_at: datetime, failures: int, now: datetime) -> datetime | None:
        """When to try again after ``failures`` failed attempts, or None: dead-letter it."""
        if now - created_at >= self.window:
            return None
        delay: timedelta = min(self.cap, self.base * (2 ** max(0, failures - 1)))
        return now + delay


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int


def parse_url(url: str, *, allow_http_localhost: bool) -> Target:
    """A receiver URL: ``https://`` with a host (``http://`` to localhost only where the settings allow it,
    in development), no credentials in it."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise WebhookUrlRefused.of(url, "接收地址须为含主机名的 https 地址，且不得包含用户名或密码")
    if parts.scheme == "http":
        if not (allow_http_localhost and host in LOCALHOST_NAMES):
            raise WebhookUrlRefused.of(url, "接收地址须使用 https（仅开发环境允许 http://localhost）")
    elif parts.scheme != "https":
        raise WebhookUrlRefused.of(url, "接收地址须使用 https")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookUrlRefused.of(url, "端口无效") from exc
    return Target(parts.scheme, host, port)


def refused_address(address: str, *, allow_loopback: bool) -> str | None:
    """Why an address a receiver's name resolves to is refused, or None: private, loopback (unless
    development allows localhost), link-local, metadata, multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return "云平台元数据地址"
    if ip.is_loopback:
        return None if allow_loopback else "本机回环地址"
    if ip.is_link_local:
        return "链路本地地址"
    if ip.is_private or ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "内部网络地址"
    return None


def check_addresses(url: str, target: Target, addresses: list[str], *, allow_loopback: bool) -> None:
    """Refuse the receiver when any address its host resolves to is internal (a name that resolves to
    several addresses might be connected to at any of them)."""
    if not addresses:
        raise WebhookUrlRefused.of(url, f"无法解析主机 {target.host}")
    for address in addresses:
        reason = refused_address(address, allow_loopback=allow_loopback and target.host in LOCALHOST_NAMES)
        if reason is not None:
            raise WebhookUrlRefused.of(url, f"主机 {target.host} 解析为{reason} {address}，不允许推送")
