"""Intake of external outcomes: reconsideration decisions, court judgments and 12345 complaint leads.

Records arrive from the integration role one at a time (JSON) or in bulk (NDJSON, one record per line).
The pydantic models below are the shape of a record (this is the HTTP/NDJSON boundary); the rules about a
record (is it a correction? is it dated in the future?) are plain functions. ``parse_line`` never raises
on bad input: every malformed line becomes a ``LineError`` with a stable code and a Chinese message, so
one bad line in a bulk upload is reported, not fatal.

Reconsideration outcomes (行政复议法 2023, 第六十三条至第六十九条) and whether each corrects the unit (纠错):

=====================  ==========  =====================  ========
value                  Chinese     article                纠错
=====================  ==========  =====================  ========
upheld                 维持        第六十八条             no
revoked                撤销        第六十四条 (含部分撤销)  yes
changed                变更        第六十三条             yes
confirmed_illegal      确认违法    第六十五条             yes
confirmed_invalid      确认无效    第六十七条             yes
ordered_to_perform     责令履行    第六十六条             yes
dismissed              驳回        第六十九条             no
=====================  ==========  =====================  ========

The five correcting kinds are the decisions by which the reconsideration body finds the unit's act (or
failure to act) unlawful or inappropriate; 第七十条 (no reply or no evidence from the respondent) leads to
one of them too and is recorded as such. Mediation (第七十三条) and settlement followed by withdrawal and
termination (第七十四条, 第四十一条) are not decisions on the act and are not taken in as outcomes.

Litigation outcomes: won (胜诉: the court rejects the claim), lost (败诉, with the kind of judgment against
the unit), withdrawn (撤诉). Loss types follow 行政诉讼法 (2017) 第七十条 撤销, 第七十二条 履行, 第七十三条 给付,
第七十四条 确认违法, 第七十五条 确认无效, 第七十七条 变更, 第七十八条 行政协议 — that law is not in
/work/shared/legal; the article numbers were checked against a published text of the 2017 revision.
Only effective judgments (生效裁判) should be sent; the court side sends one record per case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeAlias
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from services.common import idnumbers
from services.common.clock import local_date

MAX_LINE_BYTES = 32 * 1024
# A sender's clock may run a little ahead of ours; a timestamp up to this far ahead is not "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


class IntakeKind(StrEnum):
    RECONSIDERATION = "reconsideration"
    LITIGATION = "litigation"
    COMPLAINT = "complaint"


class ReconsiderationOutcome(StrEnum):
    UPHELD = "upheld"  # 维持 第六十八条
    REVOKED = "revoked"  # 撤销或者部分撤销 第六十四条
    CHANGED = "changed"  # 变更 第六十三条
    CONFIRMED_ILLEGAL = "confirmed_illegal"  # 确认违法 第六十五条
    CONFIRMED_INVALID = "confirmed_invalid"  # 确认无效 第六十七条
    ORDERED_TO_PERFORM = "ordered_to_perform"  # 责令履行 第六十六条
    DISMISSED = "dismissed"  # 驳回复议请求 第六十九条

    @property
    def label(self) -> str:
        return _RECONSIDERATION_LABELS[self]


_RECONSIDERATION_LABELS = {
    ReconsiderationOutcome.UPHELD: "维持",
    ReconsiderationOutcome.REVOKED: "撤销",
    ReconsiderationOutcome.CHANGED: "变更",
    ReconsiderationOutcome.CONFIRMED_ILLEGAL: "确认违法",
    ReconsiderationOutcome.CONFIRMED_INVALID: "确认无效",
    ReconsiderationOutcome.ORDERED_TO_PERFORM: "责令履行",
    ReconsiderationOutcome.DISMISSED: "驳回",
}


class LitigationResult(StrEnum):
    WON = "won"  # 胜诉
    LOST = "lost"  # 败诉
    WITHDRAWN = "withdrawn"  # 撤诉

    @property
    def label(self) -> str:
        return {"won": "胜诉", "lost": "败诉", "withdrawn": "撤诉"}[self.value]


class LitigationLossType(StrEnum):
    REVOKED = "revoked"  # 判决撤销或者部分撤销 行政诉讼法 第七十条
    ORDERED_TO_PERFORM = "ordered_to_perform"  # 判决履行法定职责 第七十二条
    ORDERED_TO_PAY = "ordered_to_pay"  # 判决履行给付义务 第七十三条
    CONFIRMED_ILLEGAL = "confirmed_illegal"  # 确认违法 第七十四条
    CONFIRMED_INVALID = "confirmed_invalid"  # 确认无效 第七十五条
    CHANGED = "changed"  # 判决变更 第七十七条
    AGREEMENT = "agreement"  # 行政协议 第七十八条
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LOSS_LABELS[self]


_LOSS_LABELS = {
    LitigationLossType.REVOKED: "判决撤销",
    LitigationLossType.ORDERED_TO_PERFORM: "判决履行",
    LitigationLossType.ORDERED_TO_PAY: "判决给付",
    LitigationLossType.CONFIRMED_ILLEGAL: "确认违法",
    LitigationLossType.CONFIRMED_INVALID: "确认无效",
    LitigationLossType.CHANGED: "判决变更",
    LitigationLossType.AGREEMENT: "行政协议责任",
    LitigationLossType.OTHER: "其他",
}


class IllegalityCategory(StrEnum):
    """Why the act was corrected (违法情形), after the grounds of 行政复议法 第六十三条、第六十四条."""

    FACTS_UNCLEAR = "facts_unclear"  # 主要事实不清、证据不足
    PROCEDURE = "procedure"  # 违反法定程序
    WRONG_BASIS = "wrong_basis"  # 适用依据错误或者不合法
    ULTRA_VIRES = "ultra_vires"  # 超越职权或者滥用职权
    INAPPROPRIATE = "inappropriate"  # 内容不适当（明显不当）
    NON_PERFORMANCE = "non_performance"  # 不履行法定职责
    NO_AUTHORITY = "no_authority"  # 主体不具有行政主体资格或者没有依据
    OTHER = "other"


# The Chinese words integrators commonly send, accepted as aliases of the values.
_ALIASES: dict[str, str] = {
    **{label: outcome.value for outcome, label in _RECONSIDERATION_LABELS.items()},
    "部分撤销": ReconsiderationOutcome.REVOKED.value,
    "驳回复议请求": ReconsiderationOutcome.DISMISSED.value,
    "胜诉": LitigationResult.WON.value,
    "败诉": LitigationResult.LOST.value,
    "撤诉": LitigationResult.WITHDRAWN.value,
}


def _alias(value: Any) -> Any:
    return _ALIASES.get(value.strip(), value.strip()) if isinstance(value, str) else value


def _valid_uscc(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the strict str check reports it
    try:
        return idnumbers.uscc(value)
    except Exception:  # idnumbers.InvalidNumber, whatever its kind: all mean the same to a sender
        raise PydanticCustomError("invalid_uscc", "统一社会信用代码无效（格式或校验位错误）") from None


def _single_line(value: Any) -> Any:
    """Strip and refuse control characters; non-strings pass through to the strict type check."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise PydanticCustomError("control_chars", "不得包含控制字符")
    return value


