"""Signed audit checkpoints end to end (issue #13): the penalty service, connected with its service role,
signs its chain's head and publishes it; the risk service verifies and keeps it; anyone reads both lists
without a token; a forged checkpoint is refused by risk; one case's trail follows the case's access rule."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from services.common import clock
from services.common.auth import load_jwks
from services.common.checkpoints import Checkpoint
from services.common.contracts.audit import CHECKPOINTS
from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from services.common.events import make_envelope
from services.penalty.domain import catalogue as cat
from services.penalty.use_cases.catalogue import install_catalogue
from tests.penalty.helpers import SAMPLE_CATALOGUE, SJ_A, open_case, pin_clock
from tests.support.http import ok, problem
from tests.support.personas import admin, officer
from tests.support.stack import Running, Stack, client, running_gateway, running_service, wait_for


@dataclass
class Pair:
    penalty: Running
    risk: Running
    nats: EmbeddedNats


@pytest.fixture(autouse=True)
def pinned_clock() -> Iterator[None]:
    pin_clock()
    try:
        yield
    finally:
        clock.reset()


@pytest.fixture(scope="module")
async def pair(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Pair]:
    roles = await stack.anew_database_with_roles("penalty")
    risk_db = await stack.anew_database("risk")
    async with (
        running_service(
            "penalty",
            database_url=roles.service_url,
            database_owner_url=roles.owner_url,
            nats_url=nats_server.url,
            deadline_scan_enabled=False,
            audit_checkpoint_entries=1,
            audit_checkpoint_poll_s=0.2,
        ) as penalty,
        running_service(
            "risk", database_url=risk_db, nats_url=nats_server.url, daily_job_enabled=False
        ) as risk,
    ):
        async with transaction(penalty.runtime.factory) as session:
            catalogue = cat.parse_json(SAMPLE_CATALOGUE.read_text())
            await install_catalogue(session, catalogue=catalogue, actor="test")
        assert await penalty.runtime.bus.wait_ready(15)
        assert await risk.runtime.bus.wait_ready(15)
        yield Pair(penalty, risk, nats_server)


async def _list(url: str, path: str) -> list[dict[str, Any]]:
    async with client(url) as http:  # no token
        return ok(await http.get(path))["items"]  # type: ignore[no-any-return]


async def test_checkpoints_are_signed_kept_by_risk_and_public(pair: Pair) -> None:
    async with client(pair.penalty.url) as http:
        case = await open_case(http)

    async def signed() -> list[dict[str, Any]] | None:
        items = await _list(pair.penalty.url, "/public/penalty/audit/checkpoints")
        return items or None

    own = (await wait_for(signed))[0]
    async with client(pair.penalty.url) as http:
        jwks = ok(await http.get("/public/penalty/audit/keys"))
    checkpoint = Checkpoint(
        **{
            **own,
            "entry_at": datetime.fromisoformat(own["entry_at"]),
            "signed_at": datetime.fromisoformat(own["signed_at"]),
        }
    )
    assert checkpoint.verifies_with(load_jwks(jwks))  # anyone can check it with the published keys

    async def kept() -> list[dict[str, Any]] | None:
        items = await _list(pair.risk.url, "/public/risk/checkpoints/penalty")
        return [i for i in items if i["seq"] == own["seq"]] or None

    (copy,) = await wait_for(kept)
    assert (copy["hash"], copy["signature"], copy["kid"]) == (own["hash"], own["signature"], own["kid"])
    # the chain checked against risk's copy, through the API
    async with client(pair.penalty.url, headers=admin()) as http:
        params = {"full": "true", "checkpoint_seq": copy["seq"], "checkpoint_hash": copy["hash"]}
        report = ok(await http.get("/api/v1/penalty/audit/verify", params=params))
    assert report["valid"] and report["checkpoint_seq"] >= copy["seq"]
    assert case["id"]


async def test_a_forged_checkpoint_is_refused_by_risk(pair: Pair) -> None:
    import nats

    forged = CHECKPOINTS["penalty"](
        service="penalty",
        seq=987_654,
        hash="f" * 64,
        entry_at=datetime.now(UTC),
        signed_at=datetime.now(UTC),
        kid=pair.penalty.runtime.checkpoint_keys.kid,
        signature="A" * 86,  # 64 bytes of zeros, base64url: not the key's signature
    )
    envelope = make_envelope(forged, source="penalty")
    nc = await nats.connect(pair.nats.url)
    try:
        await nc.jetstream().publish(envelope.type, orjson.dumps(envelope.model_dump(mode="json")))
    finally:
        await nc.close()

    async def dead_lettered() -> list[dict[str, Any]] | None:
        async with client(pair.risk.url, headers=admin()) as http:
            items = ok(await http.get("/api/v1/risk/admin/dead-letters"))["items"]
        return [d for d in items if d["event_id"] == str(envelope.id)] or None

    (letter,) = await wait_for(dead_lettered)
    assert "signature does not verify" in letter["error"]
    kept = await _list(pair.risk.url, "/public/risk/checkpoints/penalty?limit=200")
    assert all(i["seq"] != 987_654 for i in kept)


async def test_a_case_trail_follows_the_case_access_rule(pair: Pair) -> None:
    async with client(pair.penalty.url) as http:
        case = await open_case(http)
        path = f"/api/v1/penalty/audit/entities/case/{case['id']}"
        trail = ok(await http.get(path, headers=officer(**SJ_A)))["items"]
        assert trail and all(e["entity_id"] == case["id"] for e in trail)
        assert trail[0]["action"] == "penalty.case.opened"
        # an officer of another department: the case looks absent, so does its trail
        other = officer(cert_no="辽A-9000001", dept="GS", district="210102", name="赵执法")
        problem(await http.get(path, headers=other), 404, "AUDIT_ENTITY_NOT_FOUND")
        missing = f"/api/v1/penalty/audit/entities/case/{uuid.uuid4()}"
        problem(await http.get(missing, headers=admin()), 404, "AUDIT_ENTITY_NOT_FOUND")
        assert ok(await http.get(path, headers=admin()))["items"] == trail


async def test_public_checkpoints_through_the_gateway_without_a_token(pair: Pair) -> None:
    upstreams = {"penalty": pair.penalty.url, "risk": pair.risk.url}
    async with client(pair.penalty.url) as http:
        await open_case(http)  # an entry to sign, whichever test ran before
    async with running_gateway(upstreams) as gateway, client(gateway.url) as http:

        async def listed(path: str) -> dict[str, Any] | None:
            page = ok(await http.get(path, params={"limit": 1}))
            return page if page["items"] else None

        own = await wait_for(lambda: listed("/public/penalty/audit/checkpoints"))
        kept = await wait_for(lambda: listed("/public/risk/checkpoints/penalty"))
        keys = ok(await http.get("/public/penalty/audit/keys"))
        assert own["items"] and kept["items"] and keys["keys"][0]["kid"] == own["items"][0]["kid"]
        # the trail and verify are not public
        problem(await http.get("/api/v1/penalty/audit/verify"), 401, "TOKEN_MISSING")
