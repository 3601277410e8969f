"""Golden (characterisation) test of the benchmark catalogue: the parsed sample model and the refusals.

A REGRESSION GUARD, not a test of the catalogue rules (test_catalogue.py tests those by hand): the golden
files record, as the code stood before issue #12's reshape, the model ``parse_json`` builds from the sample
catalogue (every version, field by field), its JSON and CSV exports, and the error (class, code, Chinese
detail) each of a set of malformed or rule-breaking catalogues gets. Byte-for-byte comparison.
Regenerate only for an intended, reviewed change: ``ZHIFA_GOLDEN_REGENERATE=1 pytest <this file>``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.common.errors import DomainError
from services.penalty.domain import catalogue as cat
from tests.penalty.domain.golden_json import compare

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_TEXT = (ROOT / "data/sample/benchmarks.json").read_text("utf-8")
SAMPLE_CSV = (ROOT / "data/sample/benchmarks.csv").read_text("utf-8")
YUAN = 100


def base() -> dict[str, Any]:
    return {
        "code": "SY-SJ-9001",
        "version": 1,
        "status": "published",
        "effective_from": "2024-01-01",
        "effective_to": None,
        "approving_document": "测试〔2024〕1号",
        "department_code": "SJ",
        "department_name": "测试局",
        "domain": "价格",
        "violation_name": "违反明码标价规定",
        "party_types": ["organisation"],
        "interests": [],
        "violated": [{"law": "中华人民共和国价格法", "article": "第十三条"}],
        "punishing": [{"law": "中华人民共和国价格法", "article": "第四十二条"}],
        "kinds": ["confiscate_illegal_gains", {"kind": "fine", "mandatory": False}],
        "fine": {"shape": "max_only", "max_fen": 5_000 * YUAN},
        "escalations": [],
        "tiers": [],
        "lists": {},
        "first_violation_allowed": False,
    }


MULTIPLE = {"shape": "multiple", "base": "goods_value", "k_min": "1", "k_max": "3"}
CHANGES: list[dict[str, Any]] = [
    {},
    {"colour": "red"},
    {"code": "SJ-1"},
    {"version": 0},
    {"version": "1"},
    {"status": "in_force"},
    {"status": "已公布"},
    {"effective_from": "2024-13-01"},
    {"effective_to": "2023-12-31"},
    {"violated": []},
    {"violated": [{"law": "中华人民共和国价格法", "article": "13"}]},
    {"violated": [{"law": "中华人民共和国价格法", "article": "第十三条", "page": 1}]},
    {"party_types": ["公民"]},
    {"party_types": ["alien"]},
    {"kinds": ["fine", "flogging"]},
    {"kinds": ["fine", "fine"]},
    {"kinds": []},
    {"kinds": [], "fine": None},
    {"kinds": ["warning"]},
    {"fine": None},
    {"fine": {"shape": "max_only", "max_fen": 500.5}},
    {"fine": {"shape": "range", "min_fen": 300, "max_fen": 200}},
    {"fine": {"shape": "range", "min_fen": 0, "max_fen": 0}},
    {"fine": {"shape": "range", "min_fen": 100, "max_fen": 200, "base": "goods_value"}},
    {"fine": {"shape": "triangle"}},
    {"fine": {"shape": "multiple", "k_min": "1", "k_max": "3"}},
    {"fine": {**MULTIPLE, "k_min": 0.5}},
    {"fine": {**MULTIPLE, "k_min": "x"}},
    {"fine": {**MULTIPLE, "k_min": "4"}},
    {"fine": {**MULTIPLE, "floor_fen": 500, "cap_fen": 100}},
    {"fine": {**MULTIPLE, "cap_fen": 0}},
    {"fine": {**MULTIPLE, "fallback": {"shape": "multiple", "k_min": "1", "k_max": "2"}}},
    {
        "fine": {
            **MULTIPLE,
            "k_min": "1/3",
            "k_max": "0.125",
            "fallback": {"shape": "range", "min_fen": 1, "max_fen": 2},
        }
    },
    {"fine": {"shape": "brackets", "base": "goods_value", "brackets": []}},
    {
        "fine": {
            "shape": "brackets",
            "base": "goods_value",
            "brackets": [{"from_fen": 100, "shape": "max_only", "max_fen": 100}],
        }
    },
    {
        "fine": {
            "shape": "brackets",
            "base": "goods_value",
            "brackets": [
                {"from_fen": 0, "shape": "max_only", "max_fen": 100},
                {"from_fen": 0, "shape": "max_only", "max_fen": 200},
            ],
        }
    },
    {
        "escalations": [
            {"trigger": "serious", "conditions": "情节严重", "fine": {"shape": "max_only", "max_fen": 100}}
        ]
    },
    {
        "escalations": [
            {"trigger": "serious", "conditions": "情节严重", "add_kinds": ["revoke_licence"], "colour": 1}
        ]
    },
    {"escalations": [{"trigger": "sometimes", "conditions": "x"}]},
    {"tiers": [{"tier": "lighter", "conditions": "x", "share_bp": [0, 3000]}]},
    {
        "tiers": [
            {"tier": "lighter", "conditions": "a", "share_bp": [0, 3000]},
            {"tier": "ordinary", "conditions": "b", "share_bp": [3100, 7000]},
            {"tier": "heavier", "conditions": "c", "share_bp": [7000, 10000]},
        ]
    },
    {
        "tiers": [
            {"tier": "lighter", "conditions": "a", "share_bp": [0, 50]},
            {"tier": "ordinary", "conditions": "b", "share_bp": [50, 7000]},
            {"tier": "heavier", "conditions": "c", "share_bp": [7000, 10000]},
        ]
    },
    {"tiers": [{"tier": "lighter", "conditions": "a", "share_bp": [0]}]},
    {"lists": {"no_penalty": {"conditions": "轻微"}, "sometimes": {}}},
    {"domain": "食品安全"},
    {"domain": "消防", "interests": ["public_safety"], "first_violation_allowed": True},
    {"interests": ["financial_security"], "first_violation_allowed": True},
    {"interests": ["moon"]},
]


def _attempt(text: str, parser: Any) -> Any:
    try:
        return parser(text)
    except DomainError as exc:
        return exc


def test_catalogue_matches_the_golden_record() -> None:
    sample = cat.parse_json(SAMPLE_TEXT)
    records: list[dict[str, Any]] = [{"metadata": dict(sample.metadata), "tier_split": sample.tier_split()}]
    records += [{"version": v} for v in sample.all_versions()]
    records.append({"to_json": cat.to_json(sample), "to_csv": cat.to_csv(sample.all_versions())})
    records.append({"csv_items": sorted(cat.parse_csv(SAMPLE_CSV))})
    for change in CHANGES:
        data = {**base(), **change}
        text = json.dumps({"format": cat.FORMAT, "title": "测试", "versions": [data]}, ensure_ascii=False)
        parsed = _attempt(text, cat.parse_json)
        row = {"change": change, "json": parsed if isinstance(parsed, DomainError) else parsed.all_versions()}
        if not isinstance(parsed, DomainError):
            row["csv"] = _attempt(cat.to_csv(parsed.all_versions()), cat.parse_csv)
        records.append(row)
    pair = [base(), {**base(), "version": 2, "effective_from": "2025-01-01"}]
    for second in (
        {"effective_from": "2025-01-01"},
        {"version": 1},
        {"status": "draft"},
        {"version": 0},
        {"effective_from": "2024-06-01"},
        {"effective_from": "2023-01-01", "effective_to": "2023-06-30"},
    ):
        first = {**pair[0], "effective_to": "2024-12-31"} if second.get("status") is None else pair[0]
        versions = [first, {**pair[1], **second}]
        text = json.dumps({"format": cat.FORMAT, "versions": versions}, ensure_ascii=False)
        parsed = _attempt(text, cat.parse_json)
        records.append(
            {"pair": second, "json": parsed if isinstance(parsed, DomainError) else parsed.all_versions()}
        )
    for text in (
        "{",
        "[]",
        '{"format": "x"}',
        json.dumps({"format": cat.FORMAT}),
        json.dumps({"format": cat.FORMAT, "versions": [], "tier_split": {"range_lighter_upper_bp": 50}}),
    ):
        records.append({"text": text, "json": _attempt(text, cat.parse_json)})
    header = ",".join(cat.CSV_COLUMNS)
    for text in (
        "code,version\n",
        header + "\nSY-SJ-9001,²\n",
        header + "\n" + ",".join(["x"] * len(cat.CSV_COLUMNS)) + "\n",
    ):
        records.append({"csv_text": text, "csv": _attempt(text, cat.parse_csv)})
    for split in (
        {},
        {"range_lighter_upper_bp": 99},
        {"mitigated_floor_bp": 10_000},
        {"colour": 1},
        {"range_lighter_upper_bp": True},
    ):
        records.append({"tier_split": split, "result": _attempt(split, cat.TierSplit.from_mapping)})  # type: ignore[arg-type]
    compare("catalogue.jsonl.xz", records)
