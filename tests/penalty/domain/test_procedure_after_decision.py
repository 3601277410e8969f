"""The penalty case state machine after the decision: delivery, payment and the late-payment surcharge,
revocation and change of a decision, with dates worked out by hand (the calendar facts are in
test_procedure.py's docstring; the cases are built with its helpers)."""

from __future__ import annotations

from datetime import date

import pytest

from services.penalty.domain import deadlines
from services.penalty.domain import procedure as p
from services.penalty.domain.deadlines import DeadlineKind
from tests.penalty.domain.test_procedure import YUAN, assessed, decide_cmd, fine, notified, run


class TestDeliveryPaymentAndSurcharge:
    def _decided(self, yuan: int = 30_000) -> p.Case:
        case = notified(assessed(min_fen=5_000 * YUAN), proposed=fine(yuan))
        case = run(case, p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case
        return run(case, decide_cmd(fine(yuan)), date(2026, 3, 18)).case  # delivery due 2026-03-27

    def test_late_delivery_is_recorded_and_reported(self) -> None:
        t = run(
            self._decided(), p.Deliver(date(2026, 3, 30), p.DeliveryMethod.POSTAL, "李某"), date(2026, 3, 30)
        )
        delivered, missed = t.events
        assert isinstance(missed, p.DeadlineMissed)
        assert (missed.deadline, missed.due_on, missed.detected_on) == (
            DeadlineKind.DELIVERY,
            date(2026, 3, 27),
            date(2026, 3, 30),
        )

    def test_electronic_delivery_needs_consent(self) -> None:
        with pytest.raises(p.DeliveryConsentMissing) as exc:
            run(
                self._decided(),
                p.Deliver(date(2026, 3, 19), p.DeliveryMethod.ELECTRONIC, "li@example.cn"),
                date(2026, 3, 19),
            )
        assert "第六十一条第二款" in exc.value.detail

    def test_surcharge_worked_examples(self) -> None:
        # Fine 10,000 yuan, delivered Mon 03-23 -> due 03-23 + 15 = Tue 04-07 (a working day).
        case = run(
            self._decided(10_000),
            p.Deliver(date(2026, 3, 23), p.DeliveryMethod.DIRECT, "李某"),
            date(2026, 3, 23),
        ).case
        assert case.payment_due == date(2026, 4, 7)
        ten_late = case.surcharge_on(date(2026, 4, 17))
        assert ten_late is not None and ten_late.days_late == 10
        assert ten_late.amount_fen == 10_000 * 3 * 10 // 100 * YUAN  # 3,000 yuan
        forty_late = case.surcharge_on(date(2026, 5, 17))
        assert forty_late is not None and forty_late.days_late == 40
        assert forty_late.amount_fen == 10_000 * YUAN and forty_late.capped  # 12,000 capped to 10,000

    def test_late_payment_event_carries_the_lawful_surcharge(self) -> None:
        case = run(
            self._decided(10_000),
            p.Deliver(date(2026, 3, 23), p.DeliveryMethod.DIRECT, "李某"),
            date(2026, 3, 23),
        ).case
        t = run(
            case,
            p.RecordPayment(date(2026, 4, 17), 10_000 * YUAN, surcharge_fen=3_000 * YUAN),
            date(2026, 4, 17),
        )
        paid, missed, executed = t.events
        assert isinstance(paid, p.FinePaid)
        assert (paid.days_late, paid.lawful_surcharge_fen, paid.surcharge_fen) == (10, 300_000, 300_000)
        assert isinstance(missed, p.DeadlineMissed) and missed.deadline is DeadlineKind.PAYMENT
        assert isinstance(executed, p.DecisionExecuted)

    def test_partial_payments_then_overpayment_refused(self) -> None:
        case = run(
            self._decided(10_000),
            p.Deliver(date(2026, 3, 23), p.DeliveryMethod.DIRECT, "李某"),
            date(2026, 3, 23),
        ).case
        t = run(case, p.RecordPayment(date(2026, 3, 30), 4_000 * YUAN), date(2026, 3, 30))
        assert t.case.state is p.CaseState.DELIVERED and t.case.fine_outstanding_fen == 6_000 * YUAN
        with pytest.raises(p.PaymentExceedsFine):
            run(t.case, p.RecordPayment(date(2026, 3, 31), 6_000 * YUAN + 1), date(2026, 3, 31))
        with pytest.raises(p.FineOutstanding):
            run(t.case, p.Close(p.ClosureReason.PERFORMED, "x"), date(2026, 3, 31))

    def test_deferral_moves_the_due_date(self) -> None:
        case = run(
            self._decided(10_000),
            p.Deliver(date(2026, 3, 23), p.DeliveryMethod.DIRECT, "李某"),
            date(2026, 3, 23),
        ).case
        case = run(case, p.GrantDeferral("王局长", date(2026, 5, 7), "经营困难"), date(2026, 4, 1)).case
        s = case.surcharge_on(date(2026, 5, 7))
        assert s is not None and s.amount_fen == 0

    def test_remedy_pauses_the_surcharge(self) -> None:
        case = run(
            self._decided(10_000),
            p.Deliver(date(2026, 3, 23), p.DeliveryMethod.DIRECT, "李某"),
            date(2026, 3, 23),
        ).case
        # Due 04-07. Reconsideration applied 04-10, upheld 04-20. Paid 04-27:
        # days 04-08..04-27 = 20, minus 04-10..04-20 = 11 -> 9 days × 300 yuan = 2,700 yuan.
        case = run(
            case,
            p.FileRemedy(p.RemedySource.RECONSIDERATION, date(2026, 4, 10), "沈政复〔2026〕88号"),
            date(2026, 4, 10),
        ).case
        case = run(case, p.ConcludeRemedy(date(2026, 4, 20), upheld=True), date(2026, 4, 20)).case
        s = case.surcharge_on(date(2026, 4, 27))
        assert s is not None and (s.days_late, s.amount_fen) == (20 - 11, 2_700 * YUAN)


class TestRevocationAndChange:
    def _delivered(self) -> p.Case:
        case = run(notified(), p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case
        case = run(case, decide_cmd(), date(2026, 3, 18)).case
        return run(
            case, p.Deliver(date(2026, 3, 20), p.DeliveryMethod.DIRECT, "李某"), date(2026, 3, 20)
        ).case

    def test_revocation_by_litigation_after_publication(self) -> None:
        case = run(self._delivered(), p.RecordPublication(date(2026, 3, 24)), date(2026, 3, 24)).case
        case = run(case, p.RecordPayment(date(2026, 3, 25), 30_000 * YUAN), date(2026, 3, 25)).case
        cmd = p.Revoke(
            p.CorrectionSource.LITIGATION, "认定事实不清", "（2026）辽0102行初15号", date(2026, 6, 12)
        )
        t = run(case, cmd, date(2026, 6, 12))
        (ev,) = t.events
        assert isinstance(ev, p.DecisionRevoked) and ev.event_type == "penalty.decision.revoked"
        # Published: withdraw within 3 working days of Fri 06-12 -> Mon 15, Tue 16, Wed 17 (第四十八条第二款).
        assert ev.withdraw_publication_by == date(2026, 6, 17)
        assert (ev.refund_fen, ev.revision, ev.source) == (3_000_000, 2, p.CorrectionSource.LITIGATION)
        assert t.case.state is p.CaseState.REVOKED and t.case.current_penalty is None
        assert (
            run(t.case, p.Close(p.ClosureReason.REVOKED, "已撤销"), date(2026, 6, 13)).case.state
            is p.CaseState.CLOSED
        )

    def test_revocation_needs_reason_and_source(self) -> None:
        with pytest.raises(p.ReasonRequired):
            run(
                self._delivered(),
                p.Revoke(p.CorrectionSource.SELF_CORRECTION, "", "纠错审批表", date(2026, 3, 25)),
                date(2026, 3, 25),
            )

    def test_change_by_reconsideration_lowers_the_fine(self) -> None:
        cmd = p.Change(
            p.CorrectionSource.RECONSIDERATION,
            "处罚明显不当",
            "沈政复〔2026〕12号",
            date(2026, 4, 1),
            fine(20_000),
        )
        t = run(self._delivered(), cmd, date(2026, 4, 1))
        (ev,) = t.events
        assert isinstance(ev, p.DecisionChanged) and ev.fine_fen == 2_000_000 and ev.revision == 2
        assert t.case.state is p.CaseState.CHANGED and t.case.fine_outstanding_fen == 2_000_000
        # The changed fine can be paid and the case executed.
        t2 = run(t.case, p.RecordPayment(date(2026, 4, 2), 2_000_000), date(2026, 4, 2))
        assert t2.case.state is p.CaseState.EXECUTED

    def test_change_after_payment_computes_the_refund(self) -> None:
        case = run(
            self._delivered(), p.RecordPayment(date(2026, 3, 25), 30_000 * YUAN), date(2026, 3, 25)
        ).case
        cmd = p.Change(
            p.CorrectionSource.SELF_CORRECTION, "裁量畸重", "纠错审批表2号", date(2026, 4, 1), fine(25_000)
        )
        (ev,) = run(case, cmd, date(2026, 4, 1)).events
        assert isinstance(ev, p.DecisionChanged) and ev.refund_fen == (30_000 - 25_000) * YUAN

    def test_heavier_change_is_refused(self) -> None:
        cmd = p.Change(
            p.CorrectionSource.SELF_CORRECTION, "发现新证据", "纠错审批表", date(2026, 4, 1), fine(40_000)
        )
        with pytest.raises(p.ChangeHeavier) as exc:
            run(self._delivered(), cmd, date(2026, 4, 1))
        assert "第六十三条第二款" in exc.value.detail
        # A reconsideration body may go heavier only on a third party's contrary request.
        contrary = p.Change(
            p.CorrectionSource.RECONSIDERATION,
            "第三人请求",
            "沈政复〔2026〕13号",
            date(2026, 4, 1),
            fine(40_000),
            True,
        )
        assert run(self._delivered(), contrary, date(2026, 4, 1)).case.fine_due_fen == 4_000_000


class TestConfirmedIllegalOrVoid:
    """确认违法 (行政复议法 第六十五条; 行政诉讼法 第七十四条) and 确认无效 (行政复议法 第六十七条; 行政诉讼法
    第七十五条): the decision is not revoked, but a published one is withdrawn within 3 working days all the
    same (行政处罚法 第四十八条第二款, 第八十五条)."""

    def _published(self) -> p.Case:
        # Decided Wed 03-18, delivered Fri 03-20, published Tue 03-24; 30,000 yuan to pay.
        case = TestRevocationAndChange()._delivered()
        return run(case, p.RecordPublication(date(2026, 3, 24)), date(2026, 3, 24)).case

    @staticmethod
    def _confirm(finding: p.Finding, source: p.RemedySource, on: date) -> p.ConfirmUnlawful:
        return p.ConfirmUnlawful(
            source, finding, "作出决定的机关不具有行政主体资格", "（2026）辽0102行初16号", on
        )

    def test_confirmed_void_ends_the_fine_and_the_publication(self) -> None:
        case = run(
            self._published(), p.RecordPayment(date(2026, 3, 25), 10_000 * YUAN), date(2026, 3, 25)
        ).case
        cmd = self._confirm(p.Finding.CONFIRMED_VOID, p.RemedySource.LITIGATION, date(2026, 6, 12))
        t = run(case, cmd, date(2026, 6, 12))
        (ev,) = t.events
        assert isinstance(ev, p.DecisionConfirmed) and ev.event_type == "penalty.decision.confirmed"
        # Published: withdraw within 3 working days of Fri 06-12 -> Mon 15, Tue 16, Wed 17.
        assert ev.withdraw_publication_by == date(2026, 6, 17)
        # void from the start: the 10,000 yuan paid under it is to be refunded
        assert (ev.finding, ev.source, ev.refund_fen, ev.revision) == (
            p.Finding.CONFIRMED_VOID,
            p.CorrectionSource.LITIGATION,
            10_000 * YUAN,
            2,
        )
        assert t.case.state is p.CaseState.VOID and t.case.current_penalty is None
        # nothing left to collect: no outstanding fine, no surcharge, no overdue payment (due Tue 04-07)
        assert (t.case.fine_due_fen, t.case.fine_outstanding_fen) == (0, 0)
        assert t.case.surcharge_on(date(2026, 7, 1)) is None
        assert deadlines.deadline_status(t.case, date(2026, 7, 1)) == ()
        with pytest.raises(p.InvalidTransition) as exc:
            run(t.case, p.RecordPayment(date(2026, 6, 15), 20_000 * YUAN), date(2026, 6, 15))
        assert "已确认无效" in exc.value.detail
        closed = run(t.case, p.Close(p.ClosureReason.VOID, "决定已被确认无效"), date(2026, 6, 15)).case
        assert closed.state is p.CaseState.CLOSED

    def test_confirmed_illegal_keeps_the_obligations(self) -> None:
        cmd = self._confirm(p.Finding.CONFIRMED_ILLEGAL, p.RemedySource.RECONSIDERATION, date(2026, 6, 12))
        t = run(self._published(), cmd, date(2026, 6, 12))
        (ev,) = t.events
        assert isinstance(ev, p.DecisionConfirmed)
        assert (ev.finding, ev.withdraw_publication_by, ev.refund_fen, ev.revision) == (
            p.Finding.CONFIRMED_ILLEGAL,
            date(2026, 6, 17),
            0,
            2,
        )
        # 行政诉讼法 第七十四条: not revoked, so the 30,000 yuan is still owed and can be paid
        assert t.case.state is p.CaseState.DELIVERED and t.case.current_penalty == fine(30_000)
        assert t.case.fine_outstanding_fen == 30_000 * YUAN
        assert t.case.corrections[-1].finding is p.Finding.CONFIRMED_ILLEGAL
        assert t.case.corrections[-1].ends_publication and t.case.deadline_facts.publication_settled
        with pytest.raises(p.InvalidTransition):
            run(t.case, cmd, date(2026, 6, 12))  # recorded once
        paid = run(t.case, p.RecordPayment(date(2026, 6, 15), 30_000 * YUAN), date(2026, 6, 15)).case
        assert paid.state is p.CaseState.EXECUTED
        # a later judgment may still find it void: revision 3, the 30,000 yuan to be refunded
        void = self._confirm(p.Finding.CONFIRMED_VOID, p.RemedySource.LITIGATION, date(2026, 9, 1))
        (ev,) = run(paid, void, date(2026, 9, 1)).events
        assert isinstance(ev, p.DecisionConfirmed) and (ev.revision, ev.refund_fen) == (3, 30_000 * YUAN)

    def test_unpublished_decision_has_nothing_to_withdraw(self) -> None:
        cmd = self._confirm(p.Finding.CONFIRMED_ILLEGAL, p.RemedySource.LITIGATION, date(2026, 6, 12))
        (ev,) = run(TestRevocationAndChange()._delivered(), cmd, date(2026, 6, 12)).events
        assert isinstance(ev, p.DecisionConfirmed) and ev.withdraw_publication_by is None

    def test_a_revoked_decision_is_not_confirmed(self) -> None:
        revoke = p.Revoke(p.CorrectionSource.SELF_CORRECTION, "证据不足", "纠错审批表", date(2026, 4, 1))
        revoked = run(self._published(), revoke, date(2026, 4, 1)).case
        cmd = self._confirm(p.Finding.CONFIRMED_VOID, p.RemedySource.LITIGATION, date(2026, 6, 12))
        with pytest.raises(p.InvalidTransition) as exc:
            run(revoked, cmd, date(2026, 6, 12))
        assert "不能记录确认违法或者无效" in exc.value.detail
