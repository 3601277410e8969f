"""The 信用修复提示书 (credit repair notice) served together with every penalty decision (两书同达).

国办发〔2025〕22号 asks that the credit repair notice be served at the same time as the penalty decision
("向信用主体送达行政处罚决定书…时，同步送达信用修复告知书"); Shenyang calls it 信用修复提示书 and tells the
enterprise the policy, the path and the requirements (seed 000, 沈司办〔2026〕16号). This module builds the
notice's content as data (stored as JSON: ``to_json``/``from_json``); the service renders it into HTML and PDF
with the template services/credit_repair/templates/repair_notice.html (services.common.documents).

Numbering: ``<prefix>〔<year>〕<n>号``, e.g. 沈信修提〔2026〕12号, the pattern of Chinese official document
numbers (机关代字〔年份〕序号), with a per-issuer prefix and a sequence restarting each year that the service
allocates.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.common.dates import cn_date
from services.common.money import format_yuan
from services.credit_repair.domain.publication import Classification, Decision, Window, format_months
from services.credit_repair.domain.rules import MARKET_REGULATION, CreditClass, PenaltyKind, RuleSet
from services.credit_repair.errors import NoticeNumberInvalid

# Public addresses of the platforms named in rule sets; a platform without one is named without an address.
PLATFORM_ADDRESSES = {
    "信用中国": "www.creditchina.gov.cn",
    "国家企业信用信息公示系统": "www.gsxt.gov.cn",
}


_NUMBER = re.compile(r"^(?P<prefix>[^〔〕\s]+)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


@dataclass(frozen=True, slots=True)
class NoticeNumber:
    prefix: str  # 机关代字, e.g. 沈信修提
    year: int
    seq: int

    def __post_init__(self) -> None:
        if (
            not self.prefix
            or any(c in self.prefix for c in "〔〕 ")
            or not 1900 <= self.year <= 9999
            or self.seq < 1
        ):
            raise NoticeNumberInvalid(
                f"编号要素无效：{self.prefix!r}，{self.year}，{self.seq}",
                detail_en=f"Invalid parts of a notice number: {self.prefix!r}, {self.year}, {self.seq}",
            )

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.seq}号"

    @classmethod
    def parse(cls, text: str) -> NoticeNumber:
        match = _NUMBER.match(text.strip())
        if match is None:
            raise NoticeNumberInvalid(
                f"“{text}”不是有效的提示书编号，应形如 沈信修提〔2026〕1号",
                detail_en=f"{text!r} is not a notice number; the form is 沈信修提〔2026〕1号",
            )
        return cls(match["prefix"], int(match["year"]), int(match["seq"]))


@dataclass(frozen=True, slots=True)
class RepairNotice:
    """Everything the notice says, ready for a template."""

    number: str
    issued_on: date
    issuer: str  # the department that made the decision (谁认定谁修复)
    subject_name: str
    subject_id: str  # USCC, or a masked ID number for natural persons
    decision_no: str
    decision_date: date
    penalties: str  # e.g. 罚款80,000.00元、没收违法所得
    credit_class: CreditClass
    class_label: str  # 一般失信信息
    published: bool
    reason: str
    platforms: tuple[str, ...]
    publication_start: date | None
    minimum_end: date | None
    maximum_end: date | None
    earliest_repair_date: date | None
    never_early: bool
    min_period: str | None  # 3个月
    max_period: str | None  # 1年
    application_path: str
    requirements: tuple[str, ...]
    review: str
    rule_set_id: str
    legal_basis: tuple[str, ...]


def _penalties(decision: Decision) -> str:
    parts = []
    for kind in sorted(decision.kinds, key=list(PenaltyKind).index):
        if kind is PenaltyKind.FINE:
            parts.append(f"罚款{format_yuan(decision.fine_fen)}元")
        else:
            parts.append(kind.label)
    return "、".join(parts)


def _platform(name: str) -> str:
    address = PLATFORM_ADDRESSES.get(name)
    return f"“{name}”（{address}）" if address else f"“{name}”"


def _review_text(rule_set: RuleSet, application_platform: str) -> str:
    review = rule_set.review
    return (
        f"通过{application_platform}提交申请后，本机关自收到申请之日起"
        f"{review.department_acceptance_working_days}个工作日内决定是否受理，自受理之日起"
        f"{review.department_decision_working_days}个工作日内作出是否予以修复的决定"
        f"（情况复杂需要核查的，可延长{review.department_extension_working_days}个工作日）；"
        f"“信用中国”网站一般自收到申请之日起{review.window_working_days}个工作日内反馈修复结果。"
        "不予修复的，将书面说明理由。"
    )


def _legal_basis(decision: Decision) -> tuple[str, ...]:
    basis: tuple[str, ...] = (
        "《国务院办公厅印发〈关于进一步完善信用修复制度的实施方案〉的通知》（国办发〔2025〕22号）",
        "《信用修复管理办法》（国家发展改革委令2025年第36号）",
    )
    if decision.department_domain == MARKET_REGULATION:
        basis += ("《市场监督管理行政处罚信息公示规定》（国家市场监督管理总局令第45号）",)
    return basis


def _repair_conditions(
    decision: Decision, classification: Classification, window: Window, rule_set: RuleSet
) -> list[str]:
    """The conditions of repair the notice lists: 《信用修复管理办法》 (minimum period, failing corrected and
    obligations performed, public commitment, other conditions), for market regulation 总局令第45号 第十四条
    (no abnormal-operation or serious-violation list), and the rule set's repeat-violation bar."""
    requirements: list[str] = []
    if classification.min_months:
        requirements.append(
            f"最短公示期（{format_months(classification.min_months)}）届满，"
            f"即自{cn_date(window.minimum_end)}起方可申请；"
        )
    else:
        requirements.append("法定责任义务履行完毕即可申请，不受最短公示期限制；")
    requirements.append("已纠正失信行为，消除不良影响；")
    if decision.fine_fen > 0:
        requirements.append(
            f"已全部履行行政处罚决定规定的义务，包括缴清罚款{format_yuan(decision.fine_fen)}元"
            "（逾期缴纳的，含加处的罚款）；"
        )
    else:
        requirements.append("已全部履行行政处罚决定规定的义务；")
    requirements.append("签署并公开作出信用承诺（信用承诺书），承诺所提交材料真实有效并承担违反承诺的责任；")
    requirements.append("此后未因同一类违法行为再次受到行政处罚；")
    if decision.department_domain == MARKET_REGULATION:
        requirements.append("未被列入经营异常名录或严重违法失信名单；")
    if rule_set.repeat_violation_bar is not None:
        bar = rule_set.repeat_violation_bar
        requirements.append(
            f"近{bar.window_months}个月内未因同一类违法行为受到{bar.min_decisions}次以上行政处罚；"
        )
    requirements.append("法律、行政法规、部门规章规定的其他条件。")
    return requirements


