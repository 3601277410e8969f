"""The penalty case state machine: happy paths and every refusal, with dates worked out by hand.

Calendar facts used (2026, chinese-calendar 1.11; see test_deadlines.TestCalendarFacts): March has no holiday;
清明 4月4日–6日 off; 国庆 10月1日–7日 off with 10月10日(六) a working day.
"""

from __future__ import annotations

import typing
import uuid
from datetime import date, datetime, time

import pytest

from services.common.clock import CHINA
from services.common.errors import DomainError
from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import deadlines
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K

CAL = WorkingDayCalendar()
YUAN = 100
CASE_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA)


def fine(yuan: int, *extra: K) -> p.Penalty:
    return p.Penalty(frozenset({K.FINE, *extra}), fine_fen=yuan * YUAN)


def assessed(**overrides: object) -> p.AssessedPenalty:
    values: dict[str, object] = {
        "benchmark_code": "SY-SJ-0123",
        "benchmark_version": 3,
        "tier": "一般",
        "allowed_kinds": frozenset({K.WARNING, K.FINE, K.CONFISCATE_GAINS}),
        "min_fen": 20_000 * YUAN,  # 2万元
        "max_fen": 50_000 * YUAN,  # 5万元
        "hearing_required": False,
        "legal_review_required": False,
        "collective_discussion_required": False,
        "simple_procedure_allowed": False,
    }
    values.update(overrides)
    return p.AssessedPenalty(**values)  # type: ignore[arg-type]


ORG = p.PartyRef("沈阳某某食品有限公司", p.PartyKind.ORGANISATION)
PERSON = p.PartyRef("王某", p.PartyKind.INDIVIDUAL)
FILED = date(2026, 3, 2)  # Monday; decision limit 2026-05-31 (90 days)
SERVED = date(2026, 3, 10)  # Tuesday; statement and hearing windows end 2026-03-17 (11, 12, 13, 16, 17)


def filed(procedure: p.ProcedureKind = p.ProcedureKind.GENERAL, party: p.PartyRef = ORG) -> p.Case:
    officers = ("张三", "李四") if procedure is p.ProcedureKind.SIMPLE else ()
    cmd = p.FileCase(CASE_ID, "SJ", party, procedure, "经营超过保质期的食品", "王局长", officers)
    return p.file_case(cmd, now=at(FILED)).case


def run(case: p.Case, cmd: p.Command, day: date) -> p.Transition:
    return p.handle(case, cmd, now=at(day), calendar=CAL)


def notice_cmd(proposed: p.Penalty | None = None, *, served_on: date = SERVED, **kw: object) -> p.Notify:
    values: dict[str, object] = {
        "document_number": "沈市监罚告〔2026〕7号",
        "facts": "当事人于2026年2月在其经营场所销售超过保质期的酸奶12盒。",
        "reasons": ("当事人系初次违法，按一般档次裁量。",),
        "basis": "《中华人民共和国食品安全法》第三十四条第十项、第一百二十四条第一款",
        "proposed": proposed or fine(30_000),
        "benchmark_code": "SY-SJ-0123",
        "served_on": served_on,
        "hearing_offered": False,
    }
    values.update(kw)
    return p.Notify(**values)  # type: ignore[arg-type]


def decide_cmd(penalty: p.Penalty | None = None, **kw: object) -> p.Decide:
    values: dict[str, object] = {
        "document_number": "沈市监罚〔2026〕123号",
        "penalty": penalty or fine(30_000),
        "facts": "当事人于2026年2月在其经营场所销售超过保质期的酸奶12盒。",
        "reasons": ("当事人系初次违法，货值金额较小，按一般档次裁量。",),
        "basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
    }
    values.update(kw)
    return p.Decide(**values)  # type: ignore[arg-type]


