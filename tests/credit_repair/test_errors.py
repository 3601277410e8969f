"""Every error a credit rule raises says in English what it says in Chinese, with the same specifics (the
ids, dates and amounts): ``english_detail`` then serves the English sentence, not the title followed by
the Chinese detail in parentheses."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from services.common.errors import DomainError
from services.common.problems import english_detail
from services.common.workdays import WorkingDayCalendar
from services.credit_repair.domain import notice as nt
from services.credit_repair.domain import publication as pub
from services.credit_repair.domain import repair, rules
from services.credit_repair.domain.publication import Decision
from services.credit_repair.domain.rules import PartyKind, PenaltyKind, ProcedureKind

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "credit_rules.json"
CURRENT = rules.parse_rule_sets(SAMPLE.read_text(encoding="utf-8"))[1]
YUAN = 100
DIGITS = re.compile(r"\d+")


def _decision(*kinds: PenaltyKind, fine_yuan: int = 0, on: date = date(2026, 4, 15)) -> Decision:
    return Decision(
        decision_no="沈市监罚〔2026〕123号",
        decision_date=on,
        party_kind=PartyKind.ORGANISATION,
        procedure=ProcedureKind.GENERAL,
        kinds=frozenset(kinds),
        fine_fen=fine_yuan * YUAN,
        department_domain="market_regulation",
        violation_kind="SY-SJ-0001",
    )


def _record(d: Decision, *, paid_fen: int = 0) -> repair.CreditRecord:
    c = pub.classify(d, CURRENT)
    return repair.CreditRecord(
        "rec-1", "91210100MA0XXXXX1A", d, c, pub.publication_window(d.decision_date, c, CURRENT), paid_fen
    )


def _application(**kw: object) -> repair.RepairApplication:
    values: dict[str, object] = {
        "application_id": "app-1",
        "record_id": "rec-1",
        "subject_id": "91210100MA0XXXXX1A",
        "submitted_on": date(2026, 5, 1),
        "commitment_signed": True,
        "violation_corrected": True,
    } | kw
    return repair.RepairApplication(**values)  # type: ignore[arg-type]


def _deadlines() -> repair.ReviewDeadlines:
    return repair.review_deadlines(date(2026, 5, 6), CURRENT, WorkingDayCalendar())


CASES: dict[str, Callable[[], object]] = {
    "notice number parts": lambda: nt.NoticeNumber("沈信修提", 2026, 0),
    "notice number text": lambda: nt.NoticeNumber.parse("沈信修提[2026]12号"),
    "decision invalid": lambda: _decision(PenaltyKind.FINE),
    "penalty kind": lambda: rules.parse_penalty_kind("罚酒三杯"),
    "rule set invalid": lambda: rules.parse_rule_set({"id": "broken-2031"}),
    "rule file not json": lambda: rules.parse_rule_sets("{"),
    "rule file without array": lambda: rules.parse_rule_sets("{}"),
    "rule set ids repeated": lambda: rules.parse_rule_sets(
        '{"rule_sets": ['
        + ",".join([SAMPLE.read_text(encoding="utf-8").split('"rule_sets": [', 1)[1].rsplit("]", 1)[0]] * 2)
        + "]}"
    ),
    "too early": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=80_000), paid_fen=80_000 * YUAN),
        _application(submitted_on=date(2026, 5, 1)),
        date(2026, 5, 1),
        CURRENT,
    ),
    "fine unpaid": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=80_000), paid_fen=30_000 * YUAN),
        _application(submitted_on=date(2026, 8, 1)),
        date(2026, 8, 1),
        CURRENT,
    ),
    "never early": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.REVOKE_LICENCE)), _application(), date(2027, 6, 1), CURRENT
    ),
    "not published": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=30_000)), _application(), date(2026, 8, 1), CURRENT
    ),
    "new violation": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=80_000), paid_fen=80_000 * YUAN),
        _application(),
        date(2026, 8, 1),
        CURRENT,
        other_decisions=[repair.OtherDecision("沈市监罚〔2026〕456号", date(2026, 6, 2), "SY-SJ-0001")],
    ),
    "duplicate": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=80_000), paid_fen=80_000 * YUAN),
        _application(),
        date(2026, 8, 1),
        CURRENT,
        open_application_ids=["app-0"],
    ),
    "not corrected": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=80_000), paid_fen=80_000 * YUAN),
        _application(violation_corrected=False),
        date(2026, 8, 1),
        CURRENT,
    ),
    "commitment missing": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=80_000), paid_fen=80_000 * YUAN),
        _application(commitment_signed=False),
        date(2026, 8, 1),
        CURRENT,
    ),
    "application mismatch": lambda: repair.check_eligibility(
        _record(_decision(PenaltyKind.FINE, fine_yuan=80_000)),
        _application(record_id="rec-2"),
        date(2026, 8, 1),
        CURRENT,
    ),
    "review before the application": lambda: repair.decide_review(
        _application(submitted_on=date(2026, 5, 6)),
        repair.ReviewOutcome.REJECTED,
        ["x"],
        date(2026, 5, 5),
        _deadlines(),
    ),
    "rejection without reasons": lambda: repair.decide_review(
        _application(submitted_on=date(2026, 5, 6)),
        repair.ReviewOutcome.REJECTED,
        [],
        date(2026, 5, 7),
        _deadlines(),
    ),
    "acceptance without a check": lambda: repair.decide_review(
        _application(submitted_on=date(2026, 5, 6)),
        repair.ReviewOutcome.ACCEPTED,
        [],
        date(2026, 5, 7),
        _deadlines(),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_english_detail_has_the_chinese_specifics(case: str) -> None:
    with pytest.raises(DomainError) as err:
        CASES[case]()
    exc = err.value
    assert exc.detail_en, exc
    assert english_detail(exc) == exc.detail_en  # every number of the Chinese detail is in the English one
    for number in DIGITS.findall(exc.detail):
        assert number in exc.detail_en, (number, exc.detail_en)
