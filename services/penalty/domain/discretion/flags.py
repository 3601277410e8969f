"""The procedure the law attaches to a proposal: simple procedure (行政处罚法 第五十一条), hearing (第六十三条),
legal review (第五十八条), collective discussion (第五十七条第二款), the economic impact assessment of an
enterprise case (seed 000) and the 不予实施行政强制措施清单.

``simple_procedure_allowed`` and ``hearing_reasons`` are public: the procedure re-checks the amount actually
proposed in a notice with them (``bridge.flags_for``). :data:`PIPELINE` is the order of the explanation
steps for the version the engine chose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from services.penalty.domain.catalogue import (
    BaseKind,
    BenchmarkVersion,
    EscalationTrigger,
    PartyType,
    PenaltyKind,
)
from services.penalty.domain.discretion.compiled import compiled
from services.penalty.domain.discretion.config import DEFAULT_CONFIG, AssessmentConfig
from services.penalty.domain.discretion.facts import Facts
from services.penalty.domain.discretion.result import PenaltyProposal, Step
from services.penalty.domain.discretion.wording import bench, law, yuan

_ART51 = law("第五十一条")
_ART51_54 = (_ART51, law("第五十四条"))
_ART63_64 = (law("第六十三条"), law("第六十四条"))
_ART58 = (law("第五十八条"),)
_ART57_2 = (law("第五十七条第二款"),)
_GENERAL_PROCEDURE = Step("simple_procedure", "不符合当场处罚的条件，适用普通程序。", _ART51_54)
_SIMPLE_KINDS = frozenset({PenaltyKind.WARNING, PenaltyKind.FINE})
_HEAVIER_KINDS_ITEM3 = frozenset({PenaltyKind.DOWNGRADE_QUALIFICATION, PenaltyKind.REVOKE_LICENCE})
_HEAVIER_KINDS_ITEM4 = frozenset(
    {PenaltyKind.SUSPEND_BUSINESS, PenaltyKind.ORDER_CLOSURE, PenaltyKind.RESTRICT_EMPLOYMENT}
)


def simple_procedure_allowed(
    party: PartyType,
    kinds: Iterable[PenaltyKind],
    fine_fen: int | None,
    *,
    config: AssessmentConfig = DEFAULT_CONFIG,
) -> bool:
    """第五十一条: only 警告 and/or a fine of at most 200 元 (公民) / 3,000 元 (法人或者其他组织)."""
    kind_set = set(kinds)
    if not kind_set or not kind_set <= _SIMPLE_KINDS:
        return False
    if PenaltyKind.FINE in kind_set:
        return fine_fen is not None and 0 <= fine_fen <= config.simple_limit_fen(party)
    return True


def hearing_reasons(
    party: PartyType,
    kinds: Iterable[PenaltyKind],
    fine_fen: int | None,
    *,
    confiscated_gains_fen: int = 0,
    confiscated_property_fen: int = 0,
    config: AssessmentConfig = DEFAULT_CONFIG,
) -> tuple[str, ...]:
    """第六十三条: why a hearing must be offered for this proposed decision (empty if it need not be).

    Exposed so the procedure can re-check the amount actually proposed in the notice."""
    kind_set = set(kinds)
    threshold = config.hearing_threshold_fen(party)
    reasons = []
    if PenaltyKind.FINE in kind_set and fine_fen is not None and fine_fen >= threshold:
        reasons.append(
            f"拟罚款{yuan(fine_fen)}，达到较大数额标准{yuan(threshold)}（第六十三条第一款第（一）项）"
        )
    if PenaltyKind.CONFISCATE_GAINS in kind_set and confiscated_gains_fen >= threshold:
        reasons.append(
            f"拟没收违法所得{yuan(confiscated_gains_fen)}，达到较大数额标准（第六十三条第一款第（二）项）"
        )
    if PenaltyKind.CONFISCATE_PROPERTY in kind_set and confiscated_property_fen >= threshold:
        reasons.append(
            f"拟没收非法财物价值{yuan(confiscated_property_fen)}，达到较大价值标准（第六十三条第一款第（二）项）"
        )
    if not kind_set.isdisjoint(_HEAVIER_KINDS_ITEM3):
        for k in sorted(kind_set & _HEAVIER_KINDS_ITEM3):
            reasons.append(f"拟{k.label}（第六十三条第一款第（三）项）")
    if not kind_set.isdisjoint(_HEAVIER_KINDS_ITEM4):
        for k in sorted(kind_set & _HEAVIER_KINDS_ITEM4):
            reasons.append(f"拟{k.label}（第六十三条第一款第（四）项）")
    if not kind_set.isdisjoint(config.hearing_other_heavier_kinds):
        for k in sorted(kind_set & config.hearing_other_heavier_kinds):
            reasons.append(f"拟{k.label}，属其他较重的行政处罚（第六十三条第一款第（五）项）")
    return tuple(reasons)


class Flags:
    """The working state of the procedure flags of the chosen version's proposal."""

    __slots__ = (
        "version",
        "facts",
        "config",
        "proposal",
        "steps",
        "fine",
        "kinds",
        "simple",
        "hearing",
        "review",
        "collective",
        "eia",
    )

    def __init__(
        self,
        version: BenchmarkVersion,
        proposal: PenaltyProposal | None,
        facts: Facts,
        config: AssessmentConfig,
        steps: list[Step],
    ) -> None:
        self.version = version
        self.proposal = proposal
        self.facts = facts
        self.config = config
        self.steps = steps
        self.fine: int | None = None
        self.kinds: frozenset[PenaltyKind] = frozenset()
        if proposal is not None:
            self.fine = proposal.suggested_fine_fen if PenaltyKind.FINE in proposal.kinds else None
            self.kinds = frozenset(proposal.kinds)
        self.simple = False
        self.hearing: tuple[str, ...] = ()
        self.review: list[str] = []
        self.collective: list[str] = []
        self.eia: list[str] = []


