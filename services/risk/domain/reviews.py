"""案卷评查 (case-file review): the scoring sheet, a file's score and findings, and the results per unit.

辽政办发〔2023〕18号 (seed 004) 二(四)16: 加强…案卷评查，各地区、各部门每年至少集中组织一次行政执法案卷评查活动;
the bureau's reply (seed 000) reviews high-frequency penalty items "以个案纠偏，推动类案整治". The sheet is
configuration per campaign; the default follows the structure of a penalty file as 行政处罚法 lays it down, one
dimension per requirement, each citing the article it checks. Points are whole numbers summing to 100; a file's
total is the sum of the points awarded per dimension; a unit's result is the mean of its reviewed files (exact
fractions, shown with two decimals rounded half up) and its lowest file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.risk.domain.report import decimal2
from services.risk.errors import ReviewInvalid, ReviewScoresInvalid

SHEET_TOTAL = 100
Severity = Literal["minor", "major", "serious"]
SEVERITY_LABELS: Mapping[str, str] = {"minor": "一般问题", "major": "较重问题", "serious": "严重问题"}


class Deduction(BaseModel):
    """A typical defect of a dimension and the points it usually costs (the reviewer's guide)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z_.-]+$")
    text: str = Field(min_length=1, max_length=500)
    points: int = Field(ge=1, le=SHEET_TOTAL, strict=True)


class Dimension(BaseModel):
    """One dimension of the sheet (主体, 事实 …): its points and its deduction items."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z_.-]+$")
    name: str = Field(min_length=1, max_length=40)
    points: int = Field(ge=1, le=SHEET_TOTAL, strict=True)
    basis: str = Field("", max_length=200, description="the article the dimension checks")
    deductions: tuple[Deduction, ...] = Field(default=(), max_length=30)

    @model_validator(mode="after")
    def _deductions_fit(self) -> Dimension:
        for d in self.deductions:
            if d.points > self.points:
                raise ValueError(f"扣分项{d.code}的分值{d.points}超过维度“{self.name}”的满分{self.points}")
        if len({d.code for d in self.deductions}) != len(self.deductions):
            raise ValueError(f"维度“{self.name}”的扣分项编号重复")
        return self


class ScoringSheet(BaseModel):
    """The campaign's 评查标准: dimensions summing to 100, the pass mark (合格) and the mark of 优秀."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dimensions: tuple[Dimension, ...] = Field(min_length=1, max_length=20)
    pass_mark: int = Field(60, ge=0, le=SHEET_TOTAL, strict=True, description="合格: a total at or above")
    excellent_mark: int = Field(
        90, ge=0, le=SHEET_TOTAL, strict=True, description="优秀: a total at or above"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ScoringSheet:
        total = sum(d.points for d in self.dimensions)
        if total != SHEET_TOTAL:
            raise ValueError(f"评查标准各维度分值之和须为{SHEET_TOTAL}分，实为{total}分")
        if len({d.code for d in self.dimensions}) != len(self.dimensions):
            raise ValueError("评查标准的维度编号重复")
        if self.pass_mark > self.excellent_mark:
            raise ValueError("合格分 pass_mark 不得高于优秀分 excellent_mark")
        return self

    def dimension(self, code: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.code == code), None)


def _dim(code: str, name: str, points: int, basis: str, *deductions: tuple[str, str, int]) -> Dimension:
    return Dimension(
        code=code,
        name=name,
        points=points,
        basis=basis,
        deductions=tuple(Deduction(code=c, text=t, points=p) for c, t, p in deductions),
    )


#: The default sheet (issue #14: 主体, 事实, 证据, 程序, 适用法律, 裁量, 文书, 归档), 10+15+20+20+10+10+10+5 = 100.
DEFAULT_SHEET = ScoringSheet(
    dimensions=(
        _dim(
            "subject",
            "主体",
            10,
            "行政处罚法第三十八条、第四十二条",
            ("S1", "实施主体不具有行政主体资格（处罚无效）", 10),
            ("S2", "执法人员少于两人或未持有效执法证件", 5),
        ),
        _dim(
            "facts",
            "事实",
            15,
            "行政处罚法第四十条",
            ("F1", "违法事实不清", 15),
            ("F2", "违法情节、后果认定不完整", 5),
        ),
        _dim(
            "evidence",
            "证据",
            20,
            "行政处罚法第四十条、第四十六条",
            ("E1", "主要证据不足", 20),
            ("E2", "证据未经查证属实或取证程序不合法", 10),
            ("E3", "证据形式要件不全（未签名、未注明来源等）", 3),
        ),
        _dim(
            "procedure",
            "程序",
            20,
            "行政处罚法第四十四条、第四十五条、第五十八条、第六十一条",
            ("P1", "未告知拟处罚内容及陈述、申辩、听证权利", 20),
            ("P2", "应当法制审核而未审核", 10),
            ("P3", "送达超期或送达方式不合法", 5),
        ),
        _dim(
            "law",
            "适用法律",
            10,
            "行政处罚法第四条、第三十八条",
            ("L1", "适用法律、法规、规章错误", 10),
            ("L2", "引用条款不具体或不完整", 3),
        ),
        _dim(
            "discretion",
            "裁量",
            10,
            "行政处罚法第五条、第三十四条",
            ("D1", "处罚明显不当或偏离裁量基准未说明理由", 10),
            ("D2", "决定书未说明裁量理由", 4),
        ),
        _dim(
            "documents",
            "文书",
            10,
            "行政处罚法第五十九条",
            ("W1", "决定书缺少法定载明事项", 6),
            ("W2", "文书文字、编号、日期错误", 2),
        ),
        _dim(
            "archive",
            "归档",
            5,
            "行政处罚法第四十七条",
            ("A1", "未全过程记录或案卷未归档保存", 5),
            ("A2", "卷内材料排列无序、目录不全", 2),
        ),
    ),
    pass_mark=60,
    excellent_mark=90,
)


@dataclass(frozen=True, slots=True)
class FindingInput:
    dimension: str
    severity: str
    text: str
    deduction: str | None = None
    open_matter: bool = False
    matter_grounds: str | None = None
    matter_kind: str = "opinion"
    matter_deadline_working_days: int = 15


def check_scores(sheet: ScoringSheet, points: Mapping[str, int]) -> int:
    """The file's total: every dimension of the sheet scored once, from 0 to its points; nothing else."""
    errors: list[dict[str, str]] = []
    for d in sheet.dimensions:
        if d.code not in points:
            errors.append({"field": f"points.{d.code}", "message": f"缺少维度“{d.name}”的得分"})
        elif not 0 <= points[d.code] <= d.points:
            errors.append(
                {"field": f"points.{d.code}", "message": f"维度“{d.name}”得分须在0至{d.points}分之间"}
            )
    for code in points:
        if sheet.dimension(code) is None:
            errors.append({"field": f"points.{code}", "message": f"评查标准中没有维度{code}"})
    if errors:
        raise ReviewScoresInvalid(
            "评分与评查标准不符", detail_en="The points do not match the scoring sheet", errors=errors
        )
    return sum(points.values())


def check_findings(sheet: ScoringSheet, findings: Sequence[FindingInput]) -> None:
    """Each finding names a dimension of the sheet (and one of its deduction items, if any); a finding that
    asks for a supervision matter states its grounds."""
    errors: list[dict[str, str]] = []
    for i, f in enumerate(findings):
        dim = sheet.dimension(f.dimension)
        if dim is None:
            errors.append({"field": f"findings.{i}.dimension", "message": f"评查标准中没有维度{f.dimension}"})
        elif f.deduction is not None and f.deduction not in {d.code for d in dim.deductions}:
            errors.append(
                {"field": f"findings.{i}.deduction", "message": f"维度“{dim.name}”没有扣分项{f.deduction}"}
            )
        if f.open_matter and not (f.matter_grounds or "").strip():
            errors.append({"field": f"findings.{i}.matter_grounds", "message": "提请个案监督须说明理由"})
    if errors:
        raise ReviewScoresInvalid(
            "评查发现与评查标准不符", detail_en="The findings do not match the scoring sheet", errors=errors
        )


def grade(sheet: ScoringSheet, total: Fraction | int) -> Literal["excellent", "pass", "fail"]:
    if total >= sheet.excellent_mark:
        return "excellent"
    return "pass" if total >= sheet.pass_mark else "fail"


GRADE_LABELS: Mapping[str, str] = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}


