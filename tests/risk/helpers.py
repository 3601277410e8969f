"""Helpers of the risk service tests: the pinned clock, events applied through the service's own declared
consumers (the NATS path is covered by tests/e2e), and the identities these tests use."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from services.common import clock
from services.common.db import transaction
from services.common.events import Event, make_envelope
from services.common.inbox import Subscription
from services.risk import consumers
from tests.support import personas
from tests.support.stack import Running

# The service clock of these tests (conftest pins it for every module): Monday 2026-11-23, 10:00 in China.
# 2026Q3 has ended, 2026Q4 is running, and every deadline of 20 working days stays inside 2026, the last year
# the statutory calendar package covers, whatever day the suite runs.
TODAY = date(2026, 11, 23)


def pin(day: date = TODAY, hour: int = 10) -> None:
    """Make the service clock read ``day`` at ``hour`` o'clock in China (it keeps running from there)."""
    clock.set_offset(datetime.combine(day, time(hour), tzinfo=clock.CHINA) - datetime.now(UTC))


def handlers(running: Running) -> dict[str, Subscription]:
    """The service's declared consumers, bound to its context, by event type."""
    return {s.subject: s for s in consumers.consumers.subscriptions(running.runtime.context)}


async def apply(running: Running, *items: Event) -> None:
    """Apply events through the consumer handlers, each in its own transaction (as the inbox runner does)."""
    subs = handlers(running)
    for event in items:
        envelope = make_envelope(event, source=event.TYPE.split(".")[0])
        async with transaction(running.runtime.factory) as session:
            await subs[event.TYPE].handler(session, envelope, event)


def of_unit(unit: str) -> dict[str, str]:
    """The department and district of an enforcement unit's code, as events name them: ``SJ-210102``."""
    department, _, district = unit.partition("-")
    return {"department_code": department, "district_code": district}


def unit_officer(unit: str) -> dict[str, str]:
    """An officer of the enforcement unit ``unit`` (its department and district claims)."""
    department, _, district = unit.partition("-")
    return personas.officer("辽A-0100001", department, district, sub=f"officer-{unit}")


SUPERVISOR = personas.supervisor("city", sub="sup-city")
ADMIN = personas.admin("admin-1")
COURT = personas.integration("court")
RECON = personas.integration("reconsideration")
HOTLINE = personas.integration("12345")


def q3(month: int, day: int) -> date:
    return date(2026, month, day)


def any_of(items: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(i for i in items if all(i.get(k) == v for k, v in match.items()))


def make_uscc(n: int) -> str:
    """A valid 统一社会信用代码 (check digit computed by python-stdnum) for enterprise number ``n``."""
    from stdnum.cn import uscc

    body = f"91210102MA{n:07d}"
    return body + uscc.calc_check_digit(body)
