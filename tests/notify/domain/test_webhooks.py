"""Webhooks, the pure rules (services/notify/domain/webhooks.py): Standard Webhooks signatures (verified with
the ``standardwebhooks`` package), the retry schedule, and the receivers refused (SSRF)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from services.notify.domain import webhooks
from services.notify.errors import WebhookUrlRefused


def test_every_secret_in_force_signs_and_either_verifies() -> None:
    old, new = webhooks.new_secret(), webhooks.new_secret()
    body = b'{"type":"inspection.visit.started"}'
    now = int(datetime.now(UTC).timestamp())
    headers = webhooks.headers([new, old], "msg_1", now, body)
    assert headers["webhook-signature"].count("v1,") == 2
    assert Webhook(old).verify(body, headers) == {"type": "inspection.visit.started"}
    assert Webhook(new).verify(body, headers) == {"type": "inspection.visit.started"}
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)


def test_the_back_off_doubles_to_its_cap_and_ends_after_the_window() -> None:
    schedule = webhooks.Schedule(timedelta(seconds=10), timedelta(hours=1), timedelta(hours=26))
    created = datetime(2026, 12, 6, tzinfo=UTC)
    # after failure n: 10 s × 2^(n−1): 10, 20, 40, ...; 10 × 2^9 = 5,120 s > 3,600 s: capped
    assert schedule.next_attempt(created, 1, created) == created + timedelta(seconds=10)
    assert schedule.next_attempt(created, 3, created) == created + timedelta(seconds=40)
    assert schedule.next_attempt(created, 10, created) == created + timedelta(hours=1)
    late = created + timedelta(hours=25, minutes=59)
    assert schedule.next_attempt(created, 40, late) == late + timedelta(hours=1)  # still within 26 h
    assert schedule.next_attempt(created, 41, created + timedelta(hours=26)) is None  # dead-lettered


@pytest.mark.parametrize(
    ("url", "allow"),
    [
        ("http://receiver.example.com/hook", False),  # http outside development
        ("http://receiver.example.com/hook", True),  # http to a non-local host even in development
        ("ftp://receiver.example.com/hook", False),
        ("https://user:pw@receiver.example.com/hook", False),
        ("https:///nohost", False),
    ],
)
def test_urls_refused(url: str, allow: bool) -> None:
    with pytest.raises(WebhookUrlRefused):
        webhooks.parse_url(url, allow_http_localhost=allow)


def test_http_to_localhost_only_where_development_allows_it() -> None:
    assert webhooks.parse_url("http://localhost:8080/h", allow_http_localhost=True).port == 8080
    assert webhooks.parse_url("https://receiver.example.com/h", allow_http_localhost=False).port == 443


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "本机回环地址"),
        ("::1", "本机回环地址"),
        ("169.254.169.254", "云平台元数据地址"),
        ("169.254.1.1", "链路本地地址"),
        ("10.0.0.5", "内部网络地址"),
        ("192.168.1.10", "内部网络地址"),
        ("172.16.0.1", "内部网络地址"),
        ("100.64.0.1", "内部网络地址"),  # carrier-grade NAT: not global
        ("::ffff:10.0.0.5", "内部网络地址"),  # IPv4-mapped
        ("0.0.0.0", "内部网络地址"),
        ("8.8.8.8", None),
    ],
)
def test_internal_addresses_are_refused(address: str, reason: str | None) -> None:
    assert webhooks.refused_address(address, allow_loopback=False) == reason


def test_a_name_resolving_anywhere_internal_is_refused() -> None:
    target = webhooks.parse_url("https://mixed.example.test/h", allow_http_localhost=False)
    with pytest.raises(WebhookUrlRefused, match="10.0.0.5"):
        webhooks.check_addresses(
            "https://mixed.example.test/h", target, ["8.8.8.8", "10.0.0.5"], allow_loopback=False
        )
    # development allows loopback for localhost only, not for a name that happens to resolve to it
    local = webhooks.parse_url("http://localhost:9/h", allow_http_localhost=True)
    webhooks.check_addresses("http://localhost:9/h", local, ["127.0.0.1"], allow_loopback=True)
    other = webhooks.parse_url("https://sneaky.example.test/h", allow_http_localhost=True)
    with pytest.raises(WebhookUrlRefused):
        webhooks.check_addresses("https://sneaky.example.test/h", other, ["127.0.0.1"], allow_loopback=True)
