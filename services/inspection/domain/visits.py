"""The visit lifecycle (SPEC §2.3 exceptions and §2.4): start, per-item outcomes, checkout, rating.

A visit starts in one of four modes (the ``VisitMode`` of the ``inspection.visit.*`` contracts):

* ``entry_code`` — the officers showed a signed entry code and the enterprise scanned it (检查码);
* ``enterprise_code`` — the officers scanned the enterprise's code (企业码);
* ``emergency`` — the officers had to inspect first; they scan before leaving, within
  ``EMERGENCY_SCAN_WINDOW`` (12 hours) of the declared start, with a reason; the visit is marked and reported;
* ``backfilled`` — the system was down; the visit is recorded afterwards within ``BACKFILL_WINDOW``
  (10 calendar days) of its start, with a reason; it is marked and counted in the unit's risk metrics.

No other path creates a visit. The service calls ``entry_rules.check_entry`` with ``now`` = the visit's start
before ``start_visit`` (so an emergency or back-filled visit is judged by the rules of its own time).

Outcomes per item: ``compliant``; ``violation`` (a description and at least one evidence file hash, hex
SHA-256); ``ordered_to_correct`` (what to correct and a deadline after the visit day); ``educated``
(说服教育, for 四张清单 cases: what was explained). Checkout needs an outcome for every item. Each violation
becomes an ``inspection.violation.found`` event that the penalty service turns into a case lead.

The enterprise may rate a completed visit once, within 7 days (168 hours) of checkout: 1–5 stars, tags from
``RATING_TAGS``, a comment of at most 500 characters, optionally anonymous.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.common.clock import local_date
from services.inspection.domain.entry_rules import Task
from services.inspection.domain.frequency import TaskKind, VisitRecord
from services.inspection.domain.registry import Catalogue, Enterprise, Officer
from services.inspection.errors import (
    AlreadyRated,
    BackfillWindowPassed,
    EmergencyScanLate,
    InvalidOutcome,
    InvalidRating,
    ItemNotInVisit,
    OfficerNotInVisit,
    OutcomesMissing,
    RatingWindowClosed,
    VisitNotCompleted,
    VisitNotInProgress,
    VisitReasonRequired,
    VisitTimeInvalid,
)

BACKFILL_WINDOW = timedelta(days=10)
EMERGENCY_SCAN_WINDOW = timedelta(hours=12)
RATING_WINDOW = timedelta(days=7)
MAX_COMMENT_LENGTH = 500
MAX_DESCRIPTION_LENGTH = 2000
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class VisitMode(StrEnum):
    ENTRY_CODE = "entry_code"
    ENTERPRISE_CODE = "enterprise_code"
    EMERGENCY = "emergency"
    BACKFILLED = "backfilled"


class VisitStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Outcome(StrEnum):
    COMPLIANT = "compliant"
    VIOLATION = "violation"
    ORDERED_TO_CORRECT = "ordered_to_correct"
    EDUCATED = "educated"


OUTCOME_ZH: Mapping[Outcome, str] = {
    Outcome.COMPLIANT: "未发现问题",
    Outcome.VIOLATION: "发现违法行为",
    Outcome.ORDERED_TO_CORRECT: "责令改正",
    Outcome.EDUCATED: "说服教育",
}

POSITIVE_TAGS = ("规范", "态度好", "高效", "讲解清楚")
NEGATIVE_TAGS = ("扰企", "态度差", "索要财物", "推诿", "未出示证件", "超范围检查")
RATING_TAGS: tuple[str, ...] = POSITIVE_TAGS + NEGATIVE_TAGS
#: Tags that point at possible misconduct: the service raises them to supervisors whatever the stars.
SERIOUS_TAGS = frozenset({"索要财物", "未出示证件", "超范围检查"})


# ---------------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    item_code: str
    outcome: Outcome
    description: str = ""
    evidence_sha256: tuple[str, ...] = ()
    correction_deadline: date | None = None
    recorded_by: str = ""  # certificate number
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    stars: int
    tags: tuple[str, ...]
    comment: str
    anonymous: bool
    rated_at: datetime

    @property
    def needs_attention(self) -> bool:
        """Low stars or a serious tag: the service shows it to supervisors."""
        return self.stars <= 2 or bool(SERIOUS_TAGS.intersection(self.tags))


@dataclass(frozen=True, slots=True)
class VisitOfficer:
    cert_no: str
    name: str
    dept_code: str


@dataclass(frozen=True, slots=True)
class Visit:
    visit_id: str
    task_id: str
    task_kind: TaskKind
    uscc: str
    district_code: str
    officers: tuple[VisitOfficer, ...]
    item_codes: tuple[str, ...]
    mode: VisitMode
    started_at: datetime  # when the officers entered
    recorded_at: datetime  # when the system learned of it (scan, or back-fill)
    reason: str = ""  # emergency or back-fill reason
    entry_code_id: str | None = None
    requested_by_enterprise: bool = False
    status: VisitStatus = VisitStatus.IN_PROGRESS
    outcomes: tuple[ItemOutcome, ...] = ()
    completed_at: datetime | None = None
    rating: Rating | None = None

    @property
    def dept_codes(self) -> frozenset[str]:
        return frozenset(o.dept_code for o in self.officers)

    @property
    def cert_nos(self) -> tuple[str, ...]:
        return tuple(o.cert_no for o in self.officers)

    @property
    def emergency(self) -> bool:
        return self.mode is VisitMode.EMERGENCY

    @property
    def backfilled(self) -> bool:
        return self.mode is VisitMode.BACKFILLED

    def outcome_for(self, item_code: str) -> ItemOutcome | None:
        for o in self.outcomes:
            if o.item_code == item_code:
                return o
        return None

    def missing_outcomes(self) -> tuple[str, ...]:
        recorded = {o.item_code for o in self.outcomes}
        return tuple(code for code in self.item_codes if code not in recorded)

    def outcome_counts(self) -> dict[str, int]:
        """Outcome → number of items, every outcome present (for ``inspection.visit.completed``)."""
        counts = {o.value: 0 for o in Outcome}
        for o in self.outcomes:
            counts[o.outcome.value] += 1
        return counts

    def as_frequency_record(self) -> VisitRecord:
        return VisitRecord(
            visit_id=self.visit_id,
            uscc=self.uscc,
            started_at=self.started_at,
            task_kind=self.task_kind,
            dept_codes=self.dept_codes,
            on_site=True,
            requested_by_enterprise=self.requested_by_enterprise,
            emergency=self.emergency,
            backfilled=self.backfilled,
        )


# ---------------------------------------------------------------------------------------------------------
# Lifecycle


def start_visit(
    *,
    visit_id: str,
    task: Task,
    enterprise: Enterprise,
    officers: Sequence[Officer],
    item_codes: Sequence[str],
    mode: VisitMode,
    now: datetime,
    started_at: datetime | None = None,
    reason: str = "",
    entry_code_id: str | None = None,
    backfill_window: timedelta = BACKFILL_WINDOW,
    emergency_window: timedelta = EMERGENCY_SCAN_WINDOW,
) -> Visit:
    """A visit in progress. ``started_at`` is required for emergency and back-filled visits (else ``now``)."""
    reason = reason.strip()
    if mode in (VisitMode.ENTRY_CODE, VisitMode.ENTERPRISE_CODE):
        if started_at is not None and started_at != now:
            raise VisitTimeInvalid(
                "扫码入企的检查以扫码时间为开始时间", detail_en="A scanned visit starts when it is scanned"
            )
        started = now
    else:
        if started_at is None:
            raise VisitTimeInvalid(
                "紧急检查和补录须填写实际入企时间",
                detail_en="An emergency or back-filled visit needs the time the officers entered",
            )
        if not reason:
            what = "紧急检查" if mode is VisitMode.EMERGENCY else "补录检查"
            what_en = "An emergency visit" if mode is VisitMode.EMERGENCY else "A back-filled visit"
            raise VisitReasonRequired(f"{what}须说明理由", detail_en=f"{what_en} needs a reason")
        if started_at > now:
            raise VisitTimeInvalid(
                "实际入企时间不能晚于当前时间", detail_en="The time of entering cannot be in the future"
            )
        started = started_at
        if mode is VisitMode.EMERGENCY and now - started > emergency_window:
            raise EmergencyScanLate(
                f"紧急检查须在离开企业前扫码登记；自入企已超过{_hours(emergency_window)}小时，"
                "请按系统故障补录程序办理并说明情况",
                detail_en=f"An emergency visit is scanned before leaving; more than {_hours(emergency_window)} "
                "hours have passed since entering: back-fill it as after a system failure and explain",
                extra={"started_at": started.isoformat()},
            )
        if mode is VisitMode.BACKFILLED and now - started > backfill_window:
            raise BackfillWindowPassed(
                f"补录须在检查后{backfill_window.days}日内完成，该检查发生于{local_date(started).isoformat()}，"
                "已超过补录期限",
                detail_en=f"A visit is back-filled within {backfill_window.days} days; this one took place on "
                f"{local_date(started).isoformat()}, past the window",
                extra={"started_at": started.isoformat()},
            )
    codes = tuple(dict.fromkeys(code.strip().upper() for code in item_codes if code.strip()))
    if not codes:
        raise ItemNotInVisit("检查须列明检查事项", detail_en="A visit names the items it inspects")
    people = tuple(
        dict.fromkeys(
            VisitOfficer(o.cert_no, o.name, o.dept_code) for o in officers if o.cert_no and not o.auxiliary
        )
    )
    return Visit(
        visit_id=visit_id,
        task_id=task.task_id,
        task_kind=task.kind,
        uscc=enterprise.uscc,
        district_code=enterprise.district_code,
        officers=people,
        item_codes=codes,
        mode=mode,
        started_at=started,
        recorded_at=now,
        reason=reason,
        entry_code_id=entry_code_id,
        requested_by_enterprise=task.requested_by_enterprise,
    )


def record_outcome(visit: Visit, outcome: ItemOutcome, *, recorded_by: str, now: datetime) -> Visit:
    """The visit with ``outcome`` recorded (replacing an earlier one for the same item before checkout)."""
    _require_in_progress(visit)
    _require_officer(visit, recorded_by)
    code = outcome.item_code.strip().upper()
    if code not in visit.item_codes:
        raise ItemNotInVisit(
            f"事项 {code} 不在本次检查范围内（本次检查事项：{'、'.join(visit.item_codes)}）",
            detail_en=f"Item {code} is not part of this visit (its items: {', '.join(visit.item_codes)})",
            extra={"item_code": code},
        )
    checked = _validated(replace(outcome, item_code=code), local_date(now))
    checked = replace(checked, recorded_by=recorded_by, recorded_at=now)
    others = tuple(o for o in visit.outcomes if o.item_code != code)
    ordered = tuple(sorted((*others, checked), key=lambda o: visit.item_codes.index(o.item_code)))
    return replace(visit, outcomes=ordered)


def checkout(visit: Visit, *, by: str, now: datetime) -> Visit:
    """The completed visit; every item needs an outcome."""
    _require_in_progress(visit)
    _require_officer(visit, by)
    missing = visit.missing_outcomes()
    if missing:
        raise OutcomesMissing(
            f"以下检查事项尚未记录检查结果：{'、'.join(missing)}",
            detail_en=f"These items have no outcome yet: {', '.join(missing)}",
            extra={"missing": list(missing)},
        )
    if now < visit.started_at:
        raise VisitTimeInvalid("结束时间不能早于入企时间", detail_en="A visit cannot end before it started")
    return replace(visit, status=VisitStatus.COMPLETED, completed_at=now)


def rate(
    visit: Visit,
    *,
    stars: int,
    tags: Iterable[str] = (),
    comment: str = "",
    anonymous: bool = False,
    now: datetime,
    window: timedelta = RATING_WINDOW,
) -> Visit:
    """The visit with the enterprise's rating, once, within ``window`` (7 days) of checkout."""
    if visit.status is not VisitStatus.COMPLETED or visit.completed_at is None:
        raise VisitNotCompleted(
            "检查尚未结束，结束后方可评价", detail_en="The visit is not over yet; rate it once it is"
        )
    if visit.rating is not None:
        rated_on = local_date(visit.rating.rated_at).isoformat()
        raise AlreadyRated(
            f"该次检查已于{rated_on}评价，不能重复评价",
            detail_en=f"The visit was rated on {rated_on}; it is rated once",
        )
    deadline = visit.completed_at + window
    if now >= deadline:
        raise RatingWindowClosed(
            f"评价须在检查结束后{window.days}日内提交，本次检查的评价期限已于{local_date(deadline).isoformat()}届满",
            detail_en=f"A visit is rated within {window.days} days of its end; for this one the window "
            f"closed on {local_date(deadline).isoformat()}",
            extra={"deadline": deadline.isoformat()},
        )
    problems: list[tuple[str, str]] = []  # (Chinese, English)
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        problems.append(("评分须为1至5的整数", "stars are a whole number from 1 to 5"))
    tag_list = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    unknown = [t for t in tag_list if t not in RATING_TAGS]
    if unknown:
        problems.append(
            (
                f"评价标签“{'、'.join(unknown)}”不在可选范围内（{'、'.join(RATING_TAGS)}）",
                f"tags {', '.join(unknown)} are not among {', '.join(RATING_TAGS)}",
            )
        )
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        problems.append(
            (
                f"评价内容不能超过{MAX_COMMENT_LENGTH}字",
                f"a comment has at most {MAX_COMMENT_LENGTH} characters",
            )
        )
    if problems:
        raise InvalidRating(
            "；".join(zh for zh, _ in problems),
            detail_en="; ".join(en for _, en in problems),
            extra={"problems": [zh for zh, _ in problems]},
        )
    ordered_tags = tuple(t for t in RATING_TAGS if t in tag_list)
    return replace(visit, rating=Rating(stars, ordered_tags, comment, anonymous, now))


