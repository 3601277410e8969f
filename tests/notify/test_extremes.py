"""The notify writes at the ends of their ranges on a real notification, webhook endpoint and delivery (the
authorisation matrix's objects): every answer < 500 (tests/test_extremes.py)."""

from __future__ import annotations

import pytest

from tests.notify.conftest import Notify
from tests.notify.test_authorization import MATRIX, notification_id, webhook_ids
from tests.support.authz import Persona
from tests.support.probes import probe, writes_past_the_access_checks
from tests.support.stack import client

__all__ = ["notification_id", "webhook_ids"]  # the matrix's module fixtures, made here anew for this module


@pytest.mark.slow
@pytest.mark.parametrize(("method", "template", "persona"), writes_past_the_access_checks(MATRIX))
async def test_a_write_at_the_ends_of_its_range_is_never_a_500(
    notify: Notify,
    notification_id: str,
    webhook_ids: dict[str, str],
    method: str,
    template: str,
    persona: Persona,
) -> None:
    async with client(notify.base) as http:
        wrong = await probe(
            http, MATRIX, method, template, persona, {"notification_id": notification_id, **webhook_ids}
        )
    assert not wrong, f"as {persona.name}:\n" + "\n".join(wrong)
