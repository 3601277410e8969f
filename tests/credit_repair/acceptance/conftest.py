"""The examiner's fixtures for credit repair: the service clock pinned to Monday 2026-12-07, 10:00 in China,
for every module of this directory (module fixtures included), so the dates worked by hand in the cases hold
whatever day the suite runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.common import clock
from tests.credit_repair.acceptance.cases import pin


@pytest.fixture(scope="module", autouse=True)
def pinned_clock() -> Iterator[None]:
    pin()
    try:
        yield
    finally:
        clock.reset()
