"""On-the-spot collection of fines (当场收缴, 行政处罚法 第六十七条–第七十一条): when an officer may take the money,
the official receipt, and the two periods in which it reaches the agency and the bank.

- 第六十七条第二款: apart from 第六十八条 and 第六十九条 the deciding agency and its officers never collect fines.
- 第六十八条: "依照本法第五十一条的规定当场作出行政处罚决定，有下列情形之一，执法人员可以当场收缴罚款：（一）依法
  给予一百元以下罚款的；（二）不当场收缴事后难以执行的。" Both grounds need a decision made on the spot under the
  simple procedure (第五十一条); (一) a fine of 100 yuan or less (100.00 yes, 100.01 no), (二) with the reason
  recorded.
- 第六十九条: in 边远、水上、交通不便地区, after a fine decision under 第五十一条 (simple) or 第五十七条 (general),
  where paying at the bank or electronically is really difficult, at the party's request — whatever the amount.
- 第七十条: the 国务院财政部门 or 省级财政部门统一制发的专用票据 is issued; without it the party may refuse to pay, so
  the receipt number is required.
- 第七十一条: handed to the agency within 二日 of collection (on water: of landing), and paid into the
  designated bank within 二日 of that. 第八十五条: "本法中'二日'…的规定是指工作日，不含法定节假日" — working days,
  counted from the day after (the same rule as every working-day period here).
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from services.common.errors import BadRequest, Conflict, NotFound
from services.common.money import format_yuan
from services.penalty.domain.deadlines import WorkingDays

LAW = "中华人民共和国行政处罚法"
SMALL_FINE_LIMIT_FEN = 100 * 100  # 第六十八条第一项: 一百元以下 (inclusive)
HANDOVER_WORKING_DAYS = 2  # 第七十一条 + 第八十五条
BANKING_WORKING_DAYS = 2  # 第七十一条 + 第八十五条


class Ground(StrEnum):
    SMALL_FINE = "small_fine"  # 第六十八条第一项
    HARD_TO_ENFORCE = "hard_to_enforce"  # 第六十八条第二项
    REMOTE_AREA = "remote_area"  # 第六十九条


class Area(StrEnum):
    REMOTE = "remote"  # 边远
    WATERBORNE = "waterborne"  # 水上
    POORLY_CONNECTED = "poorly_connected"  # 交通不便


AREA_LABELS = {Area.REMOTE: "边远地区", Area.WATERBORNE: "水上", Area.POORLY_CONNECTED: "交通不便地区"}


class CollectionNotFound(NotFound):
    code = "COLLECTION_NOT_FOUND"
    title = "当场收缴罚款记录不存在"
    title_en = "On-the-spot collection not found"

    @classmethod
    def of(cls, collection_id: uuid.UUID) -> CollectionNotFound:
        return cls(
            f"当场收缴记录 {collection_id} 不存在", detail_en=f"Collection {collection_id} does not exist"
        )


class SpotCollectionNotAllowed(Conflict):
    """The fine may not be collected on the spot (第六十七条第二款): the officer must send the party to the bank."""

    code = "SPOT_COLLECTION_NOT_ALLOWED"
    title = "不符合当场收缴罚款的法定情形"
    title_en = "The fine may not be collected on the spot"


class ReceiptRequired(BadRequest):
    code = "COLLECTION_RECEIPT_REQUIRED"
    title = "当场收缴罚款须出具财政部门统一制发的专用票据"
    title_en = "An on-the-spot collection needs the official receipt's number"


class ReceiptTaken(Conflict):
    code = "COLLECTION_RECEIPT_TAKEN"
    title = "该专用票据号码已被使用"
    title_en = "The receipt number was used by another collection"


class CollectionStepInvalid(Conflict):
    code = "COLLECTION_STEP_INVALID"
    title = "当场收缴罚款的交款记录与其状态不符"
    title_en = "The hand-over or banking step does not fit the collection's state"


class CollectionDateInvalid(BadRequest):
    code = "COLLECTION_DATE_INVALID"
    title = "当场收缴罚款的日期无效"
    title_en = "Invalid date of an on-the-spot collection step"


def _refuse(detail: str, detail_en: str, article: str) -> SpotCollectionNotAllowed:
    return SpotCollectionNotAllowed(
        f"{detail}，不得当场收缴罚款，当事人应当到指定的银行或者通过电子支付系统缴纳（行政处罚法 {article}、"
        "第六十七条第二款）",
        detail_en=f"{detail_en}: the fine may not be collected on the spot ({LAW} {article}, 第六十七条第二款)",
        extra={"article": article},
    )


def check_allowed(
    *,
    ground: Ground,
    simple_procedure: bool,
    fine_fen: int,
    reason: str,
    area: Area | None,
    party_requested: bool,
) -> str:
    """Whether the fine of a decision may be collected on the spot on ``ground``; the legal basis as the
    sentence the record keeps, or SpotCollectionNotAllowed citing the article not met."""
    if ground is Ground.REMOTE_AREA:
        if area is None:
            raise _refuse(
                "未载明边远、水上或者交通不便地区",
                "No remote, waterborne or poorly connected area",
                "第六十九条",
            )
        if not party_requested:
            raise _refuse("当事人未提出当场缴纳", "The party did not ask to pay on the spot", "第六十九条")
        if not reason.strip():
            raise _refuse(
                "未载明当事人到指定银行或者通过电子支付系统缴纳罚款确有困难的情况",
                "The difficulty of paying at the bank is not recorded",
                "第六十九条",
            )
        return (
            f"在{AREA_LABELS[area]}作出罚款决定后，当事人到指定的银行或者通过电子支付系统缴纳罚款确有困难"
            f"（{reason.strip()}），经当事人提出，依照行政处罚法第六十九条当场收缴"
        )
    if not simple_procedure:
        raise _refuse(
            "本案不是依照行政处罚法第五十一条当场作出的行政处罚决定",
            "The decision was not made on the spot under the simple procedure (第五十一条)",
            "第六十八条",
        )
    if ground is Ground.SMALL_FINE:
        if fine_fen > SMALL_FINE_LIMIT_FEN:
            raise _refuse(
                f"罚款{format_yuan(fine_fen)}元超过一百元",
                f"The fine of {format_yuan(fine_fen)} yuan is over 100 yuan",
                "第六十八条第一项",
            )
        return f"依照行政处罚法第五十一条当场作出决定，罚款{format_yuan(fine_fen)}元在一百元以下，依照第六十八条第一项当场收缴"
    if not reason.strip():
        raise _refuse(
            "未载明不当场收缴事后难以执行的理由",
            "The reason why later enforcement would be hard is missing",
            "第六十八条第二项",
        )
    return f"依照行政处罚法第五十一条当场作出决定，不当场收缴事后难以执行（{reason.strip()}），依照第六十八条第二项当场收缴"


def require_receipt(receipt_no: str) -> None:
    """第七十条: the number of the 财政部门统一制发的专用票据 handed to the party."""
    if not receipt_no.strip():
        raise ReceiptRequired(
            "当场收缴罚款，必须向当事人出具国务院财政部门或者省、自治区、直辖市人民政府财政部门统一制发的专用票据，"
            "请录入票据号码；不出具的，当事人有权拒绝缴纳罚款（行政处罚法 第七十条）",
            detail_en="Record the number of the official receipt handed to the party: without it the party may "
            f"refuse to pay ({LAW} 第七十条)",
        )


def handover_due(
    collected_on: date, landed_on: date | None, waterborne: bool, calendar: WorkingDays
) -> date | None:
    """Last day to hand the money to the agency: 2 working days after collection, on water after landing
    (第七十一条, 第八十五条); None while a waterborne collection has not landed."""
    start = landed_on if waterborne else collected_on
    if start is None:
        return None
    return calendar.add_working_days(start, HANDOVER_WORKING_DAYS)


def banking_due(handed_over_on: date, calendar: WorkingDays) -> date:
    """Last day for the agency to pay the money into the designated bank: 2 working days after the hand-over
    (第七十一条, 第八十五条)."""
    return calendar.add_working_days(handed_over_on, BANKING_WORKING_DAYS)


def check_step_date(day: date, *, after: date, after_label: str, today: date, label: str) -> None:
    if day > today:
        raise CollectionDateInvalid(
            f"{label}（{day.isoformat()}）晚于今日",
            detail_en=f"The {label} date {day.isoformat()} is in the future",
        )
    if day < after:
        raise CollectionDateInvalid(
            f"{label}（{day.isoformat()}）早于{after_label}（{after.isoformat()}）",
            detail_en=f"The date {day.isoformat()} is before {after.isoformat()}",
        )
