"""Evaluation of one benchmark version on the facts: an ordered pipeline of steps, one per rule of law.

Each step reads and writes one :class:`Evaluation` (the working state of a single version) and returns True
when the evaluation is finished: an outcome without a penalty (limitation run, 不予处罚, correction only).
:data:`PIPELINE` is the order; the explanation trail follows it. The procedure flags of the version chosen
(simple procedure, hearing, legal review, collective discussion, economic impact) are ``flags``'s pipeline.
"""

from __future__ import annotations

from collections.abc import Callable

from services.penalty.domain.catalogue import (
    BP,
    BaseKind,
    BenchmarkVersion,
    Escalation,
    EscalationTrigger,
    FineFormula,
    PartyType,
    PenaltyKind,
    Tier,
)
from services.penalty.domain.discretion.compiled import compiled
from services.penalty.domain.discretion.config import DEFAULT_CONFIG, AssessmentConfig
from services.penalty.domain.discretion.facts import (
    Aggravation,
    Capacity,
    Correction,
    Facts,
    Harm,
    Mitigation,
    completed_years,
)
from services.penalty.domain.discretion.fines import fine_range
from services.penalty.domain.discretion.ranges import ceil_div, range_text, split_range, suggest_amount
from services.penalty.domain.discretion.result import (
    Citation,
    FenRange,
    Limitation,
    Outcome,
    PenaltyProposal,
    Step,
    severity,
)
from services.penalty.domain.discretion.wording import cn, law, years_later, yuan

_ART36 = (law("第三十六条"),)
_ART30 = law("第三十条")
_ART31 = law("第三十一条")
_ART33_1 = law("第三十三条第一款")
_ART33_2 = law("第三十三条第二款")
_ART33_3 = law("第三十三条第三款")
_ART28_2 = law("第二十八条第二款")
# 第三十二条: each circumstance's sentence and the citation of its item, made once.
_MITIGATIONS: dict[Mitigation, tuple[str, Citation]] = {
    m: (f"当事人{m.label}", law(f"第三十二条{m.item}")) for m in Mitigation
}
# The order kinds are listed in (severity, then name), as a look-up rather than a key built per call.
_KIND_ORDER: dict[PenaltyKind, tuple[int, str]] = {k: (k.severity, k.value) for k in PenaltyKind}
_LIGHTER_KINDS = (PenaltyKind.WARNING, PenaltyKind.CIRCULATED_CRITICISM)


class Evaluation:
    """The working state of one version's evaluation; what the steps decide so far."""

    __slots__ = (
        "version",
        "compiled",
        "facts",
        "config",
        "steps",
        "bench",
        "punishing",
        "outcome",
        "limitation",
        "penalty",
        "first_violation_eligible",
        "education_required",
        "guardian_order",
        "mandatory_mit",
        "optional_mit",
        "mit_cites",
        "mitigated_list",
        "aggravations",
        "applied",
        "allowed",
        "formula",
        "legal",
        "fine_text",
        "tier",
        "tier_range",
        "suggested",
        "fine_optional",
        "proposed",
    )

    limitation: Limitation  # set by the first step
    tier: Tier  # set by the tier step
    proposed: set[PenaltyKind]  # set by the amount step

    def __init__(self, version: BenchmarkVersion, facts: Facts, config: AssessmentConfig) -> None:
        self.version = version
        self.compiled = c = compiled(version)
        self.facts = facts
        self.config = config
        self.steps: list[Step] = []
        self.bench, self.punishing = c.bench, c.punishing
        self.outcome = Outcome.PENALTY
        self.penalty: PenaltyProposal | None = None
        self.first_violation_eligible = False
        self.education_required = False
        self.guardian_order = ""
        self.mandatory_mit: list[str] = []  # 应当从轻或者减轻
        self.optional_mit: list[str] = []  # 可以从轻或者减轻 / 清单
        self.mit_cites: list[Citation] = []
        self.mitigated_list = False
        self.aggravations: list[str] = []
        self.applied: list[Escalation] = []
        self.allowed: dict[PenaltyKind, bool] = c.kinds.copy()
        self.formula: FineFormula | None = None
        self.legal: FenRange | None = None
        self.fine_text = ""
        self.tier_range: FenRange | None = None
        self.suggested: int | None = None
        self.fine_optional = False

    def severity_key(self) -> tuple[int, int, int, int, int]:
        return severity(self.outcome, self.penalty)


