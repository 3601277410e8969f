"""The authorisation matrix of the notify service (tests/support/authz.py): every operation of its OpenAPI
document × every persona. A notification is its recipient's only: anyone else naming it gets 404
NOTIFICATION_NOT_FOUND (never 403); roles without a log (supervisor, integration, admin) get 403 on the
notification routes. The stream is sent only to the callers that must be refused (it never ends)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from services.common.embedded import free_port
from tests.notify.conftest import Notify
from tests.notify.helpers import (
    ADMIN,
    DEPT_HEAD,
    ENT_A,
    ENT_B,
    INTEGRATION,
    OFFICER,
    SUPERVISOR,
    USCC_A,
    publish,
    visit_started,
    warning,
)
from tests.support import personas
from tests.support.authz import Case, Expect, Matrix, Open, Owned, Persona, check, document, parameters
from tests.support.http import problem
from tests.support.stack import client, wait_for

API = "/api/v1/notifications"
EN = {"Accept-Language": "en"}

ROLES = {
    "owner": ENT_A,
    "other_enterprise": ENT_B,
    "officer": OFFICER,
    "dept_head": DEPT_HEAD,
    "supervisor": SUPERVISOR,
    "integration": INTEGRATION,
    "admin": ADMIN,
}
ROLE_OF = {
    "owner": "enterprise",
    "other_enterprise": "enterprise",
    "officer": "officer",
    "dept_head": "officer",
    "supervisor": "supervisor",
    "integration": "integration",
    "admin": "admin",
}
PERSONAS = [
    *(
        Persona(name, ROLE_OF[name], headers, client="12345" if name == "integration" else None)
        for name, headers in ROLES.items()
    ),
    Persona("anonymous", None, {}),
]
READERS = frozenset({"enterprise", "officer"})
WITH_A_LOG = {"owner", "other_enterprise", "officer", "dept_head"}

ROLES_TABLE: dict[tuple[str, str], frozenset[str]] = {
    ("GET", ""): READERS,
    ("GET", "/stream"): READERS,
    ("POST", "/read-all"): READERS,
    ("POST", "/{notification_id}/read"): READERS,
    ("GET", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("PUT", "/admin/calendar/{year}"): frozenset({"admin"}),
    ("GET", "/admin/clock"): frozenset({"admin"}),
    ("PUT", "/admin/clock"): frozenset({"admin"}),
    ("GET", "/admin/dead-letters"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/discard"): frozenset({"admin"}),
    ("POST", "/admin/dead-letters/{dead_letter_id}/retry"): frozenset({"admin"}),
    ("GET", "/admin/outbox"): frozenset({"admin"}),
    ("GET", "/audit/verify"): frozenset({"admin", "supervisor"}),
    ("POST", "/diagnostics/ping"): frozenset({"admin"}),
    ("GET", "/diagnostics/pings"): frozenset({"admin"}),
}
WEBHOOK_READERS = frozenset({"admin", "integration"})
WEBHOOKS_TABLE: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/event-types"): WEBHOOK_READERS,
    ("GET", "/endpoints"): WEBHOOK_READERS,
    ("POST", "/endpoints"): frozenset({"admin"}),
    ("POST", "/endpoints/{endpoint_id}/secret"): frozenset({"admin"}),
    ("GET", "/endpoints/{endpoint_id}/deliveries"): WEBHOOK_READERS,
    ("POST", "/endpoints/{endpoint_id}/replay"): WEBHOOK_READERS,
    ("GET", "/deliveries/{delivery_id}"): WEBHOOK_READERS,
    ("POST", "/deliveries/{delivery_id}/retry"): frozenset({"admin"}),
    ("GET", "/dead-letters"): frozenset({"admin"}),
}
WEBHOOKS = "/api/v1/webhooks"
# the endpoint and its delivery belong to integration client 12345 ("integration"); the administrator sees all
ENDPOINT_SEERS = frozenset({"integration", "admin"})
PUBLIC = ["/public/notifications/audit/checkpoints", "/public/notifications/audit/keys"]


def op(method: str, path: str) -> tuple[str, str]:
    return method, path if path.startswith("/public/") else API + path


def wop(method: str, path: str) -> tuple[str, str]:
    return method, WEBHOOKS + path


MATRIX = Matrix(
    document("notify"),
    PERSONAS,
    values={
        "notification_id": Owned("{notification_id}", frozenset({"owner"}), "NOTIFICATION_NOT_FOUND"),
        "year": Open("2026"),
        "dead_letter_id": Owned("999999999", frozenset(), "DEAD_LETTER_NOT_FOUND"),
        "endpoint_id": Owned("{endpoint_id}", ENDPOINT_SEERS, "WEBHOOK_ENDPOINT_NOT_FOUND"),
        "delivery_id": Owned("{delivery_id}", ENDPOINT_SEERS, "WEBHOOK_DELIVERY_NOT_FOUND"),
    },
    destructive=frozenset(
        {
            op("GET", "/stream"),
            op("PUT", "/admin/clock"),
            op("PUT", "/admin/calendar/{year}"),
            wop("POST", "/endpoints/{endpoint_id}/secret"),
        }
    ),
    bodies={
        wop("POST", "/endpoints/{endpoint_id}/replay"): {
            "since": "2026-01-01T00:00:00+08:00",
            "until": "2026-01-02T00:00:00+08:00",
        },
    },
    overrides={
        op("GET", ""): {name: Expect("200") for name in WITH_A_LOG},
        op("POST", "/read-all"): {name: Expect("200") for name in WITH_A_LOG},
        op("POST", "/{notification_id}/read"): {"owner": Expect("200")},
        wop("GET", "/endpoints/{endpoint_id}/deliveries"): {n: Expect("200") for n in ENDPOINT_SEERS},
        wop("GET", "/deliveries/{delivery_id}"): {n: Expect("200") for n in ENDPOINT_SEERS},
        wop("POST", "/endpoints/{endpoint_id}/replay"): {n: Expect("200") for n in ENDPOINT_SEERS},
        # the delivery is pending or delivered, not dead
        wop("POST", "/deliveries/{delivery_id}/retry"): {"admin": Expect("409", "WEBHOOK_DELIVERY_NOT_DEAD")},
    },
)


def test_every_operation_is_in_the_matrix() -> None:
    pinned = {op(m, p): roles for (m, p), roles in ROLES_TABLE.items()}
    pinned |= {wop(m, p): roles for (m, p), roles in WEBHOOKS_TABLE.items()}
    pinned |= {op("GET", p): frozenset({"public"}) for p in PUBLIC}
    assert MATRIX.roles() == pinned
    assert MATRIX.undeclared() == []
    assert MATRIX.unknown_overrides() == []


@pytest.fixture(scope="module")
async def notification_id(notify: Notify) -> AsyncIterator[str]:
    await publish(notify.js, visit_started(USCC_A))

    async def arrived() -> str | None:
        async with client(notify.base, headers=ENT_A) as http:
            items = (await http.get(API)).json()["items"]
        return str(items[0]["id"]) if items else None

    yield await wait_for(arrived)


@pytest.fixture(scope="module")
async def webhook_ids(notify: Notify) -> dict[str, str]:
    """An endpoint of client 12345 (its receiver need not exist: its delivery stays pending) and a delivery."""
    async with client(notify.base, headers=ADMIN) as http:
        url = f"http://localhost:{free_port()}/h"
        body = {"client": "12345", "url": url, "event_types": ["risk.warning.issued"]}
        endpoint = (await http.post("/api/v1/webhooks/endpoints", json=body)).json()
    await publish(notify.js, warning())

    async def delivered() -> str | None:
        async with client(notify.base, headers=ADMIN) as http:
            items = (await http.get(f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries")).json()[
                "items"
            ]
        return str(items[0]["id"]) if items else None

    return {"endpoint_id": str(endpoint["id"]), "delivery_id": await wait_for(delivered)}


@pytest.mark.parametrize("case", parameters(MATRIX))
async def test_matrix(notify: Notify, notification_id: str, webhook_ids: dict[str, str], case: Case) -> None:
    async with client(notify.base) as http:
        failure = await check(http, case, {"notification_id": notification_id, **webhook_ids})
    assert failure is None, failure


async def test_not_found_in_english(notify: Notify) -> None:
    missing = uuid.uuid4()
    async with client(notify.base, headers=ENT_A | EN) as http:
        r = await http.post(f"{API}/{missing}/read")
    problem(r, 404, "NOTIFICATION_NOT_FOUND")
    assert r.json()["detail"] == f"There is no notification {missing}"


async def test_a_department_head_reads_the_units_log_not_an_officers(notify: Notify) -> None:
    other_head = personas.officer("辽A-0099999", "ST", "210102", sub="head-st", dept_head=True)
    async with client(notify.base, headers=other_head) as http:
        assert (await http.get(API)).json()["items"] == []
