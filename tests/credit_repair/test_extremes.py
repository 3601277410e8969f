"""The credit writes at the ends of their ranges on a real record, notice, repair application and clean-up
(the authorisation matrix's objects): every answer < 500 (tests/test_extremes.py)."""

from __future__ import annotations

import pytest

from tests.credit_repair.conftest import Credit
from tests.credit_repair.test_authorization import MATRIX, Objects, cleanup_id, objects
from tests.support.authz import Persona
from tests.support.probes import probe, writes_past_the_access_checks
from tests.support.stack import client

__all__ = ["cleanup_id", "objects"]  # the matrix's module fixtures, made here anew for this module
pytestmark = pytest.mark.usefixtures("working_calendar")


@pytest.mark.slow
@pytest.mark.parametrize(("method", "template", "persona"), writes_past_the_access_checks(MATRIX))
async def test_a_write_at_the_ends_of_its_range_is_never_a_500(
    credit: Credit, objects: Objects, cleanup_id: str, method: str, template: str, persona: Persona
) -> None:
    ids = {**{k: str(v) for k, v in objects.__dict__.items()}, "cleanup_id": cleanup_id}
    async with client(credit.base) as http:
        wrong = await probe(http, MATRIX, method, template, persona, ids)
    assert not wrong, f"as {persona.name}:\n" + "\n".join(wrong)
