"""Registry records of the inspection service and their validation (SPEC §2.1).

Departments and their enforcement bodies (执法主体), officers (执法人员) and their certificates (执法证),
enterprises identified by USCC (统一社会信用代码), and the versioned inspection item catalogue
(行政检查事项清单). Everything here is a pure function of its inputs.

Identifier rules:

* USCC: GB 32100-2015 via ``services.common.idnumbers`` (python-stdnum) (length, alphabet, check digit). Invalid → ``INVALID_USCC`` (422).
* 居民身份证号: GB 11643-1999 via ``services.common.idnumbers`` (length, birth date, region, check digit).
  Invalid → ``INVALID_ID_NUMBER`` (422). Masked for display by the kernel (``services.common.masking``:
  ``2101**********1234``, the first four and the last four characters kept).
* Certificate numbers (执法证号): the format is provincial, so it is a configurable ``CertNumberRule``. The
  default, ``LIAONING_CERT_RULE``, is the format used in SPEC and the sample data: ``辽`` + the city letter of
  the licence-plate series (A = 沈阳) + ``-`` + seven digits, e.g. ``辽A-0012345``. Other provinces or a
  changed format are a different rule, not a code change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from services.common import idnumbers
from services.inspection.errors import (
    InvalidCertNumber,
    InvalidIdNumber,
    InvalidInspectionItem,
    InvalidStatusTransition,
    InvalidUscc,
    ItemVersionConflict,
    ReturnDateRequired,
    StatusReasonRequired,
    ValidUntilRequired,
)

# ---------------------------------------------------------------------------------------------------------
# Identifiers


def validate_uscc(value: str) -> str:
    """The compact, upper-case USCC, or ``INVALID_USCC``."""
    try:
        return idnumbers.uscc(value)
    except idnumbers.InvalidNumber as exc:
        raise InvalidUscc(
            f"统一社会信用代码“{value}”无效：{_stdnum_reason_zh(exc)}",
            detail_en=f"USCC {value!r} is invalid: {exc}",
            extra={"value": value},
        ) from exc


def is_valid_uscc(value: str) -> bool:
    return idnumbers.is_valid_uscc(value)


def uscc_region(uscc: str) -> str:
    """The registering authority's region code (positions 3–8), e.g. ``210102`` for 和平区."""
    return validate_uscc(uscc)[2:8]


def validate_ric(value: str) -> str:
    """The compact 居民身份证号 (18 characters, upper-case X), or ``INVALID_ID_NUMBER``."""
    try:
        return idnumbers.ric(value)
    except idnumbers.InvalidNumber as exc:
        # The message never echoes the number: it is personal data and may end up in logs.
        raise InvalidIdNumber(
            f"居民身份证号码无效：{_stdnum_reason_zh(exc)}",
            detail_en=f"Resident identity card number is invalid: {exc}",
        ) from exc


def _stdnum_reason_zh(exc: idnumbers.InvalidNumber) -> str:
    return {
        "InvalidLength": "长度不正确",
        "InvalidFormat": "格式不正确",
        "InvalidChecksum": "校验码不正确",
        "InvalidComponent": "出生日期或行政区划代码不正确",
    }.get(exc.kind, "格式不正确")


