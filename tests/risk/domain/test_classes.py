"""Enterprise risk classes: scores worked by hand (recency, caps, repairs), and the SQL against PostgreSQL."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.common.db import plain_dsn
from services.risk.domain import classes
from services.risk.domain.classes import (
    ClassConfig,
    ContributionKind,
    DatedSignal,
    EnterpriseSignals,
    PenaltySignal,
    PenaltyTier,
    PublicationSignal,
    RiskClass,
    score_enterprise,
)
from tests.support.stack import Stack

CONFIG = ClassConfig(
    penalty_points=classes.PenaltyPoints(aggravated=40, general=20, lenient=12, mitigated=8),
    penalty_window_days=1095,
    penalty_decay="linear",
    publication_points=15,
    violation=classes.SignalRule(points=10, window_days=730, decay="linear", cap=40),
    complaint=classes.SignalRule(points=3, window_days=365, decay="none", cap=15),
    repair=classes.SignalRule(points=10, window_days=1095, decay="none", cap=30),
    thresholds=classes.ClassThresholds(B=20, C=40, D=70),
)
TODAY = date(2026, 5, 20)
USCC = "91110000600037341L"


def signals(**kw: object) -> EnterpriseSignals:
    return EnterpriseSignals(USCC, **kw)  # type: ignore[arg-type]


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


class TestRecency:
    def test_no_signals_is_class_a(self) -> None:
        c = score_enterprise(signals(), CONFIG, TODAY)
        assert (c.score, c.risk_class, c.reasons) == (0, RiskClass.A, ())
        assert c.reasons_json() == []

    def test_fresh_general_penalty(self) -> None:
        # age 0: 20 * (1095 - 0) // 1095 = 20 -> exactly the B threshold
        c = score_enterprise(signals(penalties=(PenaltySignal(TODAY, PenaltyTier.GENERAL),)), CONFIG, TODAY)
        assert c.score == 20
        assert c.risk_class is RiskClass.B

    def test_one_year_old_general_penalty(self) -> None:
        # age 365: 20 * 730 = 14600; 14600 // 1095 = 13 (1095 * 13 = 14235, 1095 * 14 = 15330)
        c = score_enterprise(
            signals(penalties=(PenaltySignal(days_ago(365), PenaltyTier.GENERAL),)), CONFIG, TODAY
        )
        assert c.score == 13
        assert c.risk_class is RiskClass.A

    def test_window_edges(self) -> None:
        # age 1094: 40 * 1 // 1095 = 0 points but still counted; age 1095 is outside the window; future ignored.
        last_day = score_enterprise(
            signals(penalties=(PenaltySignal(days_ago(1094), PenaltyTier.AGGRAVATED),)), CONFIG, TODAY
        )
        assert last_day.score == 0
        assert last_day.reasons_json() == [{"kind": "penalty_aggravated", "count": 1, "points": 0}]
        outside = score_enterprise(
            signals(penalties=(PenaltySignal(days_ago(1095), PenaltyTier.AGGRAVATED),)), CONFIG, TODAY
        )
        assert outside.reasons == ()
        future = score_enterprise(
            signals(penalties=(PenaltySignal(TODAY + timedelta(days=1), PenaltyTier.AGGRAVATED),)),
            CONFIG,
            TODAY,
        )
        assert future.reasons == ()

    def test_tiers_are_ordered(self) -> None:
        def fresh(tier: PenaltyTier) -> int:
            return score_enterprise(signals(penalties=(PenaltySignal(TODAY, tier),)), CONFIG, TODAY).score

        assert [fresh(t) for t in PenaltyTier] == [40, 20, 12, 8]
        with pytest.raises(ValidationError):
            classes.PenaltyPoints(aggravated=40, general=10, lenient=12, mitigated=8)


class TestWorkedExample:
    def test_all_signal_kinds(self) -> None:
        # Today 2026-05-20.
        assert (TODAY - date(2025, 5, 20)).days == 365
        assert (TODAY - date(2024, 5, 20)).days == 730  # no 29 February between the two dates
        assert (TODAY - date(2026, 1, 20)).days == 120  # 11 (Jan) + 28 + 31 + 30 + 20
        s = signals(
            penalties=(
                # aggravated, age 365: 40 * 730 = 29200; // 1095 = 26 (1095 * 26 = 28470, * 27 = 29565)
                PenaltySignal(date(2025, 5, 20), PenaltyTier.AGGRAVATED, "沈市监罚〔2025〕1号"),
                # general, age 730: 20 * 365 = 7300; // 1095 = 6 (1095 * 6 = 6570, * 7 = 7665)
                PenaltySignal(date(2024, 5, 20), PenaltyTier.GENERAL, "沈市监罚〔2024〕9号"),
            ),
            # one publication still active (15), one withdrawn yesterday (0)
            publications=(
                PublicationSignal(date(2025, 5, 25)),
                PublicationSignal(date(2024, 5, 25), withdrawn_on=date(2026, 5, 19)),
            ),
            # violation, age 120: 10 * (730 - 120) = 6100; // 730 = 8 (730 * 8 = 5840, * 9 = 6570)
            violations=(DatedSignal(date(2026, 1, 20)),),
            # two complaints within 365 days: 2 * 3 = 6; one 400 days old: outside
            complaints=(DatedSignal(days_ago(10)), DatedSignal(days_ago(364)), DatedSignal(days_ago(400))),
            # one completed repair: -10
            repairs=(DatedSignal(date(2026, 3, 1)),),
        )
        c = score_enterprise(s, CONFIG, TODAY)
        expected = 26 + 6 + 15 + 8 + 6 - 10  # 51
        assert c.score == expected == 51
        assert c.risk_class is RiskClass.C  # 40 <= 51 < 70
        assert c.reasons_json() == [
            {"kind": "penalty_aggravated", "count": 1, "points": 26},
            {"kind": "penalty_general", "count": 1, "points": 6},
            {"kind": "publication", "count": 1, "points": 15},
            {"kind": "violation", "count": 1, "points": 8},
            {"kind": "complaint", "count": 2, "points": 6},
            {"kind": "repair", "count": 1, "points": -10},
        ]
        assert c.explanation() == (
            "从重处罚1件，加26分；一般处罚1件，加6分；公示中的行政处罚信息1条，加15分；检查发现违法问题1项，加8分；"
            "12345投诉2件，加6分；已完成信用修复1次，减10分；合计51分，C类（较高风险）"
        )
        assert [i.points for i in c.items if i.kind is ContributionKind.PENALTY_AGGRAVATED] == [26]


class TestCapsAndFloor:
    def test_complaints_are_capped(self) -> None:
        # 6 complaints * 3 = 18, capped at 15
        c = score_enterprise(
            signals(complaints=tuple(DatedSignal(days_ago(i)) for i in range(6))), CONFIG, TODAY
        )
        assert c.reasons_json() == [{"kind": "complaint", "count": 6, "points": 15}]

    def test_repairs_cannot_push_below_zero(self) -> None:
        # fresh lenient penalty 12, two repairs -20: 12 - 20 = -8 -> 0
        c = score_enterprise(
            signals(
                penalties=(PenaltySignal(TODAY, PenaltyTier.LENIENT),),
                repairs=(DatedSignal(days_ago(1)), DatedSignal(days_ago(2))),
            ),
            CONFIG,
            TODAY,
        )
        assert c.score == 0
        assert c.risk_class is RiskClass.A
        assert c.reasons_json()[-1] == {"kind": "repair", "count": 2, "points": -20}

    def test_publication_active_boundaries(self) -> None:
        def score(p: PublicationSignal) -> int:
            return score_enterprise(signals(publications=(p,)), CONFIG, TODAY).score

        assert score(PublicationSignal(TODAY)) == 15  # published today
        assert score(PublicationSignal(TODAY + timedelta(days=1))) == 0  # not yet published
        assert score(PublicationSignal(days_ago(100), withdrawn_on=TODAY)) == 0  # withdrawn today
        assert score(PublicationSignal(days_ago(100), withdrawn_on=TODAY + timedelta(days=1))) == 15

    def test_class_thresholds(self) -> None:
        t = CONFIG.thresholds
        assert [classes.class_for(s, t) for s in (0, 19, 20, 39, 40, 69, 70, 500)] == [
            RiskClass.A,
            RiskClass.A,
            RiskClass.B,
            RiskClass.B,
            RiskClass.C,
            RiskClass.C,
            RiskClass.D,
            RiskClass.D,
        ]
        with pytest.raises(ValidationError):
            classes.ClassThresholds(B=40, C=40, D=70)


_dates = st.integers(min_value=-20, max_value=1300).map(days_ago)
_signals = st.builds(
    EnterpriseSignals,
    st.just(USCC),
    penalties=st.lists(st.builds(PenaltySignal, _dates, st.sampled_from(PenaltyTier)), max_size=4).map(tuple),
    publications=st.lists(st.builds(PublicationSignal, _dates, st.none() | _dates), max_size=3).map(tuple),
    violations=st.lists(st.builds(DatedSignal, _dates), max_size=5).map(tuple),
    complaints=st.lists(st.builds(DatedSignal, _dates), max_size=7).map(tuple),
    repairs=st.lists(st.builds(DatedSignal, _dates), max_size=4).map(tuple),
)


class TestProperties:
    @settings(max_examples=200, deadline=None)
    @given(_signals, _dates, st.sampled_from(PenaltyTier))
    def test_another_penalty_never_lowers_the_score(
        self, s: EnterpriseSignals, when: date, tier: PenaltyTier
    ) -> None:
        more = EnterpriseSignals(
            s.uscc,
            (*s.penalties, PenaltySignal(when, tier)),
            s.publications,
            s.violations,
            s.complaints,
            s.repairs,
        )
        assert score_enterprise(more, CONFIG, TODAY).score >= score_enterprise(s, CONFIG, TODAY).score

    @settings(max_examples=200, deadline=None)
    @given(_signals, _dates)
    def test_a_repair_never_raises_the_score(self, s: EnterpriseSignals, when: date) -> None:
        more = EnterpriseSignals(
            s.uscc, s.penalties, s.publications, s.violations, s.complaints, (*s.repairs, DatedSignal(when))
        )
        assert score_enterprise(more, CONFIG, TODAY).score <= score_enterprise(s, CONFIG, TODAY).score

    @settings(max_examples=200, deadline=None)
    @given(_signals)
    def test_score_is_the_floored_sum_of_reasons(self, s: EnterpriseSignals) -> None:
        c = score_enterprise(s, CONFIG, TODAY)
        assert c.score == max(0, sum(r.points for r in c.reasons))
        assert c.risk_class is classes.class_for(c.score, CONFIG.thresholds)


class TestSqlText:
    def test_parameters_and_inlined_config(self) -> None:
        sql = classes.classification_sql(CONFIG)
        assert set(re.findall(r"(?<!:):([a-z_]+)", sql)) == {"today", "version", "at"}
        assert "1095" in sql and "LEAST(sum(" in sql and "ON CONFLICT (uscc) DO UPDATE" in sql
        query = classes.classification_query_sql(CONFIG)
        assert set(re.findall(r"(?<!:):([a-z_]+)", query)) == {"today"}
        changed = CONFIG.model_copy(update={"penalty_window_days": 730})
        assert "1095" not in classes.classification_query_sql(changed).split("risk_violation_signal")[0]

    def test_subset_binds_the_usccs_in_every_scan(self) -> None:
        query = classes.classification_query_sql(CONFIG, subset=True)
        assert set(re.findall(r"(?<!:):([a-z_]+)", query)) == {"today", "usccs"}
        # five signal scans and the universe
        assert query.count("= ANY(CAST(:usccs AS text[]))") == 6


# --------------------------------------------------------------------------------------------------- database

DDL = """
CREATE TABLE risk_enterprise (uscc text PRIMARY KEY);
CREATE TABLE risk_penalty_signal (id bigserial PRIMARY KEY, uscc text NOT NULL, decided_on date NOT NULL,
  tier text NOT NULL CHECK (tier IN ('aggravated', 'general', 'lenient', 'mitigated')));