def notified(assessment: p.AssessedPenalty | None = None, **notice_kw: object) -> p.Case:
    case = filed()
    case = run(case, p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
    case = run(case, p.RecordAssessment(assessment or assessed()), date(2026, 3, 9)).case
    cmd = notice_cmd(**notice_kw)  # type: ignore[arg-type]
    return run(case, cmd, cmd.served_on).case


def codes(exc: pytest.ExceptionInfo[DomainError]) -> tuple[str, int]:
    return exc.value.code, exc.value.status


class TestGeneralProcedureWithStatement:
    def test_from_filing_to_closure(self) -> None:
        t = p.file_case(
            p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "经营超过保质期的食品", "王局长"),
            now=at(FILED),
        )
        case = t.case
        assert case.state is p.CaseState.FILED
        (filed_event,) = t.events
        assert isinstance(filed_event, p.CaseFiled)
        # 90 days from 2026-03-02: 29 (to 03-31) + 30 (April) + 31 (May) = 90 -> 2026-05-31.
        assert filed_event.decision_limit == date(2026, 5, 31)

        case = run(case, p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
        case = run(case, p.RecordAssessment(assessed(hearing_required=True)), date(2026, 3, 9)).case
        t = run(case, notice_cmd(hearing_offered=True), SERVED)
        case = t.case
        (ev,) = t.events
        assert isinstance(ev, p.CaseNotified)
        # Served Tue 03-10: five working days 11, 12, 13, 16, 17 for both statement and hearing request.
        assert ev.statement_deadline == date(2026, 3, 17)
        assert ev.hearing_request_deadline == date(2026, 3, 17)
        assert ev.kinds == ("罚款",) and ev.fine_fen == 3_000_000

        case = run(
            case, p.RecordStatement("货品系供货商配送，非故意。", date(2026, 3, 12)), date(2026, 3, 12)
        ).case
        assert case.state is p.CaseState.STATEMENT
        case = run(
            case,
            p.ReviewStatements("经复核，当事人未履行进货查验义务，理由不成立。", False),
            date(2026, 3, 13),
        ).case

        # The party did not ask for a hearing; the window closes 03-17, so decide on 03-18.
        t = run(case, decide_cmd(), date(2026, 3, 18))
        case = t.case
        assert case.state is p.CaseState.DECIDED
        (issued,) = t.events
        assert isinstance(issued, p.DecisionIssued)
        assert issued.event_type == "penalty.decision.issued"
        assert (issued.fine_fen, issued.kinds, issued.revision) == (3_000_000, ("罚款",), 1)
        # Delivery and publication: 7 working days after Wed 03-18 -> 19, 20, 23, 24, 25, 26, 27.
        assert issued.delivery_due == date(2026, 3, 27)
        assert issued.publish_by == date(2026, 3, 27)

        t = run(
            case,
            p.Deliver(date(2026, 3, 20), p.DeliveryMethod.DIRECT, "李某（法定代表人）"),
            date(2026, 3, 20),
        )
        case = t.case
        assert case.state is p.CaseState.DELIVERED
        # Payment: 03-20 + 15 days = Sat 04-04, in the 清明 holiday 04-04..04-06 -> Tue 2026-04-07.
        assert case.payment_due == date(2026, 4, 7)
        assert [type(e) for e in t.events] == [p.DecisionDelivered]

        t = run(case, p.RecordPayment(date(2026, 4, 3), 3_000_000, receipt_ref="NT-1"), date(2026, 4, 3))
        case = t.case
        assert case.state is p.CaseState.EXECUTED
        paid, executed = t.events
        assert isinstance(paid, p.FinePaid) and isinstance(executed, p.DecisionExecuted)
        assert (paid.fully_performed, paid.days_late, paid.lawful_surcharge_fen) == (True, 0, 0)

        case = run(case, p.RecordPublication(date(2026, 3, 25)), date(2026, 4, 3)).case
        t = run(case, p.Close(p.ClosureReason.PERFORMED, "罚款已缴清"), date(2026, 4, 8))
        assert t.case.state is p.CaseState.CLOSED
        assert deadlines.deadline_status(t.case, date(2026, 7, 1)) == ()

    def test_every_transition_bumps_the_version(self) -> None:
        case = notified()
        assert case.version == 4  # filed (1), investigating (2), assessed (3), notified (4)


class TestGeneralProcedureWithHearing:
    def _requested(self) -> p.Case:
        a = assessed(hearing_required=True, collective_discussion_required=True)
        case = notified(a, hearing_offered=True)
        return run(case, p.RequestHearing(date(2026, 3, 12)), date(2026, 3, 12)).case

    def test_hearing_path(self) -> None:
        case = self._requested()
        assert case.state is p.CaseState.HEARING_REQUESTED
        with pytest.raises(p.HearingPending) as exc:
            run(case, decide_cmd(), date(2026, 3, 18))
        assert codes(exc) == ("PROCEDURE_HEARING_PENDING", 409)
        assert "第六十五条" in exc.value.detail

        # Told on Mon 03-16: seven working days 17, 18, 19, 20, 23, 24, 25 -> not before Wed 03-25.
        with pytest.raises(p.HearingNoticeTooShort):
            run(case, p.ScheduleHearing(date(2026, 3, 16), date(2026, 3, 24), "赵主持"), date(2026, 3, 16))
        with pytest.raises(p.HearingPresiderConflict):
            run(case, p.ScheduleHearing(date(2026, 3, 16), date(2026, 3, 25), "张三"), date(2026, 3, 16))
        case = run(
            case, p.ScheduleHearing(date(2026, 3, 16), date(2026, 3, 25), "赵主持"), date(2026, 3, 16)
        ).case
        case = run(
            case,
            p.RecordHearing(date(2026, 3, 25), p.HearingOutcome.HELD, "听证笔录第1号"),
            date(2026, 3, 25),
        ).case
        assert case.state is p.CaseState.HEARING_HELD

        # A hearing was held on a penalty that needs one: legal review (第五十八条第一款第二项) comes first.
        with pytest.raises(p.LegalReviewMissing):
            run(case, decide_cmd(), date(2026, 3, 26))
        # Collective discussion cannot precede the legal review it depends on.
        discussion = p.RecordCollectiveDiscussion(
            date(2026, 3, 27), ("王局长", "刘副局长", "陈副局长"), "会议纪要3号", fine(30_000)
        )
        with pytest.raises(p.LegalReviewMissing):
            run(case, discussion, date(2026, 3, 27))
        review = p.RecordLegalReview(
            "法制科孙某",
            True,
            "事实清楚，证据确凿，适用依据正确，程序合法。",
            date(2026, 3, 26),
            fine(30_000),
        )
        case = run(case, review, date(2026, 3, 26)).case
        assert case.state is p.CaseState.LEGAL_REVIEW
        with pytest.raises(p.CollectiveDiscussionMissing):
            run(case, decide_cmd(), date(2026, 3, 26))
        case = run(case, discussion, date(2026, 3, 27)).case
        assert case.state is p.CaseState.COLLECTIVE_DISCUSSION
        t = run(case, decide_cmd(), date(2026, 3, 27))
        assert t.case.state is p.CaseState.DECIDED

    def test_absent_party_is_a_waiver(self) -> None:
        case = self._requested()
        case = run(
            case, p.ScheduleHearing(date(2026, 3, 16), date(2026, 3, 25), "赵主持"), date(2026, 3, 16)
        ).case
        case = run(
            case, p.RecordHearing(date(2026, 3, 25), p.HearingOutcome.PARTY_ABSENT, ""), date(2026, 3, 25)
        ).case
        # 第六十四条第六项: 视为放弃. No hearing was held, so no legal review is forced; discussion still needed.
        discussion = p.RecordCollectiveDiscussion(
            date(2026, 3, 26), ("王局长", "刘副局长"), "会议纪要4号", fine(30_000)
        )
        case = run(case, discussion, date(2026, 3, 26)).case
        assert run(case, decide_cmd(), date(2026, 3, 26)).case.state is p.CaseState.DECIDED

    def test_withdrawn_request_returns_to_the_notice_stage(self) -> None:
        case = run(self._requested(), p.WithdrawHearing(date(2026, 3, 13)), date(2026, 3, 13)).case
        assert case.state is p.CaseState.NOTIFIED
        with pytest.raises(p.InvalidTransition):
            run(case, p.RecordHearing(date(2026, 3, 25), p.HearingOutcome.HELD, "x"), date(2026, 3, 25))


class TestHearingRequestWindow:
    """第六十四条第一项 + 第八十五条: within five working days of the notice."""

    def _served_friday(self) -> p.Case:
        # Served Friday 2026-03-13 -> Mon 16, Tue 17, Wed 18, Thu 19, Fri 20: last day 2026-03-20.
        return notified(assessed(hearing_required=True), hearing_offered=True, served_on=date(2026, 3, 13))

    def test_request_on_the_fifth_working_day_is_in_time(self) -> None:
        case = run(self._served_friday(), p.RequestHearing(date(2026, 3, 20)), date(2026, 3, 20)).case
        assert case.state is p.CaseState.HEARING_REQUESTED

    def test_request_on_the_saturday_after_is_late(self) -> None:
        with pytest.raises(p.HearingRequestLate) as exc:
            run(self._served_friday(), p.RequestHearing(date(2026, 3, 21)), date(2026, 3, 21))
        assert codes(exc) == ("PROCEDURE_HEARING_REQUEST_LATE", 409)
        assert "2026-03-20" in exc.value.detail and "第六十四条第一项" in exc.value.detail

    def test_decision_waits_for_the_window_then_may_proceed(self) -> None:
        case = self._served_friday()
        case = run(
            case,
            p.WaiveRights(statement=True, hearing=False, declared_on=date(2026, 3, 16)),
            date(2026, 3, 16),
        ).case
        with pytest.raises(p.HearingPending):
            run(case, decide_cmd(), date(2026, 3, 20))  # last day of the window
        assert run(case, decide_cmd(), date(2026, 3, 23)).case.state is p.CaseState.DECIDED  # lapsed

    def test_waiver_lets_the_decision_proceed_at_once(self) -> None:
        case = self._served_friday()
        case = run(
            case,
            p.WaiveRights(statement=True, hearing=True, declared_on=date(2026, 3, 16)),
            date(2026, 3, 16),
        ).case
        assert run(case, decide_cmd(), date(2026, 3, 16)).case.state is p.CaseState.DECIDED

    def test_no_hearing_right_when_not_offered(self) -> None:
        with pytest.raises(p.HearingNotOffered):
            run(notified(), p.RequestHearing(date(2026, 3, 11)), date(2026, 3, 11))


class TestSimpleProcedure:
    """第五十一条: warning, or a fine up to 200 yuan (person) / 3,000 yuan (organisation), decided on the spot."""

    def _assessed(self, case: p.Case) -> p.Case:
        a = assessed(min_fen=0, max_fen=3_000 * YUAN, simple_procedure_allowed=True)
        return run(case, p.RecordAssessment(a), FILED).case

    def test_person_200_yuan_on_the_spot(self) -> None:
        case = self._assessed(filed(p.ProcedureKind.SIMPLE, PERSON))
        t = run(case, decide_cmd(fine(200), document_number="沈市监罚〔2026〕5号"), FILED)
        (issued,) = t.events
        assert isinstance(issued, p.DecisionIssued)
        assert issued.procedure is p.ProcedureKind.SIMPLE
        assert issued.delivery_due == FILED  # 第五十二条: 当场交付
        assert issued.publish_by is None  # seed 003 applies to general-procedure decisions
        t = run(t.case, p.Deliver(FILED, p.DeliveryMethod.ON_THE_SPOT, "王某"), FILED)
        assert t.case.state is p.CaseState.DELIVERED and len(t.events) == 1

    def test_person_201_yuan_is_refused(self) -> None:
        case = self._assessed(filed(p.ProcedureKind.SIMPLE, PERSON))
        with pytest.raises(p.SimpleProcedureNotAllowed) as exc:
            run(case, decide_cmd(fine(201)), FILED)
        assert "200.00元" in exc.value.detail and "第五十一条" in exc.value.detail

    def test_organisation_3000_yuan_allowed_3000_01_refused(self) -> None:
        case = self._assessed(filed(p.ProcedureKind.SIMPLE, ORG))
        assert run(case, decide_cmd(fine(3_000)), FILED).case.state is p.CaseState.DECIDED
        over = p.Penalty(frozenset({K.FINE}), fine_fen=3_000 * YUAN + 1)
        with pytest.raises(p.SimpleProcedureNotAllowed):
            run(case, decide_cmd(over), FILED)

    def test_other_kinds_or_outside_the_tier_refused(self) -> None:
        case = self._assessed(filed(p.ProcedureKind.SIMPLE, ORG))
        with pytest.raises(p.SimpleProcedureNotAllowed):
            run(case, decide_cmd(p.Penalty(frozenset({K.CONFISCATE_GAINS}), confiscation_fen=100)), FILED)
        # The tier is 500–3,000 yuan: 100 yuan is under the threshold but outside the assessed tier, so the
        # simple procedure is refused even with a reason (a departure needs legal review, 第五十八条).
        case = run(case, p.RecordAssessment(assessed(min_fen=500 * YUAN, max_fen=3_000 * YUAN)), FILED).case
        with pytest.raises(p.SimpleProcedureNotAllowed):
            run(case, decide_cmd(fine(100), outside_range_reason="情节轻微"), FILED)

    def test_investigation_turns_it_into_a_general_case(self) -> None:
        t = run(filed(p.ProcedureKind.SIMPLE), p.StartInvestigation(("张三", "李四")), date(2026, 3, 3))
        assert t.case.procedure is p.ProcedureKind.GENERAL
        (ev,) = t.events
        assert isinstance(ev, p.InvestigationStarted) and ev.converted_from_simple


class TestRefusals:
    def test_decision_before_notice(self) -> None:
        case = run(filed(), p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
        case = run(case, p.RecordAssessment(assessed()), date(2026, 3, 9)).case
        with pytest.raises(p.DecisionBeforeNotice) as exc:
            run(case, decide_cmd(), date(2026, 3, 10))
        assert codes(exc) == ("PROCEDURE_DECISION_BEFORE_NOTICE", 409)
        assert "第四十四条" in exc.value.detail

    def test_reassessment_after_notice_needs_a_new_notice(self) -> None:
        case = notified()
        case = run(
            case,
            p.RecordAssessment(assessed(tier="从轻", min_fen=20_000 * YUAN, max_fen=29_000 * YUAN)),
            date(2026, 3, 18),
        ).case
        with pytest.raises(p.DecisionBeforeNotice):
            run(case, decide_cmd(fine(25_000)), date(2026, 3, 18))

    def test_two_officers_needed(self) -> None:
        with pytest.raises(p.OfficersInsufficient) as exc:
            run(filed(), p.StartInvestigation(("张三", "张三")), date(2026, 3, 3))
        assert "第四十二条" in exc.value.detail

    def test_notice_incomplete(self) -> None:
        case = run(filed(), p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
        case = run(case, p.RecordAssessment(assessed(hearing_required=True)), date(2026, 3, 9)).case
        with pytest.raises(p.NoticeIncomplete) as exc:
            run(case, notice_cmd(facts="", reasons=(" ",), hearing_offered=False), SERVED)
        assert codes(exc) == ("PROCEDURE_NOTICE_INCOMPLETE", 400)
        fields = {e["field"] for e in exc.value.errors}
        assert "违法事实" in fields and "理由（说理）" in fields
        assert any("听证" in f for f in fields)

    def test_notice_must_cite_the_assessed_benchmark(self) -> None:
        case = run(filed(), p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
        with pytest.raises(p.AssessmentMissing):
            run(case, notice_cmd(), SERVED)
        case = run(case, p.RecordAssessment(assessed()), date(2026, 3, 9)).case
        with pytest.raises(p.NoticeIncomplete):
            run(case, notice_cmd(benchmark_code="SY-SJ-9999"), SERVED)

    def test_kind_outside_the_benchmark(self) -> None:
        case = run(filed(), p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
        case = run(case, p.RecordAssessment(assessed()), date(2026, 3, 9)).case
        with pytest.raises(p.KindNotAllowed) as exc:
            run(case, notice_cmd(fine(30_000, K.REVOKE_LICENCE)), SERVED)
        assert "吊销许可证件" in exc.value.detail

    def test_statement_period_open(self) -> None:
        # Served 03-10, statement period to 03-17, no hearing offered, party silent.
        with pytest.raises(p.StatementPeriodOpen) as exc:
            run(notified(), decide_cmd(), date(2026, 3, 17))
        assert "2026-03-17" in exc.value.detail
        assert run(notified(), decide_cmd(), date(2026, 3, 18)).case.state is p.CaseState.DECIDED

    def test_unreviewed_statement_blocks_the_decision(self) -> None:
        case = run(notified(), p.RecordStatement("不服", date(2026, 3, 11)), date(2026, 3, 11)).case
        with pytest.raises(p.StatementNotReviewed) as exc:
            run(case, decide_cmd(), date(2026, 3, 18))
        assert "第四十五条" in exc.value.detail

    def _defended(self) -> p.Case:
        case = run(notified(), p.RecordStatement("罚款过高", date(2026, 3, 11)), date(2026, 3, 11)).case
        return run(case, p.ReviewStatements("理由不成立", False), date(2026, 3, 12)).case

    def test_heavier_fine_after_defence(self) -> None:
        # Notified 30,000 yuan; deciding 30,000.01 yuan is heavier.
        heavier = p.Penalty(frozenset({K.FINE}), fine_fen=30_000 * YUAN + 1)
        with pytest.raises(p.HeavierThanNotice) as exc:
            run(self._defended(), decide_cmd(heavier), date(2026, 3, 18))
        assert codes(exc) == ("PROCEDURE_HEAVIER_THAN_NOTICE", 409)
        assert "第四十五条第二款" in exc.value.detail
        assert "30,000.00元提高为30,000.01元" in exc.value.detail

    def test_more_kinds_after_defence(self) -> None:
        with pytest.raises(p.HeavierThanNotice) as exc:
            run(self._defended(), decide_cmd(fine(30_000, K.WARNING)), date(2026, 3, 18))
        assert "由1种增加为2种" in exc.value.detail

    def test_heavier_kind_without_defence_cites_article_44(self) -> None:
        case = notified(proposed=p.Penalty(frozenset({K.WARNING})))
        case = run(case, p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case
        with pytest.raises(p.HeavierThanNotice) as exc:
            run(case, decide_cmd(fine(30_000)), date(2026, 3, 11))
        assert "第四十四条" in exc.value.detail and "罚款" in exc.value.detail

    def test_lighter_decision_is_allowed(self) -> None:
        # A smaller fine within the tier, after the defence was partly adopted.
        assert (
            run(self._defended(), decide_cmd(fine(25_000)), date(2026, 3, 18)).case.state
            is p.CaseState.DECIDED
        )

    def test_fine_outside_the_tier_needs_reason_and_legal_review(self) -> None:
        # Tier range 20,000-50,000 yuan; 15,000 yuan is below it.
        case = notified(proposed=fine(15_000), outside_range_reason="当事人主动消除危害后果，依法减轻")
        case = run(case, p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case
        with pytest.raises(p.ReasonRequired) as exc:
            run(case, decide_cmd(fine(15_000)), date(2026, 3, 11))
        assert codes(exc) == ("PROCEDURE_REASON_REQUIRED", 400)
        assert "20,000.00元至50,000.00元" in exc.value.detail
        with_reason = decide_cmd(
            fine(15_000), outside_range_reason="当事人主动消除危害后果（第三十二条第一项）"
        )
        with pytest.raises(p.LegalReviewMissing) as exc2:
            run(case, with_reason, date(2026, 3, 11))
        assert codes(exc2) == ("PROCEDURE_LEGAL_REVIEW_MISSING", 409)
        case = run(
            case,
            p.RecordLegalReview("法制科孙某", True, "同意减轻", date(2026, 3, 12), fine(15_000)),
            date(2026, 3, 12),
        ).case
        t = run(case, with_reason, date(2026, 3, 12))
        (issued,) = t.events
        assert isinstance(issued, p.DecisionIssued) and issued.outside_tier

    def test_notice_outside_the_tier_needs_a_reason(self) -> None:
        case = run(filed(), p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
        case = run(case, p.RecordAssessment(assessed()), date(2026, 3, 9)).case
        with pytest.raises(p.ReasonRequired):
            run(case, notice_cmd(fine(60_000)), SERVED)

    def test_legal_review_required_by_the_assessment(self) -> None:
        case = notified(assessed(legal_review_required=True))
        with pytest.raises(p.LegalReviewMissing) as exc:
            run(case, decide_cmd(), date(2026, 3, 18))
        assert "第五十八条" in exc.value.detail
        failed = p.RecordLegalReview("法制科孙某", False, "证据不足", date(2026, 3, 18), fine(30_000))
        case = run(case, failed, date(2026, 3, 18)).case
        with pytest.raises(p.LegalReviewNotPassed):
            run(case, decide_cmd(), date(2026, 3, 18))
        passed = p.RecordLegalReview("法制科孙某", True, "补充证据后同意", date(2026, 3, 19), fine(30_000))
        case = run(case, passed, date(2026, 3, 19)).case
        # The review covered 30,000 yuan; a decision for 25,000 yuan is not what was reviewed.
        with pytest.raises(p.LegalReviewMissing) as exc2:
            run(case, decide_cmd(fine(25_000)), date(2026, 3, 19))
        assert "不一致" in exc2.value.detail
        assert run(case, decide_cmd(), date(2026, 3, 19)).case.state is p.CaseState.DECIDED

    def test_investigator_cannot_review(self) -> None:
        with pytest.raises(DomainError) as exc:
            run(
                notified(),
                p.RecordLegalReview("张三", True, "同意", date(2026, 3, 18), fine(30_000)),
                date(2026, 3, 18),
            )
        assert exc.value.code == "PROCEDURE_LEGAL_REVIEWER_CONFLICT"

    def test_collective_discussion_required(self) -> None:
        case = notified(assessed(collective_discussion_required=True))
        with pytest.raises(p.CollectiveDiscussionMissing) as exc:
            run(case, decide_cmd(), date(2026, 3, 18))
        assert codes(exc) == ("PROCEDURE_COLLECTIVE_DISCUSSION_MISSING", 409)
        assert "第五十七条第二款" in exc.value.detail
        with pytest.raises(DomainError) as quorum:
            run(
                case,
                p.RecordCollectiveDiscussion(date(2026, 3, 18), ("王局长",), "纪要", fine(30_000)),
                date(2026, 3, 18),
            )
        assert quorum.value.code == "PROCEDURE_COLLECTIVE_DISCUSSION_QUORUM"

    def test_reasons_required_in_the_decision(self) -> None:
        with pytest.raises(p.ReasonRequired):
            run(notified(), decide_cmd(reasons=("",)), date(2026, 3, 18))

    def test_double_decision_is_a_conflict(self) -> None:
        case = run(notified(), decide_cmd(), date(2026, 3, 18)).case
        with pytest.raises(p.AlreadyDecided) as exc:
            run(case, decide_cmd(), date(2026, 3, 19))
        assert codes(exc) == ("PROCEDURE_ALREADY_DECIDED", 409)
        assert "沈市监罚〔2026〕123号" in exc.value.detail
        with pytest.raises(p.AlreadyDecided):
            run(
                case, p.DecideNoPenalty("沈市监不罚〔2026〕1号", "f", ("r",), "第三十三条"), date(2026, 3, 19)
            )

    def test_invalid_transitions(self) -> None:
        with pytest.raises(p.InvalidTransition) as exc:
            run(notified(), p.Deliver(date(2026, 3, 18), p.DeliveryMethod.DIRECT, "李某"), date(2026, 3, 18))
        assert codes(exc) == ("PROCEDURE_INVALID_TRANSITION", 409)
        assert "已告知" in exc.value.detail
        with pytest.raises(p.InvalidTransition):
            run(filed(), notice_cmd(), SERVED)  # no investigation yet

    def test_closed_case_accepts_nothing(self) -> None:
        case = run(
            filed(), p.Close(p.ClosureReason.NOT_ESTABLISHED, "违法事实不成立，撤销立案"), date(2026, 3, 5)
        ).case
        assert case.state is p.CaseState.CLOSED
        with pytest.raises(p.InvalidTransition):
            run(case, p.StartInvestigation(("张三", "李四")), date(2026, 3, 6))

    def test_future_dates_are_refused(self) -> None:
        with pytest.raises(p.InvalidDate):
            run(notified(), p.RecordStatement("x", date(2026, 3, 20)), date(2026, 3, 19))


class TestTimeLimit:
    """第六十条: decide within 90 days of filing (2026-03-02 -> 2026-05-31) unless lawfully extended."""

    def _ready(self) -> p.Case:
        return run(notified(), p.WaiveRights(True, False, date(2026, 3, 11)), date(2026, 3, 11)).case

    def test_last_day_is_allowed(self) -> None:
        assert run(self._ready(), decide_cmd(), date(2026, 5, 31)).case.state is p.CaseState.DECIDED

    def test_day_91_is_refused(self) -> None:
        with pytest.raises(p.TimeLimitExceeded) as exc:
            run(self._ready(), decide_cmd(), date(2026, 6, 1))
        assert codes(exc) == ("PROCEDURE_TIME_LIMIT_EXCEEDED", 409)
        assert "2026-05-31" in exc.value.detail and "第六十条" in exc.value.detail

    def test_extension_recorded_before_expiry(self) -> None:
        ext = p.ExtendTimeLimit(
            date(2026, 6, 30), "王局长", "《市场监督管理行政处罚程序规定》第六十四条", "案情复杂"
        )
        t = run(self._ready(), ext, date(2026, 5, 20))
        (ev,) = t.events
        assert isinstance(ev, p.TimeLimitExtended)
        assert (ev.previous_limit, ev.new_limit) == (date(2026, 5, 31), date(2026, 6, 30))
        assert run(t.case, decide_cmd(), date(2026, 6, 1)).case.state is p.CaseState.DECIDED
        with pytest.raises(p.TimeLimitExceeded):
            run(t.case, decide_cmd(), date(2026, 7, 1))

    def test_expired_limit_cannot_be_extended(self) -> None:
        ext = p.ExtendTimeLimit(date(2026, 6, 30), "王局长", "规章条款", "案情复杂")
        with pytest.raises(p.TimeLimitExceeded):
            run(self._ready(), ext, date(2026, 6, 1))

    def test_extension_needs_approver_and_basis(self) -> None:
        with pytest.raises(p.ReasonRequired):
            run(
                self._ready(),
                p.ExtendTimeLimit(date(2026, 6, 30), "王局长", "", "案情复杂"),
                date(2026, 5, 20),
            )

    def test_warnings_through_the_case(self) -> None:
        case = self._ready()
        assert deadlines.deadline_status(case, date(2026, 4, 30)) == ()  # day 59
        assert "第一次" in deadlines.deadline_status(case, date(2026, 5, 1))[0].message  # day 60
        assert "第二次" in deadlines.deadline_status(case, date(2026, 5, 21))[0].message  # day 80


class TestNoPenalty:
    def test_no_penalty_decision_without_notice(self) -> None:
        case = run(filed(), p.StartInvestigation(("张三", "李四")), date(2026, 3, 3)).case
        cmd = p.DecideNoPenalty(
            "沈市监不罚〔2026〕1号",
            "初次违法，危害后果轻微并及时改正。",
            ("符合首违不罚条件",),
            "行政处罚法 第三十三条第一款",
        )
        t = run(case, cmd, date(2026, 3, 6))
        (ev,) = t.events
        assert isinstance(ev, p.DecisionIssued)
        assert ev.outcome is p.DecisionOutcome.NO_PENALTY and ev.kinds == () and ev.publish_by is None
        case = run(
            t.case, p.Deliver(date(2026, 3, 9), p.DeliveryMethod.DIRECT, "李某"), date(2026, 3, 9)
        ).case
        assert case.payment_due is None
        with pytest.raises(p.InvalidTransition):
            run(case, p.RecordExecution(date(2026, 3, 9), "x"), date(2026, 3, 9))
        assert (
            run(case, p.Close(p.ClosureReason.PERFORMED, "已送达"), date(2026, 3, 9)).case.state
            is p.CaseState.CLOSED
        )

    def test_education_must_be_recorded_where_the_ground_requires_it(self) -> None:
        # 第三十三条第三款: 依法不予行政处罚的，行政机关应当对当事人进行教育
        with pytest.raises(p.ReasonRequired):
            p.check_education(required=True, education=())
        with pytest.raises(p.ReasonRequired):
            p.check_education(required=True, education=("  ",))
        p.check_education(required=True, education=("讲解相关法律规定。",))
        # 违法事实不能成立 (第五十七条第一款第三项) or the limitation: nothing to educate about
        p.check_education(required=False, education=())


class TestHeavierDefinition:
    def test_lighter_kind_may_replace_a_heavier_one(self) -> None:
        assert p.heavier_reasons(p.Penalty(frozenset({K.WARNING})), fine(1_000)) == ()

    def test_same_rank_new_kind_counts_as_heavier(self) -> None:
        new = p.Penalty(frozenset({K.CONFISCATE_GAINS}), confiscation_fen=100)
        assert p.heavier_reasons(new, fine(1_000))

    def test_revocation_heavier_than_suspension(self) -> None:
        reasons = p.heavier_reasons(
            p.Penalty(frozenset({K.REVOKE_LICENCE})), p.Penalty(frozenset({K.SUSPEND_LICENCE}))
        )
        assert reasons == ("增加或改为不轻于原处罚的种类「吊销许可证件」",)

    def test_penalty_validation(self) -> None:
        with pytest.raises(p.InvalidPenalty):
            p.validate_penalty(p.Penalty(frozenset({K.FINE})))
        with pytest.raises(p.InvalidPenalty):
            p.validate_penalty(p.Penalty(frozenset({K.WARNING}), fine_fen=100))


def test_dispatcher_handles_every_command() -> None:
    assert set(typing.get_args(p.Command)) == set(p._HANDLERS)


class TestReNotice:
    def _defended(self) -> p.Case:
        case = run(notified(), p.RecordStatement("罚款过高", date(2026, 3, 11)), date(2026, 3, 11)).case
        return run(case, p.ReviewStatements("理由不成立", False), date(2026, 3, 12)).case

    def test_re_notice_needs_a_reason(self) -> None:
        with pytest.raises(p.ReasonRequired):
            run(self._defended(), notice_cmd(fine(25_000), served_on=date(2026, 3, 13)), date(2026, 3, 13))

    def test_heavier_re_notice_after_defence_needs_new_evidence(self) -> None:
        cmd = notice_cmd(fine(40_000), served_on=date(2026, 3, 13), renotice_reason="补充调查")
        with pytest.raises(p.HeavierThanNotice) as exc:
            run(self._defended(), cmd, date(2026, 3, 13))
        assert "第四十五条第二款" in exc.value.detail
        cmd = notice_cmd(
            fine(40_000),
            served_on=date(2026, 3, 13),
            renotice_reason="补充调查",
            new_evidence="新查明违法经营数量为120盒（补充询问笔录）",
        )
        t = run(self._defended(), cmd, date(2026, 3, 13))
        (ev,) = t.events
        assert isinstance(ev, p.CaseNotified) and ev.notice_index == 2
        # New periods run from the new service on Fri 03-13: 16, 17, 18, 19, 20.
        assert ev.statement_deadline == date(2026, 3, 20)
        with pytest.raises(p.StatementPeriodOpen):
            run(t.case, decide_cmd(fine(40_000)), date(2026, 3, 20))
        assert run(t.case, decide_cmd(fine(40_000)), date(2026, 3, 23)).case.state is p.CaseState.DECIDED


def test_hearing_request_is_not_cut_off_by_an_early_legal_review() -> None:
    case = notified(assessed(hearing_required=True), hearing_offered=True)
    review = p.RecordLegalReview("法制科孙某", True, "同意", date(2026, 3, 11), fine(30_000))
    case = run(case, review, date(2026, 3, 11)).case
    assert case.state is p.CaseState.LEGAL_REVIEW
    case = run(case, p.RequestHearing(date(2026, 3, 12)), date(2026, 3, 12)).case
    assert case.state is p.CaseState.HEARING_REQUESTED
