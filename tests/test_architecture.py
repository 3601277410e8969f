"""Architecture boundaries (import-linter contracts in pyproject.toml): services never import each other or
the gateway; the kernel and the gateway import no service."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 8 kept, 0 broken" in result.stdout


def test_every_service_has_the_same_shape() -> None:
    from services.common.registry import SERVICES

    shape = [
        "app.py",
        "settings.py",
        "api.py",
        "deps.py",
        "schemas.py",
        "models.py",
        "repository.py",
        "service.py",
        "events.py",
        "domain/__init__.py",
        "migrations/env.py",
    ]
    # Issue #12: a service reshaped into use cases has the shape of docs/architecture.md and no service.py.
    reshaped = [
        "app.py",
        "settings.py",
        "api.py",
        "deps.py",
        "schemas.py",
        "views.py",
        "errors.py",
        "models.py",
        "events.py",
        "jobs.py",
        "use_cases/__init__.py",
        "domain/__init__.py",
        "migrations/env.py",
    ]
    for name in SERVICES:
        root = ROOT / "services" / name
        if (root / "use_cases").is_dir():
            missing = [f for f in reshaped if not (root / f).exists()]
            missing += (
                [] if (root / "repository.py").exists() or (root / "repository").is_dir() else ["repository"]
            )
            assert not (root / "service.py").exists(), f"services/{name} still has service.py"
        else:
            missing = [f for f in shape if not (root / f).exists()]
        assert not missing, f"services/{name} lacks {missing}"