CREATE TABLE risk_publication_signal (id bigserial PRIMARY KEY, uscc text NOT NULL, published_on date NOT NULL,
  withdrawn_on date);
CREATE TABLE risk_violation_signal (id bigserial PRIMARY KEY, uscc text NOT NULL, found_on date NOT NULL);
CREATE TABLE risk_complaint_signal (id bigserial PRIMARY KEY, uscc text NOT NULL, received_on date NOT NULL);
CREATE TABLE risk_repair_signal (id bigserial PRIMARY KEY, uscc text NOT NULL, completed_on date NOT NULL);
CREATE TABLE enterprise_class (uscc text PRIMARY KEY, class char(1) NOT NULL, score integer NOT NULL,
  reasons jsonb NOT NULL, reason_texts jsonb NOT NULL, version text NOT NULL, changed_on date NOT NULL,
  revision integer NOT NULL, classified_at timestamptz NOT NULL);
"""


def _positional(sql: str) -> tuple[str, list[str]]:
    names: list[str] = []

    def sub(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"(?<!:):([a-z_]+)", sub, sql), names


def _random_enterprises(n: int, seed: int) -> list[EnterpriseSignals]:
    rnd = random.Random(seed)

    def when(span: int) -> date:
        return TODAY - timedelta(days=rnd.randint(-30, span))

    out = []
    for i in range(n):
        out.append(
            EnterpriseSignals(
                f"E{i:06d}",
                tuple(
                    PenaltySignal(when(1200), rnd.choice(list(PenaltyTier)))
                    for _ in range(rnd.choice([0, 1, 2, 5]))
                ),
                tuple(
                    PublicationSignal(when(1200), rnd.choice([None, when(400)]))
                    for _ in range(rnd.choice([0, 1, 3]))
                ),
                tuple(DatedSignal(when(900)) for _ in range(rnd.choice([0, 1, 6]))),
                tuple(DatedSignal(when(500)) for _ in range(rnd.choice([0, 2, 8]))),
                tuple(DatedSignal(when(1200)) for _ in range(rnd.choice([0, 1, 4]))),
            )
        )
    return out


async def _compare_in_postgres(uri: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(uri)
    try:
        await conn.execute(DDL)
        ents = _random_enterprises(1500, seed=11)
        await conn.executemany("INSERT INTO risk_enterprise VALUES ($1)", [(e.uscc,) for e in ents])
        await conn.executemany(
            "INSERT INTO risk_penalty_signal (uscc, decided_on, tier) VALUES ($1, $2, $3)",
            [(e.uscc, p.decided_on, p.tier.value) for e in ents for p in e.penalties],
        )
        await conn.executemany(
            "INSERT INTO risk_publication_signal (uscc, published_on, withdrawn_on) VALUES ($1, $2, $3)",
            [(e.uscc, p.published_on, p.withdrawn_on) for e in ents for p in e.publications],
        )
        for table, col, attr in (
            ("risk_violation_signal", "found_on", "violations"),
            ("risk_complaint_signal", "received_on", "complaints"),
            ("risk_repair_signal", "completed_on", "repairs"),
        ):
            await conn.executemany(
                f"INSERT INTO {table} (uscc, {col}) VALUES ($1, $2)",
                [(e.uscc, s.on) for e in ents for s in getattr(e, attr)],
            )
        query, names = _positional(classes.classification_query_sql(CONFIG))
        for day in (TODAY, TODAY + timedelta(days=150), TODAY - timedelta(days=400)):
            rows = await conn.fetch(query, *[{"today": day}[n] for n in names])
            got = {
                r["uscc"]: (r["class"], r["score"], json.loads(r["reasons"]), json.loads(r["reason_texts"]))
                for r in rows
            }
            for e in ents:
                py = score_enterprise(e, CONFIG, day)
                expected = (
                    py.risk_class.value,
                    py.score,
                    py.reasons_json(),
                    [r.describe() for r in py.reasons],
                )
                assert got[e.uscc] == expected, e.uscc

        some = [e.uscc for e in ents[:40]]
        sub, snames = _positional(classes.classification_query_sql(CONFIG, subset=True))
        rows = await conn.fetch(sub, *[{"today": TODAY, "usccs": some}[n] for n in snames])
        assert sorted(r["uscc"] for r in rows) == sorted(some)

        at = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)
        upsert, unames = _positional(classes.classification_sql(CONFIG))
        params = [{"today": TODAY, "version": "t1", "at": at}[n] for n in unames]
        # the statement for a table without classes (reason texts made while aggregating) writes the same rows
        every, enames = _positional(classes.classification_sql(CONFIG, first=True))
        trial = conn.transaction()
        await trial.start()
        every_rows = await conn.fetch(
            every, *[{"today": TODAY, "version": "t1", "at": at}[n] for n in enames]
        )
        await trial.rollback()
        first = await conn.fetch(upsert, *params)
        assert sorted(map(tuple, every_rows)) == sorted(map(tuple, first))
        assert len(first) == len(ents) and all(
            r["previous_class"] is None and r["class_changed"] and r["revision"] == 1 for r in first
        )
        # the upsert makes the texts from the reasons of the rows it writes (reason_texts_sql): Python's texts
        by_uscc = {e.uscc: score_enterprise(e, CONFIG, TODAY) for e in ents}
        for r in first:
            py = by_uscc[r["uscc"]]
            assert (json.loads(r["reasons"]), json.loads(r["reason_texts"])) == (
                py.reasons_json(),
                [reason.describe() for reason in py.reasons],
            ), r["uscc"]
        assert await conn.fetch(upsert, *params) == []  # nothing changed: nothing written
        later = [{"today": TODAY + timedelta(days=200), "version": "t1", "at": at}[n] for n in unames]
        for r in await conn.fetch(upsert, *later):
            e = next(x for x in ents if x.uscc == r["uscc"])
            assert r["class"] == score_enterprise(e, CONFIG, TODAY + timedelta(days=200)).risk_class.value
            assert r["previous_class"] == score_enterprise(e, CONFIG, TODAY).risk_class.value
            assert r["revision"] == 2
    finally:
        await conn.close()


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="session")
async def test_sql_equals_python_on_random_data(stack: Stack) -> None:
    """The set-based SQL and the reference scorer agree on 1,500 random enterprises at three dates."""
    url = await stack.anew_database("risk_sql", migrated=False)
    await _compare_in_postgres(plain_dsn(url))
