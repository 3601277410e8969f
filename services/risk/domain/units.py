"""Enforcement units (执法主体) as events name them: a department and a district.

A unit's code is ``<department>-<district>`` (``SJ-210102`` 沈阳市和平区市场监督管理局), as in
data/sample/departments.json; a department's city-level unit keeps its own code. A code says which department
and district it belongs to, so a unit seen first in an event is registered with both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UnitRef:
    """A unit as far as its code tells: ``SJ-210102`` → department SJ, district 210102."""

    code: str
    department_code: str | None
    district_code: str | None

    @classmethod
    def of(cls, code: str) -> UnitRef:
        department, _, district = code.partition("-")
        return cls(
            code=code,
            department_code=department if district else None,
            district_code=district if district.isdigit() and len(district) == 6 else None,
        )


def unit_code_for(department_code: str, district_code: str | None) -> str:
    """The enforcement unit of an event: ``<department>-<district>`` (``SJ-210102``)."""
    if "-" in department_code or not district_code:
        return department_code
    return f"{department_code}-{district_code}"


def unit_of_event(department_code: str, district_code: str | None) -> UnitRef:
    """The unit an event names; a department code alone keeps the event's district."""
    code = unit_code_for(department_code, district_code)
    unit = UnitRef.of(code)
    if district_code and unit.district_code is None and code == department_code:
        return UnitRef(code, unit.department_code, district_code)
    return unit
