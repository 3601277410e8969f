"""One act, one fine (行政处罚法 第二十九条): the identity of a violation (违法行为) that cases refer to, the
refusal of a second fine for the same act, and the provision that governs when one act breaches several.

第二十九条: "对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚。同一个违法行为违反多个法律规范应当给予
罚款处罚的，按照罚款数额高的规定处罚。"

- Only 罚款 counts: a confiscation, a warning or a licence measure on the same act is not "两次以上罚款".
- A revoked fine no longer counts (the decision is gone); a changed decision counts while it still fines.
- "罚款数额高的规定": the provisions are compared by their statutory maximum fine for the act (the legal
  range after the benchmark's formula, brackets and fallback), the usual reading; on a tie the higher
  statutory minimum, then the provision the case was filed under. Only provisions whose assessment ends in a
  penalty with a fine range take part (a provision that does not provide for a fine here is not a "应当给予
  罚款处罚" one); the others are recorded as considered.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.common.errors import BadRequest, Conflict, NotFound
from services.common.money import format_yuan
from services.penalty.domain import discretion as d

LAW = "中华人民共和国行政处罚法"
ARTICLE = "第二十九条"


class ActNotFound(NotFound):
    code = "ACT_NOT_FOUND"
    title = "违法行为不存在"
    title_en = "Act not found"

    @classmethod
    def of(cls, act_id: uuid.UUID) -> ActNotFound:
        return cls(f"违法行为 {act_id} 不存在", detail_en=f"Act {act_id} does not exist")


class ActPartyMismatch(BadRequest):
    code = "ACT_PARTY_MISMATCH"
    title = "案件当事人与所指违法行为的当事人不一致"
    title_en = "The case's party is not the party of the act it names"


class ActSpanInvalid(BadRequest):
    code = "ACT_SPAN_INVALID"
    title = "违法行为的起止日期无效"
    title_en = "The act's time span is invalid"


class OneActOneFine(Conflict):
    """行政处罚法 第二十九条: a second fine for the same act, from whichever case."""

    code = "ONE_ACT_ONE_FINE"
    title = "同一个违法行为不得给予两次以上罚款（行政处罚法 第二十九条）"
    title_en = "No second fine for the same act (行政处罚法 第二十九条)"


class ProvisionRepeated(BadRequest):
    code = "PROVISION_REPEATED"
    title = "同一违法行为所违反的规定重复列出"
    title_en = "A provision is listed twice for the act"


def inspection_act_id(visit_id: uuid.UUID, enterprise_uscc: str, item_code: str) -> uuid.UUID:
    """The act found in one inspection visit for one item (``inspection.violation.found`` carries no act id).

    Deterministic, so a redelivered lead and the case confirmed from it name the same act. Two findings of
    one visit that are one act (one conduct under two items) are joined by the officer naming the first
    act when confirming the second lead."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"zhifa:act:inspection:{visit_id}:{enterprise_uscc}:{item_code}")


def check_span(started_on: date | None, ended_on: date | None, today: date) -> None:
    """The act's time span: both ends optional, in order, not in the future."""
    for label, day in (("开始", started_on), ("结束", ended_on)):
        if day is not None and day > today:
            raise ActSpanInvalid(
                f"违法行为{label}日期（{day.isoformat()}）晚于今日（{today.isoformat()}）",
                detail_en=f"The act's {'start' if label == '开始' else 'end'} ({day.isoformat()}) is after today",
            )
    if started_on is not None and ended_on is not None and ended_on < started_on:
        raise ActSpanInvalid(
            f"违法行为结束日期（{ended_on.isoformat()}）早于开始日期（{started_on.isoformat()}）",
            detail_en=f"The act ends ({ended_on.isoformat()}) before it starts ({started_on.isoformat()})",
        )


@dataclass(frozen=True, slots=True)
class PriorFine:
    """A decided, not revoked fine on the act, from another case."""

    case_id: uuid.UUID
    decision_no: str
    decided_on: date
    fine_fen: int


