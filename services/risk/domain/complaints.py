"""Complaints about enforcement (投诉举报) received by the justice bureau: the pure rules, no I/O.

Where they come from (``Source``): an enterprise in the app, anyone on the public page (anonymous), an
enterprise's rating of a visit carrying a misconduct tag (automatic), an appointed contact point (执法监督联系点).

Why the bureau and not the department: 辽政办发〔2023〕18号 §15 ("各级行政执法部门要定期向本级司法行政部门通报
行政执法投诉举报案件办理情况", "完善行政执法监督员制度 … 执法监督联系点") and 沈法治发〔2021〕7号 #9 (a published
complaint channel for enforcement supervision): a complaint reaches the bureau's 行政执法监督科 first; the
department complained about sees it only once the bureau forwards it (转办), and then without the complainant's
identity when the complaint is anonymous (优化营商环境条例 第四十九条: a channel for complaints about the business
environment; the laws that open one keep the complainant's identity confidential, e.g. 广告法 第五十三条).

The handling deadline: no seed document gives a figure for complaints about enforcement; the default is 15
working days from receipt (``ZHIFA_RISK_COMPLAINT_HANDLING_WORKING_DAYS``), between the 7 working days of
广告法 第五十三条 and the 20 of 企业信息公示暂行条例 第十三条, and the department answers a forwarded complaint
within 10 working days (``ZHIFA_RISK_COMPLAINT_REPLY_WORKING_DAYS``). Both are the bureau's to set. Either
deadline running into a year whose holiday arrangement is not entered yet is pending (None, :data:`services.common.workdays.PENDING_NOTE`),
never guessed and never overdue; it is computed once the year is entered (use_cases/complaints.fill_in).

States::

    received ──forward──▶ forwarded ──reply──▶ replied ──conclude──▶ concluded ──answer──▶ answered
        └──────────────────────conclude (the bureau handles it itself)──▲
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.risk.errors import ComplaintTokenInvalid, ComplaintTransitionInvalid


class Source(StrEnum):
    ENTERPRISE = "enterprise"
    PUBLIC = "public"
    RATING = "rating"
    CONTACT_POINT = "contact_point"


SOURCE_ZH = {
    Source.ENTERPRISE: "企业投诉",
    Source.PUBLIC: "公众投诉",
    Source.RATING: "评价自动转投诉",
    Source.CONTACT_POINT: "执法监督联系点",
}

#: What a complaint is about (the tags of a rating that open one automatically come first).
CATEGORIES = ("索要财物", "未出示证件", "超范围检查", "态度问题", "重复检查", "逾期未办", "其他")
#: Rating tags that open a complaint whatever the stars (inspection's SERIOUS_TAGS; issue #14 item 3).
RATING_MISCONDUCT_TAGS = ("索要财物", "未出示证件", "超范围检查")


class Status(StrEnum):
    RECEIVED = "received"
    FORWARDED = "forwarded"
    REPLIED = "replied"
    CONCLUDED = "concluded"
    ANSWERED = "answered"


STATUS_ZH = {
    Status.RECEIVED: "已受理",
    Status.FORWARDED: "已转办",
    Status.REPLIED: "部门已回复",
    Status.CONCLUDED: "已办结",
    Status.ANSWERED: "已答复投诉人",
}


class Finding(StrEnum):
    TRUE = "substantiated"
    PARTLY = "partly_substantiated"
    FALSE = "unsubstantiated"


FINDING_ZH = {Finding.TRUE: "属实", Finding.PARTLY: "部分属实", Finding.FALSE: "不属实"}

SUBJECT_KINDS = ("visit", "officer", "department")

#: The transitions: action → the states it may start from, and the state it leads to.
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "forward": (frozenset({Status.RECEIVED, Status.REPLIED}), Status.FORWARDED),
    "reply": (frozenset({Status.FORWARDED}), Status.REPLIED),
    "conclude": (frozenset({Status.RECEIVED, Status.FORWARDED, Status.REPLIED}), Status.CONCLUDED),
    "answer": (frozenset({Status.CONCLUDED}), Status.ANSWERED),
}
ACTION_ZH = {"forward": "转办", "reply": "回复", "conclude": "办结", "answer": "答复投诉人"}


def step(status: str, action: str) -> Status:
    """The state ``action`` leads to from ``status``; 409 COMPLAINT_INVALID_TRANSITION otherwise."""
    allowed, to = TRANSITIONS[action]
    current = Status(status)
    if current not in allowed:
        raise ComplaintTransitionInvalid(
            f"投诉处于“{STATUS_ZH[current]}”状态，不能{ACTION_ZH[action]}",
            detail_en=f"A complaint that is {current.value} cannot be {action}ed",
        )
    return to


def ack_no(year: int, seq: int) -> str:
    """受理编号: ``TS-<year>-<6-digit sequence of the year>``, e.g. TS-2026-000123."""
    return f"TS-{year}-{seq:06d}"


ACK_NO = re.compile(r"^TS-[0-9]{4}-[0-9]{6,}$")


def is_overdue(status: str, due_on: date | None, today: date) -> bool:
    """A complaint not yet concluded past its handling deadline (逾期未办结); never while it is pending."""
    open_ = Status(status) in (Status.RECEIVED, Status.FORWARDED, Status.REPLIED)
    return open_ and due_on is not None and today > due_on


def secret_hash(secret: str) -> str:
    """What is stored of the secret an anonymous complainant reads the answer with (SHA-256, hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored: str | None) -> bool:
    return stored is not None and hmac.compare_digest(secret_hash(secret), stored)


# --------------------------------------------------------------------------------------------------- filing token

# The public filing proof (no captcha): a short-lived token the page fetches first.
#
#   token = "ct1." B64(exp as decimal seconds "." nonce) "." B64(HMAC-SHA256(key, "ct1." B64(...)))
#
# ``key`` is derived from the service's own key material (the audit checkpoint key, HKDF-SHA256 with
# info ``zhifa.risk.complaint-token/1``: a separate key, never the signing key itself). A token files at most
# one complaint (its nonce is stored, unique), and only before ``exp``.

TOKEN_PREFIX = "ct1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class FilingToken:
    nonce: str
    expires_at: datetime


def sign_token(key: bytes, nonce: str, expires_at: datetime) -> str:
    body = _b64(f"{int(expires_at.timestamp())}.{nonce}".encode())
    signing_input = f"{TOKEN_PREFIX}.{body}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def verify_token(key: bytes, token: str, now: datetime) -> FilingToken:
    """The token's nonce and expiry; 422 COMPLAINT_TOKEN_INVALID when forged, malformed or expired."""
    invalid = ComplaintTokenInvalid(
        "投诉凭证无效或已过期，请重新获取",
        detail_en="The filing token is invalid or expired: fetch a new one",
    )
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(token) > 512:
        raise invalid
    signing_input = f"{parts[0]}.{parts[1]}"
    expected = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(parts[2])
        exp_text, nonce = _unb64(parts[1]).decode().split(".", 1)
        expires = datetime.fromtimestamp(int(exp_text), tz=now.tzinfo)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if not hmac.compare_digest(expected, given) or not nonce or now >= expires:
        raise invalid
    return FilingToken(nonce=nonce, expires_at=expires)


def token_expiry(now: datetime, minutes: int) -> datetime:
    return now.replace(microsecond=0) + timedelta(minutes=minutes)