def _never_early(classification: Classification, window: Window) -> list[str]:
    """总局令第45号 第十四条: penalties whose publication never ends early; it ends at its maximum."""
    names = "、".join(k.label for k in sorted(classification.never_early_kinds, key=list(PenaltyKind).index))
    return [
        f"因受到{names}处罚，本信息不得提前停止公示，将于{cn_date(window.maximum_end)}"
        "最长公示期届满时自动停止公示，无需申请。",
        "请按期全部履行行政处罚决定规定的义务（含缴纳罚款），并纠正违法行为。",
    ]


def build_notice(
    *,
    number: NoticeNumber,
    issued_on: date,
    issuer: str,
    subject_name: str,
    subject_id: str,
    decision: Decision,
    classification: Classification,
    window: Window | None,
    rule_set: RuleSet,
) -> RepairNotice:
    """The notice for one decision, published or not."""
    if classification.rule_set_id != rule_set.id:
        raise ValueError(f"classification was made under {classification.rule_set_id}, not {rule_set.id}")
    if classification.published != (window is not None):
        raise ValueError("a published classification needs its window, an unpublished one none")
    unpublished = RepairNotice(
        number=str(number),
        issued_on=issued_on,
        issuer=issuer,
        subject_name=subject_name,
        subject_id=subject_id,
        decision_no=decision.decision_no,
        decision_date=decision.decision_date,
        penalties=_penalties(decision),
        credit_class=classification.credit_class,
        class_label=f"{classification.credit_class.label}失信信息",
        published=False,
        reason=classification.reason,
        platforms=(),
        publication_start=None,
        minimum_end=None,
        maximum_end=None,
        earliest_repair_date=None,
        never_early=False,
        min_period=None,
        max_period=None,
        application_path="本处罚决定的信息不予公示，无需申请信用修复。",
        requirements=(
            "请按照行政处罚决定书的要求按期全部履行处罚决定（含缴纳罚款），并纠正违法行为。",
            "今后如因其他行政处罚被公示，可依照当时的规定申请信用修复。",
        ),
        review="",
        rule_set_id=rule_set.id,
        legal_basis=_legal_basis(decision),
    )
    if window is None:
        return unpublished

    platforms = classification.platforms or rule_set.publication.platforms.default
    application_platform = _platform(platforms[0])
    if window.early_end_allowed:
        requirements = _repair_conditions(decision, classification, window, rule_set)
        path = (
            f"符合条件的，可登录{application_platform}在线提交信用修复申请，上传履行完毕的证明材料和"
            "信用承诺书；也可到政务服务大厅信用修复窗口办理。"
        )
        review = _review_text(rule_set, application_platform)
    else:
        requirements = _never_early(classification, window)
        path = "本信息不适用信用修复提前停止公示。"
        review = ""

    return replace(
        unpublished,
        published=True,
        platforms=platforms,
        publication_start=window.start,
        minimum_end=window.minimum_end,
        maximum_end=window.maximum_end,
        earliest_repair_date=window.earliest_repair_date,
        never_early=not window.early_end_allowed,
        min_period=format_months(classification.min_months) if classification.min_months else None,
        max_period=format_months(classification.max_months) if classification.max_months else None,
        application_path=path,
        requirements=tuple(requirements),
        review=review,
    )


_DATES = frozenset(
    {"issued_on", "decision_date", "publication_start", "minimum_end", "maximum_end", "earliest_repair_date"}
)


def to_json(notice: RepairNotice) -> dict[str, Any]:
    """The notice as JSON-ready data (dates as ISO strings, tuples as lists), as the service stores it."""
    data = dataclasses.asdict(notice)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    data["credit_class"] = notice.credit_class.value
    return data


def from_json(data: dict[str, Any]) -> RepairNotice:
    """The notice back from ``to_json``'s data (unknown keys ignored)."""
    fields = {f.name for f in dataclasses.fields(RepairNotice)}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            continue
        if name in _DATES:
            values[name] = date.fromisoformat(value) if value else None
        elif name == "credit_class":
            values[name] = CreditClass(value)
        elif isinstance(value, list):
            values[name] = tuple(value)
        else:
            values[name] = value
    return RepairNotice(**values)
