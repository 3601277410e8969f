"""Which decisions of an enterprise case need an economic impact assessment (domain.impact; seeds 000, 004)."""

from __future__ import annotations

from services.penalty.domain import discretion as d
from services.penalty.domain import impact
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K

CONFIG = d.DEFAULT_CONFIG  # eia_kinds 责令停产停业/吊销许可证件/责令关闭; eia_fine_fen 50 万元
YUAN = 100


def fine(fen: int, *extra: K) -> p.Penalty:
    return p.Penalty(frozenset({K.FINE, *extra}), fine_fen=fen)


def test_not_an_enterprise() -> None:
    assert impact.reasons_for(enterprise=False, penalty=fine(900_000 * YUAN), flagged=(), config=CONFIG) == ()


def test_fine_threshold_on_the_decided_amount() -> None:
    # 500,000.00 元 = 50,000,000 fen ≥ 50,000,000: flagged; 499,999.99 元 is not
    assert impact.reasons_for(enterprise=True, penalty=fine(50_000_000), flagged=(), config=CONFIG) == (
        "拟对企业罚款500,000.00元，达到500,000.00元",
    )
    assert impact.reasons_for(enterprise=True, penalty=fine(49_999_999), flagged=(), config=CONFIG) == ()


def test_heavy_kind_and_the_engine_flag_kept() -> None:
    got = impact.reasons_for(
        enterprise=True, penalty=fine(1_000 * YUAN, K.SUSPEND_BUSINESS), flagged=("引擎理由",), config=CONFIG
    )
    assert got == ("引擎理由", "拟对企业责令停产停业")