@dataclass(frozen=True, slots=True)
class UnitResult:
    unit_code: str
    files: int
    reviewed: int
    mean: Fraction | None
    minimum: int | None
    passed: int
    failed: int
    excellent: int
    grade: str | None  # of the mean; None before any file is reviewed

    @property
    def mean_text(self) -> str | None:
        return decimal2(self.mean) if self.mean is not None else None


def unit_results(
    sheet: ScoringSheet, units: Sequence[str], files: Sequence[tuple[str, int | None]]
) -> tuple[UnitResult, ...]:
    """Per unit in scope: files drawn, reviewed, mean and lowest total, files per grade."""
    out = []
    for unit in sorted(set(units)):
        totals = [t for u, t in files if u == unit and t is not None]
        drawn = sum(1 for u, _ in files if u == unit)
        mean = Fraction(sum(totals), len(totals)) if totals else None
        grades = [grade(sheet, t) for t in totals]
        out.append(
            UnitResult(
                unit_code=unit,
                files=drawn,
                reviewed=len(totals),
                mean=mean,
                minimum=min(totals) if totals else None,
                passed=sum(1 for g in grades if g != "fail"),
                failed=grades.count("fail"),
                excellent=grades.count("excellent"),
                grade=grade(sheet, mean) if mean is not None else None,
            )
        )
    return tuple(out)


def check_reviewers(assignments: Mapping[str, Sequence[tuple[str, str | None]]]) -> None:
    """A reviewer may not review their own unit (回避): ``assignments`` maps a reviewed unit to its reviewers'
    (id, own unit); every unit in scope has at least one reviewer."""
    errors = []
    for unit, reviewers in assignments.items():
        if not reviewers:
            errors.append({"field": f"reviewers.{unit}", "message": f"被评查单位{unit}未分配评查人员"})
        for reviewer_id, own_unit in reviewers:
            if own_unit is not None and own_unit == unit:
                errors.append(
                    {
                        "field": f"reviewers.{reviewer_id}",
                        "message": f"评查人员{reviewer_id}来自被评查单位{unit}，应当回避",
                    }
                )
    if errors:
        raise ReviewInvalid(
            "评查人员分配不符合回避要求",
            detail_en="Reviewers are assigned to every unit and never to their own",
            errors=errors,
        )
