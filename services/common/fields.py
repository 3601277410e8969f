"""Request field types that accept exactly what the OpenAPI document promises (SPEC §1.6).

pydantic's lax mode reads ``true`` as 1, ``"100"`` and ``100.0`` as 100, the number ``0`` (or the text
``"0"`` of a query string) as the date 1970-01-01, and ``"2026-01-01T08:00:00"`` as a date: a client's bug
would be stored as money, a count or a day. Request models and query parameters use these types instead
(money: ``services.common.money.Fen``); response models keep the plain ones.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

# A JSON integer: not a boolean, a string or a number with a fraction part (100.0).
StrictInt = Annotated[int, Strict()]
# A JSON boolean: not 0, 1 or "true".
StrictBool = Annotated[bool, Strict()]
# A count of things (days, stars, ...): a JSON integer, never negative.
Count = Annotated[int, Strict(), Field(ge=0)]

_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
# RFC 3339 date-time, as JSON Schema's ``date-time`` format: a time zone is required.
_INSTANT_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError("date_parsing", "Input should be a date written YYYY-MM-DD")


def _instant_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _INSTANT_TEXT.fullmatch(value):
        return value
    raise PydanticCustomError(
        "datetime_parsing", "Input should be an RFC 3339 time with its zone, e.g. 2026-11-16T09:30:00+08:00"
    )


# The days a request may name: every date the law could need (a birth, a registration, a deadline decades
# ahead) with room to spare, and far enough from Python's and PostgreSQL's ends that arithmetic on them cannot
# overflow: 9999-12-31 + 15 days is OverflowError, an offset can move an instant out of years 1-9999 once in
# UTC or in China, and asyncpg writes date.max as ``infinity``.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
_FIRST_INSTANT = datetime.combine(FIRST_DAY, time(), UTC)
_PAST_LAST_INSTANT = datetime.combine(date(2200, 1, 1), time(), UTC)


def _day_in_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            f"Input should be a day from {FIRST_DAY} to {LAST_DAY}",
            {"first": str(FIRST_DAY), "last": str(LAST_DAY)},
        )
    return value


def _instant_in_range(value: datetime) -> datetime:
    # compared in UTC first: an offset of up to ±24 h cannot take a year 1900..2199 moment out of datetime
    if not (FIRST_DAY.year <= value.year <= LAST_DAY.year and _FIRST_INSTANT <= value < _PAST_LAST_INSTANT):
        raise PydanticCustomError(
            "datetime_out_of_range",
            f"Input should be a time from {_FIRST_INSTANT.isoformat()} to before {_PAST_LAST_INSTANT.isoformat()}",
            {"first": str(FIRST_DAY), "last": str(LAST_DAY)},
        )
    return value


# A calendar day, written YYYY-MM-DD (JSON Schema ``format: date``), from FIRST_DAY to LAST_DAY.
Day = Annotated[date, BeforeValidator(_date_text), AfterValidator(_day_in_range)]
# A moment, written as RFC 3339 with its time-zone offset (JSON Schema ``format: date-time``), in UTC from
# FIRST_DAY to LAST_DAY.
Instant = Annotated[AwareDatetime, BeforeValidator(_instant_text), AfterValidator(_instant_in_range)]

# 统一社会信用代码 (GB 32100-2015): 18 characters from the alphabet without I, O, S, V and Z: the registering
# department and the kind of entity, the six-digit division code, the nine-character organisation code, and a
# check character. The pattern is the shape; the check character is verified by python-stdnum in each service
# (a wrong one is 422 with the service's code). ``format: uscc`` lets a generator produce valid ones.
USCC_PATTERN = r"^[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{10}$"
UsccText = Annotated[
    str,
    Field(
        pattern=USCC_PATTERN,
        description="统一社会信用代码 (GB 32100-2015; the server verifies its check character)",
        examples=["91210100MACQTKPQ79"],
        json_schema_extra={"format": "uscc"},
    ),
]

# Text without control characters and without white space at either end, spelled out so that JSON Schema
# (ECMA-262) and pydantic (Rust regex) read it alike: their ``\s`` differ (U+0085, U+FEFF).
_EDGE = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
TRIMMED_TEXT_PATTERN = rf"^{_EDGE}(?:[^\x00-\x1f\x7f-\x9f]*{_EDGE})?$"
