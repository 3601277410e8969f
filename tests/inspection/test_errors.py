"""Every error of the inspection service says in English what it says in Chinese.

A DomainError raised with a Chinese detail and no English one is rendered for ``Accept-Language: en`` as
"English title (Chinese detail)" (services/common/problems.py): the English reader gets the specifics only
in Chinese. So every place the service builds one of its errors with a detail also gives ``detail_en``, and
the English detail carries the same specifics (numbers, dates, ids), which the kernel checks when it renders.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from services.common import errors as kernel_errors
from services.common import pagination
from services.common.errors import DomainError
from services.common.problems import english_detail
from services.inspection import errors

ROOT = Path(__file__).resolve().parents[2] / "services" / "inspection"
ERRORS = {
    name
    for module in (errors, kernel_errors, pagination)
    for name, value in vars(module).items()
    if inspect.isclass(value) and issubclass(value, DomainError)
}


def _missing_english(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    missing = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        if name not in ERRORS or not node.args:  # no detail: the title (and its English) is the message
            continue
        if not any(k.arg == "detail_en" for k in node.keywords):
            missing.append(f"{path.relative_to(ROOT.parents[1])}:{node.lineno} {name}")
    return missing


def test_every_error_with_a_detail_has_an_english_detail() -> None:
    missing = [
        m
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts
        for m in _missing_english(path)
    ]
    assert not missing, "errors without detail_en:\n" + "\n".join(missing)


def test_the_english_detail_carries_the_specifics() -> None:
    """Spot check of the kernel's rule on a refusal naming a certificate, a date and a task."""
    refusal = errors.CertSuspended(
        "执法证 辽A-0012345（夏静波）已于2026-05-01暂扣，不得从事行政检查",
        detail_en="Certificate 辽A-0012345 (夏静波) was suspended on 2026-05-01; no inspection",
    )
    assert (
        english_detail(refusal)
        == "Certificate 辽A-0012345 (夏静波) was suspended on 2026-05-01; no inspection"
    )