def rating_deadline(visit: Visit, window: timedelta = RATING_WINDOW) -> datetime | None:
    return None if visit.completed_at is None else visit.completed_at + window


# ---------------------------------------------------------------------------------------------------------
# Violation events

#: uuid5 namespace of violation ids: the same violating item of the same visit always has the same id.
VIOLATION_NAMESPACE = uuid.UUID("0b6e1c7a-5d2f-5c1e-9a57-2f5c1b0e7d11")


def violation_id(key: str) -> uuid.UUID:
    """The violation's id, derived from its stable key (idempotent across retries)."""
    return uuid.uuid5(VIOLATION_NAMESPACE, key)


@dataclass(frozen=True, slots=True)
class ViolationPayload:
    """The content of ``inspection.violation.found`` for one item (the service adds the event id)."""

    key: str  # "<visit_id>:<item_code>", stable: derive the violation id from it (uuid5) for idempotency
    visit_id: str
    enterprise_uscc: str
    enterprise_name: str
    item_code: str
    item_name: str
    legal_basis: str
    description: str
    evidence_hashes: tuple[str, ...]
    officer_cert_nos: tuple[str, ...]  # the officers of the item's department
    department_code: str
    district_code: str
    found_at: datetime


def violations(visit: Visit, enterprise: Enterprise, catalogue: Catalogue) -> list[ViolationPayload]:
    """One payload per ``violation`` outcome, in item order; the item version in force on the visit day."""
    day = local_date(visit.started_at)
    out: list[ViolationPayload] = []
    for o in visit.outcomes:
        if o.outcome is not Outcome.VIOLATION:
            continue
        item = catalogue.get(o.item_code, day)
        if item is None:
            raise ItemNotInVisit(
                f"检查事项 {o.item_code} 在检查当日不在事项清单中",
                detail_en=f"Item {o.item_code} was not in the catalogue on the day of the visit",
                extra={"item_code": o.item_code},
            )
        dept_officers = tuple(p.cert_no for p in visit.officers if p.dept_code == item.dept_code)
        out.append(
            ViolationPayload(
                key=f"{visit.visit_id}:{o.item_code}",
                visit_id=visit.visit_id,
                enterprise_uscc=visit.uscc,
                enterprise_name=enterprise.name,
                item_code=o.item_code,
                item_name=item.name,
                legal_basis=item.legal_basis_text(),
                description=o.description,
                evidence_hashes=o.evidence_sha256,
                officer_cert_nos=dept_officers or visit.cert_nos,
                department_code=item.dept_code,
                district_code=visit.district_code,
                found_at=o.recorded_at or visit.started_at,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _validated(o: ItemOutcome, today: date) -> ItemOutcome:
    problems: list[tuple[str, str]] = []  # (Chinese, English)
    description = o.description.strip()
    hashes = tuple(h.strip().lower() for h in o.evidence_sha256)
    bad = [h for h in hashes if not _SHA256_HEX.fullmatch(h)]
    if bad:
        problems.append(
            ("证据文件摘要须为64位十六进制SHA-256值", "evidence digests are 64 hex digits (SHA-256)")
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        problems.append(
            (
                f"情况描述不能超过{MAX_DESCRIPTION_LENGTH}字",
                f"a description has at most {MAX_DESCRIPTION_LENGTH} characters",
            )
        )
    if o.outcome is Outcome.VIOLATION:
        if not description:
            problems.append(("发现违法行为须描述违法事实", "a violation is described"))
        if not hashes:
            problems.append(
                (
                    "发现违法行为须上传至少一份证据材料（记录其SHA-256摘要）",
                    "a violation needs at least one piece of evidence (its SHA-256 digest)",
                )
            )
    if o.outcome is Outcome.ORDERED_TO_CORRECT:
        if not description:
            problems.append(("责令改正须写明改正事项", "an order to correct says what to correct"))
        if o.correction_deadline is None:
            problems.append(("责令改正须确定改正期限", "an order to correct has a deadline"))
        elif o.correction_deadline <= today:
            problems.append(
                (
                    f"改正期限须晚于检查当日（{today.isoformat()}）",
                    f"the deadline is after the day of the visit ({today.isoformat()})",
                )
            )
    elif o.correction_deadline is not None:
        problems.append(("仅责令改正的事项可以设定改正期限", "only an order to correct has a deadline"))
    if o.outcome is Outcome.EDUCATED and not description:
        problems.append(("说服教育须记录教育内容", "education records what was explained"))
    if problems:
        raise InvalidOutcome(
            f"事项 {o.item_code}：" + "；".join(zh for zh, _ in problems),
            detail_en=f"Item {o.item_code}: " + "; ".join(en for _, en in problems),
            extra={"item_code": o.item_code},
        )
    return replace(o, description=description, evidence_sha256=tuple(dict.fromkeys(hashes)))


def _require_in_progress(visit: Visit) -> None:
    if visit.status is not VisitStatus.IN_PROGRESS:
        raise VisitNotInProgress(
            f"检查 {visit.visit_id} 已结束，不能再修改",
            detail_en=f"Visit {visit.visit_id} is over and can no longer change",
            extra={"visit_id": visit.visit_id},
        )


def _require_officer(visit: Visit, cert_no: str) -> None:
    if cert_no not in visit.cert_nos:
        raise OfficerNotInVisit(
            f"执法证 {cert_no} 的持有人不是本次检查的执法人员",
            detail_en=f"The holder of certificate {cert_no} is not an officer of this visit",
            extra={"cert_no": cert_no, "visit_id": visit.visit_id},
        )


def _hours(window: timedelta) -> int:
    return int(window.total_seconds() // 3600)