# ---------------------------------------------------------------------------------------------------------
# The steps, in the order of PIPELINE
# ---------------------------------------------------------------------------------------------------------


def limitation(w: Evaluation) -> bool:
    """行政处罚法 第三十六条: two years, five where life and health or financial security are harmed with
    consequences; counted from the violation or its end (民法典 第二百零一条、第二百零二条), against the date
    the violation was discovered (else the decision date). "未被发现" ends at the latest when the case is filed
    (立案): a case filed within the period is in time whenever it is assessed or decided."""
    f = w.facts
    start = f.act_date
    interests = w.compiled.long_interests
    long_period = bool(interests) and (f.harm is not Harm.NONE)
    years = 5 if long_period else 2
    last = years_later(start, years)
    given = f.discovered_on or f.decision_date
    by_filing = f.filed_on is not None and f.filed_on < given
    measured = f.filed_on if by_filing and f.filed_on is not None else given
    expired = measured > last
    w.limitation = Limitation(
        years=years, starts_on=start, last_day=last, measured_on=measured, expired=expired
    )
    begin = (
        f"违法行为有连续或者继续状态，自行为终了之日{cn(start)}起计算"
        if f.continuing_until is not None
        else f"自违法行为发生之日{cn(start)}起计算"
    )
    why = f"本事项涉及公民{interests}且有危害后果，追责期限为五年" if long_period else "追责期限为二年"
    seen = (
        f"本案于{cn(measured)}立案，违法行为至迟于立案之日被发现"
        if by_filing
        else f"违法行为于{cn(measured)}被发现"
        if f.discovered_on
        else f"未载明发现日期，按决定日期{cn(measured)}计"
    )
    verdict = "已超过期限，依法不再给予行政处罚" if expired else "未超过期限"
    text = f"{why}，{begin}，期限至{cn(last)}届满；{seen}，{verdict}。"
    w.steps.append(Step("limitation", text, _ART36))
    if expired:
        w.outcome = Outcome.LIMITATION_EXPIRED
        return True
    return False


def minors(w: Evaluation) -> bool:
    """行政处罚法 第三十条: under fourteen, no penalty and the guardian is ordered to discipline; fourteen to
    eighteen, 应当从轻或者减轻."""
    f = w.facts
    if f.party_type is not PartyType.INDIVIDUAL:
        return False
    age = completed_years(f.birth_date, f.act_date) if f.birth_date is not None else f.age_years
    if age is None:
        return False
    if age < 14:
        w.outcome = Outcome.NO_PENALTY
        w.education_required = True
        w.guardian_order = "责令监护人加以管教"
        w.steps.append(
            Step(
                "minor",
                f"当事人实施违法行为时不满十四周岁（{age}周岁），不予行政处罚，责令监护人加以管教。",
                (_ART30,),
            )
        )
        return True
    if age < 18:
        w.mandatory_mit.append(f"当事人已满十四周岁不满十八周岁（{age}周岁），应当从轻或者减轻行政处罚")
        w.mit_cites.append(_ART30)
    return False


def capacity(w: Evaluation) -> bool:
    """行政处罚法 第三十一条: no capacity, no penalty and the guardian is ordered to watch and treat; limited
    capacity, 可以从轻或者减轻."""
    f = w.facts
    if f.party_type is not PartyType.INDIVIDUAL:
        return False
    if f.capacity is Capacity.NONE:
        w.outcome = Outcome.NO_PENALTY
        w.education_required = True
        w.guardian_order = "责令监护人严加看管和治疗"
        w.steps.append(
            Step(
                "capacity",
                "当事人在不能辨认或者不能控制自己行为时实施违法行为，不予行政处罚，责令其监护人严加看管和治疗。",
                (_ART31,),
            )
        )
        return True
    if f.capacity is Capacity.LIMITED:
        w.optional_mit.append("当事人尚未完全丧失辨认或者控制自己行为能力，可以从轻或者减轻行政处罚")
        w.mit_cites.append(_ART31)
    return False


