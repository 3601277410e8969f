"""The term of a restriction (行政处罚法 第九条第四项: 限制开展生产经营活动, 限制从业) on the penalty value, its
documents and its decision event (values.py, documents.py, decision.py).

The sector laws fix terms in years: 5 years (化妆品监督管理条例 第六十五条 "5年内禁止其从事化妆品生产经营活动";
食品安全法 第一百三十五条 "五年内"), 10 years (药品管理法 第一百二十五条 "十年直至终身"), or for life (药品管理法
第一百一十八条 "终身禁止"), so the term is optional (a lifetime ban has none in months) but only ever given with a
restriction, and positive.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common.errors import DomainError
from services.penalty.domain import documents as docs
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K
from tests.penalty.domain.test_procedure import assessed, decide_cmd, notified, run

YUAN = 100


def banned(months: int | None, *, kind: K = K.RESTRICT_EMPLOYMENT) -> p.Penalty:
    return p.Penalty(frozenset({K.FINE, kind}), fine_fen=20_000 * YUAN, restriction_months=months)


class TestValidation:
    def test_a_term_with_a_restriction(self) -> None:
        p.validate_penalty(banned(60))  # 5 years
        p.validate_penalty(banned(18, kind=K.RESTRICT_BUSINESS))
        p.validate_penalty(banned(None))  # 终身: no term in months

    def test_a_term_without_a_restriction_is_refused(self) -> None:
        with pytest.raises(p.InvalidPenalty) as exc:
            p.validate_penalty(p.Penalty(frozenset({K.FINE}), fine_fen=100, restriction_months=60))
        assert exc.value.detail == "处罚种类不含限制开展生产经营活动或者限制从业，却载有限制期限"
        # 责令停产停业 and 暂扣许可证件 are not 第九条第四项 restrictions with a publication term
        for kind in (K.SUSPEND_BUSINESS, K.SUSPEND_LICENCE, K.ORDER_CLOSURE):
            with pytest.raises(p.InvalidPenalty):
                p.validate_penalty(p.Penalty(frozenset({kind}), restriction_months=6))

    @pytest.mark.parametrize("months", [0, -12, 1201])
    def test_the_term_is_between_one_month_and_a_hundred_years(self, months: int) -> None:
        with pytest.raises(p.InvalidPenalty) as exc:
            p.validate_penalty(banned(months))
        assert exc.value.detail == "限制期限应为1至1200个月"


class TestWording:
    def test_describe_and_document_items_name_the_term(self) -> None:
        assert banned(60).describe() == "罚款20,000.00元、限制从业5年"
        assert (
            banned(18, kind=K.RESTRICT_BUSINESS).describe() == "罚款20,000.00元、限制开展生产经营活动18个月"
        )
        assert docs.penalty_items(banned(60)) == (
            "罚款人民币20,000.00元（大写：贰万元整）",
            "限制从业，期限5年",
        )
        assert docs.penalty_items(banned(None))[-1] == "限制从业"  # no term: the kind alone, as before


class TestHeavier:
    def test_a_longer_term_is_heavier(self) -> None:
        assert p.heavier_reasons(banned(72), banned(60)) == ("限制期限由5年改为6年",)
        assert p.heavier_reasons(banned(60), banned(72)) == ()
        assert p.heavier_reasons(banned(60), banned(60)) == ()

    def test_no_term_stands_for_a_ban_without_end(self) -> None:
        assert p.heavier_reasons(banned(None), banned(60)) == ("限制期限由5年改为未载明期限",)
        assert p.heavier_reasons(banned(60), banned(None)) == ()


class TestDecisionEvent:
    def test_the_decision_event_carries_the_term(self) -> None:
        allowed = assessed(allowed_kinds=frozenset({K.FINE, K.RESTRICT_EMPLOYMENT}))
        case = notified(allowed, proposed=banned(60))
        case = run(case, p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case
        t = run(case, decide_cmd(banned(60)), date(2026, 3, 12))
        (ev,) = t.events
        assert isinstance(ev, p.DecisionIssued)
        assert (ev.kinds, ev.restriction_months) == (("罚款", "限制从业"), 60)

    def test_a_longer_term_than_notified_needs_a_new_notice(self) -> None:
        allowed = assessed(allowed_kinds=frozenset({K.FINE, K.RESTRICT_EMPLOYMENT}))
        case = notified(allowed, proposed=banned(36))
        case = run(case, p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case
        with pytest.raises(DomainError) as exc:
            run(case, decide_cmd(banned(60)), date(2026, 3, 12))
        assert "限制期限由3年改为5年" in exc.value.detail

    def _delivered_ban(self, months: int) -> p.Case:
        allowed = assessed(allowed_kinds=frozenset({K.FINE, K.RESTRICT_EMPLOYMENT}))
        case = notified(allowed, proposed=banned(months))
        case = run(case, p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case
        case = run(case, decide_cmd(banned(months)), date(2026, 3, 18)).case
        return run(
            case, p.Deliver(date(2026, 3, 20), p.DeliveryMethod.DIRECT, "王某"), date(2026, 3, 20)
        ).case

    def test_a_change_carries_the_changed_term_and_never_lengthens_it(self) -> None:
        shorter = p.Change(
            p.CorrectionSource.RECONSIDERATION,
            "限制期限明显不当",
            "沈政复〔2026〕12号",
            date(2026, 4, 1),
            banned(36),
        )
        (ev,) = run(self._delivered_ban(60), shorter, date(2026, 4, 1)).events
        assert isinstance(ev, p.DecisionChanged)
        assert (ev.kinds, ev.restriction_months, ev.revision) == (("罚款", "限制从业"), 36, 2)
        longer = p.Change(
            p.CorrectionSource.SELF_CORRECTION, "发现新证据", "纠错审批表", date(2026, 4, 1), banned(120)
        )
        with pytest.raises(p.ChangeHeavier) as exc:
            run(self._delivered_ban(60), longer, date(2026, 4, 1))
        assert "限制期限由5年改为10年" in exc.value.detail
