"""The 信用修复提示书: numbering, content for published, unpublished and never-early decisions, and its JSON form."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from services.credit_repair import errors
from services.credit_repair.domain import notice as nt
from services.credit_repair.domain import publication as pub
from services.credit_repair.domain import rules
from services.credit_repair.domain.publication import Decision
from services.credit_repair.domain.rules import CreditClass, PartyKind, PenaltyKind, ProcedureKind

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "credit_rules.json"
CURRENT = rules.parse_rule_sets(SAMPLE.read_text(encoding="utf-8"))[1]
YUAN = 100


def build(
    *kinds: PenaltyKind,
    fine_yuan: int = 0,
    on: date = date(2026, 4, 15),
    domain: str = "market_regulation",
    subject_name: str = "沈阳某某商贸有限公司",
) -> nt.RepairNotice:
    d = Decision(
        decision_no="沈市监罚〔2026〕123号",
        decision_date=on,
        party_kind=PartyKind.ORGANISATION,
        procedure=ProcedureKind.GENERAL,
        kinds=frozenset(kinds),
        fine_fen=fine_yuan * YUAN,
        department_domain=domain,
    )
    c = pub.classify(d, CURRENT)
    w = pub.publication_window(d.decision_date, c, CURRENT)
    return nt.build_notice(
        number=nt.NoticeNumber("沈信修提", 2026, 12),
        issued_on=on,
        issuer="沈阳市市场监督管理局",
        subject_name=subject_name,
        subject_id="91210100MA0XXXXX1A",
        decision=d,
        classification=c,
        window=w,
        rule_set=CURRENT,
    )


class TestNumber:
    def test_format(self) -> None:
        assert str(nt.NoticeNumber("沈信修提", 2026, 12)) == "沈信修提〔2026〕12号"

    def test_parse_round_trip(self) -> None:
        n = nt.NoticeNumber.parse("沈信修提〔2026〕8299号")
        assert (n.prefix, n.year, n.seq) == ("沈信修提", 2026, 8299)
        assert str(n) == "沈信修提〔2026〕8299号"

    @pytest.mark.parametrize(
        "text", ["沈信修提[2026]12号", "沈信修提〔26〕12号", "沈信修提〔2026〕0号", "〔2026〕1号"]
    )
    def test_parse_rejects(self, text: str) -> None:
        with pytest.raises(errors.NoticeNumberInvalid) as err:
            nt.NoticeNumber.parse(text)
        assert err.value.code == "CREDIT_NOTICE_NUMBER_INVALID"

    def test_sequence_starts_at_one(self) -> None:
        with pytest.raises(errors.NoticeNumberInvalid):
            nt.NoticeNumber("沈信修提", 2026, 0)


class TestPublishedNotice:
    def test_general_fine(self) -> None:
        n = build(PenaltyKind.FINE, fine_yuan=80_000, on=date(2026, 4, 15))
        assert n.number == "沈信修提〔2026〕12号"
        assert n.published is True
        assert n.credit_class is CreditClass.GENERAL
        assert n.class_label == "一般失信信息"
        assert n.platforms == ("国家企业信用信息公示系统", "信用中国")
        assert n.publication_start == date(2026, 4, 15)
        assert n.earliest_repair_date == date(2026, 7, 15)  # + 3 months
        assert n.maximum_end == date(2027, 4, 15)  # + 1 year
        assert (n.min_period, n.max_period) == ("3个月", "1年")
        assert n.penalties == "罚款80,000.00元"
        text = "".join(n.requirements)
        assert "自2026年7月15日起方可申请" in text
        assert "缴清罚款80,000.00元" in text
        assert "信用承诺书" in text
        assert "纠正失信行为" in text
        assert "经营异常名录" in text  # SAMR Order 45 art. 14(四), market regulation only
        assert "www.gsxt.gov.cn" in n.application_path and "在线提交" in n.application_path
        # review deadlines from the rule set: 3 (acceptance), 7 (decision), 10 (信用中国)
        assert "3个工作日内决定是否受理" in n.review
        assert "7个工作日内作出" in n.review
        assert "10个工作日内反馈" in n.review
        assert any("国办发〔2025〕22号" in b for b in n.legal_basis)
        assert any("总局令第45号" in b for b in n.legal_basis)

    def test_other_department_applies_at_credit_china(self) -> None:
        n = build(PenaltyKind.FINE, fine_yuan=80_000, domain="urban_management")
        assert n.platforms == ("信用中国",)
        assert "www.creditchina.gov.cn" in n.application_path
        assert not any("经营异常名录" in r for r in n.requirements)
        assert not any("总局令第45号" in b for b in n.legal_basis)

    def test_never_early(self) -> None:
        n = build(PenaltyKind.REVOKE_LICENCE, on=date(2026, 5, 20))
        assert n.never_early is True
        assert n.earliest_repair_date is None
        assert n.maximum_end == date(2029, 5, 20)  # + 3 years
        assert "不得提前停止公示" in n.requirements[0]
        assert "2029年5月20日" in n.requirements[0]
        assert n.review == ""


class TestUnpublishedNotice:
    def test_small_fine(self) -> None:
        n = build(PenaltyKind.FINE, fine_yuan=30_000)
        assert n.published is False
        assert n.credit_class is CreditClass.MINOR
        assert n.platforms == ()
        assert n.earliest_repair_date is None and n.maximum_end is None
        assert "不予公示" in n.application_path
        assert "不予公示" in n.reason

    def test_inconsistent_inputs(self) -> None:
        d = Decision(
            "沈市监罚〔2026〕1号",
            date(2026, 4, 15),
            PartyKind.ORGANISATION,
            ProcedureKind.GENERAL,
            frozenset({PenaltyKind.FINE}),
            fine_fen=80_000 * YUAN,
        )
        c = pub.classify(d, CURRENT)
        with pytest.raises(ValueError):
            nt.build_notice(
                number=nt.NoticeNumber("沈信修提", 2026, 1),
                issued_on=date(2026, 4, 15),
                issuer="x",
                subject_name="x",
                subject_id="x",
                decision=d,
                classification=c,
                window=None,  # published, so a window is required
                rule_set=CURRENT,
            )


def test_sample_is_valid_json() -> None:
    assert "rule_sets" in json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_json_round_trip() -> None:
    """What the service stores (repair_notice.content) reads back as the same notice."""
    for n in (
        build(PenaltyKind.FINE, fine_yuan=80_000),
        build(PenaltyKind.WARNING),
        build(PenaltyKind.REVOKE_LICENCE),
    ):
        data = nt.to_json(n)
        assert json.loads(json.dumps(data)) == data  # JSON-ready: ISO dates, lists
        assert nt.from_json(data) == n