def no_fault(w: Evaluation) -> bool:
    """行政处罚法 第三十三条第二款: no penalty where the party proves it had no fault, unless the punishing
    law provides otherwise."""
    if not w.facts.no_fault_proven:
        return False
    if w.version.fault_exemption_excluded:
        w.steps.append(
            Step(
                "no_fault",
                "当事人提出无主观过错的证据，但本事项的处罚依据另有规定，不适用无过错不罚。",
                (_ART33_2, w.bench),
            )
        )
        return False
    w.outcome = Outcome.NO_PENALTY
    w.education_required = True
    w.steps.append(
        Step(
            "no_fault",
            "当事人有证据足以证明没有主观过错，不予行政处罚，并对当事人进行教育。",
            (_ART33_2, _ART33_3),
        )
    )
    return True


def no_penalty(w: Evaluation) -> bool:
    """行政处罚法 第三十三条第一款 first sentence (轻微并及时改正，没有造成危害后果的，不予行政处罚), and the
    item's 不予处罚清单; education follows (第三十三条第三款)."""
    f, v = w.facts, w.version
    if f.minor_violation and f.correction is Correction.IN_TIME and f.harm is Harm.NONE:
        w.outcome = Outcome.NO_PENALTY
        w.education_required = True
        w.steps.append(
            Step(
                "no_penalty",
                "违法行为轻微并及时改正，没有造成危害后果，不予行政处罚，并对当事人进行教育。",
                (_ART33_1, _ART33_3),
            )
        )
        return True
    if not f.meets_no_penalty_list:
        return False
    if v.lists.no_penalty is not None:
        w.outcome = Outcome.NO_PENALTY
        w.education_required = True
        w.steps.append(
            Step(
                "no_penalty",
                f"符合不予处罚清单所列情形（{v.lists.no_penalty.conditions}），不予行政处罚，并对当事人进行教育。",
                (_ART33_1, _ART33_3, w.bench),
            )
        )
        return True
    w.steps.append(Step("no_penalty", "本事项未列入不予处罚清单，清单情形不予适用。", (w.bench,)))
    return False


def escalations(w: Evaluation) -> bool:
    """The punishing provision's heavier consequences (情节严重 / 拒不改正) decide the operative fine formula
    and the kinds allowed."""
    f, v = w.facts, w.version
    for esc in v.escalations:
        if (esc.trigger is EscalationTrigger.NOT_CORRECTED and f.correction is Correction.REFUSED) or (
            esc.trigger is EscalationTrigger.SERIOUS and f.statutory_serious
        ):
            w.applied.append(esc)
    allowed = w.allowed  # the version's kinds (Compiled.kinds), then the escalations'
    formula = v.fine
    for esc in w.applied:
        if esc.fine is not None:
            formula = esc.fine
        for k in esc.add_kinds:
            allowed[k.kind] = allowed.get(k.kind, False) or k.mandatory
    w.formula = formula
    return False


def correction_only(w: Evaluation) -> bool:
    """Items whose provision orders only correction unless the party refuses: no kind applies, no penalty."""
    if w.allowed:
        return False
    w.outcome = Outcome.CORRECTION_ONLY
    w.steps.append(
        Step(
            "correction_only",
            "依照处罚依据，对本违法行为责令改正；当事人未拒不改正，依法不给予行政处罚。",
            w.punishing,
        )
    )
    return True