@dataclass(frozen=True, slots=True)
class CertNumberRule:
    """A provincial certificate number format: a regular expression and its description for messages."""

    pattern: str
    example: str
    description: str

    def matches(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None


LIAONING_CERT_RULE = CertNumberRule(
    pattern=r"辽[A-P]-\d{7}",
    example="辽A-0012345",
    description="“辽”+地市字母（A–P）+“-”+7位数字",
)


def validate_cert_no(value: str, rule: CertNumberRule = LIAONING_CERT_RULE) -> str:
    """The certificate number stripped of surrounding blanks, or ``INVALID_CERT_NO``."""
    cert_no = value.strip().upper().replace("－", "-")
    if not rule.matches(cert_no):
        raise InvalidCertNumber(
            f"执法证号“{value}”格式无效，应为{rule.description}，例如 {rule.example}",
            detail_en=f"Certificate number {value!r} does not match {rule.pattern}",
            extra={"value": value},
        )
    return cert_no


# ---------------------------------------------------------------------------------------------------------
# Departments, officers, enterprises


@dataclass(frozen=True, slots=True)
class Department:
    code: str  # SJ, ST, CG, JT, YJ, WJ, XF
    name: str  # 市场监管
    authority: str  # 沈阳市市场监督管理局


class OfficerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # 暂扣
    REVOKED = "revoked"  # 收缴
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Officer:
    """An enforcement officer (执法人员) or auxiliary staff member (执法辅助人员, ``auxiliary=True``)."""

    officer_id: str
    name: str
    dept_code: str
    cert_no: str | None  # None for auxiliary staff and people without a certificate
    status: OfficerStatus = OfficerStatus.ACTIVE
    valid_until: date | None = None
    auxiliary: bool = False
    id_number_masked: str = ""
    status_since: date | None = None
    status_reason: str = ""
    retraining: bool = False  # 离岗轮训
    return_date: date | None = None
    revision: int = 1

    def status_on(self, day: date) -> OfficerStatus:
        """The certificate status on ``day``: an active certificate past ``valid_until`` is expired."""
        if self.status is OfficerStatus.ACTIVE and self.valid_until is not None and day > self.valid_until:
            return OfficerStatus.EXPIRED
        return self.status

    def is_certified_inspector(self, day: date) -> bool:
        """Holds an active, unexpired certificate and is not auxiliary staff: may count as an inspector."""
        return (not self.auxiliary) and bool(self.cert_no) and self.status_on(day) is OfficerStatus.ACTIVE

    @property
    def label(self) -> str:
        """How messages name the person: ``执法证 辽A-0012345（张伟）`` or just the name."""
        if self.cert_no:
            return f"执法证 {self.cert_no}（{self.name}）"
        return self.name

    @property
    def label_en(self) -> str:
        """The label in English messages: ``certificate 辽A-0012345 (张伟)`` or just the name."""
        if self.cert_no:
            return f"certificate {self.cert_no} ({self.name})"
        return self.name


_ALLOWED_TRANSITIONS: Mapping[OfficerStatus, frozenset[OfficerStatus]] = {
    OfficerStatus.ACTIVE: frozenset({OfficerStatus.SUSPENDED, OfficerStatus.REVOKED, OfficerStatus.EXPIRED}),
    OfficerStatus.SUSPENDED: frozenset({OfficerStatus.ACTIVE, OfficerStatus.REVOKED, OfficerStatus.EXPIRED}),
    OfficerStatus.EXPIRED: frozenset({OfficerStatus.ACTIVE, OfficerStatus.REVOKED}),
    OfficerStatus.REVOKED: frozenset(),  # 收缴 is final; a new certificate is a new record
}


def change_officer_status(
    officer: Officer,
    new_status: OfficerStatus,
    *,
    on: date,
    reason: str = "",
    retraining: bool = False,
    return_date: date | None = None,
    valid_until: date | None = None,
) -> Officer:
    """The officer after a certificate status change, checked against the rules.

    辽政办发〔2023〕18号 二(一)4: certificates may be suspended (暂扣) or withdrawn (收缴) with off-post
    training (离岗培训); so suspension and withdrawal need a reason, retraining (轮训) needs a return date
    after the change date, and reinstating an expired certificate needs a new ``valid_until``.
    """
    if officer.auxiliary or not officer.cert_no:
        raise InvalidStatusTransition(
            f"{officer.name}未持有执法证，无执法证状态可变更",
            detail_en=f"{officer.name} holds no certificate: there is no certificate status to change",
            extra={"officer_id": officer.officer_id},
        )
    current = officer.status_on(on)
    if new_status == current:
        raise InvalidStatusTransition(
            f"{officer.label}当前已是“{STATUS_ZH[current]}”状态",
            detail_en=f"The {officer.label_en} is already {current.value}",
            extra={"cert_no": officer.cert_no, "status": current.value},
        )
    if new_status not in _ALLOWED_TRANSITIONS[current]:
        raise InvalidStatusTransition(
            f"{officer.label}不能由“{STATUS_ZH[current]}”变更为“{STATUS_ZH[new_status]}”",
            detail_en=f"The {officer.label_en} cannot change from {current.value} to {new_status.value}",
            extra={"cert_no": officer.cert_no, "from": current.value, "to": new_status.value},
        )
    reason = reason.strip()
    if new_status in (OfficerStatus.SUSPENDED, OfficerStatus.REVOKED) and not reason:
        raise StatusReasonRequired(
            f"{STATUS_ZH[new_status]}{officer.label}须说明理由",
            detail_en=f"A {new_status.value} {officer.label_en} needs a reason",
            extra={"cert_no": officer.cert_no},
        )
    if retraining and new_status is not OfficerStatus.SUSPENDED:
        raise InvalidStatusTransition(
            "离岗轮训仅适用于暂扣执法证",
            detail_en="Retraining applies to a suspended certificate only",
            extra={"cert_no": officer.cert_no},
        )
    if retraining and (return_date is None or return_date <= on):
        raise ReturnDateRequired(
            f"{officer.label}离岗轮训须填写晚于{on.isoformat()}的返岗日期",
            detail_en=f"Retraining of the {officer.label_en} needs a return date after {on.isoformat()}",
            extra={"cert_no": officer.cert_no},
        )
    new_valid_until = officer.valid_until
    renewing = new_status is OfficerStatus.ACTIVE and current is OfficerStatus.EXPIRED
    if renewing and (valid_until is None or valid_until < on):
        raise ValidUntilRequired(
            f"恢复已过期的{officer.label}须填写不早于{on.isoformat()}的新有效期",
            detail_en=f"Reinstating the expired {officer.label_en} needs a new valid-until date not before "
            f"{on.isoformat()}",
            extra={"cert_no": officer.cert_no},
        )
    if valid_until is not None:
        new_valid_until = valid_until
    return replace(
        officer,
        status=new_status,
        status_since=on,
        status_reason=reason,
        retraining=retraining,
        return_date=return_date if retraining else None,
        valid_until=new_valid_until,
        revision=officer.revision + 1,
    )


def record_expiry(officer: Officer, *, on: date) -> Officer:
    """The officer with an ACTIVE certificate past its ``valid_until`` recorded as EXPIRED (the day after
    validity ended), or unchanged. Expiry needs no decision: it is the date, so no reason is asked for."""
    if officer.status is not OfficerStatus.ACTIVE or officer.status_on(on) is not OfficerStatus.EXPIRED:
        return officer
    assert officer.valid_until is not None
    return replace(
        officer,
        status=OfficerStatus.EXPIRED,
        status_since=officer.valid_until + timedelta(days=1),
        status_reason="执法证有效期届满",
        retraining=False,
        return_date=None,
        revision=officer.revision + 1,
    )


STATUS_ZH: Mapping[OfficerStatus, str] = {
    OfficerStatus.ACTIVE: "有效",
    OfficerStatus.SUSPENDED: "暂扣",
    OfficerStatus.REVOKED: "收缴",
    OfficerStatus.EXPIRED: "过期",
}


@dataclass(frozen=True, slots=True)
class Enterprise:
    uscc: str
    name: str
    district_code: str
    industry: str = ""
    address: str = ""
    legal_rep_masked: str = ""


# ---------------------------------------------------------------------------------------------------------
# Inspection item catalogue (行政检查事项清单), versioned


class ItemLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"


@dataclass(frozen=True, slots=True)
class LegalRef:
    """One article of a law or regulation: ``LegalRef("食品安全法", "第一百一十条")``."""

    law: str  # short title as in /work/shared/legal, e.g. 食品安全法, 道路运输条例
    article: str  # 第一百一十条
    title: str = ""  # official title, e.g. 中华人民共和国食品安全法; defaults to ``law``

    def render(self) -> str:
        return f"《{self.title or self.law}》{self.article}"


ITEM_CODE = re.compile(r"^[A-Z]{2}-[A-Z]{2,3}-\d{3}$")


@dataclass(frozen=True, slots=True)
class InspectionItem:
    code: str  # SJ-SP-001: department, area, number
    name: str
    dept_code: str
    legal_basis: tuple[LegalRef, ...]
    level: ItemLevel = ItemLevel.CITY
    enterprise_related: bool = True
    key_area: bool = False  # 重点领域
    on_site: bool = True  # False: desk review only (书面核查), never a reason to enter
    version: int = 1
    effective_from: date = date(2000, 1, 1)
    retired_on: date | None = None  # the day the version (and the item) stops being in force

    def legal_basis_text(self) -> str:
        """All citations joined: 《中华人民共和国食品安全法》第五十三条；《…》第一百一十条."""
        return "；".join(ref.render() for ref in self.legal_basis)

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.retired_on is None or day < self.retired_on)


