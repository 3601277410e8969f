"""Visit counts, yearly caps, quiet periods (无事不扰) and the supervisors' frequency summaries (SPEC §2.4).

Counting rules (the defaults of ``FrequencyPolicy``, all configurable):

* The year is the calendar year in Asia/Shanghai (UTC+8; China has observed no daylight saving time since
  1991, so a fixed offset is exact for every date this system handles and needs no tz database).
* Only on-site visits count. Visits of exempt kinds — ``complaint`` (a lead exists), ``key_area``
  (重点领域 full-coverage supervision, 辽政办发〔2023〕18号 二(二)9) — and visits the enterprise asked for are
  counted in statistics but never against a cap.
* Per department: at most ``per_department_cap`` (default 1) capped visits per enterprise per year — the
  Liaoning practice of one random-task (双随机) visit per department. A joint visit (综合查一次) counts once
  for *each* participating department, so a department that joined a joint visit has used its visit too.
* Per enterprise across departments: at most ``enterprise_total_cap`` (default 4) capped visits per year;
  a joint visit is one visit (进一次门、查多项事), which is what makes joint inspection pay off.
* Emergency and back-filled visits count like any other (they happened).
* Quiet (无事不扰): enterprises of the ``quiet_classes`` (default A, low risk) are not visited unless a lead
  exists (complaint tasks) or the task is exempt. The 双随机 draw itself is allowed by default
  (``quiet_allows_random``): SPEC gives A-class enterprises a 5 % sampling ratio, which a literal "never
  without a lead" would make meaningless. Explicit quiet windows (e.g. for newly registered enterprises or a
  city-wide no-inspection period) are ``QuietWindow`` values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.common.clock import local_date


class TaskKind(StrEnum):
    RANDOM = "random"  # 双随机
    JOINT = "joint"  # 综合查一次
    COMPLAINT = "complaint"  # 投诉举报线索
    KEY_AREA = "key_area"  # 重点领域


TASK_KIND_ZH: Mapping[TaskKind, str] = {
    TaskKind.RANDOM: "双随机抽查",
    TaskKind.JOINT: "联合检查（综合查一次）",
    TaskKind.COMPLAINT: "投诉举报核查",
    TaskKind.KEY_AREA: "重点领域检查",
}


def year_of(moment: datetime) -> int:
    """The Asia/Shanghai calendar year of an aware timestamp (2025-12-31T16:00Z is already 2026)."""
    return local_date(moment).year


@dataclass(frozen=True, slots=True)
class FrequencyPolicy:
    per_department_cap: int | None = 1
    enterprise_total_cap: int | None = 4
    exempt_kinds: frozenset[TaskKind] = frozenset({TaskKind.COMPLAINT, TaskKind.KEY_AREA})
    quiet_classes: frozenset[str] = frozenset({"A"})
    quiet_allows_random: bool = True


DEFAULT_POLICY = FrequencyPolicy()


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """What frequency counting needs to know about one visit."""

    visit_id: str
    uscc: str
    started_at: datetime
    task_kind: TaskKind
    dept_codes: frozenset[str]
    on_site: bool = True
    requested_by_enterprise: bool = False
    emergency: bool = False
    backfilled: bool = False
    voided: bool = False  # recorded in error and annulled by a supervisor: not a visit

    @property
    def joint(self) -> bool:
        return self.task_kind is TaskKind.JOINT


def is_exempt(
    kind: TaskKind, *, requested_by_enterprise: bool = False, policy: FrequencyPolicy = DEFAULT_POLICY
) -> bool:
    """Exempt visits are never refused for frequency and never counted against a cap."""
    return requested_by_enterprise or kind in policy.exempt_kinds


def counts_toward_caps(visit: VisitRecord, policy: FrequencyPolicy = DEFAULT_POLICY) -> bool:
    return (
        visit.on_site
        and not visit.voided
        and not is_exempt(
            visit.task_kind, requested_by_enterprise=visit.requested_by_enterprise, policy=policy
        )
    )


@dataclass(frozen=True, slots=True)
class EnterpriseYear:
    """One enterprise's visits in one year, as the caps see them."""

    uscc: str
    year: int
    capped_by_dept: Mapping[str, int] = field(default_factory=dict)
    capped_total: int = 0  # a joint visit counts once here
    exempt_total: int = 0
    on_site_total: int = 0

    def capped(self, dept_code: str) -> int:
        return self.capped_by_dept.get(dept_code, 0)


