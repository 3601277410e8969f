"""Imports of the registries (CSV, xlsx or JSON), all or nothing: every row is validated first, and one bad
row rejects the whole import with the list of errors (row, field, Chinese message). Known records are
updated in place and counted as updated or unchanged, so an import can be repeated.

Spreadsheets as people keep them (issue #15 item 4): CSV in UTF-8 (with or without a BOM) or, failing that,
GB18030 (a superset of GBK, what Excel and WPS write on a Chinese Windows); xlsx (the first sheet; openpyxl
imported lazily); headers either the English field names or the Chinese ones of the downloadable template
(``*_COLUMNS``; ``template_xlsx``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, ledger, messages
from services.common.auth import Principal
from services.common.errors import DomainError
from services.inspection import schemas as s
from services.inspection import views
from services.inspection.domain import registry
from services.inspection.errors import ImportInvalid
from services.inspection.repository import registries as registry_repo
from services.inspection.repository.rows import to_officer
from services.inspection.use_cases.registries import catalogue, enterprises, officers

Row = TypeVar("Row", bound=BaseModel)
MAX_ROWS = 20000


XLSX_TYPES = ("spreadsheetml", "ms-excel")


def _unreadable(exc: Exception) -> ImportInvalid:
    return ImportInvalid(
        f"无法解析导入内容（应为 JSON 数组、CSV（UTF-8 或 GB18030/GBK）或 xlsx 表格）：{exc}",
        detail_en=f"The import cannot be read (a JSON array, UTF-8 or GB18030 CSV, or xlsx is expected): {exc}",
    )


def decode_csv(raw: bytes) -> str:
    """CSV text: UTF-8 (a BOM dropped), else GB18030 (GBK's superset); neither is a UnicodeDecodeError."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would hold (dates as YYYY-MM-DD, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if "\x00" in text:  # the edge lets an xlsx body's binary NUL bytes through; a cell may not hold one
        raise ValueError("单元格中不得包含空字符（\\u0000）")
    return text


def xlsx_records(raw: bytes) -> list[dict[str, str]]:
    """The first sheet's rows under its first row's headers (blank rows skipped)."""
    from openpyxl import load_workbook  # lazily: ~15 MiB the idle service does not need

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl reports a broken file with many exception types (zip, XML, keys)
        raise ValueError(f"不是有效的 xlsx 文件（{type(exc).__name__}）") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    out = []
    for values in rows:
        cells = [_text(v) for v in values]
        if any(cells):
            out.append(dict(zip(header, cells, strict=False)))
    book.close()
    return out


def _english(record: dict[str, str], headers: dict[str, str]) -> dict[str, str]:
    """The record under the English field names (a Chinese template header renamed; others kept)."""
    return {headers.get((k or "").strip(), (k or "").strip()): v for k, v in record.items()}


def rejected(errors: list[dict[str, Any]]) -> ImportInvalid:
    first = errors[0]
    return ImportInvalid(
        f"共{len(errors)}处错误，未导入任何记录；第{first['row']}行：{first['message']}",
        detail_en=f"{len(errors)} error(s), nothing imported; row {first['row']}: {first['message']}",
        errors=errors[:200],
    )


def parse_rows(
    content_type: str, raw: bytes, model: type[Row], csv_row: Callable[[dict[str, str]], dict[str, Any]]
) -> list[Row]:
    """Validate every row with ``model``; any problem rejects the whole import with a list of errors."""
    headers = {chinese: field for field, chinese in _COLUMNS.get(csv_row, ())}
    try:
        if any(kind in content_type for kind in XLSX_TYPES) or raw.startswith(b"PK\x03\x04"):
            records: list[Any] = [csv_row(_english(r, headers)) for r in xlsx_records(raw)]
        elif "csv" in content_type:
            text = decode_csv(raw)
            records = [csv_row(_english(r, headers)) for r in csv.DictReader(io.StringIO(text))]
        else:
            data = orjson.loads(raw)
            loaded = data.get("items") if isinstance(data, dict) else data
            if not isinstance(loaded, list):
                raise ValueError("expected a JSON array or an object with items")
            records = loaded
    except (UnicodeDecodeError, orjson.JSONDecodeError, ValueError, csv.Error) as exc:
        raise _unreadable(exc) from exc
    valid, errors = validate_each(records, model, MAX_ROWS)
    columns = dict(_COLUMNS.get(csv_row, ()))
    for error in errors:  # the column as the template names it, for the person fixing the sheet
        if error["loc"] and error["loc"][0] in columns:
            error["column"] = columns[error["loc"][0]]
    if errors:
        raise rejected(errors)
    return list(valid.values())


def validate_records(records: Sequence[Any], model: type[Row], max_rows: int) -> list[Row]:
    """Every record validated with ``model``; an empty or oversized import, or any bad row, rejects it all
    with the list of errors (row, field, Chinese message)."""
    valid, errors = validate_each(records, model, max_rows)
    if errors:
        raise rejected(errors)
    return list(valid.values())


def validate_each(
    records: Sequence[Any], model: type[Row], max_rows: int
) -> tuple[dict[int, Row], list[dict[str, Any]]]:
    """(the valid rows by row number from 1, the errors of the others); an empty or oversized import is
    refused at once."""
    if not records:
        raise ImportInvalid("导入内容为空", detail_en="The import is empty")
    if len(records) > max_rows:
        raise ImportInvalid(
            f"一次最多导入{max_rows}条记录", detail_en=f"At most {max_rows} records per import"
        )
    out: dict[int, Row] = {}
    errors: list[dict[str, Any]] = []
    for n, record in enumerate(records, start=1):
        try:
            out[n] = model.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors()[:5]:
                errors.append(
                    {
                        "row": n,
                        "loc": [str(p) for p in err["loc"]],
                        "message": messages.validation_message(err),
                    }
                )
    return out, errors


def _csv_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y", "是", "t")


def _csv_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def item_csv_row(r: dict[str, str]) -> dict[str, Any]:
    """CSV columns: code,name,dept_code,level,enterprise_related,key_area,on_site,legal_basis,effective_from;
    legal_basis as ``食品安全法:第五十三条|食品安全法:第一百一十条``."""
    refs = []
    for part in (r.get("legal_basis") or "").split("|"):
        if part.strip():
            law, _, article = part.strip().partition(":")
            refs.append({"law": law.strip(), "article": article.strip()})
    return {
        "code": r.get("code", ""),
        "name": r.get("name", ""),
        "dept_code": r.get("dept_code", ""),
        "level": (r.get("level") or "city").strip(),
        "enterprise_related": _csv_bool(r.get("enterprise_related", "true")),
        "key_area": _csv_bool(r.get("key_area")),
        "on_site": _csv_bool(r.get("on_site", "true")),
        "legal_basis": refs,
        "effective_from": r.get("effective_from", ""),
    }


def officer_csv_row(r: dict[str, str]) -> dict[str, Any]:
    """CSV columns: officer_id,name,dept_code,body_code,cert_no,auxiliary,valid_until,id_number,status,
    status_since,status_reason,retraining,return_date (empty cells are null)."""
    return {
        "officer_id": _csv_none(r.get("officer_id")),
        "name": r.get("name", ""),
        "dept_code": r.get("dept_code", ""),
        "body_code": _csv_none(r.get("body_code")),
        "cert_no": _csv_none(r.get("cert_no")),
        "auxiliary": _csv_bool(r.get("auxiliary")),
        "valid_until": _csv_none(r.get("valid_until")),
        "id_number": _csv_none(r.get("id_number")),
        "status": (r.get("status") or "active").strip(),
        "status_since": _csv_none(r.get("status_since")),
        "status_reason": (r.get("status_reason") or "").strip(),
        "retraining": _csv_bool(r.get("retraining")),
        "return_date": _csv_none(r.get("return_date")),
    }


def enterprise_csv_row(r: dict[str, str]) -> dict[str, Any]:
    """CSV columns: uscc,name,district_code,industry,address,legal_rep_name,registered_on."""
    return {
        "uscc": r.get("uscc", ""),
        "name": r.get("name", ""),
        "district_code": r.get("district_code", ""),
        "industry": r.get("industry") or "",
        "address": r.get("address") or "",
        "legal_rep_name": _csv_none(r.get("legal_rep_name")),
        "registered_on": _csv_none(r.get("registered_on")),
    }


# The columns of each import with their Chinese headers (the template's; accepted as aliases of the
# English names), and the template's example row.
ITEM_COLUMNS = (
    ("code", "事项编码"),
    ("name", "事项名称"),
    ("dept_code", "部门编码"),
    ("level", "层级"),
    ("enterprise_related", "是否涉企"),
    ("key_area", "是否重点领域"),
    ("on_site", "是否现场检查"),
    ("legal_basis", "检查依据"),
    ("effective_from", "生效日期"),
)
OFFICER_COLUMNS = (
    ("officer_id", "人员编号"),
    ("name", "姓名"),
    ("dept_code", "部门编码"),
    ("body_code", "执法主体编码"),
    ("cert_no", "执法证号"),
    ("auxiliary", "是否辅助人员"),
    ("valid_until", "证件有效期至"),
    ("id_number", "身份证号码"),
    ("status", "证件状态"),
    ("status_since", "状态起始日期"),
    ("status_reason", "状态变更原因"),
    ("retraining", "是否离岗轮训"),
    ("return_date", "返岗日期"),
)
ENTERPRISE_COLUMNS = (
    ("uscc", "统一社会信用代码"),
    ("name", "企业名称"),
    ("district_code", "区县代码"),
    ("industry", "行业"),
    ("address", "住所"),
    ("legal_rep_name", "法定代表人"),
    ("registered_on", "成立日期"),
)
_COLUMNS: dict[Callable[[dict[str, str]], dict[str, Any]], tuple[tuple[str, str], ...]] = {
    item_csv_row: ITEM_COLUMNS,
    officer_csv_row: OFFICER_COLUMNS,
    enterprise_csv_row: ENTERPRISE_COLUMNS,
}
TEMPLATES: dict[str, tuple[str, tuple[tuple[str, str], ...], dict[str, str]]] = {
    "items": (
        "检查事项导入模板",
        ITEM_COLUMNS,
        {
            "code": "SJ-SP-999",
            "name": "对食品进货查验记录的检查",
            "dept_code": "SJ",
            "level": "district",
            "enterprise_related": "是",
            "key_area": "否",
            "on_site": "是",
            "legal_basis": "食品安全法:第五十三条",
            "effective_from": "2026-01-01",
        },
    ),
    "officers": (
        "执法人员导入模板",
        OFFICER_COLUMNS,
        {
            "name": "张三",
            "dept_code": "SJ",
            "body_code": "SJ-210100",
            "cert_no": "辽A-0012399",
            "auxiliary": "否",
            "valid_until": "2030-12-31",
            "status": "active",
            "retraining": "否",
        },
    ),
    "enterprises": (
        "企业导入模板",
        ENTERPRISE_COLUMNS,
        {
            "uscc": "91210102MC0000001H",
            "name": "沈阳示例食品有限公司",
            "district_code": "210102",
            "industry": "食品销售",
            "address": "沈阳市和平区南京北街1号",
            "legal_rep_name": "张三",
            "registered_on": "2020-01-01",
        },
    ),
}


def template_xlsx(registry_name: str) -> bytes:
    """The import template of ``items``, ``officers`` or ``enterprises``: the Chinese headers and one example
    row (to overwrite; an import of it as it is would register the example)."""
    title, columns, example = TEMPLATES[registry_name]
    return ledger.xlsx(title, columns, [example])


async def import_items(
    session: AsyncSession, *, principal: Principal, rows: Sequence[s.ItemWrite]
) -> s.ImportResult:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors: list[dict[str, Any]] = []
    for n, body in enumerate(rows, start=1):
        try:
            item = catalogue.item_from(body, body.code, body.dept_code)
            counts[await catalogue.save_item(session, principal, item)] += 1
        except DomainError as exc:
            errors.append({"row": n, "code": exc.code, "message": exc.detail})
    if errors:
        raise rejected(errors)
    return views.import_result(counts)


async def import_officers(
    session: AsyncSession, *, principal: Principal, rows: Sequence[s.OfficerImport]
) -> s.ImportResult:
    """New officers are created as given; known ones (by officer_id or certificate) get their registry
    fields updated and, when the status differs, a status change under the rules (reason etc.)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors: list[dict[str, Any]] = []
    today = clock.today()
    for n, body in enumerate(rows, start=1):
        try:
            counts[await _import_officer(session, principal, body, today)] += 1
        except DomainError as exc:
            errors.append({"row": n, "code": exc.code, "message": exc.detail})
    if errors:
        raise rejected(errors)
    return views.import_result(counts)


async def _import_officer(
    session: AsyncSession, principal: Principal, body: s.OfficerImport, today: date
) -> str:
    """One row of an officer import; returns created, updated or unchanged."""
    row = await registry_repo.get_officer(session, body.officer_id) if body.officer_id else None
    if row is None and body.cert_no:
        row = await registry_repo.officer_by_cert(session, registry.validate_cert_no(body.cert_no))
    if row is None:
        await officers.new_officer(session, principal, body)
        return "created"
    before = officers.officer_audit(row)
    row.name, row.dept_code, row.body_code = body.name.strip(), body.dept_code, body.body_code
    row.valid_until = body.valid_until
    if body.status != row.status:
        changed = registry.change_officer_status(
            to_officer(row),
            registry.OfficerStatus(body.status),
            on=today,
            reason=body.status_reason,
            retraining=body.retraining,
            return_date=body.return_date,
            valid_until=body.valid_until,
        )
        officers.apply_status(row, changed)
    elif officers.officer_audit(row) != before:
        row.revision += 1
    if officers.officer_audit(row) == before:
        return "unchanged"
    row.updated_at = clock.now()
    await session.flush()
    officers.publish_officer(session, row)
    await audit.append(
        session,
        actor=principal.sub,
        actor_role=principal.role,
        action="officer.imported",
        entity_type="officer",
        entity_id=str(row.officer_id),
        before=before,
        after=officers.officer_audit(row),
    )
    return "updated"


async def import_enterprises(
    session: AsyncSession,
    *,
    principal: Principal,
    rows: Sequence[s.EnterpriseImport],
) -> s.ImportResult:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for body in rows:
        row = await registry_repo.get_enterprise(session, body.uscc)
        if row is None:
            await enterprises.new_enterprise(session, principal, body)
            counts["created"] += 1
            continue
        before = enterprises.enterprise_audit(row)
        row.name, row.district_code = body.name.strip(), body.district_code
        row.industry, row.address = body.industry.strip(), body.address.strip()
        if body.registered_on:
            row.registered_on = body.registered_on
        if body.legal_rep_masked or body.legal_rep_name:
            row.legal_rep_masked = enterprises.legal_rep_masked(body)
        if enterprises.enterprise_audit(row) == before:
            counts["unchanged"] += 1
            continue
        row.updated_at = clock.now()
        await session.flush()
        await audit.append(
            session,
            actor=principal.sub,
            actor_role=principal.role,
            action="enterprise.imported",
            entity_type="enterprise",
            entity_id=row.uscc,
            before=before,
            after=enterprises.enterprise_audit(row),
        )
        counts["updated"] += 1
    return views.import_result(counts)
