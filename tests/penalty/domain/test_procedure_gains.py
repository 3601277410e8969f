"""行政处罚法 第二十八条第二款 in the procedure: "当事人有违法所得，除依法应当退赔的外，应当予以没收。" A notice or
decision on an assessment that established illegal gains confiscates them in full, or says why the rest is returned
(退赔); the simple procedure, which cannot confiscate (第五十一条), is refused for such a case."""

from __future__ import annotations

from datetime import date

import pytest

from services.penalty.domain import bridge
from services.penalty.domain import catalogue as cat
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K
from tests.penalty.domain.test_bridge import assess
from tests.penalty.domain.test_procedure import (
    FILED,
    YUAN,
    assessed,
    decide_cmd,
    filed,
    fine,
    notified,
    run,
)

GAINS = 8_000 * YUAN  # 违法所得 8,000.00 元
WITH_GAINS = assessed(illegal_gains_fen=GAINS)
REASON = "其中2,000.00元系消费者预付款，应当退还消费者。"


def confiscating(yuan: int, reason: str = "") -> p.Penalty:
    """A fine of 30,000.00 元 with ``yuan`` of illegal gains confiscated."""
    return p.Penalty(
        frozenset({K.FINE, K.CONFISCATE_GAINS}), 30_000 * YUAN, yuan * YUAN, refund_reason=reason
    )


class TestTheRule:
    @pytest.mark.parametrize(
        ("penalty", "confiscated_fen"),
        [
            (fine(30_000), 0),  # 没收违法所得 omitted
            (confiscating(0), 0),  # the kind named without the amount: nothing confiscated
            (
                p.Penalty(frozenset({K.FINE, K.CONFISCATE_GAINS}), 30_000 * YUAN, GAINS - 1),
                GAINS - 1,
            ),  # 0.01 short
        ],
    )
    def test_less_than_the_gains_is_refused(self, penalty: p.Penalty, confiscated_fen: int) -> None:
        with pytest.raises(p.GainsNotConfiscated) as exc:
            p.check_gains_confiscated(penalty, WITH_GAINS)
        assert (exc.value.code, exc.value.status) == ("PROCEDURE_GAINS_NOT_CONFISCATED", 400)
        assert "第二十八条第二款" in str(exc.value.detail) and "8,000.00" in str(exc.value.detail)
        assert exc.value.extra == {"illegal_gains_fen": GAINS, "confiscation_fen": confiscated_fen}

    def test_the_whole_gains_or_the_rest_with_its_refund_reason(self) -> None:
        p.check_gains_confiscated(confiscating(8_000), WITH_GAINS)
        p.check_gains_confiscated(confiscating(6_000, REASON), WITH_GAINS)  # 8,000 − 6,000 = 2,000 returned
        p.check_gains_confiscated(fine(30_000, K.WARNING), assessed())  # no gains established: nothing to do

    @pytest.mark.parametrize(
        ("penalty", "assessment"),
        [
            (confiscating(8_000, REASON), WITH_GAINS),
            (p.Penalty(frozenset({K.FINE}), 100, 0, "", None, REASON), assessed()),
        ],
    )
    def test_a_refund_reason_with_nothing_to_return_is_inconsistent(
        self, penalty: p.Penalty, assessment: p.AssessedPenalty
    ) -> None:
        with pytest.raises(p.InvalidPenalty):
            p.check_gains_confiscated(penalty, assessment)


class TestTheProcedure:
    def test_the_notice_is_refused(self) -> None:
        with pytest.raises(p.GainsNotConfiscated):
            notified(WITH_GAINS)  # the notice proposes a fine of 30,000.00 alone
        case = notified(WITH_GAINS, proposed=confiscating(6_000, REASON))
        assert case.notice is not None and case.notice.proposed.refund_reason == REASON

    def test_the_decision_is_refused_even_when_lighter_than_the_notice(self) -> None:
        case = notified(WITH_GAINS, proposed=confiscating(8_000))
        after_rights = date(2026, 3, 18)  # the statement period ended on 03-17
        with pytest.raises(p.GainsNotConfiscated):
            run(case, decide_cmd(fine(30_000)), after_rights)
        decided = run(case, decide_cmd(confiscating(8_000)), after_rights).case
        assert decided.decision is not None and decided.decision.penalty == confiscating(8_000)

    def test_the_simple_procedure_cannot_take_a_case_with_gains(self) -> None:
        # 第五十一条 allows 警告 or a fine of at most 3,000 元 for an organisation, never a confiscation: a case with
        # gains of 8,000.00 cannot be decided on the spot with a fine alone
        case = filed(p.ProcedureKind.SIMPLE)
        simple = assessed(illegal_gains_fen=GAINS, min_fen=1_000 * YUAN, max_fen=3_000 * YUAN)
        case = run(case, p.RecordAssessment(simple), FILED).case
        with pytest.raises(p.GainsNotConfiscated):
            run(case, decide_cmd(fine(2_000)), FILED)
        with pytest.raises(p.SimpleProcedureNotAllowed):
            run(case, decide_cmd(confiscating(8_000)), FILED)


class TestTheAssessment:
    def test_gains_are_kept_and_their_confiscation_allowed(self) -> None:
        # SY-JT-0001 (道路运输条例 第六十三条: 没收违法所得) with gains of 20,000.00
        gains = 20_000 * YUAN
        result = assess("SY-JT-0001", base_amounts={cat.BaseKind.ILLEGAL_GAINS: gains})
        a = bridge.to_assessed(result, illegal_gains_fen=gains)
        assert a.illegal_gains_fen == gains and K.CONFISCATE_GAINS in a.allowed_kinds
        assert bridge.to_assessed(result).illegal_gains_fen == 0

    def test_negative_gains_after_costs_are_none(self) -> None:
        result = assess("SY-SJ-0004", base_amounts={cat.BaseKind.GOODS_VALUE: 3_000 * YUAN})
        assert bridge.to_assessed(result, illegal_gains_fen=-5).illegal_gains_fen == 0

    def test_a_benchmark_that_omits_the_kind_still_allows_it(self) -> None:
        # 第二十八条第二款 applies whatever kinds the benchmark lists (SY-SJ-0008, 广告法 第五十五条, lists none):
        # a case with gains can always comply
        fees = {cat.BaseKind.ADVERTISING_FEES: 100_000 * YUAN}
        result = assess("SY-SJ-0008", base_amounts=fees)
        assert K.CONFISCATE_GAINS not in bridge.to_assessed(result).allowed_kinds
        assert K.CONFISCATE_GAINS in bridge.to_assessed(result, illegal_gains_fen=100).allowed_kinds