def first_violation(w: Evaluation) -> bool:
    """行政处罚法 第三十三条第一款 second sentence (首违不罚): 初次违法且危害后果轻微并及时改正的，可以不予
    行政处罚, where the item is on the list (never for life and health, public safety, ecology)."""
    f, v = w.facts, w.version
    if not (f.first_offence and f.harm in (Harm.NONE, Harm.MINOR) and f.correction is Correction.IN_TIME):
        return False
    if v.first_violation_allowed:
        w.first_violation_eligible = True
        w.education_required = True
        conditions = f"（{v.first_violation_conditions}）" if v.first_violation_conditions else ""
        w.steps.append(
            Step(
                "first_violation",
                f"当事人初次违法且{f.harm.label}并及时改正，本事项列入首违不罚清单{conditions}，"
                "可以不予行政处罚，并对当事人进行教育；决定给予处罚的，按以下裁量处理。",
                (_ART33_1, _ART33_3, w.bench),
            )
        )
        return False
    why = w.compiled.first_violation_barred
    w.steps.append(
        Step("first_violation", f"当事人初次违法且{f.harm.label}并及时改正，但{why}。", (w.bench,))
    )
    return False


def statutory_range(w: Evaluation) -> bool:
    """The punishing provision (处罚依据): the statutory fine range of this case, then each heavier consequence
    applied with its own provision."""
    v = w.version
    plain = w.compiled.plain_basis
    if plain is not None and not w.applied:  # the version's fixed range: worked out once (compiled.py)
        w.legal, basis_step = plain
        w.steps.append(basis_step)
        return False
    fine_text = ""
    if w.formula is not None:
        w.legal, fine_text = fine_range(w.formula, w.facts, v)
    escalated_fine = next((e for e in reversed(w.applied) if e.fine is not None), None)
    basis = f"本案适用{w.compiled.label}（{v.violation_name}）"
    if fine_text and escalated_fine is None:
        basis += f"，{fine_text}"
    w.steps.append(Step("basis", basis + "。", w.punishing))
    for esc in w.applied:
        esc_cites = (
            (Citation(law=esc.provision.law, article=esc.provision.article + esc.provision.clause),)
            if esc.provision
            else ()
        )
        text = f"当事人{esc.trigger.label}（{esc.conditions}）"
        if esc is escalated_fine and fine_text:
            text += f"，依法{fine_text}"
        required = [k.kind.label for k in esc.add_kinds if k.mandatory and k.kind is not PenaltyKind.FINE]
        optional = [k.kind.label for k in esc.add_kinds if not k.mandatory]
        if required:
            text += f"，并应当{'、'.join(required)}"
        if optional:
            text += f"，可以{'、'.join(optional)}"
        w.steps.append(Step("escalation", text + "。", esc_cites + w.punishing))
    return False


def mitigations(w: Evaluation) -> bool:
    """行政处罚法 第三十二条 (应当从轻或者减轻: each item cited), and the item's 从轻 and 减轻处罚清单."""
    f, v = w.facts, w.version
    for m in sorted(f.mitigations) if f.mitigations else ():
        text, cite = _MITIGATIONS[m]
        w.mandatory_mit.append(text)
        w.mit_cites.append(cite)
    if f.meets_lighter_list:
        if v.lists.lighter is not None:
            w.optional_mit.append(f"符合从轻处罚清单所列情形（{v.lists.lighter.conditions}）")
        else:
            w.steps.append(Step("circumstances", "本事项未列入从轻处罚清单，清单情形不予适用。", (w.bench,)))
    if f.meets_mitigated_list:
        if v.lists.mitigated is not None:
            w.mitigated_list = True
            w.optional_mit.append(f"符合减轻处罚清单所列情形（{v.lists.mitigated.conditions}）")
        else:
            w.steps.append(Step("circumstances", "本事项未列入减轻处罚清单，清单情形不予适用。", (w.bench,)))
    return False


