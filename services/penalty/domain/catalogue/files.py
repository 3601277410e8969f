"""Catalogue files: JSON (a catalogue with metadata) and CSV (one row per version, nested fields as JSON in
their column). Both round-trip exactly. Pure: text in, frozen objects out."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from services.penalty.domain.catalogue.model import BenchmarkItem, BenchmarkVersion, Catalogue
from services.penalty.domain.catalogue.parsing import version_from_dict, version_to_dict
from services.penalty.domain.catalogue.tiers import TierSplit
from services.penalty.domain.catalogue.validation import validate_versions
from services.penalty.domain.catalogue.vocabulary import DOMAIN_INTERESTS, ProtectedInterest
from services.penalty.domain.errors import CatalogueFormatInvalid

FORMAT = "zhifa.benchmarks/1"


def parse_json(
    text: str, *, domain_interests: Mapping[str, frozenset[ProtectedInterest]] = DOMAIN_INTERESTS
) -> Catalogue:
    """Parse and validate a JSON catalogue (``{"format": ..., <metadata>, "versions": [...]}``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueFormatInvalid(f"JSON 解析失败：第{exc.lineno}行第{exc.colno}列 {exc.msg}") from exc
    if not isinstance(data, dict):
        raise CatalogueFormatInvalid("裁量基准文件应为 JSON 对象")
    if data.get("format") != FORMAT:
        raise CatalogueFormatInvalid(f"裁量基准文件格式标识应为 {FORMAT!r}")
    raw_versions = data.get("versions")
    if not isinstance(raw_versions, list):
        raise CatalogueFormatInvalid("裁量基准文件缺少 versions 数组")
    versions = [version_from_dict(v) for v in raw_versions]
    items = validate_versions(versions, domain_interests=domain_interests)
    metadata = {k: v for k, v in data.items() if k not in ("versions",)}
    if isinstance(metadata.get("tier_split"), Mapping):
        TierSplit.from_mapping(metadata["tier_split"])  # validate now, not at first use
    return Catalogue(metadata=metadata, items=items)


def to_json(catalogue: Catalogue) -> str:
    """Export a catalogue as JSON (stable key order, UTF-8 text, two-space indent)."""
    data = dict(catalogue.metadata)
    data["format"] = FORMAT
    data["versions"] = [version_to_dict(v) for v in catalogue.all_versions()]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS: tuple[str, ...] = (
    "code",
    "version",
    "status",
    "effective_from",
    "effective_to",
    "approving_document",
    "department_code",
    "department_name",
    "domain",
    "violation_name",
    "party_types",
    "interests",
    "first_violation_allowed",
    "first_violation_conditions",
    "fault_exemption_excluded",
    "violated",
    "punishing",
    "kinds",
    "fine",
    "escalations",
    "tiers",
    "lists",
    "notes",
)
_CSV_JSON_COLUMNS = frozenset({"violated", "punishing", "kinds", "fine", "escalations", "tiers", "lists"})
_CSV_LIST_COLUMNS = frozenset({"party_types", "interests"})
_CSV_BOOL_COLUMNS = frozenset({"first_violation_allowed", "fault_exemption_excluded"})


def to_csv(versions: Iterable[BenchmarkVersion]) -> str:
    """One row per version; lists as ``a|b``, booleans as ``true``/``false``, nested fields as JSON."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for v in versions:
        d = version_to_dict(v)
        row: dict[str, str] = {}
        for col in CSV_COLUMNS:
            value = d.get(col)
            if col in _CSV_JSON_COLUMNS:
                row[col] = (
                    "" if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
                )
            elif col in _CSV_LIST_COLUMNS:
                row[col] = "|".join(value or [])
            elif col in _CSV_BOOL_COLUMNS:
                row[col] = "true" if value else "false"
            else:
                row[col] = "" if value is None else str(value)
        writer.writerow(row)
    return buffer.getvalue()


def parse_csv(
    text: str, *, domain_interests: Mapping[str, frozenset[ProtectedInterest]] = DOMAIN_INTERESTS
) -> dict[str, BenchmarkItem]:
    """Parse and validate a CSV export (see :func:`to_csv`); returns items by code."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        raise CatalogueFormatInvalid(f"CSV 表头不符：缺少 {missing}，多出 {unknown}")
    versions = []
    for line, row in enumerate(reader, start=2):
        d: dict[str, Any] = {}
        for col in CSV_COLUMNS:
            cell = (row.get(col) or "").strip()
            if col in _CSV_JSON_COLUMNS:
                if not cell:
                    d[col] = None
                    continue
                try:
                    d[col] = json.loads(cell)
                except json.JSONDecodeError as exc:
                    raise CatalogueFormatInvalid(f"CSV 第{line}行 {col} 列不是合法的 JSON") from exc
            elif col in _CSV_LIST_COLUMNS:
                d[col] = [x for x in cell.split("|") if x]
            elif col in _CSV_BOOL_COLUMNS:
                if cell.lower() not in ("true", "false", ""):
                    raise CatalogueFormatInvalid(f"CSV 第{line}行 {col} 列应为 true 或 false")
                d[col] = cell.lower() == "true"
            elif col == "version":
                if not (cell.isascii() and cell.isdigit()):  # "²".isdigit() is true, int("²") fails
                    raise CatalogueFormatInvalid(f"CSV 第{line}行 version 列应为正整数")
                d[col] = int(cell)
            else:
                d[col] = cell or None
        if d.get("lists") is None:
            d["lists"] = {}
        for col in ("kinds", "escalations", "tiers"):
            if d.get(col) is None:
                d[col] = []
        versions.append(version_from_dict(d))
    return validate_versions(versions, domain_interests=domain_interests)
