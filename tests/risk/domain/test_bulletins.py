"""The bulletins' number series (services/risk/domain/bulletins.py)."""

from __future__ import annotations

import pytest

from services.risk.domain import bulletins


def test_the_number_of_the_third_bulletin_of_2026() -> None:
    assert bulletins.number(2026, 3) == "沈司执监通〔2026〕3号"


def test_the_series_starts_at_one() -> None:
    with pytest.raises(ValueError):
        bulletins.number(2026, 0)
