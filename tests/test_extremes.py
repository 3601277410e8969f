"""Request bodies and path values at the ends of their ranges are a 4xx, never a 500 (SPEC §1.6).

The template is tests/test_cursors.py. Every POST/PUT/PATCH operation of each service's OpenAPI document is
called by a persona its role gate admits, with a valid body (the one its authorisation matrix pins, else one
built from the schema's required fields), once per field × extreme value of the field's type: a date from
which a deadline could be computed past year 9999 (``date + timedelta`` → OverflowError), an instant whose
offset leaves years 1–9999 in UTC, an integer past bigint or past int4, a lone surrogate, a number past
float. Path values: an integer past bigint, a text that is not a uuid. NUL is refused by the edge for every
JSON body (services/common/edge.py ``NUL_IN_JSON``), so it is not sent here.

Here, on empty databases, a write on an object answers 404 before its use case: tests/<service>/
test_extremes.py send the same mutations on the objects of the service's authorisation matrix (``probe``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.registry import SERVICES
from tests.support.authz import Persona
from tests.support.probes import matrix_of, probe, writes
from tests.support.stack import Running, Stack, client, running_services


@pytest.fixture(scope="module")
async def services(stack: Stack) -> AsyncIterator[dict[str, Running]]:
    async with running_services(stack, SERVICES) as running:
        yield running


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize(("service", "method", "template", "persona"), writes())
async def test_a_body_or_path_value_at_the_ends_of_its_range_is_never_a_500(
    services: dict[str, Running], service: str, method: str, template: str, persona: Persona
) -> None:
    async with client(services[service].url) as http:
        wrong = await probe(http, matrix_of(service), method, template, persona)
    assert not wrong, f"as {persona.name}:\n" + "\n".join(wrong)
