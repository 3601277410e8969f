"""The JSONB codec rebuilds domain values exactly (a case through its whole procedure, an assessment)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time
from pathlib import Path

from services.common.clock import CHINA as CHINA_TZ
from services.common.workdays import WorkingDayCalendar
from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import PenaltyKind as K
from services.penalty.use_cases import codec

CAL = WorkingDayCalendar()
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "benchmarks.json"


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=CHINA_TZ)


def roundtrip(cls: type, value: object) -> object:
    text = json.dumps(codec.to_json(value), ensure_ascii=False)
    return codec.decode(cls, json.loads(text))


def test_case_through_the_whole_procedure() -> None:
    party = p.PartyRef("沈阳某某食品有限公司", p.PartyKind.ORGANISATION)
    case = p.file_case(
        p.FileCase(uuid.uuid4(), "SJ", party, p.ProcedureKind.GENERAL, "销售过期食品", "王局长"),
        now=at(date(2026, 3, 2)),
    ).case
    assert roundtrip(p.Case, case) == case
    steps: list[tuple[p.Command, date]] = [
        (p.StartInvestigation(("辽A-1", "辽A-2")), date(2026, 3, 3)),
        (
            p.RecordAssessment(
                p.AssessedPenalty(
                    "SY-SJ-0001",
                    1,
                    "一般",
                    frozenset({K.FINE, K.WARNING}),
                    100,
                    500,
                    True,
                    True,
                    False,
                    False,
                )
            ),
            date(2026, 3, 4),
        ),
        (
            p.Notify(
                "沈市监罚告〔2026〕1号",
                "事实",
                ("理由",),
                "依据",
                p.Penalty(frozenset({K.FINE}), fine_fen=300),
                "SY-SJ-0001",
                date(2026, 3, 5),
                True,
            ),
            date(2026, 3, 5),
        ),
        (p.RecordStatement("申辩", date(2026, 3, 6)), date(2026, 3, 6)),
        (p.ReviewStatements("不予采纳", False), date(2026, 3, 6)),
    ]
    for command, day in steps:
        case = p.handle(case, command, now=at(day), calendar=CAL).case
        assert roundtrip(p.Case, case) == case


def test_assessment_and_facts() -> None:
    catalogue = cat.parse_json(SAMPLE.read_text())
    facts = d.Facts(
        violation_date=date(2026, 2, 1),
        decision_date=date(2026, 3, 1),
        party_type=cat.PartyType.ORGANISATION,
        base_amounts={cat.BaseKind.GOODS_VALUE: 1_234_500},
        mitigations=frozenset({d.Mitigation.COERCED}),
        enterprise=True,
    )
    assessment = d.assess(facts, catalogue.versions("SY-SJ-0001"), today=date(2026, 3, 1))
    assert roundtrip(d.Facts, facts) == facts
    assert roundtrip(d.Assessment, assessment) == assessment
