"""Golden (characterisation) test of the case procedure, its deadlines and its documents.

This is a REGRESSION GUARD, not a test of the legal rules: the golden files record what the state machine
did before issue #12's reshape, and the test compares byte for byte.

* ``golden/procedure_scripts.jsonl``: representative cases played step by step through ``procedure.handle``
  (general procedure with statement, with hearing, absent party, withdrawn hearing, simple procedure,
  conversion, no penalty, late delivery and payment with surcharge, remedy, deferral, publication,
  revocation, change, re-notice, extension, legal review and collective discussion): every transition's
  case and events, or the refusal (code, status, Chinese detail).
* ``golden/procedure_matrix.jsonl.xz``: every case state reached by those scripts × a palette of commands
  (each command in a valid and in a refusable form): the resulting state and events, or the refusal. This
  pins the state machine table and the order of its checks.
* ``golden/procedure_deadlines.jsonl.xz``: the open deadlines of every scripted case on a series of days, and
  the deadline arithmetic over a range of dates.
* ``golden/documents.jsonl``: the five documents built from fixed inputs (test_documents_golden.py).

The legal rules themselves are tested with hand-worked examples in test_procedure.py, test_deadlines.py and
test_documents.py. Regenerate only for an intended, reviewed change:
``ZHIFA_GOLDEN_REGENERATE=1 pytest <this file>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from services.common.errors import DomainError
from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import deadlines
from services.penalty.domain import documents as docs
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K
from tests.penalty.domain.golden_json import compare

CAL = WorkingDayCalendar()
CHINA = timezone(timedelta(hours=8))
YUAN = 100
CASE_ID = uuid.UUID("00000000-0000-0000-0000-00000000000c")
ORG = p.PartyRef("沈阳某某食品有限公司", p.PartyKind.ORGANISATION)
PERSON = p.PartyRef("王某", p.PartyKind.INDIVIDUAL)
FILED = date(2026, 3, 2)


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=CHINA)


def fine(yuan: int, *extra: K, confiscation: int = 0) -> p.Penalty:
    return p.Penalty(frozenset({K.FINE, *extra}), fine_fen=yuan * YUAN, confiscation_fen=confiscation * YUAN)


def assessed(**overrides: Any) -> p.AssessedPenalty:
    values: dict[str, Any] = {
        "benchmark_code": "SY-SJ-0123",
        "benchmark_version": 3,
        "tier": "一般",
        "allowed_kinds": frozenset({K.WARNING, K.FINE, K.CONFISCATE_GAINS}),
        "min_fen": 20_000 * YUAN,
        "max_fen": 50_000 * YUAN,
        "hearing_required": False,
        "legal_review_required": False,
        "collective_discussion_required": False,
        "simple_procedure_allowed": False,
    }
    values.update(overrides)
    return p.AssessedPenalty(**values)


def notice(proposed: p.Penalty | None = None, served_on: date = date(2026, 3, 10), **kw: Any) -> p.Notify:
    values: dict[str, Any] = {
        "document_number": "沈市监罚告〔2026〕7号",
        "facts": "当事人于2026年2月在其经营场所销售超过保质期的酸奶12盒。",
        "reasons": ("当事人系初次违法，按一般档次裁量。", "  "),
        "basis": "《中华人民共和国食品安全法》第三十四条第十项、第一百二十四条第一款",
        "proposed": proposed or fine(30_000),
        "benchmark_code": "SY-SJ-0123",
        "served_on": served_on,
        "hearing_offered": False,
    }
    values.update(kw)
    return p.Notify(**values)


def decision(penalty: p.Penalty | None = None, **kw: Any) -> p.Decide:
    values: dict[str, Any] = {
        "document_number": "沈市监罚〔2026〕123号",
        "penalty": penalty or fine(30_000),
        "facts": "当事人于2026年2月在其经营场所销售超过保质期的酸奶12盒。",
        "reasons": ("当事人系初次违法，货值金额较小，按一般档次裁量。",),
        "basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
    }
    values.update(kw)
    return p.Decide(**values)


def no_penalty() -> p.DecideNoPenalty:
    return p.DecideNoPenalty(
        "沈市监不罚〔2026〕3号",
        "当事人违法行为轻微并及时改正。",
        ("没有造成危害后果。",),
        "《中华人民共和国行政处罚法》第三十三条第一款",
    )


INVESTIGATE = p.StartInvestigation(("张三", "李四", "张三", " "))
REVIEW = "事实清楚，证据确凿，适用依据正确，程序合法。"
LEADERS = ("王局长", "刘副局长", "陈副局长")

Step = tuple[str, Any, date]  # label, command (FileCase or a Command), the day it is applied

SCRIPTS: dict[str, list[Step]] = {
    "general_statement": [
        (
            "file",
            p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "经营超过保质期的食品", "王局长"),
            FILED,
        ),
        ("decide_too_early", decision(), date(2026, 3, 3)),
        ("one_officer", p.StartInvestigation(("张三",)), date(2026, 3, 3)),
        ("investigate", INVESTIGATE, date(2026, 3, 3)),
        ("notify_without_assessment", notice(), date(2026, 3, 10)),
        ("assess", p.RecordAssessment(assessed()), date(2026, 3, 9)),
        (
            "notify_incomplete",
            notice(document_number=" ", facts="", basis="", reasons=(), statement_working_days=0),
            date(2026, 3, 10),
        ),
        ("notify_other_benchmark", notice(benchmark_code="SY-SJ-0999"), date(2026, 3, 10)),
        ("notify_kind_not_allowed", notice(p.Penalty(frozenset({K.REVOKE_LICENCE}))), date(2026, 3, 10)),
        ("notify_outside_range", notice(fine(60_000)), date(2026, 3, 10)),
        ("notify_future", notice(served_on=date(2026, 3, 11)), date(2026, 3, 10)),
        ("notify", notice(), date(2026, 3, 10)),
        ("decide_period_open", decision(), date(2026, 3, 11)),
        (
            "statement",
            p.RecordStatement("当事人称系初次违法，请求从轻。", date(2026, 3, 12)),
            date(2026, 3, 12),
        ),
        ("late_statement", p.RecordStatement("补充意见。", date(2026, 3, 18)), date(2026, 3, 18)),
        ("decide_unreviewed", decision(), date(2026, 3, 18)),
        ("review", p.ReviewStatements("当事人所述初次违法属实，已在裁量中考虑。", False), date(2026, 3, 18)),
        ("review_again", p.ReviewStatements("再次复核。", True), date(2026, 3, 18)),
        ("decide_heavier", decision(fine(40_000)), date(2026, 3, 18)),
        ("decide_more_kinds", decision(fine(30_000, K.WARNING)), date(2026, 3, 18)),
        ("decide_no_reason", decision(reasons=(" ",)), date(2026, 3, 18)),
        ("decide", decision(fine(25_000)), date(2026, 3, 18)),
        ("decide_twice", decision(), date(2026, 3, 19)),
        ("deliver_future", p.Deliver(date(2026, 3, 25), p.DeliveryMethod.DIRECT, "王某"), date(2026, 3, 20)),
        (
            "deliver_email_no_consent",
            p.Deliver(date(2026, 3, 20), p.DeliveryMethod.ELECTRONIC, "王某"),
            date(2026, 3, 20),
        ),
        ("deliver", p.Deliver(date(2026, 3, 20), p.DeliveryMethod.DIRECT, "王某"), date(2026, 3, 20)),
        ("publish", p.RecordPublication(date(2026, 3, 24)), date(2026, 3, 24)),
        ("pay_too_much", p.RecordPayment(date(2026, 3, 25), 30_000 * YUAN), date(2026, 3, 25)),
        ("pay_part", p.RecordPayment(date(2026, 3, 25), 10_000 * YUAN, 0, "回单1"), date(2026, 3, 25)),
        ("close_outstanding", p.Close(p.ClosureReason.PERFORMED, "执行完毕"), date(2026, 3, 26)),
        ("pay_rest", p.RecordPayment(date(2026, 3, 30), 15_000 * YUAN, 0, "回单2"), date(2026, 3, 30)),
        ("close", p.Close(p.ClosureReason.PERFORMED, "罚款已缴清，执行完毕。"), date(2026, 3, 31)),
        ("after_close", p.RecordPublication(date(2026, 3, 31)), date(2026, 4, 1)),
    ],
    "general_hearing": [
        (
            "file",
            p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "经营超过保质期的食品", "王局长"),
            FILED,
        ),
        ("investigate", INVESTIGATE, date(2026, 3, 3)),
        (
            "assess",
            p.RecordAssessment(assessed(hearing_required=True, collective_discussion_required=True)),
            date(2026, 3, 9),
        ),
        ("notify_without_hearing", notice(), date(2026, 3, 10)),
        ("notify", notice(hearing_offered=True), date(2026, 3, 10)),
        ("request", p.RequestHearing(date(2026, 3, 12)), date(2026, 3, 12)),
        ("request_again", p.RequestHearing(date(2026, 3, 12)), date(2026, 3, 12)),
        ("decide_pending", decision(), date(2026, 3, 18)),
        (
            "schedule_too_soon",
            p.ScheduleHearing(date(2026, 3, 16), date(2026, 3, 24), "赵主持"),
            date(2026, 3, 16),
        ),
        (
            "schedule_investigator",
            p.ScheduleHearing(date(2026, 3, 16), date(2026, 3, 25), "张三"),
            date(2026, 3, 16),
        ),
        (
            "record_unscheduled",
            p.RecordHearing(date(2026, 3, 16), p.HearingOutcome.HELD, "笔录"),
            date(2026, 3, 16),
        ),
        ("schedule", p.ScheduleHearing(date(2026, 3, 16), date(2026, 3, 25), "赵主持"), date(2026, 3, 16)),
        (
            "record_no_transcript",
            p.RecordHearing(date(2026, 3, 25), p.HearingOutcome.HELD, " "),
            date(2026, 3, 25),
        ),
        (
            "record",
            p.RecordHearing(date(2026, 3, 25), p.HearingOutcome.HELD, "听证笔录第1号"),
            date(2026, 3, 25),
        ),
        ("decide_no_review", decision(), date(2026, 3, 26)),
        (
            "discuss_before_review",
            p.RecordCollectiveDiscussion(date(2026, 3, 27), LEADERS, "会议纪要3号", fine(30_000)),
            date(2026, 3, 27),
        ),
        (
            "review_by_investigator",
            p.RecordLegalReview("李四", True, REVIEW, date(2026, 3, 26), fine(30_000)),
            date(2026, 3, 26),
        ),
        (
            "review_failed",
            p.RecordLegalReview("法制科孙某", False, "证据不足。", date(2026, 3, 26), fine(30_000)),
            date(2026, 3, 26),
        ),
        ("decide_review_failed", decision(), date(2026, 3, 26)),
        (
            "review",
            p.RecordLegalReview("法制科孙某", True, REVIEW, date(2026, 3, 26), fine(30_000)),
            date(2026, 3, 26),
        ),
        ("decide_no_discussion", decision(), date(2026, 3, 26)),
        (
            "discuss_one_leader",
            p.RecordCollectiveDiscussion(date(2026, 3, 27), ("王局长",), "纪要", fine(30_000)),
            date(2026, 3, 27),
        ),
        (
            "discuss_other_conclusion",
            p.RecordCollectiveDiscussion(date(2026, 3, 27), LEADERS, "会议纪要3号", fine(28_000)),
            date(2026, 3, 27),
        ),
        (
            "discuss",
            p.RecordCollectiveDiscussion(date(2026, 3, 27), LEADERS, "会议纪要3号", fine(30_000)),
            date(2026, 3, 27),
        ),
        ("decide_other_than_review", decision(fine(29_000)), date(2026, 3, 27)),
        ("decide", decision(), date(2026, 3, 27)),
        ("deliver_late", p.Deliver(date(2026, 4, 14), p.DeliveryMethod.POSTAL, "李经理"), date(2026, 4, 14)),
        ("publish_late", p.RecordPublication(date(2026, 4, 15)), date(2026, 4, 15)),
        (
            "remedy",
            p.FileRemedy(p.RemedySource.RECONSIDERATION, date(2026, 5, 10), "沈复〔2026〕12号"),
            date(2026, 5, 10),
        ),
        (
            "remedy_again",
            p.FileRemedy(p.RemedySource.LITIGATION, date(2026, 5, 11), "（2026）辽0102行初1号"),
            date(2026, 5, 11),
        ),
        ("conclude", p.ConcludeRemedy(date(2026, 6, 20), True), date(2026, 6, 20)),
        ("deferral_not_later", p.GrantDeferral("王局长", date(2026, 4, 1), "经济困难"), date(2026, 6, 21)),
        ("deferral", p.GrantDeferral("王局长", date(2026, 7, 31), "当事人确有经济困难。"), date(2026, 6, 21)),
        (
            "pay_late",
            p.RecordPayment(date(2026, 8, 20), 30_000 * YUAN, 9_000 * YUAN, "回单3"),
            date(2026, 8, 20),
        ),
        ("close", p.Close(p.ClosureReason.PERFORMED, "执行完毕。"), date(2026, 8, 21)),
    ],
    "hearing_absent_and_withdrawn": [
        ("file", p.FileCase(CASE_ID, "SJ", PERSON, p.ProcedureKind.GENERAL, "无证经营", "王局长"), FILED),
        ("investigate", INVESTIGATE, date(2026, 3, 3)),
        ("assess", p.RecordAssessment(assessed(hearing_required=True)), date(2026, 3, 9)),
        ("notify_friday", notice(hearing_offered=True, served_on=date(2026, 3, 13)), date(2026, 3, 13)),
        ("waive_nothing", p.WaiveRights(False, False, date(2026, 3, 16)), date(2026, 3, 16)),
        ("waive_statement", p.WaiveRights(True, False, date(2026, 3, 16)), date(2026, 3, 16)),
        ("decide_window_open", decision(), date(2026, 3, 20)),
        ("request_late", p.RequestHearing(date(2026, 3, 21)), date(2026, 3, 21)),
        ("request", p.RequestHearing(date(2026, 3, 20)), date(2026, 3, 20)),
        ("withdraw", p.WithdrawHearing(date(2026, 3, 23)), date(2026, 3, 23)),
        (
            "record_after_withdrawal",
            p.RecordHearing(date(2026, 3, 25), p.HearingOutcome.HELD, "x"),
            date(2026, 3, 25),
        ),
        ("renotice_no_reason", notice(hearing_offered=True, served_on=date(2026, 3, 24)), date(2026, 3, 24)),
        (
            "renotice",
            notice(hearing_offered=True, served_on=date(2026, 3, 24), renotice_reason="补充告知。"),
            date(2026, 3, 24),
        ),
        ("request2", p.RequestHearing(date(2026, 3, 25)), date(2026, 3, 25)),
        ("schedule", p.ScheduleHearing(date(2026, 3, 25), date(2026, 4, 7), "赵主持"), date(2026, 3, 25)),
        ("absent", p.RecordHearing(date(2026, 4, 7), p.HearingOutcome.PARTY_ABSENT, ""), date(2026, 4, 7)),
        ("decide", decision(), date(2026, 4, 8)),
        ("deliver", p.Deliver(date(2026, 4, 9), p.DeliveryMethod.ELECTRONIC, "王某", True), date(2026, 4, 9)),
        ("execute_outstanding", p.RecordExecution(date(2026, 4, 10), "已执行"), date(2026, 4, 10)),
        ("court", p.Close(p.ClosureReason.ENFORCEMENT_BY_COURT, "申请人民法院强制执行。"), date(2026, 6, 1)),
    ],
    "simple_procedure": [
        (
            "file",
            p.FileCase(CASE_ID, "SJ", PERSON, p.ProcedureKind.SIMPLE, "占道经营", "王局长", ("张三", "李四")),
            FILED,
        ),
        (
            "assess",
            p.RecordAssessment(assessed(min_fen=0, max_fen=3_000 * YUAN, simple_procedure_allowed=True)),
            FILED,
        ),
        ("notify_simple", notice(), FILED),
        ("decide_201", decision(fine(201)), FILED),
        (
            "decide_confiscation",
            decision(p.Penalty(frozenset({K.CONFISCATE_GAINS}), confiscation_fen=100)),
            FILED,
        ),
        ("decide", decision(fine(200), document_number="沈市监罚〔2026〕5号"), FILED),
        ("deliver", p.Deliver(FILED, p.DeliveryMethod.ON_THE_SPOT, "王某"), FILED),
        ("pay", p.RecordPayment(date(2026, 3, 3), 200 * YUAN), date(2026, 3, 3)),
        ("close", p.Close(p.ClosureReason.PERFORMED, "当场缴纳。"), date(2026, 3, 3)),
    ],
    "simple_refused_by_engine_then_converted": [
        (
            "file",
            p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.SIMPLE, "占道经营", "王局长", ("张三",)),
            FILED,
        ),
        ("assess", p.RecordAssessment(assessed(min_fen=0, max_fen=3_000 * YUAN)), FILED),
        ("decide_engine_refuses", decision(fine(100)), FILED),
        ("convert", INVESTIGATE, date(2026, 3, 3)),
        ("notify", notice(fine(100), served_on=date(2026, 3, 3)), date(2026, 3, 3)),
        ("waive", p.WaiveRights(True, False, date(2026, 3, 3)), date(2026, 3, 3)),
        ("decide", decision(fine(100)), date(2026, 3, 4)),
    ],
    "no_penalty": [
        ("file", p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "未按规定公示", "王局长"), FILED),
        ("decide_no_penalty_at_filing", no_penalty(), FILED),
        ("investigate", INVESTIGATE, date(2026, 3, 3)),
        ("decide_no_penalty", no_penalty(), date(2026, 3, 5)),
        ("deliver", p.Deliver(date(2026, 3, 6), p.DeliveryMethod.DIRECT, "李经理"), date(2026, 3, 6)),
        ("execute", p.RecordExecution(date(2026, 3, 6), "无"), date(2026, 3, 6)),
        ("deferral", p.GrantDeferral("王局长", date(2026, 4, 1), "困难"), date(2026, 3, 6)),
        (
            "change_to_penalty",
            p.Change(p.CorrectionSource.SELF_CORRECTION, "纠错", "纠错记录1", date(2026, 3, 7), fine(100)),
            date(2026, 3, 7),
        ),
        ("close", p.Close(p.ClosureReason.PERFORMED, "送达即结案。"), date(2026, 3, 7)),
    ],
    "revocation_after_publication": [
        ("file", p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "虚假宣传", "王局长"), FILED),
        ("investigate", INVESTIGATE, date(2026, 3, 3)),
        ("assess", p.RecordAssessment(assessed()), date(2026, 3, 4)),
        ("notify", notice(fine(30_000, K.CONFISCATE_GAINS, confiscation=5_000)), date(2026, 3, 10)),
        ("waive", p.WaiveRights(True, False, date(2026, 3, 10)), date(2026, 3, 10)),
        ("waive_hearing_not_offered", p.WaiveRights(False, True, date(2026, 3, 10)), date(2026, 3, 10)),
        (
            "decide_more_confiscation",
            decision(fine(30_000, K.CONFISCATE_GAINS, confiscation=6_000)),
            date(2026, 3, 11),
        ),
        ("decide", decision(fine(30_000, K.CONFISCATE_GAINS, confiscation=5_000)), date(2026, 3, 11)),
        (
            "change_before_delivery",
            p.Change(p.CorrectionSource.RECONSIDERATION, "r", "d", date(2026, 3, 12), fine(1)),
            date(2026, 3, 12),
        ),
        (
            "deliver",
            p.Deliver(date(2026, 3, 12), p.DeliveryMethod.LEFT_AT_ADDRESS, "门卫"),
            date(2026, 3, 12),
        ),
        ("publish", p.RecordPublication(date(2026, 3, 13)), date(2026, 3, 13)),
        ("pay", p.RecordPayment(date(2026, 3, 20), 30_000 * YUAN), date(2026, 3, 20)),
        (
            "remedy",
            p.FileRemedy(p.RemedySource.LITIGATION, date(2026, 4, 1), "（2026）辽0102行初9号"),
            date(2026, 4, 1),
        ),
        (
            "revoke_no_reason",
            p.Revoke(p.CorrectionSource.LITIGATION, " ", "", date(2026, 6, 1)),
            date(2026, 6, 1),
        ),
        (
            "revoke",
            p.Revoke(
                p.CorrectionSource.LITIGATION, "主要证据不足", "（2026）辽0102行初9号判决书", date(2026, 6, 1)
            ),
            date(2026, 6, 1),
        ),
        ("close_performed", p.Close(p.ClosureReason.PERFORMED, "x"), date(2026, 6, 2)),
        ("close", p.Close(p.ClosureReason.REVOKED, "决定已撤销。"), date(2026, 6, 2)),
    ],
    "change_lower_and_heavier": [
        ("file", p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "超范围经营", "王局长"), FILED),
        ("investigate", INVESTIGATE, date(2026, 3, 3)),
        (
            "assess",
            p.RecordAssessment(assessed(allowed_kinds=frozenset({K.WARNING, K.FINE, K.SUSPEND_LICENCE}))),
            date(2026, 3, 4),
        ),
        (
            "notify",
            notice(p.Penalty(frozenset({K.FINE, K.SUSPEND_LICENCE}), 3_000_000, terms="暂扣许可证件一个月")),
            date(2026, 3, 10),
        ),
        ("statement", p.RecordStatement("申辩。", date(2026, 3, 11)), date(2026, 3, 11)),
        ("review", p.ReviewStatements("不予采纳。", False), date(2026, 3, 12)),
        (
            "renotice_heavier_no_evidence",
            notice(
                fine(40_000, K.SUSPEND_LICENCE), served_on=date(2026, 3, 13), renotice_reason="重新核定货值。"
            ),
            date(2026, 3, 13),
        ),
        (
            "renotice_heavier",
            notice(
                fine(40_000, K.SUSPEND_LICENCE),
                served_on=date(2026, 3, 13),
                renotice_reason="重新核定货值。",
                new_evidence="新查明的销售记录。",
            ),
            date(2026, 3, 13),
        ),
        (
            "reassess",
            p.RecordAssessment(
                assessed(tier="从重", allowed_kinds=frozenset({K.WARNING, K.FINE, K.SUSPEND_LICENCE}))
            ),
            date(2026, 3, 16),
        ),
        ("decide_after_reassessment", decision(fine(40_000, K.SUSPEND_LICENCE)), date(2026, 3, 23)),
        (
            "renotice",
            notice(
                fine(40_000, K.SUSPEND_LICENCE), served_on=date(2026, 3, 16), renotice_reason="重新裁量。"
            ),
            date(2026, 3, 16),
        ),
        (
            "extend_no_basis",
            p.ExtendTimeLimit(date(2026, 7, 31), "王局长", " ", "案情复杂"),
            date(2026, 3, 17),
        ),
        (
            "extend_earlier",
            p.ExtendTimeLimit(
                date(2026, 5, 1), "王局长", "《市场监督管理行政处罚程序规定》第六十四条", "案情复杂"
            ),
            date(2026, 3, 17),
        ),
        (
            "extend",
            p.ExtendTimeLimit(
                date(2026, 7, 31), "王局长", "《市场监督管理行政处罚程序规定》第六十四条", "案情复杂"
            ),
            date(2026, 3, 17),
        ),
        ("decide", decision(fine(40_000, K.SUSPEND_LICENCE)), date(2026, 6, 15)),
        ("deliver", p.Deliver(date(2026, 6, 16), p.DeliveryMethod.DIRECT, "李经理"), date(2026, 6, 16)),
        ("pay", p.RecordPayment(date(2026, 6, 20), 40_000 * YUAN), date(2026, 6, 20)),
        (
            "change_heavier",
            p.Change(
                p.CorrectionSource.RECONSIDERATION,
                "变更",
                "沈复〔2026〕30号",
                date(2026, 7, 1),
                fine(50_000, K.SUSPEND_LICENCE),
            ),
            date(2026, 7, 1),
        ),
        (
            "change_heavier_third_party",
            p.Change(
                p.CorrectionSource.RECONSIDERATION,
                "第三人请求",
                "沈复〔2026〕30号",
                date(2026, 7, 1),
                fine(50_000, K.SUSPEND_LICENCE),
                True,
            ),
            date(2026, 7, 1),
        ),
        (
            "change_lower",
            p.Change(
                p.CorrectionSource.RECONSIDERATION,
                "罚款过重",
                "沈复〔2026〕31号",
                date(2026, 7, 2),
                fine(20_000),
            ),
            date(2026, 7, 2),
        ),
        ("execute", p.RecordExecution(date(2026, 7, 3), "暂扣已执行。"), date(2026, 7, 3)),
        ("close", p.Close(p.ClosureReason.PERFORMED, "执行完毕。"), date(2026, 7, 3)),
    ],
    "fine_outside_tier_and_time_limit": [
        (
            "file",
            p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "经营超过保质期的食品", "王局长"),
            FILED,
        ),
        ("investigate", INVESTIGATE, date(2026, 3, 3)),
        ("assess", p.RecordAssessment(assessed(legal_review_required=True)), date(2026, 3, 4)),
        ("notify", notice(fine(60_000), outside_range_reason="情节特别严重。"), date(2026, 3, 10)),
        ("waive", p.WaiveRights(True, False, date(2026, 3, 10)), date(2026, 3, 10)),
        (
            "review_investigator",
            p.RecordLegalReview("张三", True, REVIEW, date(2026, 3, 11), fine(60_000)),
            date(2026, 3, 11),
        ),
        (
            "review",
            p.RecordLegalReview("法制科孙某", True, REVIEW, date(2026, 3, 11), fine(60_000)),
            date(2026, 3, 11),
        ),
        ("decide_no_outside_reason", decision(fine(60_000)), date(2026, 3, 12)),
        ("decide_day_91", decision(fine(60_000), outside_range_reason="情节特别严重。"), date(2026, 6, 1)),
        (
            "extend_after_expiry",
            p.ExtendTimeLimit(date(2026, 7, 31), "王局长", "规定", "理由"),
            date(2026, 6, 1),
        ),
        (
            "decide_last_day",
            decision(fine(60_000), outside_range_reason="情节特别严重。", serious=True),
            date(2026, 5, 31),
        ),
        ("record_statement_after_decision", p.RecordStatement("x", date(2026, 6, 1)), date(2026, 6, 1)),
        ("close_referred", p.Close(p.ClosureReason.REFERRED_TO_JUDICIARY, "移送。"), date(2026, 6, 1)),
    ],
    "closed_before_notice": [
        ("file_no_summary", p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, " ", "王局长"), FILED),
        ("file", p.FileCase(CASE_ID, "SJ", ORG, p.ProcedureKind.GENERAL, "涉嫌无照经营", "王局长"), FILED),
        ("close_no_note", p.Close(p.ClosureReason.NOT_ESTABLISHED, " "), date(2026, 3, 3)),
        ("close_court", p.Close(p.ClosureReason.ENFORCEMENT_BY_COURT, "x"), date(2026, 3, 3)),
        ("close", p.Close(p.ClosureReason.NOT_ESTABLISHED, "经核查不构成违法。"), date(2026, 3, 3)),
        ("investigate_closed", INVESTIGATE, date(2026, 3, 4)),
    ],
}


def _apply(case: p.Case | None, cmd: Any, day: date) -> p.Transition:
    if isinstance(cmd, p.FileCase):
        return p.file_case(cmd, now=at(day))
    assert case is not None
    return p.handle(case, cmd, now=at(day), calendar=CAL)


def _outcome(case: p.Case | None, cmd: Any, day: date) -> tuple[dict[str, Any], p.Transition | None]:
    try:
        t = _apply(case, cmd, day)
    except DomainError as exc:
        return {"error": exc}, None
    return {"case": t.case, "events": t.events}, t


def _played() -> Iterator[tuple[str, str, date, p.Case | None, dict[str, Any]]]:
    """Every step of every script: (script, label, day, the case before the step, the recorded outcome)."""
    for script, steps in SCRIPTS.items():
        case: p.Case | None = None
        for label, cmd, day in steps:
            recorded, t = _outcome(case, cmd, day)
            yield script, label, day, case, recorded
            if t is not None:
                case = t.case


def test_scripted_cases_match_the_golden_record() -> None:
    records = [
        {"script": s, "step": label, "day": day, **recorded} for s, label, day, _, recorded in _played()
    ]
    compare("procedure_scripts.jsonl", records)


# The palette: commands of every kind, each a function of the day it is tried, in a valid-looking form.
PALETTE: dict[str, Callable[[date], Any]] = {
    "investigate": lambda d: INVESTIGATE,
    "assess": lambda d: p.RecordAssessment(assessed()),
    "assess_hearing": lambda d: p.RecordAssessment(
        assessed(hearing_required=True, legal_review_required=True)
    ),
    "notify": lambda d: notice(served_on=d),
    "notify_hearing": lambda d: notice(served_on=d, hearing_offered=True, renotice_reason="重新告知。"),
    "renotice": lambda d: notice(served_on=d, renotice_reason="重新告知。"),
    "statement": lambda d: p.RecordStatement("陈述。", d),
    "review_statements": lambda d: p.ReviewStatements("复核。", True),
    "waive_both": lambda d: p.WaiveRights(True, True, d),
    "waive_statement": lambda d: p.WaiveRights(True, False, d),
    "request_hearing": lambda d: p.RequestHearing(d),
    "schedule_hearing": lambda d: p.ScheduleHearing(d, d + timedelta(days=14), "赵主持"),
    "record_hearing": lambda d: p.RecordHearing(d, p.HearingOutcome.HELD, "笔录"),
    "withdraw_hearing": lambda d: p.WithdrawHearing(d),
    "legal_review": lambda d: p.RecordLegalReview("法制科孙某", True, REVIEW, d, fine(30_000)),
    "collective": lambda d: p.RecordCollectiveDiscussion(d, LEADERS, "纪要", fine(30_000)),
    "extend": lambda d: p.ExtendTimeLimit(date(2026, 12, 31), "王局长", "规定第六十四条", "复杂"),
    "decide": lambda d: decision(),
    "decide_200": lambda d: decision(fine(200)),
    "decide_no_penalty": lambda d: no_penalty(),
    "deliver": lambda d: p.Deliver(d, p.DeliveryMethod.DIRECT, "王某"),
    "deferral": lambda d: p.GrantDeferral("王局长", d + timedelta(days=60), "困难"),
    "pay_part": lambda d: p.RecordPayment(d, 100 * YUAN),
    "pay_all": lambda d: p.RecordPayment(d, 30_000 * YUAN, 0, "回单"),
    "execute": lambda d: p.RecordExecution(d, "执行完毕"),
    "remedy": lambda d: p.FileRemedy(p.RemedySource.RECONSIDERATION, d, "沈复1号"),
    "conclude_remedy": lambda d: p.ConcludeRemedy(d, True),
    "revoke": lambda d: p.Revoke(p.CorrectionSource.SELF_CORRECTION, "错误", "纠错记录", d),
    "change": lambda d: p.Change(p.CorrectionSource.LITIGATION, "过重", "判决书", d, fine(100)),
    "publish": lambda d: p.RecordPublication(d),
    "publication_exempt": lambda d: p.RecordPublication(None, "涉及个人隐私"),
    "close_not_established": lambda d: p.Close(p.ClosureReason.NOT_ESTABLISHED, "不构成违法"),
    "close_performed": lambda d: p.Close(p.ClosureReason.PERFORMED, "执行完毕"),
    "close_revoked": lambda d: p.Close(p.ClosureReason.REVOKED, "已撤销"),
    "close_court": lambda d: p.Close(p.ClosureReason.ENFORCEMENT_BY_COURT, "强制执行"),
}


def _compact(recorded: dict[str, Any]) -> dict[str, Any]:
    if "error" in recorded:
        return {"error": recorded["error"]}
    case: p.Case = recorded["case"]
    return {"state": case.state, "version": case.version, "events": recorded["events"]}


def test_state_machine_matrix_matches_the_golden_record() -> None:
    records: list[dict[str, Any]] = []
    for script, label, day, _, recorded in _played():
        if "case" not in recorded:
            continue
        case: p.Case = recorded["case"]
        for later in (0, 1, 20):
            when = day + timedelta(days=later)
            for name, make in PALETTE.items():
                cmd = make(when)
                outcome, _ = _outcome(case, cmd, when)
                records.append(
                    {
                        "script": script,
                        "after": label,
                        "state": case.state,
                        "day": when,
                        "try": name,
                        **_compact(outcome),
                    }
                )
    compare("procedure_matrix.jsonl.xz", records)


def test_deadlines_match_the_golden_record() -> None:
    records: list[dict[str, Any]] = []
    finals: dict[str, p.Case] = {}
    for script, label, _, _, recorded in _played():
        if "case" in recorded:
            finals[f"{script}/{label}"] = recorded["case"]
    for key, case in finals.items():
        days = [case.filed_on + timedelta(days=n) for n in (0, 59, 60, 79, 80, 90, 91, 120, 200)]
        records.append(
            {
                "case": key,
                "facts": case.deadline_facts,
                "status": {day.isoformat(): deadlines.deadline_status(case, day) for day in days},
                "surcharge": [case.surcharge_on(day) for day in days],
                "current": [case.current_penalty, case.decision_revision, case.fine_outstanding_fen],
            }
        )
    start = date(2026, 1, 1)
    for n in range(0, 330, 3):  # the working-day calendar covers 2026 only
        day = start + timedelta(days=n)
        records.append(
            {
                "day": day,
                "statement": [deadlines.statement_deadline(day, CAL, k) for k in (1, 5, 10)],
                "hearing_request": deadlines.hearing_request_deadline(day, CAL),
                "earliest_hearing": deadlines.earliest_hearing_date(day, CAL),
                "delivery": [
                    deadlines.delivery_deadline(day, CAL),
                    deadlines.delivery_deadline(day, CAL, on_the_spot=True),
                ],
                "payment": deadlines.payment_deadline(day, CAL),
                "publication": deadlines.publication_deadline(day, CAL),
                "withdrawal": deadlines.publication_withdrawal_deadline(day, CAL),
                "decision_limit": deadlines.decision_limit(day),
                "warnings": deadlines.decision_warning_dates(deadlines.decision_limit(day)),
                "surcharge": deadlines.surcharge(
                    123_457,
                    day,
                    day + timedelta(days=n % 50),
                    excluded=((day + timedelta(days=3), day + timedelta(days=5)),),
                ),
            }
        )
    compare("procedure_deadlines.jsonl.xz", records)


def test_penalty_values_match_the_golden_record() -> None:
    penalties = [
        p.Penalty(frozenset({K.WARNING})),
        fine(200),
        fine(30_000, K.CONFISCATE_GAINS, confiscation=5_000),
        p.Penalty(frozenset({K.FINE, K.SUSPEND_LICENCE}), fine_fen=4_000_000, terms="暂扣许可证件三个月"),
        p.Penalty(frozenset({K.REVOKE_LICENCE, K.OTHER})),
        p.Penalty(frozenset({K.ORDER_CLOSURE})),
        p.Penalty(frozenset(), fine_fen=-1, confiscation_fen=5),
        p.Penalty(frozenset({K.FINE})),
    ]
    records: list[dict[str, Any]] = []
    for new in penalties:
        try:
            p.validate_penalty(new)
            valid: Any = True
        except DomainError as exc:
            valid = exc
        records.append(
            {
                "penalty": new,
                "describe": new.describe(),
                "valid": valid,
                "items": docs.penalty_items(new),
                "heavier_than": [p.heavier_reasons(new, old) for old in penalties],
            }
        )
    records.append({"kind_order": sorted(p.PenaltyKind, key=p.kind_order)})
    compare("procedure_values.jsonl", records)
