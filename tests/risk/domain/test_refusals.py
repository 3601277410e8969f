"""Which refused entries count against the inspecting unit (services/risk/domain/refusals.py,
docs/risk-model.md §2 "Refused entries")."""

from __future__ import annotations

import pytest

from services.risk.domain import refusals


class TestRule:
    def test_the_producers_judgement_wins(self) -> None:
        assert refusals.counts_against_unit("CODE_USED", True) is True
        assert refusals.counts_against_unit("TOO_FEW_OFFICERS", False) is False

    @pytest.mark.parametrize(
        ("code", "counts"),
        [
            ("CODE_USED", False),
            ("CODE_INVALID", False),
            ("ENTERPRISE_CODE_INVALID", False),
            ("ENTERPRISE_CODE_REVOKED", False),
            ("CODE_WRONG_ENTERPRISE", True),
            ("CODE_EXPIRED", True),
            ("TOO_FEW_OFFICERS", True),
            ("CERT_SUSPENDED", True),
            ("FREQUENCY_CAP_REACHED", True),
        ],
    )
    def test_events_without_the_field_are_judged_by_code(self, code: str, counts: bool) -> None:
        assert refusals.counts_against_unit(code, None) is counts
