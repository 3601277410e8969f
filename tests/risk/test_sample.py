"""The sample loader: fast, idempotent, and the report it produces is not empty and shows every colour."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlalchemy as sa

from services.common import clock
from services.common.access import Scope
from services.common.db import create_engine, session_factory, transaction
from services.risk import sample
from services.risk.domain.report import Quarter
from services.risk.settings import RiskSettings, read_config
from services.risk.use_cases import reports
from tests.support.stack import Stack


async def test_sample_loads_twice_and_colours_the_report(stack: Stack) -> None:
    url = await stack.anew_database("risk")
    await _enter_next_year(url)  # blue deadlines (30 working days) reach into next year from November on
    started = time.perf_counter()
    first = await sample.load(url)
    elapsed = time.perf_counter() - started
    second = await sample.load(url)
    assert "units" in first and elapsed < 20, (first, elapsed)
    assert " 0 decisions, 0 outcomes and 0 12345 leads added" in second, second
    assert "already published" in second, second
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            previous = Quarter.containing(clock.today()).previous()
            rep = await reports.build_report(
                session, quarter=previous, config=read_config(RiskSettings()), today=clock.today()
            )
            warnings = await session.scalar(sa.text("SELECT count(*) FROM risk_warning"))
            classes = await session.scalar(sa.text("SELECT count(DISTINCT class) FROM enterprise_class"))
            document = await reports.get_report(
                session,
                quarter_text=str(previous),
                scope=Scope("supervisor", everything=True),  # a city supervisor's
                config=read_config(RiskSettings()),
            )
    finally:
        await engine.dispose()
    colours = {a.colour.value for a in rep.units}
    assert {"red", "none"} <= colours
    assert any(a.lamp for a in rep.units)
    assert warnings and warnings >= 3
    assert classes and classes >= 3  # not everyone A, not everyone D
    assert document["published"] is True


async def _enter_next_year(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            await session.execute(
                sa.text("INSERT INTO calendar_year (year, source) VALUES (:y, '测试：仅周末休息')"),
                {"y": clock.today().year + 1},
            )
    finally:
        await engine.dispose()


async def test_the_report_is_published_with_an_event_per_warning_whatever_the_year(stack: Stack) -> None:
    """A deadline in a year not entered yet is pending, no longer refused (CALENDAR_NOT_COVERED left nothing
    published): the sample's report is published on any day, each warning with its event."""
    url = await stack.anew_database("risk")
    summary = await sample.load(url)
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            reports = await session.scalar(sa.text("SELECT count(*) FROM quarter_report"))
            warnings = await session.scalar(sa.text("SELECT count(*) FROM risk_warning"))
            events = await session.scalar(
                sa.text("SELECT count(*) FROM outbox WHERE type = 'risk.warning.issued'")
            )
    finally:
        await engine.dispose()
    assert "not published" not in summary
    assert reports == 1 and warnings == events


async def test_sample_has_supervision_matters_complaints_and_review_scores(stack: Stack) -> None:
    """The console's 监督事项, 投诉举报 and 评查活动 show the sample's rows (issue #15 item 3), in every state."""
    url = await stack.anew_database("risk")
    clock.set_offset(datetime(2026, 11, 13, 10, tzinfo=clock.CHINA) - datetime.now(UTC))
    try:
        await sample.load(url)
        again = await sample.load(url)
        engine = create_engine(url, pool_size=1)
        try:
            async with transaction(session_factory(engine)) as session:
                matters = (
                    await session.execute(
                        sa.text("SELECT unit_code, kind, status, answered_late FROM supervision_matter")
                    )
                ).all()
                complaints = (
                    await session.execute(sa.text("SELECT unit_code, status FROM risk_complaint"))
                ).all()
                totals = (
                    await session.scalars(
                        sa.text("SELECT total FROM review_file WHERE total IS NOT NULL ORDER BY total DESC")
                    )
                ).all()
        finally:
            await engine.dispose()
    finally:
        clock.reset()
    assert "supervision matters" not in again and "complaints" not in again  # loaded once
    statuses = sorted(m.status for m in matters)
    # opened 2, 6 days ago with 10 working days: open; 20 days ago with 5 and 12 days ago with 5: overdue;
    # 30 days ago, answered and closed: closed; 25 days ago with 10 working days (due 2026-11-02), answered 3 days
    # ago (2026-11-10): answered, late
    assert statuses == ["answered", "closed", "open", "open", "overdue", "overdue"], matters
    assert [m.answered_late for m in matters if m.status == "answered"] == [True]
    assert {(m.unit_code, m.kind) for m in matters if m.kind == "escalation"} == {("CG-210104", "escalation")}
    assert {m.unit_code for m in matters} == {"CG-210104", "SJ-210106", "SJ-210100"}
    assert sorted(c.status for c in complaints) == [
        "answered",
        "forwarded",
        "received",
        "received",
        "replied",
    ]
    # the default sheet (主体 10, 事实 15, 证据 20, 程序 20, 适用法律 10, 裁量 10, 文书 10, 归档 5):
    # 10+15+18+20+10+8+9+5 = 95, 10+12+15+15+8+6+8+3 = 77, 10+10+10+5+5+5+5+5 = 55
    assert totals == [95, 77, 55]
