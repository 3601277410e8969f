"""The facts of a case as the assessment engine needs them, and their vocabulary (harm, correction,
capacity, the circumstances of 行政处罚法 第三十二条 and the aggravating ones)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from services.penalty.domain.catalogue import BaseKind, PartyType


class Harm(StrEnum):
    NONE = "none"
    MINOR = "minor"
    ORDINARY = "ordinary"
    SERIOUS = "serious"

    @property
    def label(self) -> str:
        return _HARM_LABELS[self]


# The labels are looked up per assessment: module tables rather than a dictionary built per call.
_HARM_LABELS: dict[Harm, str] = {
    Harm.NONE: "未造成危害后果",
    Harm.MINOR: "危害后果轻微",
    Harm.ORDINARY: "造成一般危害后果",
    Harm.SERIOUS: "造成严重危害后果",
}

HARM_ORDER: tuple[Harm, ...] = (Harm.NONE, Harm.MINOR, Harm.ORDINARY, Harm.SERIOUS)


class Correction(StrEnum):
    IN_TIME = "in_time"
    AFTER_ORDER = "after_order"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return _CORRECTION_LABELS[self]


_CORRECTION_LABELS: dict[Correction, str] = {
    Correction.IN_TIME: "及时改正",
    Correction.AFTER_ORDER: "经责令后改正",
    Correction.REFUSED: "拒不改正或者逾期未改正",
}


CORRECTION_ORDER: tuple[Correction, ...] = (Correction.IN_TIME, Correction.AFTER_ORDER, Correction.REFUSED)


class Capacity(StrEnum):
    """第三十一条: FULL (including an intermittent patient when lucid), LIMITED (尚未完全丧失辨认或者控制
    能力: 可以从轻或者减轻), NONE (不能辨认或者不能控制: 不予处罚)."""

    FULL = "full"
    LIMITED = "limited"
    NONE = "none"


class Mitigation(StrEnum):
    """行政处罚法 第三十二条 (应当从轻或者减轻)."""

    ELIMINATED_HARM = "eliminated_harm"  # （一）主动消除或者减轻违法行为危害后果
    COERCED = "coerced"  # （二）受他人胁迫或者诱骗实施违法行为
    CONFESSED_UNKNOWN = "confessed_unknown"  # （三）主动供述行政机关尚未掌握的违法行为
    MERITORIOUS = "meritorious"  # （四）配合行政机关查处违法行为有立功表现
    OTHER_STATUTORY = "other_statutory"  # （五）法律、法规、规章规定其他应当从轻或者减轻

    @property
    def label(self) -> str:
        return _MITIGATION_LABELS[self][0]

    @property
    def item(self) -> str:
        return _MITIGATION_LABELS[self][1]


_MITIGATION_LABELS: dict[Mitigation, tuple[str, str]] = {
    Mitigation.ELIMINATED_HARM: ("主动消除或者减轻违法行为危害后果", "第（一）项"),
    Mitigation.COERCED: ("受他人胁迫或者诱骗实施违法行为", "第（二）项"),
    Mitigation.CONFESSED_UNKNOWN: ("主动供述行政机关尚未掌握的违法行为", "第（三）项"),
    Mitigation.MERITORIOUS: ("配合行政机关查处违法行为有立功表现", "第（四）项"),
    Mitigation.OTHER_STATUTORY: ("法律、法规、规章规定其他应当从轻或者减轻行政处罚的情形", "第（五）项"),
}


class Aggravation(StrEnum):
    REPEATED = "repeated"
    OBSTRUCTION = "obstruction"
    SERIOUS_CONSEQUENCES = "serious_consequences"
    VULNERABLE_VICTIMS = "vulnerable_victims"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _AGGRAVATION_LABELS[self]


_AGGRAVATION_LABELS: dict[Aggravation, str] = {
    Aggravation.REPEATED: "多次违法或者屡查屡犯",
    Aggravation.OBSTRUCTION: "拒绝、阻碍或者以暴力威胁执法人员依法执行职务",
    Aggravation.SERIOUS_CONSEQUENCES: "造成严重危害后果",
    Aggravation.VULNERABLE_VICTIMS: "侵害未成年人、老年人、残疾人等群体权益",
    Aggravation.OTHER: "裁量基准规定的其他从重情形",
}


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of a case as the engine needs them. Money in fen; dates are calendar dates.

    ``statutory_serious`` says the item's 情节严重 conditions are met (the escalation's conditions text
    says what counts); ``minor_violation`` is 违法行为轻微 (第三十三条第一款). The ``meets_*_list`` flags
    say the item's 四张清单 conditions are met; they are ignored (with a note) where the item is not listed.
    """

    violation_date: date
    decision_date: date
    party_type: PartyType
    harm: Harm = Harm.ORDINARY
    correction: Correction = Correction.AFTER_ORDER
    first_offence: bool = False
    minor_violation: bool = False
    no_fault_proven: bool = False
    continuing_until: date | None = None
    discovered_on: date | None = None
    # The day the case was filed (立案): the violation was discovered by then at the latest (第三十六条).
    filed_on: date | None = None
    base_amounts: Mapping[BaseKind, int] = field(default_factory=dict)
    obviously_low_bases: frozenset[BaseKind] = frozenset()
    illegal_property_value_fen: int | None = None
    enterprise: bool = False
    birth_date: date | None = None
    age_years: int | None = None
    capacity: Capacity = Capacity.FULL
    mitigations: frozenset[Mitigation] = frozenset()
    aggravations: frozenset[Aggravation] = frozenset()
    statutory_serious: bool = False
    meets_no_penalty_list: bool = False
    meets_lighter_list: bool = False
    meets_mitigated_list: bool = False
    major_public_interest: bool = False
    complex_case: bool = False

    @property
    def act_date(self) -> date:
        """The date the violation ended (its date, or the end of a continuing violation)."""
        return self.continuing_until or self.violation_date


def completed_years(birth: date, on: date) -> int:
    """Completed years of age, reckoned from the day after each birthday."""
    return on.year - birth.year - ((on.month, on.day) <= (birth.month, birth.day))