def enterprise_year(
    visits: Iterable[VisitRecord], uscc: str, year: int, policy: FrequencyPolicy = DEFAULT_POLICY
) -> EnterpriseYear:
    by_dept: dict[str, int] = defaultdict(int)
    capped_total = exempt_total = on_site_total = 0
    for v in visits:
        if v.uscc != uscc or v.voided or not v.on_site or year_of(v.started_at) != year:
            continue
        on_site_total += 1
        if counts_toward_caps(v, policy):
            capped_total += 1
            for dept in v.dept_codes:
                by_dept[dept] += 1
        else:
            exempt_total += 1
    return EnterpriseYear(uscc, year, dict(by_dept), capped_total, exempt_total, on_site_total)


@dataclass(frozen=True, slots=True)
class CapBreach:
    scope: str  # "department" or "enterprise"
    dept_code: str | None
    count: int
    limit: int

    def message(self, dept_names: Mapping[str, str] | None = None) -> str:
        if self.scope == "department":
            name = (dept_names or {}).get(self.dept_code or "", self.dept_code or "")
            return f"该企业本年度已接受{name}现场检查{self.count}次，已达部门年度上限{self.limit}次"
        return f"该企业本年度已接受各部门现场检查{self.count}次，已达年度总上限{self.limit}次"

    def message_en(self) -> str:
        if self.scope == "department":
            return (
                f"The enterprise has had {self.count} on-site inspection(s) by {self.dept_code} this year, "
                f"the department's yearly cap of {self.limit}"
            )
        return (
            f"The enterprise has had {self.count} on-site inspection(s) by all departments this year, "
            f"the yearly cap of {self.limit}"
        )


def cap_breach(
    counts: EnterpriseYear,
    kind: TaskKind,
    dept_codes: Iterable[str],
    *,
    requested_by_enterprise: bool = False,
    policy: FrequencyPolicy = DEFAULT_POLICY,
) -> CapBreach | None:
    """The cap one more visit of ``kind`` by ``dept_codes`` would exceed, or None."""
    if is_exempt(kind, requested_by_enterprise=requested_by_enterprise, policy=policy):
        return None
    if policy.per_department_cap is not None:
        for dept in sorted(set(dept_codes)):
            if counts.capped(dept) >= policy.per_department_cap:
                return CapBreach("department", dept, counts.capped(dept), policy.per_department_cap)
    if policy.enterprise_total_cap is not None and counts.capped_total >= policy.enterprise_total_cap:
        return CapBreach("enterprise", None, counts.capped_total, policy.enterprise_total_cap)
    return None


@dataclass(frozen=True, slots=True)
class QuietWindow:
    """A no-inspection period, for one enterprise (``uscc``) or for all (``uscc=None``); dates inclusive."""

    start: date
    end: date
    reason: str
    uscc: str | None = None

    def covers(self, uscc: str, day: date) -> bool:
        return (self.uscc is None or self.uscc == uscc) and self.start <= day <= self.end


def quiet_reason(
    uscc: str,
    enterprise_class: str | None,
    kind: TaskKind,
    now: datetime,
    *,
    has_lead: bool = False,
    requested_by_enterprise: bool = False,
    windows: Sequence[QuietWindow] = (),
    policy: FrequencyPolicy = DEFAULT_POLICY,
) -> tuple[str, str] | None:
    """Why the enterprise is in a quiet period for this visit (a Chinese sentence and its English), or None."""
    if has_lead or is_exempt(kind, requested_by_enterprise=requested_by_enterprise, policy=policy):
        return None
    day = local_date(now)
    for window in windows:
        if window.covers(uscc, day):
            return (
                f"该企业处于无事不扰期（{window.start.isoformat()}至{window.end.isoformat()}，{window.reason}），"
                "无投诉举报等线索不得入企检查",
                f"The enterprise is in a no-disturbance period ({window.start.isoformat()} to "
                f"{window.end.isoformat()}, {window.reason}): no inspection without a lead such as a complaint",
            )
    if enterprise_class is not None and enterprise_class in policy.quiet_classes:
        if kind is TaskKind.RANDOM and policy.quiet_allows_random:
            return None
        return (
            f"该企业为{enterprise_class}类（低风险）企业，实行无事不扰，无投诉举报等线索不得入企检查",
            f"The enterprise is of class {enterprise_class} (low risk) and left undisturbed: no inspection "
            "without a lead such as a complaint",
        )
    return None


# ---------------------------------------------------------------------------------------------------------
# Supervisor summaries


