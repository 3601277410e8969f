"""The 案卷评查 rules (services/risk/domain/reviews.py): the sheet, a file's total, results per unit, 回避."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from services.risk.domain import reviews as rules
from services.risk.errors import ReviewInvalid, ReviewScoresInvalid

FULL = {d.code: d.points for d in rules.DEFAULT_SHEET.dimensions}


class TestTheDefaultSheet:
    def test_has_the_eight_dimensions_of_the_issue_summing_to_100(self) -> None:
        names = [d.name for d in rules.DEFAULT_SHEET.dimensions]
        assert names == ["主体", "事实", "证据", "程序", "适用法律", "裁量", "文书", "归档"]
        # 10 + 15 + 20 + 20 + 10 + 10 + 10 + 5 = 100
        assert [d.points for d in rules.DEFAULT_SHEET.dimensions] == [10, 15, 20, 20, 10, 10, 10, 5]
        assert all(d.basis.startswith("行政处罚法") for d in rules.DEFAULT_SHEET.dimensions)

    def test_a_sheet_that_does_not_sum_to_100_is_refused(self) -> None:
        dims = [d.model_dump() for d in rules.DEFAULT_SHEET.dimensions]
        dims[0]["points"] = 11  # 101
        with pytest.raises(ValidationError, match="100"):
            rules.ScoringSheet.model_validate({"dimensions": dims})

    def test_a_deduction_above_its_dimension_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="超过"):
            rules.Dimension.model_validate(
                {
                    "code": "x",
                    "name": "归档",
                    "points": 5,
                    "deductions": [{"code": "a", "text": "t", "points": 6}],
                }
            )

    def test_the_pass_mark_is_not_above_the_excellent_mark(self) -> None:
        with pytest.raises(ValidationError, match="pass_mark"):
            rules.ScoringSheet(dimensions=rules.DEFAULT_SHEET.dimensions, pass_mark=80, excellent_mark=70)


class TestAFilesTotal:
    def test_is_the_sum_of_the_points(self) -> None:
        points = {**FULL, "evidence": 12, "archive": 0}  # 100 - 8 - 5 = 87
        assert rules.check_scores(rules.DEFAULT_SHEET, points) == 87

    def test_every_dimension_once_within_its_points(self) -> None:
        with pytest.raises(ReviewScoresInvalid) as err:
            rules.check_scores(rules.DEFAULT_SHEET, {**FULL, "archive": 6, "extra": 1} | {"law": 0})
        fields = {e["field"] for e in err.value.errors or []}
        assert fields == {"points.archive", "points.extra"}

    def test_a_matter_request_needs_grounds(self) -> None:
        finding = rules.FindingInput("procedure", "serious", "未告知", "P1", open_matter=True)
        with pytest.raises(ReviewScoresInvalid):
            rules.check_findings(rules.DEFAULT_SHEET, [finding])
        with pytest.raises(ReviewScoresInvalid):  # P9 is no deduction item of 程序
            rules.check_findings(rules.DEFAULT_SHEET, [rules.FindingInput("procedure", "minor", "t", "P9")])


class TestUnitResults:
    def test_mean_minimum_and_grades_worked_by_hand(self) -> None:
        sheet = rules.ScoringSheet(dimensions=rules.DEFAULT_SHEET.dimensions, pass_mark=60, excellent_mark=80)
        files = [("A", 85), ("A", 59), ("A", 70), ("A", None), ("B", 60)]
        a, b, c = rules.unit_results(sheet, ["B", "A", "C"], files)
        # A: reviewed 85, 59, 70 → mean 214/3 = 71.333… → "71.33"; lowest 59; 85 and 70 pass (≥60), 59 fails;
        # 85 ≥ 80 is 优秀; the mean 71.33 is 合格; 4 files drawn, 3 reviewed
        assert (a.unit_code, a.files, a.reviewed, a.mean, a.mean_text, a.minimum) == (
            "A",
            4,
            3,
            Fraction(214, 3),
            "71.33",
            59,
        )
        assert (a.passed, a.failed, a.excellent, a.grade) == (2, 1, 1, "pass")
        # B: one file at exactly 60: 合格 (at or above the pass mark)
        assert (b.mean_text, b.grade, b.passed) == ("60.00", "pass", 1)
        # C: nothing drawn
        assert (c.files, c.reviewed, c.mean, c.grade) == (0, 0, None, None)


class TestReviewers:
    def test_a_reviewer_of_the_reviewed_unit_is_refused(self) -> None:
        with pytest.raises(ReviewInvalid) as err:
            rules.check_reviewers(
                {"SJ-210102": [("r1", "SJ-210102"), ("r2", None)], "SJ-210103": [("r1", "SJ-210102")]}
            )
        assert [e["field"] for e in err.value.errors or []] == ["reviewers.r1"]

    def test_every_unit_has_a_reviewer(self) -> None:
        with pytest.raises(ReviewInvalid):
            rules.check_reviewers({"SJ-210102": []})
        rules.check_reviewers({"SJ-210102": [("r1", "SJ-210103")]})
