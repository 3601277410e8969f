"""The penalty domain's shape: pure rules that import nothing of the service but the domain itself and the
service's errors, in modules under 800 lines, with functions under 80 lines unless they say why."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[3] / "services" / "penalty" / "domain"
ALLOWED = ("services.penalty.domain", "services.penalty.errors")
# I/O and the clock stay outside: the domain takes dates and data as parameters.
FORBIDDEN_TOP = {"sqlalchemy", "asyncpg", "nats", "fastapi", "httpx", "os", "pathlib", "socket", "time"}


def _modules() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_the_domain_imports_only_itself_and_the_service_errors() -> None:
    wrong = [
        f"{path.relative_to(DOMAIN)}: {name}"
        for path in _modules()
        for name in _imports(path)
        if name.startswith("services.penalty") and not name.startswith(ALLOWED)
    ]
    assert not wrong


def test_the_domain_does_no_io() -> None:
    wrong = [
        f"{path.relative_to(DOMAIN)}: {name}"
        for path in _modules()
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN_TOP
    ]
    assert not wrong


def test_modules_and_functions_stay_small() -> None:
    big_modules = [p.name for p in _modules() if len(p.read_text("utf-8").splitlines()) > 800]
    assert not big_modules
    long_functions = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 80:
                doc = ast.get_docstring(node) or ""
                if "long because" not in doc:
                    long_functions.append(f"{path.relative_to(DOMAIN)}:{node.name}")
    assert not long_functions
