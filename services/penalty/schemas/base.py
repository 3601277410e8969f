"""HTTP request and response models of the penalty service (the HTTP contract), one module per topic — shared types and helpers."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.common import idnumbers
from services.common.fields import UsccText

Text = Annotated[str, Field(min_length=1, max_length=2_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=10_000)]
OptionalText = Annotated[str, Field(max_length=2_000)]
CertNo = Annotated[str, Field(min_length=1, max_length=50, description="执法证号")]
BenchmarkCode = Annotated[str, Field(min_length=1, max_length=40, examples=["SY-SJ-0001"])]


def _valid_uscc(value: str) -> str:
    value = value.strip().upper()
    try:
        return idnumbers.uscc(value)
    except idnumbers.InvalidNumber as exc:
        raise ValueError(f"统一社会信用代码 {value} 无效（校验位或格式错误）") from exc


def _valid_ric(value: str) -> str:
    value = value.strip().upper()
    try:
        return idnumbers.ric(value)
    except idnumbers.InvalidNumber as exc:
        raise ValueError("居民身份证号码无效（校验位、出生日期或格式错误）") from exc


USCC = Annotated[UsccText, AfterValidator(_valid_uscc)]
RIC = Annotated[str, AfterValidator(_valid_ric)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