def aggravations(w: Evaluation) -> bool:
    """Aggravating circumstances (从重): those found, serious harm, and 情节严重 / 拒不改正 where the punishing
    provision attaches no heavier consequence of its own."""
    f = w.facts
    found = [a.label for a in sorted(f.aggravations)] if f.aggravations else []
    if f.harm is Harm.SERIOUS and Aggravation.SERIOUS_CONSEQUENCES not in f.aggravations:
        found.append(Aggravation.SERIOUS_CONSEQUENCES.label)
    triggers = w.compiled.triggers
    if f.statutory_serious and EscalationTrigger.SERIOUS not in triggers:
        found.append("情节严重（处罚依据未另设加重处罚，作为从重情节）")
    if f.correction is Correction.REFUSED and EscalationTrigger.NOT_CORRECTED not in triggers:
        found.append("拒不改正违法行为（处罚依据未另设加重处罚，作为从重情节）")
    w.aggravations = found
    return False


def tier(w: Evaluation) -> bool:
    """The tier from the circumstances (行政处罚法 第三十二条, 第三十条, 第三十一条 and the 四张清单): a mandatory
    mitigation gives 从轻 (减轻 with a second one or the 减轻清单) whatever aggravates; an optional one gives
    从轻 (减轻 for the list) and offsets aggravation to 一般; otherwise aggravation gives 从重."""
    mandatory, optional, found = w.mandatory_mit, w.optional_mit, w.aggravations
    if mandatory:
        if not found and (len(mandatory) + len(optional) >= 2 or w.mitigated_list):
            chosen = Tier.MITIGATED
        else:
            chosen = Tier.LIGHTER
    elif optional:
        if found:
            chosen = Tier.ORDINARY
        elif w.mitigated_list:
            chosen = Tier.MITIGATED
        else:
            chosen = Tier.LIGHTER
    else:
        chosen = Tier.HEAVIER if found else Tier.ORDINARY
    w.tier = chosen

    parts = []
    if mandatory or optional:
        parts.append("从轻、减轻情节：" + "；".join(mandatory + optional))
    if found:
        parts.append("从重情节：" + "；".join(found))
    if not parts:
        parts.append("无法定从轻、减轻或者从重情节")
    if mandatory and found:
        parts.append("依法应当从轻或者减轻的情节不因从重情节而不予适用，综合认定从轻处罚")
    elif optional and found and not mandatory:
        parts.append("从轻情节与从重情节相抵，按一般处罚")
    tier_note = w.compiled.tier_notes[chosen]
    w.steps.append(
        Step(
            "tier",
            "；".join(parts) + f"。认定为{chosen.label}档次{tier_note}。",
            tuple(dict.fromkeys(w.mit_cites)) + (w.bench,) if w.mit_cites else w.compiled.bench_only,
        )
    )
    return False


def amount(w: Evaluation) -> bool:
    """The tier's part of the statutory range (the item's shares, else the jurisdiction's split; 减轻 below the
    legal minimum or a lighter kind) and the suggested fine, its midpoint rounded to whole yuan."""
    allowed, legal = w.allowed, w.legal
    w.fine_optional = not allowed.get(PenaltyKind.FINE, True)
    proposed = {k for k, mandatory in allowed.items() if mandatory}
    proposed.discard(PenaltyKind.FINE)
    proposed.discard(PenaltyKind.CONFISCATE_GAINS)
    proposed.discard(PenaltyKind.CONFISCATE_PROPERTY)
    w.proposed = proposed
    if legal is None or legal.high <= 0:
        if w.formula is not None and legal is not None:
            w.steps.append(Step("amount", "依计算基数，罚款数额为零，不予罚款。", (w.bench,)))
        return False
    lighter_kind = next((k for k in _LIGHTER_KINDS if k in allowed), None)
    # The result depends on the version, the range, the tier, the lighter kind and the config alone: the
    # version's ranges recur, so under the jurisdiction's config it is worked out once per combination.
    key = (legal.low, legal.high, w.tier, lighter_kind, w.fine_optional)
    cache = w.compiled.amounts if w.config is DEFAULT_CONFIG else None
    found: _Amount | None = cache.get(key) if cache is not None else None
    if found is None:
        found = _tier_amount(w, legal, lighter_kind)
        if cache is not None:
            if len(cache) >= _AMOUNTS_MAX:
                cache.clear()
            cache[key] = found
    w.tier_range, w.suggested, added, step = found
    if added is not None:
        proposed.add(added)
    w.steps.append(step)
    return False


