"""What the engine keeps between assessments (per benchmark version: the plain basis, the amount and kinds
wording; the result dataclasses' slot ``__init__``) must never carry one case's facts or one config into
another case's answer. Worked by hand like test_discretion.py: 1 元 = 100 分, tiers 30 % / 70 % of the
statutory range unless the config says otherwise, the suggestion the tier's midpoint rounded to whole yuan.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.penalty.domain import catalogue as cat
from services.penalty.domain import discretion as d
from services.penalty.domain.catalogue import BaseKind, PartyType, PenaltyKind

SAMPLE = cat.parse_json(
    (Path(__file__).resolve().parents[3] / "data/sample/benchmarks.json").read_text("utf-8")
)
YUAN = 100


def run(code: str, *, config: d.AssessmentConfig = d.DEFAULT_CONFIG, **kw: Any) -> d.Assessment:
    kw.setdefault("violation_date", date(2025, 6, 1))
    kw.setdefault("decision_date", date(2025, 9, 1))
    kw.setdefault("party_type", PartyType.ORGANISATION)
    facts = d.Facts(**kw)
    return d.assess(facts, SAMPLE.versions(code), today=facts.decision_date, config=config)


def step(a: d.Assessment, rule: str) -> d.Step:
    return next(s for s in a.steps if s.rule == rule)


class TestAmountsFollowTheConfig:
    def test_a_jurisdictions_own_split_is_not_answered_from_the_default_one(self) -> None:
        # SY-XF-0002 (消防法 第六十条第一款, 单位 5,000–50,000 元): L = 500_000, H = 5_000_000, W = 4_500_000.
        # Default 30 % / 70 %: 一般 [1_850_000, 3_649_999], (1_850_000 + 3_649_999) / 2 → 27,500 元.
        # 40 % / 80 %: b1 = 500_000 + 1_800_000 = 2_300_000, b2 = 500_000 + 3_600_000 = 4_100_000,
        # 一般 [2_300_000, 4_099_999], (2_300_000 + 4_099_999) / 2 = 3_199_999.5 分 → 32,000 元.
        split = cat.TierSplit(range_lighter_upper_bp=4_000, range_heavier_lower_bp=8_000)
        own = d.AssessmentConfig(tier_split=split)
        before = run("SY-XF-0002")
        mine = run("SY-XF-0002", config=own)
        after = run("SY-XF-0002")
        assert [a.penalty.suggested_fine_fen for a in (before, mine, after) if a.penalty] == [
            27_500 * YUAN,
            32_000 * YUAN,
            27_500 * YUAN,
        ]
        assert "23,000.00元以上不满41,000.00元" in step(mine, "amount").text
        assert step(after, "amount") == step(before, "amount")


class TestKindsFollowTheGains:
    # SY-CG-0004 (固体废物污染环境防治法 第一百一十一条, 个人 100–500 元): fine, and 没收违法所得 where any.
    def test_each_case_names_its_own_illegal_gains(self) -> None:
        texts = []
        for gains in (123_456, 78_900, 0):
            a = run(
                "SY-CG-0004",
                party_type=PartyType.INDIVIDUAL,
                base_amounts={BaseKind.ILLEGAL_GAINS: gains},
            )
            texts.append(step(a, "kinds").text)
            kinds = a.penalty.kinds if a.penalty else ()
            assert (PenaltyKind.CONFISCATE_GAINS in kinds) is (gains > 0)  # 第二十八条第二款
            cited = [c.article for c in step(a, "kinds").citations]
            assert ("第二十八条第二款" in cited) is (gains > 0)
        assert texts == [
            "拟给予没收违法所得、罚款（违法所得1,234.56元应当予以没收）。",
            "拟给予没收违法所得、罚款（违法所得789.00元应当予以没收）。",
            "拟给予罚款；未认定违法所得，查明有违法所得的，应当予以没收。",
        ]


class TestResultTypes:
    def test_the_slot_init_keeps_the_dataclass_contract(self) -> None:
        s = d.Step("amount", "建议罚款300.00元。")
        assert s.citations == ()  # the default
        assert s == d.Step("amount", "建议罚款300.00元。", ()) and hash(s) == hash(d.Step("amount", s.text))
        assert dataclasses.replace(s, text="x") == d.Step("amount", "x")
        with pytest.raises(dataclasses.FrozenInstanceError):
            s.text = "x"  # type: ignore[misc]
        with pytest.raises(TypeError):
            d.Step("amount")  # type: ignore[call-arg]
        assert d.FenRange(low=1, high=2) == d.FenRange(1, 2)
        assert d.Citation(article="第三十条") == d.Citation("", "第三十条", "", None)