_CODE = r"^[0-9A-Za-z][0-9A-Za-z._\-]*$"

ExternalId = Annotated[str, Field(min_length=1, max_length=100), BeforeValidator(_single_line)]
UnitCode = Annotated[str, Field(min_length=1, max_length=64, pattern=_CODE)]
DomainCode = Annotated[str, Field(min_length=1, max_length=32), BeforeValidator(_single_line)]
Uscc = Annotated[str, BeforeValidator(_valid_uscc)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    external_id: ExternalId
    unit_code: UnitCode
    domain: DomainCode
    penalty_case_id: UUID | None = None


class _Outcome(_Record):
    decided_on: date = Field(description="date of the reconsideration decision or the judgment")
    penalty_decided_on: date | None = Field(
        default=None, description="date of the penalty decision, if known"
    )
    illegality: IllegalityCategory | None = None

    @model_validator(mode="after")
    def _order(self) -> _Outcome:
        if self.penalty_decided_on is not None and self.penalty_decided_on > self.decided_on:
            raise PydanticCustomError("date_order", "处罚决定日期不得晚于复议决定或裁判日期")
        return self


class ReconsiderationOutcomeIn(_Outcome):
    """One reconsideration decision concerning an act of the unit."""

    kind: Literal["reconsideration"] = "reconsideration"
    outcome: Annotated[ReconsiderationOutcome, BeforeValidator(_alias)]

    @model_validator(mode="after")
    def _illegality_only_on_correction(self) -> ReconsiderationOutcomeIn:
        if self.illegality is not None and not is_correction(self.outcome):
            raise PydanticCustomError("illegality_without_correction", "维持或驳回的决定不应填写违法情形")
        return self


class LitigationOutcomeIn(_Outcome):
    """One effective judgment in an administrative suit against the unit."""

    kind: Literal["litigation"] = "litigation"
    result: Annotated[LitigationResult, BeforeValidator(_alias)]
    loss_type: LitigationLossType | None = None

    @model_validator(mode="after")
    def _loss_type_matches(self) -> LitigationOutcomeIn:
        if self.result is LitigationResult.LOST and self.loss_type is None:
            raise PydanticCustomError("loss_type_required", "败诉时必须填写败诉类型 loss_type")
        if self.result is not LitigationResult.LOST and self.loss_type is not None:
            raise PydanticCustomError("loss_type_not_allowed", "仅败诉时填写败诉类型 loss_type")
        if self.illegality is not None and self.result is not LitigationResult.LOST:
            raise PydanticCustomError("illegality_without_correction", "胜诉或撤诉的案件不应填写违法情形")
        return self


class ComplaintLeadIn(_Record):
    """One 12345 hotline lead concerning the unit's enforcement (涉企执法投诉)."""

    kind: Literal["complaint"] = "complaint"
    uscc: Uscc | None = Field(default=None, description="the enterprise concerned, when there is one")
    category: Annotated[str, Field(min_length=1, max_length=64), BeforeValidator(_single_line)]
    text: str = Field(min_length=1, max_length=4000)
    received_at: AwareDatetime


IntakeRecord: TypeAlias = ReconsiderationOutcomeIn | LitigationOutcomeIn | ComplaintLeadIn

MODELS: Mapping[
    IntakeKind, type[ReconsiderationOutcomeIn] | type[LitigationOutcomeIn] | type[ComplaintLeadIn]
] = {
    IntakeKind.RECONSIDERATION: ReconsiderationOutcomeIn,
    IntakeKind.LITIGATION: LitigationOutcomeIn,
    IntakeKind.COMPLAINT: ComplaintLeadIn,
}


# --------------------------------------------------------------------------------------------------- rules


def is_correction(outcome: ReconsiderationOutcome) -> bool:
    """A reconsideration decision that corrects the unit (纠错): 撤销, 变更, 确认违法, 确认无效, 责令履行."""
    # 行政复议法 第六十三条 变更, 第六十四条 撤销, 第六十五条 确认违法, 第六十六条 责令履行, 第六十七条 确认无效;
    # 第六十八条 维持 and 第六十九条 驳回 leave the act standing.
    return outcome not in (ReconsiderationOutcome.UPHELD, ReconsiderationOutcome.DISMISSED)


def is_litigation_loss(result: LitigationResult) -> bool:
    """A judgment against the unit (败诉). Withdrawal (撤诉) is not a loss, whatever prompted it."""
    return result is LitigationResult.LOST


def counts_against_unit(record: IntakeRecord) -> bool:
    """True for a reconsideration correction or a litigation loss: the numerator of the correction rate."""
    if isinstance(record, ReconsiderationOutcomeIn):
        return is_correction(record.outcome)
    if isinstance(record, LitigationOutcomeIn):
        return is_litigation_loss(record.result)
    return False


def event_date(record: IntakeRecord) -> date:
    """The day that places the record in a quarter: decision / judgment date, or the lead's receipt day."""
    if isinstance(record, ComplaintLeadIn):
        return local_date(record.received_at)
    return record.decided_on


@dataclass(frozen=True, slots=True)
class FieldIssue:
    field: str | None
    code: str
    message: str
    message_en: str = ""  # the same fact in English (the problem's detail for Accept-Language: en)


def date_issues(record: IntakeRecord, now: datetime) -> list[FieldIssue]:
    """Dates after ``now`` (decision dates after today in Beijing, timestamps beyond a small clock skew)."""
    today = local_date(now)
    issues: list[FieldIssue] = []
    if isinstance(record, ComplaintLeadIn):
        if record.received_at > now + FUTURE_TOLERANCE:
            issues.append(
                FieldIssue(
                    "received_at",
                    "INTAKE_DATE_IN_FUTURE",
                    f"受理时间{record.received_at.isoformat()}晚于当前时间",
                    f"received_at {record.received_at.isoformat()} is later than now",
                )
            )
        return issues
    if record.decided_on > today:
        issues.append(
            FieldIssue(
                "decided_on",
                "INTAKE_DATE_IN_FUTURE",
                f"决定日期{record.decided_on.isoformat()}晚于今天{today.isoformat()}",
                f"decided_on {record.decided_on.isoformat()} is after today, {today.isoformat()}",
            )
        )
    if record.penalty_decided_on is not None and record.penalty_decided_on > today:
        issues.append(
            FieldIssue(
                "penalty_decided_on",
                "INTAKE_DATE_IN_FUTURE",
                f"处罚决定日期{record.penalty_decided_on.isoformat()}晚于今天{today.isoformat()}",
                f"penalty_decided_on {record.penalty_decided_on.isoformat()} is after today, {today.isoformat()}",
            )
        )
    return issues


# --------------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class ParsedLine:
    line_no: int
    kind: IntakeKind
    record: IntakeRecord


@dataclass(frozen=True, slots=True)
class LineError:
    """Why a line was refused: the first problem's code and message, and every problem found."""

    line_no: int
    code: str
    message: str
    field: str | None = None
    issues: tuple[FieldIssue, ...] = ()
    message_en: str = ""

    def as_problem(self) -> dict[str, Any]:
        """The entry for the ``errors`` array of an RFC 9457 problem document."""
        return {
            "line": self.line_no,
            "code": self.code,
            "field": self.field,
            "detail": self.message,
            "issues": [{"field": i.field, "code": i.code, "detail": i.message} for i in self.issues],
        }


_ENUM_FIELDS = {"outcome", "result"}

_DATE_TYPES = {
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "date_type",
    "datetime_parsing",
    "datetime_from_date_parsing",
    "datetime_type",
    "datetime_object_invalid",
}


# Our own error types (PydanticCustomError, raised with a Chinese message): their code, the field they name
# (None: the error's own location) and the English message.
_CUSTOM: dict[str, tuple[str, str | None, str]] = {
    "loss_type_required": (
        "INTAKE_LOSS_TYPE_REQUIRED",
        "loss_type",
        "loss_type is required when the suit was lost",
    ),
    "loss_type_not_allowed": (
        "INTAKE_LOSS_TYPE_NOT_ALLOWED",
        "loss_type",
        "loss_type is only for a lost suit",
    ),
    "illegality_without_correction": (
        "INTAKE_ILLEGALITY_NOT_ALLOWED",
        "illegality",
        "illegality is only for an outcome that corrects the unit",
    ),
    "date_order": (
        "INTAKE_DATE_ORDER",
        "penalty_decided_on",
        "penalty_decided_on must not be later than decided_on",
    ),
}


def _issue_from_pydantic(error: Mapping[str, Any]) -> FieldIssue:
    loc = ".".join(str(p) for p in error.get("loc", ()))
    name = loc or None
    kind = str(error.get("type", ""))
    value = error.get("input")
    where = f"字段 {loc} " if loc else ""
    where_en = f"{loc}: " if loc else ""
    if kind in _CUSTOM:
        code, field, english = _CUSTOM[kind]
        return FieldIssue(field, code, str(error.get("msg")), english)
    if kind == "missing":
        return FieldIssue(name, "INTAKE_MISSING_FIELD", f"缺少必填字段 {loc}", f"the field {loc} is missing")
    if kind == "extra_forbidden":
        return FieldIssue(name, "INTAKE_UNKNOWN_FIELD", f"不认识的字段 {loc}", f"unknown field {loc}")
    if kind == "enum" and loc in _ENUM_FIELDS:
        return FieldIssue(
            name,
            "INTAKE_UNKNOWN_OUTCOME",
            f"{where}的取值“{value}”不是可接受的结果类型",
            f"{where_en}“{value}” is not an accepted outcome",
        )
    if kind == "enum" and loc == "loss_type":
        return FieldIssue(
            name, "INTAKE_UNKNOWN_LOSS_TYPE", f"败诉类型“{value}”无效", f"loss_type “{value}” is not valid"
        )
    if kind == "enum":
        return FieldIssue(
            name, "INTAKE_UNKNOWN_VALUE", f"{where}的取值“{value}”无效", f"{where_en}“{value}” is not valid"
        )
    if kind == "literal_error" and loc == "kind":
        return FieldIssue(
            name,
            "INTAKE_KIND_MISMATCH",
            "记录的 kind 与上传的数据类型不一致",
            "the record's kind is not the kind of the upload",
        )
    if kind == "control_chars":
        return FieldIssue(
            name,
            "INTAKE_INVALID_VALUE",
            f"{where}不得包含控制字符",
            f"{where_en}control characters are not allowed",
        )
    if kind == "invalid_uscc":
        return FieldIssue(
            name,
            "INTAKE_INVALID_USCC",
            f"{where}{error.get('msg')}",
            f"{where_en}not a valid unified social credit code (shape or check character)",
        )
    if kind == "timezone_aware":
        return FieldIssue(
            name,
            "INTAKE_NAIVE_DATETIME",
            f"{where}必须带时区，例如 2026-05-01T09:30:00+08:00",
            f"{where_en}a time zone is required, e.g. 2026-05-01T09:30:00+08:00",
        )
    if kind in _DATE_TYPES:
        return FieldIssue(
            name, "INTAKE_INVALID_DATE", f"{where}不是有效的日期或时间", f"{where_en}not a valid date or time"
        )
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return FieldIssue(
            None, "INTAKE_NOT_OBJECT", "每行必须是一个 JSON 对象", "every line must be a JSON object"
        )
    if kind == "json_invalid":
        return FieldIssue(None, "INTAKE_BAD_JSON", "不是有效的 JSON", "not valid JSON")
    if kind == "uuid_parsing" or kind == "uuid_type":
        return FieldIssue(
            name, "INTAKE_INVALID_VALUE", f"{where}不是有效的 UUID", f"{where_en}not a valid UUID"
        )
    return FieldIssue(name, "INTAKE_INVALID_VALUE", f"{where}的值无效", f"{where_en}the value is not valid")


def _error(line_no: int, issues: list[FieldIssue]) -> LineError:
    first = issues[0]
    return LineError(line_no, first.code, first.message, first.field, tuple(issues), first.message_en)


_BLANK = re.compile(rb"^\s*$")


def parse_line(kind: IntakeKind | str, line_no: int, raw: bytes, *, now: datetime) -> ParsedLine | LineError:
    """Validate one NDJSON line as a record of ``kind``; never raises on bad input (``now`` must be aware)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")  # a programming error, not bad input
    try:
        intake_kind = IntakeKind(kind)
    except ValueError:
        return _error(
            line_no,
            [
                FieldIssue(
                    None,
                    "INTAKE_UNKNOWN_KIND",
                    f"不支持的数据类型“{kind}”",
                    f"unknown kind of record “{kind}”",
                )
            ],
        )
    if len(raw) > MAX_LINE_BYTES:
        return _error(
            line_no,
            [
                FieldIssue(
                    None,
                    "INTAKE_LINE_TOO_LONG",
                    f"单行不得超过{MAX_LINE_BYTES}字节",
                    f"a line may have at most {MAX_LINE_BYTES} bytes",
                )
            ],
        )
    if _BLANK.match(raw):
        return _error(line_no, [FieldIssue(None, "INTAKE_EMPTY_LINE", "空行", "an empty line")])
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(
            line_no, [FieldIssue(None, "INTAKE_BAD_ENCODING", "不是有效的 UTF-8 编码", "not valid UTF-8")]
        )
    # Strict mode: no coercion of numbers to strings or of strings to numbers; dates from ISO 8601 strings only.
    try:
        record = MODELS[intake_kind].model_validate_json(raw, strict=True)
    except ValidationError as exc:
        return _error(line_no, [_issue_from_pydantic(e) for e in exc.errors(include_url=False)])
    except (ValueError, RecursionError):  # defensive: the parser reports problems as ValidationError
        return _error(line_no, [FieldIssue(None, "INTAKE_BAD_JSON", "不是有效的 JSON", "not valid JSON")])
    issues = date_issues(record, now)
    if issues:
        return _error(line_no, issues)
    return ParsedLine(line_no, intake_kind, record)


def parse_ndjson(kind: IntakeKind | str, body: bytes, *, now: datetime) -> list[ParsedLine | LineError]:
    """Every non-blank line of an NDJSON body (line numbers from 1); a repeated external id with different
    content is refused (the same record twice is harmless: intake is idempotent on the external id)."""
    results: list[ParsedLine | LineError] = []
    seen: dict[str, IntakeRecord] = {}
    for index, line in enumerate(body.split(b"\n"), start=1):
        if _BLANK.match(line):
            continue
        parsed = parse_line(kind, index, line.rstrip(b"\r"), now=now)
        if isinstance(parsed, ParsedLine):
            earlier = seen.get(parsed.record.external_id)
            if earlier is not None and earlier != parsed.record:
                parsed = _error(
                    index,
                    [
                        FieldIssue(
                            "external_id",
                            "INTAKE_DUPLICATE_EXTERNAL_ID",
                            f"编号{parsed.record.external_id}在本批中重复出现且内容不同",
                            f"the id {parsed.record.external_id} appears again in this upload with other content",
                        )
                    ],
                )
            else:
                seen[parsed.record.external_id] = parsed.record
        results.append(parsed)
    return results
