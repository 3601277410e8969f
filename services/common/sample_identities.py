"""Development identities that match the sample data (used by ``zhifa up`` and the README)."""

from __future__ import annotations

from typing import Any

IDENTITIES: dict[str, dict[str, Any]] = {
    "admin": {"role": "admin", "sub": "admin-1", "name": "平台管理员"},
    "supervisor (city)": {"role": "supervisor", "sub": "sup-city", "name": "市司法局监督员", "scope": "city"},
    "integration (12345)": {"role": "integration", "sub": "client-12345", "client": "12345"},
}


def try_it(base: str) -> str:
    return (
        f"  curl -s -X POST {base}/api/v1/inspection/diagnostics/ping \\\n"
        f"       -H \"Authorization: Bearer $(jq -r '.admin' var/tokens.json)\" -H 'Content-Type: application/json' \\\n"
        f'       -d \'{{"note": "你好"}}\''
    )
