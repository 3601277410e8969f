"""Imports of the registries (CSV or JSON), all or nothing: every row is validated first, and one bad row
rejects the whole import with the list of errors (row, field, message). Known records are updated in place
and counted as updated or unchanged, so an import can be repeated."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, clock, messages
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


def _unreadable(exc: Exception) -> ImportInvalid:
    return ImportInvalid(
        f"无法解析导入内容（应为 JSON 数组或 UTF-8 CSV）：{exc}",
        detail_en=f"The import cannot be read (a JSON array or UTF-8 CSV is expected): {exc}",
    )


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
    try:
        if "csv" in content_type:
            text = raw.decode("utf-8-sig")
            records: list[Any] = [csv_row(r) for r in csv.DictReader(io.StringIO(text))]
        else:
            data = orjson.loads(raw)
            loaded = data.get("items") if isinstance(data, dict) else data
            if not isinstance(loaded, list):
                raise ValueError("expected a JSON array or an object with items")
            records = loaded
    except (UnicodeDecodeError, orjson.JSONDecodeError, ValueError, csv.Error) as exc:
        raise _unreadable(exc) from exc
    return validate_records(records, model, MAX_ROWS)


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