def round_half_away(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def format_permille(permille: int, *, signed: bool = True) -> str:
    """-167 → ``-16.7%``; 50 → ``+5.0%`` (``signed``) or ``5.0%``."""
    sign = "-" if permille < 0 else ("+" if signed and permille > 0 else "")
    value = abs(permille)
    return f"{sign}{value // 10}.{value % 10}%"


@dataclass(frozen=True, slots=True)
class YearOnYear:
    previous: int
    current: int
    change: int  # current - previous
    permille: int | None  # change / previous in ‰, rounded half away from zero; None when previous is 0

    @property
    def text(self) -> str:
        """``-16.7%``, or ``n/a`` when there is no base."""
        return "n/a" if self.permille is None else format_permille(self.permille)

    @property
    def text_zh(self) -> str:
        """``下降16.7%`` / ``增长5.0%`` / ``持平`` / ``上年无检查``."""
        if self.permille is None:
            return "上年无检查"
        if self.permille == 0:
            return "持平"
        word = "下降" if self.permille < 0 else "增长"
        return word + format_permille(abs(self.permille), signed=False)


def year_on_year(previous: int, current: int) -> YearOnYear:
    change = current - previous
    permille = round_half_away(change * 1000, previous) if previous > 0 else None
    return YearOnYear(previous, current, change, permille)


def department_counts(
    visits: Iterable[VisitRecord],
    year: int,
    *,
    capped_only: bool = False,
    policy: FrequencyPolicy = DEFAULT_POLICY,
) -> dict[str, int]:
    """On-site visits per department in ``year``; a joint visit counts once for each department."""
    counts: dict[str, int] = defaultdict(int)
    for v in visits:
        if v.voided or not v.on_site or year_of(v.started_at) != year:
            continue
        if capped_only and not counts_toward_caps(v, policy):
            continue
        for dept in v.dept_codes:
            counts[dept] += 1
    return dict(sorted(counts.items()))


@dataclass(frozen=True, slots=True)
class DepartmentYearOnYear:
    dept_code: str
    change: YearOnYear


def department_year_on_year(visits: Sequence[VisitRecord], year: int) -> list[DepartmentYearOnYear]:
    """Each department's on-site visits in ``year`` against ``year - 1``, plus ``*`` for all visits."""
    current = department_counts(visits, year)
    previous = department_counts(visits, year - 1)
    rows = [
        DepartmentYearOnYear(dept, year_on_year(previous.get(dept, 0), current.get(dept, 0)))
        for dept in sorted(set(current) | set(previous))
    ]
    total_now = sum(1 for v in visits if not v.voided and v.on_site and year_of(v.started_at) == year)
    total_before = sum(1 for v in visits if not v.voided and v.on_site and year_of(v.started_at) == year - 1)
    rows.append(DepartmentYearOnYear("*", year_on_year(total_before, total_now)))
    return rows


@dataclass(frozen=True, slots=True)
class CapExcess:
    uscc: str
    scope: str  # "department" or "enterprise"
    dept_code: str | None
    count: int
    limit: int


def enterprises_above_cap(
    visits: Iterable[VisitRecord], year: int, policy: FrequencyPolicy = DEFAULT_POLICY
) -> list[CapExcess]:
    """Enterprises whose capped visits in ``year`` exceed a cap (possible through emergency or back-fill)."""
    per_dept: dict[tuple[str, str], int] = defaultdict(int)
    per_ent: dict[str, int] = defaultdict(int)
    for v in visits:
        if year_of(v.started_at) != year or not counts_toward_caps(v, policy):
            continue
        per_ent[v.uscc] += 1
        for dept in v.dept_codes:
            per_dept[(v.uscc, dept)] += 1
    out: list[CapExcess] = []
    if policy.per_department_cap is not None:
        out.extend(
            CapExcess(uscc, "department", dept, n, policy.per_department_cap)
            for (uscc, dept), n in per_dept.items()
            if n > policy.per_department_cap
        )
    if policy.enterprise_total_cap is not None:
        out.extend(
            CapExcess(uscc, "enterprise", None, n, policy.enterprise_total_cap)
            for uscc, n in per_ent.items()
            if n > policy.enterprise_total_cap
        )
    return ordered_excess(out)


def ordered_excess(excess: Iterable[CapExcess]) -> list[CapExcess]:
    """By enterprise, its departments before the enterprise's total, departments by code."""
    return sorted(excess, key=lambda e: (e.uscc, e.scope, e.dept_code or ""))


@dataclass(frozen=True, slots=True)
class Share:
    part: int
    whole: int
    permille: int | None

    @property
    def text(self) -> str:
        return "n/a" if self.permille is None else format_permille(self.permille, signed=False)


def joint_share(visits: Iterable[VisitRecord], year: int) -> Share:
    """Share of ``year``'s on-site visits that were joint (综合查一次)."""
    joint = whole = 0
    for v in visits:
        if v.voided or not v.on_site or year_of(v.started_at) != year:
            continue
        whole += 1
        joint += v.joint
    return Share(joint, whole, round_half_away(joint * 1000, whole) if whole else None)
