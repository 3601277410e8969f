"""Officers' qualifications (issue #14 item 5): training hours (学时), exams and random quizzes (抽考), the
retraining suspension (轮训) and daily appraisal (日常考核). Pure functions of their inputs.

The rules and where they come from (/work/shared/seeds):

* 辽政办发〔2023〕18号 二(一)2 (seed 004): "确保行政执法人员每人每年接受不少于60学时的公共法律知识、业务知识和
  行政执法技能培训" — the yearly requirement, 60 学时 by default and configurable. Hours are recorded in half
  学时 steps (a 45-minute class is commonly one 学时; half a class is the smallest unit a plan books).
* 沈法治发〔2021〕7号 12 (seed 001, 建立轮训制度): "进行随机抽考 … 对发现业务素质不高、基本常识掌握不扎实的执法人员,
  暂扣行政执法证件,进行短期轮训,合格后返还执法证件" — an officer suspended for 轮训 returns only after a passed
  exam taken AFTER the suspension (an exam passed before it is what the suspension found wanting).
* 辽政办发〔2023〕18号 二(一)4 (seed 004): "推行行政执法人员日常考核制度" — daily appraisal records with a rating.

The entry rule on hours (``hours_in_window``) counts the 365 days up to the day of entry rather than the
calendar year, so an officer's standing does not fall to zero every 1 January; the yearly summary counts the
calendar year, which is what a department's training plan is written for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

#: 辽政办发〔2023〕18号 二(一)2: 每人每年接受不少于60学时.
DEFAULT_YEARLY_HOURS = Decimal(60)
HOURS_STEP = Decimal("0.5")
MAX_HOURS_PER_COURSE = Decimal(200)
#: The window of the entry rule: the 365 days up to and including the day of entry.
TRAINING_WINDOW = timedelta(days=365)
MAX_IMPORT_ROWS = 500

SEED_60_HOURS = "辽政办发〔2023〕18号二(一)2：行政执法人员每人每年接受不少于60学时培训"
SEED_RETRAINING = "沈法治发〔2021〕7号“建立轮训制度”：暂扣行政执法证件，进行短期轮训，合格后返还执法证件"


def hours_problem(hours: Decimal) -> tuple[str, str] | None:
    """(Chinese, English) when ``hours`` is not a positive multiple of 0.5 up to 200, else None."""
    if hours <= 0 or hours > MAX_HOURS_PER_COURSE or (hours % HOURS_STEP) != 0:
        return (
            f"学时须为0.5的整数倍，且大于0、不超过{MAX_HOURS_PER_COURSE}（填写值：{hours}）",
            f"hours must be a multiple of 0.5 above 0 and at most {MAX_HOURS_PER_COURSE} (given {hours})",
        )
    return None


@dataclass(frozen=True, slots=True)
class Training:
    held_on: date
    hours: Decimal


@dataclass(frozen=True, slots=True)
class YearSummary:
    year: int
    hours: Decimal
    required: Decimal
    courses: int

    @property
    def shortfall(self) -> Decimal:
        return max(self.required - self.hours, Decimal(0))

    @property
    def met(self) -> bool:
        return self.hours >= self.required


def year_summary(trainings: Iterable[Training], year: int, required: Decimal) -> YearSummary:
    """Hours of the calendar year against the requirement (辽政办发〔2023〕18号 二(一)2)."""
    of_year = [t for t in trainings if t.held_on.year == year]
    return YearSummary(year, sum((t.hours for t in of_year), Decimal(0)), required, len(of_year))


def hours_in_window(trainings: Iterable[Training], day: date) -> Decimal:
    """Hours of the 365 days ending on ``day`` (the entry rule's measure)."""
    start = day - TRAINING_WINDOW
    return sum((t.hours for t in trainings if start < t.held_on <= day), Decimal(0))


def training_rule_applies(enforced_from: date | None, day: date) -> bool:
    """The hours rule of entry is on from ``enforced_from`` (None: off, the default)."""
    return enforced_from is not None and day >= enforced_from


def short_of_hours(
    officer_ids: Sequence[str], hours: Mapping[str, Decimal], required: Decimal
) -> list[tuple[str, Decimal]]:
    """(officer id, hours) of each officer below ``required`` in the window, in the order given."""
    return [(oid, hours.get(oid, Decimal(0))) for oid in officer_ids if hours.get(oid, Decimal(0)) < required]


# ---------------------------------------------------------------------------------------------------------
# Exams and random quizzes; the retraining suspension


class ExamKind(StrEnum):
    EXAM = "exam"  # 考试 (the retraining exam, the yearly law exam)
    QUIZ = "quiz"  # 随机抽考 (沈法治发〔2021〕7号 12)


EXAM_KIND_ZH: Mapping[ExamKind, str] = {ExamKind.EXAM: "考试", ExamKind.QUIZ: "随机抽考"}


@dataclass(frozen=True, slots=True)
class Exam:
    held_on: date
    passed: bool


def lifting_exam(exams: Iterable[Exam], suspended_on: date) -> Exam | None:
    """The first passed exam dated after the retraining suspension, or None.

    沈法治发〔2021〕7号 12: 进行短期轮训，合格后返还执法证件. An exam on the day of the suspension or before it
    does not count: the suspension is what that earlier result led to, and "合格" means after the 轮训.
    """
    after = sorted((e for e in exams if e.passed and e.held_on > suspended_on), key=lambda e: e.held_on)
    return after[0] if after else None


# ---------------------------------------------------------------------------------------------------------
# Daily appraisal (日常考核)


class AppraisalRating(StrEnum):
    EXCELLENT = "优秀"
    COMPETENT = "合格"
    BASICALLY_COMPETENT = "基本合格"
    INCOMPETENT = "不合格"


# ---------------------------------------------------------------------------------------------------------
# What the public certificate lookup shows


class PublicStatus(StrEnum):
    ON_DUTY = "on_duty"
    RETRAINING = "retraining"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


PUBLIC_STATUS_ZH: Mapping[PublicStatus, str] = {
    PublicStatus.ON_DUTY: "在岗",
    PublicStatus.RETRAINING: "暂停执法（轮训）",
    PublicStatus.SUSPENDED: "暂停执法（暂扣）",
    PublicStatus.REVOKED: "注销",
    PublicStatus.EXPIRED: "已过期",
}


def public_status(status: str, retraining: bool) -> PublicStatus:
    """The certificate's state as the public reads it, from the officer's status today."""
    if status == "active":
        return PublicStatus.ON_DUTY
    if status == "suspended":
        return PublicStatus.RETRAINING if retraining else PublicStatus.SUSPENDED
    if status == "revoked":
        return PublicStatus.REVOKED
    return PublicStatus.EXPIRED