def refuse_second_fine(*, fines: bool, act_id: uuid.UUID, prior: Sequence[PriorFine]) -> None:
    """第二十九条前段: a fine on an act that already has a decided, not revoked fine is refused."""
    if not fines or not prior:
        return
    first = prior[0]
    raise OneActOneFine(
        f"该违法行为已于{first.decided_on.isoformat()}由行政处罚决定书{first.decision_no}给予罚款"
        f"{format_yuan(first.fine_fen)}元；依照《{LAW}》{ARTICLE}“对当事人的同一个违法行为，不得给予两次以上"
        "罚款的行政处罚”，不得再次给予罚款（没收违法所得、警告等其他种类不受此限）",
        detail_en=f"The act was fined {format_yuan(first.fine_fen)} yuan by decision {first.decision_no} on "
        f"{first.decided_on.isoformat()}: no second fine for the same act ({LAW} {ARTICLE})",
        extra={
            "act_id": str(act_id),
            "prior_case_id": str(first.case_id),
            "prior_decision_no": first.decision_no,
        },
    )


# --------------------------------------------------------------------------------------------------------
# One act, several provisions (第二十九条后段)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Considered:
    """One provision the act breaches, as assessed, and whether it governs."""

    code: str
    version: int
    violation_name: str
    outcome: str
    legal_low_fen: int | None
    legal_high_fen: int | None
    suggested_fine_fen: int | None
    governs: bool

    def range_text(self) -> str:
        if self.legal_high_fen is None:
            return "不适用罚款"
        return f"法定罚款{format_yuan(self.legal_low_fen or 0)}元至{format_yuan(self.legal_high_fen)}元"


def _fine_range(a: d.Assessment) -> d.FenRange | None:
    if a.outcome is not d.Outcome.PENALTY or a.penalty is None:
        return None
    return a.penalty.legal_range


def _considered(a: d.Assessment, name: str, governs: bool) -> Considered:
    r = _fine_range(a)
    return Considered(
        code=a.code,
        version=a.version,
        violation_name=name,
        outcome=a.outcome.value,
        legal_low_fen=r.low if r else None,
        legal_high_fen=r.high if r else None,
        suggested_fine_fen=a.penalty.suggested_fine_fen if a.penalty and r else None,
        governs=governs,
    )


def governing(
    assessments: Sequence[tuple[d.Assessment, str]],
) -> tuple[d.Assessment, tuple[Considered, ...]]:
    """The assessment of the provision that governs (第二十九条后段) with the 说理 step added first, and every
    provision as considered. ``assessments`` are (assessment, violation name), the case's own first."""
    codes = [a.code for a, _ in assessments]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ProvisionRepeated(
            f"裁量基准{'、'.join(repeated)}重复列出", detail_en=f"Listed twice: {', '.join(repeated)}"
        )
    main = assessments[0][0]
    if len(assessments) == 1:
        return main, (_considered(main, assessments[0][1], True),)
    fined = [(i, a) for i, (a, _) in enumerate(assessments) if _fine_range(a) is not None]
    if fined:
        # the higher statutory maximum; then the higher minimum; then the earlier listed (the case's own)
        def key(item: tuple[int, d.Assessment]) -> tuple[int, int, int]:
            r = _fine_range(item[1])
            assert r is not None
            return (r.high, r.low, -item[0])

        chosen_index = max(fined, key=key)[0]
    else:
        chosen_index = 0
    considered = tuple(_considered(a, n, i == chosen_index) for i, (a, n) in enumerate(assessments))
    chosen = assessments[chosen_index][0]
    step = d.Step(
        rule="one_act_several_provisions",
        text=_explanation(considered, bool(fined)),
        citations=(d.Citation(law=LAW, article=ARTICLE),),
    )
    return replace(chosen, steps=(step, *chosen.steps)), considered


def _explanation(considered: Sequence[Considered], compared: bool) -> str:
    listed = "；".join(f"裁量基准{c.code}（{c.violation_name}，{c.range_text()}）" for c in considered)
    chosen = next(c for c in considered if c.governs)
    others = "、".join(c.code for c in considered if not c.governs)
    if not compared:
        return (
            f"当事人的同一个违法行为同时违反{len(considered)}项规定：{listed}。各项规定在本案均不适用罚款，"
            f"以立案所依据的裁量基准{chosen.code}裁量；其余规定（{others}）已一并考虑"
        )
    highs = "、".join(f"{c.code}为{format_yuan(c.legal_high_fen)}元" for c in considered if c.legal_high_fen)
    return (
        f"当事人的同一个违法行为同时违反{len(considered)}项规定：{listed}。依照行政处罚法第二十九条“同一个违法"
        f"行为违反多个法律规范应当给予罚款处罚的，按照罚款数额高的规定处罚”，比较各项规定的法定罚款最高额（{highs}），"
        f"按照罚款数额高的裁量基准{chosen.code}处罚；其余规定（{others}）已作比较考虑，不另行给予罚款"
    )