def validate_item(item: InspectionItem, known_departments: Iterable[str] | None = None) -> InspectionItem:
    """The item if it is complete: code format, name, department, at least one legal basis."""
    problems: list[tuple[str, str]] = []  # (Chinese, English)
    if not ITEM_CODE.match(item.code):
        problems.append(
            (
                f"事项编码“{item.code}”格式应为“部门-领域-三位序号”，如 SJ-SP-001",
                f"item code {item.code} is department-area-three digits, e.g. SJ-SP-001",
            )
        )
    elif item.code[:2] != item.dept_code:
        problems.append(
            (
                f"事项编码“{item.code}”与所属部门“{item.dept_code}”不一致",
                f"item code {item.code} does not match its department {item.dept_code}",
            )
        )
    if not item.name.strip():
        problems.append(("事项名称不能为空", "the item needs a name"))
    if known_departments is not None and item.dept_code not in set(known_departments):
        problems.append(
            (f"部门代码“{item.dept_code}”不存在", f"department code {item.dept_code} does not exist")
        )
    if not item.legal_basis:
        problems.append(
            ("必须列明检查依据（法律法规名称及条款）", "the item needs its legal basis (law and article)")
        )
    for ref in item.legal_basis:
        if not ref.law.strip() or not re.fullmatch(r"第[一二三四五六七八九十百零]+条", ref.article):
            problems.append(
                (
                    f"检查依据“{ref.law}{ref.article}”格式不正确",
                    f"legal basis {ref.law}{ref.article} is malformed",
                )
            )
    if item.version < 1:
        problems.append(("版本号必须从1开始", "versions start at 1"))
    if item.retired_on is not None and item.retired_on <= item.effective_from:
        problems.append(("停止执行日期必须晚于生效日期", "an item is retired after it takes effect"))
    if problems:
        raise InvalidInspectionItem(
            "；".join(zh for zh, _ in problems),
            detail_en="; ".join(en for _, en in problems),
            extra={"code": item.code, "problems": [zh for zh, _ in problems]},
        )
    return item


