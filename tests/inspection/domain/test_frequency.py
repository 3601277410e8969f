"""Frequency: the Asia/Shanghai year, caps with joint visits counted per department, quiet periods, summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.inspection.domain import frequency
from services.inspection.domain.frequency import (
    FrequencyPolicy,
    QuietWindow,
    TaskKind,
    VisitRecord,
    cap_breach,
    enterprise_year,
    year_on_year,
)

ENT = "91210102MA0000001X"
OTHER = "91210103MA0000002X"


def visit(
    n: int, kind: TaskKind, depts: set[str], when: datetime, uscc: str = ENT, **kw: bool
) -> VisitRecord:
    return VisitRecord(f"v{n}", uscc, when, kind, frozenset(depts), **kw)


T = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


class TestYear:
    def test_shanghai_new_year_starts_at_16_utc(self) -> None:
        assert frequency.year_of(datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC)) == 2025
        assert frequency.year_of(datetime(2025, 12, 31, 16, 0, 0, tzinfo=UTC)) == 2026  # 00:00 in Shanghai
        assert frequency.year_of(datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))) == 2026

    def test_naive_timestamps_are_refused(self) -> None:
        with pytest.raises(ValueError):
            frequency.year_of(datetime(2026, 1, 1))


class TestCounting:
    def test_joint_visit_counts_once_per_department_and_once_in_total(self) -> None:
        visits = [
            visit(1, TaskKind.JOINT, {"SJ", "ST", "XF"}, T),
            visit(2, TaskKind.RANDOM, {"YJ"}, T + timedelta(days=1)),
            visit(3, TaskKind.COMPLAINT, {"SJ"}, T + timedelta(days=2)),  # exempt
            visit(4, TaskKind.RANDOM, {"JT"}, T, uscc=OTHER),  # other enterprise
            visit(5, TaskKind.RANDOM, {"JT"}, datetime(2025, 12, 31, 15, 0, tzinfo=UTC)),  # 2025 in Shanghai
            visit(6, TaskKind.RANDOM, {"WJ"}, T, voided=True),
            visit(7, TaskKind.RANDOM, {"CG"}, T, requested_by_enterprise=True),  # exempt
        ]
        counts = enterprise_year(visits, ENT, 2026)
        assert dict(counts.capped_by_dept) == {"SJ": 1, "ST": 1, "XF": 1, "YJ": 1}
        assert counts.capped_total == 2  # the joint visit (1) + the random YJ visit (1)
        assert counts.exempt_total == 2  # complaint + enterprise-requested
        assert counts.on_site_total == 4


class TestCaps:
    def test_one_capped_visit_per_department(self) -> None:
        counts = enterprise_year([visit(1, TaskKind.RANDOM, {"SJ"}, T)], ENT, 2026)
        breach = cap_breach(counts, TaskKind.RANDOM, {"SJ"})
        assert breach is not None and (breach.scope, breach.dept_code, breach.count, breach.limit) == (
            "department",
            "SJ",
            1,
            1,
        )
        assert cap_breach(counts, TaskKind.RANDOM, {"ST"}) is None

    def test_a_joint_visit_uses_each_participating_departments_visit(self) -> None:
        counts = enterprise_year([visit(1, TaskKind.JOINT, {"SJ", "ST"}, T)], ENT, 2026)
        assert cap_breach(counts, TaskKind.RANDOM, {"ST"}) is not None
        assert cap_breach(counts, TaskKind.JOINT, {"YJ", "SJ"}) is not None  # SJ already visited
        assert cap_breach(counts, TaskKind.JOINT, {"YJ", "XF"}) is None

    def test_four_visits_across_departments(self) -> None:
        # SJ, ST, YJ random + one joint JT/CG = 4 capped visits (the joint one counts once) → the fifth is refused
        visits = [
            visit(1, TaskKind.RANDOM, {"SJ"}, T),
            visit(2, TaskKind.RANDOM, {"ST"}, T),
            visit(3, TaskKind.RANDOM, {"YJ"}, T),
            visit(4, TaskKind.JOINT, {"JT", "CG"}, T),
        ]
        counts = enterprise_year(visits, ENT, 2026)
        assert counts.capped_total == 4
        breach = cap_breach(counts, TaskKind.RANDOM, {"WJ"})
        assert breach is not None and (breach.scope, breach.count, breach.limit) == ("enterprise", 4, 4)

    def test_three_separate_visits_leave_room_that_a_joint_visit_would_have_saved(self) -> None:
        separate = [visit(n, TaskKind.RANDOM, {d}, T) for n, d in enumerate(["SJ", "ST", "YJ"])]
        joint = [visit(9, TaskKind.JOINT, {"SJ", "ST", "YJ"}, T)]
        assert enterprise_year(separate, ENT, 2026).capped_total == 3
        assert enterprise_year(joint, ENT, 2026).capped_total == 1

    def test_exempt_kinds_are_never_capped(self) -> None:
        visits = [visit(n, TaskKind.RANDOM, {d}, T) for n, d in enumerate(["SJ", "ST", "YJ", "JT"])]
        counts = enterprise_year(visits, ENT, 2026)
        assert cap_breach(counts, TaskKind.COMPLAINT, {"SJ"}) is None
        assert cap_breach(counts, TaskKind.KEY_AREA, {"SJ"}) is None
        assert cap_breach(counts, TaskKind.RANDOM, {"SJ"}, requested_by_enterprise=True) is None

    def test_caps_are_configuration(self) -> None:
        counts = enterprise_year([visit(1, TaskKind.RANDOM, {"SJ"}, T)], ENT, 2026)
        policy = FrequencyPolicy(per_department_cap=2, enterprise_total_cap=None)
        assert cap_breach(counts, TaskKind.RANDOM, {"SJ"}, policy=policy) is None


class TestQuiet:
    def test_a_class_is_quiet_without_a_lead_but_the_random_draw_may_visit(self) -> None:
        assert frequency.quiet_reason(ENT, "A", TaskKind.JOINT, T) is not None
        assert frequency.quiet_reason(ENT, "A", TaskKind.RANDOM, T) is None
        assert frequency.quiet_reason(ENT, "A", TaskKind.COMPLAINT, T) is None
        assert frequency.quiet_reason(ENT, "A", TaskKind.JOINT, T, has_lead=True) is None
        assert frequency.quiet_reason(ENT, "B", TaskKind.JOINT, T) is None
        strict = FrequencyPolicy(quiet_allows_random=False)
        assert frequency.quiet_reason(ENT, "A", TaskKind.RANDOM, T, policy=strict) is not None

    def test_quiet_windows_are_inclusive_local_dates(self) -> None:
        window = QuietWindow(date(2026, 6, 1), date(2026, 6, 30), "新设立企业包容期", ENT)
        # 2026-05-31T16:00Z is 2026-06-01 00:00 in Shanghai: inside
        assert frequency.quiet_reason(
            ENT, None, TaskKind.RANDOM, datetime(2026, 5, 31, 16, tzinfo=UTC), windows=[window]
        )
        assert frequency.quiet_reason(
            ENT, None, TaskKind.RANDOM, datetime(2026, 6, 30, 15, 59, tzinfo=UTC), windows=[window]
        )
        assert not frequency.quiet_reason(
            ENT, None, TaskKind.RANDOM, datetime(2026, 6, 30, 16, tzinfo=UTC), windows=[window]
        )
        assert not frequency.quiet_reason(OTHER, None, TaskKind.RANDOM, T, windows=[window])


class TestYearOnYear:
    def test_the_seeds_minus_16_7_percent(self) -> None:
        # Seed 002 (2025 report): 全年涉企行政检查减少1.5万次、下降16.7%.
        # 15,000 / 16.7 % ≈ 89,820, so the base year had about 90,000 inspections and 2025 about 75,000:
        # (75,000 - 90,000) / 90,000 = -15,000 / 90,000 = -0.16666… = -16.666…% → -16.7 % at one decimal.
        change = year_on_year(90_000, 75_000)
        assert change.change == -15_000
        assert change.permille == -167
        assert change.text == "-16.7%"
        assert change.text_zh == "下降16.7%"

    def test_any_base_consistent_with_the_seed_rounds_to_16_7(self) -> None:
        # 1.5万 is itself rounded; every base for which 15,000 / base rounds to 16.7 % reproduces the figure:
        # 16.65 % ≤ 15,000 / base < 16.75 %  ⇔  89,553 ≤ base ≤ 90,090 (15,000 / 0.1675 = 89,552.2; / 0.1665 = 90,090.09)
        for base in (89_553, 89_820, 90_000, 90_090):
            assert year_on_year(base, base - 15_000).permille == -167
        assert year_on_year(89_552, 89_552 - 15_000).permille == -168
        assert year_on_year(90_091, 90_091 - 15_000).permille == -166

    def test_rounding_half_away_from_zero_and_edges(self) -> None:
        assert year_on_year(2_000, 2_001).permille == 1  # +0.05 % → +0.1 %
        assert year_on_year(2_000, 1_999).permille == -1  # -0.05 % → -0.1 %
        assert year_on_year(100, 105).text == "+5.0%" and year_on_year(100, 105).text_zh == "增长5.0%"
        assert year_on_year(100, 100).text_zh == "持平"
        assert year_on_year(0, 7).permille is None and year_on_year(0, 7).text_zh == "上年无检查"

    def test_department_year_on_year_counts_joint_visits_for_each_department(self) -> None:
        y25 = datetime(2025, 6, 1, tzinfo=UTC)
        visits = [visit(n, TaskKind.RANDOM, {"SJ"}, y25) for n in range(6)]
        visits += [visit(10 + n, TaskKind.RANDOM, {"SJ"}, T) for n in range(4)]
        visits += [visit(20, TaskKind.JOINT, {"SJ", "ST"}, T)]
        rows = {r.dept_code: r.change for r in frequency.department_year_on_year(visits, 2026)}
        # SJ: 6 → 5 (4 random + 1 joint): -1/6 = -16.666…% → -16.7 %
        assert (rows["SJ"].previous, rows["SJ"].current, rows["SJ"].text) == (6, 5, "-16.7%")
        assert (rows["ST"].previous, rows["ST"].current, rows["ST"].permille) == (0, 1, None)
        # All visits: 6 → 5 (the joint visit is one visit)
        assert (rows["*"].previous, rows["*"].current) == (6, 5)


class TestSupervisorViews:
    def test_enterprises_above_cap(self) -> None:
        visits = [
            visit(1, TaskKind.RANDOM, {"SJ"}, T),
            visit(2, TaskKind.RANDOM, {"SJ"}, T, emergency=True),  # got past the cap in an emergency
            visit(3, TaskKind.COMPLAINT, {"ST"}, T),
            visit(4, TaskKind.COMPLAINT, {"ST"}, T),
            visit(5, TaskKind.RANDOM, {"JT"}, T, uscc=OTHER),
        ]
        above = frequency.enterprises_above_cap(visits, 2026)
        assert [(e.uscc, e.scope, e.dept_code, e.count, e.limit) for e in above] == [
            (ENT, "department", "SJ", 2, 1)
        ]

    def test_joint_share(self) -> None:
        visits = [visit(n, TaskKind.RANDOM, {"SJ"}, T) for n in range(5)]
        visits += [visit(10 + n, TaskKind.JOINT, {"SJ", "ST"}, T) for n in range(3)]
        share = frequency.joint_share(visits, 2026)
        # 3 joint of 8 visits = 0.375 = 37.5 %
        assert (share.part, share.whole, share.permille, share.text) == (3, 8, 375, "37.5%")
        assert frequency.joint_share([], 2026).permille is None