def simple_procedure(w: Flags, p: PenaltyProposal) -> None:
    """行政处罚法 第五十一条: 警告, or a fine up to the limit, may be decided on the spot; otherwise the general
    procedure (第五十四条).

    The limit applies to the fine actually decided, not to the suggestion: when the suggestion is above it but
    the tier reaches below it, a decision within the tier and the limit may still be taken on the spot (the
    procedure checks the decided amount, procedure.decision._check_simple_procedure)."""
    f, config, fine = w.facts, w.config, w.fine
    w.simple = simple_procedure_allowed(f.party_type, p.kinds, fine, config=config)
    limit = config.simple_limit_fen(f.party_type)
    low = p.tier_range.low if p.tier_range is not None else None
    if not w.simple and fine is not None and low is not None and low <= limit:
        w.simple = simple_procedure_allowed(f.party_type, p.kinds, low, config=config)
        if w.simple:
            w.steps.append(
                Step(
                    "simple_procedure",
                    f"建议罚款{yuan(fine)}超过对{f.party_type.label}当场处罚的限额{yuan(limit)}；"
                    f"决定罚款在本档幅度内且不超过{yuan(limit)}的，可以适用简易程序当场作出决定，"
                    "否则适用普通程序。",
                    _ART51_54,
                )
            )
            return
    if w.simple:
        w.steps.append(
            Step(
                "simple_procedure",
                f"拟给予{'、'.join(k.label for k in p.kinds)}"
                + (f"，对{f.party_type.label}罚款不超过{yuan(limit)}" if fine is not None else "")
                + "，违法事实确凿并有法定依据的，可以适用简易程序当场作出决定。",
                (_ART51,),
            )
        )
    else:
        w.steps.append(_GENERAL_PROCEDURE)


def hearing(w: Flags, p: PenaltyProposal) -> None:
    """行政处罚法 第六十三条、第六十四条: the party must be told of the right to a hearing."""
    f = w.facts
    w.hearing = hearing_reasons(
        f.party_type,
        p.kinds,
        w.fine,
        confiscated_gains_fen=f.base_amounts.get(BaseKind.ILLEGAL_GAINS, 0),
        confiscated_property_fen=f.illegal_property_value_fen or 0,
        config=w.config,
    )
    if w.hearing:
        w.steps.append(
            Step(
                "hearing",
                "应当告知当事人有要求听证的权利：" + "；".join(w.hearing) + "。",
                _ART63_64,
            )
        )


