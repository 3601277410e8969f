"""Who reads which log (services/notify/domain/recipients.py)."""

from __future__ import annotations

from services.common.auth import Principal
from services.notify.domain.recipients import Recipient, of_principal


def test_one_log_per_principal() -> None:
    assert of_principal(Principal("e", "enterprise", uscc="91210102MALF0FGQ49")) == Recipient(
        "enterprise", "91210102MALF0FGQ49"
    )
    officer = Principal("o", "officer", cert_no="辽A-1", dept_code="SJ", district_code="210102")
    assert of_principal(officer) == Recipient("officer", "辽A-1")
    head = Principal(
        "h", "officer", cert_no="辽A-2", dept_code="SJ", district_code="210102", claims={"dept_head": True}
    )
    assert of_principal(head) == Recipient("department", "SJ-210102")
    explicit = Principal(
        "h", "officer", cert_no="辽A-2", dept_code="SJ", claims={"dept_head": True, "unit_code": "SJ-210100"}
    )
    assert of_principal(explicit) == Recipient("department", "SJ-210100")
    assert of_principal(Principal("s", "supervisor", scope="city")) is None
    assert of_principal(Principal("a", "admin")) is None
