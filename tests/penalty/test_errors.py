"""The penalty service's errors outside its pure rules: every one raised carries an English detail with the
same specifics as the Chinese one, and a foreign or missing object reads the same in both languages."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest

from tests.penalty.helpers import CG_A, to_assessed
from tests.support.http import problem
from tests.support.personas import officer
from tests.support.stack import Running, client

PACKAGE = Path(__file__).resolve().parents[2] / "services" / "penalty"
EN = {"Accept-Language": "en"}


def _raises_without_english(path: Path) -> list[str]:
    """``raise X(...)`` calls of a module that give no ``detail_en`` (constructors named ``of`` give one)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        call = node.exc
        name = ast.unparse(call.func)
        if name in ("ValueError", "TypeError") or name.endswith(".of"):
            continue
        if "detail_en" not in {k.arg for k in call.keywords}:
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    return found


def test_every_error_outside_the_rules_has_an_english_detail() -> None:
    modules = [p for p in PACKAGE.rglob("*.py") if not {"domain", "migrations"} & set(p.parts)]
    assert len(modules) > 10  # the guard cannot pass for want of modules
    assert [m for p in modules for m in _raises_without_english(p)] == []


@pytest.mark.asyncio(loop_scope="session")
async def test_a_foreign_case_reads_as_missing_in_both_languages(penalty: Running) -> None:
    missing = uuid.uuid4()
    async with client(penalty.url) as http:
        foreign = await to_assessed(http)
        zh = await http.get(f"/api/v1/penalty/cases/{foreign}", headers=officer(**CG_A))
        en = await http.get(f"/api/v1/penalty/cases/{foreign}", headers={**officer(**CG_A), **EN})
        en_missing = await http.get(f"/api/v1/penalty/cases/{missing}", headers={**officer(**CG_A), **EN})
    assert problem(zh, 404, "CASE_NOT_FOUND")["detail"] == f"案件 {foreign} 不存在"
    assert problem(en, 404, "CASE_NOT_FOUND")["detail"] == f"Case {foreign} does not exist"
    assert problem(en_missing, 404, "CASE_NOT_FOUND")["detail"] == f"Case {missing} does not exist"
