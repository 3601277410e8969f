"""The penalty writes at the ends of their ranges on a real decided case, lead, act, on-the-spot collection
and follow-up (the authorisation matrix's objects): every answer < 500 (tests/test_extremes.py)."""

from __future__ import annotations

import pytest

from tests.penalty.test_authorization import MATRIX, objects
from tests.support.authz import Persona
from tests.support.probes import probe, writes_past_the_access_checks
from tests.support.stack import Running, client

__all__ = ["objects"]  # the matrix's module fixture, made here anew for this module


@pytest.mark.slow
@pytest.mark.parametrize(("method", "template", "persona"), writes_past_the_access_checks(MATRIX))
async def test_a_write_at_the_ends_of_its_range_is_never_a_500(
    penalty: Running, objects: dict[str, str], method: str, template: str, persona: Persona
) -> None:
    async with client(penalty.url) as http:
        wrong = await probe(http, MATRIX, method, template, persona, objects)
    assert not wrong, f"as {persona.name}:\n" + "\n".join(wrong)
