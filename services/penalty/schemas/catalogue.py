"""HTTP request and response models of the penalty service (the HTTP contract), one module per topic — catalogue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from services.common.fields import StrictInt
from services.penalty.schemas.base import OptionalText, ShortText, _In

# --------------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------------


class BenchmarkVersionRead(BaseModel):
    code: str
    version: int
    status: str
    effective_from: date
    effective_to: date | None
    approving_document: str
    department_code: str
    department_name: str
    domain: str
    violation_name: str
    first_violation_allowed: bool
    detail: dict[str, Any] = Field(description="the full version as in the JSON catalogue format")


class BenchmarkAdminRead(BenchmarkVersionRead):
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_by: str | None
    published_at: datetime | None


class BenchmarkDraftIn(_In):
    """One version in the catalogue's JSON format (``version`` and ``status`` as in an export)."""

    version: dict[str, Any] = Field(description="a version object of the zhifa.benchmarks/1 format")


class ImportResultRead(BaseModel):
    drafted: list[str]
    unchanged: list[str]
    replaced_drafts: list[str]
    catalogue_revision: int


class CatalogueMetaIn(_In):
    title: ShortText
    jurisdiction: ShortText
    tier_split: dict[str, StrictInt] | None = None
    note: OptionalText = ""


class CatalogueMetaRead(BaseModel):
    revision: int
    meta: dict[str, Any]


# --------------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------------


class DepartmentIn(_In):
    name: ShortText = Field(examples=["沈阳市市场监督管理局"])
    abbreviation: Annotated[str, Field(min_length=1, max_length=10, examples=["市监"])]
    address: OptionalText = ""
    contact: OptionalText = ""
    phone: OptionalText = ""
    reconsideration_body: ShortText = Field(examples=["沈阳市人民政府"])
    court: ShortText = Field(examples=["有管辖权的人民法院"])
    bank: ShortText = Field(examples=["本机关指定的代收罚款银行"])
    account_name: OptionalText = ""
    account_no: OptionalText = ""


class DepartmentRead(DepartmentIn):
    code: str