def revise_item(current: InspectionItem, revised: InspectionItem) -> tuple[InspectionItem, InspectionItem]:
    """Supersede ``current`` with ``revised`` from ``revised.effective_from``: (closed current, new version).

    The new version keeps the code, gets ``current.version + 1``, and must start after the current one;
    the current version is closed the day the new one starts, so exactly one version is in force per day.
    """
    if revised.code != current.code:
        raise ItemVersionConflict(
            f"修订的事项编码“{revised.code}”与原事项“{current.code}”不一致",
            detail_en=f"The revised item code {revised.code} differs from the item {current.code}",
            extra={"code": current.code},
        )
    if current.retired_on is not None and current.retired_on <= revised.effective_from:
        raise ItemVersionConflict(
            f"事项“{current.code}”第{current.version}版已停止执行，不能再修订",
            detail_en=f"Version {current.version} of item {current.code} is retired and cannot be revised",
        )
    if revised.effective_from <= current.effective_from:
        raise ItemVersionConflict(
            f"事项“{current.code}”新版本的生效日期须晚于第{current.version}版的生效日期"
            f"{current.effective_from.isoformat()}",
            detail_en=f"A new version of item {current.code} takes effect after version {current.version} "
            f"({current.effective_from.isoformat()})",
            extra={"code": current.code},
        )
    new = validate_item(replace(revised, version=current.version + 1))
    closed = replace(current, retired_on=revised.effective_from)
    return closed, new


class Catalogue:
    """Every version of every item; ``get(code, day)`` is the version in force on ``day``."""

    __slots__ = ("_by_code", "versions")

    def __init__(self, items: Iterable[InspectionItem] = ()) -> None:
        ordered = tuple(sorted(items, key=lambda i: (i.code, i.version)))
        by_code: dict[str, list[InspectionItem]] = {}
        for item in ordered:
            history = by_code.setdefault(item.code, [])
            if history and history[-1].version == item.version:
                raise ItemVersionConflict(
                    f"事项“{item.code}”第{item.version}版重复",
                    detail_en=f"Version {item.version} of item {item.code} appears twice",
                )
            history.append(item)
        self.versions = ordered
        self._by_code = {code: tuple(h) for code, h in by_code.items()}

    def get(self, code: str, day: date) -> InspectionItem | None:
        for item in self._by_code.get(code, ()):
            if item.in_force(day):
                return item
        return None

    def history(self, code: str) -> tuple[InspectionItem, ...]:
        return self._by_code.get(code, ())

    def in_force(self, day: date) -> tuple[InspectionItem, ...]:
        return tuple(i for i in self.versions if i.in_force(day))
