"""A penalty as imposed or proposed, when one is heavier than another (行政处罚法 第四十四条, 第四十五条第二款),
and the discretion engine's result as the procedure sees it (``AssessedPenalty``)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.money import format_yuan
from services.penalty.domain.errors import InvalidPenalty
from services.penalty.domain.procedure.vocabulary import KIND_RANK, PenaltyKind, kind_order


@dataclass(frozen=True, slots=True)
class Penalty:
    """What is imposed (or proposed): kinds, the fine, the confiscated illegal income, other terms."""

    kinds: frozenset[PenaltyKind]
    fine_fen: int = 0
    confiscation_fen: int = 0  # 没收违法所得 amount, when known
    terms: str = ""  # e.g. "暂扣许可证件三个月"

    def describe(self) -> str:
        parts: list[str] = []
        for kind in sorted(self.kinds, key=kind_order):
            if kind is PenaltyKind.FINE:
                parts.append(f"罚款{format_yuan(self.fine_fen)}元")
            elif kind is PenaltyKind.CONFISCATE_GAINS and self.confiscation_fen:
                parts.append(f"没收违法所得{format_yuan(self.confiscation_fen)}元")
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
    if problems:
        raise InvalidPenalty("；".join(problems), errors=[{"problem": p} for p in problems])


def heavier_reasons(new: Penalty, old: Penalty) -> tuple[str, ...]:
    """Why ``new`` is heavier than ``old`` (empty when it is not).

    Heavier means (行政处罚法 第四十五条第二款 read with 第四十四条): more kinds; a kind not in ``old`` that
    ranks at or above the heaviest kind of ``old`` (a lighter kind may replace a heavier one); a larger fine;
    a larger confiscation of illegal income.
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
    return tuple(reasons)


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

    def fine_within_range(self, fine_fen: int) -> bool:
        if self.min_fen is not None and fine_fen < self.min_fen:
            return False
        return not (self.max_fen is not None and fine_fen > self.max_fen)

    def range_text(self) -> str:
        low = f"{format_yuan(self.min_fen)}元" if self.min_fen is not None else "不设下限"
        high = f"{format_yuan(self.max_fen)}元" if self.max_fen is not None else "不设上限"
        return f"{low}至{high}"
