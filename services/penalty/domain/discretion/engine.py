"""The assessment engine's entry point: validate the facts, choose the version (从旧兼从轻), evaluate it, attach
the procedure the law requires, and return the reasoned :class:`Assessment`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from services.common.dates import cn_date
from services.penalty.domain.catalogue import BenchmarkVersion, PartyType, Status
from services.penalty.domain.discretion.compiled import compiled
from services.penalty.domain.discretion.config import DEFAULT_CONFIG, AssessmentConfig
from services.penalty.domain.discretion.evaluation import Evaluation, evaluate
from services.penalty.domain.discretion.facts import Capacity, Facts
from services.penalty.domain.discretion.flags import flags
from services.penalty.domain.discretion.result import Assessment, Step
from services.penalty.domain.discretion.wording import cn, law
from services.penalty.domain.errors import (
    BaseAmountNegative,
    BenchmarkVersionsMixed,
    DatesInconsistent,
    NoBenchmarkVersion,
    NoVersionInForce,
    PartyTypeNotApplicable,
    PersonFactsInvalid,
    ViolationAfterDecision,
    ViolationDateInFuture,
)


def assess(
    facts: Facts,
    versions: Sequence[BenchmarkVersion],
    *,
    today: date,
    config: AssessmentConfig = DEFAULT_CONFIG,
    include_unpublished: bool = False,
) -> Assessment:
    """Assess one case against the versions of one benchmark item (see the package docstring)."""
    if not versions:
        raise NoBenchmarkVersion("未找到该裁量基准")
    code = versions[0].code
    if any(v.code != code for v in versions):
        raise BenchmarkVersionsMixed(f"传入的版本属于多个裁量基准事项：{sorted({v.code for v in versions})}")
    validate_facts(facts, today)
    usable = versions if include_unpublished else [v for v in versions if v.status is Status.PUBLISHED]
    chosen, version_text = choose_version(usable, code, facts, config)
    steps = [Step("version", version_text, (_ARTICLE_37, chosen.bench)), *chosen.steps]
    return _assessment(chosen, facts, config, steps)


def validate_facts(f: Facts, today: date) -> None:
    if f.violation_date > today:
        raise ViolationDateInFuture(
            f"违法行为发生日期{cn_date(f.violation_date)}晚于当前日期{cn_date(today)}"
        )
    if f.violation_date > f.decision_date:
        raise ViolationAfterDecision(
            f"违法行为发生日期{cn_date(f.violation_date)}晚于决定日期{cn_date(f.decision_date)}"
        )
    if f.continuing_until is not None and not (f.violation_date <= f.continuing_until <= f.decision_date):
        raise DatesInconsistent("违法行为终了日期应在发生日期与决定日期之间")
    if f.continuing_until is not None and f.continuing_until > today:
        raise DatesInconsistent("违法行为终了日期晚于当前日期；仍在持续的违法行为以当前日期为终了日期")
    if f.discovered_on is not None and not (f.violation_date <= f.discovered_on <= f.decision_date):
        raise DatesInconsistent("发现日期应在违法行为发生日期与决定日期之间")
    for base, amount in f.base_amounts.items():
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise BaseAmountNegative(f"{base.label}应为非负整数（分），收到{amount!r}")
    if f.illegal_property_value_fen is not None and f.illegal_property_value_fen < 0:
        raise BaseAmountNegative("非法财物价值不得为负")
    if f.party_type is PartyType.ORGANISATION and (
        f.birth_date is not None or f.age_years is not None or f.capacity is not Capacity.FULL
    ):
        raise PersonFactsInvalid("年龄和责任能力只适用于公民")
    if f.birth_date is not None and f.birth_date >= f.act_date:
        raise PersonFactsInvalid("出生日期应早于违法行为发生日期")
    if f.age_years is not None and not 0 <= f.age_years <= 150:
        raise PersonFactsInvalid(f"年龄{f.age_years}无效")


_ARTICLE_37 = law("第三十七条")


def _in_force(versions: Iterable[BenchmarkVersion], day: date) -> BenchmarkVersion | None:
    found = None
    for v in versions:
        if v.in_force_on(day) and (found is None or v.version > found.version):
            found = v
    return found


def choose_version(
    usable: Sequence[BenchmarkVersion], code: str, facts: Facts, config: AssessmentConfig
) -> tuple[Evaluation, str]:
    """行政处罚法 第三十七条 (从旧兼从轻): the version in force at the violation (or its end) applies, unless the
    one in force at the decision is strictly lighter on the same facts; both are evaluated and compared by
    severity. Without a version at the violation, the one at the decision is followed (参照)."""
    act = facts.act_date
    at_act = _in_force(usable, act)
    at_decision = _in_force(usable, facts.decision_date)
    if at_act is None and at_decision is None:
        raise NoVersionInForce(
            f"裁量基准{code}在{cn_date(act)}和{cn_date(facts.decision_date)}均无已公布施行的版本",
        )
    for candidate in (at_act, at_decision):
        if candidate is not None and facts.party_type not in candidate.party_types:
            raise PartyTypeNotApplicable(
                f"{candidate.label()}适用于{'、'.join(p.label for p in sorted(candidate.party_types))}，"
                f"不适用于{facts.party_type.label}"
            )
    at_act_doc = compiled(at_act).document if at_act is not None else ""
    if at_decision is at_act:
        at_decision_doc = at_act_doc
    else:
        at_decision_doc = compiled(at_decision).document if at_decision is not None else ""
    when = "违法行为终了时" if facts.continuing_until is not None else "违法行为发生时"
    if at_act is not None and (at_decision is None or at_decision is at_act):
        if at_decision is None:
            text = f"{when}（{cn(act)}）施行{at_act_doc}；作出决定时无施行中的新版本，适用该版本。"
        else:
            text = f"{when}（{cn(act)}）施行{at_act_doc}，作出决定时未作修改，适用该版本。"
        return evaluate(at_act, facts, config), text
    if at_act is None:
        assert at_decision is not None
        text = f"{when}（{cn(act)}）本事项尚无已公布的裁量基准，参照作出决定时施行的{at_decision_doc}。"
        return evaluate(at_decision, facts, config), text
    assert at_decision is not None
    old = evaluate(at_act, facts, config)
    new = evaluate(at_decision, facts, config)
    both = f"{when}（{cn(act)}）施行{at_act_doc}，作出决定时施行{at_decision_doc}；"
    if new.severity_key() < old.severity_key():
        return new, both + f"按新版本处理较轻，依照从旧兼从轻原则适用第{at_decision.version}版。"
    return old, both + f"新版本处理不轻于旧版本，依照从旧兼从轻原则适用第{at_act.version}版。"


def _assessment(ev: Evaluation, f: Facts, config: AssessmentConfig, steps: list[Step]) -> Assessment:
    v = ev.version
    w = flags(v, ev.penalty, f, config, steps)
    return Assessment(
        code=v.code,
        version=v.version,
        outcome=ev.outcome,
        limitation=ev.limitation,
        penalty=ev.penalty,
        first_violation_eligible=ev.first_violation_eligible,
        education_required=ev.education_required,
        guardian_order=ev.guardian_order,
        coercive_measures_excluded=v.lists.no_coercive_measures is not None,
        simple_procedure_allowed=w.simple,
        hearing_required=bool(w.hearing),
        hearing_reasons=w.hearing,
        legal_review_required=bool(w.review),
        legal_review_reasons=tuple(w.review),
        collective_discussion_required=bool(w.collective),
        collective_discussion_reasons=tuple(w.collective),
        economic_impact_assessment_required=bool(w.eia),
        economic_impact_reasons=tuple(w.eia),
        steps=tuple(steps),
    )
