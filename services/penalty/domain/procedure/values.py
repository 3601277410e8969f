"""A penalty as imposed or proposed, when one is heavier than another (行政处罚法 第四十四条, 第四十五条第二款),
and the discretion engine's result as the procedure sees it (``AssessedPenalty``).

A restriction of 第九条第四项 (限制开展生产经营活动, 限制从业) lasts as long as the law applied sets: five years
(化妆品监督管理条例 第六十五条 "5年内禁止其从事化妆品生产经营活动", 食品安全法 第一百三十五条), ten years
(药品管理法 第一百二十五条 "十年直至终身"), or for life (药品管理法 第一百一十八条, 安全生产法 第九十四条). Its
length in months (``restriction_months``) is recorded where it is fixed; credit publication lasts at least as
long (市场监督管理行政处罚信息公示规定 第十三条第三款). It is optional even with a restriction kind: a lifetime
ban (终身) has no length in months, and 责令停产停业 and 责令关闭 are not restrictions of a term.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.money import format_yuan
from services.penalty.domain.errors import InvalidPenalty
from services.penalty.domain.procedure.vocabulary import KIND_RANK, PenaltyKind, kind_order

#: 行政处罚法 第九条第四项: the kinds that restrict for a term (the credit rules extend publication for them)
RESTRICTIONS = frozenset({PenaltyKind.RESTRICT_BUSINESS, PenaltyKind.RESTRICT_EMPLOYMENT})
#: Not a legal limit: the longest term a decision may state (100 years), so every end date stays a date.
MAX_RESTRICTION_MONTHS = 1200


def months_text(months: int) -> str:
    """60 -> '5年', 18 -> '18个月' (the way the credit notice writes a period)."""
    return f"{months // 12}年" if months % 12 == 0 else f"{months}个月"


@dataclass(frozen=True, slots=True)
class Penalty:
    """What is imposed (or proposed): kinds, the fine, the confiscated illegal income, other terms."""

    kinds: frozenset[PenaltyKind]
    fine_fen: int = 0
    confiscation_fen: int = 0  # 没收违法所得 amount, when known
    terms: str = ""  # e.g. "暂扣许可证件三个月"
    restriction_months: int | None = None  # the term of 限制开展生产经营活动 / 限制从业, when fixed
    # why the illegal gains not confiscated are to be returned (退赔, 第二十八条第二款)
    refund_reason: str = ""

    def describe(self) -> str:
        parts: list[str] = []
        for kind in sorted(self.kinds, key=kind_order):
            if kind is PenaltyKind.FINE:
                parts.append(f"罚款{format_yuan(self.fine_fen)}元")
            elif kind is PenaltyKind.CONFISCATE_GAINS and self.confiscation_fen:
                parts.append(f"没收违法所得{format_yuan(self.confiscation_fen)}元")
            elif kind in RESTRICTIONS and self.restriction_months is not None:
                parts.append(f"{kind.label}{months_text(self.restriction_months)}")
            else:
                parts.append(kind.label)
        text = "、".join(parts)
        return f"{text}（{self.terms}）" if self.terms else text


def validate_penalty(penalty: Penalty) -> None:
    """A penalty names at least one kind, and carries an amount exactly when it names a money kind."""
    problems: list[str] = []
    if not penalty.kinds:
        problems.append("未载明处罚种类")
    if penalty.fine_fen < 0 or penalty.confiscation_fen < 0:
        problems.append("金额不得为负数")
    if PenaltyKind.FINE in penalty.kinds and penalty.fine_fen <= 0:
        problems.append("处罚种类含罚款，但罚款数额为零")
    if PenaltyKind.FINE not in penalty.kinds and penalty.fine_fen:
        problems.append("处罚种类不含罚款，却载有罚款数额")
    if PenaltyKind.CONFISCATE_GAINS not in penalty.kinds and penalty.confiscation_fen:
        problems.append("处罚种类不含没收违法所得，却载有没收金额")
    if penalty.restriction_months is not None:
        if not penalty.kinds & RESTRICTIONS:
            problems.append("处罚种类不含限制开展生产经营活动或者限制从业，却载有限制期限")
        if not 0 < penalty.restriction_months <= MAX_RESTRICTION_MONTHS:
            problems.append(f"限制期限应为1至{MAX_RESTRICTION_MONTHS}个月")
    if problems:
        raise InvalidPenalty("；".join(problems), errors=[{"problem": p} for p in problems])


def heavier_reasons(new: Penalty, old: Penalty) -> tuple[str, ...]:
    """Why ``new`` is heavier than ``old`` (empty when it is not).

    Heavier means (行政处罚法 第四十五条第二款 read with 第四十四条): more kinds; a kind not in ``old`` that
    ranks at or above the heaviest kind of ``old`` (a lighter kind may replace a heavier one); a larger fine;
    a larger confiscation of illegal income; a longer restriction.
    """
    reasons: list[str] = []
    if len(new.kinds) > len(old.kinds):
        reasons.append(f"处罚种类由{len(old.kinds)}种增加为{len(new.kinds)}种")
    heaviest_old = max((KIND_RANK[k] for k in old.kinds), default=0)
    for kind in sorted(new.kinds - old.kinds, key=kind_order):
        if kind is PenaltyKind.OTHER or KIND_RANK[kind] >= heaviest_old:
            reasons.append(f"增加或改为不轻于原处罚的种类「{kind.label}」")
    if PenaltyKind.FINE in new.kinds and PenaltyKind.FINE in old.kinds and new.fine_fen > old.fine_fen:
        reasons.append(f"罚款由{format_yuan(old.fine_fen)}元提高为{format_yuan(new.fine_fen)}元")
    if (
        PenaltyKind.CONFISCATE_GAINS in new.kinds
        and PenaltyKind.CONFISCATE_GAINS in old.kinds
        and new.confiscation_fen > old.confiscation_fen
    ):
        reasons.append(
            f"没收违法所得由{format_yuan(old.confiscation_fen)}元提高为{format_yuan(new.confiscation_fen)}元"
        )
    if new.kinds & old.kinds & RESTRICTIONS and _longer(new.restriction_months, old.restriction_months):
        # no length in months is the longer one: it stands for a ban without a term (终身)
        before, after = (
            "未载明期限" if m is None else months_text(m)
            for m in (old.restriction_months, new.restriction_months)
        )
        reasons.append(f"限制期限由{before}改为{after}")
    return tuple(reasons)


def _longer(new: int | None, old: int | None) -> bool:
    if old is None:
        return False
    return new is None or new > old


@dataclass(frozen=True, slots=True)
class AssessedPenalty:
    """The discretion engine's result for the case, as plain data (SPEC §3.2)."""

    benchmark_code: str
    benchmark_version: int
    tier: str  # 不予处罚 / 减轻 / 从轻 / 一般 / 从重
    allowed_kinds: frozenset[PenaltyKind]
    min_fen: int | None  # the tier's fine range; None where the tier sets no bound
    max_fen: int | None
    hearing_required: bool  # the party must be told of the right to a hearing (第六十三条)
    legal_review_required: bool  # 第五十八条
    collective_discussion_required: bool  # 第五十七条第二款
    simple_procedure_allowed: bool  # 第五十一条
    illegal_gains_fen: int = 0  # 违法所得 the assessment established: to be confiscated (第二十八条第二款)

    def fine_within_range(self, fine_fen: int) -> bool:
        if self.min_fen is not None and fine_fen < self.min_fen:
            return False
        return not (self.max_fen is not None and fine_fen > self.max_fen)

    def range_text(self) -> str:
        low = f"{format_yuan(self.min_fen)}元" if self.min_fen is not None else "不设下限"
        high = f"{format_yuan(self.max_fen)}元" if self.max_fen is not None else "不设上限"
        return f"{low}至{high}"
