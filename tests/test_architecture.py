"""Architecture boundaries (import-linter contracts in pyproject.toml): services never import each other or
the gateway; the kernel and the gateway import no service."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


def test_every_service_has_the_same_shape() -> None:
    from services.common.registry import SERVICES

    shape = [
        "app.py",
        "settings.py",
        "api.py",
        "deps.py",
        "schemas.py",
        "models.py",
        ("repository.py", "repository/__init__.py"),
        ("service.py", "use_cases/__init__.py"),  # until issue #12 has moved every service
        "events.py",
        "domain/__init__.py",
        "migrations/env.py",
    ]
    for name in SERVICES:
        missing = [
            f
            for f in shape
            if not any(
                (ROOT / "services" / name / alt).exists() for alt in (f if isinstance(f, tuple) else (f,))
            )
        ]
        assert not missing, f"services/{name} lacks {missing}"