def legal_review(w: Flags, p: PenaltyProposal) -> None:
    """行政处罚法 第五十八条第一款: 法制审核 before the decision, for each of its four items."""
    f, config, fine, review = w.facts, w.config, w.fine, w.review
    if f.major_public_interest:
        review.append("涉及重大公共利益（第五十八条第一款第（一）项）")
    if w.hearing and config.legal_review_when_hearing:
        review.append("直接关系当事人重大权益，依法应当告知听证（第五十八条第一款第（二）项）")
    if f.complex_case:
        review.append("案件情况疑难复杂、涉及多个法律关系（第五十八条第一款第（三）项）")
    heavy = sorted(w.kinds & config.legal_review_kinds)
    if heavy:
        review.append(
            f"拟{'、'.join(k.label for k in heavy)}，属本辖区重大执法决定法制审核范围（第五十八条第一款第（四）项）"
        )
    review_threshold = (
        config.legal_review_fine_individual_fen
        if f.party_type is PartyType.INDIVIDUAL
        else config.legal_review_fine_organisation_fen
    )
    if fine is not None and fine >= review_threshold:
        review.append(
            f"拟罚款{yuan(fine)}，达到本辖区法制审核数额标准{yuan(review_threshold)}（第五十八条第一款第（四）项）"
        )
    if review:
        w.steps.append(
            Step(
                "legal_review",
                "作出决定前应当进行法制审核：" + "；".join(review) + "。",
                _ART58,
            )
        )


def collective_discussion(w: Flags, p: PenaltyProposal) -> None:
    """行政处罚法 第五十七条第二款: 情节复杂或者重大违法行为 are decided by the heads collectively."""
    f, config, fine, collective = w.facts, w.config, w.fine, w.collective
    if f.complex_case:
        collective.append("情节复杂")
    if config.collective_on_serious and EscalationTrigger.SERIOUS in p.escalations:
        collective.append("情节严重，属重大违法行为")
    heavy = sorted(w.kinds & config.collective_kinds)
    if heavy:
        collective.append(f"拟{'、'.join(k.label for k in heavy)}，属重大违法行为")
    collective_threshold = (
        config.collective_fine_individual_fen
        if f.party_type is PartyType.INDIVIDUAL
        else config.collective_fine_organisation_fen
    )
    if fine is not None and fine >= collective_threshold:
        collective.append(f"拟罚款{yuan(fine)}，达到本辖区重大违法行为数额标准{yuan(collective_threshold)}")
    if collective:
        w.steps.append(
            Step(
                "collective_discussion",
                "应当由行政机关负责人集体讨论决定：" + "；".join(collective) + "。",
                _ART57_2,
            )
        )


def economic_impact(w: Flags, p: PenaltyProposal) -> None:
    """涉企行政执法案件经济影响评估 (seed 000, 沈阳市): enterprise cases with heavy kinds or large fines."""
    if not w.facts.enterprise:
        return
    config, fine, eia = w.config, w.fine, w.eia
    heavy = sorted(w.kinds & config.eia_kinds)
    if heavy:
        eia.append(f"拟对企业{'、'.join(k.label for k in heavy)}")
    if fine is not None and fine >= config.eia_fine_fen:
        eia.append(f"拟对企业罚款{yuan(fine)}，达到{yuan(config.eia_fine_fen)}")
    if eia:
        w.steps.append(
            Step(
                "economic_impact",
                "应当开展涉企行政执法案件经济影响评估：" + "；".join(eia) + "。",
                (bench(w.version),),
            )
        )


#: The flags of a proposal, in the order of the explanation (only where a penalty is proposed).
PIPELINE: tuple[Callable[[Flags, PenaltyProposal], None], ...] = (
    simple_procedure,  # 第五十一条
    hearing,  # 第六十三条
    legal_review,  # 第五十八条 (after the hearing: its item 2 follows from it)
    collective_discussion,  # 第五十七条第二款
    economic_impact,  # seed 000
)


def coercive_measures(w: Flags) -> None:
    """The item is on the 不予实施行政强制措施清单 (whatever the outcome)."""
    step = compiled(w.version).coercive_step  # 本事项列入不予实施行政强制措施清单（…）
    if step is not None:
        w.steps.append(step)


def flags(
    version: BenchmarkVersion,
    proposal: PenaltyProposal | None,
    facts: Facts,
    config: AssessmentConfig,
    steps: list[Step],
) -> Flags:
    """Run :data:`PIPELINE` on the proposal (if any), then the coercive-measures note; steps are appended."""
    w = Flags(version, proposal, facts, config, steps)
    if proposal is not None:
        for step in PIPELINE:
            step(w, proposal)
    coercive_measures(w)
    return w
