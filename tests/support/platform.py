"""The end-to-end platform: several services (and the gateway) running on real PostgreSQL and NATS, seeded
with the sample data the flows need — one fixture body for tests/e2e and tests/faults.

A test module declares its own module-scoped ``platform`` fixture with the services it needs::

    @pytest.fixture(scope="module")
    async def platform(stack: Stack, nats_server: EmbeddedNats) -> AsyncIterator[Platform]:
        async with running_platform(stack, ("penalty", "credit_repair"), nats=nats_server, gateway=True) as p:
            yield p

Seeds, each only when its service runs: the inspection sample data (``inspection_sample``), penalty's sample
catalogue and credit_repair's sample rule sets (``seed``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.common.db import transaction
from services.common.embedded import EmbeddedNats
from tests.support.stack import Running, Stack, running_gateway, running_service

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
UNREACHABLE_NATS = "nats://127.0.0.1:1"


@dataclass
class Platform:
    services: dict[str, Running]
    nats: EmbeddedNats | None = None
    gateway_: Running | None = None
    _contexts: dict[str, contextlib.AbstractAsyncContextManager[Running]] = field(default_factory=dict)

    def _service(self, name: str) -> Running:
        assert name in self.services, f"this platform does not run {name}"
        return self.services[name]

    @property
    def inspection(self) -> Running:
        return self._service("inspection")

    @property
    def penalty(self) -> Running:
        return self._service("penalty")

    @property
    def credit(self) -> Running:
        return self._service("credit_repair")

    @property
    def risk(self) -> Running:
        return self._service("risk")

    @property
    def notify(self) -> Running:
        return self._service("notify")

    @property
    def gateway(self) -> Running:
        assert self.gateway_ is not None, "this platform runs no gateway"
        return self.gateway_

    @property
    def nats_url(self) -> str:
        assert self.nats is not None, "this platform runs without NATS"
        return self.nats.url

    async def stop(self, name: str) -> None:
        """Stop one service mid-test (the teardown's second exit is a no-op)."""
        await self._contexts[name].__aexit__(None, None, None)


@contextlib.asynccontextmanager
async def running_platform(
    stack: Stack | None,
    names: Iterable[str],
    *,
    nats: EmbeddedNats | None = None,
    gateway: bool | Mapping[str, Any] = False,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    databases: Mapping[str, str] | None = None,
    inspection_sample: bool = True,
    seed: bool = True,
) -> AsyncIterator[Platform]:
    """The services ``names`` (in this order), each on a fresh database (or the one in ``databases``), with
    ``settings[name]`` overrides (``stack`` may be None when ``databases`` names them all); the gateway in front when ``gateway`` (a mapping: its overrides). Without
    ``nats`` the services point at an unreachable NATS and are not waited for."""
    names = list(names)
    urls = dict(databases or {})
    sample_given = "inspection" in urls and inspection_sample
    for name in names:
        if name not in urls:
            assert stack is not None, f"no database for {name}"
            if name == "inspection" and inspection_sample:  # sample.load's data, loaded once a session
                urls[name] = await stack.anew_sample_database(name)
            else:
                urls[name] = await stack.anew_database(name)
    if "inspection" in names and sample_given:
        from services.inspection import sample

        await sample.load(urls["inspection"])
    platform = Platform({}, nats)
    async with contextlib.AsyncExitStack() as es:
        for name in names:
            overrides = (settings or {}).get(name, {})
            context = running_service(
                name,
                database_url=urls[name],
                nats_url=nats.url if nats is not None else UNREACHABLE_NATS,
                **overrides,
            )
            platform._contexts[name] = context
            platform.services[name] = await context.__aenter__()
            es.push_async_callback(context.__aexit__, None, None, None)
        if gateway:
            upstreams = {name: running.url for name, running in platform.services.items()}
            extra = dict(gateway) if isinstance(gateway, Mapping) else {}
            platform.gateway_ = await es.enter_async_context(running_gateway(upstreams, **extra))
        if seed:
            await _seed(platform)
        if nats is not None:
            for running in platform.services.values():
                assert await running.runtime.bus.wait_ready(15)
        yield platform


async def _seed(platform: Platform) -> None:
    if "penalty" in platform.services:
        from services.penalty.domain import catalogue as cat
        from services.penalty.use_cases import catalogue as penalty_catalogue

        async with transaction(platform.penalty.runtime.factory) as session:
            catalogue = cat.parse_json((SAMPLE / "benchmarks.json").read_text())
            await penalty_catalogue.install_catalogue(session, catalogue=catalogue, actor="e2e")
    if "credit_repair" in platform.services:
        from services.credit_repair.use_cases import rule_sets as credit_rule_sets

        async with transaction(platform.credit.runtime.factory) as session:
            rules = (SAMPLE / "credit_rules.json").read_text(encoding="utf-8")
            await credit_rule_sets.load_rule_set_document(
                session, rules, actor="e2e", cache=platform.credit.runtime.context.rule_sets
            )
