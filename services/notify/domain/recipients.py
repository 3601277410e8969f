"""Who reads a notification log. One principal reads exactly one log, so one per-recipient sequence
numbers everything its stream sends (the SSE ``id``), and ``Last-Event-ID`` is one number.

- an enterprise reads the log of its USCC;
- an officer reads its own log (by certificate number); a department head (``dept_head``) reads the log of
  the enforcement unit it heads, ``<dept_code>-<district_code>`` (or the ``unit_code`` claim), the
  address of what concerns the unit (a risk warning, a missed deadline);
- other roles have no log (they are refused before this is asked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.common.auth import Principal

RecipientKind = Literal["enterprise", "officer", "department"]


@dataclass(frozen=True, slots=True)
class Recipient:
    kind: RecipientKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def unit_code(dept_code: str, district_code: str | None) -> str:
    """The enforcement unit of a department in a district: ``SJ-210102`` (``SJ`` without a district)."""
    return f"{dept_code}-{district_code}" if district_code else dept_code


def of_principal(principal: Principal) -> Recipient | None:
    """The log ``principal`` reads, or None for a role that has none."""
    if principal.role == "enterprise" and principal.uscc:
        return Recipient("enterprise", principal.uscc)
    if principal.role == "officer":
        if principal.claims.get("dept_head") and principal.dept_code:
            explicit = principal.claims.get("unit_code")
            if isinstance(explicit, str) and explicit:
                return Recipient("department", explicit)
            return Recipient("department", unit_code(principal.dept_code, principal.district_code))
        if principal.cert_no:
            return Recipient("officer", principal.cert_no)
    return None
