"""Every error of the risk service speaks English too (issue #12, item 9): each raise site gives an English
detail with the same specifics as the Chinese one, so ``Accept-Language: en`` reads the whole fact in English
(without the fallback "title (中文详情)", services/common/problems.py ``english_detail``)."""

from __future__ import annotations

import ast
import importlib
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from services.common.errors import DomainError
from tests.risk.helpers import ADMIN, RECON, SUPERVISOR, unit_officer
from tests.support import personas
from tests.support.http import problem
from tests.support.stack import Running, client

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
EN = {"Accept-Language": "en"}


def _resolve(module: Any, func: ast.expr) -> Any:
    if isinstance(func, ast.Name):
        return getattr(module, func.id, None)
    if isinstance(func, ast.Attribute):
        owner = _resolve(module, func.value)
        return getattr(owner, func.attr, None) if owner is not None else None
    return None


def _error_calls() -> list[tuple[str, int, ast.Call]]:
    """Every construction of a DomainError subclass with a detail in services/risk."""
    found = []
    for path in sorted((ROOT / "services" / "risk").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = str(path.relative_to(ROOT).with_suffix("")).replace("/", ".")
        module = importlib.import_module(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            cls = _resolve(module, node.func)
            if not (isinstance(cls, type) and issubclass(cls, DomainError)):
                continue
            if node.args or any(k.arg == "detail" for k in node.keywords):
                found.append((name, node.lineno, node))
    return found


def test_every_raise_site_gives_an_english_detail() -> None:
    calls = _error_calls()
    assert len(calls) >= 30  # the scan finds the raise sites (guard against a scan that finds nothing)
    missing = [
        f"{name}:{line}" for name, line, call in calls if not any(k.arg == "detail_en" for k in call.keywords)
    ]
    assert not missing, missing


@pytest.mark.asyncio(loop_scope="session")
async def test_english_details_carry_the_specifics(risk: Running) -> None:
    unknown = uuid.uuid4()
    async with client(risk.url, headers={**SUPERVISOR, **EN}) as http:
        # 2026Q4 is running on the pinned day (2026-11-23): it ends on 2026-12-31
        not_closed = problem(
            await http.post("/api/v1/risk/reports/2026Q4/publish"), 409, "RISK_QUARTER_NOT_CLOSED"
        )
        future = problem(await http.get("/api/v1/risk/reports/2027Q1"), 422, "RISK_QUARTER_IN_FUTURE")
        too_early = problem(await http.get("/api/v1/risk/reports/1989Q4"), 400, "RISK_QUARTER_INVALID")
        week = problem(
            await http.post("/api/v1/risk/leads/transfers", json={"batch": "2026-W48"}),
            409,
            "LEAD_BATCH_NOT_ENDED",
        )
        gone = problem(
            await http.get(f"/api/v1/risk/rectifications/{unknown}"), 404, "RECTIFICATION_NOT_FOUND"
        )
        no_unit = problem(
            await http.get("/api/v1/risk/units/XX-999999/quarters/2026Q3"), 404, "RISK_UNIT_NOT_FOUND"
        )
    async with client(risk.url, headers={**personas.supervisor("210104"), **EN}) as http:
        district = problem(
            await http.post("/api/v1/risk/reports/2026Q3/publish"), 403, "RISK_CITY_SCOPE_REQUIRED"
        )
        not_a_unit = problem(
            await http.post(f"/api/v1/risk/leads/{unknown}/answer", json={"text": "答复"}),
            403,
            "LEAD_UNIT_ONLY",
        )
    async with client(risk.url, headers={**unit_officer("SJ-210102"), **EN}) as http:
        not_a_supervisor = problem(
            await http.post(f"/api/v1/risk/rectifications/{unknown}/close", json={}),
            403,
            "RECTIFICATION_SUPERVISOR_ONLY",
        )
    async with client(risk.url, headers={**ADMIN, **EN}) as http:
        no_upload = problem(
            await http.get(f"/api/v1/risk/intake/uploads/{unknown}"), 404, "INTAKE_UPLOAD_NOT_FOUND"
        )
    async with client(risk.url, headers={**RECON, **EN}) as http:
        record = {
            "external_id": "EN-1",
            "unit_code": "SJ-210102",
            "domain": "食品安全",
            "outcome": "revoked",
            "decided_on": "2026-12-01",  # after today, 2026-11-23
        }
        in_future = problem(
            await http.post("/api/v1/risk/intake/reconsideration", json=record), 422, "INTAKE_DATE_IN_FUTURE"
        )
    for body in (
        not_closed,
        future,
        too_early,
        week,
        gone,
        no_unit,
        no_upload,
        in_future,
        district,
        not_a_unit,
        not_a_supervisor,
    ):
        assert not CJK.search(body["detail"]), body  # English words, not "title (中文详情)"
    assert "2026-12-31" in not_closed["detail"] and "2026Q4" in not_closed["detail"]
    assert "2027Q1" in future["detail"] and "2026-11-23" in future["detail"]
    assert "1989" in too_early["detail"]
    assert "2026-W48" in week["detail"] and "2026-11-29" in week["detail"]  # the week's Sunday
    assert str(unknown) in gone["detail"] and str(unknown) in no_upload["detail"]
    assert "XX-999999" in no_unit["detail"]
    assert "2026-12-01" in in_future["detail"] and "2026-11-23" in in_future["detail"]
    assert (
        district["detail"] == "Only a city-wide supervisor or an administrator may publish a quarter's report"
    )
    assert not_a_supervisor["detail"] == "Only a supervisor may close a rectification"


@pytest.mark.asyncio(loop_scope="session")
async def test_chinese_details_are_unchanged(risk: Running) -> None:
    async with client(risk.url, headers=SUPERVISOR) as http:
        body = problem(await http.post("/api/v1/risk/reports/2026Q4/publish"), 409, "RISK_QUARTER_NOT_CLOSED")
    assert body["detail"] == "2026年第四季度尚未结束（2026-12-31结束），报告为临时数据，不能发布"