# (tier range, suggested fine, the kind the amount adds to the proposal, the step)
_Amount = tuple[FenRange | None, int | None, PenaltyKind | None, Step]
_AMOUNTS_MAX = 1024


def _tier_amount(w: Evaluation, legal: FenRange, lighter_kind: PenaltyKind | None) -> _Amount:
    """The amount step proper (see :func:`amount`)."""
    chosen = w.tier
    split = w.config.tier_split
    shares = w.compiled.shares
    if shares is not None:
        p1, p2 = shares
        source = f"{w.compiled.label}自定的档次比例"
    elif legal.low == 0:
        p1, p2 = split.max_only_lighter_upper_bp, split.max_only_heavier_lower_bp
        source = "本辖区裁量档次划分（仅规定罚款上限）"
    else:
        p1, p2 = split.range_lighter_upper_bp, split.range_heavier_lower_bp
        source = "本辖区裁量档次划分"
    lighter, ordinary, heavier = split_range(legal.low, legal.high, p1, p2)
    tier_range: FenRange | None = None
    added: PenaltyKind | None = None
    if chosen is Tier.MITIGATED:
        if legal.low > 0:
            floor = min(ceil_div(legal.low * split.mitigated_floor_bp, BP), legal.low - 1)
            tier_range = FenRange(floor, legal.low - 1)
            amount_text = f"减轻处罚，在法定最低罚款数额{yuan(legal.low)}以下确定罚款，幅度为{range_text(tier_range, closed=False)}"
        elif lighter_kind is not None:
            amount_text = f"法定罚款未设下限，减轻处罚适用较轻的处罚种类（{lighter_kind.label}），不予罚款"
            added = lighter_kind
        else:
            tier_range = lighter
            amount_text = f"法定罚款未设下限且无较轻的处罚种类，减轻处罚按从轻档次确定罚款，幅度为{range_text(lighter, closed=lighter == heavier)}"
    else:
        tier_range = {Tier.LIGHTER: lighter, Tier.ORDINARY: ordinary, Tier.HEAVIER: heavier}[chosen]
        closed = chosen is Tier.HEAVIER or lighter == heavier
        amount_text = f"按{source}，{chosen.label}档次的罚款幅度为{range_text(tier_range, closed=closed)}"
    suggested: int | None = None
    if tier_range is not None:
        suggested = suggest_amount(tier_range)
        added = PenaltyKind.FINE
        amount_text += f"，建议罚款{yuan(suggested)}（取档次幅度中值并取整到元）"
        if w.fine_optional:
            amount_text += "；处罚依据规定“可以”并处罚款，是否罚款由执法机关裁量"
    return tier_range, suggested, added, Step("amount", amount_text + "。", w.compiled.bench_only)


def kinds(w: Evaluation) -> bool:
    """The kinds proposed: those the law makes mandatory, the fine, the confiscation of illegal gains where
    there are any (行政处罚法 第二十八条第二款) and of illegal property; the proposal is complete."""
    f, allowed, proposed = w.facts, w.allowed, w.proposed
    gains = f.base_amounts.get(BaseKind.ILLEGAL_GAINS, 0)
    if gains > 0 and (PenaltyKind.CONFISCATE_GAINS in allowed):
        proposed.add(PenaltyKind.CONFISCATE_GAINS)  # 第二十八条第二款: 有违法所得，应当予以没收
    if allowed.get(PenaltyKind.CONFISCATE_PROPERTY) and (
        f.illegal_property_value_fen is None or f.illegal_property_value_fen > 0
    ):
        proposed.add(PenaltyKind.CONFISCATE_PROPERTY)
    if not proposed:
        least = min(allowed, key=_KIND_ORDER.__getitem__)
        proposed.add(least)
    allowed_kinds = (
        w.compiled.kinds_sorted if not w.applied else tuple(sorted(allowed, key=_KIND_ORDER.__getitem__))
    )
    if w.applied:
        wording = _kind_wording(w, proposed, allowed_kinds)
    else:  # the kinds allowed are the version's: the wording depends on the kinds proposed alone
        key = frozenset(proposed)
        cache = w.compiled.kind_wordings
        cached: _KindWording | None = cache.get(key)
        if cached is None:
            if len(cache) >= _AMOUNTS_MAX:
                cache.clear()
            cached = cache[key] = _kind_wording(w, proposed, allowed_kinds)
        wording = cached
    chosen, head, rest, kind_cites, step = wording
    if step is None:
        step = Step("kinds", f"{head}（违法所得{yuan(gains)}应当予以没收）{rest}。", kind_cites)
    w.steps.append(step)
    w.penalty = PenaltyProposal(
        tier=w.tier,
        legal_range=w.legal,
        tier_range=w.tier_range,
        suggested_fine_fen=w.suggested,
        fine_optional=w.fine_optional,
        kinds=chosen,
        allowed_kinds=allowed_kinds,
        escalations=tuple(e.trigger for e in w.applied),
    )
    w.outcome = Outcome.FIRST_VIOLATION_WAIVER if w.first_violation_eligible else Outcome.PENALTY
    return True


