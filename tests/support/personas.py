"""Request headers for the people and systems that call the platform (tokens from the development key)."""

from __future__ import annotations

from typing import Any

from tests.support.stack import auth


def officer(
    cert_no: str, dept: str, district: str = "210100", *, sub: str | None = None, **claims: Any
) -> dict[str, str]:
    return auth(
        "officer",
        sub or f"officer-{cert_no}",
        cert_no=cert_no,
        dept_code=dept,
        district_code=district,
        **claims,
    )


def enterprise(uscc: str, *, sub: str | None = None) -> dict[str, str]:
    return auth("enterprise", sub or f"ent-{uscc}", uscc=uscc)


def supervisor(scope: str = "city", *, sub: str | None = None) -> dict[str, str]:
    return auth("supervisor", sub or f"sup-{scope}", scope=scope)


def integration(client: str, *, sub: str | None = None) -> dict[str, str]:
    return auth("integration", sub or f"client-{client}", client=client)


def admin(sub: str = "admin-test") -> dict[str, str]:
    return auth("admin", sub)