# (kinds proposed in order, "拟给予…", the sentences after the confiscated gains, citations, the step when
# no gains are confiscated)
_KindWording = tuple[tuple[PenaltyKind, ...], str, str, tuple[Citation, ...], Step | None]


def _kind_wording(
    w: Evaluation, proposed: set[PenaltyKind], allowed_kinds: tuple[PenaltyKind, ...]
) -> _KindWording:
    """The wording of the kinds step (see :func:`kinds`)."""
    allowed = w.allowed
    chosen = tuple(sorted(proposed, key=_KIND_ORDER.__getitem__))
    head = "拟给予" + "、".join(k.label for k in chosen)
    optional_rest = [
        k
        for k in allowed_kinds
        if k not in proposed and k not in (PenaltyKind.CONFISCATE_GAINS, PenaltyKind.CONFISCATE_PROPERTY)
    ]
    rest = ""
    if PenaltyKind.CONFISCATE_GAINS in allowed and PenaltyKind.CONFISCATE_GAINS not in proposed:
        rest += "；未认定违法所得，查明有违法所得的，应当予以没收"
    if PenaltyKind.CONFISCATE_PROPERTY in allowed and PenaltyKind.CONFISCATE_PROPERTY not in proposed:
        rest += "；查获非法财物的，依法没收"
    if optional_rest:
        rest += "；依法可以并处或者选择的还有" + "、".join(k.label for k in optional_rest)
    if PenaltyKind.CONFISCATE_GAINS in proposed:  # 第二十八条第二款; the amount is the case's
        return chosen, head, rest, (_ART28_2, *w.punishing), None
    return chosen, head, rest, w.punishing, Step("kinds", head + rest + "。", w.punishing)


#: The order in which the rules apply to one version (the explanation trail follows it).
PIPELINE: tuple[Callable[[Evaluation], bool], ...] = (
    limitation,  # 第三十六条
    minors,  # 第三十条
    capacity,  # 第三十一条
    no_fault,  # 第三十三条第二款
    no_penalty,  # 第三十三条第一款 (first sentence), 不予处罚清单
    escalations,  # 处罚依据: 情节严重 / 拒不改正
    correction_only,  # 处罚依据: 责令改正 only
    first_violation,  # 第三十三条第一款 (second sentence), 首违不罚清单
    statutory_range,  # 处罚依据: the fine formula
    mitigations,  # 第三十二条, 从轻 / 减轻处罚清单
    aggravations,  # 从重情节
    tier,  # 第三十二条 with 第三十条, 第三十一条
    amount,  # the tier's range and the suggested fine
    kinds,  # 第二十八条第二款; the proposal
)


def evaluate(version: BenchmarkVersion, facts: Facts, config: AssessmentConfig) -> Evaluation:
    """Run :data:`PIPELINE` on one version until a step finishes the evaluation."""
    w = Evaluation(version, facts, config)
    for step in PIPELINE:
        if step(w):
            break
    return w
